//! The fuzzer that `cargo xtask fuzz TARGET` builds and runs: coverage-guided, in-process, on the
//! stable toolchain.
//!
//! `cargo xtask fuzz` compiles this binary with LLVM's SanitizerCoverage (inline 8-bit edge
//! counters, see [`coverage`]) into its own target directory. The binary is two processes:
//!
//! - the **supervisor** (`xtask-fuzz fuzz TARGET …`) starts a worker, and when the worker dies
//!   (an abort, a stack overflow, the time or memory limit) minimizes the input it was running
//!   (replaying candidates in child processes) and keeps it as a crasher;
//! - the **worker** (`xtask-fuzz worker TARGET …`) runs the kept crashers of
//!   `xtask/fuzz/regressions/TARGET/`, the saved corpus and the seeds, then mutates corpus
//!   inputs ([`mutate`]) and keeps those that reach a new feature. Each input runs under
//!   `catch_unwind` (a panic is a crasher; fuzzing goes on), a watchdog thread (the time limit)
//!   and a counting allocator (the memory cap); see [`limits`].
//!
//! `xtask-fuzz replay TARGET FILE…` runs files once, under the same limits.

mod coverage;
mod limits;
mod mutate;
mod shared;
mod supervisor;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: limits::Counting = limits::Counting;

/// What the supervisor and the worker are told.
#[derive(Clone)]
pub struct Options {
    /// The target's name.
    pub target: &'static xtask_fuzz::Target,
    /// How long to fuzz.
    pub time: Duration,
    /// The random seed.
    pub seed: u64,
    /// The longest input the mutator makes.
    pub max_len: usize,
    /// The time limit of one input.
    pub timeout: Duration,
    /// The memory cap of one input, in bytes.
    pub memory: usize,
    /// Where corpus, crashers and the shared page go (`target/fuzz`).
    pub out: PathBuf,
    /// The repository (seeds, regressions).
    pub root: PathBuf,
    /// Files to replay.
    pub files: Vec<PathBuf>,
}

impl Options {
    /// The saved corpus of the target.
    pub fn corpus_dir(&self) -> PathBuf {
        self.out.join("corpus").join(self.target.name)
    }

    /// Where the crashers found go.
    pub fn crashers_dir(&self) -> PathBuf {
        self.out.join("crashers").join(self.target.name)
    }

    /// The page shared with the worker.
    pub fn shared_page(&self) -> PathBuf {
        self.out.join("work").join(format!("{}.page", self.target.name))
    }

    /// The arguments that give these options to another process.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            self.target.name.to_owned(),
            "--time".into(),
            self.time.as_secs_f64().to_string(),
            "--seed".into(),
            self.seed.to_string(),
            "--max-len".into(),
            self.max_len.to_string(),
            "--timeout".into(),
            self.timeout.as_secs_f64().to_string(),
            "--memory".into(),
            (self.memory >> 20).to_string(),
            "--out".into(),
            self.out.display().to_string(),
            "--root".into(),
            self.root.display().to_string(),
        ];
        args.extend(self.files.iter().map(|f| f.display().to_string()));
        args
    }

    fn parse(args: &[String]) -> Result<Options, String> {
        let mut args = args.iter();
        let name = args.next().ok_or("name a target: see `xtask-fuzz list`")?;
        let target = xtask_fuzz::find(name).ok_or_else(|| format!("unknown target `{name}`: see `xtask-fuzz list`"))?;
        let root = xtask_fuzz::repository_root();
        let mut options = Options {
            target,
            time: Duration::from_secs(60),
            seed: 0,
            max_len: target.max_len,
            timeout: Duration::from_secs(2),
            memory: 512 << 20,
            out: root.join("target/fuzz"),
            root,
            files: Vec::new(),
        };
        let seconds = |v: Option<&String>, flag: &str| -> Result<Duration, String> {
            v.and_then(|v| v.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| format!("`{flag}` takes a number of seconds"))
        };
        let number = |v: Option<&String>, flag: &str| -> Result<u64, String> {
            v.and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| format!("`{flag}` takes a number"))
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--time" => options.time = seconds(args.next(), arg)?,
                "--timeout" => options.timeout = seconds(args.next(), arg)?,
                "--seed" => options.seed = number(args.next(), arg)?,
                "--max-len" => options.max_len = number(args.next(), arg)?.max(1) as usize,
                "--memory" => options.memory = (number(args.next(), arg)?.max(1) as usize) << 20,
                "--out" => options.out = PathBuf::from(args.next().ok_or("`--out` takes a directory")?),
                "--root" => options.root = PathBuf::from(args.next().ok_or("`--root` takes a directory")?),
                file if !file.starts_with("--") => options.files.push(PathBuf::from(file)),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        Ok(options)
    }
}

/// FNV-1a: names crashers and corpus files by their content.
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("list") => {
            for target in xtask_fuzz::TARGETS {
                println!("{:<16}{}", target.name, target.about);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("fuzz") => Options::parse(&args[1..]).and_then(|o| supervisor::run(&o)),
        Some("worker") => Options::parse(&args[1..]).and_then(|o| worker::run(&o)),
        Some("replay") => Options::parse(&args[1..]).and_then(|o| worker::replay(&o)),
        _ => {
            Err("usage: xtask-fuzz list | fuzz TARGET [OPTIONS] | replay TARGET FILE… (run by `cargo xtask fuzz`)"
                .into())
        }
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error}");
        ExitCode::from(2)
    })
}
