//! The results, as the Markdown of `docs/benchmarks.md`.

use std::fmt::Write;
use std::time::Duration;

use super::Measurement;
use super::ci_flow::{CiReport, Costs, EVENTS};

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
    pub(crate) ci: Option<CiReport>,
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
        Report { rounds, comparisons: Vec::new(), skipped: Vec::new(), compile: None, ci: None }
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
        if let Some(ci) = &self.ci {
            ci_markdown(&mut md, ci);
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

/// The `ci` section: per event, the hand flow's and hoist's medians, registry requests, bytes
/// of blobs served and engine pulls; the total; the three goals.
fn ci_markdown(md: &mut String, ci: &CiReport) {
    let _ = writeln!(md, "\n## `hoist ci` against the same flow by hand, over five CI events\n");
    let _ = writeln!(
        md,
        "`examples/nuremberg-mini` driven through five CI events, as on a CI without GitHub's variables,\nby `hoist ci` and by the same flow written by hand in the style hoist replaces\n([`xtask/src/bench/by-hand/`](../xtask/src/bench/by-hand/): a justfile of docker CLI,\ndocker-compose, bump-my-version and git recipes, and the workflow's steps as one script). Each of\n{} rounds (after a warm-up round) starts from two fresh copies, each with its own bare git remote\nand registry; event by event both run, the order alternating between rounds, and after every\nevent both copies must agree from outside (last commit, remote refs, registry tags). Times are\nmedians (min–max); requests, bytes and pulls come from the registry's access log for that\nevent (median): every request, the bytes of the blobs it served (image configurations read to\ncompare input labels included), and the manifests the engine read for a pull. The engine keeps\nits images and build cache between events, as a self-hosted runner does.\n",
        ci.rounds
    );
    let _ = writeln!(
        md,
        "| event | by hand | `hoist ci` | hoist / hand | registry requests (hand / hoist) | bytes of blobs served (hand / hoist) | engine pulls (hand / hoist) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    let (mut hand_total, mut hoist_total) = (Duration::ZERO, Duration::ZERO);
    for (i, event) in EVENTS.iter().enumerate() {
        let (hand, hoist) = (&ci.hand[i], &ci.hoist[i]);
        let (h, o) = (median(&hand.times), median(&hoist.times));
        hand_total += h;
        hoist_total += o;
        let _ = writeln!(
            md,
            "| {event} | {} | {} | {:.2}× | {} / {} | {} / {} | {} / {} |",
            spread(hand),
            spread(hoist),
            o.as_secs_f64() / h.as_secs_f64(),
            median(&hand.requests),
            median(&hoist.requests),
            bytes(median(&hand.bytes_pulled)),
            bytes(median(&hoist.bytes_pulled)),
            median(&hand.engine_pulls),
            median(&hoist.engine_pulls),
        );
    }
    let ratio = hoist_total.as_secs_f64() / hand_total.as_secs_f64();
    let _ = writeln!(md, "| **total** | {} | {} | **{ratio:.2}×** | | | |", ms(hand_total), ms(hoist_total));
    let rerun = median(&ci.hoist[2].times);
    let pulls: usize = ci.hoist.iter().flat_map(|c| c.engine_pulls.iter()).sum();
    let _ = writeln!(md, "\n| goal | measured | met |\n|---|---|---|");
    let _ = writeln!(md, "| total at most 0.5× the hand flow's | {ratio:.2}× | {} |", yes_no(ratio <= 0.5));
    let _ = writeln!(
        md,
        "| a rerun with nothing to do under 0.5 s | {} | {} |",
        ms(rerun),
        yes_no(rerun.as_secs_f64() < 0.5)
    );
    let _ = writeln!(
        md,
        "| no image pulled only to be retagged (the engine's pulls in all of hoist's runs) | {pulls} | {} |",
        yes_no(pulls == 0)
    );
}

fn spread(costs: &Costs) -> String {
    let min = costs.times.iter().min().copied().unwrap_or_default();
    let max = costs.times.iter().max().copied().unwrap_or_default();
    format!("{} ({}–{})", ms(median(&costs.times)), ms(min), ms(max))
}

/// The median of `values` (the lower middle one for an even count, so that it is a value
/// some run had).
fn median<T: Copy + Ord + Default>(values: &[T]) -> T {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len().saturating_sub(1) / 2).copied().unwrap_or_default()
}

fn bytes(n: u64) -> String {
    match n {
        0 => "0".into(),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / 1024.0 / 1024.0),
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
