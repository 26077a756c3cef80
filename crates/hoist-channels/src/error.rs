use std::path::PathBuf;

use thiserror::Error;

/// A channel release or diff that could not be done, and how to fix it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The channel names no file.
    #[error(
        "no channel `{channel}`: neither `{}` nor `{}` exists{}: create it, or set `[channels] dir` in `hoist.toml`",
        yaml.display(), yml.display(), known_list(known)
    )]
    UnknownChannel { channel: String, yaml: PathBuf, yml: PathBuf, known: Vec<String> },
    /// The channel file cannot be read.
    #[error("cannot read the channel file `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The channel file is not a channel.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse { path: PathBuf, line: usize, column: usize, message: String },
    /// A release lacks what its driver needs, or has what it cannot use.
    #[error("{}: release `{release}`: {message}", path.display())]
    InvalidRelease { path: PathBuf, release: String, message: String },
    /// `--app` names no release of the channel.
    #[error("no release `{app}` in channel `{channel}`{}{}", suggestion.as_ref().map(|s| format!(": did you mean `{s}`?")).unwrap_or_default(), known_list(known))]
    UnknownApp { app: String, channel: String, suggestion: Option<String>, known: Vec<String> },
    /// A plan with problems was not executed.
    #[error("refusing to release channel `{channel}`, nothing was run: {}", problems.join("; "))]
    Refused { channel: String, problems: Vec<String> },
    /// A program is not installed.
    #[error("cannot run `{program}`: {message}: install it and put it on `PATH`")]
    NoProgram { program: String, message: String },
    /// A command failed during a release; the releases before it were applied.
    #[error(
        "release `{release}` failed: `{command}` exited with {}{}; {}",
        exit(*code),
        if message.is_empty() { String::new() } else { format!(": {message}") },
        applied_text(applied)
    )]
    CommandFailed { release: String, command: String, code: Option<i32>, message: String, applied: Vec<String> },
    /// `kubectl diff` reported an error (exit status above 1), not differences.
    #[error("cannot diff release `{release}`: `{command}` exited with {}{}", exit(*code), if message.is_empty() { String::new() } else { format!(": {message}") })]
    DiffFailed { release: String, command: String, code: Option<i32>, message: String },
    /// Rendered manifests are not Kubernetes resources.
    #[error("the rendered manifests of release `{release}` are not Kubernetes resources: {message}")]
    BadManifest { release: String, message: String },
    /// A temporary directory or file for rendering could not be written.
    #[error("cannot write the rendered manifests of release `{release}` to `{}`: {source}", path.display())]
    Render { release: String, path: PathBuf, source: std::io::Error },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (known: {})", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))
    }
}

fn exit(code: Option<i32>) -> String {
    code.map_or("a signal".to_owned(), |c| format!("status {c}"))
}

fn applied_text(applied: &[String]) -> String {
    if applied.is_empty() {
        "no release of the channel was applied".to_owned()
    } else {
        format!(
            "already applied: {}; fix the cause and run the release again (applying is idempotent)",
            applied.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
        )
    }
}
