//! Running a command several times and measuring wall time and peak memory.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Medians of several runs of one command.
#[derive(Clone, Debug)]
pub(crate) struct Measurement {
    pub(crate) median: Duration,
    pub(crate) min: Duration,
    pub(crate) max: Duration,
    /// The largest peak RSS of any run, in KiB.
    pub(crate) peak_rss_kib: u64,
}

/// Runs commands and measures them.
pub(crate) struct Runner {
    pub(crate) rounds: usize,
}

impl Runner {
    /// Runs `hoist` and `peer` alternately, `rounds` times each after one warm-up run each;
    /// `prepare` runs before every run and is not measured.
    pub(crate) fn compare(
        &self,
        mut prepare: impl FnMut() -> Result<(), String>,
        hoist: &dyn Fn() -> Command,
        peer: &dyn Fn() -> Command,
    ) -> Result<(Measurement, Measurement), String> {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for round in 0..=self.rounds {
            prepare()?;
            let ha = run_once(hoist())?;
            prepare()?;
            let pb = run_once(peer())?;
            if round > 0 {
                a.push(ha);
                b.push(pb);
            }
        }
        Ok((summarise(a), summarise(b)))
    }
}

/// Runs `command` once; returns its wall time and peak RSS (KiB). A failing command is an error.
pub(crate) fn run_once(mut command: Command) -> Result<(Duration, u64), String> {
    let description = format!("{command:?}");
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("cannot run {description}: {e}"))?;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value, and `wait4` only writes into the two
    // out-parameters, both live for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    let stderr = reader.join().unwrap_or_default();
    if waited != pid {
        return Err(format!("waiting for {description} failed"));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("{description} failed: {}", stderr.trim()));
    }
    Ok((elapsed, usage.ru_maxrss as u64))
}

fn summarise(runs: Vec<(Duration, u64)>) -> Measurement {
    let mut times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
    times.sort();
    let median = if times.len() % 2 == 1 {
        times[times.len() / 2]
    } else {
        (times[times.len() / 2 - 1] + times[times.len() / 2]) / 2
    };
    Measurement {
        median,
        min: times[0],
        max: times[times.len() - 1],
        peak_rss_kib: runs.iter().map(|r| r.1).max().unwrap_or(0),
    }
}
