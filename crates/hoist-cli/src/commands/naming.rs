//! `version`, `tag` and `registry`: one line each, for `$(hoist tag)` in scripts.

use std::process::ExitCode;

use crate::Ctx;
use crate::commands::print_line;

/// Print the image version: `v0.5.146`, or `v0.5.146-42` when the PR variable is 42.
#[derive(Debug, clap::Args)]
pub(crate) struct Version {}

/// Print the image tag: `REGISTRY:VERSION`.
#[derive(Debug, clap::Args)]
pub(crate) struct Tag {}

/// Print the image registry repository.
#[derive(Debug, clap::Args)]
pub(crate) struct Registry {}

impl Version {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        print_line(&ctx.naming()?.version())?;
        Ok(ExitCode::SUCCESS)
    }
}

impl Tag {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        print_line(&ctx.naming()?.tag())?;
        Ok(ExitCode::SUCCESS)
    }
}

impl Registry {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        // The registry needs no version: a project without `.bumpversion.toml` can ask for it.
        // `HOIST_REGISTRY` is already applied: it wins over `registry`, as for every image name.
        print_line(&ctx.config()?.registry)?;
        Ok(ExitCode::SUCCESS)
    }
}
