//! Where async stops: one current-thread tokio runtime that the blocking facade drives.
//!
//! [`Engine`](crate::Engine) and [`RegistryClient`](crate::RegistryClient) each hold an
//! `Arc<Runtime>` and every public method is one `block_on`, as the `postgres` crate does over
//! `tokio-postgres`. No tokio type appears in a public signature. Calling the facade from inside
//! another tokio runtime panics (tokio refuses nested `block_on`); hoist never does.

use std::future::Future;
use std::sync::{Arc, Once};

use crate::error::ImageError;

/// A current-thread runtime with I/O and timers.
#[derive(Debug)]
pub(crate) struct Runtime {
    inner: tokio::runtime::Runtime,
}

impl Runtime {
    pub(crate) fn new() -> Result<Arc<Runtime>, ImageError> {
        install_crypto_provider();
        let inner = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(ImageError::Runtime)?;
        Ok(Arc::new(Runtime { inner }))
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on(future)
    }
}

/// rustls needs one process-wide crypto provider. bollard brings `ring`, and oci-client is
/// built without a provider of its own (no `aws-lc-sys` to compile), so hoist installs `ring`.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means the embedding program installed one already: keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
