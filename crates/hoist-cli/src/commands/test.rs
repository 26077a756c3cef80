//! `test`: the tester image, the CI compose project, the configured suites; the tests' exit
//! status. Also the rendering `regen-solr-image`, `regen-requirements` and `ci` share.

use std::io::Write;
use std::process::ExitCode;

use hoist_image::{ProgressGroup, ProgressMode, ProgressView};
use hoist_naming::Naming;
use hoist_pipeline::{
    BuildAction, Event, ImagePlan, ImageRequest, Pipeline, PipelineError, SuiteOutcome, TestPlan, TestReport,
    suite_line,
};

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
        let pipeline = ctx.pipeline()?;
        let plan = plan(ctx, &pipeline, &naming, self.keep)?;
        if self.dry_run {
            return print_plan(self.json, &plan, write_plan);
        }
        for warning in &plan.warnings {
            eprintln!("warning: {}", crate::escape_controls(&warning.to_string()));
        }
        let mut draw = Drawer::new(self.progress, "test");
        let result = hoist_pipeline::run_tests(&pipeline, &plan, &mut |e| draw.event(e));
        draw.finish();
        let report = match result {
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

/// The test run: the tester image decided by its inputs, the compose project, the suites.
fn plan(ctx: &Ctx, pipeline: &Pipeline<'_>, naming: &Naming, keep: bool) -> anyhow::Result<TestPlan> {
    let config = ctx.config()?;
    let step = &config.test.step;
    hoist_pipeline::check_stage(config, step, "test.step")?;
    let image = hoist_pipeline::plan_image(pipeline, &ImageRequest::local(step, naming))?;
    let env = pipeline.compose_env(naming, image.reference())?;
    let compose = hoist_compose::Compose::detect(&xshell::Shell::new()?)?;
    Ok(hoist_pipeline::plan_test(config, compose, image, env, keep, &Default::default())?)
}

fn write_plan(out: &mut dyn Write, plan: &TestPlan) -> std::io::Result<()> {
    write_image(out, &plan.image)?;
    writeln!(out, "compose project `{}` ({}): {}", plan.project, plan.compose, plan.up.join(" "))?;
    for step in &plan.setup {
        writeln!(out, "setup {}", step.exec)?;
    }
    for suite in &plan.suites {
        let counted = if suite.reported_only { " (reported only, never fails the target)" } else { "" };
        writeln!(out, "suite `{}`{counted} {}", suite.name, suite.exec)?;
    }
    match &plan.down {
        Some(down) => writeln!(out, "then, also on failure or Ctrl-C: {}", down.join(" "))?,
        None => writeln!(out, "then leave the project up (--keep)")?,
    }
    for warning in &plan.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}

fn summary(report: &TestReport) -> String {
    let mut md = format!(
        "### Tests in `{}` ({})\n\n| suite | result |\n|---|---|\n",
        report.plan.project,
        report.plan.image.reference()
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

/// Writes the image line of a plan: the image, what will be done, and why.
pub(crate) fn write_image(out: &mut dyn Write, image: &ImagePlan) -> std::io::Result<()> {
    let action = match image.action {
        BuildAction::Skip => "use",
        BuildAction::Pull => "pull",
        BuildAction::Build => "build",
        BuildAction::Push => "push",
    };
    writeln!(out, "image {}: {action} ({})", image.reference(), image.reason)
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

/// Draws pipeline events on stderr.
pub(crate) struct Drawer {
    mode: ProgressMode,
    prefix: String,
    view: Option<ProgressView>,
    /// One drawer per step of a run whose steps run at the same time, prefixed `ci/STEP`; on
    /// a terminal their live lines are drawn together.
    steps: std::collections::BTreeMap<String, Drawer>,
    group: Option<ProgressGroup>,
}

impl Drawer {
    pub(crate) fn new(progress: Progress, prefix: &str) -> Drawer {
        Drawer { mode: progress.mode(), prefix: prefix.to_owned(), view: None, steps: Default::default(), group: None }
    }

    pub(crate) fn event(&mut self, event: Event<'_>) {
        if let Event::Step { step, event } = event {
            let (mode, prefix) = (self.mode, format!("{}/{step}", self.prefix));
            let group = self.group.get_or_insert_with(ProgressGroup::new).clone();
            let drawer = self.steps.entry(step.to_owned()).or_insert_with(|| Drawer {
                mode,
                prefix,
                view: None,
                steps: Default::default(),
                group: Some(group),
            });
            return drawer.event_ref(event);
        }
        self.event_ref(&event);
    }

    fn event_ref(&mut self, event: &Event<'_>) {
        match *event {
            Event::Step { step, event } => self.event(Event::Step { step, event }),
            Event::Note(note) if self.mode != ProgressMode::Quiet => {
                self.println(&format!("{}: {}", self.prefix, crate::escape_controls(note)));
            }
            Event::Warning(warning) => self.println(&format!("warning: {}", crate::escape_controls(warning))),
            Event::Build(e) => self.view().build_event(e),
            Event::Transfer(e) => self.view().transfer_event(e),
            Event::Output(line) => self.view().output(line),
            _ => {}
        }
    }

    /// A line of hoist's own: it starts a new phase, so this drawer's live line (a build's,
    /// a push's) is cleared first; the line goes above the live lines of the group.
    fn println(&mut self, line: &str) {
        if let Some(mut view) = self.view.take() {
            view.finish();
        }
        match &self.group {
            Some(group) if self.mode.resolve() == ProgressMode::Live => group.println(line),
            _ => eprintln!("{line}"),
        }
    }

    fn view(&mut self) -> &mut ProgressView {
        let (mode, prefix, group) = (self.mode, &self.prefix, &self.group);
        self.view.get_or_insert_with(|| match group {
            Some(group) => ProgressView::in_group(mode, prefix, group),
            None => ProgressView::new(mode, prefix),
        })
    }

    pub(crate) fn finish(&mut self) {
        if let Some(mut view) = self.view.take() {
            view.finish();
        }
        for drawer in self.steps.values_mut() {
            drawer.finish();
        }
    }
}
