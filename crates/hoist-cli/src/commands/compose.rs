//! `compose PROJECT ARGS…` and the shortcuts `hoist.toml` names (`ci-dc`, `solr-dc`).

use std::process::ExitCode;

use hoist_compose::Compose as Program;

use crate::Ctx;

/// Run docker compose on a project of `hoist.toml` (`ps` when no arguments are given).
#[derive(Debug, clap::Args)]
pub(crate) struct Compose {
    /// The project, a `[compose.NAME]` table of `hoist.toml`.
    project: String,
    /// Arguments for docker compose, e.g. `up -d` or `logs web` (default `ps`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

impl Compose {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        run_project(ctx, &self.project, &self.args)
    }
}

/// Runs compose `args` on the project `name`; its exit code becomes hoist's.
pub(crate) fn run_project(ctx: &Ctx, name: &str, args: &[String]) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    let Some(project) = config.compose.get(name) else {
        let known: Vec<String> = config.compose.keys().map(|k| format!("`{k}`")).collect();
        anyhow::bail!(
            "no compose project `{name}` in `{}`: {}",
            config.path.display(),
            if known.is_empty() {
                format!("add a `[compose.{name}]` table with its `files`")
            } else {
                format!("the configured ones are {}", known.join(", "))
            }
        );
    };
    let args: Vec<&str> = if args.is_empty() { vec!["ps"] } else { args.iter().map(String::as_str).collect() };
    let sh = xshell::Shell::new()?;
    // Compose talks to the engine hoist would use.
    let pipeline = ctx.pipeline()?;
    let engine = pipeline.engine_link()?.child_env();
    let program = Program::detect(&sh)?;
    let code = program.status(&sh, config.root(), project, &args, &engine)?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

/// The compose project whose `shortcut` is `name`, if any.
pub(crate) fn shortcut(ctx: &Ctx, name: &str) -> Option<String> {
    let config = ctx.config().ok()?;
    config.compose.iter().find(|(_, p)| p.shortcut.as_deref() == Some(name)).map(|(k, _)| k.clone())
}
