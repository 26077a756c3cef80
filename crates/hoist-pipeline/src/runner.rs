//! Child processes that stream their output, and Ctrl-C.
//!
//! Each child runs in a process group of its own, so a Ctrl-C at the terminal reaches hoist
//! alone; hoist's handler records the signal and passes it on to the running child's group,
//! exactly once. When the child has ended, the executor sees [`interrupted`], tears down what
//! it started and fails with [`PipelineError::Interrupted`] (exit status 130). Teardown
//! commands are not passed signals: a second Ctrl-C does not leave a project half down.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::PipelineError;

/// The signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The process group of the running interruptible child (0: none).
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only async-signal-safe calls here: atomics and kill(2).
    SIGNAL.store(signal, Ordering::SeqCst);
    let group = CHILD_GROUP.load(Ordering::SeqCst);
    if group > 0 {
        // SAFETY: kill(2) is async-signal-safe; a stale group id at worst signals nothing.
        unsafe {
            libc::kill(-group, signal);
        }
    }
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

/// Fails with [`PipelineError::Interrupted`] when a signal arrived.
pub(crate) fn check_interrupted() -> Result<(), PipelineError> {
    match interrupted() {
        Some(signal) => Err(PipelineError::Interrupted { signal }),
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
    if signals == Signals::Forward {
        CHILD_GROUP.store(group, Ordering::SeqCst);
        // A signal that arrived between spawn and store has not been passed on yet.
        if let Some(signal) = interrupted() {
            // SAFETY: kill(2) on the child's own process group.
            unsafe {
                libc::kill(-group, signal);
            }
        }
    }
    let status = child.wait();
    CHILD_GROUP.store(0, Ordering::SeqCst);
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
