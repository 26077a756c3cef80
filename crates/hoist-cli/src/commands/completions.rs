//! `completions`: shell completion scripts.

use std::process::ExitCode;

use clap_complete::Shell;

use crate::Ctx;

/// Print a shell completion script (bash, zsh, fish, elvish or powershell).
#[derive(Debug, clap::Args)]
pub(crate) struct Completions {
    /// The shell to complete for.
    shell: Shell,
}

impl Completions {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let name = if ctx.bin_name() == "hoist" { "hoist" } else { "xtask" };
        let mut command = crate::help::command("hoist");
        // Into a buffer first: clap_complete panics when its writer fails, and a closed stdout
        // (`hoist completions bash | head -1`) is no reason to panic; `run` ends quietly on it.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut command, name, &mut script);
        std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
        Ok(ExitCode::SUCCESS)
    }
}
