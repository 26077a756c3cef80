//! Which Docker engine hoist talks to, and why: chosen as the docker CLI chooses it, so that
//! `hoist build` and `docker ps` see the same engine.
//!
//! The order: `--engine` (an address or a context name), `HOIST_ENGINE` (the same), then
//! `DOCKER_HOST`, `DOCKER_CONTEXT`, the current context of the Docker config
//! (`docker context use`), and the local socket. TLS settings come from `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH` for an address, from the context's stored files for a context; the
//! engine's certificate is always verified. An `ssh://` engine is reached as the docker CLI
//! reaches it: `ssh … docker system dial-stdio` on the remote host, one per connection, behind
//! a private local socket ([`EngineLink`]) that hoist's own client and every program hoist runs
//! (compose, buildx, host steps) use alike.
//!
//! [`EngineTarget::resolve`] only reads files; [`EngineLink::open`] starts the SSH forwarding.

use std::ffi::OsString;
use std::io::Read as _;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sha2::Digest as _;

use crate::credentials::DockerConfig;
use crate::error::ImageError;

/// The variable that chooses the engine for hoist only, before `DOCKER_HOST`.
pub const ENGINE_VARIABLE: &str = "HOIST_ENGINE";

/// The variable holding the SSH command line for `ssh://` engines (default `ssh`).
pub const SSH_COMMAND_VARIABLE: &str = "HOIST_SSH_COMMAND";

/// The local socket when nothing chooses an engine.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The engine hoist will use: its address and what chose it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineTarget {
    /// Where the engine is.
    pub address: EngineAddress,
    /// What chose it.
    pub source: EngineSource,
    /// The docker context it came from, when one did.
    pub context: Option<String>,
}

/// Where an engine is, and how it is reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EngineAddress {
    /// A Unix socket on this machine.
    Unix {
        /// The socket's path.
        path: PathBuf,
    },
    /// Plain TCP, no TLS (`tcp://HOST:PORT`): anyone on the network can drive the engine.
    Tcp {
        /// `HOST:PORT`.
        authority: String,
    },
    /// TCP with TLS: the engine's certificate verified against `ca.pem`, hoist's own
    /// (`cert.pem`, `key.pem`) presented; all three in `certs`.
    Tls {
        /// `HOST:PORT`.
        authority: String,
        /// The directory holding `ca.pem`, `cert.pem` and `key.pem`.
        certs: PathBuf,
    },
    /// SSH to a host that runs the engine (`ssh://[USER@]HOST[:PORT]`).
    Ssh {
        /// The user, when given.
        user: Option<String>,
        /// The host name or address.
        host: String,
        /// The port, when given.
        port: Option<u16>,
    },
}

/// What chose the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EngineSource {
    /// The `--engine` option.
    Flag,
    /// `HOIST_ENGINE`.
    HoistEngine,
    /// `DOCKER_HOST`.
    DockerHost,
    /// `DOCKER_CONTEXT`.
    DockerContext,
    /// The current context of the Docker config (`docker context use`).
    CurrentContext {
        /// The Docker config file that names it.
        config: PathBuf,
    },
    /// Nothing: the local socket.
    Default,
}

impl EngineAddress {
    /// The address as the docker CLI writes it (`unix:///…`, `tcp://…`, `ssh://…`).
    pub fn url(&self) -> String {
        match self {
            EngineAddress::Unix { path } => format!("unix://{}", path.display()),
            EngineAddress::Tcp { authority } | EngineAddress::Tls { authority, .. } => format!("tcp://{authority}"),
            EngineAddress::Ssh { user, host, port } => {
                let user = user.as_deref().map(|u| format!("{u}@")).unwrap_or_default();
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("ssh://{user}{host}{port}")
            }
        }
    }

    /// Whether the engine runs on another machine as far as hoist can tell: anything but a
    /// Unix socket and a loopback TCP address. Its bind mounts name that machine's paths.
    pub fn is_remote(&self) -> bool {
        match self {
            EngineAddress::Unix { .. } => false,
            EngineAddress::Tcp { authority } | EngineAddress::Tls { authority, .. } => {
                !crate::reference::is_loopback_host(authority)
            }
            EngineAddress::Ssh { .. } => true,
        }
    }

    /// Parses an engine address; `tls` says whether `tcp://` means TLS (`DOCKER_TLS_VERIFY`),
    /// with its files in `certs`.
    fn parse(text: &str, tls: Option<&Path>) -> Result<EngineAddress, ImageError> {
        let bad = || ImageError::BadEngineHost { host: without_password(text) };
        let (scheme, rest) = text.split_once("://").ok_or_else(bad)?;
        match scheme {
            "unix" => {
                if !rest.starts_with('/') {
                    return Err(bad());
                }
                Ok(EngineAddress::Unix { path: PathBuf::from(rest) })
            }
            "tcp" | "http" | "https" => {
                let authority = rest.strip_suffix('/').unwrap_or(rest);
                let tls = if scheme == "https" { Some(tls_dir(tls)) } else { tls.map(Path::to_path_buf) };
                let authority = tcp_authority(authority, if tls.is_some() { 2376 } else { 2375 }).ok_or_else(bad)?;
                Ok(match tls {
                    Some(certs) => EngineAddress::Tls { authority, certs },
                    None => EngineAddress::Tcp { authority },
                })
            }
            "ssh" => parse_ssh(rest).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

/// `text` with a password in its user part (`tcp://user:secret@host`, `ssh://u:secret@h`)
/// replaced by `***`, for messages: an address is echoed when it is refused.
fn without_password(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else { return text.to_owned() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some((user, host)) = rest[..end].rsplit_once('@') else { return text.to_owned() };
    // An SSH user name is no secret, what follows a `:` in it is; so is the user part of a
    // TCP address (no engine takes one).
    let user = match (scheme, user.split_once(':')) {
        ("ssh", None) => user.to_owned(),
        ("ssh", Some((name, _))) => format!("{name}:***"),
        _ => "***".to_owned(),
    };
    format!("{scheme}://{user}@{host}{}", &rest[end..])
}

/// `https://` without `DOCKER_TLS_VERIFY`: the default certificate directory.
fn tls_dir(given: Option<&Path>) -> PathBuf {
    given.map(Path::to_path_buf).or_else(DockerConfig::dir).unwrap_or_else(|| PathBuf::from(".docker"))
}

/// `HOST[:PORT]` with the default port added; `None` for an empty host, a path, a bad port or
/// a character no host name holds.
fn tcp_authority(text: &str, default_port: u16) -> Option<String> {
    if text.is_empty()
        || text.contains(['/', '@', '?', '#'])
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    // `[::1]:2376`, `host:2376`, `host`.
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (format!("[{host}]"), after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (text.to_owned(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    let port = match port {
        Some(port) => port.parse::<u16>().ok().filter(|p| *p != 0)?,
        None => default_port,
    };
    Some(format!("{host}:{port}"))
}

/// `[USER@]HOST[:PORT]`, refusing what ssh would read as an option (a leading `-`) and a path.
fn parse_ssh(text: &str) -> Option<EngineAddress> {
    let text = text.strip_suffix('/').unwrap_or(text);
    let (user, rest) = match text.rsplit_once('@') {
        Some((user, rest)) => (Some(user.to_owned()), rest),
        None => (None, text),
    };
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '@'))
    };
    if user.as_deref().is_some_and(|u| !plain(u)) {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port.parse::<u16>().ok().filter(|p| *p != 0)?)),
        _ => (rest, None),
    };
    if !plain(host) || host.contains(':') {
        return None;
    }
    Some(EngineAddress::Ssh { user, host: host.to_owned(), port })
}

impl EngineTarget {
    /// The engine for this process: `flag` (the `--engine` option), then the environment and
    /// the Docker config, as the module documentation says.
    pub fn resolve(flag: Option<&str>) -> Result<EngineTarget, ImageError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        EngineTarget::resolve_with(flag, &env, DockerConfig::dir().as_deref())
    }

    /// [`EngineTarget::resolve`] with the environment read through `env` and the Docker config
    /// in `config_dir`.
    pub fn resolve_with(
        flag: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        config_dir: Option<&Path>,
    ) -> Result<EngineTarget, ImageError> {
        if env("DOCKER_TLS").is_some() && env("DOCKER_TLS_VERIFY").is_none() {
            return Err(ImageError::TlsUnverified { setting: "`DOCKER_TLS`".to_owned() });
        }
        let tls = env("DOCKER_TLS_VERIFY")
            .map(|_| env("DOCKER_CERT_PATH").map(PathBuf::from).or_else(|| config_dir.map(Path::to_path_buf)))
            .map(|dir| dir.unwrap_or_else(|| PathBuf::from(".docker")));
        let chosen = |value: String, source: EngineSource| -> Result<EngineTarget, ImageError> {
            if value.contains("://") {
                let address = EngineAddress::parse(&value, tls.as_deref())?;
                return EngineTarget::checked(EngineTarget { address, source, context: None });
            }
            context(&value, source, config_dir)
        };
        if let Some(flag) = flag.filter(|f| !f.is_empty()) {
            return chosen(flag.to_owned(), EngineSource::Flag);
        }
        if let Some(value) = env(ENGINE_VARIABLE) {
            return chosen(value, EngineSource::HoistEngine);
        }
        if let Some(host) = env("DOCKER_HOST") {
            let address = EngineAddress::parse(&host, tls.as_deref())?;
            return EngineTarget::checked(EngineTarget { address, source: EngineSource::DockerHost, context: None });
        }
        if let Some(name) = env("DOCKER_CONTEXT") {
            return context(&name, EngineSource::DockerContext, config_dir);
        }
        if let Some(dir) = config_dir {
            let config = DockerConfig::load_dir(dir)?;
            if let (Some(name), Some(path)) = (config.current_context(), config.path()) {
                return context(name, EngineSource::CurrentContext { config: path.to_owned() }, config_dir);
            }
        }
        Ok(EngineTarget::local(EngineSource::Default, None))
    }

    fn local(source: EngineSource, context: Option<String>) -> EngineTarget {
        EngineTarget { address: EngineAddress::Unix { path: PathBuf::from(DEFAULT_SOCKET) }, source, context }
    }

    /// A TLS address whose three files are there and readable as PEM.
    fn checked(target: EngineTarget) -> Result<EngineTarget, ImageError> {
        if let EngineAddress::Tls { certs, .. } = &target.address {
            for (file, what) in [("ca.pem", "certificate"), ("cert.pem", "certificate"), ("key.pem", "key")] {
                check_pem(&certs.join(file), what, &target)?;
            }
        }
        Ok(target)
    }

    /// Why this engine, in words: "`DOCKER_HOST`", "the current docker context `remote`".
    pub fn reason(&self) -> String {
        let context = self.context.as_deref().map(|c| format!(" (docker context `{c}`)")).unwrap_or_default();
        match &self.source {
            EngineSource::Flag => format!("`--engine`{context}"),
            EngineSource::HoistEngine => format!("`{ENGINE_VARIABLE}`{context}"),
            EngineSource::DockerHost => "`DOCKER_HOST`".to_owned(),
            EngineSource::DockerContext => format!("`DOCKER_CONTEXT`{context}"),
            EngineSource::CurrentContext { config } => format!(
                "the current docker context `{}` (`{}`)",
                self.context.as_deref().unwrap_or_default(),
                config.display()
            ),
            EngineSource::Default => match &self.context {
                Some(_) => "the docker context `default`: the local socket".to_owned(),
                None => "nothing chooses one: the local socket".to_owned(),
            },
        }
    }
}

/// The context `name` of the Docker config in `config_dir`, as `docker context use` stores it:
/// `contexts/meta/SHA256(NAME)/meta.json`, its TLS files in `contexts/tls/SHA256(NAME)/docker/`.
fn context(name: &str, source: EngineSource, config_dir: Option<&Path>) -> Result<EngineTarget, ImageError> {
    if name == "default" {
        return Ok(EngineTarget::local(source, Some(name.to_owned())));
    }
    let dir = config_dir.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".docker"));
    let id = hex(&sha2::Sha256::digest(name.as_bytes()));
    let meta = dir.join("contexts/meta").join(&id).join("meta.json");
    let missing = || ImageError::NoSuchContext { name: name.to_owned(), known: known_contexts(&dir) };
    let text = match std::fs::metadata(&meta) {
        Ok(m) if m.is_file() && m.len() <= 1 << 20 => std::fs::read_to_string(&meta).map_err(|e| {
            ImageError::BadContext { name: name.to_owned(), path: meta.clone(), message: e.to_string() }
        })?,
        Ok(_) => {
            return Err(ImageError::BadContext {
                name: name.to_owned(),
                path: meta,
                message: "it is not a regular file of at most 1 MiB".to_owned(),
            });
        }
        Err(_) => return Err(missing()),
    };
    let parsed: ContextMeta = serde_json::from_str(&text).map_err(|e| ImageError::BadContext {
        name: name.to_owned(),
        path: meta.clone(),
        message: e.to_string(),
    })?;
    let Some(endpoint) = parsed.endpoints.docker.filter(|e| !e.host.is_empty()) else {
        return Err(ImageError::BadContext {
            name: name.to_owned(),
            path: meta,
            message: "it has no docker endpoint (`Endpoints.docker.Host`)".to_owned(),
        });
    };
    if endpoint.skip_tls_verify {
        return Err(ImageError::TlsUnverified { setting: format!("the docker context `{name}` (skip-tls-verify)") });
    }
    let tls = dir.join("contexts/tls").join(&id).join("docker");
    let tls = (endpoint.host.starts_with("tcp://") && tls.is_dir()).then_some(tls);
    let address = EngineAddress::parse(&endpoint.host, tls.as_deref())?;
    EngineTarget::checked(EngineTarget { address, source, context: Some(name.to_owned()) })
}

/// The names of the contexts stored under `dir`, sorted.
fn known_contexts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("contexts/meta"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let meta = entry.path().join("meta.json");
            std::fs::metadata(&meta).ok().filter(|m| m.is_file() && m.len() <= 1 << 20)?;
            let parsed: ContextMeta = serde_json::from_str(&std::fs::read_to_string(meta).ok()?).ok()?;
            Some(parsed.name)
        })
        .collect();
    names.push("default".to_owned());
    names.sort();
    names.dedup();
    names
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContextMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    endpoints: ContextEndpoints,
}

#[derive(Default, serde::Deserialize)]
struct ContextEndpoints {
    #[serde(default)]
    docker: Option<ContextEndpoint>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContextEndpoint {
    #[serde(default)]
    host: String,
    #[serde(default, rename = "SkipTLSVerify")]
    skip_tls_verify: bool,
}

/// A TLS file that is a regular file holding at least one PEM `what` (a certificate, a key).
fn check_pem(path: &Path, what: &'static str, target: &EngineTarget) -> Result<(), ImageError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |message: String| ImageError::TlsFile {
        engine: target.address.url(),
        path: path.to_owned(),
        message,
        reason: target.reason(),
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err(bad("it is not a regular file".to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(bad("it does not exist".to_owned())),
        Err(e) => return Err(bad(e.to_string())),
    }
    let parsed = if what == "key" {
        PrivateKeyDer::from_pem_file(path).map(drop)
    } else {
        CertificateDer::pem_file_iter(path)
            .and_then(|mut certs| certs.next().unwrap_or(Err(rustls::pki_types::pem::Error::NoItemsFound)).map(drop))
    };
    parsed.map_err(|e| bad(format!("it holds no PEM {what} ({e})")))
}

/// A connection to the engine's address that every client uses: hoist's own, and the programs
/// it runs. For SSH, a private local socket whose connections are each forwarded through
/// `ssh … docker system dial-stdio`; for the others, the address itself.
#[derive(Debug)]
pub struct EngineLink {
    target: EngineTarget,
    forward: Option<SshForward>,
}

impl EngineLink {
    /// Opens `target`: starts the SSH forwarding for an `ssh://` engine (no SSH connection is
    /// made until a client connects).
    pub fn open(target: EngineTarget) -> Result<EngineLink, ImageError> {
        let forward = match &target.address {
            EngineAddress::Ssh { user, host, port } => Some(SshForward::start(user.as_deref(), host, *port)?),
            _ => None,
        };
        Ok(EngineLink { target, forward })
    }

    /// The engine this link reaches.
    pub fn target(&self) -> &EngineTarget {
        &self.target
    }

    /// The address clients connect to: the engine's, or the local forwarding socket.
    pub fn local_url(&self) -> String {
        match &self.forward {
            Some(forward) => format!("unix://{}", forward.socket.display()),
            None => self.target.address.url(),
        }
    }

    /// What SSH said when a forwarded connection failed (its last line), if one did.
    pub fn ssh_error(&self) -> Option<String> {
        self.forward.as_ref().and_then(|f| f.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// [`EngineLink::ssh_error`] after a client saw its connection fail: the forwarding thread
    /// records ssh's words before it closes the connection, so they are there by now; a short
    /// wait covers a client that gave up on its own (a timeout).
    pub(crate) fn ssh_error_after_failure(&self) -> Option<String> {
        for _ in 0..20 {
            if let Some(said) = self.ssh_error() {
                return Some(said);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    /// The docker CLI's variables that make a program hoist runs (compose, buildx, a host
    /// step's own `docker`) reach the same engine: `DOCKER_HOST`, with `DOCKER_TLS_VERIFY` and
    /// `DOCKER_CERT_PATH` for TLS; `None` values are removed (`DOCKER_CONTEXT`, which would
    /// otherwise win in some programs, stale TLS settings, and for a TLS engine
    /// `REQUESTS_CA_BUNDLE` and `CURL_CA_BUNDLE`, which compose v1 would verify it against).
    pub fn child_env(&self) -> Vec<(&'static str, Option<OsString>)> {
        let mut env = vec![
            ("DOCKER_HOST", Some(OsString::from(self.local_url()))),
            ("DOCKER_CONTEXT", None),
            ("DOCKER_TLS", None),
        ];
        match &self.target.address {
            EngineAddress::Tls { certs, .. } => {
                env.push(("DOCKER_TLS_VERIFY", Some("1".into())));
                env.push(("DOCKER_CERT_PATH", Some(certs.clone().into_os_string())));
                // Python's docker client (compose v1) verifies the engine against these when
                // they are set, not against `ca.pem` (a `requests` quirk): the engine's
                // certificate would be refused.
                env.push(("REQUESTS_CA_BUNDLE", None));
                env.push(("CURL_CA_BUNDLE", None));
            }
            _ => {
                env.push(("DOCKER_TLS_VERIFY", None));
                env.push(("DOCKER_CERT_PATH", None));
            }
        }
        env
    }

    /// Sets [`EngineLink::child_env`] on `command`.
    pub fn apply(&self, command: &mut Command) {
        for (key, value) in self.child_env() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
    }
}

/// The local end of an `ssh://` engine: a socket in a private directory (mode 0700), and a
/// thread that runs `ssh … docker system dial-stdio` for each connection and copies bytes both
/// ways. The directory goes when the link is dropped.
struct SshForward {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    last_error: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for SshForward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshForward").field("socket", &self.socket).finish_non_exhaustive()
    }
}

/// The SSH command line: `HOIST_SSH_COMMAND` split into words (quotes group, as in a shell),
/// else `ssh`.
pub fn ssh_command() -> Result<Vec<String>, ImageError> {
    match std::env::var(SSH_COMMAND_VARIABLE).ok().filter(|v| !v.trim().is_empty()) {
        Some(text) => split_words(&text).ok_or(ImageError::BadSshCommand { text }),
        None => Ok(vec!["ssh".to_owned()]),
    }
}

/// The argument list that runs `docker system dial-stdio` on the engine's host.
pub fn ssh_argv(ssh: &[String], user: Option<&str>, host: &str, port: Option<u16>) -> Vec<String> {
    let mut argv = ssh.to_vec();
    // Never a password prompt: hoist has no terminal to give ssh, and a prompt would hang. The
    // user's own options come first and win (ssh takes the first value of an option).
    argv.extend(["-o".to_owned(), "BatchMode=yes".to_owned(), "-o".to_owned(), "ConnectTimeout=30".to_owned()]);
    if let Some(user) = user {
        argv.extend(["-l".to_owned(), user.to_owned()]);
    }
    if let Some(port) = port {
        argv.extend(["-p".to_owned(), port.to_string()]);
    }
    argv.extend(["--".to_owned(), host.to_owned(), "docker".to_owned(), "system".to_owned(), "dial-stdio".to_owned()]);
    argv
}

/// Words as a shell splits them, without expansions: spaces separate, `'…'` and `"…"` group,
/// `\` escapes. `None` for an unclosed quote.
fn split_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => w.push(chars.next()?),
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// The name of an SSH forward's directory starts with this and its process id.
const FORWARD_DIR_PREFIX: &str = "hoist-engine-";

/// Removes the SSH forward directories in `temp` that a killed hoist left (owned by this
/// user, named for a process that no longer runs): each holds only a dead socket.
fn remove_stale_forward_dirs(temp: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(FORWARD_DIR_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else { continue };
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        if meta.is_dir() && Some(meta.uid()) == uid && !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl SshForward {
    fn start(user: Option<&str>, host: &str, port: Option<u16>) -> Result<SshForward, ImageError> {
        let argv = ssh_argv(&ssh_command()?, user, host, port);
        let io = |e: std::io::Error| ImageError::SshForward { message: e.to_string() };
        remove_stale_forward_dirs(&std::env::temp_dir());
        // Only this user may reach the socket: whoever connects drives the engine.
        let dir = tempfile::Builder::new()
            .prefix(&format!("{FORWARD_DIR_PREFIX}{}-", std::process::id()))
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()
            .map_err(io)?;
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).map_err(io)?;
        let last_error = Arc::new(Mutex::new(None));
        let errors = Arc::clone(&last_error);
        std::thread::Builder::new()
            .name("hoist-ssh-forward".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let argv = argv.clone();
                    let errors = Arc::clone(&errors);
                    let _ = std::thread::Builder::new()
                        .name("hoist-ssh-conn".into())
                        .spawn(move || forward_one(stream, &argv, &errors));
                }
            })
            .map_err(io)?;
        Ok(SshForward { _dir: dir, socket, last_error })
    }
}

/// Runs `argv` and copies `stream` to its input and its output to `stream` until both end;
/// what it wrote on stderr, when it failed, becomes the link's last SSH error.
fn forward_one(stream: UnixStream, argv: &[String], errors: &Mutex<Option<String>>) {
    let set_error = |message: String| *errors.lock().unwrap_or_else(|e| e.into_inner()) = Some(message);
    let (program, args) = argv.split_first().expect("an ssh command");
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return set_error(format!("cannot run `{program}`: {e}")),
    };
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    let Ok(mut from_client) = stream.try_clone() else { return };
    let upstream = std::thread::spawn(move || {
        pump(&mut from_client, &mut stdin);
        // Dropping stdin ends `dial-stdio` on the other side.
    });
    let diagnostics = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut text);
        text
    });
    let mut to_client = &stream;
    pump(&mut stdout, &mut to_client);
    // ssh ends when the remote command does, its input still open: wait for it and keep what
    // it said before the client sees the connection close, so the client's error can say it.
    let text = diagnostics.join().unwrap_or_default();
    let status = child.wait();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        let text = String::from_utf8_lossy(&text);
        // The last line that says something: ssh's own warnings come first.
        if let Some(line) = text.lines().map(str::trim).rfind(|l| !l.is_empty()) {
            set_error(line.to_owned());
        } else if let Ok(status) = &status {
            set_error(format!("`{program}` ended with {status}"));
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = upstream.join();
}

/// Copies `from` to `to` until `from` ends or either fails, each read written at once. Not
/// `std::io::copy`: between a socket and a pipe it splices, and a spliced socket buffer left
/// ssh's read of its input blocked until a signal came.
fn pump(from: &mut dyn std::io::Read, to: &mut dyn std::io::Write) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).and_then(|()| to.flush()).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    fn resolve(flag: Option<&str>, vars: &[(&str, &str)], dir: &Path) -> Result<EngineTarget, ImageError> {
        EngineTarget::resolve_with(flag, &env(vars), Some(dir))
    }

    /// Writes a context as `docker context create` does.
    fn make_context(dir: &Path, name: &str, host: &str, tls: bool, skip: bool) {
        let id = hex(&sha2::Sha256::digest(name.as_bytes()));
        let meta = dir.join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            format!(r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":{skip}}}}}}}"#),
        )
        .unwrap();
        if tls {
            let tls = dir.join("contexts/tls").join(&id).join("docker");
            std::fs::create_dir_all(&tls).unwrap();
            write_pems(&tls);
        }
    }

    /// Files that parse as PEM (a certificate and a key need not match to be read).
    fn write_pems(dir: &Path) {
        let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2kJ\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
        std::fs::write(dir.join("ca.pem"), cert).unwrap();
        std::fs::write(dir.join("cert.pem"), cert).unwrap();
        std::fs::write(dir.join("key.pem"), key).unwrap();
    }

    #[test]
    fn forward_dirs_of_dead_processes_are_removed() {
        let temp = tempfile::tempdir().unwrap();
        let mine = temp.path().join(format!("{FORWARD_DIR_PREFIX}{}-abc", std::process::id()));
        // A pid above the kernel's limit (pid_max is at most 2^22) runs no process.
        let dead = temp.path().join(format!("{FORWARD_DIR_PREFIX}4999999-abc"));
        let other = temp.path().join("hoist-other-1-abc");
        for dir in [&mine, &dead, &other] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(dead.join("docker.sock"), "").unwrap();
        remove_stale_forward_dirs(temp.path());
        assert!(mine.exists(), "a running process's directory stays");
        assert!(!dead.exists(), "a dead process's directory goes");
        assert!(other.exists(), "other directories stay");
    }

    #[test]
    fn the_engine_is_chosen_in_the_docker_clis_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        make_context(d, "remote", "tcp://10.0.0.9:2376", true, false);
        make_context(d, "other", "ssh://me@build.example:2222", false, false);
        std::fs::write(d.join("config.json"), r#"{"auths":{},"currentContext":"remote"}"#).unwrap();

        let t = resolve(None, &[], d).unwrap();
        assert_eq!(t.source, EngineSource::CurrentContext { config: d.join("config.json") });
        assert_eq!(t.context.as_deref(), Some("remote"));
        let certs = d.join("contexts/tls").join(hex(&sha2::Sha256::digest(b"remote"))).join("docker");
        assert_eq!(t.address, EngineAddress::Tls { authority: "10.0.0.9:2376".into(), certs });
        assert_eq!(t.reason(), format!("the current docker context `remote` (`{}`)", d.join("config.json").display()));

        let t = resolve(None, &[("DOCKER_CONTEXT", "other")], d).unwrap();
        assert_eq!(t.source, EngineSource::DockerContext);
        assert_eq!(
            t.address,
            EngineAddress::Ssh { user: Some("me".into()), host: "build.example".into(), port: Some(2222) }
        );
        assert_eq!(t.address.url(), "ssh://me@build.example:2222");

        let t = resolve(None, &[("DOCKER_CONTEXT", "other"), ("DOCKER_HOST", "tcp://h:1")], d).unwrap();
        assert_eq!((t.source, t.address), (EngineSource::DockerHost, EngineAddress::Tcp { authority: "h:1".into() }));

        let t = resolve(None, &[("DOCKER_HOST", "tcp://h:1"), ("HOIST_ENGINE", "other")], d).unwrap();
        assert_eq!((t.source, t.context.as_deref()), (EngineSource::HoistEngine, Some("other")));

        let t = resolve(Some("unix:///run/x.sock"), &[("HOIST_ENGINE", "other")], d).unwrap();
        assert_eq!((t.source, t.address), (EngineSource::Flag, EngineAddress::Unix { path: "/run/x.sock".into() }));

        let t = resolve(Some("default"), &[], d).unwrap();
        assert_eq!(t.address, EngineAddress::Unix { path: DEFAULT_SOCKET.into() });

        std::fs::write(d.join("config.json"), "{}").unwrap();
        let t = resolve(None, &[], d).unwrap();
        assert_eq!((t.source, t.address.url()), (EngineSource::Default, "unix:///var/run/docker.sock".to_owned()));
    }

    #[test]
    fn tls_comes_from_docker_tls_verify_and_docker_cert_path() {
        let dir = tempfile::tempdir().unwrap();
        write_pems(dir.path());
        let certs = dir.path().display().to_string();
        let vars =
            [("DOCKER_HOST", "tcp://127.0.0.1"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certs.as_str())];
        let t = resolve(None, &vars, Path::new("/nonexistent")).unwrap();
        assert_eq!(t.address, EngineAddress::Tls { authority: "127.0.0.1:2376".into(), certs: dir.path().into() });
        let link = EngineLink::open(t).unwrap();
        let env = link.child_env();
        assert!(env.contains(&("DOCKER_TLS_VERIFY", Some("1".into()))), "{env:?}");
        assert!(env.contains(&("DOCKER_HOST", Some("tcp://127.0.0.1:2376".into()))), "{env:?}");
        assert!(env.contains(&("DOCKER_CONTEXT", None)), "{env:?}");

        std::fs::remove_file(dir.path().join("key.pem")).unwrap();
        let err = resolve(None, &vars, Path::new("/nonexistent")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot use the TLS file `{certs}/key.pem` for the Docker engine at `tcp://127.0.0.1:2376` (chosen by `DOCKER_HOST`): it does not exist\nhelp: point `DOCKER_CERT_PATH` (or the docker context) at a directory holding `ca.pem`, `cert.pem` and `key.pem`"
            )
        );
        let err = resolve(None, &[("DOCKER_HOST", "tcp://h"), ("DOCKER_TLS", "1")], dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("`DOCKER_TLS` asks for TLS without verifying the engine's certificate"),
            "{err}"
        );
    }

    #[test]
    fn a_context_that_is_missing_or_skips_verification_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        make_context(dir.path(), "lax", "tcp://10.0.0.9:2376", false, true);
        let err = resolve(None, &[("DOCKER_CONTEXT", "nope")], dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "there is no docker context `nope`: the contexts are `default` and `lax`\nhelp: create it with `docker context create`, or choose another with `DOCKER_CONTEXT` or `docker context use`"
        );
        let err = resolve(Some("lax"), &[], dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("the docker context `lax` (skip-tls-verify) asks for TLS without verifying"),
            "{err}"
        );
    }

    #[test]
    fn addresses_are_parsed_as_the_docker_cli_writes_them() {
        let parse = |text: &str| EngineAddress::parse(text, None).map(|a| a.url());
        assert_eq!(parse("tcp://host").unwrap(), "tcp://host:2375");
        assert_eq!(parse("tcp://[::1]:2376/").unwrap(), "tcp://[::1]:2376");
        assert_eq!(parse("ssh://host").unwrap(), "ssh://host");
        assert_eq!(parse("ssh://u@h:22").unwrap(), "ssh://u@h:22");
        for bad in [
            "host:2375",
            "tcp://",
            "tcp://h:0",
            "tcp://h:x",
            "tcp://h/path",
            "ssh://-oProxyCommand=x",
            "ssh://-l@h",
            "ssh://h/x",
            "npipe:////./pipe/docker",
            "unix://rel",
            "ssh://h:",
            "tcp://a b",
        ] {
            assert!(matches!(EngineAddress::parse(bad, None), Err(ImageError::BadEngineHost { .. })), "{bad}");
        }
        assert!(!EngineAddress::parse("tcp://127.0.0.1:2376", None).unwrap().is_remote());
        assert!(EngineAddress::parse("tcp://10.1.2.3:2376", None).unwrap().is_remote());
        assert!(EngineAddress::parse("ssh://localhost", None).unwrap().is_remote());
    }

    #[test]
    fn a_refused_address_is_shown_without_its_password() {
        let shown = |text: &str| match EngineAddress::parse(text, None) {
            Err(ImageError::BadEngineHost { host }) => host,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(shown("tcp://user:hunter2@host:2375"), "tcp://***@host:2375");
        assert_eq!(shown("ssh://me:hunter2@host/x"), "ssh://me:***@host/x");
        assert_eq!(shown("ssh://me@host/x"), "ssh://me@host/x");
        assert_eq!(shown("tcp://token@host"), "tcp://***@host");
    }

    #[test]
    fn the_ssh_command_is_split_as_a_shell_splits_words() {
        assert_eq!(
            split_words("ssh -i '/a b/key' -o \"X=1 2\" a\\ b").unwrap(),
            ["ssh", "-i", "/a b/key", "-o", "X=1 2", "a b"]
        );
        assert_eq!(split_words("  "), Some(vec![]));
        assert_eq!(split_words("ssh 'open"), None);
        assert_eq!(
            ssh_argv(&["ssh".into()], Some("me"), "h", Some(2222)),
            [
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=30",
                "-l",
                "me",
                "-p",
                "2222",
                "--",
                "h",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
    }
}
