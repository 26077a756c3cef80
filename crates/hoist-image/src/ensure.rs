//! "Ensure image": present locally, else pulled from the registry, else built; and why.
//! This is what `test` and the CI flow need before they run an image.

use std::fmt;

use crate::build::{BuildEvent, BuildOutcome, BuildRequest};
use crate::engine::{Engine, ImageInfo};
use crate::error::ImageError;
use crate::progress::TransferEvent;
use crate::reference::{Digest, Reference};
use crate::registry::RegistryClient;

/// Which way the image came to be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnsureAction {
    /// It was already present locally.
    Local,
    /// It was pulled from the registry.
    Pulled,
    /// It was built.
    Built,
}

impl fmt::Display for EnsureAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EnsureAction::Local => "present locally",
            EnsureAction::Pulled => "pulling",
            EnsureAction::Built => "building",
        })
    }
}

/// What `ensure_image` reports while it works.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EnsureEvent {
    /// The decision, made before acting on it.
    Decided {
        /// What will happen.
        action: EnsureAction,
        /// Why, in a sentence.
        reason: String,
    },
    /// Progress of the build, when building.
    Build(BuildEvent),
    /// Progress of the pull, when pulling.
    Transfer(TransferEvent),
}

/// The image is there; how and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ensured {
    /// What happened.
    pub action: EnsureAction,
    /// Why, in a sentence.
    pub reason: String,
    /// The local image now.
    pub image: ImageInfo,
    /// The registry digest, when the registry was asked and had it.
    pub digest: Option<Digest>,
    /// The build, when one ran.
    pub build: Option<BuildOutcome>,
}

/// Makes sure `reference` exists locally: present → done; else in the registry → pull; else
/// build it with `build` (whose tags get `reference` if they lack it). A registry that cannot
/// be reached leads to a build; a registry that refuses the credentials is an error.
pub fn ensure_image(
    engine: &Engine,
    registry: &RegistryClient,
    reference: &str,
    build: &BuildRequest,
    on_event: &mut dyn FnMut(EnsureEvent),
) -> Result<Ensured, ImageError> {
    let parsed = Reference::parse(reference)?;
    if let Some(image) = engine.inspect(reference)? {
        let reason = format!("`{reference}` is present locally as {}", short_id(&image.id));
        on_event(EnsureEvent::Decided { action: EnsureAction::Local, reason: reason.clone() });
        return Ok(Ensured { action: EnsureAction::Local, reason, image, digest: None, build: None });
    }
    let reason = match registry.exists(reference) {
        Ok(Some(digest)) => {
            let reason = format!(
                "`{reference}` is not present locally; the registry `{}` has it at {digest}",
                parsed.registry()
            );
            on_event(EnsureEvent::Decided { action: EnsureAction::Pulled, reason: reason.clone() });
            let image = engine.pull(reference, &mut |e| on_event(EnsureEvent::Transfer(e)))?;
            return Ok(Ensured { action: EnsureAction::Pulled, reason, image, digest: Some(digest), build: None });
        }
        Ok(None) => {
            format!("`{reference}` is present neither locally nor in the registry `{}`", parsed.registry())
        }
        Err(ImageError::RegistryUnreachable { registry, reason }) => {
            format!("`{reference}` is not present locally, and the registry `{registry}` cannot be reached ({reason})")
        }
        Err(e) => return Err(e),
    };
    on_event(EnsureEvent::Decided { action: EnsureAction::Built, reason: reason.clone() });
    let mut request = build.clone();
    if !request.tags.iter().any(|t| t == reference) {
        request.tags.insert(0, reference.to_owned());
    }
    let outcome = engine.build(&request, &mut |e| on_event(EnsureEvent::Build(e)))?;
    let image =
        engine.inspect(reference)?.ok_or_else(|| ImageError::NoSuchImage { reference: reference.to_owned() })?;
    Ok(Ensured { action: EnsureAction::Built, reason, image, digest: None, build: Some(outcome) })
}

fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}
