//! Child processes that stream their output, and Ctrl-C.
//!
//! Each child runs in a process group of its own, so a Ctrl-C at the terminal reaches hoist
//! alone; hoist's handler records the signal and passes it on to the running child's group,
//! exactly once. When the child has ended, the executor sees [`interrupted`], tears down what
//! it started and fails with [`PipelineError::Interrupted`] (exit status 130). Teardown
//! commands are not passed signals: a second Ctrl-C does not leave a project half down.
//!
//! Steps that run at the same time each have their child in a slot of [`CHILD_GROUPS`]; a
//! signal reaches all of them. When one step fails, [`stop_others`] stops the rest the same
//! way, so they tear down what they started and end with [`PipelineError::Stopped`].
//!
//! A step of such a run also sets a [line sink](with_lines) on its thread: the output of the
//! commands it starts then goes to the sink line by line (and on to the renderer, which
//! prefixes each line with its step) instead of straight to hoist's standard error.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use crate::error::PipelineError;

/// Where the output lines of the commands a thread starts go: see [`with_lines`].
pub(crate) type LineSink = Arc<dyn Fn(String) + Send + Sync>;

thread_local! {
    static LINES: RefCell<Option<LineSink>> = const { RefCell::new(None) };
}

/// Runs `f` with `sink` receiving, line by line, what the commands it starts on this thread
/// write to hoist's standard error (their stdout and stderr), instead of standard error.
/// The sink that was there before comes back afterwards.
pub(crate) fn with_lines<R>(sink: LineSink, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<LineSink>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            LINES.with(|lines| *lines.borrow_mut() = previous);
        }
    }
    let _restore = Restore(LINES.with(|lines| lines.borrow_mut().replace(sink)));
    f()
}

/// This thread's line sink, when [`with_lines`] set one.
pub(crate) fn line_sink() -> Option<LineSink> {
    LINES.with(|lines| lines.borrow().clone())
}

/// Writes `line` where the commands of this thread write: the line sink, else standard error.
pub(crate) fn say(line: String) {
    match line_sink() {
        Some(sink) => sink(line),
        None => eprintln!("{line}"),
    }
}

/// A writer that hands complete lines to a [`LineSink`] (without their end, `\r\n` or
/// `\n`), and what is left when flushed or dropped.
pub(crate) struct LineWriter {
    sink: LineSink,
    partial: Vec<u8>,
}

impl LineWriter {
    pub(crate) fn new(sink: LineSink) -> LineWriter {
        LineWriter { sink, partial: Vec::new() }
    }

    fn emit(&self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (self.sink)(String::from_utf8_lossy(line).into_owned());
    }
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(buf);
        if let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') {
            let complete: Vec<u8> = self.partial.drain(..=end).collect();
            for line in complete[..complete.len() - 1].split(|b| *b == b'\n') {
                self.emit(line);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.emit(&rest);
        }
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Set when a step failed and the others are asked to stop.
static STOP: AtomicBool = AtomicBool::new(false);
/// The process groups of the running interruptible children (0: a free slot), one per step
/// that runs at the same time.
static CHILD_GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
/// How many children can be signalled at once: the most steps that may run together.
pub(crate) const SLOTS: usize = 16;

extern "C" fn on_signal(signal: libc::c_int) {
    // Only async-signal-safe calls here: atomics and kill(2).
    SIGNAL.store(signal, Ordering::SeqCst);
    signal_children(signal);
}

fn signal_children(signal: libc::c_int) {
    for slot in &CHILD_GROUPS {
        let group = slot.load(Ordering::SeqCst);
        if group > 0 {
            // SAFETY: kill(2) is async-signal-safe; a stale group id at worst signals nothing.
            unsafe {
                libc::kill(-group, signal);
            }
        }
    }
}

/// Asks every running step to stop (another one failed): their children get SIGTERM, and
/// [`check_interrupted`] fails from now on with [`PipelineError::Stopped`].
pub(crate) fn stop_others() {
    STOP.store(true, Ordering::SeqCst);
    signal_children(libc::SIGTERM);
}

/// Forgets an earlier [`stop_others`] (a new run starts).
pub(crate) fn clear_stop() {
    STOP.store(false, Ordering::SeqCst);
}

/// Installs the SIGINT and SIGTERM handler (once per process). Until it is installed, a
/// Ctrl-C ends hoist at once, as it ends any program.
pub fn install_interrupt_handler() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: the handler only touches atomics and calls kill(2); the sigaction struct
            // is zeroed and filled before use.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

/// The signal that asked hoist to stop, if one did.
pub fn interrupted() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Whether the run should stop: a signal arrived, or another step failed.
pub(crate) fn should_stop() -> bool {
    interrupted().is_some() || STOP.load(Ordering::SeqCst)
}

/// Fails with [`PipelineError::Interrupted`] when a signal arrived.
pub(crate) fn check_interrupted() -> Result<(), PipelineError> {
    match interrupted() {
        Some(signal) => Err(PipelineError::Interrupted { signal }),
        None if STOP.load(Ordering::SeqCst) => Err(PipelineError::Stopped),
        None => Ok(()),
    }
}

/// Where a child's standard output goes.
pub(crate) enum Output {
    /// To hoist's standard error: hoist's standard output is kept for its own results.
    Stderr,
    /// Into a file.
    File(File),
    /// Nowhere (readiness probes).
    Null,
}

/// Whether a signal is passed on to the child.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signals {
    /// Passed on: the command stops when the user presses Ctrl-C.
    Forward,
    /// Not passed on: teardown runs to its end.
    Shield,
}

/// Runs `command` with standard input closed and stdout sent to `output`; stderr goes to
/// hoist's stderr (or nowhere for [`Output::Null`]); with a [line sink](with_lines) set, what
/// would go to hoist's stderr goes to the sink. Returns the exit code, `128 + N` when the
/// child was killed by signal N.
pub(crate) fn run(mut command: Command, output: Output, signals: Signals) -> Result<i32, PipelineError> {
    use std::os::unix::process::ExitStatusExt as _;

    let line = describe(&command);
    if signals == Signals::Forward {
        check_interrupted()?;
    }
    let quiet = matches!(output, Output::Null);
    let sink = line_sink().filter(|_| !quiet);
    let stdout = match output {
        Output::Stderr if sink.is_some() => Stdio::piped(),
        Output::Stderr => stderr_stdio(&line)?,
        Output::File(file) => Stdio::from(file),
        Output::Null => Stdio::null(),
    };
    command.stdin(Stdio::null()).stdout(stdout).process_group(0);
    if quiet {
        command.stderr(Stdio::null());
    } else if sink.is_some() {
        command.stderr(Stdio::piped());
    }
    let mut child =
        command.spawn().map_err(|e| PipelineError::Spawn { command: line.clone(), message: e.to_string() })?;
    let readers = match &sink {
        Some(sink) => {
            let pipes: [Option<Box<dyn std::io::Read + Send>>; 2] = [
                child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
                child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
            ];
            Some(read_lines(pipes.into_iter().flatten().collect(), sink))
        }
        None => None,
    };
    let group = i32::try_from(child.id()).unwrap_or(0);
    let slot = if signals == Signals::Forward {
        let slot =
            CHILD_GROUPS.iter().find(|s| s.compare_exchange(0, group, Ordering::SeqCst, Ordering::SeqCst).is_ok());
        // A signal (or a stop) that came between spawn and store has not been passed on yet.
        let pending = interrupted().or_else(|| STOP.load(Ordering::SeqCst).then_some(libc::SIGTERM));
        if let Some(signal) = pending {
            // SAFETY: kill(2) on the child's own process group.
            unsafe {
                libc::kill(-group, signal);
            }
        }
        slot
    } else {
        None
    };
    let status = child.wait();
    if let Some(slot) = slot {
        slot.store(0, Ordering::SeqCst);
    }
    if let Some(done) = readers {
        // A grandchild that outlives the command and keeps its output open must not hold
        // hoist up: what it writes after this is not shown.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        for _ in 0..done.1 {
            if done.0.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())).is_err() {
                break;
            }
        }
    }
    let status = status.map_err(|e| PipelineError::Spawn { command: line, message: e.to_string() })?;
    Ok(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(9)))
}

/// Reads each of `pipes` on a thread of its own, line by line into `sink`; returns a receiver
/// that gets one message per pipe that reached its end, and how many pipes there are.
fn read_lines(pipes: Vec<Box<dyn std::io::Read + Send>>, sink: &LineSink) -> (std::sync::mpsc::Receiver<()>, usize) {
    let (tx, rx) = std::sync::mpsc::channel();
    let count = pipes.len();
    for pipe in pipes {
        let (tx, sink) = (tx.clone(), sink.clone());
        std::thread::spawn(move || {
            let mut pipe = pipe;
            let mut lines = LineWriter::new(sink);
            let _ = std::io::copy(&mut pipe, &mut lines);
            drop(lines);
            let _ = tx.send(());
        });
    }
    (rx, count)
}

fn stderr_stdio(line: &str) -> Result<Stdio, PipelineError> {
    use std::os::fd::AsFd as _;
    let fd = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| PipelineError::Spawn { command: line.to_owned(), message: e.to_string() })?;
    Ok(Stdio::from(fd))
}

/// The command line of `command`, for messages.
pub(crate) fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod line_tests {
    use std::io::Write as _;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_line_writer_hands_on_complete_lines_and_the_rest_when_flushed() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = seen.clone();
        let mut writer = super::LineWriter::new(Arc::new(move |line| kept.lock().unwrap().push(line)));
        writer.write_all(b"one\r\ntw").unwrap();
        writer.write_all(b"o\n\nthree").unwrap();
        assert_eq!(*seen.lock().unwrap(), ["one", "two", ""]);
        drop(writer);
        assert_eq!(*seen.lock().unwrap(), ["one", "two", "", "three"], "the rest, once dropped");
    }
}
