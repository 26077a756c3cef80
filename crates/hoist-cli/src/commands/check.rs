//! `check`: the configuration against the project, before anything runs.

use std::process::ExitCode;

use crate::Ctx;
use crate::commands::print_line;

/// Check `hoist.toml` against the project: services in the compose files, stages in the Dockerfile, bump parts.
#[derive(Debug, clap::Args)]
pub(crate) struct Check {
    /// Print the problems as a JSON array.
    #[arg(long)]
    json: bool,
}

impl Check {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let parts = crate::commands::ci::version_parts(ctx);
        let problems = hoist_pipeline::check_config(config, parts.as_deref());
        if self.json {
            print_line(&serde_json::to_string_pretty(&problems)?)?;
        } else if problems.is_empty() {
            print_line(&format!("`{}` matches the project", config.path.display()))?;
        } else {
            for problem in &problems {
                print_line(&format!("- {problem}"))?;
            }
        }
        if problems.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        anyhow::bail!("`hoist.toml` has {} problem(s): fix them before a target runs on it", problems.len())
    }
}
