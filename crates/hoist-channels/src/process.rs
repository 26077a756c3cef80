//! Running one planned command: one argument per value, never a shell string.

use std::path::Path;

use serde::Serialize;
use xshell::{Shell, cmd};

use crate::ChannelError;

/// One command line hoist runs, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Command {
    /// The program (`kubectl`, `helm`), looked up on `PATH`.
    pub program: String,
    /// Its arguments, each passed as one argument.
    pub args: Vec<String>,
    /// Why it runs.
    pub reason: String,
}

impl Command {
    pub(crate) fn new(program: &str, args: &[&str], reason: impl Into<String>) -> Command {
        Command {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            reason: reason.into(),
        }
    }

    pub(crate) fn with_paths(program: &str, args: &[&str], paths: &[&Path], reason: impl Into<String>) -> Command {
        let mut command = Command::new(program, args, reason);
        command.args.extend(paths.iter().map(|p| p.display().to_string()));
        command
    }

    /// The command line for people: arguments with spaces or quotes are single-quoted.
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .map(quote)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn quote(arg: &str) -> String {
    if !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b)) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// What a finished command printed.
pub(crate) struct Finished {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Finished {
    pub(crate) fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The most telling line of stderr (the first `error:` line, else the last line).
    pub(crate) fn message(&self) -> String {
        let lines: Vec<&str> = self.stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        lines
            .iter()
            .find(|l| l.to_ascii_lowercase().starts_with("error"))
            .or(lines.last())
            .map(|l| (*l).to_owned())
            .unwrap_or_default()
    }
}

/// Runs `command` in `sh`'s directory and environment and collects its output.
pub(crate) fn run(sh: &Shell, command: &Command) -> Result<Finished, ChannelError> {
    let (program, args) = (&command.program, &command.args);
    let output = cmd!(sh, "{program} {args...}")
        .quiet()
        .ignore_status()
        .output()
        .map_err(|e| ChannelError::NoProgram { program: program.clone(), message: e.to_string() })?;
    Ok(Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
