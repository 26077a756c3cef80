//! `layers`: the Dockerfile's build stages.

use std::process::ExitCode;

use serde::Serialize;

use crate::Ctx;
use crate::commands::print_line;

/// List the Dockerfile's build stages in order, one per line (unnamed ones by index).
#[derive(Debug, clap::Args)]
pub(crate) struct Layers {
    /// The Dockerfile to read (default: the one `hoist.toml` names, else `./Dockerfile`).
    #[arg(long, short = 'f', value_name = "FILE")]
    file: Option<std::path::PathBuf>,
    /// Print a JSON array of {index, name, base, base_stage, platform, line} instead.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct StageJson<'a> {
    index: usize,
    name: Option<&'a str>,
    base: &'a str,
    base_stage: Option<usize>,
    platform: Option<&'a str>,
    line: usize,
}

impl Layers {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        // `layers` needs only a Dockerfile: `-f FILE`, else `hoist.toml`'s, else `./Dockerfile`
        // of the project directory when there is no `hoist.toml` at all.
        let path = match (&self.file, ctx.config()) {
            (Some(file), _) => ctx.start_dir().join(file),
            (None, Ok(config)) => config.dockerfile_path(),
            (None, Err(error)) if !ctx.start_dir().join("Dockerfile").is_file() => return Err(error),
            (None, Err(error))
                if error
                    .downcast_ref::<hoist_config::ConfigError>()
                    .is_some_and(|e| matches!(e, hoist_config::ConfigError::NotFound { .. })) =>
            {
                ctx.start_dir().join("Dockerfile")
            }
            (None, Err(error)) => return Err(error),
        };
        let dockerfile = hoist_dockerfile::parse_file(&path)?;
        if self.json {
            let stages: Vec<StageJson<'_>> = dockerfile
                .stages
                .iter()
                .map(|s| StageJson {
                    index: s.index,
                    name: s.name.as_deref(),
                    base: &s.base,
                    base_stage: s.base_stage,
                    platform: s.platform.as_deref(),
                    line: s.line,
                })
                .collect();
            print_line(&serde_json::to_string_pretty(&stages)?)?;
        } else {
            let names: Vec<String> = dockerfile.stages.iter().map(|s| s.display_name()).collect();
            print_line(&names.join("\n"))?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
