//! A compose project as the pipeline drives it: its argv, the `HOIST_*` variables compose files
//! read, and a guard that takes the project down however the target ends.

use std::path::{Path, PathBuf};

use hoist_compose::Compose;
use hoist_config::{ComposeProject, Config};
use serde::Serialize;
use xshell::{Shell, cmd};

use crate::error::PipelineError;
use crate::runner::{self, Output, Signals};

/// The variables hoist sets for compose, so compose files can name the images hoist ensured
/// (`image: ${HOIST_IMAGE:-registry.example.com/app:v1.2.3-tester}`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ComposeEnv {
    /// `HOIST_REGISTRY`: the image repository.
    pub registry: String,
    /// `HOIST_VERSION`: the version, with the pull-request number.
    pub version: String,
    /// `HOIST_TAG`: `REGISTRY:VERSION`.
    pub tag: String,
    /// `HOIST_IMAGE`: the image the target ensured (the tester image for `test`).
    pub image: String,
    /// `HOIST_IMAGE_STAGE` for every named stage of the Dockerfile (`HOIST_IMAGE_TESTER`,
    /// `HOIST_IMAGE_RELEASE`) and for the data image (`HOIST_IMAGE_SOLR`, after its suffix):
    /// the names this run gives those images, pull-request number included.
    pub images: std::collections::BTreeMap<String, String>,
    /// The docker CLI's variables that make compose (and a host step's own `docker`) reach the
    /// engine hoist uses: `DOCKER_HOST`, and `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` for TLS;
    /// `None`: removed (`DOCKER_CONTEXT`, which would choose another).
    pub engine: Vec<(String, Option<String>)>,
    /// The engine's address when it runs on another machine (bind mounts then name that
    /// machine's paths); `None` for a local engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_engine: Option<String>,
}

impl ComposeEnv {
    /// The variables for a target that ensured `image`, named by `naming`: also the name of
    /// every named stage's image and of the data image (`HOIST_IMAGE_STAGE`).
    pub fn for_image(
        config: &Config,
        naming: &hoist_naming::Naming,
        image: &str,
        engine: &hoist_image::EngineLink,
    ) -> Result<ComposeEnv, PipelineError> {
        let dockerfile = hoist_dockerfile::parse_file(&config.dockerfile_path())?;
        let mut images = std::collections::BTreeMap::new();
        for stage in dockerfile.stages.iter().filter_map(|s| s.name.as_deref()) {
            images.insert(variable(stage), naming.step_image(stage).tags.remove(0));
        }
        if !config.data_image.steps.is_empty() {
            let suffix = &config.data_image.suffix;
            images.insert(variable(suffix), format!("{}-{suffix}", naming.tag()));
        }
        Ok(ComposeEnv {
            registry: naming.registry().to_owned(),
            version: naming.version(),
            tag: naming.tag(),
            image: image.to_owned(),
            images,
            engine: engine
                .child_env()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_string_lossy().into_owned())))
                .collect(),
            remote_engine: engine.target().address.is_remote().then(|| engine.target().address.url()),
        })
    }

    pub(crate) fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs = vec![
            ("HOIST_REGISTRY", self.registry.as_str()),
            ("HOIST_VERSION", self.version.as_str()),
            ("HOIST_TAG", self.tag.as_str()),
            ("HOIST_IMAGE", self.image.as_str()),
        ];
        pairs.extend(self.images.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        pairs
    }

    /// Sets every variable on `command`: the `HOIST_*` ones and the engine's.
    pub(crate) fn apply(&self, command: &mut std::process::Command) {
        for (key, value) in self.pairs() {
            command.env(key, value);
        }
        for (key, value) in &self.engine {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
    }
}

/// `value` with `$NAME` and `${NAME}` replaced by the environment variable's value (`$$` is a
/// `$`): how `user` values such as `"${UID}"` are read. `UID` and `GID`, which shells set but
/// do not export, fall back to hoist's own user and group ids. A variable that is not set is an
/// error naming `key`.
pub(crate) fn expand(value: &str, key: &str) -> Result<String, PipelineError> {
    let lookup = |name: &str| -> Result<String, PipelineError> {
        if let Some(found) = std::env::var_os(name) {
            return Ok(found.to_string_lossy().into_owned());
        }
        // SAFETY: getuid(2) and getgid(2) always succeed and touch no memory.
        match name {
            "UID" => Ok(unsafe { libc::getuid() }.to_string()),
            "GID" => Ok(unsafe { libc::getgid() }.to_string()),
            _ => Err(PipelineError::UnsetVariable { key: key.to_owned(), name: name.to_owned() }),
        }
    };
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(inner) = rest.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| PipelineError::UnsetVariable { key: key.to_owned(), name: format!("{{{inner}") })?;
            out.push_str(&lookup(&inner[..end])?);
            rest = &inner[end + 1..];
        } else {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            if end == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&rest[..end])?);
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// `HOIST_IMAGE_` and `name` in capitals, other characters than letters and digits as `_`.
fn variable(name: &str) -> String {
    let tail: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("HOIST_IMAGE_{tail}")
}

/// A compose project of `hoist.toml`, ready to run commands on.
#[derive(Clone, Debug)]
pub struct Session {
    compose: Compose,
    root: PathBuf,
    project: ComposeProject,
    env: ComposeEnv,
}

/// Looks up the compose project `name`, named by the key `key`.
pub(crate) fn project<'c>(config: &'c Config, name: &str, key: &str) -> Result<&'c ComposeProject, PipelineError> {
    config.compose.get(name).ok_or_else(|| PipelineError::NoComposeProject {
        name: name.to_owned(),
        key: key.to_owned(),
        known: config.compose.keys().cloned().collect(),
    })
}

impl Session {
    /// A session on `project` (files relative to `root`) with `env` set for compose.
    pub fn new(compose: Compose, root: &Path, project: &ComposeProject, env: ComposeEnv) -> Session {
        Session { compose, root: root.to_owned(), project: project.clone(), env }
    }

    /// The compose project name (`-p`).
    pub fn name(&self) -> &str {
        &self.project.project
    }

    /// The full command line of `args`, as a list.
    pub fn argv(&self, args: &[&str]) -> Result<Vec<String>, PipelineError> {
        Ok(self.compose.argv(&self.root, &self.project, args)?)
    }

    fn command(&self, args: &[&str]) -> Result<std::process::Command, PipelineError> {
        let argv = self.argv(args)?;
        let (program, rest) = argv.split_first().expect("argv has a program");
        let sh = Shell::new().map_err(|e| PipelineError::Spawn { command: argv.join(" "), message: e.to_string() })?;
        sh.change_dir(&self.root);
        let mut command: std::process::Command = cmd!(sh, "{program} {rest...}").quiet().into();
        self.env.apply(&mut command);
        Ok(command)
    }

    /// `command` to run on the host in the project directory, with the `HOIST_*` variables and
    /// the project's compose command in its environment: `COMPOSE_FILE` and
    /// `COMPOSE_PROJECT_NAME` (which `docker compose` and `docker-compose` read, so a script's
    /// own `docker compose exec …` reaches this project) and `HOIST_COMPOSE` (the whole command
    /// prefix, e.g. `docker-compose -f FILE -p NAME`).
    pub(crate) fn host_command(&self, command: &[String]) -> Result<std::process::Command, PipelineError> {
        let (program, rest) = command
            .split_first()
            .ok_or_else(|| PipelineError::Spawn { command: String::new(), message: "an empty command".into() })?;
        let prefix = self.argv(&[])?;
        let files: Vec<String> = self.project.files.iter().map(|f| self.root.join(f).display().to_string()).collect();
        let mut process = std::process::Command::new(program);
        process.args(rest).current_dir(&self.root);
        self.env.apply(&mut process);
        process
            .env("COMPOSE_FILE", files.join(":"))
            .env("COMPOSE_PROJECT_NAME", &self.project.project)
            .env("HOIST_COMPOSE", prefix.join(" "));
        Ok(process)
    }

    /// Runs `args`, output streamed to stderr; returns the exit code.
    pub(crate) fn status(&self, args: &[&str], output: Output, signals: Signals) -> Result<i32, PipelineError> {
        runner::run(self.command(args)?, output, signals)
    }

    /// Runs `args` and fails unless it succeeds; the error quotes the line of compose's output
    /// that says why (its output still streams as it comes).
    pub(crate) fn check(&self, args: &[&str]) -> Result<(), PipelineError> {
        let recent = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let outer = runner::line_sink();
        let kept = recent.clone();
        let sink: runner::LineSink = std::sync::Arc::new(move |line: String| {
            if let Ok(mut kept) = kept.lock() {
                if kept.len() == 50 {
                    kept.pop_front();
                }
                kept.push_back(line.clone());
            }
            match &outer {
                Some(outer) => outer(line),
                None => eprintln!("{line}"),
            }
        });
        match runner::with_lines(sink, || self.status(args, Output::Stderr, Signals::Forward))? {
            0 => Ok(()),
            code => {
                runner::check_interrupted()?;
                let lines: Vec<String> = recent.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default();
                Err(PipelineError::ComposeFailed { command: self.argv(args)?.join(" "), code, cause: cause(&lines) })
            }
        }
    }

    /// Whether any container of the project exists (`ps -q -a` prints an id).
    pub(crate) fn has_containers(&self) -> Result<bool, PipelineError> {
        let args = ["ps", "-q", "-a"];
        let mut command = self.command(&args)?;
        command.stdin(std::process::Stdio::null());
        let output = command.output().map_err(|e| PipelineError::Spawn {
            command: self.argv(&args).unwrap_or_default().join(" "),
            message: e.to_string(),
        })?;
        if !output.status.success() {
            return Err(PipelineError::ComposeFailed {
                command: self.argv(&args)?.join(" "),
                code: output.status.code().unwrap_or(1),
                cause: cause(&String::from_utf8_lossy(&output.stderr).lines().map(str::to_owned).collect::<Vec<_>>()),
            });
        }
        Ok(!String::from_utf8_lossy(&output.stdout).trim().is_empty())
    }

    /// `down --volumes --remove-orphans`, never interrupted by Ctrl-C.
    pub(crate) fn down(&self) -> Result<(), PipelineError> {
        let args = ["down", "--volumes", "--remove-orphans"];
        match self.status(&args, Output::Stderr, Signals::Shield)? {
            0 => Ok(()),
            code => Err(PipelineError::ComposeFailed { command: self.argv(&args)?.join(" "), code, cause: None }),
        }
    }

    /// Runs `exec` in the running container of its service, through the engine's API (no
    /// compose process starts for it); its standard output goes to `output`, its standard
    /// error to stderr. Returns the exit code. A signal, or another step's failure, stops the
    /// wait; the command then ends with its container when the project is taken down.
    pub(crate) fn exec(
        &self,
        engine: &hoist_image::Engine,
        exec: &ServiceExec,
        output: Output,
    ) -> Result<i32, PipelineError> {
        runner::check_interrupted()?;
        let not_running =
            || PipelineError::NoRunningContainer { service: exec.service.clone(), project: self.name().to_owned() };
        let container = engine.service_container(self.name(), &exec.service)?.ok_or_else(not_running)?;
        let request = hoist_image::ExecRequest {
            container: &container,
            command: &exec.command,
            user: exec.user.as_deref(),
            env: &exec.env,
        };
        let to_stderr = || -> Box<dyn std::io::Write> {
            match runner::line_sink() {
                Some(sink) => Box::new(runner::LineWriter::new(sink)),
                None => Box::new(std::io::stderr()),
            }
        };
        let (mut stdout, mut stderr): (Box<dyn std::io::Write>, Box<dyn std::io::Write>) = match output {
            Output::Stderr => (to_stderr(), to_stderr()),
            Output::File(file) => (Box::new(std::io::BufWriter::new(file)), to_stderr()),
            Output::Null => (Box::new(std::io::sink()), Box::new(std::io::sink())),
        };
        match engine.exec(&request, &mut stdout, &mut stderr, &runner::should_stop)? {
            hoist_image::ExecEnd::Exited(code) => Ok(i32::try_from(code).unwrap_or(1)),
            hoist_image::ExecEnd::Stopped => runner::check_interrupted().map(|()| 130),
            hoist_image::ExecEnd::NotRunning => Err(not_running()),
        }
    }
}

/// A command run in the running container of a compose service, as `compose exec -T SERVICE
/// COMMAND…` runs it (no terminal, standard input closed, the container's working directory),
/// but through the engine's API: no compose process starts for it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ServiceExec {
    /// The service whose container runs it.
    pub service: String,
    /// The user it runs as (`-u`), or the container's.
    pub user: Option<String>,
    /// `NAME=VALUE` pairs added to the container's environment (`-e`).
    pub env: Vec<String>,
    /// The command, one argument per value.
    pub command: Vec<String>,
}

impl ServiceExec {
    pub(crate) fn new(service: &str, user: Option<&str>, env: Vec<String>, command: &[String]) -> ServiceExec {
        ServiceExec { service: service.to_owned(), user: user.map(str::to_owned), env, command: command.to_vec() }
    }
}

/// `in `SERVICE` [as user USER] [with NAME=VALUE…]: COMMAND…`.
impl std::fmt::Display for ServiceExec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "in `{}`", self.service)?;
        if let Some(user) = &self.user {
            write!(f, " as user {user}")?;
        }
        if !self.env.is_empty() {
            write!(f, " with {}", self.env.join(" "))?;
        }
        write!(f, ": {}", self.command.join(" "))
    }
}

/// The line of a failed compose command's output that says why: the last that mentions an
/// error (`ERROR: …` from compose v1, `Error response from daemon: …`), else the last line.
fn cause(lines: &[String]) -> Option<String> {
    let lines: Vec<&str> = lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
    let line = lines.iter().rev().find(|l| l.to_lowercase().contains("error")).or(lines.last())?;
    Some(line.strip_prefix("ERROR: ").unwrap_or(line).to_owned())
}

/// Takes the project down when dropped, unless [`Teardown::keep`] or [`Teardown::finish`] ran.
pub(crate) struct Teardown<'s> {
    session: &'s Session,
    armed: bool,
}

impl<'s> Teardown<'s> {
    pub(crate) fn new(session: &'s Session) -> Teardown<'s> {
        Teardown { session, armed: true }
    }

    /// Leave the project up.
    pub(crate) fn keep(mut self) {
        self.armed = false;
    }

    /// Take the project down now, reporting a failure.
    pub(crate) fn finish(mut self) -> Result<(), PipelineError> {
        self.armed = false;
        runner::say(format!("taking compose project `{}` down", self.session.name()));
        self.session.down()
    }
}

impl Drop for Teardown<'_> {
    fn drop(&mut self) {
        if self.armed {
            runner::say(format!("taking compose project `{}` down", self.session.name()));
            if let Err(e) = self.session.down() {
                runner::say(format!("warning: {e}"));
            }
        }
    }
}
