//! Connections to an engine on a TCP port, made as the docker CLI makes them.
//!
//! - TLS: the engine's certificate verified against `ca.pem` only (not the system's CAs),
//!   hoist's client certificate `cert.pem` with `key.pem` presented. bollard's own TLS
//!   connector adds every system CA, read from disk on each connect (about 90 ms here).
//! - `TCP_NODELAY` on every connection: a request's head and body are separate small writes,
//!   and with Nagle's algorithm the second waits for the engine's delayed ACK, 40 ms per
//!   request (bollard's connectors leave it off; the docker CLI sets it).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ImageError;

/// A bollard client for `http://AUTHORITY`.
pub(crate) fn connect_plain(authority: &str, timeout_secs: u64) -> Result<bollard::Docker, ImageError> {
    through(connector(), format!("http://{authority}"), timeout_secs)
}

fn connector() -> hyper_util::client::legacy::connect::HttpConnector {
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http
}

/// A bollard client whose requests go to `url` through `connector`.
fn through<C>(connector: C, url: String, timeout_secs: u64) -> Result<bollard::Docker, ImageError>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    // No idle connections kept, as bollard keeps none for its own transports.
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build(connector);
    let transport = move |request: bollard::BollardRequest| {
        let client = client.clone();
        async move { client.request(request).await.map_err(bollard::errors::Error::from) }
    };
    bollard::Docker::connect_with_custom_transport(transport, Some(url), timeout_secs, bollard::API_DEFAULT_VERSION)
        .map_err(|e| ImageError::engine("connect", e.to_string()))
}

/// A bollard client for `https://AUTHORITY` with the TLS files in `certs`; `url` and `reason`
/// (what chose the engine) are for the messages.
pub(crate) fn connect_tls(
    authority: &str,
    certs: &Path,
    timeout_secs: u64,
    url: &str,
    reason: &str,
) -> Result<bollard::Docker, ImageError> {
    let file_error = |path: &Path, message: String| ImageError::TlsFile {
        engine: url.to_owned(),
        path: path.to_owned(),
        message,
        reason: reason.to_owned(),
    };
    let ca = certs.join("ca.pem");
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&ca).map_err(|e| file_error(&ca, e.to_string()))? {
        let cert = cert.map_err(|e| file_error(&ca, e.to_string()))?;
        roots.add(cert).map_err(|e| file_error(&ca, format!("it holds a certificate that is no CA ({e})")))?;
    }
    let cert_path = certs.join("cert.pem");
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|certs| certs.collect())
        .map_err(|e| file_error(&cert_path, e.to_string()))?;
    let key_path = certs.join("key.pem");
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| file_error(&key_path, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImageError::engine("set up TLS", e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| file_error(&key_path, format!("it does not fit `cert.pem` ({e})")))?;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1()
        .wrap_connector(connector());
    through(https, format!("https://{authority}"), timeout_secs)
}
