//! `cargo xtask fuzz TARGET --time 60s`: builds the coverage-guided fuzzer of `xtask/fuzz` with
//! LLVM's SanitizerCoverage on the stable toolchain and runs it on one target.
//!
//! ```text
//! cargo xtask fuzz --list                          # the targets
//! cargo xtask fuzz dockerfile --time 10m           # fuzz one target for ten minutes
//! cargo xtask fuzz bump-config --seed 7            # another random sequence (default: the clock)
//! cargo xtask fuzz dockerfile --replay FILE        # run saved inputs once
//! ```
//!
//! The instrumented build has its own target directory (`target/fuzz`), so its flags never
//! invalidate the normal build. Crashers go to `target/fuzz/crashers/TARGET/`; once fixed they
//! are kept in `xtask/fuzz/regressions/TARGET/`, which the fuzzer runs first and `cargo test`
//! replays (see docs/testing.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use xshell::{Shell, cmd};

/// The flags of the instrumented build: edge coverage as inline 8-bit counters, which the
/// fuzzer reads (`xtask/fuzz/src/coverage.rs`). No nightly feature is needed.
const COVERAGE_FLAGS: &str = "-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters";

const HELP: &str =
    "cargo xtask fuzz TARGET [--time DURATION] [--seed N] [--max-len BYTES] [--timeout DURATION] [--memory MIB]
cargo xtask fuzz TARGET --replay FILE...
cargo xtask fuzz --list

Builds the coverage-guided fuzzer (xtask/fuzz) with SanitizerCoverage into target/fuzz and runs
TARGET for --time (default 60s; `600s`, `10m`, `1h`). Each input runs in-process, under a time
limit (--timeout, default 2s) and a memory cap (--memory, default 512 MiB). Crashers go to
target/fuzz/crashers/TARGET/ and the run exits non-zero naming them.";

struct Options {
    target: &'static xtask_fuzz::Target,
    time: Duration,
    seed: u64,
    max_len: Option<u64>,
    timeout: Option<Duration>,
    memory: Option<u64>,
    replay: Vec<PathBuf>,
}

/// `600s`, `10m`, `1h`, `500ms` or a plain number of seconds.
fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: f64 = number.parse().ok().filter(|n: &f64| n.is_finite() && *n > 0.0)?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

fn parse(args: &[std::ffi::OsString]) -> Result<Option<Options>, String> {
    let mut args = args.iter().map(|a| a.to_string_lossy().into_owned());
    let mut target = None;
    let mut options = Options {
        target: &xtask_fuzz::TARGETS[0],
        time: Duration::from_secs(60),
        seed: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        max_len: None,
        timeout: None,
        memory: None,
        replay: Vec::new(),
    };
    let mut replaying = false;
    while let Some(arg) = args.next() {
        let positive = |value: Option<String>, flag: &str| {
            value
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|n| *n > 0)
                .ok_or(format!("`{flag}` takes a positive number"))
        };
        match arg.as_str() {
            "--list" => {
                for target in xtask_fuzz::TARGETS {
                    println!("{:<16}{}", target.name, target.about);
                }
                return Ok(None);
            }
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(None);
            }
            "--time" => {
                options.time = args
                    .next()
                    .and_then(|t| duration(&t))
                    .ok_or("`--time` takes a duration such as `60s`, `10m` or `1h`")?
            }
            "--timeout" => {
                options.timeout =
                    Some(args.next().and_then(|t| duration(&t)).ok_or("`--timeout` takes a duration such as `2s`")?)
            }
            "--seed" => {
                options.seed =
                    args.next().and_then(|n| n.parse().ok()).ok_or("`--seed` takes a number (the random seed)")?
            }
            "--max-len" => options.max_len = Some(positive(args.next(), "--max-len")?),
            "--memory" => options.memory = Some(positive(args.next(), "--memory")?),
            "--replay" => replaying = true,
            other if other.starts_with('-') => {
                return Err(format!("unknown option `{other}` for `cargo xtask fuzz`: see `cargo xtask fuzz --help`"));
            }
            file if replaying => options.replay.push(PathBuf::from(file)),
            name if target.is_none() => {
                target = Some(xtask_fuzz::find(name).ok_or_else(|| {
                    format!("unknown fuzz target `{name}`: `cargo xtask fuzz --list` lists the targets")
                })?)
            }
            extra => {
                return Err(format!("unexpected argument `{extra}`: `cargo xtask fuzz` fuzzes one target at a time"));
            }
        }
    }
    options.target = target.ok_or("name a target: `cargo xtask fuzz TARGET`, see `cargo xtask fuzz --list`")?;
    if replaying && options.replay.is_empty() {
        return Err("`--replay` takes the files to run".into());
    }
    Ok(Some(options))
}

/// The host's target triple: the instrumented build names it, so that `RUSTFLAGS` reach the
/// fuzzer and its dependencies but not build scripts and proc macros (which would lack the
/// coverage callback).
fn host(sh: &Shell) -> Result<String, String> {
    let version = cmd!(sh, "rustc -vV").read().map_err(|e| e.to_string())?;
    version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "`rustc -vV` names no host triple".to_owned())
}

/// Builds the instrumented fuzzer; its path.
fn build(sh: &Shell, root: &Path) -> Result<PathBuf, String> {
    let host = host(sh)?;
    eprintln!("building the fuzzer with coverage instrumentation (target/fuzz)");
    cmd!(sh, "cargo build --quiet --locked --profile fuzz --target {host} --target-dir target/fuzz --package xtask-fuzz --bin xtask-fuzz")
        .env("RUSTFLAGS", COVERAGE_FLAGS)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .run()
        .map_err(|e| e.to_string())?;
    Ok(root.join("target/fuzz").join(host).join("fuzz/xtask-fuzz"))
}

pub(crate) fn run(args: &[std::ffi::OsString]) -> Result<ExitCode, String> {
    let Some(options) = parse(args)? else { return Ok(ExitCode::SUCCESS) };
    let root = crate::bench::project_root();
    let sh = Shell::new().map_err(|e| e.to_string())?;
    sh.change_dir(&root);
    let fuzzer = build(&sh, &root)?;
    let name = options.target.name;
    let mut extra: Vec<String> = Vec::new();
    if let Some(n) = options.max_len {
        extra.extend(["--max-len".to_owned(), n.to_string()]);
    }
    if let Some(t) = options.timeout {
        extra.extend(["--timeout".to_owned(), t.as_secs_f64().to_string()]);
    }
    if let Some(m) = options.memory {
        extra.extend(["--memory".to_owned(), m.to_string()]);
    }
    let command = if options.replay.is_empty() {
        let (time, seed) = (options.time.as_secs_f64().to_string(), options.seed.to_string());
        cmd!(sh, "{fuzzer} fuzz {name} --time {time} --seed {seed} {extra...}")
    } else {
        let files = &options.replay;
        cmd!(sh, "{fuzzer} replay {name} {extra...} {files...}")
    };
    // The fuzzer's own exit status is the chore's: non-zero when it found crashers.
    let status = std::process::Command::from(command).status().map_err(|e| format!("cannot run the fuzzer: {e}"))?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_units_the_docs_show() {
        assert_eq!(duration("60s"), Some(Duration::from_secs(60)));
        assert_eq!(duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(duration("0s"), None);
        assert_eq!(duration("10 m"), None);
        assert_eq!(duration("s"), None);
    }

    fn error(args: &[std::ffi::OsString]) -> String {
        match parse(args) {
            Ok(_) => panic!("{args:?} parsed"),
            Err(e) => e,
        }
    }

    #[test]
    fn arguments_name_one_known_target() {
        let args = |list: &[&str]| list.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        let options = parse(&args(&["bump-config", "--time", "600s", "--seed", "3"])).unwrap().unwrap();
        assert_eq!((options.target.name, options.time, options.seed), ("bump-config", Duration::from_secs(600), 3));
        assert!(error(&args(&["nope"])).contains("unknown fuzz target `nope`"));
        assert!(error(&args(&["--time", "60s"])).contains("name a target"));
        assert!(error(&args(&["dockerfile", "hoist-toml"])).contains("one target at a time"));
        assert!(error(&args(&["dockerfile", "--replay"])).contains("takes the files"));
    }
}
