//! `doctor`: what hoist finds on this machine and in this project, and what is missing, each
//! with its fix. It is for a machine that is being set up: it needs no `hoist.toml`, and nothing
//! it finds missing stops it from looking at the rest.
//!
//! [`diagnose`] gathers the facts: the engine hoist would use and what chose it (as every
//! target chooses it, [`EngineTarget::resolve`]), the engine's version, whether its BuildKit
//! builds (a real build of `FROM scratch`, removed again: [`Engine::probe_buildkit`]), the
//! registries the Docker config has credentials for (names only), compose, git and the
//! project's remote (its URL without credentials), `hoist.toml`, and an interrupted bump. Each
//! problem is a typed [`DoctorProblem`] whose `Display` is the sentence and its fix; no secret
//! is ever part of a [`Diagnosis`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hoist_compose::{Compose, ComposeError};
use hoist_config::{Config, ConfigError};
use hoist_git::GitError;
use hoist_image::{DockerConfig, Engine, EngineConfig, EngineLink, EngineSource, EngineTarget, ImageError};
use serde::Serialize;
use thiserror::Error;

/// What `hoist doctor` found: the facts, then the problems.
#[derive(Debug, Serialize)]
pub struct Diagnosis {
    /// The Docker engine.
    pub engine: EngineFacts,
    /// The Docker config file credentials come from, when there is one.
    pub docker_config: Option<PathBuf>,
    /// The registries it has credentials for.
    pub registries: Vec<RegistryLogin>,
    /// The compose program, when there is one.
    pub compose: Option<ComposeFacts>,
    /// git and the project's repository.
    pub git: GitFacts,
    /// The project's `hoist.toml`, when there is one.
    pub hoist_toml: Option<PathBuf>,
    /// What is missing or broken, each with its fix; empty when nothing is.
    pub problems: Vec<DoctorProblem>,
}

impl Diagnosis {
    /// Whether nothing is missing.
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The Docker engine hoist would use. What could not be found out is `None`.
#[derive(Debug, Default, Serialize)]
pub struct EngineFacts {
    /// Its address as the docker CLI writes it (`unix:///var/run/docker.sock`).
    pub url: Option<String>,
    /// What chose it.
    pub source: Option<EngineSource>,
    /// The docker context it came from, when one did.
    pub context: Option<String>,
    /// Why this engine, in words.
    pub reason: Option<String>,
    /// The engine's version.
    pub version: Option<String>,
    /// The newest API version the engine speaks.
    pub api: Option<String>,
    /// The engine's operating system and architecture (`linux/amd64`).
    pub platform: Option<String>,
    /// Whether its BuildKit built the probe image.
    pub buildkit: Option<bool>,
}

/// A registry the Docker config has credentials for: its name and where they come from, never
/// the credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryLogin {
    /// `host[:port]`, or `*` for a `credsStore` that serves every registry.
    pub registry: String,
    /// `auths`, `docker-credential-NAME`.
    pub source: String,
}

/// The compose program hoist runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComposeFacts {
    /// `plugin` (`docker compose`, v2) or `standalone` (`docker-compose`, v1).
    pub kind: &'static str,
    /// The command, e.g. `docker compose`.
    pub command: String,
    /// The first line its `version` prints.
    pub version: Option<String>,
}

/// git, and the repository the project is in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GitFacts {
    /// What `git --version` says.
    pub version: Option<String>,
    /// The top directory of the work tree the project is in.
    pub work_tree: Option<PathBuf>,
    /// The remote hoist pushes tags to and reads deploys from (`deploy.remote`, default `origin`).
    pub remote: String,
    /// Its URL, credentials removed.
    pub url: Option<String>,
}

/// Something missing or broken, with its fix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DoctorProblem {
    /// The engine cannot be chosen (a bad address, a missing context or TLS file), opened or
    /// reached; the engine error's own message and fix.
    #[error("{0}")]
    Engine(ImageError),
    /// The engine's API is older than BuildKit's session API.
    #[error(
        "the Docker engine at `{url}` (API {api}) has no BuildKit, so hoist builds there with the classic builder (no `RUN --mount`, no inline cache)\nhelp: upgrade the engine to Docker 18.09 or later, or set `builder = \"classic\"` in `hoist.toml`"
    )]
    NoBuildkit {
        /// The engine.
        url: String,
        /// The API version both sides speak.
        api: String,
    },
    /// Building the probe image through BuildKit, or removing it, failed.
    #[error(
        "the BuildKit check (building `FROM scratch`, then removing the image) failed on the Docker engine at `{url}`: {message}\nhelp: the engine's own words say why; with an engine that cannot build through BuildKit, set `builder = \"classic\"` in `hoist.toml`"
    )]
    BuildkitFailed {
        /// The engine.
        url: String,
        /// What the build said, in a line.
        message: String,
    },
    /// `builder = "buildx"` without the `docker buildx` plugin.
    #[error("{0}")]
    Buildx(ImageError),
    /// The Docker config cannot be read.
    #[error("{0}")]
    DockerConfig(ImageError),
    /// No compose program, or a broken one.
    #[error("{0}")]
    Compose(ComposeError),
    /// No git, no repository, or no remote.
    #[error("{0}")]
    Git(GitError),
    /// No `hoist.toml` in the directory or its parents.
    #[error(
        "no `hoist.toml` in `{}` or any parent directory: `hoist init` writes one from the project's files (or pass `-C DIR` to name the project directory)",
        dir.display()
    )]
    NoConfig {
        /// Where it was looked for first.
        dir: PathBuf,
    },
    /// `hoist.toml` does not load.
    #[error("{0}")]
    Config(ConfigError),
    /// A bump is running or was interrupted.
    #[error("{0}")]
    Bump(hoist_version::VersionError),
}

impl DoctorProblem {
    /// A stable name for the kind of problem (`engine-unreachable`, `no-compose`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            DoctorProblem::Engine(ImageError::EngineUnreachable { .. }) => "engine-unreachable",
            DoctorProblem::Engine(_) => "engine",
            DoctorProblem::NoBuildkit { .. } => "no-buildkit",
            DoctorProblem::BuildkitFailed { .. } => "buildkit-failed",
            DoctorProblem::Buildx(_) => "no-buildx",
            DoctorProblem::DockerConfig(_) => "docker-config",
            DoctorProblem::Compose(ComposeError::NotInstalled) => "no-compose",
            DoctorProblem::Compose(_) => "compose",
            DoctorProblem::Git(GitError::NoGit { .. }) => "no-git",
            DoctorProblem::Git(GitError::NotARepository { .. }) => "not-a-repository",
            DoctorProblem::Git(GitError::NoSuchRemote { .. }) => "no-remote",
            DoctorProblem::Git(_) => "git",
            DoctorProblem::NoConfig { .. } => "no-config",
            DoctorProblem::Config(_) => "config",
            DoctorProblem::Bump(_) => "interrupted-bump",
        }
    }

    /// The problem and its fix: the message without its `help:` line, in one line, and the
    /// `help:` line's words when the message has one (else the fix is part of the message).
    pub fn parts(&self) -> (String, Option<String>) {
        let text = self.to_string();
        let mut message: Vec<&str> = Vec::new();
        let mut help = None;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line.strip_prefix("help: ") {
                Some(fix) if help.is_none() => help = Some(fix.to_owned()),
                _ => message.push(line),
            }
        }
        (message.join("; "), help)
    }
}

impl Serialize for DoctorProblem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let (message, help) = self.parts();
        let mut s = serializer.serialize_struct("DoctorProblem", 3)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &message)?;
        s.serialize_field("help", &help)?;
        s.end()
    }
}

/// What [`diagnose_with`] looks at.
pub struct DoctorInputs<'a> {
    /// The project directory (`-C DIR`, else the current one).
    pub dir: &'a Path,
    /// `--engine`, when given.
    pub engine_choice: Option<&'a str>,
    /// The environment the engine is chosen from; an empty value counts as unset.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The Docker config directory (`DOCKER_CONFIG`, else `~/.docker`): credentials and contexts.
    pub docker_config: Option<&'a Path>,
}

/// How long one engine request of the diagnosis may take: an engine that does not answer
/// within it is a problem to say, not a reason to wait.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(60);

/// The diagnosis of `dir` with the process's environment and Docker config.
pub fn diagnose(dir: &Path, engine_choice: Option<&str>) -> Diagnosis {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let docker_config = DockerConfig::dir();
    diagnose_with(&DoctorInputs { dir, engine_choice, env: &env, docker_config: docker_config.as_deref() })
}

/// The diagnosis of `inputs.dir`: every fact that can be found out, and every problem.
pub fn diagnose_with(inputs: &DoctorInputs<'_>) -> Diagnosis {
    let mut problems = Vec::new();
    // Messages name the directory as it is, not as `.`.
    let dir = std::path::absolute(inputs.dir).unwrap_or_else(|_| inputs.dir.to_owned());
    let config = match Config::discover(&dir) {
        Ok(config) => Ok(config),
        Err(ConfigError::NotFound { start }) => Err(DoctorProblem::NoConfig { dir: start }),
        Err(e) => Err(DoctorProblem::Config(e)),
    };
    let builder = config.as_ref().map_or(hoist_config::Builder::Buildkit, |c| c.builder);

    let engine = engine_facts(inputs, builder, &mut problems);
    if builder == hoist_config::Builder::Buildx && !hoist_image::buildx::available() {
        problems.push(DoctorProblem::Buildx(ImageError::BuildxMissing));
    }
    let (docker_config, registries) = match inputs.docker_config.map(DockerConfig::load_dir).transpose() {
        Ok(loaded) => {
            let loaded = loaded.unwrap_or_else(DockerConfig::empty);
            (loaded.path().map(Path::to_path_buf), registry_logins(&loaded))
        }
        Err(e) => {
            problems.push(DoctorProblem::DockerConfig(e));
            (None, Vec::new())
        }
    };
    let compose = compose_facts(&mut problems);
    let remote = config.as_ref().map_or_else(|_| "origin".to_owned(), |c| c.deploy.remote.clone());
    let git = git_facts(&dir, remote, &mut problems);
    let hoist_toml = match config {
        Ok(config) => Some(config.path),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    if let Err(e) = hoist_version::bump::ensure_no_interrupted_bump(&dir) {
        problems.push(DoctorProblem::Bump(e));
    }
    Diagnosis { engine, docker_config, registries, compose, git, hoist_toml, problems }
}

/// The engine as every target chooses it, reached the way they reach it.
fn engine_facts(
    inputs: &DoctorInputs<'_>,
    builder: hoist_config::Builder,
    problems: &mut Vec<DoctorProblem>,
) -> EngineFacts {
    let target = match EngineTarget::resolve_with(inputs.engine_choice, inputs.env, inputs.docker_config) {
        Ok(target) => target,
        Err(e) => {
            problems.push(DoctorProblem::Engine(e));
            return EngineFacts::default();
        }
    };
    let url = target.address.url();
    let mut facts = EngineFacts {
        url: Some(url.clone()),
        source: Some(target.source.clone()),
        context: target.context.clone(),
        reason: Some(target.reason()),
        ..EngineFacts::default()
    };
    let connected = EngineLink::open(target).and_then(|link| {
        Engine::connect(&EngineConfig {
            link: Some(Arc::new(link)),
            timeout: ENGINE_TIMEOUT,
            // The probe pulls nothing: no credential helper needs to run.
            credentials: Some(DockerConfig::empty()),
            ..EngineConfig::default()
        })
    });
    let engine = match connected {
        Ok(engine) => engine,
        Err(e) => {
            problems.push(DoctorProblem::Engine(e));
            return facts;
        }
    };
    match engine.server_version() {
        Ok(version) => {
            facts.version = Some(version.version).filter(|v| !v.is_empty());
            facts.api = Some(version.api_version).filter(|v| !v.is_empty());
            facts.platform = version.platform;
        }
        Err(e) => problems.push(DoctorProblem::Engine(e)),
    }
    let buildkit = engine.probe_buildkit();
    facts.buildkit = Some(matches!(buildkit, Ok(true)));
    // Without BuildKit, hoist's builds fall back to the classic builder: a problem unless that
    // is the builder `hoist.toml` chose.
    if builder != hoist_config::Builder::Classic {
        match buildkit {
            Ok(true) => {}
            Ok(false) => problems.push(DoctorProblem::NoBuildkit { url, api: engine.api_version().to_owned() }),
            Err(e) => problems.push(DoctorProblem::BuildkitFailed { url, message: first_line(&e.to_string()) }),
        }
    }
    facts
}

/// The registries of a Docker config, names and sources only.
fn registry_logins(config: &DockerConfig) -> Vec<RegistryLogin> {
    config.registries().into_iter().map(|(registry, source)| RegistryLogin { registry, source }).collect()
}

/// Which compose hoist would run, and its version line.
fn compose_facts(problems: &mut Vec<DoctorProblem>) -> Option<ComposeFacts> {
    let sh = match xshell::Shell::new() {
        Ok(sh) => sh,
        Err(e) => {
            problems.push(DoctorProblem::Compose(ComposeError::Spawn {
                command: "docker compose version".to_owned(),
                message: e.to_string(),
            }));
            return None;
        }
    };
    let compose = match Compose::detect(&sh) {
        Ok(compose) => compose,
        Err(e) => {
            problems.push(DoctorProblem::Compose(e));
            return None;
        }
    };
    let version = match compose.version(&sh) {
        Ok(line) => Some(line).filter(|l| !l.is_empty()),
        Err(e) => {
            problems.push(DoctorProblem::Compose(e));
            None
        }
    };
    let kind = match compose {
        Compose::Plugin => "plugin",
        Compose::Standalone => "standalone",
    };
    Some(ComposeFacts { kind, command: compose.program().join(" "), version })
}

/// git's version, the work tree `dir` is in and the URL of its `remote`.
fn git_facts(dir: &Path, remote: String, problems: &mut Vec<DoctorProblem>) -> GitFacts {
    let mut facts = GitFacts { remote, ..GitFacts::default() };
    let version = xshell::Shell::new()
        .map_err(|e| GitError::NoGit { message: e.to_string() })
        .and_then(|sh| hoist_git::run(&sh, &["--version"]));
    match version {
        Ok(version) => facts.version = Some(version),
        Err(e) => {
            problems.push(DoctorProblem::Git(e));
            return facts;
        }
    }
    let repo = match hoist_git::Repo::open(dir) {
        Ok(repo) => repo,
        Err(e) => {
            problems.push(DoctorProblem::Git(e));
            return facts;
        }
    };
    facts.work_tree = Some(repo.root().to_owned());
    match repo.remote_url(&facts.remote) {
        Some(url) => facts.url = Some(hoist_git::without_credentials(&url)),
        None => problems.push(DoctorProblem::Git(GitError::NoSuchRemote {
            remote: facts.remote.clone(),
            known: repo.remotes().unwrap_or_default(),
        })),
    }
    facts
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    fn kinds(diagnosis: &Diagnosis) -> Vec<&'static str> {
        diagnosis.problems.iter().map(DoctorProblem::kind).collect()
    }

    #[test]
    fn an_engine_that_is_not_there_is_a_problem_with_its_fix() {
        let project = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        let vars = [("DOCKER_HOST", "unix:///nonexistent/hoist-doctor.sock")];
        let env = env(&vars);
        let inputs =
            DoctorInputs { dir: project.path(), engine_choice: None, env: &env, docker_config: Some(config.path()) };
        let diagnosis = diagnose_with(&inputs);
        assert_eq!(diagnosis.engine.url.as_deref(), Some("unix:///nonexistent/hoist-doctor.sock"));
        assert_eq!(diagnosis.engine.reason.as_deref(), Some("`DOCKER_HOST`"));
        assert_eq!((diagnosis.engine.version.as_deref(), diagnosis.engine.buildkit), (None, None));
        let engine = &diagnosis.problems[0];
        assert_eq!(engine.kind(), "engine-unreachable");
        let (message, help) = engine.parts();
        assert_eq!(
            message,
            "cannot reach the Docker engine at `unix:///nonexistent/hoist-doctor.sock`: the socket does not exist"
        );
        assert!(help.as_deref().is_some_and(|h| h.contains("point `DOCKER_HOST` at a running one")), "{help:?}");
        // Outside a repository, without `hoist.toml`: said too, and the rest still looked at.
        let kinds = kinds(&diagnosis);
        assert!(kinds.contains(&"not-a-repository") && kinds.contains(&"no-config"), "{kinds:?}");
        assert!(diagnosis.git.version.as_deref().is_some_and(|v| v.starts_with("git version")));
        assert_eq!((diagnosis.docker_config, diagnosis.registries), (None, vec![]));
    }

    #[test]
    fn an_engine_that_cannot_be_chosen_is_a_problem_not_a_crash() {
        let project = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        let vars = [("DOCKER_CONTEXT", "nope")];
        let env = env(&vars);
        let inputs =
            DoctorInputs { dir: project.path(), engine_choice: None, env: &env, docker_config: Some(config.path()) };
        let diagnosis = diagnose_with(&inputs);
        assert_eq!(diagnosis.engine.url, None);
        let (message, help) = diagnosis.problems[0].parts();
        assert_eq!(
            (diagnosis.problems[0].kind(), message.as_str()),
            ("engine", "there is no docker context `nope`: the contexts are `default`")
        );
        assert!(help.is_some_and(|h| h.starts_with("create it with `docker context create`")));
    }

    #[test]
    fn registries_are_listed_without_their_secrets() {
        let project = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        // `user:hunter2-secret`, and a helper for another registry.
        std::fs::write(
            config.path().join("config.json"),
            r#"{"auths":{"registry.example.com":{"auth":"dXNlcjpodW50ZXIyLXNlY3JldA=="},"empty.example.com":{}},"credHelpers":{"ghcr.io":"pass"}}"#,
        )
        .unwrap();
        let vars = [("DOCKER_HOST", "unix:///nonexistent/hoist-doctor.sock")];
        let env = env(&vars);
        let inputs =
            DoctorInputs { dir: project.path(), engine_choice: None, env: &env, docker_config: Some(config.path()) };
        let diagnosis = diagnose_with(&inputs);
        assert_eq!(
            diagnosis.registries,
            [
                RegistryLogin { registry: "registry.example.com".into(), source: "auths".into() },
                RegistryLogin { registry: "ghcr.io".into(), source: "docker-credential-pass".into() },
            ]
        );
        assert_eq!(diagnosis.docker_config, Some(config.path().join("config.json")));
        let json = serde_json::to_string(&diagnosis).unwrap();
        let debug = format!("{diagnosis:?}");
        for secret in ["hunter2", "dXNlcjpodW50ZXIyLXNlY3JldA"] {
            assert!(!json.contains(secret) && !debug.contains(secret), "{json}\n{debug}");
        }
    }

    #[test]
    fn the_remote_is_shown_without_credentials_and_a_missing_one_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let sh = xshell::Shell::new().unwrap();
        sh.change_dir(dir.path());
        xshell::cmd!(sh, "git init --quiet").run().unwrap();
        let mut problems = Vec::new();
        let facts = git_facts(dir.path(), "origin".to_owned(), &mut problems);
        assert_eq!(
            facts.work_tree.as_deref().map(std::fs::canonicalize).and_then(Result::ok),
            dir.path().canonicalize().ok()
        );
        assert_eq!(facts.url, None);
        assert_eq!(problems.iter().map(DoctorProblem::kind).collect::<Vec<_>>(), ["no-remote"]);
        assert!(problems[0].to_string().contains("git remote add origin URL"), "{}", problems[0]);

        xshell::cmd!(sh, "git remote add origin https://hoist:t0ken-s3cret@git.example.com/team/app.git")
            .run()
            .unwrap();
        let mut problems = Vec::new();
        let facts = git_facts(dir.path(), "origin".to_owned(), &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(facts.url.as_deref(), Some("https://git.example.com/team/app.git"));
    }

    #[test]
    fn a_problem_is_a_kind_a_message_and_a_fix() {
        let problem = DoctorProblem::NoBuildkit { url: "tcp://old:2375".into(), api: "1.38".into() };
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["kind"], "no-buildkit");
        assert_eq!(
            json["message"],
            "the Docker engine at `tcp://old:2375` (API 1.38) has no BuildKit, so hoist builds there with the classic builder (no `RUN --mount`, no inline cache)"
        );
        assert!(json["help"].as_str().unwrap().starts_with("upgrade the engine"));
        let problem = DoctorProblem::Compose(ComposeError::NotInstalled);
        let (message, help) = problem.parts();
        assert!(message.starts_with("neither `docker compose` nor `docker-compose` is installed: install"));
        assert_eq!((problem.kind(), help), ("no-compose", None));
    }
}
