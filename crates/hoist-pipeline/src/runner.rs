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

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use crate::error::PipelineError;

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
/// hoist's stderr (or nowhere for [`Output::Null`]). Returns the exit code, `128 + N` when the
/// child was killed by signal N.
pub(crate) fn run(mut command: Command, output: Output, signals: Signals) -> Result<i32, PipelineError> {
    use std::os::unix::process::ExitStatusExt as _;

    let line = describe(&command);
    if signals == Signals::Forward {
        check_interrupted()?;
    }
    let quiet = matches!(output, Output::Null);
    let stdout = match output {
        Output::Stderr => stderr_stdio(&line)?,
        Output::File(file) => Stdio::from(file),
        Output::Null => Stdio::null(),
    };
    command.stdin(Stdio::null()).stdout(stdout).process_group(0);
    if quiet {
        command.stderr(Stdio::null());
    }
    let mut child =
        command.spawn().map_err(|e| PipelineError::Spawn { command: line.clone(), message: e.to_string() })?;
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
    let status = status.map_err(|e| PipelineError::Spawn { command: line, message: e.to_string() })?;
    Ok(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(9)))
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
