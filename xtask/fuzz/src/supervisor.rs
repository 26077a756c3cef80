//! The supervisor: runs workers until the time is up, keeps the input that killed one, and
//! reports what the run found.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitCode, ExitStatus};
use std::time::{Duration, Instant, SystemTime};

use crate::shared;
use crate::{Options, hash, limits};

/// The files of `dir` written since `since` (a crasher found again is written again).
fn written_since(dir: &Path, since: SystemTime) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t >= since))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The kind of death, as a crasher's name prefix and a phrase; `None` for a normal end.
fn death(status: ExitStatus) -> Option<(&'static str, String)> {
    match (status.code(), status.signal()) {
        (Some(0), _) => None,
        (Some(limits::EXIT_TIMEOUT), _) => Some(("timeout", "it ran longer than the time limit".to_owned())),
        (Some(limits::EXIT_MEMORY), _) => Some(("oom", "it asked for more memory than the cap".to_owned())),
        (Some(code), _) => Some(("crash", format!("the worker exited with status {code}"))),
        (None, Some(signal)) => {
            Some(("crash", format!("the worker was killed by signal {signal} (an abort or a stack overflow)")))
        }
        (None, None) => Some(("crash", "the worker ended without a status".to_owned())),
    }
}

/// Runs `input` once in a child process (`xtask-fuzz replay`); how the child ended.
fn replay_in_child(exe: &Path, options: &Options, input: &[u8]) -> Result<ExitStatus, String> {
    let file = options.out.join("work").join(format!("{}.candidate", options.target.name));
    std::fs::write(&file, input).map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
    let mut replay = options.clone();
    replay.files = vec![file];
    Command::new(exe)
        .arg("replay")
        .args(replay.to_args())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot start a replay: {e}"))
}

/// Deletes chunks of `input` while it still kills a child the same way (a minute at most).
fn minimize(exe: &Path, options: &Options, input: Vec<u8>, death: ExitStatus) -> Result<Vec<u8>, String> {
    let same = |status: ExitStatus| status.code() == death.code() && status.signal() == death.signal();
    // A death the worker's history caused (memory left over, a cache) does not replay alone.
    if !same(replay_in_child(exe, options, &input)?) {
        eprintln!("(the input does not fail the same way when run alone: kept as it was)");
        return Ok(input);
    }
    crate::mutate::shrink(input, Duration::from_secs(60), |candidate| {
        Ok(same(replay_in_child(exe, options, candidate)?))
    })
}

/// Fuzzes `options.target` for `options.time`; fails, naming the crashers, if it found any.
///
/// Panics are collected by the worker (one crasher per panic location) and fuzzing goes on; a
/// worker killed by the time or memory limit or by a signal ends the run, as in libFuzzer: the
/// rest of the time would mostly find the same input again.
pub fn run(options: &Options) -> Result<ExitCode, String> {
    let crashers = options.crashers_dir();
    for dir in [options.corpus_dir(), crashers.clone(), options.out.join("work")] {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    // Whole seconds: some file systems keep modification times that coarse.
    let since = SystemTime::now() - Duration::from_secs(1);
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let start = Instant::now();
    eprintln!(
        "fuzzing `{}` for {} s (seed {}, inputs up to {} bytes, {} s and {} MiB per input)",
        options.target.name,
        options.time.as_secs(),
        options.seed,
        options.max_len,
        options.timeout.as_secs_f64(),
        options.memory >> 20
    );
    let _ = std::fs::remove_file(options.shared_page());
    let mut child = Command::new(&exe)
        .arg("worker")
        .args(options.to_args())
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    // The worker ends itself at the deadline; one stuck beyond its own watchdog is killed.
    let hard_stop = start + options.time + options.timeout * 3 + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("cannot wait for the worker: {e}"))? {
            break status;
        }
        if Instant::now() > hard_stop {
            eprintln!("the worker did not stop at its deadline: killing it");
            let _ = child.kill();
            break child.wait().map_err(|e| format!("cannot wait for the worker: {e}"))?;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let page = shared::read(&options.shared_page());
    let stats = page.as_ref().map(|(stats, _)| *stats).unwrap_or_default();
    let elapsed = start.elapsed().as_secs_f64();
    if let Some((kind, why)) = death(status) {
        let input = page.map(|(_, input)| input).unwrap_or_default();
        eprintln!("\n{why} on an input of {} bytes: minimizing it", input.len());
        let input = minimize(&exe, options, input, status)?;
        let path = crashers.join(format!("{kind}-{:016x}", hash(&input)));
        std::fs::write(&path, &input).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        eprintln!("{} bytes: {}", input.len(), path.display());
    }
    let found: Vec<String> = written_since(&crashers, since).into_iter().collect();
    println!(
        "fuzz {}: {:.0} s, {} runs ({:.0}/s)",
        options.target.name,
        elapsed,
        stats.runs,
        stats.runs as f64 / elapsed.max(0.001),
    );
    println!(
        "coverage: {} edges, {} features; corpus: {} inputs ({})",
        stats.edges,
        stats.features,
        stats.corpus,
        options.corpus_dir().display()
    );
    if found.is_empty() {
        println!("found nothing");
        return Ok(ExitCode::SUCCESS);
    }
    println!("found {} crasher(s) in {}:", found.len(), crashers.display());
    for name in &found {
        println!("  {name}");
    }
    println!(
        "replay one with `cargo xtask fuzz {} --replay FILE`; once fixed, keep it in xtask/fuzz/regressions/{}/",
        options.target.name, options.target.name
    );
    Ok(ExitCode::FAILURE)
}
