//! `cargo xtask TARGET` is `hoist TARGET` run on this repository: the same program, built from
//! the workspace, so the repository's own pipeline dogfoods hoist.
//!
//! One chore is the repository's own and not a hoist target: `cargo xtask bench` measures hoist
//! against its peers and rewrites `docs/benchmarks.md`.

mod bench;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "bench") {
        return match bench::run(&args[2..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    hoist_cli::run("cargo xtask", args)
}
