//! The results, as the Markdown of `docs/benchmarks.md`.

use std::fmt::Write;
use std::time::Duration;

use super::Measurement;

/// What a comparison aims for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Goal {
    /// hoist at least this many times faster than the peer (peer / hoist ≥ x).
    FasterBy(f64),
    /// hoist's time at most this multiple of the peer's (hoist / peer ≤ x).
    AtMost(f64),
    /// hoist's peak RSS at most this many MiB.
    PeakRssMib(u64),
    /// Reported, no goal.
    None,
}

/// hoist against one peer on one task.
pub(crate) struct Comparison {
    pub(crate) name: String,
    pub(crate) hoist: Measurement,
    pub(crate) peer_name: String,
    pub(crate) peer: Measurement,
    pub(crate) goal: Goal,
}

/// Compile times of the xtask.
pub(crate) struct CompileTimes {
    pub(crate) cold: Duration,
    pub(crate) incremental: Duration,
    pub(crate) touched: String,
}

/// Everything one run measured.
pub(crate) struct Report {
    pub(crate) rounds: usize,
    pub(crate) comparisons: Vec<Comparison>,
    pub(crate) skipped: Vec<(String, String)>,
    pub(crate) compile: Option<CompileTimes>,
}

impl Comparison {
    fn verdict(&self) -> (String, String) {
        let speedup = self.peer.median.as_secs_f64() / self.hoist.median.as_secs_f64();
        let relative = 1.0 / speedup;
        match self.goal {
            Goal::FasterBy(x) => (format!("≥ {x}× faster"), yes_no(speedup >= x)),
            Goal::AtMost(x) => (format!("≤ {x:.2}× the peer's time"), yes_no(relative <= x)),
            Goal::PeakRssMib(mib) => (format!("peak RSS ≤ {mib} MiB"), yes_no(self.hoist.peak_rss_kib <= mib * 1024)),
            Goal::None => ("—".into(), "—".into()),
        }
    }
}

fn yes_no(ok: bool) -> String {
    if ok { "yes".into() } else { "**no**".into() }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

impl Report {
    pub(crate) fn new(rounds: usize) -> Report {
        Report { rounds, comparisons: Vec::new(), skipped: Vec::new(), compile: None }
    }

    pub(crate) fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Benchmarks\n");
        let _ = writeln!(
            md,
            "Written by `cargo xtask bench` from one run; do not edit by hand. Every comparison runs the hoist\nrelease binary and its peer as separate processes on the same machine in the same run,\nalternating, {} rounds each after a warm-up run; times are medians (min–max in brackets), memory\nis the largest peak RSS of any run. The speed-up is the peer's median divided by hoist's.\n",
            self.rounds
        );
        let _ = writeln!(md, "{}\n", machine());
        let _ = writeln!(
            md,
            "| comparison | hoist | peer | peer time | speed-up | hoist peak RSS | peer peak RSS | goal | met |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
        for c in &self.comparisons {
            let (goal, met) = c.verdict();
            let speedup = c.peer.median.as_secs_f64() / c.hoist.median.as_secs_f64();
            let _ = writeln!(
                md,
                "| {} | {} ({}–{}) | {} | {} ({}–{}) | {:.2}× | {:.1} MiB | {:.1} MiB | {goal} | {met} |",
                c.name,
                ms(c.hoist.median),
                ms(c.hoist.min),
                ms(c.hoist.max),
                c.peer_name,
                ms(c.peer.median),
                ms(c.peer.min),
                ms(c.peer.max),
                speedup,
                c.hoist.peak_rss_kib as f64 / 1024.0,
                c.peer.peak_rss_kib as f64 / 1024.0,
            );
        }
        if let Some(compile) = &self.compile {
            let _ = writeln!(md, "\n## Compile time of the xtask\n");
            let _ = writeln!(
                md,
                "Every CI run compiles `cargo xtask`; goals: ≤ 150 s cold on 2 cores, ≤ 15 s after touching one library file.\n"
            );
            let _ = writeln!(md, "| build | time | goal | met |\n|---|---|---|---|");
            let _ = writeln!(
                md,
                "| cold (`cargo build -p xtask`, empty target directory, crates downloaded) | {} | ≤ 150 s | {} |",
                ms(compile.cold),
                yes_no(compile.cold.as_secs_f64() <= 150.0)
            );
            let _ = writeln!(
                md,
                "| incremental (after touching `{}`) | {} | ≤ 15 s | {} |",
                compile.touched,
                ms(compile.incremental),
                yes_no(compile.incremental.as_secs_f64() <= 15.0)
            );
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(md, "\n## Not measured in this run\n");
            for (name, why) in &self.skipped {
                let _ = writeln!(md, "- {name}: {why}");
            }
        }
        md
    }
}

fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:")?.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0);
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_owned()))
        .unwrap_or_default();
    let date = utc_date();
    format!(
        "Machine: {cores} cores ({cpu}), {:.1} GiB memory, {os}, Linux {kernel}. Date: {date}.",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

/// Today's date in UTC, `YYYY-MM-DD`.
fn utc_date() -> String {
    jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_date_is_utc_and_iso() {
        let before = std::process::Command::new("date").args(["-u", "+%F"]).output().unwrap();
        let date = super::utc_date();
        let after = std::process::Command::new("date").args(["-u", "+%F"]).output().unwrap();
        let [before, after] = [before, after].map(|o| String::from_utf8(o.stdout).unwrap().trim().to_owned());
        assert!(date == before || date == after, "{date} is neither {before} nor {after} (`date -u +%F`)");
    }
}
