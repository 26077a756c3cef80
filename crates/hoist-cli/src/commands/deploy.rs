//! `deploy`, `rollback` and `status`: Flux-style tag deploys.

use std::io::Write;
use std::process::ExitCode;

use hoist_deploy::{EnvironmentStatus, Plan, PlanKind, RemoteVersion, StatusReport};
use hoist_git::Repo;
use hoist_promotion::ReleaseStatus;

use crate::Ctx;

/// Deploy a version to an environment by moving its git tags (checks the registry first).
#[derive(Debug, clap::Args)]
pub(crate) struct Deploy {
    /// The environment, as configured in `[deploy.environments]` (default: `deploy.default-environment`).
    environment: Option<String>,
    /// The version to deploy, as in `.bumpversion.toml` (`0.5.146`); default: the current version.
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,
    /// Print the plan (gate results and tag moves) and push nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

/// Point an environment back at its previous deploy (`last/ENV/deploy`).
#[derive(Debug, clap::Args)]
pub(crate) struct Rollback {
    /// The environment to roll back.
    environment: String,
    /// Print the plan and push nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

/// Show what each environment runs, what it ran before, what its `releases/ENV` branch holds,
/// whether their images still exist, and the remote's versions, newest first.
#[derive(Debug, clap::Args)]
pub(crate) struct Status {
    /// Print the status as JSON.
    #[arg(long)]
    json: bool,
}

impl Deploy {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let environment = self.environment.unwrap_or_else(|| config.deploy.default_environment.clone());
        let version = match self.version {
            Some(v) => v.strip_prefix(&config.version_prefix).map(str::to_owned).unwrap_or(v),
            None => ctx.current_version()?,
        };
        let repo = Repo::open(config.root())?;
        let mut lookup = ctx.image_lookup()?;
        let plan = hoist_deploy::plan_deploy(&repo, config, &environment, &version, &mut lookup)?;
        finish(ctx, &repo, &plan, self.dry_run, self.json)
    }
}

impl Rollback {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let repo = Repo::open(config.root())?;
        let mut lookup = ctx.image_lookup()?;
        let plan = hoist_deploy::plan_rollback(&repo, config, &self.environment, &mut lookup)?;
        finish(ctx, &repo, &plan, self.dry_run, self.json)
    }
}

/// How many versions the text of `status` lists (`--json` lists all).
const STATUS_VERSIONS: usize = 10;

/// What `status --json` prints.
#[derive(serde::Serialize)]
struct StatusJson<'a> {
    /// The deploy tags of every environment of `[deploy.environments]`.
    environments: &'a [EnvironmentStatus],
    /// The `releases/ENV` branch of every environment and channel.
    releases: &'a [ReleaseStatus],
    /// The remote's versions, newest first.
    versions: &'a [RemoteVersion],
}

impl Status {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let repo = Repo::open(config.root())?;
        let mut lookup = ctx.image_lookup()?;
        let report = hoist_deploy::status_report(&repo, config, &mut lookup)?;
        let releases = hoist_promotion::releases_status(&repo, config, &mut lookup)?;
        let mut out = std::io::stdout().lock();
        if self.json {
            let json =
                StatusJson { environments: &report.environments, releases: &releases, versions: &report.versions };
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        } else {
            write_status(&mut out, &config.version_prefix, &report, &releases)?;
        }
        out.flush()?;
        // A status that could not ask the registry is not a status: say so, and fail.
        let deployed = report.environments.iter().flat_map(|env| [&env.current, &env.previous]).flatten();
        let released = releases.iter().filter_map(|r| r.candidate.as_ref());
        let unknown: Vec<&str> = deployed
            .flat_map(|d| &d.images)
            .chain(released.flat_map(|c| &c.images).map(|i| &i.check))
            .filter_map(|i| i.unknown.as_deref())
            .collect();
        if let Some(why) = unknown.first() {
            anyhow::bail!(
                "{} image(s) could not be checked ({why}): the status above is incomplete; check the registry and the credentials, then run `status` again",
                unknown.len()
            );
        }
        let unreadable: Vec<&str> =
            releases.iter().filter(|r| r.problem.is_some()).map(|r| r.branch.as_str()).collect();
        if let Some(first) = unreadable.first() {
            anyhow::bail!(
                "{} releases branch(es) hold a candidate record hoist cannot read (`{first}` first): the status above is incomplete; see the `problem` lines above",
                unreadable.len()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Prints the plan, then executes it unless this is a dry run; a plan with problems is an error.
fn finish(ctx: &Ctx, repo: &Repo, plan: &Plan, dry_run: bool, json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(plan)?)?;
    } else if dry_run || !plan.problems.is_empty() {
        write_plan(&mut out, plan)?;
    }
    out.flush()?;
    if dry_run {
        if !plan.problems.is_empty() {
            anyhow::bail!("the plan has {} problem(s): a real run would refuse and push nothing", plan.problems.len());
        }
        return Ok(ExitCode::SUCCESS);
    }
    hoist_deploy::execute(repo, plan)?;
    if !json {
        if plan.moves.is_empty() {
            writeln!(out, "`{}` already runs {}: nothing to move", plan.environment, what(plan))?;
        }
        for m in &plan.moves {
            writeln!(out, "{}: {} → {}", m.tag, m.from.as_ref().map_or("(none)", |o| o.short()), m.to.short())?;
        }
    }
    ctx.summary(&deploy_summary(plan))?;
    Ok(ExitCode::SUCCESS)
}

fn what(plan: &Plan) -> String {
    match (&plan.version_tag, &plan.commit) {
        (Some(tag), _) => format!("`{tag}`"),
        (None, Some(commit)) => format!("commit {}", commit.short()),
        (None, None) => "nothing".into(),
    }
}

fn write_plan(out: &mut impl Write, plan: &Plan) -> std::io::Result<()> {
    let action = match plan.kind {
        PlanKind::Deploy => "deploy",
        PlanKind::Rollback => "roll back",
    };
    match plan.kind {
        PlanKind::Deploy => {
            writeln!(out, "{action} {} to `{}` (remote `{}`)", what(plan), plan.environment, plan.remote)?
        }
        PlanKind::Rollback => {
            writeln!(out, "{action} `{}` to {} (remote `{}`)", plan.environment, what(plan), plan.remote)?
        }
    }
    for image in &plan.images {
        super::write_image_check(out, image)?;
    }
    for m in &plan.moves {
        let from = m.from.as_ref().map_or("(none)".to_owned(), |o| o.short().to_owned());
        writeln!(out, "  move     {}  {from} → {}  ({})", m.tag, m.to.short(), m.reason)?;
    }
    if plan.is_up_to_date() {
        writeln!(out, "  nothing to move: `{}` already runs {}", plan.environment, what(plan))?;
    }
    for problem in &plan.problems {
        writeln!(out, "  problem  {problem}")?;
    }
    Ok(())
}

/// The text of `status`: per environment its deploy tags (when it is one of
/// `[deploy.environments]`) and its `releases/ENV` branch, then the remote's versions.
fn write_status(
    out: &mut impl Write,
    version_prefix: &str,
    report: &StatusReport,
    releases: &[ReleaseStatus],
) -> std::io::Result<()> {
    for release in releases {
        writeln!(out, "{}", release.environment)?;
        if let Some(env) = report.environments.iter().find(|e| e.environment == release.environment) {
            write_deploy_tags(out, env)?;
        }
        write_release(out, release)?;
    }
    // Environments of `[deploy.environments]` are always among the releases' environments;
    // this only guards the text against a library that one day lists them apart.
    for env in report.environments.iter().filter(|e| !releases.iter().any(|r| r.environment == e.environment)) {
        writeln!(out, "{}", env.environment)?;
        write_deploy_tags(out, env)?;
    }
    if report.versions.is_empty() {
        return writeln!(out, "versions  (no version tag on the remote)");
    }
    writeln!(out, "versions (newest first)")?;
    let bare = |v: &str| v.strip_prefix(version_prefix).unwrap_or(v).to_owned();
    for version in report.versions.iter().take(STATUS_VERSIONS) {
        let mut at: Vec<&str> = Vec::new();
        for env in &report.environments {
            for deployed in [&env.current, &env.previous].into_iter().flatten() {
                if deployed.commit == version.commit {
                    at.push(&deployed.tag);
                }
            }
        }
        for release in releases {
            if release.candidate.as_ref().is_some_and(|c| bare(&c.version) == bare(&version.version)) {
                at.push(&release.branch);
            }
        }
        let at = if at.is_empty() { String::new() } else { format!("  {}", at.join(", ")) };
        writeln!(out, "  {}  {}{at}", version.version, version.commit.short())?;
    }
    if report.versions.len() > STATUS_VERSIONS {
        writeln!(out, "  … {} more (`status --json` lists all)", report.versions.len() - STATUS_VERSIONS)?;
    }
    Ok(())
}

/// `current` and `previous`: the deploy tags of one environment.
fn write_deploy_tags(out: &mut impl Write, env: &EnvironmentStatus) -> std::io::Result<()> {
    for (label, deployed) in [("current ", &env.current), ("previous", &env.previous)] {
        match deployed {
            None => writeln!(out, "  {label}  (none)")?,
            Some(d) => {
                let version = d.version.as_deref().unwrap_or("(no version tag)");
                let unknown = d.images.iter().filter(|i| i.unknown.is_some()).count();
                let missing = d.images.iter().filter(|i| i.is_missing()).count();
                let images = if d.images.is_empty() {
                    String::new()
                } else if unknown > 0 {
                    format!("  {unknown} of {} images UNKNOWN (the registry could not be asked)", d.images.len())
                } else if missing == 0 {
                    format!("  images present ({})", d.images.len())
                } else {
                    format!("  {missing} of {} images MISSING", d.images.len())
                };
                writeln!(out, "  {label}  {version}  {}{images}", d.commit.short())?;
            }
        }
    }
    Ok(())
}

/// `release`: what the environment's `releases/ENV` branch holds, and its images by digest.
fn write_release(out: &mut impl Write, release: &ReleaseStatus) -> std::io::Result<()> {
    let Some(commit) = &release.commit else {
        return writeln!(out, "  release   {}  (none)", release.branch);
    };
    match (&release.candidate, &release.problem) {
        (Some(c), _) => {
            writeln!(
                out,
                "  release   {}  {}  candidate of {} at {} ({})",
                release.branch,
                commit.short(),
                c.source_branch,
                c.source_commit.short(),
                c.version
            )?;
            for image in &c.images {
                let state = match (&image.check.digest, &image.check.unknown) {
                    (Some(_), _) => "present",
                    (None, Some(_)) => "UNKNOWN (the registry could not be asked)",
                    (None, None) => "MISSING",
                };
                writeln!(out, "  image     {}  {}  {state}", image.reference, image.digest)?;
            }
        }
        (None, Some(problem)) => {
            writeln!(out, "  release   {}  {}  (a record hoist cannot read)", release.branch, commit.short())?;
            writeln!(out, "  problem   {problem}")?;
        }
        (None, None) => writeln!(
            out,
            "  release   {}  {}  no candidate (no `.hoist/candidate.json` at its tip)",
            release.branch,
            commit.short()
        )?,
    }
    Ok(())
}

fn deploy_summary(plan: &Plan) -> String {
    let mut md = match plan.kind {
        PlanKind::Deploy => format!("### Deployed {} to `{}`\n\n", what(plan), plan.environment),
        PlanKind::Rollback => format!("### Rolled back `{}` to {}\n\n", plan.environment, what(plan)),
    };
    if !plan.images.is_empty() {
        md.push_str("| image | digest |\n|---|---|\n");
        for image in &plan.images {
            md.push_str(&format!("| `{}` | `{}` |\n", image.reference, image.digest.as_deref().unwrap_or("missing")));
        }
        md.push('\n');
    }
    if plan.moves.is_empty() {
        md.push_str("Nothing moved: already deployed.\n");
    } else {
        md.push_str("| tag | from | to |\n|---|---|---|\n");
        for m in &plan.moves {
            md.push_str(&format!(
                "| `{}` | {} | {} |\n",
                m.tag,
                m.from.as_ref().map_or("(none)", |o| o.short()),
                m.to.short()
            ));
        }
    }
    md
}
