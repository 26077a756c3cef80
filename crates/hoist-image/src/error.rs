//! Every way the image engine fails, with all of the wording in one place.
//!
//! Each message names the thing (engine address, registry, reference, path) and ends with a
//! `help:` line saying how to fix it. No variant holds a credential.

use std::path::PathBuf;

use thiserror::Error;

/// Why the Docker engine could not be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineDown {
    /// The socket file does not exist.
    SocketMissing,
    /// The socket exists but this user may not open it.
    PermissionDenied,
    /// Nothing listens (a stale socket file, or a closed TCP port).
    Refused,
    /// SSH could not reach the engine's host or run `docker system dial-stdio` there; what
    /// ssh said.
    Ssh(String),
    /// The engine's TLS certificate is not trusted; why, in words.
    ServerCertificate(String),
    /// The engine refused hoist's client certificate; which file and the TLS alert, in words.
    ClientCertificateRefused(String),
    /// TLS was asked for and the engine answered in plain HTTP (or the other way round).
    TlsMismatch {
        /// Whether hoist spoke TLS.
        hoist_tls: bool,
    },
    /// Another failure, as the transport reported it.
    Other(String),
}

/// An error of the image engine.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The engine does not answer.
    #[error("cannot reach the Docker engine at `{host}`: {}\nhelp: {}", down_reason(.reason), down_help(.reason, .host))]
    EngineUnreachable { host: String, reason: EngineDown },

    /// `DOCKER_HOST` (or the configured host) is not an address hoist can use.
    #[error(
        "`{host}` is not a Docker engine address\nhelp: use `unix:///PATH`, `tcp://HOST:PORT` (with `DOCKER_TLS_VERIFY=1` for TLS) or `ssh://[USER@]HOST[:PORT]`, or the name of a docker context"
    )]
    BadEngineHost { host: String },

    /// TLS without verifying the engine's certificate was asked for.
    #[error(
        "{setting} asks for TLS without verifying the engine's certificate, which hoist does not do\nhelp: give hoist the engine's CA: set `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` to a directory holding `ca.pem`, `cert.pem` and `key.pem` (for a context: `docker context update NAME --docker host=…,ca=…,cert=…,key=…`)"
    )]
    TlsUnverified { setting: String },

    /// A docker context that is not stored.
    #[error(
        "there is no docker context `{name}`: the contexts are {}\nhelp: create it with `docker context create`, or choose another with `DOCKER_CONTEXT` or `docker context use`",
        ticked(known)
    )]
    NoSuchContext { name: String, known: Vec<String> },

    /// A docker context whose stored description cannot be used.
    #[error("cannot use the docker context `{name}` (`{}`): {message}\nhelp: recreate it with `docker context rm {name}` and `docker context create {name} --docker host=…`", path.display())]
    BadContext { name: String, path: PathBuf, message: String },

    /// A TLS file of the engine is missing or not PEM.
    #[error(
        "cannot use the TLS file `{}` for the Docker engine at `{engine}` (chosen by {reason}): {message}\nhelp: point `DOCKER_CERT_PATH` (or the docker context) at a directory holding `ca.pem`, `cert.pem` and `key.pem`",
        path.display()
    )]
    TlsFile { engine: String, path: PathBuf, message: String, reason: String },

    /// `HOIST_SSH_COMMAND` cannot be split into words.
    #[error("`HOIST_SSH_COMMAND` has an unclosed quote: `{text}`\nhelp: close the quote, e.g. `ssh -i '/path/to/key'`")]
    BadSshCommand { text: String },

    /// The local socket of an `ssh://` engine could not be made.
    #[error(
        "cannot make the local socket for the SSH engine: {message}\nhelp: make sure `TMPDIR` (or /tmp) is a writable directory"
    )]
    SshForward { message: String },

    /// The engine answered an API call with an error.
    #[error("the Docker engine failed to {action}: {message}")]
    Engine { action: String, message: String },

    /// The build context directory is missing.
    #[error("the build context `{}` does not exist\nhelp: set `context` in `hoist.toml` to a directory of the project", path.display())]
    ContextMissing { path: PathBuf },

    /// The build context is a file, not a directory.
    #[error("the build context `{}` is not a directory\nhelp: set `context` in `hoist.toml` to a directory of the project", path.display())]
    ContextNotADirectory { path: PathBuf },

    /// The Dockerfile is missing.
    #[error("the Dockerfile `{}` does not exist\nhelp: set `dockerfile` in `hoist.toml` to the Dockerfile's path", path.display())]
    DockerfileMissing { path: PathBuf },

    /// The Dockerfile cannot be parsed.
    #[error(transparent)]
    Dockerfile(#[from] hoist_dockerfile::DockerfileError),

    /// A file of the context cannot be read.
    #[error("cannot read `{}` of the build context: {source}\nhelp: fix its permissions, or exclude it in `.dockerignore`", path.display())]
    ContextRead { path: PathBuf, source: std::io::Error },

    /// A `.dockerignore` line is not a valid pattern.
    #[error("`.dockerignore` line {line}: `{pattern}` is not a valid pattern: {message}\nhelp: fix or remove the line")]
    Dockerignore { line: usize, pattern: String, message: String },

    /// The build target is not a stage of the Dockerfile.
    #[error("`{target}` is not a stage of `{}`; its stages are {}\nhelp: pass one of them as the target", dockerfile.display(), ticked(.stages))]
    UnknownTarget { target: String, dockerfile: PathBuf, stages: Vec<String> },

    /// A step of the build failed; `log` is its whole output.
    #[error("{}", step_failed(.instruction, .exit_code, .log, .message))]
    StepFailed { instruction: String, exit_code: Option<i64>, log: String, message: String },

    /// The build failed outside of a step (a Dockerfile error the engine found, a missing base image…).
    #[error("the build failed: {message}")]
    BuildFailed { message: String },

    /// The `buildx` builder was chosen, but `docker buildx` is not installed.
    #[error(
        "`builder = \"buildx\"` needs the `docker buildx` plugin, which is not installed\nhelp: install it, or set `builder = \"buildkit\"` in `hoist.toml` (the engine's own BuildKit, with inline cache)"
    )]
    BuildxMissing,

    /// `docker buildx build` failed.
    #[error("`docker buildx build` failed with exit code {code}\nhelp: its output above says why")]
    BuildxFailed { code: i32 },

    /// An image reference cannot be parsed.
    #[error(
        "`{reference}` is not an image reference: {reason}\nhelp: write `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]` in lowercase, e.g. `registry.example.com/app:v1`"
    )]
    InvalidReference { reference: String, reason: String },

    /// A local image that should exist does not.
    #[error("there is no local image `{reference}`\nhelp: build it first, or pull it")]
    NoSuchImage { reference: String },

    /// The registry has no such manifest (on pull).
    #[error("the registry `{registry}` has no image `{reference}`\nhelp: check the tag, or build and push it first")]
    NotInRegistry { registry: String, reference: String },

    /// The registry cannot be reached at all.
    #[error(
        "cannot reach the registry `{registry}`: {reason}\nhelp: check the address and that the registry is running"
    )]
    RegistryUnreachable { registry: String, reason: String },

    /// TLS was attempted against a registry that speaks plain HTTP.
    #[error(
        "the registry `{registry}` does not speak TLS (it answered plain HTTP)\nhelp: add `{registry}` to `insecure-registries` in `hoist.toml`, and to the engine's `insecure-registries` in `/etc/docker/daemon.json`"
    )]
    RegistryPlainHttp { registry: String },

    /// The registry refused the request for lack of (valid) credentials.
    #[error("the registry `{registry}` refused {} for `{reference}` (401 unauthorized)\nhelp: run `docker login {registry}`{}", if *.had_credentials { "the credentials of the Docker config" } else { "anonymous access" }, if *.had_credentials { " again with a valid user and password or token" } else { "" })]
    Unauthorized { registry: String, reference: String, had_credentials: bool },

    /// The registry denied access with valid credentials.
    #[error(
        "the registry `{registry}` denied access to `{reference}` (403 forbidden)\nhelp: ask for push/pull rights on that repository, or use another one"
    )]
    Forbidden { registry: String, reference: String },

    /// Another registry failure.
    #[error("the registry `{registry}` failed for `{reference}`: {message}")]
    Registry { registry: String, reference: String, message: String },

    /// The Docker config file (`config.json`) cannot be read.
    #[error("cannot read the Docker config `{}`: {message}\nhelp: fix the file, or run `docker login` to rewrite it", path.display())]
    DockerConfig { path: PathBuf, message: String },

    /// A credential helper failed.
    #[error(
        "the credential helper `docker-credential-{helper}` failed for `{registry}`: {message}\nhelp: check that `docker-credential-{helper}` is installed and on `PATH`, or remove it from the Docker config"
    )]
    CredentialHelper { helper: String, registry: String, message: String },

    /// The async runtime could not start (out of file descriptors or threads).
    #[error(
        "cannot start the I/O runtime: {0}\nhelp: this usually means the process ran out of file descriptors; raise `ulimit -n`"
    )]
    Runtime(std::io::Error),
}

impl ImageError {
    pub(crate) fn engine(action: impl Into<String>, message: impl Into<String>) -> ImageError {
        ImageError::Engine { action: action.into(), message: message.into() }
    }
}

fn down_reason(reason: &EngineDown) -> String {
    match reason {
        EngineDown::Ssh(said) => format!("ssh said: {said}"),
        EngineDown::ServerCertificate(why) => format!("its TLS certificate is not trusted: {why}"),
        EngineDown::ClientCertificateRefused(alert) => {
            format!("it refused hoist's client certificate ({alert})")
        }
        EngineDown::TlsMismatch { hoist_tls: true } => {
            "hoist spoke TLS and the engine did not answer in TLS".to_owned()
        }
        EngineDown::TlsMismatch { hoist_tls: false } => "the engine speaks TLS and hoist did not".to_owned(),
        EngineDown::SocketMissing => "the socket does not exist".to_owned(),
        EngineDown::PermissionDenied => "permission denied on the socket".to_owned(),
        EngineDown::Refused => "nothing is listening there".to_owned(),
        EngineDown::Other(message) => message.clone(),
    }
}

fn down_help(reason: &EngineDown, host: &str) -> String {
    match reason {
        EngineDown::Ssh(_) => format!(
            "check that `ssh {}` runs: the key (`ssh-add`, or `-i` in `HOIST_SSH_COMMAND`), the host key in `known_hosts`, and `docker` on the remote `PATH`",
            ssh_example(host)
        ),
        EngineDown::ServerCertificate(_) => {
            "use the CA that signed the engine's certificate as `ca.pem` (`DOCKER_CERT_PATH`, or the docker context), and a certificate valid for the address".to_owned()
        }
        EngineDown::ClientCertificateRefused(_) => {
            "use a client certificate (`cert.pem`, `key.pem`) signed by the CA the engine trusts (its `--tlscacert`)".to_owned()
        }
        EngineDown::TlsMismatch { hoist_tls: true } => {
            "the engine listens without TLS there: unset `DOCKER_TLS_VERIFY`, or use the engine's TLS port".to_owned()
        }
        EngineDown::TlsMismatch { hoist_tls: false } => {
            "set `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` (or use a docker context with its TLS files)".to_owned()
        }
        EngineDown::PermissionDenied => {
            "add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log in again), or run as root"
                .to_owned()
        }
        _ if host.starts_with("unix://") => {
            "start the engine (`sudo systemctl start docker`, or `sudo dockerd &`), or point `DOCKER_HOST` at a running one"
                .to_owned()
        }
        _ => format!("start the engine at `{host}`, or point `DOCKER_HOST` at a running one"),
    }
}

/// `ssh://u@h:22` as the ssh command that runs there.
fn ssh_example(host: &str) -> String {
    let rest = host.strip_prefix("ssh://").unwrap_or(host);
    let (user, rest) = match rest.rsplit_once('@') {
        Some((user, rest)) => (format!("{user}@"), rest),
        None => (String::new(), rest),
    };
    match rest.rsplit_once(':') {
        Some((h, port)) => format!("-p {port} {user}{h} docker system dial-stdio"),
        None => format!("{user}{rest} docker system dial-stdio"),
    }
}

fn step_failed(instruction: &str, exit_code: &Option<i64>, log: &str, message: &str) -> String {
    let mut out = match exit_code {
        Some(code) => format!("the build step `{instruction}` failed with exit code {code}"),
        None => format!("the build step `{instruction}` failed: {message}"),
    };
    let log = log.trim_end();
    if log.is_empty() {
        out.push_str("\nthe step printed nothing");
    } else {
        out.push_str("\nits output:");
        for line in log.lines() {
            out.push_str("\n  | ");
            out.push_str(line);
        }
    }
    out.push_str("\nhelp: fix the command in the Dockerfile; its output is above");
    out
}

fn ticked(names: &[String]) -> String {
    match names {
        [] => "none".to_owned(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            format!("{} and `{last}`", init.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
        }
    }
}
