//! `bump`: the pipeline target over the version engine. `bump PART` plans and applies a
//! bump-my-version compatible bump atomically; `--dry-run` prints the plan (unified diffs, new
//! version, commit message, tags), `--json` the same as data; `bump check` and `bump migrate`
//! are the CI drift check and the `.bumpversion.cfg` converter.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_version::bump::{self, Plan};
use hoist_version::config::{self, Overrides};
use hoist_version::{BumpRequest, Env, Now};
use serde::Serialize;

use crate::Ctx;
use crate::commands::bump_my_version::{config_path, working_dir};
use crate::commands::print_line;

/// Bump the version (bump-my-version compatible): `bump PART`, `bump check`, `bump migrate`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct Bump {
    #[command(subcommand)]
    command: Option<BumpCommand>,
    #[command(flatten)]
    args: BumpArgs,
}

#[derive(Debug, clap::Args)]
struct BumpArgs {
    /// Undo the bump that was interrupted (killed, or stopped by a failure it could not undo):
    /// every file, the index, the commit and the tag back to how they were before it.
    #[arg(long, conflicts_with_all = ["continue_bump", "part", "new_version", "dry_run"])]
    abort: bool,
    /// Finish the bump that was interrupted: the steps it did not take, taken (a push that
    /// failed is tried again).
    #[arg(long = "continue", conflicts_with_all = ["part", "new_version", "dry_run"])]
    continue_bump: bool,
    /// Print what would change (diffs, new version, commit message, tags) and change nothing.
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Print the plan (and, without `--dry-run`, what was done) as JSON.
    #[arg(long)]
    json: bool,
    /// The part to bump (`major`, `minor`, `patch`, or any `parse` group).
    #[arg(value_name = "PART")]
    part: Option<String>,
    /// Set PART to this value instead of incrementing it.
    #[arg(long = "to", value_name = "VALUE", requires = "part")]
    to: Option<String>,
    /// Set this version instead of bumping a part.
    #[arg(long, value_name = "VERSION", conflicts_with = "to")]
    new_version: Option<String>,
    /// Do not commit, whatever the configuration says.
    #[arg(long)]
    no_commit: bool,
    /// Do not tag, whatever the configuration says.
    #[arg(long)]
    no_tag: bool,
    /// Bump even with uncommitted changes.
    #[arg(long)]
    allow_dirty: bool,
    /// Bump from this version instead of the configured one.
    #[arg(long, value_name = "VERSION")]
    current_version: Option<String>,
    /// The configuration file (default: bump-my-version's search from the project directory).
    #[arg(long, value_name = "PATH")]
    config_file: Option<PathBuf>,
    /// The commit message template.
    #[arg(short = 'm', long, value_name = "TEMPLATE")]
    message: Option<String>,
    /// The tag name template.
    #[arg(long, value_name = "TEMPLATE")]
    tag_name: Option<String>,
    /// The tag message template (empty: a lightweight tag).
    #[arg(long, value_name = "TEMPLATE")]
    tag_message: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum BumpCommand {
    /// Check that every configured file contains the current version (for CI).
    Check(Check),
    /// Convert a `.bumpversion.cfg` (or `setup.cfg`) into `.bumpversion.toml`.
    Migrate(Migrate),
}

#[derive(Debug, clap::Args)]
struct Check {
    /// Print the files that disagree as JSON.
    #[arg(long)]
    json: bool,
    /// The configuration file (default: bump-my-version's search).
    #[arg(long, value_name = "PATH")]
    config_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct Migrate {
    /// The INI file to convert (default: the configuration found, which must be INI).
    #[arg(long, value_name = "PATH")]
    from: Option<PathBuf>,
    /// Write `.bumpversion.toml` next to it (and remove `.bumpversion.cfg`) instead of printing.
    #[arg(long)]
    write: bool,
}

#[derive(Serialize)]
struct PlanJson<'a> {
    current_version: &'a str,
    new_version: &'a str,
    part: Option<&'a str>,
    unchanged: bool,
    dry_run: bool,
    files: Vec<FileJson<'a>>,
    commit: Option<&'a bump::CommitPlan>,
    tag: Option<&'a bump::TagPlan>,
    moveable_tags: &'a [String],
    pre_commit_hooks: Vec<&'a str>,
    post_commit_hooks: Vec<&'a str>,
    report: Option<&'a hoist_version::Report>,
}

#[derive(Serialize)]
struct FileJson<'a> {
    name: &'a str,
    path: &'a std::path::Path,
    diff: String,
}

fn diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

fn render_human(plan: &Plan, dry_run: bool) -> String {
    let mut out = String::new();
    if plan.unchanged {
        out.push_str(&format!("the version is already {}: nothing to do\n", plan.new_version));
        return out;
    }
    let verb = if dry_run { "would bump" } else { "bumped" };
    out.push_str(&format!("{verb} {} → {}", plan.current_version, plan.new_version));
    if let Some(part) = &plan.part {
        out.push_str(&format!(" ({part})"));
    }
    out.push('\n');
    for edit in &plan.edits {
        out.push_str(&diff(&edit.name, &edit.before, &edit.after));
    }
    match &plan.commit {
        Some(commit) => out.push_str(&format!("commit: {}\n", commit.message.trim_end())),
        None => out.push_str("commit: none\n"),
    }
    match &plan.tag {
        Some(tag) if tag.message.is_empty() => out.push_str(&format!("tag: {} (lightweight)\n", tag.name)),
        Some(tag) => out.push_str(&format!("tag: {} ({})\n", tag.name, tag.message)),
        None => out.push_str("tag: none\n"),
    }
    for tag in &plan.moveable_tags {
        out.push_str(&format!("moveable tag: {tag}\n"));
    }
    out
}

impl Bump {
    /// `bump --abort` or `bump --continue`: the targets that deal with an interrupted bump.
    pub(crate) fn recovers(&self) -> bool {
        self.command.is_none() && (self.args.abort || self.args.continue_bump)
    }

    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let cwd = working_dir(ctx)?;
        let sh = xshell::Shell::new()?;
        sh.change_dir(&cwd);
        let env = Env { sh: &sh, cwd: &cwd, now: Now::from_env()? };
        match self.command {
            Some(BumpCommand::Check(check)) => run_check(ctx, &env, check),
            Some(BumpCommand::Migrate(migrate)) => run_migrate(&env, migrate),
            None => run_bump(ctx, &env, self.args),
        }
    }
}

fn run_bump(ctx: &Ctx, env: &Env<'_>, args: BumpArgs) -> anyhow::Result<ExitCode> {
    if args.abort || args.continue_bump {
        let action = if args.abort { bump::Recovery::Abort } else { bump::Recovery::Continue };
        return run_recovery(env, action, args.json);
    }
    let overrides = Overrides {
        current_version: args.current_version,
        allow_dirty: args.allow_dirty.then_some(true),
        commit: args.no_commit.then_some(false),
        tag: args.no_tag.then_some(false),
        message: args.message,
        tag_name: args.tag_name,
        tag_message: args.tag_message,
        ..Overrides::default()
    };
    let path = project_config(ctx, env, args.config_file.as_deref())?;
    let config = config::load(Some(&path), &overrides, env.cwd)?;
    let request = BumpRequest {
        part: args.part,
        new_version: args.new_version,
        to: args.to,
        dry_run: args.dry_run,
        ..BumpRequest::default()
    };
    let plan = bump::plan(env, &config, &request)?;
    let report = if args.dry_run { None } else { Some(bump::execute(env.sh, &plan)?) };
    if !args.dry_run {
        ctx.outputs(&[("previous-version", plan.current_version.clone()), ("new-version", plan.new_version.clone())])?;
    }
    if args.json {
        let json = PlanJson {
            current_version: &plan.current_version,
            new_version: &plan.new_version,
            part: plan.part.as_deref(),
            unchanged: plan.unchanged,
            dry_run: args.dry_run,
            files: plan
                .edits
                .iter()
                .map(|e| FileJson { name: &e.name, path: &e.path, diff: diff(&e.name, &e.before, &e.after) })
                .collect(),
            commit: plan.commit.as_ref(),
            tag: plan.tag.as_ref(),
            moveable_tags: &plan.moveable_tags,
            pre_commit_hooks: plan.pre_commit_hooks.iter().map(|h| h.command.as_str()).collect(),
            post_commit_hooks: plan.post_commit_hooks.iter().map(|h| h.command.as_str()).collect(),
            report: report.as_ref(),
        };
        print_line(&serde_json::to_string_pretty(&json)?)?;
    } else if args.dry_run {
        print!("{}", render_human(&plan, true));
    } else {
        eprint!("{}", render_human(&plan, false).lines().next().map(|l| format!("{l}\n")).unwrap_or_default());
        print_line(&plan.new_version)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_recovery(env: &Env<'_>, action: bump::Recovery, json: bool) -> anyhow::Result<ExitCode> {
    let recovered = bump::recover(env.cwd, action)?;
    if json {
        print_line(&serde_json::to_string_pretty(&recovered)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for path in &recovered.removed {
        eprintln!("removed `{}`, left by the interrupted bump", path.display());
    }
    let verb = match action {
        bump::Recovery::Abort => "undid",
        bump::Recovery::Continue => "finished",
    };
    eprintln!("{verb} the bump {} → {}", recovered.from, recovered.to);
    let version = match action {
        bump::Recovery::Abort => &recovered.from,
        bump::Recovery::Continue => &recovered.to,
    };
    print_line(version)?;
    Ok(ExitCode::SUCCESS)
}

/// The bump-my-version configuration: `--config-file`, else `version-config` from `hoist.toml`
/// when there is one, else bump-my-version's own search from the project directory.
pub(crate) fn project_config(ctx: &Ctx, env: &Env<'_>, explicit: Option<&std::path::Path>) -> anyhow::Result<PathBuf> {
    if explicit.is_none()
        && let Ok(config) = ctx.config()
        && let Some(file) = &config.version_config
    {
        let path = config.root().join(file);
        if !path.is_file() {
            anyhow::bail!(
                "`hoist.toml` sets `version-config = \"{}\"`, but `{}` does not exist",
                file.display(),
                path.display()
            );
        }
        return Ok(path);
    }
    config_path(env.cwd, explicit)?
        .ok_or_else(|| hoist_version::VersionError::NoConfig { dir: ctx.start_dir().to_owned() }.into())
}

fn run_check(ctx: &Ctx, env: &Env<'_>, check: Check) -> anyhow::Result<ExitCode> {
    let path = project_config(ctx, env, check.config_file.as_deref())?;
    let config = config::load(Some(&path), &Overrides::default(), env.cwd)?;
    let drift = hoist_version::check(env, &config)?;
    let version = config.current_version.clone().unwrap_or_default();
    if check.json {
        print_line(&serde_json::to_string_pretty(&serde_json::json!({
            "current_version": version,
            "files": config.files.len(),
            "drift": drift,
        }))?)?;
    } else {
        for d in &drift {
            eprintln!("{}: {}", d.file, d.problem);
        }
    }
    if drift.is_empty() {
        if !check.json {
            eprintln!("{} configured files hold the version {version}", config.files.len());
        }
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!(
            "{} of {} configured files disagree with `current_version` {version}",
            drift.len(),
            config.files.len()
        )
    }
}

fn run_migrate(env: &Env<'_>, migrate: Migrate) -> anyhow::Result<ExitCode> {
    let from = match migrate.from {
        Some(p) => env.cwd.join(p),
        None => config::find_config_file(env.cwd)?.filter(|p| p.extension().is_some_and(|e| e == "cfg")).ok_or_else(
            || {
                anyhow::format_err!(
                    "no `.bumpversion.cfg` or `setup.cfg` with bumpversion sections here: pass `--from PATH`"
                )
            },
        )?,
    };
    let toml = hoist_version::migrate(&from)?;
    if !migrate.write {
        print!("{toml}");
        return Ok(ExitCode::SUCCESS);
    }
    let dir = from.parent().unwrap_or(env.cwd);
    let target = dir.join(".bumpversion.toml");
    if target.exists() {
        anyhow::bail!(
            "`{}` exists already: remove it or run without `--write` to see the conversion",
            target.display()
        );
    }
    std::fs::write(&target, &toml).with_context(|| format!("cannot write `{}`", target.display()))?;
    if from.file_name().is_some_and(|n| n == ".bumpversion.cfg") {
        std::fs::remove_file(&from).with_context(|| format!("cannot remove `{}`", from.display()))?;
        eprintln!("wrote `{}` and removed `{}`", target.display(), from.display());
    } else {
        eprintln!("wrote `{}`; remove the `[bumpversion…]` sections from `{}`", target.display(), from.display());
    }
    Ok(ExitCode::SUCCESS)
}
