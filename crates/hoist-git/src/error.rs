use std::path::PathBuf;

use thiserror::Error;

/// A git operation that did not happen, and why.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GitError {
    /// The `git` program cannot be run.
    #[error("cannot run `git`: {message}: install git (`apt-get install git`)")]
    NoGit { message: String },
    /// The directory is not inside a git work tree.
    #[error("`{}` is not inside a git work tree: run hoist in the project's clone, or `git init` it", dir.display())]
    NotARepository { dir: PathBuf },
    /// The remote is not configured.
    #[error(
        "the git remote `{remote}` is not configured{}: add it with `git remote add {remote} URL`",
        known_remotes(known)
    )]
    NoSuchRemote { remote: String, known: Vec<String> },
    /// The remote cannot be reached.
    #[error("cannot reach the git remote `{remote}`: {message}")]
    RemoteUnreachable { remote: String, message: String },
    /// A revision does not exist.
    #[error("`{revision}` is not a commit in this repository: {message}")]
    UnknownRevision { revision: String, message: String },
    /// The remote refused the push because a ref moved since it was read.
    #[error(
        "the remote `{remote}` changed under us: {} moved since hoist read it (another deploy?); nothing was pushed: run the command again to deploy on top of the new state",
        refs.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
    )]
    LeaseRejected { remote: String, refs: Vec<String> },
    /// The remote refused the push for another reason.
    #[error("the remote `{remote}` refused the push; nothing was pushed: {message}")]
    PushRejected { remote: String, message: String },
    /// After a push, the remote does not hold what was pushed.
    #[error(
        "after the push, the remote `{remote}` has `{tag}` at {found} instead of {expected}: check the remote's hooks or rerun the command"
    )]
    NotConfirmed { remote: String, tag: String, expected: String, found: String },
    /// Any other failing git command.
    #[error("`git {command}` failed: {message}")]
    Command { command: String, message: String },
}

fn known_remotes(known: &[String]) -> String {
    if known.is_empty() {
        " (this repository has no remotes)".to_owned()
    } else {
        format!(" (known: {})", known.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "))
    }
}
