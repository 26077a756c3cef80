//! `ci`: the whole CI flow as one plan (`hoist_pipeline::plan_ci`), printed with `--dry-run`,
//! emitted with `--json`, and executed as written (`hoist_pipeline::execute_ci`). This module
//! turns arguments and the environment into the planner's inputs and renders plans and results.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_git::Repo;
use hoist_pipeline::{
    BuildAction, CiEvent, CiFlags, CiInputs, CiPlan, CiStep, Done, GitHead, GithubEnv, PipelineError, PlannedBump,
    StepAction, StepResult,
};
use hoist_version::config::{self, Overrides};
use hoist_version::{BumpRequest, Env, Now};
use serde::Serialize;

use crate::Ctx;
use crate::commands::build::Progress;
use crate::commands::bump::project_config;
use crate::commands::bump_my_version::working_dir;
use crate::commands::test::{Drawer, write_image};

/// The event, for `--event`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Event {
    /// A push to a branch.
    Push,
    /// A pull request.
    PullRequest,
}

/// The CI flow: bump (main), data image, tests, then on main push commit + tag, images, deploy.
#[derive(Debug, clap::Args)]
pub(crate) struct Ci {
    /// The event (default: `GITHUB_EVENT_NAME`, else a push).
    #[arg(long, value_enum)]
    event: Option<Event>,
    /// The push is a merged pull request (bumps `ci.merged-pr-bump` instead of `ci.push-bump`).
    #[arg(long)]
    merged_pr: bool,
    /// A pull request's base revision (default: `origin/$GITHUB_BASE_REF`).
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// The branch pushed to (default: `GITHUB_REF_NAME` on GitHub, else git's current branch).
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// Bump even though the working tree has uncommitted changes.
    #[arg(long)]
    allow_dirty: bool,
    /// How many steps may run at the same time (default: `ci.jobs`, else the machine's cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    jobs: Option<u16>,
    /// How to show progress: a live line per running step on a terminal, else plain lines
    /// `ci/STEP: …` and, for what the step's commands print, `ci/STEP | …`.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the plan (every step, every image decision, with the reason for each) and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON; during a run, stderr gets each event as one
    /// line of JSON with its step (docs/plan-schema.md).
    #[arg(long)]
    json: bool,
}

/// What a real run did.
#[derive(Debug, Serialize)]
struct CiReport<'a> {
    plan: &'a CiPlan,
    done: &'a [Done],
    failed: Option<String>,
}

impl Ci {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let repo = Repo::open(config.root())?;
        let flags = CiFlags {
            event: self.event.map(|e| match e {
                Event::Push => CiEvent::Push,
                Event::PullRequest => CiEvent::PullRequest,
            }),
            merged_pr: self.merged_pr,
            base: self.base.clone(),
            branch: self.branch.clone(),
        };
        let pr = ctx.overrides()?.pr;
        let context = hoist_pipeline::detect_context(
            &flags,
            &github_env()?,
            &GitHead::read(&repo),
            &config.ci.main_branch,
            pr.as_deref(),
        )?;
        let naming = ctx.naming()?;
        let pipeline = ctx.pipeline()?;
        let mut plan_bump = |part: &str| plan_bump(ctx, part);
        let plan = hoist_pipeline::plan_ci(
            &pipeline,
            &repo,
            CiInputs {
                context,
                naming: &naming,
                version: ctx.current_version()?,
                plan_bump: &mut plan_bump,
                allow_dirty: self.allow_dirty,
                parts: version_parts(ctx),
                jobs: self
                    .jobs
                    .map(usize::from)
                    .or(config.ci.jobs)
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)),
                write_cache: !ctx.overrides()?.no_cache_to,
            },
        )?;
        if self.dry_run {
            let mut out = std::io::stdout().lock();
            if self.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
            } else {
                write_plan(&mut out, &plan, config.root())?;
            }
            out.flush()?;
            if !plan.problems.is_empty() {
                anyhow::bail!(
                    "the plan has {} problem(s): a real run would refuse and change nothing",
                    plan.problems.len()
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        if !self.json {
            write_plan(&mut std::io::stderr().lock(), &plan, config.root())?;
        }
        if !plan.problems.is_empty() {
            anyhow::bail!("the plan has {} problem(s) (listed above): nothing was changed", plan.problems.len());
        }
        // Before anything runs: a compose file that bind-mounts the summary must find a file.
        ctx.prepare_summary()?;
        let mut done = Vec::new();
        let outcome = if self.json {
            let mut stderr = std::io::stderr().lock();
            hoist_pipeline::execute_ci(&pipeline, &plan, &mut done, &mut |e| {
                if let Some(event) = json_event(None, &e) {
                    let _ = writeln!(stderr, "{event}");
                }
            })
        } else {
            let mut draw = Drawer::new(self.progress, "ci");
            let outcome = hoist_pipeline::execute_ci(&pipeline, &plan, &mut done, &mut |e| draw.event(e));
            draw.finish();
            outcome
        };
        ctx.summary(&summary(&plan, &done, outcome.as_ref().err()))?;
        if outcome.is_ok() {
            ctx.outputs(&hoist_pipeline::outputs(&plan, &naming, &config.version_prefix)?)?;
        }
        let mut out = std::io::stdout().lock();
        if self.json {
            let failed = outcome.as_ref().err().map(ToString::to_string);
            writeln!(out, "{}", serde_json::to_string_pretty(&CiReport { plan: &plan, done: &done, failed })?)?;
        } else if let Some(reason) = &plan.nothing_to_do {
            writeln!(out, "{reason}")?;
        } else {
            for d in &done {
                writeln!(out, "{:<12} {}", d.step, result_text(&d.result))?;
            }
        }
        match outcome {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(PipelineError::Interrupted { signal }) => {
                eprintln!("error: {}", PipelineError::Interrupted { signal });
                Ok(ExitCode::from(PipelineError::Interrupted { signal }.exit_code()))
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// `ci --json`: an event as one line of JSON on stderr, `{"step", "event", …}` (`step` is
/// `null` outside a step). Build progress is reduced to its steps, transfers to their end.
fn json_event(step: Option<&str>, event: &hoist_pipeline::Event<'_>) -> Option<serde_json::Value> {
    use hoist_image::{BuildEvent, TransferEvent};
    use hoist_pipeline::Event as E;
    let (kind, data) = match event {
        E::Step { step, event } => return json_event(Some(step), event),
        E::Note(message) => ("note", serde_json::json!({ "message": message })),
        E::Warning(message) => ("warning", serde_json::json!({ "message": message })),
        E::Output(line) => ("output", serde_json::json!({ "line": line })),
        E::Build(BuildEvent::StepStarted(s)) if !s.internal => {
            ("build-step", serde_json::json!({ "name": s.name, "state": "started" }))
        }
        E::Build(BuildEvent::StepDone { step: s, cached, seconds }) if !s.internal => (
            "build-step",
            serde_json::json!({ "name": s.name, "state": if *cached { "cached" } else { "done" }, "seconds": seconds }),
        ),
        E::Build(BuildEvent::StepFailed { step: s, seconds }) => {
            ("build-step", serde_json::json!({ "name": s.name, "state": "failed", "seconds": seconds }))
        }
        E::Build(BuildEvent::Output { line, .. }) => ("build-output", serde_json::json!({ "line": line })),
        E::Build(BuildEvent::Warning(message)) => ("warning", serde_json::json!({ "message": message })),
        E::Build(BuildEvent::Tagged(tag)) => ("tagged", serde_json::json!({ "tag": tag })),
        E::Transfer(TransferEvent::Done { reference, digest }) => (
            "transferred",
            serde_json::json!({ "reference": reference, "digest": digest.as_ref().map(|d| d.as_str().to_owned()) }),
        ),
        _ => return None,
    };
    let mut object = serde_json::json!({ "step": step, "event": kind });
    if let (Some(object), serde_json::Value::Object(data)) = (object.as_object_mut(), data) {
        object.extend(data);
    }
    Some(object)
}

/// GitHub's variables, and the head commit's message from the event payload.
fn github_env() -> anyhow::Result<GithubEnv> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let head_commit_message = match var("GITHUB_EVENT_PATH") {
        Some(path) => {
            // Only a regular file is read: a FIFO would block hoist forever.
            if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
                anyhow::bail!(
                    "the GitHub event payload `{path}` (`GITHUB_EVENT_PATH`) is not a regular file: point `GITHUB_EVENT_PATH` at the event's JSON file, or unset it"
                );
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the GitHub event payload `{path}` (`GITHUB_EVENT_PATH`)"))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("the GitHub event payload `{path}` is not JSON"))?;
            json.pointer("/head_commit/message").and_then(|m| m.as_str()).map(str::to_owned)
        }
        None => None,
    };
    Ok(GithubEnv {
        event_name: var("GITHUB_EVENT_NAME"),
        ref_name: var("GITHUB_REF_NAME"),
        base_ref: var("GITHUB_BASE_REF"),
        head_ref: var("GITHUB_HEAD_REF"),
        head_commit_message,
    })
}

/// The parts of the project's version configuration, when it can be read (the configuration
/// check then holds `ci`'s bump parts to them; a configuration that cannot be read is reported
/// by the bump itself).
pub(crate) fn version_parts(ctx: &Ctx) -> Option<Vec<String>> {
    let cwd = working_dir(ctx).ok()?;
    let sh = xshell::Shell::new().ok()?;
    sh.change_dir(&cwd);
    let env = Env { sh: &sh, cwd: &cwd, now: Now::from_env().ok()? };
    let path = project_config(ctx, &env, None).ok()?;
    let config = config::load(Some(&path), &Overrides::default(), env.cwd).ok()?;
    Some(config.parts.iter().map(|(name, _)| name.clone()).collect())
}

/// The bump of `part` as `hoist bump PART` plans it; the dirty-tree check is `ci`'s own.
fn plan_bump(ctx: &Ctx, part: &str) -> Result<PlannedBump, PipelineError> {
    let planned = || -> anyhow::Result<PlannedBump> {
        let cwd = working_dir(ctx)?;
        let sh = xshell::Shell::new()?;
        sh.change_dir(&cwd);
        let env = Env { sh: &sh, cwd: &cwd, now: Now::from_env()? };
        let path = project_config(ctx, &env, None)?;
        let mut config = config::load(Some(&path), &Overrides::default(), env.cwd)?;
        config.allow_dirty = true;
        let request = BumpRequest { part: Some(part.to_owned()), dry_run: true, ..BumpRequest::default() };
        let plan = hoist_version::bump::plan(&env, &config, &request)?;
        Ok(PlannedBump { plan, cwd })
    };
    planned().map_err(|error| match error.downcast::<hoist_version::VersionError>() {
        Ok(version) => PipelineError::Version(version),
        Err(other) => PipelineError::CiContext { message: format!("{other:#}") },
    })
}

/// The plan: the event, then each step with what it does and why, the nested image decisions
/// and teardowns under it, then what blocks the run. Compose command lines are shown with the
/// project directory left out of their file paths (`--json` has them whole).
fn write_plan(out: &mut dyn Write, plan: &CiPlan, root: &std::path::Path) -> std::io::Result<()> {
    let prefix = format!("{}/", root.display());
    let line =
        |argv: &[String]| argv.iter().map(|a| a.strip_prefix(&prefix).unwrap_or(a)).collect::<Vec<_>>().join(" ");
    let c = &plan.context;
    let event = match c.event {
        CiEvent::Push => format!("push to `{}`", c.branch.as_deref().unwrap_or("(no branch)")),
        CiEvent::PullRequest => format!("pull request onto `{}`", c.base.as_deref().unwrap_or_default()),
    };
    let merged = if c.merged_pr { " (a merged pull request)" } else { "" };
    let pr = c.pr.as_ref().map(|pr| format!(", pull request {pr}")).unwrap_or_default();
    let version = if plan.new_version == plan.version {
        plan.version.clone()
    } else {
        format!("{} → {}", plan.version, plan.new_version)
    };
    writeln!(out, "ci for a {event}{merged}{pr}, from {}; version {version}", c.source)?;
    if let Some(reason) = &plan.nothing_to_do {
        writeln!(out, "  {reason}")?;
    }
    if !plan.dirty.is_empty() {
        writeln!(out, "  note: uncommitted changes in {}", plan.dirty.join(", "))?;
    }
    if plan.steps.iter().any(|s| matches!(s.reason, hoist_pipeline::CiReason::TestsOff)) {
        writeln!(out, "  warning: the tests are left out (`ci.test = false` in hoist.toml): this run tests nothing")?;
    }
    if plan.steps.iter().any(|s| !s.needs.is_empty()) {
        writeln!(out, "  each step starts when the steps it runs after succeeded, at most {} at once", plan.jobs)?;
    }
    for step in &plan.steps {
        writeln!(out, "  {:<12} {} — {}", step.name, action_text(step), step.reason)?;
        let mut nested = Vec::new();
        if !step.needs.is_empty() {
            writeln!(nested, "after {}", step.needs.join(", "))?;
        }
        match &step.action {
            StepAction::RegenerateData(data) => {
                write_image(&mut nested, &data.image)?;
                writeln!(nested, "compose project `{}`: {}", data.project, line(&data.up))?;
                writeln!(
                    nested,
                    "archive `{}` into `{}`, build stage `{}`",
                    data.archive.source, data.archive.path, data.stage
                )?;
                writeln!(nested, "then, also on failure or Ctrl-C: {}", line(&data.down))?;
                for warning in &data.warnings {
                    writeln!(nested, "warning: {warning}")?;
                }
            }
            StepAction::Test(test) => {
                write_image(&mut nested, &test.image)?;
                writeln!(nested, "compose project `{}`: {}", test.project, line(&test.up))?;
                for suite in &test.suites {
                    let counted = if suite.reported_only { " (reported only)" } else { "" };
                    writeln!(nested, "suite `{}`{counted} {}", suite.name, suite.exec)?;
                }
                if let Some(down) = &test.down {
                    writeln!(nested, "then, also on failure or Ctrl-C: {}", line(down))?;
                }
                for warning in &test.warnings {
                    writeln!(nested, "warning: {warning}")?;
                }
            }
            StepAction::PushImage(image) => write_image(&mut nested, image)?,
            StepAction::Deploy(deploy) => {
                for image in &deploy.images {
                    writeln!(nested, "gate: `{image}` in the registry")?;
                }
            }
            StepAction::Bump(_) | StepAction::RetagData(_) | StepAction::PushGit(_) | StepAction::Skip => {}
        }
        for line in String::from_utf8_lossy(&nested).lines() {
            writeln!(out, "  {:<12} {line}", "")?;
        }
    }
    if !plan.problems.is_empty() {
        writeln!(out, "problems (a real run refuses and changes nothing):")?;
        for problem in &plan.problems {
            writeln!(out, "  - {problem}")?;
        }
    }
    Ok(())
}

fn action_text(step: &CiStep) -> String {
    match &step.action {
        StepAction::Bump(bump) => {
            format!("bump {}: {} → {} ({})", bump.part, bump.from, bump.to, bump.files.join(", "))
        }
        StepAction::RegenerateData(data) => {
            format!("regenerate {}{}", data.tag, if data.push { " and push it" } else { "" })
        }
        StepAction::RetagData(retag) if retag.in_registry => {
            format!("copy {} to {} in the registry (no pull)", retag.source, retag.tag)
        }
        StepAction::RetagData(retag) => format!("pull {} and tag it {}", retag.source, retag.tag),
        StepAction::Test(test) => format!("test with {}", test.image.reference()),
        StepAction::PushGit(push) => format!(
            "git push --atomic {} HEAD:{}{}",
            push.remote,
            push.branch,
            push.tag.as_ref().map(|t| format!(" {t}")).unwrap_or_default()
        ),
        StepAction::PushImage(image) => {
            let how = match image.action {
                BuildAction::Build => "build and push",
                BuildAction::Push => "push",
                BuildAction::Pull | BuildAction::Skip => "already pushed:",
            };
            format!("{how} {}", image.tags.join(", "))
        }
        StepAction::Deploy(deploy) => format!("deploy {} to `{}` (deferred gate)", deploy.version, deploy.environment),
        StepAction::Skip => "skip".into(),
    }
}

fn result_text(result: &StepResult) -> String {
    match result {
        StepResult::Skipped => "skipped".into(),
        StepResult::Bumped { from, to } => format!("{from} → {to}"),
        StepResult::Regenerated(report) => match &report.digest {
            Some(digest) => format!("regenerated, pushed {} {digest}", report.plan.tag),
            None => format!("regenerated {} {}", report.plan.tag, report.image_id),
        },
        StepResult::Retagged { source, tag, digest: Some(digest), in_registry: true } => {
            format!("copied {source} to {tag} in the registry, {digest}")
        }
        StepResult::Retagged { source, tag, digest: Some(digest), .. } => {
            format!("pulled {source}, pushed {tag} {digest}")
        }
        StepResult::Retagged { source, tag, digest: None, .. } => format!("pulled {source}, tagged {tag}"),
        StepResult::Tested(report) => {
            report.suites.iter().map(hoist_pipeline::suite_line).collect::<Vec<_>>().join("; ")
        }
        StepResult::PushedGit(push) => format!(
            "pushed HEAD:refs/heads/{}{} to `{}`",
            push.branch,
            push.tag.as_ref().map(|t| format!(" and {t}")).unwrap_or_default(),
            push.remote
        ),
        StepResult::Image(outcome) => {
            if outcome.pushed.is_empty() {
                format!("{} already in the registry ({})", outcome.plan.tags.join(", "), outcome.plan.reason)
            } else {
                let pushed: Vec<String> = outcome.pushed.iter().map(|p| format!("{} {}", p.tag, p.digest)).collect();
                format!("pushed {}", pushed.join(", "))
            }
        }
        StepResult::Deployed(deploy) => {
            let version = deploy.version.as_deref().unwrap_or_default();
            if deploy.moves.is_empty() {
                format!("`{}` already runs {version}", deploy.environment)
            } else {
                let moves: Vec<String> = deploy
                    .moves
                    .iter()
                    .map(|m| {
                        format!("{} {} → {}", m.tag, m.from.as_ref().map_or("(none)", |o| o.short()), m.to.short())
                    })
                    .collect();
                format!("deployed {version} to `{}`: {}", deploy.environment, moves.join(", "))
            }
        }
    }
}

/// One step-summary section for the whole run.
fn summary(plan: &CiPlan, done: &[Done], error: Option<&PipelineError>) -> String {
    let mut md = String::from("### hoist ci\n\n");
    if let Some(reason) = &plan.nothing_to_do {
        md.push_str(&format!("{reason}\n"));
        return md;
    }
    md.push_str("| step | action | result | reason |\n|---|---|---|---|\n");
    let mut failed_marked = false;
    for step in &plan.steps {
        let result = match done.iter().find(|d| d.step == step.name) {
            Some(d) => result_text(&d.result),
            None if error.is_some() && !failed_marked => {
                failed_marked = true;
                "**failed**".into()
            }
            None => "not run".into(),
        };
        md.push_str(&format!("| {} | {} | {} | {} |\n", step.name, action_text(step), result, step.reason));
    }
    if plan.new_version != plan.version {
        md.push_str(&format!("\nVersion: {} → {}\n", plan.version, plan.new_version));
    }
    if let Some(error) = error {
        md.push_str(&format!("\nFailed: {}\n", error.to_string().replace('\n', " ")));
    }
    md
}
