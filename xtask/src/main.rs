//! `cargo xtask TARGET` is `hoist TARGET` run on this repository: the same program, built from
//! the workspace, so the repository's own pipeline dogfoods hoist.

fn main() -> std::process::ExitCode {
    hoist_cli::run("cargo xtask", std::env::args_os())
}
