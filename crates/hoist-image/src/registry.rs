//! Asking a registry about a tag, without pulling: one `HEAD` of the manifest (oci-client).
//!
//! One oci-client per registry host is kept and reused, because the first request of a client
//! pays for discovering the registry's auth (a `GET /v2/` ping, then a token or Basic
//! credentials that the client caches). After that a hit is one `HEAD` request. oci-client
//! would ping again before every request of an anonymous client; so an anonymous client
//! first assumes an open registry and sends an empty bearer token, which skips the ping and
//! which an open registry ignores: a hit is then one `HEAD` from the very first request. A
//! registry that wants credentials answers 401, and the client falls back to oci-client's
//! anonymous flow (ping, anonymous token) for that registry.
//!
//! Plain HTTP is used for registries in `insecure` and, by default, loopback ones, as the
//! Docker engine does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oci_client::Client;
use oci_client::RegistryOperation;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;

use crate::credentials::{Credentials, DockerConfig};
use crate::error::ImageError;
use crate::reference::{Digest, Reference, is_loopback_host};
use crate::runtime::Runtime;

/// How registries are reached.
#[derive(Clone, Debug)]
pub struct RegistryConfig {
    /// Registries (`host[:port]`) reached over plain HTTP (`insecure-registries` in `hoist.toml`).
    pub insecure: Vec<String>,
    /// Reach loopback registries (`localhost`, `127.0.0.0/8`, `[::1]`) over plain HTTP, as the
    /// engine does (default `true`).
    pub loopback_plain_http: bool,
    /// Credentials; `None`: read the user's Docker config.
    pub credentials: Option<DockerConfig>,
}

impl Default for RegistryConfig {
    fn default() -> RegistryConfig {
        RegistryConfig { insecure: Vec::new(), loopback_plain_http: true, credentials: None }
    }
}

/// What a registry holds for one tag: its manifest digest and its image's labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteImage {
    /// The manifest digest, when the registry reported one.
    pub digest: Option<Digest>,
    /// The labels of the image configuration.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// A client for any number of registries, keeping one connection (and its auth) per registry.
pub struct RegistryClient {
    rt: Arc<Runtime>,
    insecure: Vec<String>,
    loopback_plain_http: bool,
    credentials: DockerConfig,
    hosts: Mutex<HashMap<String, Arc<HostClient>>>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("insecure", &self.insecure)
            .field("loopback_plain_http", &self.loopback_plain_http)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

struct HostClient {
    client: Client,
    auth: RegistryAuth,
    has_credentials: bool,
    plain_http: bool,
    /// Set once the registry is known to need no authentication.
    open: bool,
}

impl RegistryClient {
    /// A client with `config`.
    pub fn new(config: &RegistryConfig) -> Result<RegistryClient, ImageError> {
        let credentials = match &config.credentials {
            Some(credentials) => credentials.clone(),
            None => DockerConfig::load()?,
        };
        Ok(RegistryClient {
            rt: Runtime::new()?,
            insecure: config.insecure.clone(),
            loopback_plain_http: config.loopback_plain_http,
            credentials,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// True when `registry` (`host[:port]`) is reached over plain HTTP.
    pub fn is_plain_http(&self, registry: &str) -> bool {
        self.insecure.iter().any(|r| r == registry) || (self.loopback_plain_http && is_loopback_host(registry))
    }

    /// The digest of `reference` (`REPO:TAG`) in its registry, or `None` when the registry
    /// does not have it. Never pulls.
    pub fn exists(&self, reference: &str) -> Result<Option<Digest>, ImageError> {
        let parsed = Reference::parse(reference)?;
        let target = oci_reference(&parsed)?;
        let mut host = self.host_client(&parsed, true)?;
        loop {
            match self.rt.block_on(host.client.fetch_manifest_digest(&target, &host.auth)) {
                Ok(digest) => return Ok(Digest::parse(&digest)),
                Err(error) => match classify(&error) {
                    Class::Missing => return Ok(None),
                    // Not an open registry after all (it challenges with Basic, which looks
                    // the same to oci-client's discovery): ask plainly anonymously from now on.
                    Class::Unauthorized if host.open => host = self.host_client(&parsed, false)?,
                    _ => return Err(self.error(&parsed, reference, &host, error)),
                },
            }
        }
    }

    /// The digest and image-config labels of `reference` in its registry, or `None` when the
    /// registry does not have it. Reads the manifest and the small config blob; pulls no layer.
    pub fn labels(&self, reference: &str) -> Result<Option<RemoteImage>, ImageError> {
        let parsed = Reference::parse(reference)?;
        let target = oci_reference(&parsed)?;
        let mut host = self.host_client(&parsed, true)?;
        loop {
            match self.rt.block_on(host.client.pull_manifest_and_config(&target, &host.auth)) {
                Ok((_, digest, config)) => {
                    let value: serde_json::Value = serde_json::from_str(&config).map_err(|e| ImageError::Registry {
                        registry: parsed.registry().to_owned(),
                        reference: reference.to_owned(),
                        message: format!("its image configuration is not JSON: {e}"),
                    })?;
                    let labels = value
                        .pointer("/config/Labels")
                        .and_then(|l| l.as_object())
                        .map(|l| l.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
                        .unwrap_or_default();
                    return Ok(Some(RemoteImage { digest: Digest::parse(&digest), labels }));
                }
                Err(error) => match classify(&error) {
                    Class::Missing => return Ok(None),
                    Class::Unauthorized if host.open => host = self.host_client(&parsed, false)?,
                    _ => return Err(self.error(&parsed, reference, &host, error)),
                },
            }
        }
    }

    /// Gives the image `source` (`REPO:TAG`) the tag `target` inside the registry: the
    /// manifest is fetched as it is stored and put under the new tag, so the digest is the
    /// same; nothing is pulled and the engine is not involved. A target in another repository
    /// of the same registry gets the blobs mounted from the source first. Credentials are the
    /// ones a push uses. Returns the digest.
    pub fn retag(&self, source: &str, target: &str) -> Result<Digest, ImageError> {
        let (from, to) = (Reference::parse(source)?, Reference::parse(target)?);
        if from.registry() != to.registry() {
            return Err(ImageError::Registry {
                registry: to.registry().to_owned(),
                reference: target.to_owned(),
                message: format!("`{source}` is in another registry: a retag copies within one registry"),
            });
        }
        // An open registry takes the copy with the empty bearer token, as `exists` asks it: no
        // ping, no token. One that wants credentials answers 401: then its own auth flow.
        let host = self.host_client(&from, true)?;
        if host.open {
            match self.copy_manifest(&host, (&from, source), (&to, target), false) {
                Err(ImageError::Unauthorized { .. }) => {}
                done => return done,
            }
        }
        let host = self.host_client(&from, false)?;
        self.copy_manifest(&host, (&from, source), (&to, target), true)
    }

    fn copy_manifest(
        &self,
        host: &HostClient,
        (from, source): (&Reference, &str),
        (to, target): (&Reference, &str),
        authenticate: bool,
    ) -> Result<Digest, ImageError> {
        let (from_ref, to_ref) = (oci_reference(from)?, oci_reference(to)?);
        let fail = |reference: &Reference, text: &str, error| self.error(reference, text, host, error);
        let client = &host.client;
        self.rt.block_on(async {
            if authenticate {
                client.auth(&to_ref, &host.auth, RegistryOperation::Push).await.map_err(|e| fail(to, target, e))?;
            }
            let (body, digest) = client
                .pull_manifest_raw(&from_ref, &host.auth, MANIFEST_TYPES)
                .await
                .map_err(|e| fail(from, source, e))?;
            let manifest: serde_json::Value = serde_json::from_slice(&body).map_err(|e| ImageError::Registry {
                registry: from.registry().to_owned(),
                reference: source.to_owned(),
                message: format!("its manifest is not JSON: {e}"),
            })?;
            let media_type = manifest
                .get("mediaType")
                .and_then(|m| m.as_str())
                .unwrap_or("application/vnd.oci.image.manifest.v1+json")
                .to_owned();
            if from.repository() != to.repository() {
                if manifest.get("manifests").is_some() {
                    return Err(ImageError::Registry {
                        registry: from.registry().to_owned(),
                        reference: source.to_owned(),
                        message: format!("it is a multi-platform index: retag it within `{}`", from.repository()),
                    });
                }
                let blobs = manifest
                    .get("layers")
                    .and_then(|l| l.as_array())
                    .into_iter()
                    .flatten()
                    .chain(manifest.get("config"))
                    .filter_map(|b| b.get("digest").and_then(|d| d.as_str()));
                for blob in blobs {
                    client.mount_blob(&to_ref, &from_ref, blob).await.map_err(|e| fail(to, target, e))?;
                }
            }
            let content_type = reqwest_header(&media_type).map_err(|message| ImageError::Registry {
                registry: from.registry().to_owned(),
                reference: source.to_owned(),
                message,
            })?;
            client.push_manifest_raw(&to_ref, body, content_type).await.map_err(|e| fail(to, target, e))?;
            Digest::parse(&digest).ok_or_else(|| ImageError::Registry {
                registry: to.registry().to_owned(),
                reference: target.to_owned(),
                message: format!("the registry reported the digest `{digest}`"),
            })
        })
    }

    fn host_client(&self, reference: &Reference, allow_open: bool) -> Result<Arc<HostClient>, ImageError> {
        let registry = reference.registry();
        if let Some(host) = self.hosts.lock().unwrap_or_else(|e| e.into_inner()).get(registry)
            && (allow_open || !host.open)
        {
            return Ok(host.clone());
        }
        let plain_http = self.is_plain_http(registry);
        let credentials = self.credentials.credentials_for(registry)?;
        let has_credentials = credentials.is_some();
        let auth = match credentials {
            Some(Credentials::Basic { username, password }) => RegistryAuth::Basic(username, password),
            // oci-client has no identity-token (OAuth2 refresh) flow: ask anonymously.
            Some(Credentials::IdentityToken(_)) | None => RegistryAuth::Anonymous,
        };
        let client = new_client(plain_http).map_err(|e| ImageError::Registry {
            registry: registry.to_owned(),
            reference: reference.to_string(),
            message: e.to_string(),
        })?;
        let mut host = HostClient { client, auth, has_credentials, plain_http, open: false };
        if allow_open && matches!(host.auth, RegistryAuth::Anonymous) {
            // Assume an open registry first: an empty bearer token skips oci-client's ping
            // before every request, and an open registry ignores it. A registry that wants
            // credentials answers 401, and `exists` then asks plainly anonymously.
            host.open = true;
            host.auth = RegistryAuth::Bearer(String::new());
        }
        let host = Arc::new(host);
        self.hosts.lock().unwrap_or_else(|e| e.into_inner()).insert(registry.to_owned(), host.clone());
        Ok(host)
    }

    fn error(&self, reference: &Reference, text: &str, host: &HostClient, error: OciDistributionError) -> ImageError {
        let registry = reference.registry().to_owned();
        // What the registry sent back is shown scrubbed: a server that echoes the request's
        // `Authorization` header must not put the credentials in the log.
        let secrets: Vec<String> = match &host.auth {
            RegistryAuth::Basic(user, password) => {
                use base64::Engine as _;
                vec![password.clone(), base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))]
            }
            RegistryAuth::Bearer(token) => vec![token.clone()],
            RegistryAuth::Anonymous => Vec::new(),
        };
        let scrub = |text: String| scrub_credentials(&text, &secrets);
        match classify(&error) {
            Class::Unauthorized => {
                ImageError::Unauthorized { registry, reference: text.to_owned(), had_credentials: host.has_credentials }
            }
            Class::Forbidden => ImageError::Forbidden { registry, reference: text.to_owned() },
            Class::PlainHttp if !host.plain_http => ImageError::RegistryPlainHttp { registry },
            Class::Unreachable(reason) => ImageError::RegistryUnreachable { registry, reason: scrub(reason) },
            Class::PlainHttp => {
                ImageError::RegistryUnreachable { registry, reason: "it answered neither HTTP nor TLS".to_owned() }
            }
            Class::Missing => ImageError::NotInRegistry { registry, reference: text.to_owned() },
            Class::Other => {
                ImageError::Registry { registry, reference: text.to_owned(), message: scrub(error.to_string()) }
            }
        }
    }
}

/// `text` without the credentials it may echo: each of `secrets` (a password, a token, the
/// base64 of `user:password`) and whatever follows `Basic ` or `Bearer ` (an `Authorization`
/// value) become `***`.
pub(crate) fn scrub_credentials(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret.as_str(), "***");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) =
        ["Basic ", "Bearer ", "basic ", "bearer "].iter().filter_map(|k| rest.find(k).map(|i| (i, k.len()))).min()
    {
        let (index, len) = at;
        out.push_str(&rest[..index + len]);
        rest = &rest[index + len..];
        let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '}')).unwrap_or(rest.len());
        if end > 0 {
            out.push_str("***");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

enum Class {
    Missing,
    Unauthorized,
    Forbidden,
    PlainHttp,
    Unreachable(String),
    Other,
}

fn classify(error: &OciDistributionError) -> Class {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            if codes.iter().any(|c| {
                matches!(c, OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound)
            }) {
                Class::Missing
            } else if codes.iter().any(|c| matches!(c, OciErrorCode::Unauthorized)) {
                Class::Unauthorized
            } else if codes.iter().any(|c| matches!(c, OciErrorCode::Denied)) {
                Class::Forbidden
            } else {
                Class::Other
            }
        }
        OciDistributionError::ImageManifestNotFoundError(_) => Class::Missing,
        OciDistributionError::ServerError { code: 404, .. } => Class::Missing,
        OciDistributionError::ServerError { code: 401, .. }
        | OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => Class::Unauthorized,
        OciDistributionError::ServerError { code: 403, .. } => Class::Forbidden,
        OciDistributionError::RequestError(e) => {
            let chain = error_chain(e);
            let lower = chain.to_ascii_lowercase();
            if lower.contains("invalidcontenttype")
                || lower.contains("corrupt message")
                || lower.contains("wrong version number")
                || lower.contains("http response to https")
            {
                Class::PlainHttp
            } else if e.is_connect() || e.is_timeout() {
                let reason = if lower.contains("connection refused") {
                    "connection refused".to_owned()
                } else if lower.contains("dns") || lower.contains("resolve") {
                    "the host name does not resolve".to_owned()
                } else if e.is_timeout() {
                    "the request timed out".to_owned()
                } else {
                    chain
                };
                Class::Unreachable(reason)
            } else {
                Class::Other
            }
        }
        _ => Class::Other,
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts.join(": ")
}

/// The manifest types a retag copies: single-platform images and indexes, OCI and Docker.
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

fn reqwest_header(media_type: &str) -> Result<http::HeaderValue, String> {
    http::HeaderValue::from_str(media_type).map_err(|_| format!("its media type `{media_type}` is not a header value"))
}

fn new_client(plain_http: bool) -> Result<Client, OciDistributionError> {
    let config = ClientConfig {
        protocol: if plain_http { ClientProtocol::Http } else { ClientProtocol::Https },
        // An insecure registry is also trusted without certificate checks, as the engine does.
        accept_invalid_certificates: plain_http,
        ..ClientConfig::default()
    };
    Client::try_from(config)
}

fn oci_reference(reference: &Reference) -> Result<oci_client::Reference, ImageError> {
    // Built from the parts hoist already validated: parsing the text again would compile
    // oci-spec's reference regex, most of a one-shot check's time.
    let (registry, repository) = (reference.registry().to_owned(), reference.repository().to_owned());
    Ok(match (reference.tag_or_latest(), reference.digest()) {
        (Some(tag), Some(digest)) => {
            oci_client::Reference::with_tag_and_digest(registry, repository, tag.to_owned(), digest.as_str().to_owned())
        }
        (Some(tag), None) => oci_client::Reference::with_tag(registry, repository, tag.to_owned()),
        (None, Some(digest)) => oci_client::Reference::with_digest(registry, repository, digest.as_str().to_owned()),
        (None, None) => oci_client::Reference::with_tag(registry, repository, "latest".to_owned()),
    })
}

#[cfg(test)]
mod scrub_tests {
    use super::scrub_credentials;

    #[test]
    fn credentials_echoed_by_a_server_are_scrubbed() {
        let secrets = ["pa+ss/word".to_owned(), "dXNlcjpwYStzcy93b3Jk".to_owned()];
        let body = r#"500: {"headers": {"Authorization": "Basic dXNlcjpwYStzcy93b3Jk", "X": "Bearer eyJhbGciOi.x.y"}, "echo": "pa+ss/word"}"#;
        assert_eq!(
            scrub_credentials(body, &secrets),
            r#"500: {"headers": {"Authorization": "Basic ***", "X": "Bearer ***"}, "echo": "***"}"#
        );
        assert_eq!(scrub_credentials("connection refused", &secrets), "connection refused");
    }
}
