//! `ci`: the whole CI flow as one plan: bump on the main branch, the data image (regenerate on
//! new data, else pull and retag), the tests, and on the main branch the atomic push of the bump
//! commit and tag, the release image and the deploy. `--dry-run` prints the plan, `--json` emits
//! it; a real run executes exactly its steps and stops at the first failure, naming the step.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_git::Repo;
use hoist_naming::Naming;
use hoist_pipeline::{CiEvent, CiFacts, CiFlags, CiPlan, CiStep, DataAction, DataFacts, GithubEnv, StepAction};
use hoist_version::bump;
use hoist_version::config::{self, Overrides};
use hoist_version::{BumpRequest, Env, Now};
use serde::Serialize;

use crate::Ctx;
use crate::commands::build::{Progress, push_step};
use crate::commands::bump::project_config;
use crate::commands::bump_my_version::working_dir;
use crate::commands::test::{connect, suite_line};

/// The event, for `--event`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Event {
    /// A push to a branch.
    Push,
    /// A pull request.
    PullRequest,
}

/// The CI flow: bump (main), data image, tests, then on main push commit + tag, release image, deploy.
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
    /// How to show image build, pull and push progress.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the plan (every step with the reason for it) and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON.
    #[arg(long)]
    json: bool,
}

/// What a step did.
#[derive(Debug, Serialize)]
struct Done {
    step: &'static str,
    result: String,
}

/// What a real run did.
#[derive(Debug, Serialize)]
struct CiReport<'a> {
    plan: &'a CiPlan,
    done: &'a [Done],
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
        let branch = repo.git(&["rev-parse", "--abbrev-ref", "HEAD"]).ok().filter(|b| b != "HEAD");
        let pr = ctx.overrides()?.pr;
        let context = hoist_pipeline::detect_context(
            &flags,
            &github_env()?,
            branch.as_deref(),
            &config.ci.main_branch,
            pr.as_deref(),
        )?;
        let naming = ctx.naming()?;
        let version = ctx.current_version()?;
        let (part, _) = hoist_pipeline::bump_part(&context, &config.ci);
        let bump = match part {
            Some(part) => {
                let plan = plan_bump(ctx, &part, true)?;
                Some((part, plan.new_version.clone(), plan.tag.as_ref().map(|t| t.name.clone())))
            }
            None => None,
        };
        let new_version = bump.as_ref().map_or(version.clone(), |(_, v, _)| v.clone());
        let data = if config.data_image.steps.is_empty() {
            None
        } else {
            let changed = match &config.data_image.dump {
                Some(dump) => Some(hoist_pipeline::dump_changed(&repo, config.root(), &context, dump)?),
                None => None,
            };
            let suffix = &config.data_image.suffix;
            let source = format!("{}:{}{version}-{suffix}", naming.registry(), config.version_prefix);
            let (source_digest, source_unknown) = match ctx.registry()?.exists(&source) {
                Ok(digest) => (digest.map(|d| d.as_str().to_owned()), None),
                Err(error) => (None, Some(hoist_git::first_error_line(&error.to_string()))),
            };
            let tag = format!("{}-{suffix}", naming_for(ctx, &naming, &new_version)?.tag());
            Some(DataFacts { changed, source, source_digest, source_unknown, tag })
        };
        let plan = hoist_pipeline::plan_ci(&CiFacts {
            context,
            ci: config.ci.clone(),
            version,
            bump,
            data,
            test_step: config.test.step.clone(),
            release_step: config.release_step.clone(),
            remote: config.deploy.remote.clone(),
            environment: config.deploy.default_environment.clone(),
        });
        if self.dry_run {
            let mut out = std::io::stdout().lock();
            if self.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
            } else {
                write_plan(&mut out, &plan)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        if !self.json {
            let mut err = std::io::stderr().lock();
            write_plan(&mut err, &plan)?;
        }
        let mut done = Vec::new();
        let outcome = execute(ctx, &repo, &plan, self.progress, &mut done);
        ctx.summary(&summary(&plan, &done, outcome.as_ref().err()))?;
        let rebuilt =
            plan.steps.iter().any(|s| matches!(s.action, StepAction::DataImage { data: DataAction::Regenerate, .. }));
        ctx.outputs(&[
            ("version", format!("{}{}", config.version_prefix, plan.new_version)),
            ("tag", naming_for(ctx, &ctx.naming()?, &plan.new_version)?.tag()),
            ("data-image-rebuilt", rebuilt.to_string()),
        ])?;
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&CiReport { plan: &plan, done: &done })?)?;
        } else {
            for d in &done {
                writeln!(out, "{:<10} {}", d.step, d.result)?;
            }
        }
        outcome.map(|()| ExitCode::SUCCESS)
    }
}

/// GitHub's variables, and the head commit's message from the event payload.
fn github_env() -> anyhow::Result<GithubEnv> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let head_commit_message = match var("GITHUB_EVENT_PATH") {
        Some(path) => {
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

/// The naming rules for `version` (the same registry and pull-request number as `naming`).
fn naming_for(ctx: &Ctx, naming: &Naming, version: &str) -> anyhow::Result<Naming> {
    let config = ctx.config()?;
    Ok(Naming::new(naming.registry(), &config.version_prefix, version)?
        .with_release_step(&config.release_step)
        .with_pr(naming.pr())?)
}

/// The bump of `part` as `hoist bump PART` plans it, and with `dry_run` false, applies it.
fn plan_bump(ctx: &Ctx, part: &str, dry_run: bool) -> anyhow::Result<bump::Plan> {
    let cwd = working_dir(ctx)?;
    let sh = xshell::Shell::new()?;
    sh.change_dir(&cwd);
    let env = Env { sh: &sh, cwd: &cwd, now: Now::from_env()? };
    let path = project_config(ctx, &env, None)?;
    let config = config::load(Some(&path), &Overrides::default(), env.cwd)?;
    let request = BumpRequest { part: Some(part.to_owned()), dry_run, ..BumpRequest::default() };
    let plan = bump::plan(&env, &config, &request)?;
    if !dry_run {
        bump::execute(env.sh, &plan)?;
    }
    Ok(plan)
}

/// Runs the steps in order; the first failure ends the run, named by its step.
fn execute(ctx: &Ctx, repo: &Repo, plan: &CiPlan, progress: Progress, done: &mut Vec<Done>) -> anyhow::Result<()> {
    for step in &plan.steps {
        if step.action == StepAction::Skip {
            done.push(Done { step: step.name, result: "skipped".into() });
            continue;
        }
        eprintln!("ci: {}: {}", step.name, step.reason);
        let result = run_step(ctx, repo, plan, step, progress)
            .with_context(|| format!("the `ci` step `{}` failed; the steps after it did not run", step.name))?;
        done.push(Done { step: step.name, result });
    }
    Ok(())
}

fn run_step(ctx: &Ctx, repo: &Repo, plan: &CiPlan, step: &CiStep, progress: Progress) -> anyhow::Result<String> {
    let config = ctx.config()?;
    match &step.action {
        StepAction::Skip => Ok("skipped".into()),
        StepAction::Bump { part, to, .. } => {
            let bumped = plan_bump(ctx, part, false)?;
            if &bumped.new_version != to {
                anyhow::bail!("the bump gave {} where the plan said {to}: this is a bug in hoist", bumped.new_version);
            }
            Ok(format!("{} → {}", plan.version, bumped.new_version))
        }
        StepAction::DataImage { data, source, tag, push } => {
            let engine = connect(ctx)?;
            match data {
                DataAction::PullAndRetag => {
                    let source = source.as_deref().context("a retag needs its source: this is a bug in hoist")?;
                    engine.pull(source, &mut |_| {})?;
                    engine.tag(source, tag)?;
                    if *push {
                        let digest = engine.push(tag, &mut |_| {})?;
                        Ok(format!("pulled {source}, pushed {tag} {}", digest.as_str()))
                    } else {
                        Ok(format!("pulled {source}, tagged {tag}"))
                    }
                }
                DataAction::Regenerate => {
                    let naming = ctx.naming()?;
                    let data_plan = crate::commands::data_image::plan(ctx, &engine, &naming, tag.clone(), *push)?;
                    let report =
                        crate::commands::data_image::execute(ctx, &engine, &naming, &data_plan, progress, "ci")??;
                    Ok(match &report.digest {
                        Some(digest) => format!("regenerated, pushed {tag} {digest}"),
                        None => format!("regenerated {tag} {}", report.image_id),
                    })
                }
            }
        }
        StepAction::Test { .. } => {
            let engine = connect(ctx)?;
            let naming = ctx.naming()?;
            let test_plan = crate::commands::test::plan(ctx, &engine, &naming, false)?;
            let report = crate::commands::test::execute(ctx, &engine, &naming, &test_plan, progress, "ci")??;
            let lines: Vec<String> = report.suites.iter().map(suite_line).collect();
            if report.exit_code != 0 {
                anyhow::bail!("the tests failed (exit code {}): {}", report.exit_code, lines.join("; "));
            }
            Ok(lines.join("; "))
        }
        StepAction::PushGit { remote, branch, tag } => {
            let head = format!("HEAD:refs/heads/{branch}");
            let mut args = vec!["push", "--atomic", remote.as_str(), head.as_str()];
            let tag_ref = tag.as_ref().map(|t| format!("refs/tags/{t}"));
            if let Some(tag_ref) = &tag_ref {
                args.push(tag_ref);
            }
            repo.git(&args)?;
            Ok(format!("pushed {head}{} to `{remote}`", tag.as_ref().map(|t| format!(" and {t}")).unwrap_or_default()))
        }
        StepAction::PushImage { step } => {
            let result = push_step(ctx, step, progress)?;
            let pushed: Vec<String> = result.pushed.iter().map(|p| format!("{} {}", p.tag, p.digest)).collect();
            Ok(if pushed.is_empty() {
                format!("{} already in the registry ({})", result.plan.tags.join(", "), result.plan.reason)
            } else {
                format!("pushed {}", pushed.join(", "))
            })
        }
        StepAction::Deploy { environment, version } => {
            let mut lookup = ctx.image_lookup()?;
            let deploy = hoist_deploy::plan_deploy(repo, config, environment, version, &mut lookup)?;
            if !deploy.problems.is_empty() {
                anyhow::bail!("the deploy plan has problems: {}", deploy.problems.join("; "));
            }
            hoist_deploy::execute(repo, &deploy)?;
            let moves: Vec<String> = deploy
                .moves
                .iter()
                .map(|m| format!("{} {} → {}", m.tag, m.from.as_ref().map_or("(none)", |o| o.short()), m.to.short()))
                .collect();
            Ok(if moves.is_empty() {
                format!("`{environment}` already runs {version}")
            } else {
                format!("deployed {version} to `{environment}`: {}", moves.join(", "))
            })
        }
    }
}

/// One line per step: name, action, reason.
fn write_plan(out: &mut dyn Write, plan: &CiPlan) -> std::io::Result<()> {
    let c = &plan.context;
    let event = match c.event {
        CiEvent::Push => format!("push to `{}`", c.branch.as_deref().unwrap_or("(no branch)")),
        CiEvent::PullRequest => format!("pull request onto `{}`", c.base.as_deref().unwrap_or_default()),
    };
    let merged = if c.merged_pr { " (a merged pull request)" } else { "" };
    writeln!(out, "ci for a {event}{merged}, from {}; version {}", c.source, plan.version)?;
    for step in &plan.steps {
        writeln!(out, "  {:<10} {} — {}", step.name, action_text(&step.action), step.reason)?;
    }
    Ok(())
}

fn action_text(action: &StepAction) -> String {
    match action {
        StepAction::Bump { part, from, to, .. } => format!("bump {part}: {from} → {to}"),
        StepAction::DataImage { data: DataAction::Regenerate, tag, .. } => format!("regenerate {tag}"),
        StepAction::DataImage { data: DataAction::PullAndRetag, tag, .. } => format!("pull and retag as {tag}"),
        StepAction::Test { step } => format!("test with the `{step}` image"),
        StepAction::PushGit { remote, branch, tag } => {
            format!(
                "git push --atomic {remote} HEAD:{branch}{}",
                tag.as_ref().map(|t| format!(" {t}")).unwrap_or_default()
            )
        }
        StepAction::PushImage { step } => format!("push the `{step}` image"),
        StepAction::Deploy { environment, version } => format!("deploy {version} to `{environment}`"),
        StepAction::Skip => "skip".into(),
    }
}

/// One step-summary section for the whole run.
fn summary(plan: &CiPlan, done: &[Done], error: Option<&anyhow::Error>) -> String {
    let mut md = String::from("### hoist ci\n\n| step | action | result | reason |\n|---|---|---|---|\n");
    for step in &plan.steps {
        let result = match done.iter().find(|d| d.step == step.name) {
            Some(d) => d.result.clone(),
            None if error.is_some() && done.len() < plan.steps.len() && plan.steps[done.len()].name == step.name => {
                "**failed**".into()
            }
            None => "not run".into(),
        };
        md.push_str(&format!("| {} | {} | {} | {} |\n", step.name, action_text(&step.action), result, step.reason));
    }
    if plan.new_version != plan.version {
        md.push_str(&format!("\nVersion: {} → {}\n", plan.version, plan.new_version));
    }
    if let Some(error) = error {
        md.push_str(&format!("\nFailed: {}\n", format!("{error:#}").replace('\n', " ")));
    }
    md
}
