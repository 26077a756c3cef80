use thiserror::Error;

/// A value that cannot become part of an image reference.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NamingError {
    /// The registry repository is not a valid image repository name.
    #[error(
        "`{repository}` is not a valid image repository: use lowercase letters, digits and `.`, `_`, `-`, `/` separators, with an optional `host[:port]/` first"
    )]
    InvalidRepository { repository: String },
    /// The version string cannot be a tag.
    #[error(
        "version `{version}` cannot be an image tag: a tag is at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
    )]
    InvalidVersion { version: String },
    /// The pull-request number cannot be part of a tag.
    #[error(
        "pull-request value `{pr}` cannot be part of an image tag: use digits (or letters, `_`, `.`, `-`), as in `prNum=42`"
    )]
    InvalidPr { pr: String },
}
