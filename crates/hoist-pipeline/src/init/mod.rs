//! `init`: a commented `hoist.toml` written from what a project already has — the Dockerfile's
//! stages, the compose files and their services, the bump-my-version configuration, a
//! justfile's variables and recipes, the GitHub workflows.
//!
//! [`plan_init`] reads the project and decides (pure apart from reading files): the file's text,
//! every value with where it came from ([`Inferred`], [`Source`]), and what it could not infer
//! with the fix ([`NotInferred`]). The text is loaded with hoist's own configuration loader
//! before the plan is returned. [`write_init`] carries a plan out: a temporary file in the same
//! directory, renamed into place; an existing `hoist.toml` is kept unless `force`, and only a
//! regular file is ever replaced.

mod infer;
mod justfile;
mod render;
mod shell;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

pub use infer::plan_init;

/// What `init` would write, and why.
#[derive(Clone, Debug, Serialize)]
pub struct InitPlan {
    /// The file it writes: `hoist.toml` in the project directory.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// Every value it wrote, with its source, in the file's order.
    pub inferred: Vec<Inferred>,
    /// What it could not infer, each with the fix.
    pub not_inferred: Vec<NotInferred>,
}

/// One value of the file and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inferred {
    /// The dotted key (`compose.ci.files`, `test.suites.command`).
    pub key: String,
    /// The value as written in the file (TOML).
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

/// Where a value came from. Files are named relative to the project directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A justfile variable (`IMAGE_REGISTRY := '…'`).
    JustfileVariable {
        /// The variable.
        name: String,
    },
    /// A line of a justfile recipe.
    JustfileRecipe {
        /// The recipe.
        recipe: String,
        /// The line.
        line: usize,
    },
    /// A Dockerfile stage.
    Dockerfile {
        /// The Dockerfile.
        file: PathBuf,
        /// The stage.
        stage: String,
    },
    /// A compose file.
    ComposeFile {
        /// The file.
        file: PathBuf,
    },
    /// A service of a compose file.
    ComposeService {
        /// The file.
        file: PathBuf,
        /// The service.
        service: String,
        /// What about it (`runs the image …`, `mounts …`).
        what: String,
    },
    /// A key of the bump-my-version configuration.
    VersionConfig {
        /// The file.
        file: PathBuf,
        /// The key (`tag_name`, `current_version`, `parse`).
        key: String,
    },
    /// A line of a GitHub workflow.
    Workflow {
        /// The workflow file.
        file: PathBuf,
        /// The line.
        line: usize,
        /// What the line runs, trimmed.
        text: String,
    },
    /// hoist's default, written out.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::JustfileVariable { name } => write!(f, "justfile: `{name}`"),
            Source::JustfileRecipe { recipe, line } => write!(f, "justfile: recipe `{recipe}`, line {line}"),
            Source::Dockerfile { file, stage } => write!(f, "{}: stage `{stage}`", file.display()),
            Source::ComposeFile { file } => write!(f, "{}", file.display()),
            Source::ComposeService { file, service, what } => {
                write!(f, "{}: service `{service}` {what}", file.display())
            }
            Source::VersionConfig { file, key } => write!(f, "{}: `{key}`", file.display()),
            Source::Workflow { file, line, text } => write!(f, "{}, line {line}: `{text}`", file.display()),
            Source::Default => f.write_str("hoist's default"),
        }
    }
}

/// Something `init` could not infer, with what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NotInferred {
    /// No image repository anywhere: the file holds a placeholder.
    NoRegistry {
        /// The placeholder written.
        placeholder: String,
    },
    /// A value that would be the registry is not an image repository.
    BadRepository {
        /// The key it was for.
        key: String,
        /// The value.
        value: String,
        /// Where it came from.
        source: Source,
    },
    /// No Dockerfile in the project.
    NoDockerfile,
    /// No stage to tag as the release image.
    NoReleaseStage {
        /// The named stages.
        stages: Vec<String>,
    },
    /// No tester stage.
    NoTesterStage,
    /// No compose project for the tests.
    NoTestCompose,
    /// No service for the tests.
    NoTestService,
    /// No test suite.
    NoSuites,
    /// No data-build compose project.
    NoDataCompose,
    /// No Dockerfile stage that bakes an archive in.
    NoDataStage,
    /// The data-build services could not be told apart.
    NoDataServices {
        /// The data-build compose file.
        file: PathBuf,
    },
    /// No loading step for the data image.
    NoDataSteps,
    /// No readiness check for the data service.
    NoWaitFor,
    /// Nothing says which files are the data.
    NoDump,
    /// No dependency-lock command.
    NoRequirementsCommand,
    /// No cache registry.
    NoCacheRegistry,
    /// No bump-my-version configuration.
    NoVersionConfig,
    /// The version configuration does not tag its bumps.
    NoVersionTag {
        /// The version configuration.
        file: PathBuf,
    },
    /// `tag_name` has placeholders besides `{new_version}`.
    TagName {
        /// The version configuration.
        file: PathBuf,
        /// Its `tag_name`.
        tag_name: String,
    },
    /// The justfile's `VERSION` is not the configured version with a prefix.
    VersionMismatch {
        /// The justfile's value.
        justfile: String,
        /// `current_version`.
        current: String,
        /// The version configuration.
        file: PathBuf,
    },
    /// A recipe line that does something hoist.toml cannot say.
    Line {
        /// The recipe.
        recipe: String,
        /// The line.
        line: usize,
        /// Why.
        why: LineProblem,
    },
}

/// Why a recipe line was not carried over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LineProblem {
    /// Its output goes into another program.
    Pipe,
    /// It redirects its output.
    Redirect,
    /// It uses a variable of the host's shell in its command.
    HostVariable {
        /// The word with the variable.
        word: String,
    },
    /// A compose option hoist has no key for.
    Option {
        /// The option.
        option: String,
    },
    /// It runs in a compose project `hoist.toml` has no table for.
    UnknownProject,
    /// A quote is not closed, or a `{{…}}` is not known.
    Unreadable,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::Pipe => f.write_str("it pipes its output into another program"),
            LineProblem::Redirect => f.write_str("it redirects its output"),
            LineProblem::HostVariable { word } => write!(f, "`{word}` is a variable of the host's shell"),
            LineProblem::Option { option } => write!(f, "the compose option `{option}` has no key in `hoist.toml`"),
            LineProblem::UnknownProject => f.write_str("it runs in a compose project that no recipe or file names"),
            LineProblem::Unreadable => f.write_str("its quoting or a `{{…}}` in it cannot be read"),
        }
    }
}

impl fmt::Display for NotInferred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotInferred::NoRegistry { placeholder } => write!(
                f,
                "no registry found (no justfile `IMAGE_REGISTRY`, no compose image tagged with the version): set `registry = ...` (it is `{placeholder}` for now; `HOIST_REGISTRY` overrides it)"
            ),
            NotInferred::BadRepository { key, value, source } => write!(
                f,
                "`{value}` ({source}) is not an image repository such as `registry.example.com/app`: set `{key}` by hand"
            ),
            NotInferred::NoDockerfile => {
                f.write_str("no `Dockerfile`: add one, or set `dockerfile = ...` to the one the images are built from")
            }
            NotInferred::NoReleaseStage { stages } => write!(
                f,
                "no stage `release` in the Dockerfile (its stages: {}): set `release-step` to the stage whose image you ship",
                ticked(stages)
            ),
            NotInferred::NoTesterStage => f.write_str(
                "no tester stage (`tester` or `test`) in the Dockerfile: set `test.step` to the stage the tests run in",
            ),
            NotInferred::NoTestCompose => f.write_str(
                "no CI compose project (no `*.ci.yml` compose file, no recipe running compose with one): add `[compose.ci]` with its `files`",
            ),
            NotInferred::NoTestService => f.write_str(
                "no service for the tests (none runs the tester image, none is `web`): set `test.service`",
            ),
            NotInferred::NoSuites => f.write_str(
                "no test suite (no recipe `test` running commands in the CI project): add `[[test.suites]]` with `name` and `command`",
            ),
            NotInferred::NoDataCompose => f.write_str(
                "no data-build compose project (no compose file whose services load and hold data): add `[compose.solrbld]` and `[data-image]` by hand, or leave the data image out",
            ),
            NotInferred::NoDataStage => f.write_str(
                "no Dockerfile stage binds or copies a data archive (`.tgz`): set `data-image.stage` and `data-image.archive`",
            ),
            NotInferred::NoDataServices { file } => write!(
                f,
                "the services of `{}` could not be told apart: set `data-image.loader-service` and `data-image.data-service`",
                file.display()
            ),
            NotInferred::NoDataSteps => f.write_str(
                "no loading step (no recipe that builds the data stage runs commands in the data-build project or a script): add `[[data-image.steps]]` with `command`",
            ),
            NotInferred::NoWaitFor => f.write_str(
                "no readiness check for the data service (no `until …; do` loop in a recipe): set `data-image.wait-for` to a command that succeeds once it is ready",
            ),
            NotInferred::NoDump => f.write_str(
                "nothing says which files are the data (no workflow `git log -- PATH`, no read-only mount of the project): set `data-image.dump` so that `ci` regenerates the image when they change",
            ),
            NotInferred::NoRequirementsCommand => f.write_str(
                "no dependency-lock command (no recipe running `pip-compile` or a lock script in a compose project): set `requirements.command` to use `regen-requirements`",
            ),
            NotInferred::NoCacheRegistry => f.write_str(
                "no cache registry (no justfile `CACHE_REGISTRY`): builds use no registry cache; set `cache-registry` to use one",
            ),
            NotInferred::NoVersionConfig => f.write_str(
                "no bump-my-version configuration (`.bumpversion.toml`, `.bumpversion.cfg`, `setup.cfg`, `pyproject.toml`): add one with `current_version` (`hoist bump` and every image tag need it)",
            ),
            NotInferred::NoVersionTag { file } => write!(
                f,
                "`{}` does not tag its bumps (`tag = false`): `deploy` moves deploy tags to the version's tag; set `tag = true` there",
                file.display()
            ),
            NotInferred::TagName { file, tag_name } => write!(
                f,
                "`tag_name = \"{tag_name}\"` of `{}` has placeholders besides `{{new_version}}`: set `deploy.version-tag` by hand",
                file.display()
            ),
            NotInferred::VersionMismatch { justfile, current, file } => write!(
                f,
                "the justfile's `VERSION` (`{justfile}`) does not end with `current_version` of `{}` (`{current}`): `version-prefix` is hoist's default `v`; check it",
                file.display()
            ),
            NotInferred::Line { recipe, line, why } => write!(
                f,
                "justfile: recipe `{recipe}`, line {line} was not carried over: {why}; add it to `hoist.toml` by hand if it is needed"
            ),
        }
    }
}

fn ticked(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// Why `init` cannot plan or write.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InitError {
    /// The project directory does not exist.
    #[error("the project directory `{}` does not exist: pass an existing directory to `-C`", dir.display())]
    NoDirectory {
        /// The directory.
        dir: PathBuf,
    },
    /// `hoist.toml` exists.
    #[error(
        "`{}` already exists: `init` never overwrites it; pass `--force` to replace it, or `--dry-run` to see what it would write",
        path.display()
    )]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// `hoist.toml` is there but not a regular file.
    #[error(
        "`{}` is {what}, not a regular file: `init` replaces only a regular file; remove it first",
        path.display()
    )]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// A file `init` reads cannot be read or parsed.
    #[error("cannot read `{}`: {message}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file `init` reads is larger than any such file is.
    #[error("`{}` is larger than {limit} bytes: `init` reads no such file; is it the right file?", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// The Dockerfile does not parse.
    #[error(transparent)]
    Dockerfile(#[from] hoist_dockerfile::DockerfileError),
    /// The version configuration cannot be read.
    #[error(transparent)]
    Version(#[from] hoist_version::VersionError),
    /// The text `init` made does not load (a fault of `init`).
    #[error(
        "the `hoist.toml` that `init` made does not load, so nothing was written (a fault of hoist; please report it): {source}"
    )]
    Invalid {
        /// The loader's error.
        source: hoist_config::ConfigError,
    },
    /// Writing the file failed; nothing was changed.
    #[error("cannot write `{}`: {source}; nothing was changed", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What [`write_init`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Written {
    /// There was no `hoist.toml`.
    Created,
    /// An existing `hoist.toml` was replaced (`--force`).
    Replaced,
}

/// What `hoist.toml` in the plan's directory is now: `Ok(false)` when absent, `Ok(true)` for a
/// regular file, an error for anything else (told from its metadata alone: a FIFO is never opened).
fn existing(path: &Path) -> Result<bool, InitError> {
    match hoist_version::text::regular_file(path, path) {
        Ok(found) => Ok(found),
        Err(hoist_version::VersionError::FileIsDirectory { .. }) => {
            Err(InitError::NotRegular { path: path.to_owned(), what: "a directory" })
        }
        Err(hoist_version::VersionError::NotRegularFile { what, .. }) => {
            Err(InitError::NotRegular { path: path.to_owned(), what })
        }
        Err(other) => Err(InitError::Version(other)),
    }
}

/// Fails unless the plan can be written: `hoist.toml` absent, or a regular file and `force`.
/// `init --dry-run` checks this too, so a dry run says what a real run would refuse.
pub fn check_target(plan: &InitPlan, force: bool) -> Result<(), InitError> {
    if existing(&plan.path)? && !force {
        return Err(InitError::Exists { path: plan.path.clone() });
    }
    Ok(())
}

/// Writes `plan.text` to `plan.path`: a temporary file in the same directory, then a rename
/// (without `force`, one that fails rather than replace a file that appeared since the check).
/// An existing `hoist.toml` is refused unless `force`; only a regular file is replaced.
pub fn write_init(plan: &InitPlan, force: bool) -> Result<Written, InitError> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let was_there = existing(&plan.path)?;
    if was_there && !force {
        return Err(InitError::Exists { path: plan.path.clone() });
    }
    let dir = plan.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let write_error = |source| InitError::Write { path: plan.path.clone(), source };
    // As an ordinary new file is made: read-write for all, less the umask.
    let mut temp = tempfile::Builder::new()
        .prefix(".hoist.toml.init-")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(write_error)?;
    temp.write_all(plan.text.as_bytes()).and_then(|()| temp.as_file().sync_all()).map_err(write_error)?;
    let placed = if was_there { temp.persist(&plan.path) } else { temp.persist_noclobber(&plan.path) };
    match placed {
        Ok(_) => Ok(if was_there { Written::Replaced } else { Written::Created }),
        Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(InitError::Exists { path: plan.path.clone() })
        }
        Err(error) => Err(write_error(error.error)),
    }
}
