//! `doctor`: which engine, registries, compose and git hoist finds here, and what is missing
//! (`hoist_pipeline::diagnose`), as aligned `key: value` lines or one JSON object. Needs no
//! `hoist.toml`; exit status 1 when anything is missing, so CI can run it first.

use std::process::ExitCode;

use hoist_pipeline::Diagnosis;

use crate::Ctx;
use crate::commands::print_line;

/// Show the engine and why, BuildKit, logins, compose, git, and what is missing.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The engine is chosen as every target chooses it: `--engine`, `HOIST_ENGINE`, `DOCKER_HOST`,\n`DOCKER_CONTEXT`, the current docker context, the local socket. BuildKit is checked by building\n`FROM scratch` and removing the image. Registries are named with where their credentials come\nfrom, never a secret; the remote's URL is shown without credentials. Needs no `hoist.toml`.\nEach problem is a `problem:` line with its fix; the exit status is 1 when there is any."
)]
pub(crate) struct Doctor {
    /// Print the facts and the problems as one JSON object.
    #[arg(long)]
    json: bool,
}

impl Doctor {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let diagnosis = hoist_pipeline::diagnose(ctx.existing_start_dir()?, ctx.engine_choice());
        if self.json {
            print_line(&serde_json::to_string_pretty(&diagnosis)?)?;
        } else {
            print_line(&crate::escape_controls(&render(&diagnosis)))?;
        }
        Ok(if diagnosis.is_healthy() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }
}

/// The diagnosis as `key: value` lines, the values aligned, the problems last.
fn render(d: &Diagnosis) -> String {
    let unknown = || "unknown".to_owned();
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut add = |key: &str, value: String| lines.push((format!("{key}:"), value));
    let engine = &d.engine;
    add("engine", engine.url.clone().unwrap_or_else(unknown));
    if let Some(reason) = &engine.reason {
        add("reason", reason.clone());
    }
    let version = match (&engine.version, &engine.api) {
        (Some(version), api) => {
            let details: Vec<String> =
                api.iter().map(|a| format!("API {a}")).chain(engine.platform.iter().cloned()).collect();
            if details.is_empty() { version.clone() } else { format!("{version} ({})", details.join(", ")) }
        }
        (None, Some(api)) => format!("API {api}"),
        (None, None) => unknown(),
    };
    add("version", version);
    add(
        "buildkit",
        match engine.buildkit {
            Some(true) => "yes".to_owned(),
            Some(false) => "no".to_owned(),
            None => unknown(),
        },
    );
    add("docker config", d.docker_config.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string()));
    if d.registries.is_empty() {
        add("registries", "none".to_owned());
    }
    for login in &d.registries {
        let registry = if login.registry == "*" { "every registry".to_owned() } else { login.registry.clone() };
        add("registry", format!("{registry} ({})", login.source));
    }
    add(
        "compose",
        match &d.compose {
            Some(compose) => {
                let kind = if compose.kind == "plugin" { "v2 plugin" } else { "v1" };
                match &compose.version {
                    Some(version) => format!("`{}` ({kind}): {version}", compose.command),
                    None => format!("`{}` ({kind})", compose.command),
                }
            }
            None => "none".to_owned(),
        },
    );
    let git = &d.git;
    add("git", git.version.clone().unwrap_or_else(|| "none".to_owned()));
    add("work tree", git.work_tree.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string()));
    add(&format!("remote {}", git.remote), git.url.clone().unwrap_or_else(|| "none".to_owned()));
    add("hoist.toml", d.hoist_toml.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string()));
    if d.problems.is_empty() {
        add("problems", "none".to_owned());
    }
    for problem in &d.problems {
        let (message, help) = problem.parts();
        add("problem", help.map_or_else(|| message.clone(), |help| format!("{message}; {help}")));
    }
    let width = lines.iter().map(|(key, _)| key.chars().count()).max().unwrap_or(0);
    lines.iter().map(|(key, value)| format!("{key:width$} {value}")).collect::<Vec<_>>().join("\n")
}
