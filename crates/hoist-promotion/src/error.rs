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
    /// A promotion plan has problems; nothing was committed or pushed.
    #[error("refusing to promote `{candidate}` to `{environment}`, nothing was committed or pushed: {}", problems.join("; "))]
    PromotionRefused { candidate: String, environment: String, problems: Vec<String> },
    /// The promotion branch moved between planning and pushing.
    #[error(
        "`{branch}` on the remote `{remote}` moved while hoist pushed (another promotion of the same candidate?): run `promote` again"
    )]
    PromotionMoved { branch: String, remote: String },
    /// A branch name hoist would use cannot be one.
    #[error("`{name}` cannot be a branch name: {reason}: name another branch or environment")]
    BadBranch { name: String, reason: String },
    /// A side of a diff names nothing.
    #[error(
        "`{name}` is neither a branch of the remote `{remote}` nor a revision of this repository: name a branch such as `candidates/main` or `releases/test`"
    )]
    NoSuchSide { name: String, remote: String },
    /// Neither side of a diff has the channel.
    #[error(
        "neither `{from}` nor `{to}` has the channel `{channel}` (a file `{channel}.yaml` in `{dir}`): name a channel the branches hold"
    )]
    NoChannelOnEitherSide { channel: String, from: String, to: String, dir: String },
    /// A side could not be checked out for rendering.
    #[error("cannot check out `{side}` into a temporary directory: {message}")]
    Checkout { side: String, message: String },
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
