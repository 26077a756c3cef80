//! `release CHANNEL` and `diff CHANNEL`: channel releases through kubectl and helm.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_channels::{Channel, Filter, Progress, ReleasePlan};
use xshell::Shell;

use crate::Ctx;

/// A release driver, for `--driver`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum DriverArg {
    /// `kubectl apply -k`.
    Kustomize,
    /// `helm install` / `helm upgrade --install`.
    Helm,
}

impl From<DriverArg> for hoist_channels::Driver {
    fn from(d: DriverArg) -> Self {
        match d {
            DriverArg::Kustomize => hoist_channels::Driver::Kustomize,
            DriverArg::Helm => hoist_channels::Driver::Helm,
        }
    }
}

/// Apply a channel's releases to the cluster (kubectl apply -k, helm install/upgrade).
#[derive(Debug, clap::Args)]
pub(crate) struct Release {
    /// The channel: `test` is `channels/test.yaml` (see `[channels] dir`), or a path to a channel file.
    channel: String,
    /// Only the releases with this driver.
    #[arg(long, value_enum)]
    driver: Option<DriverArg>,
    /// Only the release with this name.
    #[arg(long, value_name = "NAME")]
    app: Option<String>,
    /// Print the commands that would run, with their reasons, and run nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

/// Show what releasing a channel would change, as one markdown block: against the cluster (kubectl diff), or between two branches (--from, --to).
#[derive(Debug, clap::Args)]
pub(crate) struct Diff {
    /// Compare branches instead of the cluster: the branch merged (`candidates/main`), rendered with `kubectl kustomize` / `helm template`.
    #[arg(long, value_name = "BRANCH", requires = "to")]
    from: Option<String>,
    /// The branch merged into (`releases/test`); the diff shows what merging `--from` into it changes.
    #[arg(long, value_name = "BRANCH", requires = "from")]
    to: Option<String>,
    /// The channel: `test` is `channels/test.yaml` (see `[channels] dir`), or a path to a channel file.
    channel: String,
    /// Only the releases with this driver.
    #[arg(long, value_enum)]
    driver: Option<DriverArg>,
    /// Only the release with this name.
    #[arg(long, value_name = "NAME")]
    app: Option<String>,
    /// Write the markdown to FILE instead of stdout (for a pull-request comment).
    #[arg(long, value_name = "FILE")]
    outfile: Option<PathBuf>,
    /// Print the per-release diffs as JSON.
    ///
    /// Between branches, the exit status is 0 for no changes and 1 for changes.
    #[arg(long)]
    json: bool,
}

fn open(ctx: &Ctx, channel: &str) -> anyhow::Result<(Shell, PathBuf, Channel)> {
    let config = ctx.config()?;
    let root = std::path::absolute(config.root())?;
    let file = hoist_channels::find_channel(&root.join(&config.channels.dir), channel)?;
    let channel = hoist_channels::load(&file)?;
    let sh = Shell::new().context("cannot start a shell")?;
    sh.change_dir(&root);
    Ok((sh, root, channel))
}

fn filter(driver: Option<DriverArg>, app: Option<String>) -> Filter {
    Filter { driver: driver.map(Into::into), app }
}

impl Release {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let (sh, root, channel) = open(ctx, &self.channel)?;
        let filter = filter(self.driver, self.app);
        let mut plan = hoist_channels::plan_release(&sh, &root, &channel, &filter)?;
        let repo = hoist_git::Repo::open(&root).ok();
        let mut lookup = ctx.image_lookup()?;
        let gate = hoist_promotion::release_gate(&root, repo.as_ref(), ctx.config()?, &channel, &filter, &mut lookup)?;
        plan.problems.extend(gate.problems.iter().cloned());
        let gated = Gated { plan: &plan, gate: &gate };
        let plan = &plan;
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&gated)?)?;
        } else if self.dry_run || !plan.problems.is_empty() {
            write_plan(&mut out, plan, &gate)?;
        }
        out.flush()?;
        if plan.releases.is_empty() {
            eprintln!("nothing to release: the filter selects no release of channel `{}`", plan.channel);
            return Ok(ExitCode::SUCCESS);
        }
        if self.dry_run {
            return super::dry_run_end(&plan.problems, "run nothing");
        }
        for release in &plan.releases {
            for note in &release.notes {
                eprintln!("note: release `{}`: {note}", release.name);
            }
        }
        let report = hoist_channels::execute(&sh, plan, &mut |progress| match progress {
            Progress::Running { release, command } => eprintln!("==> {release}: {}", command.display()),
            Progress::Output { stdout, stderr } => {
                eprint!("{stdout}{stderr}");
            }
            _ => {}
        })?;
        if !self.json {
            let names: Vec<String> = report.applied.iter().map(|n| format!("`{n}`")).collect();
            writeln!(out, "released {} of channel `{}`", names.join(", "), plan.channel)?;
        }
        let mut md = format!("### Released channel `{}`\n\n", plan.channel);
        for release in &plan.releases {
            md.push_str(&format!("- `{}` ({})\n", release.name, release.driver));
        }
        ctx.summary(&md)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// A release plan with its gate, as `--json` prints it.
#[derive(serde::Serialize)]
struct Gated<'a> {
    #[serde(flatten)]
    plan: &'a ReleasePlan,
    gate: &'a hoist_promotion::ReleaseGate,
}

fn write_plan(out: &mut impl Write, plan: &ReleasePlan, gate: &hoist_promotion::ReleaseGate) -> std::io::Result<()> {
    writeln!(out, "release channel `{}` ({})", plan.channel, plan.file.display())?;
    if let Some(record) = &gate.record {
        super::write_record(out, record)?;
    }
    for image in &gate.images {
        super::write_image_check(out, image)?;
    }
    for check in &gate.lineage {
        super::write_lineage(out, check)?;
    }
    for release in &plan.releases {
        writeln!(out, "  {} ({})", release.name, release.driver)?;
        for command in &release.commands {
            writeln!(out, "    run      {}", command.display())?;
            writeln!(out, "             because {}", command.reason)?;
        }
        for note in &release.notes {
            writeln!(out, "    note     {note}")?;
        }
    }
    if plan.releases.is_empty() {
        writeln!(out, "  nothing selected")?;
    }
    for problem in &plan.problems {
        writeln!(out, "  problem  {problem}")?;
    }
    Ok(())
}

impl Diff {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let filter = filter(self.driver, self.app);
        let (diff, branches) = match (&self.from, &self.to) {
            (Some(from), Some(to)) => {
                let config = ctx.config()?;
                let repo = hoist_git::Repo::open(config.root())?;
                let remote = &config.deploy.remote;
                let sides = hoist_promotion::resolve_sides(&repo, remote, &[from.as_str(), to.as_str()])?;
                (hoist_promotion::diff_branches(&repo, config, &self.channel, &filter, &sides[0], &sides[1])?, true)
            }
            _ => {
                let (sh, root, channel) = open(ctx, &self.channel)?;
                (hoist_channels::diff(&sh, &root, &channel, &filter)?, false)
            }
        };
        let markdown = diff.markdown();
        let text = if self.json { format!("{}\n", serde_json::to_string_pretty(&diff)?) } else { markdown.clone() };
        match &self.outfile {
            Some(path) => {
                std::fs::write(path, &text).with_context(|| format!("cannot write `{}`", path.display()))?;
                eprintln!("wrote the diff of channel `{}` to `{}`", diff.channel, path.display());
            }
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
        }
        ctx.summary(&markdown)?;
        // Between branches, the exit status says whether merging changes anything.
        Ok(if branches && diff.has_changes() { ExitCode::from(1) } else { ExitCode::SUCCESS })
    }
}
