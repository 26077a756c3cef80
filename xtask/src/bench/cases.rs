//! The comparisons. Each prepares its own scratch project and returns its measurements, or
//! says why it could not run (a peer that is missing and cannot be installed).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use xshell::{Shell, cmd};

use super::report::CompileTimes;
use super::{Comparison, Goal, Options, Runner};

type CaseFn = fn(&Shell, &Path, &Options) -> Result<Vec<Comparison>, String>;

/// One named group of comparisons.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) run: CaseFn,
}

pub(crate) fn all() -> Vec<Case> {
    vec![Case { name: "startup", run: startup }]
}

/// `hoist version` against a `just version` recipe, both compiled binaries.
fn startup(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let just = peer_just(sh)?;
    let dir = tempfile_dir()?;
    std::fs::write(dir.join("hoist.toml"), "registry = \"registry.example.com/nuremberg\"\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(dir.join(".bumpversion.toml"), "[tool.bumpversion]\ncurrent_version = \"0.5.146\"\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("justfile"),
        "IMAGE_REGISTRY := 'registry.example.com/nuremberg'\nVERSION := 'v0.5.146'\nprNum := env_var_or_default('prNum', '')\n\nversion:\n    @[[ -n \"{{prNum}}\" ]] && echo {{VERSION}}-{{prNum}} || echo {{VERSION}}\n\nset shell := [\"/bin/bash\", \"-c\"]\n",
    )
    .map_err(|e| e.to_string())?;
    let runner = Runner { rounds: options.rounds * 5 };
    let (h, p) = runner
        .compare(|| Ok(()), &|| command(sh, &dir, hoist, &["version"]), &|| command(sh, &dir, &just, &["version"]))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![Comparison {
        name: "`version` start-up".into(),
        hoist: h,
        peer_name: "`just version`".into(),
        peer: p,
        goal: Goal::None,
    }])
}

/// A command for `program ARGS` in `dir`, built with `cmd!`.
pub(crate) fn command(sh: &Shell, dir: &Path, program: &Path, args: &[&str]) -> Command {
    let _guard = sh.push_dir(dir);
    let mut command: Command = cmd!(sh, "{program} {args...}").quiet().into();
    command.current_dir(dir);
    command
}

/// `just` from `PATH`, else installed from crates.io into `target/bench-tools`.
fn peer_just(sh: &Shell) -> Result<std::path::PathBuf, String> {
    if let Ok(path) = cmd!(sh, "sh -c 'command -v just'").quiet().read()
        && !path.is_empty()
    {
        return Ok(path.into());
    }
    let root = sh.current_dir().join("target/bench-tools");
    let just = root.join("bin/just");
    if !just.exists() {
        eprintln!("installing just from crates.io into {}", root.display());
        cmd!(sh, "cargo install --quiet --locked --root {root} just").run().map_err(|e| {
            format!("`just` is not installed and `cargo install just` failed ({e}): install it and run again")
        })?;
    }
    Ok(just)
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("hoist-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// The cold compile of the xtask in an empty target directory, then the rebuild after
/// touching one library file.
pub(crate) fn compile_times(sh: &Shell, root: &Path) -> Result<CompileTimes, String> {
    let target = tempfile_dir()?;
    let _env = sh.push_env("CARGO_TARGET_DIR", &target);
    let time = |what: &str| -> Result<Duration, String> {
        let start = Instant::now();
        cmd!(sh, "cargo build --quiet --locked -p xtask").run().map_err(|e| format!("{what} build failed: {e}"))?;
        Ok(start.elapsed())
    };
    let cold = time("cold")?;
    let touched = "crates/hoist-naming/src/lib.rs";
    let file = std::fs::File::options().append(true).open(root.join(touched)).map_err(|e| e.to_string())?;
    file.set_modified(std::time::SystemTime::now()).map_err(|e| e.to_string())?;
    let incremental = time("incremental")?;
    let _ = std::fs::remove_dir_all(&target);
    Ok(CompileTimes { cold, incremental, touched: touched.into() })
}
