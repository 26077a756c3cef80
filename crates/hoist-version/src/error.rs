use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong reading or bumping a version.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VersionError {
    /// No configuration file in the directory.
    #[error(
        "no bump-my-version configuration in `{}`: add a `.bumpversion.toml` with a `[tool.bumpversion]` table and `current_version`",
        dir.display()
    )]
    NoConfig { dir: PathBuf },
    /// The configuration has no `current_version`.
    #[error("`{}` has no `current_version`: add `current_version = \"0.1.0\"` to its bumpversion table", path.display())]
    NoCurrentVersion { path: PathBuf },
    /// The configuration file cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A TOML configuration does not parse.
    #[error("`{}` is not valid TOML: {message}", path.display())]
    Toml { path: PathBuf, message: String },
}
