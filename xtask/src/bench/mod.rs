//! `cargo xtask bench`: hoist against its peers, in the same run, on this machine.
//!
//! Every comparison runs the hoist binary (release build) and the peer as separate processes,
//! alternating, several rounds each, and reports medians and the ratio. Peak memory is the
//! child's own maximum resident set size (`wait4`). The results replace `docs/benchmarks.md`.
//!
//! ```text
//! cargo xtask bench                 # everything, then rewrite docs/benchmarks.md
//! cargo xtask bench --rounds 5      # fewer rounds
//! cargo xtask bench --only startup  # comparisons whose name contains `startup`
//! cargo xtask bench --only ci       # `hoist ci` against the hand-written flow, five events
//! cargo xtask bench --no-compile    # skip the (slow) compile-time measurements
//! ```

mod cases;
mod ci_flow;
mod measure;
mod report;

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

pub(crate) use measure::{Measurement, Runner};
pub(crate) use report::{Comparison, Goal, Report};

/// Options of `cargo xtask bench`.
pub(crate) struct Options {
    pub(crate) rounds: usize,
    pub(crate) only: Option<String>,
    pub(crate) compile: bool,
    pub(crate) write: bool,
}

pub(crate) fn run(args: &[std::ffi::OsString]) -> Result<(), String> {
    let mut options = Options { rounds: 10, only: None, compile: true, write: true };
    let mut args = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                options.rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("`--rounds` takes a positive number")?
            }
            "--only" => options.only = Some(args.next().ok_or("`--only` takes a name")?),
            "--no-compile" => options.compile = false,
            "--no-write" => options.write = false,
            "-h" | "--help" => {
                println!(
                    "cargo xtask bench [--rounds N] [--only NAME] [--no-compile] [--no-write]\n\nMeasures hoist against its peers (bump-my-version, the docker CLI, skopeo, just, and `hoist ci`\nagainst the same CI flow written by hand) and rewrites docs/benchmarks.md."
                );
                return Ok(());
            }
            other => {
                return Err(format!(
                    "unknown option `{other}` for `cargo xtask bench`: see `cargo xtask bench --help`"
                ));
            }
        }
    }
    let root = project_root();
    let sh = Shell::new().map_err(|e| e.to_string())?;
    sh.change_dir(&root);
    eprintln!("building the release binary of hoist");
    cmd!(sh, "cargo build --quiet --release --locked --bin hoist").run().map_err(|e| e.to_string())?;
    let hoist = root.join("target/release/hoist");
    let mut report = Report::new(options.rounds);
    for case in cases::all() {
        if options.only.as_deref().is_some_and(|only| !case.name.contains(only)) {
            continue;
        }
        eprintln!("== {}", case.name);
        match (case.run)(&sh, &hoist, &options) {
            Ok(comparisons) => report.comparisons.extend(comparisons),
            Err(why) => report.skipped.push((case.name.to_owned(), why)),
        }
    }
    if options.only.as_deref().is_none_or(|only| "ci".contains(only)) {
        eprintln!("== ci");
        match ci_flow::run(&sh, &hoist, &options) {
            Ok(ci) => report.ci = Some(ci),
            Err(why) => report.skipped.push(("ci".to_owned(), why)),
        }
    }
    if options.compile && options.only.is_none() {
        eprintln!("== compile times");
        report.compile = Some(cases::compile_times(&sh, &root)?);
    }
    let markdown = report.markdown();
    print!("{markdown}");
    if options.write && options.only.is_none() {
        std::fs::write(root.join("docs/benchmarks.md"), &markdown).map_err(|e| e.to_string())?;
        eprintln!("wrote docs/benchmarks.md");
    }
    Ok(())
}

pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}
