//! `cargo xtask TARGET` is `hoist TARGET` run on this repository: the same program, built from
//! the workspace, so the repository's own pipeline dogfoods hoist.
//!
//! Three chores are the repository's own and not hoist targets:
//! - `cargo xtask bench` measures hoist against its peers and rewrites `docs/benchmarks.md`;
//! - `cargo xtask fuzz TARGET --time 60s` fuzzes one of hoist's parsers (see `docs/testing.md`);
//! - `cargo xtask provision-base-images` makes the base images of the top-level `Dockerfile` on a
//!   machine that cannot pull them (see `docs/self-hosting.md`).

mod bench;
mod fuzz;
mod provision;

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
    if args.get(1).is_some_and(|a| a == "fuzz") {
        return fuzz::run(&args[2..]).unwrap_or_else(|error| {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        });
    }
    if args.get(1).is_some_and(|a| a == "provision-base-images") {
        let result = provision::Provision::parse(&args[2..]).and_then(|provision| match provision {
            Some(provision) => {
                let root = bench::project_root();
                let sh = xshell::Shell::new().map_err(|e| e.to_string())?;
                sh.change_dir(&root);
                provision.run(&sh, &root)
            }
            None => Ok(()),
        });
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    hoist_cli::run("cargo xtask", args)
}
