//! The worker: runs inputs in-process and keeps those that reach new coverage.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::coverage::{self, Seen};
use crate::mutate::{self, Rng, Sources};
use crate::shared::{Page, Stats};
use crate::{Options, hash, limits};

/// The last panic's location and message, recorded by the panic hook.
static LAST_PANIC: Mutex<Option<(String, String)>> = Mutex::new(None);

fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let location = info.location().map_or_else(|| "unknown".to_owned(), |l| format!("{}:{}", l.file(), l.line()));
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some((location, message));
        }
    }));
}

/// What running one input did.
enum Outcome {
    /// It returned; how long it took.
    Returned(Duration),
    /// It panicked: where, and the message.
    Panicked { location: String, message: String },
}

fn execute(run: fn(&[u8]), page: Option<&Page>, input: &[u8]) -> Outcome {
    if let Some(page) = page {
        page.set_input(input);
    }
    coverage::reset();
    let start = Instant::now();
    limits::begin();
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(input)));
    limits::end();
    let took = start.elapsed();
    match result {
        Ok(()) => Outcome::Returned(took),
        Err(_) => {
            let (location, message) = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut last| last.take())
                .unwrap_or_else(|| ("unknown".to_owned(), "(no message)".to_owned()));
            Outcome::Panicked { location, message }
        }
    }
}

/// The files of `dir`, sorted by name.
fn read_dir(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Where an input came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Regression,
    SavedCorpus,
    Seed,
    Mutation,
}

struct Fuzzer<'a> {
    options: &'a Options,
    page: Page,
    seen: Seen,
    corpus: Vec<Vec<u8>>,
    /// Panics found, by location: the crasher file.
    panics: BTreeMap<String, String>,
    runs: u64,
    slowest: (Duration, Vec<u8>),
}

impl Fuzzer<'_> {
    fn stats(&self) -> Stats {
        Stats {
            runs: self.runs,
            edges: self.seen.edges() as u64,
            features: self.seen.features() as u64,
            corpus: self.corpus.len() as u64,
        }
    }

    /// Runs `input`; keeps it in the corpus when it reaches a new feature (or the corpus is empty).
    fn run(&mut self, input: Vec<u8>, origin: Origin) {
        self.runs += 1;
        self.page.set_runs(self.runs);
        match execute(self.options.target.run, Some(&self.page), &input) {
            Outcome::Returned(took) => {
                if took > self.slowest.0 {
                    self.slowest = (took, input.clone());
                }
                let new = self.seen.observe(true);
                if new > 0 || self.corpus.is_empty() {
                    if matches!(origin, Origin::Mutation | Origin::Seed) {
                        let dir = self.options.corpus_dir();
                        let _ = std::fs::write(dir.join(format!("{:016x}", hash(&input))), &input);
                    }
                    self.corpus.push(input);
                    self.page.set_stats(self.stats());
                }
            }
            Outcome::Panicked { location, message } => self.panicked(input, location, message, origin),
        }
    }

    fn panicked(&mut self, input: Vec<u8>, location: String, message: String, origin: Origin) {
        if self.panics.contains_key(&location) {
            return;
        }
        let input = minimize(self.options.target.run, input, &location);
        let name = format!("panic-{:016x}", hash(&input));
        let path = self.options.crashers_dir().join(&name);
        let _ = std::fs::write(&path, &input);
        let how = if origin == Origin::Regression { "a kept crasher panics again" } else { "a panic" };
        eprintln!("\n{how} at {location}: {message}\n  input ({} bytes): {}\n", input.len(), path.display());
        self.panics.insert(location, name);
    }

    fn status(&self, start: Instant, last: &str) {
        let elapsed = start.elapsed().as_secs_f64().max(0.001);
        eprintln!(
            "#{:<9} edges: {:<6} features: {:<6} corpus: {:<5} runs/s: {:<6.0} slowest: {} ms{last}",
            self.runs,
            self.seen.edges(),
            self.seen.features(),
            self.corpus.len(),
            self.runs as f64 / elapsed,
            self.slowest.0.as_millis(),
        );
    }
}

/// Deletes chunks of a panicking input while it still panics at `location` (a few seconds at most).
fn minimize(run: fn(&[u8]), input: Vec<u8>, location: &str) -> Vec<u8> {
    let Ok(best) = mutate::shrink(input, Duration::from_secs(10), |candidate| {
        Ok::<bool, std::convert::Infallible>(
            matches!(execute(run, None, candidate), Outcome::Panicked { location: l, .. } if l == location),
        )
    });
    best
}

/// The worker's loop (see the crate documentation); exits when the time is up.
pub fn run(options: &Options) -> Result<ExitCode, String> {
    if coverage::counters() == 0 {
        return Err(
            "this xtask-fuzz was built without coverage instrumentation: build and run it with `cargo xtask fuzz TARGET`"
                .into(),
        );
    }
    for dir in [options.corpus_dir(), options.crashers_dir()] {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    let page = Page::create(&options.shared_page())?;
    install_panic_hook();
    limits::install(options.memory, options.timeout);
    let start = Instant::now();
    let deadline = start + options.time;
    let mut fuzzer = Fuzzer {
        options,
        page,
        seen: Seen::new(),
        corpus: Vec::new(),
        panics: BTreeMap::new(),
        runs: 0,
        slowest: (Duration::ZERO, Vec::new()),
    };
    let target = options.target;
    let inputs = [
        (Origin::Regression, xtask_fuzz::regressions(&options.root, target.name).into_iter().map(|(_, b)| b).collect()),
        // Saved inputs of an earlier run with a larger `--max-len` are left out.
        (
            Origin::SavedCorpus,
            read_dir(&options.corpus_dir()).into_iter().filter(|i| i.len() <= options.max_len).collect(),
        ),
        (Origin::Seed, (target.seeds)(&options.root)),
    ];
    let mut loaded = 0;
    for (origin, list) in inputs {
        for input in list {
            loaded += 1;
            fuzzer.run(input, origin);
        }
    }
    fuzzer.status(start, &format!("  (ran {loaded} kept, saved and seed inputs)"));
    let mut rng = Rng::new(options.seed);
    let mut last_status = Instant::now();
    let mut tries = 0u64;
    loop {
        tries += 1;
        if tries.is_multiple_of(64) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if now - last_status >= Duration::from_secs(10) {
                last_status = now;
                fuzzer.status(start, "");
                fuzzer.page.set_stats(fuzzer.stats());
            }
        }
        let n = fuzzer.corpus.len();
        // Half the time one of the newest inputs: they are where coverage grows.
        let parent = if rng.one_in(2) { n - 1 - rng.below(n.min(16)) } else { rng.below(n) };
        let other = rng.below(n);
        let mut input = fuzzer.corpus[parent].clone();
        let sources = Sources { dictionary: target.dictionary, other: &fuzzer.corpus[other] };
        mutate::mutate(&mut input, &mut rng, &sources, options.max_len);
        if input == fuzzer.corpus[parent] {
            continue;
        }
        fuzzer.run(input, Origin::Mutation);
    }
    fuzzer.status(start, "  (done)");
    fuzzer.page.set_stats(fuzzer.stats());
    let slowest = options.out.join("work").join(format!("{}.slowest", target.name));
    let _ = std::fs::write(&slowest, &fuzzer.slowest.1);
    Ok(ExitCode::SUCCESS)
}

/// Runs each of `options.files` once, under the limits; fails if one panics.
pub fn replay(options: &Options) -> Result<ExitCode, String> {
    install_panic_hook();
    limits::install(options.memory, options.timeout);
    let mut failed = 0;
    for file in &options.files {
        let input = std::fs::read(file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        eprint!("{}: ", file.display());
        match execute(options.target.run, None, &input) {
            Outcome::Returned(took) => eprintln!("ok in {} ms", took.as_millis()),
            Outcome::Panicked { location, message } => {
                failed += 1;
                eprintln!("panics at {location}: {message}");
            }
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
