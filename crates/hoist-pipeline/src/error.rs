//! Every way the pipeline targets (`build`, `push`, `test`, `regen-solr-image`,
//! `regen-requirements`, `ci`) can fail.

use std::path::PathBuf;

use thiserror::Error;

/// A pipeline target that cannot go on, with what to do about it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A file of the build context cannot be read.
    #[error("cannot read `{}` of the build context: {source}", path.display())]
    Context {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A target names a compose project that `hoist.toml` does not configure.
    #[error("no compose project `{name}` (from `{key}`) in `hoist.toml`: {}", known_text(known, name))]
    NoComposeProject {
        /// The project name asked for.
        name: String,
        /// The key that names it, e.g. `test.compose`.
        key: String,
        /// The configured projects.
        known: Vec<String>,
    },
    /// `test` without a suite.
    #[error(
        "no test suites are configured: add one to `hoist.toml`, for example `[[test.suites]]` with `name = \"code\"` and `command = [\"pytest\"]`"
    )]
    NoSuites,
    /// `regen-requirements` without a command.
    #[error(
        "no dependency-lock command is configured: set `command` in the `[requirements]` table of `hoist.toml`, for example `command = [\"pip-compile\", \"requirements.in\"]`"
    )]
    NoRequirementsCommand,
    /// A target needs a Dockerfile stage that does not exist.
    #[error("`{step}` (from `{key}`) is not a stage of `{}`: the stages are {}", dockerfile.display(), ticked(stages))]
    NotAStage {
        /// The stage asked for.
        step: String,
        /// The key that names it.
        key: String,
        /// The Dockerfile.
        dockerfile: PathBuf,
        /// Its stages.
        stages: Vec<String>,
    },
    /// A step names a Dockerfile stage that does not exist.
    #[error("`{step}` is not a stage of `{}`: the stages are {}", dockerfile.display(), ticked(stages))]
    UnknownStage {
        /// The stage asked for.
        step: String,
        /// The Dockerfile.
        dockerfile: PathBuf,
        /// Its stages.
        stages: Vec<String>,
    },
    /// The version engine refused the bump `ci` plans.
    #[error(transparent)]
    Version(#[from] hoist_version::VersionError),
    /// The deploy gate or the deploy failed.
    #[error(transparent)]
    Deploy(#[from] hoist_deploy::DeployError),
    /// A `ci` plan with blocking problems cannot run.
    #[error("the `ci` plan cannot run: {}", problems.join("; "))]
    Blocked {
        /// The problems, each with its fix.
        problems: Vec<String>,
    },
    /// A step of a `ci` run failed.
    #[error(
        "the `ci` step `{step}` failed; the steps after it did not run, and those running beside it were stopped: {source}"
    )]
    CiStep {
        /// The step.
        step: String,
        /// Why.
        source: Box<PipelineError>,
    },
    /// The tests of a `ci` run failed.
    #[error("the tests failed (exit code {code}): {}", suites.join("; "))]
    TestsFailed {
        /// The first counted failure's exit code.
        code: i32,
        /// One line per suite.
        suites: Vec<String>,
    },
    /// A version cannot name an image.
    #[error(transparent)]
    Naming(#[from] hoist_naming::NamingError),
    /// The Dockerfile cannot be read.
    #[error(transparent)]
    Dockerfile(#[from] hoist_dockerfile::DockerfileError),
    /// Compose is missing or a compose file is.
    #[error(transparent)]
    Compose(#[from] hoist_compose::ComposeError),
    /// The engine or registry failed.
    #[error(transparent)]
    Image(#[from] hoist_image::ImageError),
    /// A program could not be started.
    #[error("cannot run `{command}`: {message}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        message: String,
    },
    /// A compose command of the pipeline (not a configured one) failed.
    #[error(
        "`{command}` failed with exit code {code}: {}",
        cause.as_deref().unwrap_or("its output is above")
    )]
    ComposeFailed {
        /// The command line.
        command: String,
        /// Its exit code.
        code: i32,
        /// The line of its output that says why, when one does.
        cause: Option<String>,
    },
    /// A configured step of the data image failed.
    #[error(
        "the data step `{}` {place} failed with exit code {code}: its output is above; the compose project was taken down",
        command.join(" ")
    )]
    StepFailed {
        /// Where it ran: ``in service `loader` `` or `on the host`.
        place: String,
        /// The configured command.
        command: Vec<String>,
        /// Its exit code.
        code: i32,
    },
    /// The data service never became ready.
    #[error(
        "the data service `{service}` was not ready after {attempts} attempts of `{}` one second apart: raise `data-image.wait-attempts` or check `compose logs {service}`",
        command.join(" ")
    )]
    NotReady {
        /// The data service.
        service: String,
        /// The readiness command.
        command: Vec<String>,
        /// How many times it was tried.
        attempts: u32,
    },
    /// A service a command runs in has no running container.
    #[error(
        "service `{service}` of compose project `{project}` has no running container to run the command in: its container exited or never started; its log says why (`docker-compose -p {project} logs {service}`)"
    )]
    NoRunningContainer {
        /// The service.
        service: String,
        /// The compose project.
        project: String,
    },
    /// The dependency-lock command failed.
    #[error("the dependency-lock command `{}` failed with exit code {code}: its output is above", command.join(" "))]
    LockFailed {
        /// The configured command.
        command: Vec<String>,
        /// Its exit code.
        code: i32,
    },
    /// The data stage was built but holds nothing under the data path.
    #[error(
        "the data image `{tag}` holds no file under `{path}`: stage `{stage}` unpacked the archive elsewhere; the archive holds `{path}` relative to `{from}` (`data-image.archive-from`), so unpack it with `tar xzf ARCHIVE -C {from}`"
    )]
    EmptyDataImage {
        /// The image's tag (removed again).
        tag: String,
        /// `data-image.data-path`.
        path: String,
        /// `data-image.archive-from`.
        from: String,
        /// The data stage.
        stage: String,
    },
    /// The archive of the data directory could not be written.
    #[error("cannot write the data archive `{}`: {message}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file could not be read or written.
    #[error("cannot access `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `ci` cannot tell which event it runs for.
    #[error("{message}")]
    CiContext {
        /// What is missing or contradictory, and how to say it.
        message: String,
    },
    /// A git command `ci` needs failed.
    #[error(transparent)]
    Git(#[from] hoist_git::GitError),
    /// A value names an environment variable that is not set.
    #[error("`{key}` names the environment variable `{name}`, which is not set: set it, or write the value itself")]
    UnsetVariable {
        /// The key (`test.suites.user`).
        key: String,
        /// The variable.
        name: String,
    },
    /// A setup command of `test` failed.
    #[error(
        "the setup command `{}` failed with exit code {code}: its output is above; the suites did not run and the compose project was taken down",
        command.join(" ")
    )]
    SetupFailed {
        /// The configured command.
        command: Vec<String>,
        /// Its exit code.
        code: i32,
    },
    /// A step's thread panicked (a bug in hoist); the other steps were stopped.
    #[error("the step `{step}` crashed: this is a bug in hoist; please report it with the `ci --dry-run` output")]
    Panicked {
        /// The step.
        step: String,
    },
    /// Another step of the run failed, so this one was stopped; what it started was torn down.
    #[error("stopped because another step failed; what it started was taken down")]
    Stopped,
    /// The user pressed Ctrl-C (or the process got SIGTERM); what was started was torn down.
    #[error("interrupted by {}: the compose project was taken down", signal_name(*signal))]
    Interrupted {
        /// The signal number.
        signal: i32,
    },
}

impl PipelineError {
    /// The exit status hoist ends with for this error: `128 + signal` when interrupted, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            PipelineError::Interrupted { signal } => u8::try_from(128 + signal).unwrap_or(130),
            _ => 1,
        }
    }
}

fn known_text(known: &[String], name: &str) -> String {
    if known.is_empty() {
        format!("add a `[compose.{name}]` table with its `files`")
    } else {
        format!("the configured ones are {}; add `[compose.{name}]` or name one of them", ticked(known))
    }
}

fn ticked(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "Ctrl-C (SIGINT)",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
