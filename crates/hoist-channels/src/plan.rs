//! `release`: plan the command lines per release, then run them.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use xshell::Shell;

use crate::channel::closest;
use crate::process::{Command, run};
use crate::{Channel, ChannelError, Driver, Release, Source};

/// Which releases of a channel a run covers: all, or those of one driver, or one app.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only releases with this driver (`--driver`).
    pub driver: Option<Driver>,
    /// Only the release with this name (`--app`).
    pub app: Option<String>,
}

/// The releases of `channel` that `filter` selects, in file order.
///
/// An `--app` that names no release is an error (a typo must not release nothing
/// silently); a driver no release uses selects nothing.
pub fn select<'a>(channel: &'a Channel, filter: &Filter) -> Result<Vec<&'a Release>, ChannelError> {
    if let Some(app) = &filter.app
        && !channel.releases.iter().any(|r| &r.name == app)
    {
        let known: Vec<String> = channel.releases.iter().map(|r| r.name.clone()).collect();
        return Err(ChannelError::UnknownApp {
            app: app.clone(),
            channel: channel.name.clone(),
            suggestion: closest(app, &known),
            known,
        });
    }
    Ok(channel
        .releases
        .iter()
        .filter(|r| filter.driver.is_none_or(|d| r.driver() == d))
        .filter(|r| filter.app.as_ref().is_none_or(|a| &r.name == a))
        .collect())
}

/// A channel release, decided but not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleasePlan {
    /// The channel's name.
    pub channel: String,
    /// Its file.
    pub file: std::path::PathBuf,
    /// The releases selected, in the order they run.
    pub releases: Vec<PlannedRelease>,
    /// Everything that forbids the run; [`execute`] refuses while any remain.
    pub problems: Vec<String>,
}

/// The commands of one release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PlannedRelease {
    /// The release's name.
    pub name: String,
    /// Its driver.
    pub driver: Driver,
    /// The commands, in order.
    pub commands: Vec<Command>,
    /// What hoist noticed but does not act on (secrets it does not apply).
    pub notes: Vec<String>,
}

/// Whether a namespace exists, asked of the cluster.
enum Namespace {
    Exists,
    Missing,
    Unknown(String),
}

/// Plans releasing the selected releases of `channel`. Paths in the channel are relative to
/// `root` (the project directory).
///
/// Planning reads, never writes: it checks that every directory and file exists and asks the
/// cluster (`kubectl get namespace NS`) whether each helm release's namespace exists, to
/// choose between creating it and `helm install`, or `helm upgrade --install`.
pub fn plan_release(sh: &Shell, root: &Path, channel: &Channel, filter: &Filter) -> Result<ReleasePlan, ChannelError> {
    let mut problems = Vec::new();
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut releases = Vec::new();
    for release in select(channel, filter)? {
        check_paths(root, release, &mut problems);
        let mut commands = Vec::new();
        match &release.source {
            Source::Kustomize { dir } => {
                commands.push(Command::with_paths(
                    "kubectl",
                    &["apply", "-k"],
                    &[&root.join(dir)],
                    "apply the kustomization",
                ));
            }
            Source::Helm { chart, release: helm_name, namespace, values } => {
                let chart = root.join(chart);
                commands.push(Command::with_paths(
                    "helm",
                    &["dependency", "update"],
                    &[&chart],
                    "fetch the chart's dependencies",
                ));
                let state =
                    if created.contains(namespace) { Namespace::Missing } else { namespace_exists(sh, namespace)? };
                let mut helm = match state {
                    Namespace::Exists => Command::new(
                        "helm",
                        &["upgrade", "--install", helm_name],
                        format!("namespace `{namespace}` exists: upgrade the release (installing it if absent)"),
                    ),
                    Namespace::Missing if created.contains(namespace) => Command::new(
                        "helm",
                        &["upgrade", "--install", helm_name],
                        format!(
                            "namespace `{namespace}` is created by an earlier release of this run: install or upgrade"
                        ),
                    ),
                    Namespace::Missing => {
                        commands.push(Command::new(
                            "kubectl",
                            &["create", "namespace", namespace],
                            format!("namespace `{namespace}` does not exist"),
                        ));
                        created.insert(namespace.clone());
                        Command::new("helm", &["install", helm_name], "first release into a new namespace")
                    }
                    Namespace::Unknown(why) => {
                        problems.push(format!(
                            "cannot ask the cluster whether namespace `{namespace}` exists (release `{}`): {why}",
                            release.name
                        ));
                        Command::new("helm", &["upgrade", "--install", helm_name], "namespace state unknown")
                    }
                };
                helm.args.push(chart.display().to_string());
                helm.args.extend(["--namespace".to_owned(), namespace.clone()]);
                for file in values {
                    helm.args.extend(["--values".to_owned(), root.join(file).display().to_string()]);
                }
                commands.push(helm);
            }
        }
        releases.push(PlannedRelease {
            name: release.name.clone(),
            driver: release.driver(),
            commands,
            notes: secret_notes(release),
        });
    }
    Ok(ReleasePlan { channel: channel.name.clone(), file: channel.file.clone(), releases, problems })
}

pub(crate) fn secret_notes(release: &Release) -> Vec<String> {
    if release.secrets.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "secrets {} are not applied by hoist: apply them from your secret manager before the release",
        release.secrets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
    )]
}

/// Adds a problem for every directory or file of `release` that does not exist.
pub(crate) fn check_paths(root: &Path, release: &Release, problems: &mut Vec<String>) {
    let mut need = |path: &Path, what: &str, dir: bool| {
        let full = root.join(path);
        let ok = if dir { full.is_dir() } else { full.is_file() };
        if !ok {
            problems.push(format!(
                "release `{}`: the {what} `{}` does not exist: fix the path in the channel file (paths are relative to `{}`)",
                release.name,
                path.display(),
                root.display()
            ));
        }
    };
    match &release.source {
        Source::Kustomize { dir } => need(dir, "kustomization directory", true),
        Source::Helm { chart, values, .. } => {
            need(chart, "chart directory", true);
            for file in values {
                need(file, "values file", false);
            }
        }
    }
}

fn namespace_exists(sh: &Shell, namespace: &str) -> Result<Namespace, ChannelError> {
    let command = Command::new("kubectl", &["get", "namespace", namespace, "--output=name"], "");
    let finished = run(sh, &command)?;
    if finished.success() {
        return Ok(Namespace::Exists);
    }
    if finished.stderr.contains("NotFound") || finished.stderr.contains("not found") {
        return Ok(Namespace::Missing);
    }
    Ok(Namespace::Unknown(format!("`{}` failed: {}", command.display(), finished.message())))
}

/// What a release run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleaseReport {
    /// The releases applied, in order.
    pub applied: Vec<String>,
}

/// Runs `plan`: refuses while it has problems, then runs every command in order and stops at
/// the first that fails. `progress` is called before each command and with its output after.
pub fn execute(
    sh: &Shell,
    plan: &ReleasePlan,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReleaseReport, ChannelError> {
    if !plan.problems.is_empty() {
        return Err(ChannelError::Refused { channel: plan.channel.clone(), problems: plan.problems.clone() });
    }
    let mut applied = Vec::new();
    for release in &plan.releases {
        for command in &release.commands {
            progress(Progress::Running { release: &release.name, command });
            let finished = run(sh, command)?;
            progress(Progress::Output { stdout: &finished.stdout, stderr: &finished.stderr });
            if !finished.success() {
                return Err(ChannelError::CommandFailed {
                    release: release.name.clone(),
                    command: command.display(),
                    code: finished.code,
                    message: finished.message(),
                    applied,
                });
            }
        }
        applied.push(release.name.clone());
    }
    Ok(ReleaseReport { applied })
}

/// What [`execute`] reports while it runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A command is about to run.
    Running {
        /// The release it belongs to.
        release: &'a str,
        /// The command.
        command: &'a Command,
    },
    /// The command finished with this output.
    Output {
        /// Its standard output.
        stdout: &'a str,
        /// Its standard error.
        stderr: &'a str,
    },
}
