//! `test`: the tester image, the CI compose project, the configured suites; the tests' exit
//! status. Also the glue `regen-solr-image` and `regen-requirements` share.

use std::io::Write;
use std::process::ExitCode;

use hoist_image::{BuildRequest, Engine, EngineConfig, ProgressMode, ProgressView};
use hoist_naming::Naming;
use hoist_pipeline::{ComposeEnv, Event, ImageStep, PipelineError, SuiteOutcome, TestPlan, TestReport};

use crate::Ctx;
use crate::commands::build::Progress;

/// Run the test suites in the CI compose project with the tester image, then take it down.
#[derive(Debug, clap::Args)]
pub(crate) struct Test {
    /// Leave the compose project up afterwards, to look around in it.
    #[arg(long)]
    keep: bool,
    /// How to show image build and pull progress.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the plan (image decision, compose commands, suites) and run nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON.
    #[arg(long)]
    json: bool,
}

impl Test {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let naming = ctx.naming()?;
        let engine = connect(ctx)?;
        let plan = plan(ctx, &engine, &naming, self.keep)?;
        if self.dry_run {
            return print_plan(self.json, &plan, write_plan);
        }
        let report = match execute(ctx, &engine, &naming, &plan, self.progress, "test")? {
            Ok(report) => report,
            Err(error) => return interrupted_or(error),
        };
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        } else {
            for suite in &report.suites {
                writeln!(out, "{}", suite_line(suite))?;
            }
        }
        ctx.summary(&summary(&report))?;
        Ok(ExitCode::from(u8::try_from(report.exit_code).unwrap_or(1)))
    }
}

/// The test run, as `test` and `ci` plan it.
pub(crate) fn plan(ctx: &Ctx, engine: &Engine, naming: &Naming, keep: bool) -> anyhow::Result<TestPlan> {
    let config = ctx.config()?;
    let step = &config.test.step;
    hoist_pipeline::check_stage(config, step, "test.step")?;
    let image = image_step(ctx, engine, naming, step)?;
    let env = compose_env(naming, &image.reference);
    let compose = hoist_compose::Compose::detect(&xshell::Shell::new()?)?;
    Ok(hoist_pipeline::plan_test(config, compose, image, env, keep)?)
}

/// Carries out `plan`, drawing progress under `prefix`; the inner error is the pipeline's own.
pub(crate) fn execute(
    ctx: &Ctx,
    engine: &Engine,
    naming: &Naming,
    plan: &TestPlan,
    progress: Progress,
    prefix: &'static str,
) -> anyhow::Result<Result<TestReport, PipelineError>> {
    let request = build_request(ctx, naming, &ctx.config()?.test.step)?;
    let mut draw = Drawer::new(progress, prefix);
    let result = hoist_pipeline::run_tests(engine, plan, &request, &mut |e| draw.event(e));
    draw.finish();
    Ok(result)
}

pub(crate) fn suite_line(suite: &hoist_pipeline::SuiteResult) -> String {
    let counted = if suite.reported_only { " (reported only)" } else { "" };
    match (suite.outcome, suite.code) {
        (SuiteOutcome::Passed, _) => format!("passed  {}{counted}", suite.name),
        (SuiteOutcome::Failed, Some(code)) => format!("failed  {} (exit code {code}){counted}", suite.name),
        _ => format!("not run {}{counted}", suite.name),
    }
}

fn write_plan(out: &mut dyn Write, plan: &TestPlan) -> std::io::Result<()> {
    write_image(out, &plan.image)?;
    writeln!(out, "compose project `{}` ({}): {}", plan.project, plan.compose, plan.up.join(" "))?;
    for suite in &plan.suites {
        let counted = if suite.reported_only { " (reported only, never fails the target)" } else { "" };
        writeln!(out, "suite `{}`{counted}: {}", suite.name, suite.argv.join(" "))?;
    }
    match &plan.down {
        Some(down) => writeln!(out, "then, also on failure or Ctrl-C: {}", down.join(" ")),
        None => writeln!(out, "then leave the project up (--keep)"),
    }
}

fn summary(report: &TestReport) -> String {
    let mut md = format!(
        "### Tests in `{}` ({})\n\n| suite | result |\n|---|---|\n",
        report.plan.project, report.plan.image.reference
    );
    for suite in &report.suites {
        let result = match (suite.outcome, suite.code) {
            (SuiteOutcome::Passed, _) => "passed".to_owned(),
            (SuiteOutcome::Failed, Some(code)) => format!("failed (exit code {code})"),
            _ => "not run".to_owned(),
        };
        let counted = if suite.reported_only { " (reported only)" } else { "" };
        md.push_str(&format!("| `{}` | {result}{counted} |\n", suite.name));
    }
    md
}

/// Writes the image line of a plan.
pub(crate) fn write_image(out: &mut dyn Write, image: &ImageStep) -> std::io::Result<()> {
    let action = match image.action {
        hoist_pipeline::ImageAction::Local => "use",
        hoist_pipeline::ImageAction::Pull => "pull",
        hoist_pipeline::ImageAction::Build => "build",
    };
    writeln!(out, "image {}: {action} ({})", image.reference, image.reason)
}

/// Prints a plan as text or JSON.
pub(crate) fn print_plan<P: serde::Serialize>(
    json: bool,
    plan: &P,
    text: fn(&mut dyn Write, &P) -> std::io::Result<()>,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(plan)?)?;
    } else {
        text(&mut out, plan)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An interrupted target exits `128 + signal` after saying so; any other error is an error.
pub(crate) fn interrupted_or(error: PipelineError) -> anyhow::Result<ExitCode> {
    if let PipelineError::Interrupted { .. } = error {
        eprintln!("error: {error}");
        return Ok(ExitCode::from(error.exit_code()));
    }
    Err(error.into())
}

/// The engine, with the configured builder.
pub(crate) fn connect(ctx: &Ctx) -> anyhow::Result<Engine> {
    let builder = match ctx.config()?.builder {
        hoist_config::Builder::Buildkit => hoist_image::Builder::Buildkit,
        hoist_config::Builder::Classic => hoist_image::Builder::Classic,
        hoist_config::Builder::Buildx => hoist_image::Builder::Buildx,
    };
    Ok(Engine::connect(&EngineConfig { builder, ..EngineConfig::default() })?)
}

/// The image of `step`, and how it will be had (asks the engine and the registry).
pub(crate) fn image_step(ctx: &Ctx, engine: &Engine, naming: &Naming, step: &str) -> anyhow::Result<ImageStep> {
    let reference = naming.step_image(step).tags.remove(0);
    let facts = hoist_pipeline::image_facts(engine, ctx.registry()?, &reference)?;
    Ok(hoist_pipeline::decide(step, &reference, &facts))
}

/// The `HOIST_*` variables compose files read.
pub(crate) fn compose_env(naming: &Naming, image: &str) -> ComposeEnv {
    ComposeEnv {
        registry: naming.registry().to_owned(),
        version: naming.version(),
        tag: naming.tag(),
        image: image.to_owned(),
    }
}

/// A build request for `step` with the project's Dockerfile, context, platform and cache
/// sources (never a cache export: these builds serve a run, not a release).
pub(crate) fn build_request(ctx: &Ctx, naming: &Naming, step: &str) -> anyhow::Result<BuildRequest> {
    let config = ctx.config()?;
    let mut request = BuildRequest::new(config.context_path(), &naming.version());
    request.dockerfile = config.dockerfile_path();
    request.target = Some(step.to_owned());
    request.platform = config.platform.clone();
    request.cache_from = naming.cache_refs(step, false).map(|c| c.from).unwrap_or_default();
    Ok(request)
}

/// Draws pipeline events on stderr.
pub(crate) struct Drawer {
    mode: ProgressMode,
    prefix: &'static str,
    view: Option<ProgressView>,
}

impl Drawer {
    pub(crate) fn new(progress: Progress, prefix: &'static str) -> Drawer {
        Drawer { mode: progress.mode(), prefix, view: None }
    }

    pub(crate) fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Note(note) => {
                self.finish();
                eprintln!("{}: {note}", self.prefix);
            }
            Event::Build(e) => self.view().build_event(e),
            Event::Transfer(e) => self.view().transfer_event(e),
            _ => {}
        }
    }

    fn view(&mut self) -> &mut ProgressView {
        self.view.get_or_insert_with(|| ProgressView::new(self.mode, self.prefix))
    }

    pub(crate) fn finish(&mut self) {
        if let Some(mut view) = self.view.take() {
            view.finish();
        }
    }
}
