//! Registry credentials, read from the Docker config that `docker login` and CI login actions
//! write: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, with `credHelpers` (per
//! registry), `credsStore` (all registries) and `auths` (inline), in Docker's order.
//!
//! A secret never leaves this module in printable form: [`Credentials`]'s `Debug` redacts it,
//! errors carry registry names only, and the engine/registry clients get it directly.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use base64::Engine as _;
use serde::Deserialize;

use crate::error::ImageError;
use crate::reference::DOCKER_HUB;

/// The key Docker Hub's credentials are stored under.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A user and a password (or access token used as a password).
    Basic {
        /// The user name.
        username: String,
        /// The password; never printed.
        password: String,
    },
    /// An identity (refresh) token, as some registries' `docker login` stores it.
    IdentityToken(String),
}

impl Credentials {
    /// A user and password.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials::Basic { username: username.into(), password: password.into() }
    }

    /// The user name, when there is one.
    pub fn username(&self) -> Option<&str> {
        match self {
            Credentials::Basic { username, .. } => Some(username),
            Credentials::IdentityToken(_) => None,
        }
    }

    pub(crate) fn to_docker(&self, server: &str) -> bollard::auth::DockerCredentials {
        let mut docker =
            bollard::auth::DockerCredentials { serveraddress: Some(server.to_owned()), ..Default::default() };
        match self {
            Credentials::Basic { username, password } => {
                docker.username = Some(username.clone());
                docker.password = Some(password.clone());
            }
            Credentials::IdentityToken(token) => docker.identitytoken = Some(token.clone()),
        }
        docker
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => {
                f.debug_struct("Basic").field("username", username).field("password", &"<redacted>").finish()
            }
            Credentials::IdentityToken(_) => f.debug_tuple("IdentityToken").field(&"<redacted>").finish(),
        }
    }
}

/// Where credentials come from: a Docker config file, plus any given explicitly.
#[derive(Default)]
pub struct DockerConfig {
    path: Option<PathBuf>,
    auths: BTreeMap<String, AuthEntry>,
    cred_helpers: BTreeMap<String, String>,
    creds_store: Option<String>,
    explicit: BTreeMap<String, Credentials>,
    current_context: Option<String>,
    cache: Mutex<HashMap<String, Option<Credentials>>>,
    /// Where helpers are looked up instead of `PATH` (tests only).
    helper_dir: Option<PathBuf>,
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("path", &self.path)
            .field("auths", &self.auths.keys().collect::<Vec<_>>())
            .field("cred_helpers", &self.cred_helpers)
            .field("creds_store", &self.creds_store)
            .field("explicit", &self.explicit.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Clone for DockerConfig {
    fn clone(&self) -> DockerConfig {
        DockerConfig {
            path: self.path.clone(),
            auths: self.auths.clone(),
            cred_helpers: self.cred_helpers.clone(),
            creds_store: self.creds_store.clone(),
            explicit: self.explicit.clone(),
            current_context: self.current_context.clone(),
            cache: Mutex::new(HashMap::new()),
            helper_dir: self.helper_dir.clone(),
        }
    }
}

#[derive(Clone, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    current_context: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

impl DockerConfig {
    /// No credentials at all: every registry is accessed anonymously.
    pub fn empty() -> DockerConfig {
        DockerConfig::default()
    }

    /// Reads `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; a missing file is an
    /// empty configuration, as for the Docker CLI.
    pub fn load() -> Result<DockerConfig, ImageError> {
        match DockerConfig::dir() {
            Some(dir) => DockerConfig::load_dir(&dir),
            None => Ok(DockerConfig::empty()),
        }
    }

    /// The Docker CLI's configuration directory: `$DOCKER_CONFIG`, else `~/.docker`; `None`
    /// without either variable. Its contexts live under it too.
    pub fn dir() -> Option<PathBuf> {
        match std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            Some(dir) => Some(PathBuf::from(dir)),
            None => std::env::var_os("HOME").filter(|d| !d.is_empty()).map(|home| PathBuf::from(home).join(".docker")),
        }
    }

    /// The docker context `docker context use` made current (`currentContext`), if any.
    pub fn current_context(&self) -> Option<&str> {
        self.current_context.as_deref()
    }

    /// The registries this configuration has credentials for, each with where they come from
    /// (`auths`, a `credHelpers` helper, `credsStore`): names only, never a secret. A
    /// `credsStore` covers every registry; it is listed as `*`.
    pub fn registries(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .auths
            .iter()
            .filter(|(_, entry)| entry.auth.is_some() || entry.username.is_some() || entry.identitytoken.is_some())
            .map(|(registry, _)| (registry.clone(), "auths".to_owned()))
            .collect();
        out.extend(
            self.cred_helpers
                .iter()
                .map(|(registry, helper)| (registry.clone(), format!("docker-credential-{helper}"))),
        );
        out.extend(self.creds_store.iter().map(|store| ("*".to_owned(), format!("docker-credential-{store}"))));
        out.extend(self.explicit.keys().map(|registry| (registry.clone(), "given".to_owned())));
        out
    }

    /// Reads `DIR/config.json` (a `DOCKER_CONFIG` directory); missing is empty.
    pub fn load_dir(dir: &Path) -> Result<DockerConfig, ImageError> {
        let path = dir.join("config.json");
        // Only a regular file is read: a FIFO would block hoist forever.
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            return Err(ImageError::DockerConfig {
                path,
                message: "it is not a regular file (a directory, FIFO, socket or device): point `DOCKER_CONFIG` at a directory whose `config.json` is a file".into(),
            });
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DockerConfig::empty()),
            Err(e) => return Err(ImageError::DockerConfig { path, message: e.to_string() }),
        };
        let raw: RawConfig = serde_json::from_str(&text).map_err(|e| ImageError::DockerConfig {
            path: path.clone(),
            // serde_json's message names a position, never the value.
            message: e.to_string(),
        })?;
        Ok(DockerConfig {
            path: Some(path),
            auths: raw.auths.into_iter().map(|(key, entry)| (hostname(&key), entry)).collect(),
            cred_helpers: raw.cred_helpers.into_iter().map(|(key, helper)| (hostname(&key), helper)).collect(),
            creds_store: raw.creds_store.filter(|s| !s.is_empty()),
            explicit: BTreeMap::new(),
            current_context: raw.current_context.filter(|c| !c.is_empty()),
            cache: Mutex::new(HashMap::new()),
            helper_dir: None,
        })
    }

    /// Adds credentials for `registry` (`host[:port]`) that win over the file's.
    pub fn with_credentials(mut self, registry: &str, credentials: Credentials) -> DockerConfig {
        self.explicit.insert(hostname(registry), credentials);
        self
    }

    /// The file this was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The credentials for `registry` (`host[:port]`, `docker.io` for Docker Hub), or `None` for
    /// anonymous access. Credential helpers run at most once per registry.
    pub fn credentials_for(&self, registry: &str) -> Result<Option<Credentials>, ImageError> {
        let host = hostname(registry);
        if let Some(found) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&host) {
            return Ok(found.clone());
        }
        let found = self.lookup(&host)?;
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(host, found.clone());
        Ok(found)
    }

    fn lookup(&self, host: &str) -> Result<Option<Credentials>, ImageError> {
        if let Some(credentials) = self.explicit.get(host) {
            return Ok(Some(credentials.clone()));
        }
        let keys: Vec<&str> =
            if is_docker_hub(host) { vec!["index.docker.io", "docker.io", "registry-1.docker.io"] } else { vec![host] };
        let helper = keys.iter().find_map(|k| self.cred_helpers.get(*k)).or(self.creds_store.as_ref());
        if let Some(helper) = helper {
            let server = if is_docker_hub(host) { DOCKER_HUB_KEY } else { host };
            let program = PathBuf::from(format!("docker-credential-{helper}"));
            let program = self.helper_dir.as_ref().map_or(program.clone(), |dir| dir.join(&program));
            if let Some(found) = run_helper(&program, helper, server)? {
                return Ok(Some(found));
            }
        }
        for key in keys {
            if let Some(entry) = self.auths.get(key) {
                return self.decode(host, entry);
            }
        }
        Ok(None)
    }

    fn decode(&self, host: &str, entry: &AuthEntry) -> Result<Option<Credentials>, ImageError> {
        if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credentials::IdentityToken(token.clone())));
        }
        if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
            let bad = |what: &str| ImageError::DockerConfig {
                path: self.path.clone().unwrap_or_default(),
                message: format!("the `auth` of `{host}` {what}"),
            };
            let decoded =
                base64::engine::general_purpose::STANDARD.decode(auth.trim()).map_err(|_| bad("is not base64"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8"))?;
            let (username, password) = decoded.split_once(':').ok_or_else(|| bad("is not `user:password`"))?;
            return Ok(Some(Credentials::basic(username, password)));
        }
        match (&entry.username, &entry.password) {
            (Some(username), Some(password)) => Ok(Some(Credentials::basic(username, password))),
            _ => Ok(None),
        }
    }
}

/// Runs `docker-credential-HELPER get` for `server`; `None` when it has nothing stored.
fn run_helper(program: &Path, helper: &str, server: &str) -> Result<Option<Credentials>, ImageError> {
    let fail = |message: String| ImageError::CredentialHelper {
        helper: helper.to_owned(),
        registry: server.to_owned(),
        message,
    };
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|e| fail(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if said.contains("credentials not found") {
            return Ok(None);
        }
        // Helpers print only an error message on failure, never the secret.
        return Err(fail(if said.is_empty() { output.status.to_string() } else { said }));
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&output.stdout).map_err(|_| fail("its answer is not the expected JSON".to_owned()))?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if answer.username == "<token>" {
        Credentials::IdentityToken(answer.secret)
    } else {
        Credentials::basic(answer.username, answer.secret)
    }))
}

/// Docker's `ConvertToHostname`: drops the scheme and any path.
fn hostname(key: &str) -> String {
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    key.split('/').next().unwrap_or(key).to_owned()
}

fn is_docker_hub(host: &str) -> bool {
    matches!(host, DOCKER_HUB | "index.docker.io" | "registry-1.docker.io")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> (tempfile::TempDir, DockerConfig) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), json).unwrap();
        let config = DockerConfig::load_dir(dir.path()).unwrap();
        (dir, config)
    }

    #[test]
    fn reads_inline_auths_under_any_key_form() {
        let (_dir, config) = config(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
                "http://127.0.0.1:5000/v2/": {"auth": "dTpwOnc+Pz8="},
                "ghcr.io": {"identitytoken": "tok"}
            }}"#,
        );
        assert_eq!(config.credentials_for("docker.io").unwrap(), Some(Credentials::basic("hub", "secret")));
        assert_eq!(config.credentials_for("127.0.0.1:5000").unwrap(), Some(Credentials::basic("u", "p:w>??")));
        assert_eq!(config.credentials_for("ghcr.io").unwrap(), Some(Credentials::IdentityToken("tok".into())));
        assert_eq!(config.credentials_for("quay.io").unwrap(), None);
    }

    #[test]
    fn missing_file_is_anonymous_and_bad_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(DockerConfig::load_dir(dir.path()).unwrap().credentials_for("x.io").unwrap(), None);
        std::fs::write(dir.path().join("config.json"), "{").unwrap();
        let err = DockerConfig::load_dir(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("cannot read the Docker config `"), "{err}");
    }

    #[test]
    fn a_missing_helper_is_named_in_the_error() {
        let (_dir, config) = config(r#"{"credHelpers": {"x.io": "hoist-test-nonexistent"}}"#);
        let err = config.credentials_for("x.io").unwrap_err().to_string();
        assert!(err.contains("`docker-credential-hoist-test-nonexistent`"), "{err}");
    }

    #[test]
    fn a_helper_answers_with_json() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-hoisttest");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread server\nif [ \"$server\" = x.io ]; then echo '{\"ServerURL\":\"x.io\",\"Username\":\"me\",\"Secret\":\"pw+/\"}'; else echo 'credentials not found in native keychain'; exit 1; fi\n",
        )
        .unwrap();
        std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let config = DockerConfig {
            creds_store: Some("hoisttest".to_owned()),
            helper_dir: Some(dir.path().to_owned()),
            ..DockerConfig::default()
        };
        assert_eq!(config.credentials_for("x.io").unwrap(), Some(Credentials::basic("me", "pw+/")));
        assert_eq!(config.credentials_for("y.io").unwrap(), None);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let credentials = Credentials::basic("me", "hunter2");
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("hunter2") && shown.contains("me"), "{shown}");
        let shown = format!("{:?}", Credentials::IdentityToken("tok123".into()));
        assert!(!shown.contains("tok123"), "{shown}");
        let config = DockerConfig::empty().with_credentials("x.io", Credentials::basic("me", "hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
