//! `init`: a commented `hoist.toml` from the project's files (`hoist_pipeline::plan_init`),
//! printed with `--dry-run`, written by `hoist_pipeline::write_init`. Needs no `hoist.toml`.

use std::process::ExitCode;

use hoist_pipeline::{InitPlan, Written};
use serde::Serialize;

use crate::Ctx;
use crate::commands::print_line;

/// Write a commented hoist.toml from the Dockerfile, compose files, version config, justfile and workflows.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "It writes `hoist.toml` in the project directory (`-C DIR`, else the current one), never a parent's,\nand needs none to run. Each value has a `# from …` comment; what it could not infer is a commented\nplaceholder and a line of the list it prints, with the fix. Then `hoist check` and `hoist ci --dry-run`."
)]
pub(crate) struct Init {
    /// Replace an existing `hoist.toml` (only a regular file is ever replaced).
    #[arg(long)]
    force: bool,
    /// Print the file it would write and what it inferred; write nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON: the path, the text, each value with its source, what it could not infer.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct InitJson<'a> {
    #[serde(flatten)]
    plan: &'a InitPlan,
    /// `created`, `replaced`, or `null` for a dry run.
    written: Option<Written>,
}

impl Init {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        // The project directory itself, never a parent's `hoist.toml`: init writes a new one here.
        let plan = hoist_pipeline::plan_init(ctx.start_dir())?;
        // A dry run refuses what the write refuses (the write checks again, at the moment it writes).
        let written = if self.dry_run {
            hoist_pipeline::check_target(&plan, self.force)?;
            None
        } else {
            Some(hoist_pipeline::write_init(&plan, self.force)?)
        };
        if self.json {
            print_line(&serde_json::to_string_pretty(&InitJson { plan: &plan, written })?)?;
            return Ok(ExitCode::SUCCESS);
        }
        let path = plan.path.display();
        let mut out = String::new();
        match written {
            None => {
                out.push_str(&format!("would write {path} (dry run: nothing written):\n\n"));
                out.push_str(&plan.text);
                out.push('\n');
            }
            Some(Written::Created) => out.push_str(&format!("wrote {path}\n")),
            Some(Written::Replaced) => out.push_str(&format!("replaced {path} (--force)\n")),
        }
        out.push_str("inferred:\n");
        for value in &plan.inferred {
            out.push_str(&format!("  {} = {}  (from {})\n", value.key, value.value, value.source));
        }
        if plan.not_inferred.is_empty() {
            out.push_str("could not infer: nothing\n");
        } else {
            out.push_str("could not infer:\n");
            for missing in &plan.not_inferred {
                out.push_str(&format!("  - {missing}\n"));
            }
        }
        let next = match written {
            None => format!("next: `{} init` writes it", ctx.bin_name()),
            Some(_) => format!("next: `{0} check`, then `{0} ci --dry-run` shows the whole CI flow", ctx.bin_name()),
        };
        out.push_str(&next);
        print_line(&crate::escape_controls(&out))?;
        Ok(ExitCode::SUCCESS)
    }
}
