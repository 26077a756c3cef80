use std::path::PathBuf;

use thiserror::Error;

/// A Python `str.format` template that cannot be rendered.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The template is malformed.
    #[error("the template `{template}` is malformed: {message}; write a literal brace as `{{{{` or `}}}}`")]
    Syntax { template: String, message: &'static str },
    /// A field names a key the context does not have.
    #[error("the template field `{{{key}}}` is unknown")]
    MissingKey { key: String },
    /// A field reads an attribute the value does not have.
    #[error("the template field `{{{key}}}` reads `{attribute}`, which the value does not have")]
    MissingAttribute { key: String, attribute: String },
    /// A positional field such as `{}` or `{0}`.
    #[error(
        "the template `{template}` has a positional field (`{{}}` or `{{0}}`): name the field, e.g. `{{new_version}}`"
    )]
    Positional { template: String },
    /// A format spec the value's type does not accept.
    #[error("the format spec `{spec}` does not apply to a {kind} value")]
    BadSpec { spec: String, kind: &'static str },
    /// A width or precision above [`crate::pyformat::MAX_WIDTH`].
    #[error(
        "the format spec `{spec}` asks for a {what} of {value}, more than hoist allows: use a {what} of at most {max}"
    )]
    TooWide { spec: String, what: &'static str, value: String, max: usize },
    /// A conversion other than `!s`, `!r`, `!a`.
    #[error("unknown conversion `!{conversion}`: use `!s` or `!r`")]
    UnknownConversion { conversion: char },
}

/// A Python regular expression or replacement template that cannot be used.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("`{pattern}`: {message}")]
pub struct RegexError {
    /// The pattern or template.
    pub pattern: String,
    /// What is wrong with it.
    pub message: String,
}

/// Everything that can go wrong reading configuration, planning or applying a bump.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VersionError {
    /// No configuration file in the directory.
    #[error(
        "no bump-my-version configuration in `{}` or its parents: add a `.bumpversion.toml` with a `[tool.bumpversion]` table and `current_version`",
        dir.display()
    )]
    NoConfig { dir: PathBuf },
    /// The configuration has no `current_version`.
    #[error("`{}` has no `current_version`: add `current_version = \"0.1.0\"` to its bumpversion table", path.display())]
    NoCurrentVersion { path: PathBuf },
    /// No current version anywhere.
    #[error(
        "unable to determine the current version: set `current_version` in the configuration, or pass `--current-version`"
    )]
    UnknownCurrentVersion,
    /// The configuration file given does not exist.
    #[error("the configuration file `{}` does not exist", path.display())]
    MissingConfigFile { path: PathBuf },
    /// A file cannot be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    /// A file is not UTF-8.
    #[error("`{}` is not UTF-8 text: bump-my-version only edits UTF-8 files", path.display())]
    NotUtf8 { path: PathBuf },
    /// A TOML configuration does not parse.
    #[error("`{}` is not valid TOML at line {line}, column {column}: {message}; fix the syntax there", path.display())]
    Toml { path: PathBuf, line: usize, column: usize, message: String },
    /// An INI configuration does not parse.
    #[error("`{}` line {line}: {message}", path.display())]
    Ini { path: PathBuf, line: usize, message: String },
    /// A configuration key has the wrong type.
    #[error("`{}`: the key `{key}` {message}", path.display())]
    BadKey { path: PathBuf, key: String, message: String },
    /// The `parse` pattern is not a regular expression.
    #[error("the `parse` pattern `{pattern}` is not a valid regular expression: {message}")]
    BadParse { pattern: String, message: String },
    /// The current version does not match `parse`.
    #[error(
        "the version `{version}` does not match the `parse` pattern `{pattern}`: fix `current_version` or `parse` so that the pattern's named groups match"
    )]
    Unparsable { version: String, pattern: String },
    /// A current or new version longer than [`crate::bump::MAX_VERSION_LEN`] bytes.
    #[error(
        "the {which} version is {len} bytes long, more than hoist allows: make it at most {max} bytes (`current_version`, `serialize` or `--new-version`)"
    )]
    VersionTooLong { which: &'static str, len: usize, max: usize },
    /// A part's configuration is inconsistent.
    #[error("the part `{part}` is misconfigured: {message}")]
    InvalidPart { part: String, message: String },
    /// A part cannot be bumped.
    #[error("cannot bump the part `{part}`: {message}")]
    BumpPart { part: String, message: String },
    /// The part named does not exist.
    #[error("the version has no part `{part}`: the parts are {}", ticked(known))]
    UnknownPart { part: String, known: Vec<String> },
    /// Neither a part nor a new version was given.
    #[error("nothing to bump: name a part to bump (one of {}) or pass `--new-version`", ticked(known))]
    NothingToBump { known: Vec<String> },
    /// No serialize format fits the version.
    #[error(
        "no `serialize` format in {formats:?} can render the version {version}: add a format that uses these parts"
    )]
    NoSerializeFormat { formats: Vec<String>, version: String },
    /// The chosen `serialize` format renders the version as empty text.
    #[error(
        "the `serialize` format {format:?} renders an empty version: write the version's parts into it, e.g. `{{major}}.{{minor}}.{{patch}}`"
    )]
    EmptyVersion { format: String },
    /// A template cannot be rendered. The cause is part of the message (and not the error's
    /// `source()`), so that a printer of the cause chain says it once.
    #[error("cannot render `{template}`: {error}")]
    Template { template: String, error: FormatError },
    /// A search pattern or replacement does not compile.
    #[error("in `{}`, the search or replace is invalid: {source}", path.display())]
    Regex { path: PathBuf, source: RegexError },
    /// A configured file is missing.
    #[error(
        "the file `{}` does not exist: create it, remove it from the configuration, or set `ignore_missing_file = true` for it",
        path.display()
    )]
    MissingFile { path: PathBuf },
    /// A configured file lies outside the repository (`../x`, a glob reaching out, or a
    /// symbolic link pointing out).
    #[error(
        "the file `{}` is outside the project `{}`: hoist rewrites files only inside it; remove it from the configuration, or run the bump from a directory that holds it",
        path.display(),
        root.display()
    )]
    OutsideProject {
        /// The file as configured.
        path: PathBuf,
        /// The repository's top (or the directory the bump runs in, outside git).
        root: PathBuf,
    },
    /// A configured file is a directory.
    #[error("the file `{}` is a directory: name a file in it, or match its files with a `glob` entry", path.display())]
    FileIsDirectory { path: PathBuf },
    /// A configured file is a FIFO, a socket or a device.
    #[error(
        "the file `{}` is {what}, not a regular file: name a regular file; hoist reads no FIFOs, sockets or devices",
        path.display()
    )]
    NotRegularFile { path: PathBuf, what: &'static str },
    /// A glob matches nothing.
    #[error("the glob `{glob}` matches no file: fix the pattern, or set `ignore_missing_file = true` for it")]
    GlobMatchesNothing { glob: String },
    /// The search text is not in a file.
    #[error(
        "did not find `{search}` in `{}`: the file does not contain the current version in the configured form; fix the file or the entry's `search`, or set `ignore_missing_version = true`",
        path.display()
    )]
    VersionNotFound { path: PathBuf, search: String },
    /// The working tree has uncommitted changes.
    #[error(
        "the git working tree is dirty: {}\nhelp: commit or stash them, or pass `--allow-dirty` (or list them in `allow_dirty_files`)",
        changes.join(", ")
    )]
    Dirty { changes: Vec<String> },
    /// The tag to create exists already.
    #[error(
        "the tag `{tag}` exists already: nothing was changed; delete it (`git tag -d {tag}`) or bump to another version"
    )]
    TagExists { tag: String },
    /// A tag the bump would make or move is not a valid git tag name.
    #[error("`{key}` gives the tag `{tag}`, which git refuses ({why}): fix `{key}`; nothing was changed")]
    BadTagName {
        /// The key (`tag_name`, `moveable_tags`).
        key: &'static str,
        /// The rendered name.
        tag: String,
        /// Git's rule it breaks.
        why: &'static str,
    },
    /// A git command failed.
    #[error("`git {command}` failed: {message}")]
    Git { command: String, message: String },
    /// A hook failed.
    #[error("the {kind} hook `{hook}` failed: {message}")]
    Hook { kind: &'static str, hook: String, message: String },
    /// Writing failed and every file was restored.
    #[error("{source}\nevery file was restored to its state before the bump")]
    RolledBack { source: Box<VersionError> },
    /// A step failed, and undoing the steps taken failed too: the journal stays.
    #[error(
        "{source}\nundoing the bump failed too: {cause}; fix that, then run `hoist bump --abort` to finish undoing it"
    )]
    RollbackFailed { source: Box<VersionError>, cause: Box<VersionError> },
    /// Pushing the tag or moving a tag on `origin` failed after the commit and the tag were
    /// made: they stay, and so does the journal.
    #[error(
        "{source}\nthe bump's commit and tag are made and stay: run `hoist bump --continue` to push again once `origin` can be reached"
    )]
    PushFailed { source: Box<VersionError> },
    /// A bump was killed before it ended; its journal is in the repository.
    #[error(
        "a bump from {from} to {to} was interrupted (it began {started}): run `hoist bump --continue` to finish it or `hoist bump --abort` to undo it"
    )]
    BumpInterrupted {
        /// The version it started from.
        from: String,
        /// The version it was bumping to.
        to: String,
        /// When it began.
        started: String,
    },
    /// Another process is bumping in this repository now.
    #[error(
        "a bump from {from} to {to} is running in this repository (process {pid}): wait for it to end, then run this again"
    )]
    BumpRunning {
        /// The version it started from.
        from: String,
        /// The version it is bumping to.
        to: String,
        /// Its process id.
        pid: u32,
    },
    /// `--abort` or `--continue` without an interrupted bump.
    #[error("there is no interrupted bump in `{}`: nothing to abort or continue", dir.display())]
    NoInterruptedBump { dir: PathBuf },
    /// The journal of an interrupted bump cannot be read.
    #[error(
        "the bump journal `{}` cannot be read ({message}): check the repository with `git status` and `git log -1`, then remove the file",
        path.display()
    )]
    BadJournal { path: PathBuf, message: String },
    /// Something the bump changes was changed by someone else since it was planned.
    #[error("{what} since the bump was planned")]
    Changed { what: String },
    /// `--abort` after the bump began pushing.
    #[error(
        "the bump already began pushing its tag `{tag}` to `origin`, which undoing cannot take back: run `hoist bump --continue` to finish it"
    )]
    AlreadyPublished { tag: String },
    /// `--abort` or `--continue` could not go on; the journal stays.
    #[error(
        "{source}\nthe interrupted bump is still recorded: put that right (`git status`, `git diff`), then run `hoist bump --abort` or `hoist bump --continue` again"
    )]
    RecoveryBlocked { source: Box<VersionError> },
    /// `BMV_FIXED_NOW` is not an ISO 8601 date-time.
    #[error("`BMV_FIXED_NOW` is `{value}`, not an ISO 8601 date-time such as `2024-03-15T10:20:30`")]
    BadFixedNow { value: String },
    /// `--to` combined with a new version or without a part.
    #[error("{message}")]
    Usage { message: String },
}

impl VersionError {
    /// The parse error of the TOML `text` of `path`, at its line and column (1-based, the
    /// column counted in characters).
    pub(crate) fn toml(path: &std::path::Path, text: &str, error: &toml_edit::TomlError) -> VersionError {
        let at = error.span().map_or(text.len(), |s| s.start).min(text.len());
        let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        VersionError::Toml {
            path: path.to_owned(),
            line: text[..line_start].matches('\n').count() + 1,
            column: text[line_start..at].chars().count() + 1,
            message: error.message().trim_end().replace('\n', "; "),
        }
    }
}

pub(crate) fn ticked(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
