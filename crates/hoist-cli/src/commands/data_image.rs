//! `regen-solr-image [--no-push]`: regenerate the data image configured in `[data-image]`.

use std::io::Write;
use std::process::ExitCode;

use hoist_pipeline::{DataImagePlan, DataImageReport, ImageRequest};

use crate::Ctx;
use crate::commands::build::Progress;
use crate::commands::test::{Drawer, interrupted_or, print_plan, write_image};

/// Regenerate the data image (`[data-image]`): load, archive, bake into a stage, tag `TAG-solr`, push.
#[derive(Debug, clap::Args)]
pub(crate) struct RegenSolrImage {
    /// Build and tag the image but do not push it.
    #[arg(long)]
    no_push: bool,
    /// How to show image build, pull and push progress.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the plan (image decision, every compose command, the tag) and run nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON.
    #[arg(long)]
    json: bool,
}

impl RegenSolrImage {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let naming = ctx.naming()?;
        let pipeline = ctx.pipeline()?;
        let data = &config.data_image;
        hoist_pipeline::check_stage(config, &data.image_step, "data-image.image-step")?;
        hoist_pipeline::check_stage(config, &data.stage, "data-image.stage")?;
        let image = hoist_pipeline::plan_image(&pipeline, &ImageRequest::local(&data.image_step, &naming))?;
        let env = pipeline.compose_env(&naming, image.reference())?;
        let compose = hoist_compose::Compose::detect(&xshell::Shell::new()?)?;
        let tag = format!("{}-{}", naming.tag(), data.suffix);
        let plan =
            hoist_pipeline::plan_data_image(config, compose, image, env, tag, !self.no_push, &Default::default())?;
        if self.dry_run {
            return print_plan(self.json, &plan, write_plan);
        }
        for warning in &plan.warnings {
            eprintln!("warning: {}", crate::escape_controls(&warning.to_string()));
        }
        let mut draw = Drawer::new(self.progress, "regen-solr-image");
        let result = hoist_pipeline::regenerate_data_image(&pipeline, &plan, &mut |e| draw.event(e));
        draw.finish();
        let report = match result {
            Ok(report) => report,
            Err(error) => return interrupted_or(error),
        };
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        } else {
            match &report.digest {
                Some(digest) => writeln!(out, "pushed {} {digest}", report.plan.tag)?,
                None => writeln!(out, "built {} {}", report.plan.tag, report.image_id)?,
            }
        }
        ctx.summary(&summary(&report))?;
        ctx.outputs(&[("data-image-rebuilt", "true".to_owned()), ("data-image", report.plan.tag.clone())])?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Writes the plan of a data-image regeneration (also a step of `ci`).
pub(crate) fn write_plan(out: &mut dyn Write, plan: &DataImagePlan) -> std::io::Result<()> {
    writeln!(out, "clean start, when anything of the project is left: {}", plan.clean.join(" "))?;
    write_image(out, &plan.image)?;
    writeln!(out, "start: {}", plan.up.join(" "))?;
    if let Some(wait) = &plan.wait_for {
        writeln!(out, "wait (at most {} attempts, 1 s apart) {}", wait.attempts, wait.exec)?;
    }
    for step in &plan.steps {
        writeln!(out, "step {step}")?;
    }
    writeln!(out, "archive `{}` into `{}` {}", plan.archive.source, plan.archive.path, plan.archive.exec)?;
    writeln!(out, "take down (also on failure or Ctrl-C): {}", plan.down.join(" "))?;
    writeln!(out, "build stage `{}` as {}", plan.stage, plan.tag)?;
    if plan.push {
        writeln!(out, "push {}", plan.tag)?;
    } else {
        writeln!(out, "do not push (--no-push)")?;
    }
    for warning in &plan.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}

fn summary(report: &DataImageReport) -> String {
    let action = match &report.digest {
        Some(digest) => format!("built and pushed, `{digest}`"),
        None => format!("built, not pushed, image `{}`", report.image_id),
    };
    format!(
        "### Data image `{}`\n\n{action}; archive `{}` ({} bytes) from `{}`.\n",
        report.plan.tag, report.plan.archive.path, report.archive_bytes, report.plan.archive.source
    )
}
