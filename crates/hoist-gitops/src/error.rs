use thiserror::Error;

/// A GitOps release that could not be done, and how to fix it. Repository URLs in it are
/// redacted: credentials in a URL are never shown.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GitopsError {
    /// `gitops.repository` is not set.
    #[error(
        "no releases repository is configured: set `repository` in the `[gitops]` table of `hoist.toml` (or `HOIST_GITOPS_REPOSITORY`)"
    )]
    NoRepository,
    /// The environment cannot name a directory.
    #[error(
        "`{environment}` cannot name a directory of the releases repository: use letters, digits, `-`, `_` and `.`"
    )]
    BadEnvironment { environment: String },
    /// The environment is not in `gitops.environments`.
    #[error(
        "unknown environment `{environment}`{}: the configured ones are {}; add it to `environments` in the `[gitops]` table of `hoist.toml`",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        ticked(known)
    )]
    UnknownEnvironment { environment: String, suggestion: Option<String>, known: Vec<String> },
    /// The template cannot be read.
    #[error(
        "cannot read the HelmRelease template `{path}`: {source}: create it, or set `template` in the `[gitops]` table of `hoist.toml`"
    )]
    Template { path: String, source: std::io::Error },
    /// A placeholder names nothing hoist knows.
    #[error("{source_name}:{line}: unknown placeholder `{{{name}}}`: the known ones are {}", ticked(known))]
    UnknownPlaceholder { source_name: String, line: usize, name: String, known: Vec<String> },
    /// The template wants the image digest and none was given.
    #[error(
        "{source_name}:{line}: the template uses `{{digest}}` but the image digest is not known: pass `--digest sha256:…` (the digest the registry reports for the image)"
    )]
    NoDigest { source_name: String, line: usize },
    /// A digest that is not `ALGORITHM:HEX`.
    #[error("`{digest}` is not an image digest: expected `sha256:` and 64 hexadecimal digits")]
    BadDigest { digest: String },
    /// The releases repository cannot be reached.
    #[error(
        "cannot reach the releases repository `{repository}`: {message}: check `repository` in the `[gitops]` table of `hoist.toml` and the credentials git uses for it"
    )]
    Unreachable { repository: String, message: String },
    /// The push was refused for a reason other than a concurrent write.
    #[error("the releases repository `{repository}` refused the push to `{branch}`; nothing was pushed: {message}")]
    PushRejected { repository: String, branch: String, message: String },
    /// Every attempt lost the race against another writer.
    #[error(
        "the branch `{branch}` of `{repository}` kept moving: {attempts} pushes were refused as non-fast-forward and nothing was pushed: run the command again, or raise `retries` in the `[gitops]` table of `hoist.toml`"
    )]
    RetriesExhausted { repository: String, branch: String, attempts: u32 },
    /// A local git command failed.
    #[error("`git {command}` failed in the releases checkout: {message}")]
    Git { command: String, message: String },
    /// The checkout could not be written.
    #[error("cannot write `{path}` in the releases checkout: {source}")]
    Io { path: String, source: std::io::Error },
}

fn ticked(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
