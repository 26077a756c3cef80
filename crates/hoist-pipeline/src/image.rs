//! "Make sure this image is here" as a planned step: present locally, else pulled, else built.
//! The decision is data (for `--dry-run` and `--json`); the executor carries it out.

use hoist_image::{BuildEvent, BuildRequest, Engine, ImageError, RegistryClient, TransferEvent};
use serde::Serialize;

/// What the executor will do to have the image.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ImageAction {
    /// Nothing: it is present locally.
    Local,
    /// Pull it from the registry.
    Pull,
    /// Build it.
    Build,
}

/// The image a target needs, what will be done to have it, and why.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ImageStep {
    /// The Dockerfile stage it is built from.
    pub step: String,
    /// Its reference, `REGISTRY:VERSION-STEP`.
    pub reference: String,
    /// The action.
    pub action: ImageAction,
    /// Why, in a sentence.
    pub reason: String,
}

/// What the engine and the registry answered about a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageFacts {
    /// The local image id, when present.
    pub local: Option<String>,
    /// The registry digest (`Ok(None)`: absent; `Err`: why it could not be asked).
    pub registry: Result<Option<String>, String>,
}

/// Asks the engine, then (when absent locally) the registry, about `reference`.
pub fn image_facts(engine: &Engine, registry: &RegistryClient, reference: &str) -> Result<ImageFacts, ImageError> {
    if let Some(image) = engine.inspect(reference)? {
        return Ok(ImageFacts { local: Some(image.id), registry: Ok(None) });
    }
    let registry = match registry.exists(reference) {
        Ok(digest) => Ok(digest.map(|d| d.as_str().to_owned())),
        Err(ImageError::RegistryUnreachable { registry, reason }) => Err(format!("`{registry}`: {reason}")),
        Err(e) => return Err(e),
    };
    Ok(ImageFacts { local: None, registry })
}

/// Decides from `facts` how to have the image of `step` at `reference`.
pub fn decide(step: &str, reference: &str, facts: &ImageFacts) -> ImageStep {
    let (action, reason) = match (&facts.local, &facts.registry) {
        (Some(id), _) => {
            let hex = id.strip_prefix("sha256:").unwrap_or(id);
            (ImageAction::Local, format!("present locally as {}", &hex[..hex.len().min(12)]))
        }
        (None, Ok(Some(digest))) => {
            (ImageAction::Pull, format!("not present locally; the registry has it at {digest}"))
        }
        (None, Ok(None)) => (ImageAction::Build, "present neither locally nor in the registry".to_owned()),
        (None, Err(why)) => {
            (ImageAction::Build, format!("not present locally, and the registry cannot be reached ({why})"))
        }
    };
    ImageStep { step: step.to_owned(), reference: reference.to_owned(), action, reason }
}

/// Progress of a target, for the CLI to draw.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A line about what happens next.
    Note(&'a str),
    /// Build progress.
    Build(&'a BuildEvent),
    /// Pull or push progress.
    Transfer(&'a TransferEvent),
}

/// Carries out `step`: pulls or builds (with `request`, which gets the reference as a tag).
/// Returns the image id.
pub(crate) fn ensure(
    engine: &Engine,
    step: &ImageStep,
    request: &BuildRequest,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<String, ImageError> {
    on_event(Event::Note(&format!("image {}: {} ({})", step.reference, action_word(step.action), step.reason)));
    match step.action {
        ImageAction::Local => {}
        ImageAction::Pull => {
            engine.pull(&step.reference, &mut |e| on_event(Event::Transfer(&e)))?;
        }
        ImageAction::Build => {
            let mut request = request.clone();
            request.target = Some(step.step.clone());
            if !request.tags.iter().any(|t| t == &step.reference) {
                request.tags.insert(0, step.reference.clone());
            }
            engine.build(&request, &mut |e| on_event(Event::Build(&e)))?;
        }
    }
    let image = engine
        .inspect(&step.reference)?
        .ok_or_else(|| ImageError::NoSuchImage { reference: step.reference.clone() })?;
    Ok(image.id)
}

fn action_word(action: ImageAction) -> &'static str {
    match action {
        ImageAction::Local => "using it",
        ImageAction::Pull => "pulling",
        ImageAction::Build => "building",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_then_registry_then_build() {
        let facts = |local: Option<&str>, registry: Result<Option<&str>, &str>| ImageFacts {
            local: local.map(str::to_owned),
            registry: registry.map(|d| d.map(str::to_owned)).map_err(str::to_owned),
        };
        let check = |facts: ImageFacts, action: ImageAction, reason: &str| {
            let step = decide("tester", "r.example/app:v1-tester", &facts);
            assert_eq!((step.action, step.reason.as_str()), (action, reason));
        };
        check(facts(Some("sha256:0123456789abcdef"), Ok(None)), ImageAction::Local, "present locally as 0123456789ab");
        check(
            facts(None, Ok(Some("sha256:feed"))),
            ImageAction::Pull,
            "not present locally; the registry has it at sha256:feed",
        );
        check(facts(None, Ok(None)), ImageAction::Build, "present neither locally nor in the registry");
        check(
            facts(None, Err("`r.example`: connection refused")),
            ImageAction::Build,
            "not present locally, and the registry cannot be reached (`r.example`: connection refused)",
        );
    }
}
