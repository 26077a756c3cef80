//! `regen-requirements`: run the dependency-lock command of `[requirements]` and report which
//! files changed.

use std::io::Write;
use std::process::ExitCode;

use hoist_pipeline::{FileChange, ImageRequest, RequirementsPlan, RequirementsReport};

use crate::Ctx;
use crate::commands::build::Progress;
use crate::commands::test::{Drawer, interrupted_or, print_plan, write_image};

/// Run the dependency-lock command (`[requirements]`) in its service and report the changed files.
#[derive(Debug, clap::Args)]
pub(crate) struct RegenRequirements {
    /// How to show image build and pull progress.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the command and the files and run nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON.
    #[arg(long)]
    json: bool,
}

impl RegenRequirements {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let naming = ctx.naming()?;
        let step = &config.requirements.step;
        hoist_pipeline::check_stage(config, step, "requirements.step")?;
        let pipeline = ctx.pipeline()?;
        let image = hoist_pipeline::plan_image(&pipeline, &ImageRequest::local(step, &naming))?;
        let env = pipeline.compose_env(&naming, image.reference())?;
        let compose = hoist_compose::Compose::detect(&xshell::Shell::new()?)?;
        let plan = hoist_pipeline::plan_requirements(config, compose, image, env)?;
        if self.dry_run {
            return print_plan(self.json, &plan, write_plan);
        }
        let mut draw = Drawer::new(self.progress, "regen-requirements");
        let result = hoist_pipeline::regenerate_requirements(&pipeline, &plan, &mut |e| draw.event(e));
        draw.finish();
        let report = match result {
            Ok(report) => report,
            Err(error) => return interrupted_or(error),
        };
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        } else {
            for file in &report.files {
                writeln!(out, "{:<9} {}", change_word(file.change), file.file)?;
            }
        }
        ctx.summary(&summary(&report))?;
        Ok(ExitCode::SUCCESS)
    }
}

fn change_word(change: FileChange) -> &'static str {
    match change {
        FileChange::Unchanged => "unchanged",
        FileChange::Changed => "changed",
        FileChange::Created => "created",
        FileChange::Removed => "removed",
        FileChange::Absent => "absent",
    }
}

fn write_plan(out: &mut dyn Write, plan: &RequirementsPlan) -> std::io::Result<()> {
    write_image(out, &plan.image)?;
    writeln!(out, "run: {}", plan.argv.join(" "))?;
    for file in &plan.files {
        writeln!(out, "report: {file}")?;
    }
    Ok(())
}

fn summary(report: &RequirementsReport) -> String {
    let changed: Vec<String> = report
        .files
        .iter()
        .filter(|f| !matches!(f.change, FileChange::Unchanged | FileChange::Absent))
        .map(|f| format!("`{}` ({})", f.file, change_word(f.change)))
        .collect();
    if changed.is_empty() {
        "### Requirements\n\nNo pinned file changed.\n".to_owned()
    } else {
        format!("### Requirements\n\nChanged: {}.\n", changed.join(", "))
    }
}
