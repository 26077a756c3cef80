//! `regen-requirements`: run the dependency-lock command of `[requirements]` and report which
//! files changed.

use std::io::Write;
use std::process::ExitCode;

use hoist_pipeline::{FileChange, RequirementsPlan, RequirementsReport};

use crate::Ctx;
use crate::commands::test::{compose_env, interrupted_or, print_plan};

/// Run the dependency-lock command (`[requirements]`) in its service and report the changed files.
#[derive(Debug, clap::Args)]
pub(crate) struct RegenRequirements {
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
        let env = compose_env(&naming, &naming.step_image(&config.release_step).tags[0]);
        let compose = hoist_compose::Compose::detect(&xshell::Shell::new()?)?;
        let plan = hoist_pipeline::plan_requirements(config, compose, env)?;
        if self.dry_run {
            return print_plan(self.json, &plan, write_plan);
        }
        let result = hoist_pipeline::regenerate_requirements(&plan, &mut |e| {
            if let hoist_pipeline::Event::Note(note) = e {
                eprintln!("regen-requirements: {note}");
            }
        });
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
