use thiserror::Error;

use hoist_git::GitError;

/// A deploy, rollback or status that could not be done.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DeployError {
    /// The environment is not configured.
    #[error(
        "unknown environment `{environment}`: the configured ones are {}; add `[deploy.environments.{environment}]` to `hoist.toml` to deploy there",
        list(known)
    )]
    UnknownEnvironment { environment: String, known: Vec<String> },
    /// The plan has problems; nothing was pushed.
    #[error("refusing to {action} `{environment}`, nothing was pushed: {}", problems.join("; "))]
    Refused { action: &'static str, environment: String, problems: Vec<String> },
    /// A git operation failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A version that cannot name images.
    #[error(transparent)]
    Naming(#[from] hoist_naming::NamingError),
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
