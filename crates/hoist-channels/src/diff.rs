//! `diff`: what a release would change, as one markdown block for a pull-request comment.

use std::path::Path;

use serde::Serialize;
use xshell::Shell;

use crate::plan::{check_paths, select};
use crate::process::{Command, run};
use crate::{Channel, ChannelError, Driver, Filter, Source};

/// The kustomization that wraps `helm template` output so `kubectl diff -k` can read it.
const HELM_KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {namespace}\nresources:\n- manifest.yaml\n";

/// The differences between a channel's manifests and the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChannelDiff {
    /// The channel's name.
    pub channel: String,
    /// The `--driver` the diff was narrowed to.
    pub driver: Option<Driver>,
    /// One entry per selected release, in file order.
    pub releases: Vec<ReleaseDiff>,
    /// The two branches compared, for a diff of branches; `None` for a diff against the
    /// cluster.
    pub sides: Option<Sides>,
}

/// The two sides of a diff of branches: what merging `from` into `to` would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Sides {
    /// The branch merged (`candidates/main`), with its commit.
    pub from: String,
    /// The branch merged into (`releases/prod`), with its commit.
    pub to: String,
}

impl Sides {
    /// The sides `from` and `to`, as they are shown.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Sides {
        Sides { from: from.into(), to: to.into() }
    }
}

/// The differences of one release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleaseDiff {
    /// The release's name.
    pub name: String,
    /// `kubectl diff` output, or the unified diffs of the resources that differ; `None` when
    /// nothing differs.
    pub diff: Option<String>,
    /// The resources that differ (diffs of branches only: `kubectl diff` does not say).
    pub resources: Vec<crate::ResourceChange>,
}

impl ChannelDiff {
    /// The diff of two branches: `releases`, one per release of either side, compared with
    /// [`crate::compare`].
    pub fn of_branches(channel: &str, driver: Option<Driver>, sides: Sides, releases: Vec<ReleaseDiff>) -> ChannelDiff {
        ChannelDiff { channel: channel.to_owned(), driver, releases, sides: Some(sides) }
    }

    /// True when some release differs from the cluster.
    pub fn has_changes(&self) -> bool {
        self.releases.iter().any(|r| r.diff.is_some())
    }

    /// One markdown block for a pull-request comment: a heading naming the releases that
    /// change, then every diff in one fenced `diff` block; or one sentence saying there are
    /// no changes.
    pub fn markdown(&self) -> String {
        let what = self.driver.map_or("manifest", Driver::as_str);
        let changed: Vec<&ReleaseDiff> = self.releases.iter().filter(|r| r.diff.is_some()).collect();
        let between = self.sides.as_ref().map(|s| format!(" between `{}` and `{}`", s.to, s.from)).unwrap_or_default();
        if changed.is_empty() {
            return format!("No {what} changes found for `{}`{between}.\n", self.channel);
        }
        let body: String = changed
            .iter()
            .filter_map(|r| r.diff.as_deref())
            .map(|d| if d.ends_with('\n') { d.to_owned() } else { format!("{d}\n") })
            .collect();
        // A fence longer than any run of backticks inside, so no diff line can close it.
        let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        let mut intro = String::new();
        if let Some(sides) = &self.sides {
            intro.push_str(&format!("Merging `{}` into `{}` changes:\n\n", sides.from, sides.to));
            for release in &changed {
                for resource in &release.resources {
                    intro.push_str(&format!(
                        "- `{}`: `{}` {}\n",
                        release.name,
                        resource.resource,
                        resource.change.as_str()
                    ));
                }
            }
            intro.push('\n');
        }
        format!(
            "### {} changes for `{}`: {}\n\n{intro}{fence}diff\n{body}{fence}\n",
            capitalized(what),
            self.channel,
            changed.iter().map(|r| format!("`{}`", r.name)).collect::<Vec<_>>().join(", ")
        )
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// Diffs the selected releases of `channel` against the cluster, with `kubectl diff`.
///
/// A kustomize release is `kubectl diff -k DIR`. A helm release is rendered with `helm
/// template` into a temporary kustomization (after `helm dependency update`) and diffed the
/// same way. `kubectl diff` exits 0 for no differences and 1 for differences; any other exit
/// is an error, never a diff.
pub fn diff(sh: &Shell, root: &Path, channel: &Channel, filter: &Filter) -> Result<ChannelDiff, ChannelError> {
    let selected = select(channel, filter)?;
    let mut problems = Vec::new();
    for release in &selected {
        check_paths(root, release, &mut problems);
    }
    if !problems.is_empty() {
        return Err(ChannelError::Refused { channel: channel.name.clone(), problems });
    }
    let mut releases = Vec::new();
    for release in selected {
        let name = &release.name;
        let diff = match &release.source {
            Source::Kustomize { dir } => {
                kubectl_diff(sh, name, &Command::with_paths("kubectl", &["diff", "-k"], &[&root.join(dir)], ""))?
            }
            Source::Helm { namespace, .. } => {
                let mut manifest = String::new();
                for command in crate::render_commands(root, release) {
                    manifest = check(sh, name, &command)?;
                }
                let dir = tempfile::Builder::new().prefix("hoist-helm-diff-").tempdir().map_err(|source| {
                    ChannelError::Render { release: name.clone(), path: std::env::temp_dir(), source }
                })?;
                let write = |file: &str, text: &str| {
                    let path = dir.path().join(file);
                    std::fs::write(&path, text).map_err(|source| ChannelError::Render {
                        release: name.clone(),
                        path,
                        source,
                    })
                };
                write("manifest.yaml", &manifest)?;
                write("kustomization.yaml", &HELM_KUSTOMIZATION.replace("{namespace}", namespace))?;
                kubectl_diff(sh, name, &Command::with_paths("kubectl", &["diff", "-k"], &[dir.path()], ""))?
            }
        };
        releases.push(crate::ReleaseDiff { name: name.clone(), diff, resources: Vec::new() });
    }
    Ok(ChannelDiff { channel: channel.name.clone(), driver: filter.driver, releases, sides: None })
}

/// Runs `command`; its stdout on success, else [`ChannelError::DiffFailed`].
fn check(sh: &Shell, release: &str, command: &Command) -> Result<String, ChannelError> {
    let finished = run(sh, command)?;
    if finished.success() {
        Ok(finished.stdout)
    } else {
        Err(ChannelError::DiffFailed {
            release: release.to_owned(),
            command: command.display(),
            code: finished.code,
            message: finished.message(),
        })
    }
}

/// `kubectl diff`: exit 0 is no differences, 1 is differences (on stdout), anything else is
/// an error.
fn kubectl_diff(sh: &Shell, release: &str, command: &Command) -> Result<Option<String>, ChannelError> {
    let finished = run(sh, command)?;
    match finished.code {
        Some(0) => Ok(None),
        Some(1) => Ok(Some(finished.stdout)),
        code => Err(ChannelError::DiffFailed {
            release: release.to_owned(),
            command: command.display(),
            code,
            message: finished.message(),
        }),
    }
}
