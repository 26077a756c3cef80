use thiserror::Error;

use hoist_git::GitError;

/// A candidate that could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PromotionError {
    /// No branch names the candidate.
    #[error(
        "HEAD is detached and no branch was named: pass `--branch BRANCH` (in GitHub Actions, `GITHUB_HEAD_REF` or `GITHUB_REF_NAME` names it)"
    )]
    NoBranch,
    /// The plan has problems; nothing was committed or pushed.
    #[error("refusing to make `{candidate}`, nothing was committed or pushed: {}", problems.join("; "))]
    Refused { candidate: String, problems: Vec<String> },
    /// The candidate branch kept moving while this run pushed.
    #[error(
        "`{candidate}` on the remote `{remote}` moved {attempts} times while hoist pushed (other candidate runs for the same branch?); the remote holds another run's candidate: run `candidate` again to make this one"
    )]
    LostRace { candidate: String, remote: String, attempts: u32 },
    /// A commit's `.hoist/candidate.json` cannot be read.
    #[error(
        "the candidate record `.hoist/candidate.json` of commit {commit} cannot be read: {reason}: make the candidate again with `hoist candidate`"
    )]
    BadRecord { commit: String, reason: String },
    /// A channel file of the source commit is not a channel.
    #[error(transparent)]
    Channel(#[from] hoist_channels::ChannelError),
    /// The Dockerfile, which names the step images, cannot be read.
    #[error(transparent)]
    Dockerfile(#[from] hoist_dockerfile::DockerfileError),
    /// A git operation failed.
    #[error(transparent)]
    Git(#[from] GitError),
}
