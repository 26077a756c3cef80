//! The one image-decision model: for a step's image, what is already there (here, in the
//! registry, or made earlier in the same run) and what must be done (build, pull, push, skip),
//! decided by input digest before anything runs ([`plan_image`]), then carried out exactly
//! ([`execute_image`]).
//!
//! The registry is the source of truth: an image carries its [`InputDigest`] as labels, so a
//! fresh CI runner can see that the tagged image in the registry was built from exactly these
//! inputs and skip the build, with no cache file of its own. An image is reused only when its
//! input digest matches; every image hoist builds carries its input labels.

use std::collections::BTreeMap;

use hoist_image::{BuildEvent, BuildRequest, OciLabels, TransferEvent};
use hoist_naming::Naming;
use serde::Serialize;

use crate::input_digest::{InputDigest, LABEL, LABEL_ARGS, LABEL_CONTEXT, LABEL_DOCKERFILE, Overlay};
use crate::reason::ImageReason;
use crate::{Pipeline, PipelineError};

/// What to do for a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildAction {
    /// Build the image (and push it, when pushing).
    Build,
    /// Nothing: the image is already where it is needed, from the same inputs.
    Skip,
    /// Pull the image from the registry: it has the same inputs and is not here.
    Pull,
    /// Push the local image without building: it has the same inputs and the registry lacks it.
    Push,
}

/// An action and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The action.
    pub action: BuildAction,
    /// Why.
    pub reason: ImageReason,
}

/// What the primary tag names already: the labels of its image here and in the registry, and
/// the input digest of the image an earlier step of the same run makes under it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Found<'a> {
    /// The local image's labels; `None`: no such image here.
    pub local: Option<&'a BTreeMap<String, String>>,
    /// The registry image's labels; `None`: not in the registry (or not asked).
    pub remote: Option<&'a BTreeMap<String, String>>,
    /// Why the registry could not be asked, when it could not.
    pub remote_unknown: Option<&'a str>,
    /// An earlier step of this run makes the image here: (its step, the input digest).
    pub made: Option<(&'a str, &'a str)>,
}

/// Decides what to do for `step`, whose primary tag is `tag`, given what is `found`.
pub fn decide_build(
    step: &str,
    tag: &str,
    inputs: &InputDigest,
    found: Found<'_>,
    push: bool,
    force: bool,
) -> Decision {
    let Found { local, remote, remote_unknown, made } = found;
    let same = |labels: Option<&BTreeMap<String, String>>| labels.and_then(|l| l.get(LABEL)) == Some(&inputs.digest);
    let made_same = made.filter(|(_, digest)| *digest == inputs.digest).map(|(by, _)| by.to_owned());
    let (tag, digest) = (tag.to_owned(), inputs.digest.clone());
    let decision = |action, reason| Decision { action, reason };
    if force {
        return decision(BuildAction::Build, ImageReason::Forced);
    }
    let local_same = same(local) || made_same.is_some();
    match (local_same, same(remote), push) {
        (_, true, true) => decision(BuildAction::Skip, ImageReason::SameInRegistry { tag, inputs: digest }),
        (true, _, false) => match made_same {
            Some(by) => decision(BuildAction::Skip, ImageReason::MadeEarlier { tag, inputs: digest, by }),
            None => decision(BuildAction::Skip, ImageReason::SameHere { tag, inputs: digest }),
        },
        (false, true, false) => decision(BuildAction::Pull, ImageReason::PullSame { tag, inputs: digest }),
        (true, false, true) => {
            let registry = match (remote, remote_unknown) {
                (Some(_), _) => crate::reason::RegistryHas::OtherInputs,
                (None, Some(why)) => crate::reason::RegistryHas::Unknown { why: why.to_owned() },
                (None, None) => crate::reason::RegistryHas::Nothing,
            };
            decision(
                BuildAction::Push,
                ImageReason::PushWithoutBuilding { tag, inputs: digest, registry, made_by: made_same },
            )
        }
        (false, false, _) => {
            let reason = match remote.or(local) {
                None => ImageReason::Missing { tag, registry_unknown: remote_unknown.map(str::to_owned) },
                Some(labels) if !labels.contains_key(LABEL) => ImageReason::NotBuiltByHoist { tag },
                Some(labels) => ImageReason::Changed { step: step.to_owned(), changes: changes(labels, inputs) },
            };
            decision(BuildAction::Build, reason)
        }
    }
}

/// What differs between an image's input labels and `inputs`.
fn changes(labels: &BTreeMap<String, String>, inputs: &InputDigest) -> Vec<crate::reason::InputChange> {
    use crate::reason::InputChange;
    let mut parts = Vec::new();
    if labels.get(LABEL_DOCKERFILE) != Some(&inputs.dockerfile) {
        parts.push(InputChange::Dockerfile);
    }
    if labels.get(LABEL_CONTEXT) != Some(&inputs.context) {
        parts.push(InputChange::Context);
    }
    if labels.get(LABEL_ARGS) != Some(&inputs.args) {
        parts.push(InputChange::Args);
    }
    if parts.is_empty() {
        parts.push(InputChange::Digest {
            from: labels.get(LABEL).cloned().unwrap_or_default(),
            to: inputs.digest.clone(),
        });
    }
    parts
}

/// The images earlier steps of a run make here, by primary tag: (the step, the input digest).
pub type Made = BTreeMap<String, (String, String)>;

/// What a target asks of a step's image.
#[derive(Clone, Debug)]
pub struct ImageRequest<'a> {
    /// The Dockerfile stage.
    pub step: &'a str,
    /// The naming rules (version, pull request, cache registry).
    pub naming: &'a Naming,
    /// Push every tag to the registry.
    pub push: bool,
    /// Build even when an image with the same inputs exists (`--force`).
    pub force: bool,
    /// Ignore the build cache (`--no-cache`; also forces a build).
    pub no_cache: bool,
    /// Look for newer base images (`--pull`).
    pub pull: bool,
    /// Build arguments.
    pub build_args: BTreeMap<String, String>,
    /// Export the registry cache when pushing (false with `NO_CACHE_TO`).
    pub write_cache: bool,
    /// Files as an earlier step of the run will have written them (a bump's edits).
    pub overlay: &'a Overlay,
    /// Images earlier steps of the run make here.
    pub made: &'a Made,
}

impl<'a> ImageRequest<'a> {
    /// A request to have `step`'s image here (no push), with nothing overlaid or made before.
    pub fn local(step: &'a str, naming: &'a Naming) -> ImageRequest<'a> {
        static NOTHING: std::sync::LazyLock<(Overlay, Made)> = std::sync::LazyLock::new(Default::default);
        ImageRequest {
            step,
            naming,
            push: false,
            force: false,
            no_cache: false,
            pull: false,
            build_args: BTreeMap::new(),
            write_cache: false,
            overlay: &NOTHING.0,
            made: &NOTHING.1,
        }
    }
}

/// Everything a step's image will get, decided before the engine is asked to do anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImagePlan {
    /// The Dockerfile stage.
    pub step: String,
    /// The version the image is named for.
    pub version: String,
    /// Every tag, the primary one first.
    pub tags: Vec<String>,
    /// What will be done.
    pub action: BuildAction,
    /// Why.
    pub reason: ImageReason,
    /// What the image is made from (its labels when built).
    pub inputs: InputDigest,
    /// `buildkit`, `classic` or `buildx`.
    pub builder: String,
    /// The platform, when configured.
    pub platform: Option<String>,
    /// Cache sources.
    pub cache_from: Vec<String>,
    /// The cache export, when pushing and not switched off.
    pub cache_to: Option<String>,
    /// Whether every tag is pushed.
    pub push: bool,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`.
    pub pull: bool,
    /// The build arguments.
    pub build_args: BTreeMap<String, String>,
    /// The Dockerfile, as configured.
    pub dockerfile: String,
    /// The build context, as configured.
    pub context: String,
    /// When the push is skipped because the registry has the same inputs: each tag the
    /// registry has, with its digest there (what a push would have reported).
    pub in_registry: Vec<Pushed>,
}

impl ImagePlan {
    /// The primary tag (`REGISTRY:VERSION[-STEP]`).
    pub fn reference(&self) -> &str {
        &self.tags[0]
    }
}

/// A tag in the registry and its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pushed {
    /// `REGISTRY:TAG`.
    pub tag: String,
    /// `sha256:…`.
    pub digest: String,
}

/// What carrying out an [`ImagePlan`] did.
#[derive(Clone, Debug, Serialize)]
pub struct ImageOutcome {
    /// The plan it carried out.
    #[serde(flatten)]
    pub plan: ImagePlan,
    /// The local image id, when the image is here.
    pub image_id: Option<String>,
    /// Build steps run (0 when nothing was built).
    pub steps: usize,
    /// Of those, the ones served from the cache.
    pub cached_steps: usize,
    /// The tags pushed, with the registry's digests (a skipped push reports what the registry
    /// has in `plan.in_registry`).
    pub pushed: Vec<Pushed>,
}

impl ImageOutcome {
    /// The registry digest of `tag`, pushed or already there.
    pub fn digest(&self, tag: &str) -> Option<&str> {
        self.pushed.iter().chain(&self.plan.in_registry).find(|p| p.tag == tag).map(|p| p.digest.as_str())
    }
}

/// Plans `request`: the input digest of the step (of the tree as the overlay leaves it), what
/// the engine and the registry hold under its primary tag, and the decision.
pub fn plan_image(p: &Pipeline<'_>, request: &ImageRequest<'_>) -> Result<ImagePlan, PipelineError> {
    let config = p.config;
    let step = request.step;
    let inputs = crate::input_digest::step_digest(config, step, &request.build_args, request.overlay)?;
    let naming = request.naming;
    let cache = naming.cache_refs(step, request.push && request.write_cache);
    let tags = naming.step_image(step).tags;
    let primary = tags[0].clone();

    let engine = p.engine()?;
    let local = engine.inspect(&primary)?.map(|image| image.labels);
    let made = request.made.get(&primary).map(|(by, digest)| (by.as_str(), digest.as_str()));
    let local_is_current = local.as_ref().and_then(|l| l.get(LABEL)) == Some(&inputs.digest)
        || made.is_some_and(|(_, digest)| digest == inputs.digest);
    // Without a push, an image here with the same inputs settles it: no registry round trip.
    let (remote, remote_digest, remote_unknown) = if local_is_current && !request.push {
        (None, None, None)
    } else {
        match p.remote(&primary) {
            Ok(Some(image)) => (Some(image.labels), image.digest.map(|d| d.as_str().to_owned()), None),
            Ok(None) => (None, None, None),
            Err(why) => (None, None, Some(why)),
        }
    };
    let decision = decide_build(
        step,
        &primary,
        &inputs,
        Found { local: local.as_ref(), remote: remote.as_ref(), remote_unknown: remote_unknown.as_deref(), made },
        request.push,
        request.force || request.no_cache,
    );
    let mut in_registry = Vec::new();
    if request.push && decision.action == BuildAction::Skip {
        in_registry.extend(remote_digest.map(|digest| Pushed { tag: primary.clone(), digest }));
        for tag in &tags[1..] {
            if let Some(digest) = p.registry.exists(tag)? {
                in_registry.push(Pushed { tag: tag.clone(), digest: digest.as_str().to_owned() });
            }
        }
    }
    Ok(ImagePlan {
        step: step.to_owned(),
        version: naming.version(),
        tags,
        action: decision.action,
        reason: decision.reason,
        inputs,
        builder: format!("{:?}", p.builder()).to_lowercase(),
        platform: config.platform.clone(),
        cache_from: cache.as_ref().map(|c| c.from.clone()).unwrap_or_default(),
        cache_to: cache.as_ref().and_then(|c| c.to.clone()),
        push: request.push,
        no_cache: request.no_cache,
        pull: request.pull,
        build_args: request.build_args.clone(),
        dockerfile: config.dockerfile.display().to_string(),
        context: config.context.display().to_string(),
        in_registry,
    })
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
    /// A line of warning.
    Warning(&'a str),
    /// A line a command wrote (standard output or error, without its end), in a step of a
    /// run whose steps run at the same time; elsewhere commands write to standard error.
    Output(&'a str),
    /// An event of one step of a run whose steps can run at the same time.
    Step {
        /// The step (`test`, `data-image`).
        step: &'a str,
        /// What happened in it.
        event: &'a Event<'a>,
    },
}

/// An [`Event`] that owns what it says, to cross from a step's thread to the one that draws.
#[derive(Clone, Debug)]
pub(crate) enum OwnedEvent {
    Note(String),
    Build(BuildEvent),
    Transfer(TransferEvent),
    Warning(String),
    Output(String),
}

impl OwnedEvent {
    /// `event`, owned; a nested step's event is taken as the event itself.
    pub(crate) fn new(event: &Event<'_>) -> OwnedEvent {
        match *event {
            Event::Note(note) => OwnedEvent::Note(note.to_owned()),
            Event::Build(build) => OwnedEvent::Build(build.clone()),
            Event::Transfer(transfer) => OwnedEvent::Transfer(transfer.clone()),
            Event::Warning(warning) => OwnedEvent::Warning(warning.to_owned()),
            Event::Output(line) => OwnedEvent::Output(line.to_owned()),
            Event::Step { event, .. } => OwnedEvent::new(event),
        }
    }

    pub(crate) fn as_event(&self) -> Event<'_> {
        match self {
            OwnedEvent::Note(note) => Event::Note(note),
            OwnedEvent::Build(build) => Event::Build(build),
            OwnedEvent::Transfer(transfer) => Event::Transfer(transfer),
            OwnedEvent::Warning(warning) => Event::Warning(warning),
            OwnedEvent::Output(line) => Event::Output(line),
        }
    }
}

/// The build request an [`ImagePlan`] describes (the Dockerfile, context, target, tags, input
/// labels, platform and cache settings of the plan).
pub(crate) fn build_request(p: &Pipeline<'_>, plan: &ImagePlan) -> BuildRequest {
    let config = p.config;
    // The commit and source the image is built from, asked through the one git layer (outside
    // git, both are empty).
    let (revision, source) = match hoist_git::Repo::open(config.root()) {
        Ok(repo) => (
            repo.head().map(|oid| oid.as_str().to_owned()).unwrap_or_default(),
            repo.remote_url("origin").unwrap_or_default(),
        ),
        Err(_) => (String::new(), String::new()),
    };
    let mut request = BuildRequest::new(config.context_path(), OciLabels::new(&plan.version, &revision, &source));
    request.dockerfile = config.dockerfile_path();
    request.target = Some(plan.step.clone());
    request.tags = plan.tags.clone();
    request.labels = plan.inputs.labels();
    request.platform = plan.platform.clone();
    request.cache_from = plan.cache_from.clone();
    request.inline_cache = plan.push && plan.cache_to.is_some();
    request.cache_to = if p.builder() == hoist_image::Builder::Buildx { plan.cache_to.clone() } else { None };
    request.no_cache = plan.no_cache;
    request.pull = plan.pull;
    request.build_args = plan.build_args.clone();
    request
}

/// Carries out `plan`: builds, pulls or reuses the image, tags it with every tag, and pushes
/// when the plan pushes. Decides nothing.
pub fn execute_image(
    p: &Pipeline<'_>,
    plan: &ImagePlan,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<ImageOutcome, PipelineError> {
    let engine = p.engine()?;
    let primary = plan.reference().to_owned();
    on_event(Event::Note(&plan.reason.to_string()));
    let (mut image_id, mut steps, mut cached_steps) = (None, 0, 0);
    match plan.action {
        BuildAction::Build => {
            let request = build_request(p, plan);
            let outcome = engine.build(&request, &mut |event| on_event(Event::Build(&event)))?;
            for failure in &outcome.cache_import_failures {
                on_event(Event::Warning(&format!(
                    "the registry cache `{failure}` could not be read; the build ran without it"
                )));
            }
            (image_id, steps, cached_steps) = (Some(outcome.image_id), outcome.steps, outcome.cached_steps);
        }
        BuildAction::Pull => {
            let pulled = engine.pull(&primary, &mut |event| on_event(Event::Transfer(&event)))?;
            for tag in &plan.tags[1..] {
                engine.tag(&primary, tag)?;
            }
            image_id = Some(pulled.id);
        }
        BuildAction::Push | BuildAction::Skip => {
            // The primary tag is current here (or only in the registry, for a skipped push);
            // the other tags name the same image.
            if let Some(image) = engine.inspect(&primary)? {
                for tag in &plan.tags[1..] {
                    engine.tag(&primary, tag)?;
                }
                image_id = Some(image.id);
            } else if plan.action == BuildAction::Push || !plan.push {
                return Err(PipelineError::Image(hoist_image::ImageError::NoSuchImage { reference: primary }));
            }
        }
    }
    let mut pushed = Vec::new();
    if plan.push && plan.action != BuildAction::Skip {
        let digest = engine.push(&primary, &mut |event| on_event(Event::Transfer(&event)))?;
        pushed.push(Pushed { tag: primary.clone(), digest: digest.as_str().to_owned() });
        // The other tags (`last`) name the same manifest: copied inside the registry, by digest.
        for tag in &plan.tags[1..] {
            let digest = p.registry.retag(&primary, tag)?;
            pushed.push(Pushed { tag: tag.clone(), digest: digest.as_str().to_owned() });
        }
    }
    crate::runner::check_interrupted()?;
    Ok(ImageOutcome { plan: plan.clone(), image_id, steps, cached_steps, pushed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(d: &str, c: &str, a: &str) -> InputDigest {
        InputDigest {
            digest: format!("sha256:{d}{c}{a}000000000000"),
            dockerfile: d.into(),
            context: c.into(),
            args: a.into(),
            files: 0,
            bytes: 0,
        }
    }

    #[track_caller]
    fn check(local: Option<&InputDigest>, remote: Option<&InputDigest>, push: bool, expected: (BuildAction, &str)) {
        let now = inputs("d", "c", "a");
        let (l, r) = (local.map(InputDigest::labels), remote.map(InputDigest::labels));
        let found = Found { local: l.as_ref(), remote: r.as_ref(), ..Found::default() };
        let d = decide_build("tester", "reg/app:v1-tester", &now, found, push, false);
        assert_eq!((d.action, d.reason.to_string().as_str()), expected);
    }

    #[test]
    fn decisions() {
        let now = inputs("d", "c", "a");
        let old_stage = inputs("D", "c", "a");
        let old_files = inputs("d", "C", "a");
        let old_args = inputs("d", "c", "A");
        check(None, None, false, (BuildAction::Build, "built: no image `reg/app:v1-tester` here or in the registry"));
        check(
            Some(&now),
            None,
            false,
            (BuildAction::Skip, "skipped: `reg/app:v1-tester` is here with input digest sha256:dca000000000 (same)"),
        );
        check(
            None,
            Some(&now),
            false,
            (
                BuildAction::Pull,
                "pulled: `reg/app:v1-tester` in the registry has input digest sha256:dca000000000 (same)",
            ),
        );
        check(
            None,
            Some(&now),
            true,
            (
                BuildAction::Skip,
                "skipped: `reg/app:v1-tester` in the registry has input digest sha256:dca000000000 (same)",
            ),
        );
        check(
            Some(&now),
            None,
            true,
            (
                BuildAction::Push,
                "pushed without building: `reg/app:v1-tester` here has input digest sha256:dca000000000 (same) and the registry lacks it",
            ),
        );
        check(
            None,
            Some(&old_stage),
            true,
            (BuildAction::Build, "built: Dockerfile stage `tester` (or a stage it needs) changed"),
        );
        check(Some(&old_files), None, false, (BuildAction::Build, "built: context files it copies changed"));
        check(None, Some(&old_args), false, (BuildAction::Build, "built: build arguments or platform changed"));
    }

    #[test]
    fn an_image_made_earlier_in_the_run_counts_only_with_the_same_inputs() {
        let now = inputs("d", "c", "a");
        let made = Found { made: Some(("test", now.digest.as_str())), ..Found::default() };
        let d = decide_build("tester", "t", &now, made, true, false);
        assert_eq!(d.action, BuildAction::Push);
        assert_eq!(
            d.reason.to_string(),
            "pushed without building: `t` made by step `test` with input digest sha256:dca000000000 (same) and the registry lacks it"
        );
        let d = decide_build("tester", "t", &now, made, false, false);
        assert_eq!(
            (d.action, d.reason.to_string().as_str()),
            (BuildAction::Skip, "skipped: `t` is made by step `test` with input digest sha256:dca000000000 (same)")
        );
        let other = Found { made: Some(("test", "sha256:other")), ..Found::default() };
        assert_eq!(decide_build("tester", "t", &now, other, true, false).action, BuildAction::Build);
    }

    #[test]
    fn force_and_foreign_images_and_an_unreachable_registry() {
        let now = inputs("d", "c", "a");
        let labels = now.labels();
        let d = decide_build(
            "tester",
            "t",
            &now,
            Found { local: Some(&labels), remote: Some(&labels), ..Found::default() },
            true,
            true,
        );
        assert_eq!((d.action, d.reason.to_string().as_str()), (BuildAction::Build, "built: `--force`"));
        let foreign = BTreeMap::from([("maintainer".to_owned(), "someone".to_owned())]);
        let d = decide_build("tester", "t", &now, Found { remote: Some(&foreign), ..Found::default() }, true, false);
        assert_eq!(d.reason.to_string(), "built: `t` was not built by hoist (it has no input digest)");
        let d = decide_build(
            "tester",
            "t",
            &now,
            Found { remote_unknown: Some("connection refused"), ..Found::default() },
            false,
            false,
        );
        assert_eq!(
            d.reason.to_string(),
            "built: no image `t` here, and the registry could not be asked (connection refused)"
        );
    }
}
