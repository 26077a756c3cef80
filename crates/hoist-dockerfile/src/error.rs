use std::path::{Path, PathBuf};

use thiserror::Error;

/// A Dockerfile that Docker would refuse, or that cannot be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DockerfileError {
    /// The file cannot be read.
    #[error("cannot read the Dockerfile `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A problem at a line of the file.
    #[error("{}: {kind}", match file { Some(f) => format!("{}:{line}", f.display()), None => format!("line {line}") })]
    At { file: Option<PathBuf>, line: usize, kind: ErrorKind },
    /// The file has no instruction at all.
    #[error("{}the Dockerfile is empty: add a `FROM IMAGE AS NAME` line", file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    Empty { file: Option<PathBuf> },
    /// The file has instructions but no `FROM`.
    #[error("{}the Dockerfile has no `FROM` instruction, so it has no build stage: start a stage with `FROM IMAGE AS NAME`", file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    NoFrom { file: Option<PathBuf> },
}

/// What is wrong at a line.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `# escape=` names something other than `\` or `` ` ``.
    #[error("invalid escape character `{0}` in the `# escape=` directive: use `\\` or `` ` ``")]
    InvalidEscape(String),
    /// A parser directive appears twice.
    #[error("the parser directive `{0}` is given twice: keep one")]
    DuplicateDirective(String),
    /// An instruction other than `ARG` before the first `FROM`.
    #[error("`{0}` before the first `FROM`: only `ARG` may come before it; start a stage with `FROM IMAGE`")]
    BeforeFrom(String),
    /// `FROM` without an image.
    #[error("`FROM` needs an image: write `FROM IMAGE [AS NAME]`")]
    FromWithoutImage,
    /// `FROM` with words that are not `AS NAME`.
    #[error("`FROM {0}` is not `FROM IMAGE [AS NAME]`")]
    MalformedFrom(String),
    /// A stage name Docker refuses.
    #[error("invalid stage name `{0}`: a name starts with a letter and has only letters, digits, `-`, `_` and `.`")]
    InvalidStageName(String),
    /// Two stages with one name.
    #[error("duplicate stage name `{name}` (first at line {first_line}): give every stage its own name")]
    DuplicateStageName { name: String, first_line: usize },
    /// A heredoc that never ends.
    #[error("the heredoc `<<{0}` is never closed: add a line `{0}`")]
    UnterminatedHeredoc(String),
}

impl DockerfileError {
    pub(crate) fn at(line: usize, kind: ErrorKind) -> DockerfileError {
        DockerfileError::At { file: None, line, kind }
    }

    pub(crate) fn in_file(self, path: &Path) -> DockerfileError {
        let path = Some(path.to_owned());
        match self {
            DockerfileError::At { line, kind, .. } => DockerfileError::At { file: path, line, kind },
            DockerfileError::Empty { .. } => DockerfileError::Empty { file: path },
            DockerfileError::NoFrom { .. } => DockerfileError::NoFrom { file: path },
            other => other,
        }
    }
}
