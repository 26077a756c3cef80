//! Progress: the events pushes and pulls report, and a renderer for build, transfer and
//! ensure events that the CLI hands its callbacks to.
//!
//! [`ProgressView`] draws, on standard error, either a live view (indicatif: a spinner, the
//! current step of N with its command and elapsed time; bytes sent for a push) or plain
//! prefixed lines (`PREFIX | …`), for CI logs and `--progress plain`. [`ProgressMode::Auto`]
//! picks live on a terminal outside CI. The renderer lives here, beside the events it draws,
//! rather than in a crate of its own: the CLI already depends on this crate, and indicatif is
//! small next to bollard (4 crates on top of what is here).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::build::{BuildEvent, Step};
use crate::engine::Builder;
use crate::reference::Digest;

/// What a push or pull reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferEvent {
    /// A status line from the engine (`Preparing`, `Layer already exists`, `Pushed`…).
    Status(String),
    /// Bytes moved so far, over all layers seen so far.
    Bytes {
        /// Bytes sent or received.
        done: u64,
        /// Bytes known to be due.
        total: u64,
    },
    /// The transfer finished.
    Done {
        /// The reference pushed or pulled.
        reference: String,
        /// Its registry digest, when known.
        digest: Option<Digest>,
    },
}

/// Sums the engine's per-layer progress. bollard drops the layer id from push progress, so
/// layers are told apart by their size, which distinct layers almost never share.
#[derive(Debug, Default)]
pub(crate) struct TransferTracker {
    layers: BTreeMap<i64, i64>,
}

impl TransferTracker {
    pub(crate) fn update(&mut self, status: &str, current: Option<i64>, total: Option<i64>) -> TransferEvent {
        match (current, total) {
            (Some(current), Some(total)) if total > 0 => {
                let entry = self.layers.entry(total).or_default();
                *entry = (*entry).max(current.min(total));
                let done = self.layers.values().map(|&v| v.max(0) as u64).sum();
                let total = self.layers.keys().map(|&v| v.max(0) as u64).sum();
                TransferEvent::Bytes { done, total }
            }
            _ => TransferEvent::Status(status.to_owned()),
        }
    }
}

/// How progress is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// Live on a terminal outside CI (`CI` unset or `false`), plain otherwise.
    #[default]
    Auto,
    /// Always the live view.
    Live,
    /// Always plain lines.
    Plain,
    /// Nothing but failures (which are errors, printed by the caller).
    Quiet,
}

impl ProgressMode {
    /// `Auto` made concrete for this process.
    pub fn resolve(self) -> ProgressMode {
        match self {
            ProgressMode::Auto => {
                let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
                if std::io::stderr().is_terminal() && !ci { ProgressMode::Live } else { ProgressMode::Plain }
            }
            other => other,
        }
    }
}

/// Live views drawn together on standard error, one line each, for steps that run at the
/// same time; lines printed through the group appear above them.
#[derive(Clone, Debug)]
pub struct ProgressGroup {
    multi: indicatif::MultiProgress,
}

impl Default for ProgressGroup {
    fn default() -> ProgressGroup {
        ProgressGroup::new()
    }
}

impl ProgressGroup {
    /// An empty group drawing on standard error.
    pub fn new() -> ProgressGroup {
        ProgressGroup { multi: indicatif::MultiProgress::with_draw_target(ProgressDrawTarget::stderr()) }
    }

    /// Prints `line` on standard error above the group's live lines.
    pub fn println(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }
}

/// Draws progress events on standard error.
pub struct ProgressView {
    mode: ProgressMode,
    prefix: String,
    bar: Option<ProgressBar>,
    group: Option<ProgressGroup>,
    step_started: Instant,
    steps: BTreeMap<String, Step>,
    last_status: String,
    sink: Box<dyn Write + Send>,
}

impl std::fmt::Debug for ProgressView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressView").field("mode", &self.mode).field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl ProgressView {
    /// A view in `mode` whose lines start with `prefix` (e.g. the target name).
    pub fn new(mode: ProgressMode, prefix: &str) -> ProgressView {
        ProgressView::with_sink(mode, prefix, Box::new(std::io::stderr()))
    }

    /// A plain or quiet view writing to `sink` instead of standard error (tests, logs).
    pub fn with_sink(mode: ProgressMode, prefix: &str, sink: Box<dyn Write + Send>) -> ProgressView {
        ProgressView {
            mode: mode.resolve(),
            prefix: prefix.to_owned(),
            bar: None,
            step_started: Instant::now(),
            steps: BTreeMap::new(),
            last_status: String::new(),
            sink,
            group: None,
        }
    }

    /// A view in `mode` whose live line is one of `group`'s (steps that run at the same time).
    pub fn in_group(mode: ProgressMode, prefix: &str, group: &ProgressGroup) -> ProgressView {
        let mut view = ProgressView::new(mode, prefix);
        view.group = Some(group.clone());
        view
    }

    /// Prints a line a command wrote, `PREFIX | LINE`, in every mode (above the live view).
    pub fn output(&mut self, text: &str) {
        self.print(text);
    }

    /// The mode in force.
    pub fn mode(&self) -> ProgressMode {
        self.mode
    }

    /// Draws a build event.
    pub fn build_event(&mut self, event: &BuildEvent) {
        match event {
            BuildEvent::Started { builder, target } => {
                let what = target.as_deref().map_or_else(|| "the last stage".to_owned(), |t| format!("`{t}`"));
                let builder = match builder {
                    Builder::Buildkit => "BuildKit",
                    Builder::Classic => "the classic builder",
                    Builder::Buildx => "buildx",
                };
                self.line(&format!("building {what} with {builder}"));
                self.spinner();
            }
            BuildEvent::Notice(text) | BuildEvent::Warning(text) => self.line(text),
            BuildEvent::CacheImportFailed { message } => {
                self.line(&format!("warning: cache not imported, building without it: {message}"))
            }
            BuildEvent::StepStarted(step) => {
                self.steps.insert(step.id.clone(), step.clone());
                if step.internal {
                    return;
                }
                self.step_started = Instant::now();
                let text = describe(step);
                match (&self.bar, self.mode) {
                    (Some(bar), ProgressMode::Live) => {
                        if let (Some(i), Some(n)) = (step.index, step.total) {
                            bar.set_length(n as u64);
                            bar.set_position(i as u64);
                        }
                        bar.set_message(text);
                    }
                    _ => self.line(&text),
                }
            }
            BuildEvent::StepDone { step, cached, seconds } => {
                if step.internal || self.mode == ProgressMode::Live {
                    return;
                }
                let how = match (cached, seconds) {
                    (true, _) => "cached".to_owned(),
                    (false, Some(s)) => format!("done in {s:.1}s"),
                    (false, None) => "done".to_owned(),
                };
                self.line(&format!("{}: {how}", describe(step)));
            }
            BuildEvent::StepFailed { step, seconds } => {
                if step.internal {
                    return;
                }
                let how = seconds.map_or_else(|| "failed".to_owned(), |s| format!("failed after {s:.1}s"));
                self.line(&format!("{}: {how}", describe(step)));
            }
            BuildEvent::Output { step, line } => {
                if self.mode == ProgressMode::Plain {
                    let label = self.steps.get(step).and_then(|s| s.index.map(|i| format!("#{i}"))).unwrap_or_default();
                    self.line(&format!("{label}> {line}"));
                } else if let Some(bar) = &self.bar {
                    let step = self.steps.get(step).map(describe).unwrap_or_default();
                    bar.set_message(format!("{step}  {}", truncate(line, 60)));
                }
            }
            BuildEvent::Tagged(tag) => self.line(&format!("tagged `{tag}`")),
        }
    }

    /// Draws a push or pull event.
    pub fn transfer_event(&mut self, event: &TransferEvent) {
        match event {
            TransferEvent::Status(status) => {
                if self.mode == ProgressMode::Plain && *status != self.last_status && !status.is_empty() {
                    self.line(status);
                }
                self.last_status.clone_from(status);
            }
            TransferEvent::Bytes { done, total } => {
                if self.mode == ProgressMode::Live {
                    let bar = self.bar.get_or_insert_with(|| {
                        let bar = ProgressBar::with_draw_target(Some(*total), ProgressDrawTarget::stderr());
                        bar.set_style(
                            ProgressStyle::with_template(
                                "{spinner} {prefix} {msg} {bytes}/{total_bytes} ({bytes_per_sec}) {elapsed}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                        );
                        bar.set_prefix(self.prefix.clone());
                        bar.enable_steady_tick(Duration::from_millis(120));
                        bar
                    });
                    bar.set_length(*total);
                    bar.set_position(*done);
                    bar.set_message(self.last_status.clone());
                }
            }
            TransferEvent::Done { reference, digest } => {
                let text = match digest {
                    Some(digest) => format!("`{reference}` at {digest}"),
                    None => format!("`{reference}` done"),
                };
                self.line(&text);
                self.finish();
            }
        }
    }

    /// Removes the live view (call before printing results).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            if let Some(group) = &self.group {
                group.multi.remove(&bar);
            }
        }
    }

    fn spinner(&mut self) {
        if self.mode != ProgressMode::Live || self.bar.is_some() {
            return;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} [{pos}/{len}] {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(self.prefix.clone());
        let bar = match &self.group {
            Some(group) => group.multi.add(bar),
            None => bar,
        };
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bar = Some(bar);
    }

    fn line(&mut self, text: &str) {
        if self.mode != ProgressMode::Quiet {
            self.print(text);
        }
    }

    /// `PREFIX | TEXT`: above the live lines (the group's, or this view's bar), else a line of
    /// the sink.
    fn print(&mut self, text: &str) {
        let line = format!("{} | {text}", self.prefix);
        match (self.mode, &self.group, &self.bar) {
            (ProgressMode::Live, Some(group), _) => group.println(&line),
            (ProgressMode::Live, None, Some(bar)) => bar.println(line),
            _ => {
                let _ = writeln!(self.sink, "{line}");
            }
        }
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        self.finish();
    }
}

fn describe(step: &Step) -> String {
    match (&step.stage, step.index, step.total) {
        (Some(stage), Some(i), Some(n)) => format!("[{stage}] step {i}/{n}: {}", step.command),
        (None, Some(i), Some(n)) => format!("step {i}/{n}: {}", step.command),
        _ => step.command.clone(),
    }
}

fn truncate(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_owned()
    } else {
        let mut out: String = line.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_lines_are_prefixed() {
        let out = Shared::default();
        let mut view = ProgressView::with_sink(ProgressMode::Plain, "tester", Box::new(out.clone()));
        let step = Step {
            id: "v1".into(),
            name: "[tester 2/3] RUN make".into(),
            stage: Some("tester".into()),
            index: Some(2),
            total: Some(3),
            command: "RUN make".into(),
            internal: false,
        };
        view.build_event(&BuildEvent::Started { builder: Builder::Buildkit, target: Some("tester".into()) });
        view.build_event(&BuildEvent::StepStarted(step.clone()));
        view.build_event(&BuildEvent::Output { step: "v1".into(), line: "compiling".into() });
        view.build_event(&BuildEvent::StepDone { step: step.clone(), cached: true, seconds: None });
        view.build_event(&BuildEvent::StepFailed { step, seconds: Some(1.5) });
        view.transfer_event(&TransferEvent::Status("Pushed".into()));
        view.transfer_event(&TransferEvent::Status("Pushed".into()));
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "tester | building `tester` with BuildKit\n\
             tester | [tester] step 2/3: RUN make\n\
             tester | #2> compiling\n\
             tester | [tester] step 2/3: RUN make: cached\n\
             tester | [tester] step 2/3: RUN make: failed after 1.5s\n\
             tester | Pushed\n"
        );
    }

    #[test]
    fn transfer_bytes_add_up_over_layers() {
        let mut tracker = TransferTracker::default();
        tracker.update("Pushing", Some(10), Some(100));
        tracker.update("Pushing", Some(5), Some(50));
        assert_eq!(tracker.update("Pushing", Some(100), Some(100)), TransferEvent::Bytes { done: 105, total: 150 });
        assert_eq!(tracker.update("Pushed", None, None), TransferEvent::Status("Pushed".into()));
    }
}
