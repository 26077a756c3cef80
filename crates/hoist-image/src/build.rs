//! Building one Dockerfile stage: the request, the events the build reports, the outcome.
//!
//! BuildKit (through the engine's `/session`) and the classic builder report progress in
//! different shapes; both become the same [`BuildEvent`]s. A failing step becomes
//! [`ImageError::StepFailed`] with the step's whole output: BuildKit sends that output only as
//! earlier per-vertex logs, so every vertex's log is kept until the build ends.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use futures_util::StreamExt;

use crate::context::{ChunkSender, Context, ContextStats};
use crate::credentials::DOCKER_HUB_KEY;
use crate::engine::{Builder, Engine};
use crate::error::ImageError;
use crate::reference::{DOCKER_HUB, Reference};

/// The four OCI labels every image hoist builds carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OciLabels {
    /// `org.opencontainers.image.version`.
    pub version: String,
    /// `org.opencontainers.image.revision`: the git commit the image is built from.
    pub revision: String,
    /// `org.opencontainers.image.source`: where the source lives.
    pub source: String,
    /// `org.opencontainers.image.created`: RFC 3339, UTC.
    pub created: String,
}

impl OciLabels {
    /// The labels for `version` built from the commit `revision` of the repository at
    /// `source` (any credentials in the URL are left out), created now (or at
    /// `SOURCE_DATE_EPOCH`, for reproducible builds). Outside git, pass empty strings.
    pub fn new(version: &str, revision: &str, source: &str) -> OciLabels {
        let seconds =
            std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
            });
        OciLabels {
            version: version.to_owned(),
            revision: revision.to_owned(),
            source: strip_userinfo(source),
            created: rfc3339(seconds),
        }
    }

    /// The labels by name.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        [
            ("org.opencontainers.image.version", &self.version),
            ("org.opencontainers.image.revision", &self.revision),
            ("org.opencontainers.image.source", &self.source),
            ("org.opencontainers.image.created", &self.created),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }
}

/// What to build.
#[derive(Clone, Debug, Default)]
pub struct BuildRequest {
    /// The context directory.
    pub context: PathBuf,
    /// The Dockerfile, relative to the context (default `Dockerfile`) or absolute.
    pub dockerfile: PathBuf,
    /// The stage to build; `None`: the last one.
    pub target: Option<String>,
    /// The tags to apply (`repo:tag`); the first is applied by the build, the rest by tagging.
    pub tags: Vec<String>,
    /// `--build-arg`s.
    pub build_args: BTreeMap<String, String>,
    /// Extra labels; the OCI ones are added from [`BuildRequest::oci`].
    pub labels: BTreeMap<String, String>,
    /// The OCI labels.
    pub oci: OciLabels,
    /// `--platform`, e.g. `linux/amd64`.
    pub platform: Option<String>,
    /// Images to use as cache sources (`--cache-from`).
    pub cache_from: Vec<String>,
    /// Write inline cache metadata into the image (BuildKit: `BUILDKIT_INLINE_CACHE=1`), so a
    /// pushed image can serve as `cache_from` later.
    pub inline_cache: bool,
    /// For the `buildx` builder: `--cache-to type=registry,ref=REF,mode=max`.
    pub cache_to: Option<String>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`: always look for a newer base image.
    pub pull: bool,
    /// `--network` for `RUN` steps; `None`: the engine's default.
    pub network: Option<String>,
}

impl BuildRequest {
    /// A request for the Dockerfile `Dockerfile` in `context`, labelled with `oci`.
    pub fn new(context: impl Into<PathBuf>, oci: OciLabels) -> BuildRequest {
        BuildRequest {
            context: context.into(),
            dockerfile: PathBuf::from("Dockerfile"),
            oci,
            ..BuildRequest::default()
        }
    }

    /// All labels the image gets: the extra ones, then the OCI ones (which win).
    pub fn all_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.extend(self.oci.to_map());
        labels
    }
}

/// One step of a build, as the live view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The builder's id for the step (a BuildKit vertex digest, or `step-N`).
    pub id: String,
    /// The builder's full name for it, e.g. `[build 2/5] RUN make`.
    pub name: String,
    /// The stage, when the name says.
    pub stage: Option<String>,
    /// Its number within the stage, from 1.
    pub index: Option<usize>,
    /// How many steps the stage has.
    pub total: Option<usize>,
    /// The instruction, e.g. `RUN make`.
    pub command: String,
    /// True for the builder's own bookkeeping (loading the Dockerfile, the context, metadata).
    pub internal: bool,
}

/// Something that happened during a build.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BuildEvent {
    /// The build request went to the engine.
    Started {
        /// The builder in use.
        builder: Builder,
        /// The target stage.
        target: Option<String>,
    },
    /// Something the user should know that is not an error (a fallback, a choice).
    Notice(String),
    /// A step started.
    StepStarted(Step),
    /// A step finished.
    StepDone {
        /// The step.
        step: Step,
        /// Its result came from the cache.
        cached: bool,
        /// How long it ran, when the builder says.
        seconds: Option<f64>,
    },
    /// A step finished with an error (the build fails with it).
    StepFailed {
        /// The step.
        step: Step,
        /// How long it ran, when the builder says.
        seconds: Option<f64>,
    },
    /// A line of a step's output.
    Output {
        /// The step's id.
        step: String,
        /// The line, without its end.
        line: String,
    },
    /// A warning from the builder.
    Warning(String),
    /// A `cache_from` image could not be imported; the build goes on without it.
    CacheImportFailed {
        /// What the builder said.
        message: String,
    },
    /// A tag was applied to the built image.
    Tagged(String),
}

/// What a successful build produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildOutcome {
    /// The image id (`sha256:…`).
    pub image_id: String,
    /// The tags applied, in order.
    pub tags: Vec<String>,
    /// The builder that ran.
    pub builder: Builder,
    /// What the context tar held.
    pub context: ContextStats,
    /// Steps run, not counting `FROM` (whose "cached" flag BuildKit sets at will) nor the
    /// builder's bookkeeping.
    pub steps: usize,
    /// Of those, the ones served from the cache.
    pub cached_steps: usize,
    /// `cache_from` imports that failed (the build went on without them).
    pub cache_import_failures: Vec<String>,
}

impl Engine {
    /// Builds `request.target` of the Dockerfile, tags the image with every tag, and reports
    /// progress to `on_event`. On failure no tag is left pointing at a new image.
    pub fn build(
        &self,
        request: &BuildRequest,
        on_event: &mut dyn FnMut(BuildEvent),
    ) -> Result<BuildOutcome, ImageError> {
        self.build_with(self.builder, request, on_event)
    }

    /// Whether the engine's BuildKit builds, found the one sure way: an image of `FROM scratch`
    /// and a label, built through BuildKit's session API as every image is (whatever builder
    /// this engine was connected with), then removed. `Ok(false)`: the engine's API is older
    /// than 1.39, which has no BuildKit session, so builds fall back to the classic builder.
    /// Nothing is pulled; an engine connected with [`DockerConfig::empty`] credentials runs no
    /// credential helper for it (a `FROM` counts as a Docker Hub read, even `scratch`).
    ///
    /// [`DockerConfig::empty`]: crate::DockerConfig::empty
    pub fn probe_buildkit(&self) -> Result<bool, ImageError> {
        if !self.buildkit_supported {
            return Ok(false);
        }
        let context_error = |e: std::io::Error| ImageError::BuildFailed {
            message: format!("cannot write the probe's build context: {e}"),
        };
        let dir = tempfile::Builder::new().prefix("hoist-buildkit-probe-").tempdir().map_err(context_error)?;
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\nLABEL dev.hoist.probe=buildkit\n")
            .map_err(context_error)?;
        let tag = format!("hoist-probe/buildkit:{}", session_id());
        let request = BuildRequest { tags: vec![tag.clone()], ..BuildRequest::new(dir.path(), OciLabels::default()) };
        let outcome = self.build_with(Builder::Buildkit, &request, &mut |_| {})?;
        self.remove(&tag)?;
        Ok(outcome.builder == Builder::Buildkit)
    }

    /// [`Engine::build`] with `chosen` instead of the builder the engine was connected with.
    fn build_with(
        &self,
        chosen: Builder,
        request: &BuildRequest,
        on_event: &mut dyn FnMut(BuildEvent),
    ) -> Result<BuildOutcome, ImageError> {
        let dockerfile_name = if request.dockerfile.as_os_str().is_empty() {
            PathBuf::from("Dockerfile")
        } else {
            request.dockerfile.clone()
        };
        let context = Context::new(&request.context, &dockerfile_name)?;
        let dockerfile_path = if dockerfile_name.is_absolute() {
            dockerfile_name.clone()
        } else {
            request.context.join(&dockerfile_name)
        };
        let registries = check_dockerfile(&dockerfile_path, request)?;
        for tag in &request.tags {
            Reference::parse(tag)?;
        }
        let builder = match chosen {
            Builder::Buildkit if !self.buildkit_supported => Builder::Classic,
            other => other,
        };
        if chosen == Builder::Buildkit && builder == Builder::Classic {
            on_event(BuildEvent::Notice(format!(
                "the engine at `{}` (API {}) has no BuildKit session API: using the classic builder",
                self.host, self.api_version
            )));
        }
        if builder == Builder::Buildx {
            return crate::buildx::build(request, &context, &self.link, on_event);
        }
        if builder == Builder::Classic && request.cache_to.is_some() {
            on_event(BuildEvent::Notice("`cache_to` needs the `buildx` builder: ignored".to_owned()));
        }
        on_event(BuildEvent::Started { builder, target: request.target.clone() });

        // Credentials for every registry the build may read: bases and cache sources.
        let mut credentials = HashMap::new();
        for registry in registries {
            if let Some(docker) = self.docker_credentials(&registry)? {
                if registry == DOCKER_HUB {
                    for key in [DOCKER_HUB_KEY, "docker.io", "registry-1.docker.io", "index.docker.io"] {
                        credentials.insert(key.to_owned(), docker.clone());
                    }
                } else {
                    credentials.insert(registry, docker);
                }
            }
        }

        let mut build_args: HashMap<String, String> =
            request.build_args.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if request.inline_cache && builder == Builder::Buildkit {
            build_args.insert("BUILDKIT_INLINE_CACHE".to_owned(), "1".to_owned());
        }
        let labels: HashMap<String, String> = request.all_labels().into_iter().collect();
        let mut options = BuildImageOptionsBuilder::default()
            .dockerfile(context.dockerfile_name())
            .buildargs(&build_args)
            .labels(&labels)
            .cachefrom(&request.cache_from)
            .nocache(request.no_cache)
            .rm(true)
            .forcerm(true);
        if let Some(first) = request.tags.first() {
            options = options.t(first);
        }
        if let Some(target) = &request.target {
            options = options.target(target);
        }
        if request.pull {
            options = options.pull("1");
        }
        if let Some(platform) = &request.platform {
            options = options.platform(platform);
        }
        if let Some(network) = &request.network {
            options = options.networkmode(network);
        }
        let session = session_id();
        options = match builder {
            Builder::Buildkit => options.version(BuilderVersion::BuilderBuildKit).session(&session),
            _ => options.version(BuilderVersion::BuilderV1),
        };
        let options = options.build();

        // The context tar is written by a thread into a bounded channel that the upload reads.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(8);
        let producer_context = context.clone();
        let error_tx = tx.clone();
        let producer = std::thread::spawn(move || {
            let result = producer_context.write_tar(ChunkSender::new(tx));
            if let Err(e) = &result {
                let _ = error_tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
            result
        });
        let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        let body = bollard::body_try_stream(body);

        let mut state = match builder {
            Builder::Buildkit => Progress::Buildkit(BuildkitState::default()),
            _ => Progress::Classic(ClassicState::default()),
        };
        let credentials = if credentials.is_empty() { None } else { Some(credentials) };
        let streamed: Result<(), bollard::errors::Error> = self.rt.block_on(async {
            let mut stream = self.docker.build_image(options, credentials, Some(body));
            while let Some(item) = stream.next().await {
                match item {
                    Ok(info) => state.handle(info, on_event),
                    Err(bollard::errors::Error::IOError { .. }) if state.image_id().is_some() => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        });
        let produced = producer.join().unwrap_or_else(|_| {
            Err(ImageError::BuildFailed { message: "the context writer panicked; this is a bug in hoist".to_owned() })
        });
        let context_stats = match (&streamed, produced) {
            // A context that cannot be read is the cause whatever the engine then said.
            (_, Err(e @ ImageError::ContextRead { .. })) => return Err(e),
            (_, Ok(stats)) => stats,
            (Err(_), Err(_)) | (Ok(()), Err(_)) => ContextStats::default(),
        };
        if let Err(error) = streamed {
            return Err(state.failure(self, error));
        }
        let Some(image_id) = state.image_id() else {
            return Err(ImageError::BuildFailed { message: "the engine reported no image id".to_owned() });
        };
        let mut applied: Vec<String> = Vec::new();
        for (i, tag) in request.tags.iter().enumerate() {
            if i > 0
                && let Err(e) = self.tag(&image_id, tag)
            {
                // No half-tagged result: take back what this build applied.
                for done in &applied {
                    let _ = self.remove(done);
                }
                return Err(e);
            }
            applied.push(tag.clone());
            on_event(BuildEvent::Tagged(tag.clone()));
        }
        let (steps, cached_steps, cache_import_failures) = state.summary();
        Ok(BuildOutcome {
            image_id,
            tags: applied,
            builder,
            context: context_stats,
            steps,
            cached_steps,
            cache_import_failures,
        })
    }
}

/// Checks the target against the Dockerfile's stages; returns the registries the build
/// may pull from (bases and cache sources).
fn check_dockerfile(path: &Path, request: &BuildRequest) -> Result<Vec<String>, ImageError> {
    let mut registries: Vec<String> = Vec::new();
    let parsed = match hoist_dockerfile::parse_file(path) {
        Ok(file) => Some(file),
        Err(e) if request.target.is_some() => return Err(e.into()),
        // Without a target the engine's own parser has the last word.
        Err(_) => None,
    };
    if let (Some(file), Some(target)) = (&parsed, &request.target)
        && file.stage(target).is_none()
    {
        return Err(ImageError::UnknownTarget {
            target: target.clone(),
            dockerfile: path.to_owned(),
            stages: file.stages.iter().map(|s| s.display_name()).collect(),
        });
    }
    if let Some(file) = &parsed {
        for stage in &file.stages {
            // `scratch` is no image: nothing is pulled for it, no credentials are needed.
            if stage.base_stage.is_none()
                && !stage.base.contains('$')
                && !stage.base.eq_ignore_ascii_case("scratch")
                && let Ok(reference) = Reference::parse(&stage.base)
            {
                registries.push(reference.registry().to_owned());
            }
        }
    }
    for cache in &request.cache_from {
        registries.push(Reference::parse(cache)?.registry().to_owned());
    }
    registries.sort();
    registries.dedup();
    Ok(registries)
}

fn session_id() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("hoist-{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

enum Progress {
    Buildkit(BuildkitState),
    Classic(ClassicState),
}

impl Progress {
    fn handle(&mut self, info: bollard::models::BuildInfo, on_event: &mut dyn FnMut(BuildEvent)) {
        match self {
            Progress::Buildkit(state) => state.handle(info, on_event),
            Progress::Classic(state) => state.handle(info, on_event),
        }
    }

    fn image_id(&self) -> Option<String> {
        match self {
            Progress::Buildkit(state) => state.image_id.clone(),
            Progress::Classic(state) => state.image_id.clone(),
        }
    }

    fn summary(&self) -> (usize, usize, Vec<String>) {
        match self {
            Progress::Buildkit(state) => {
                let steps: Vec<&Vertex> = state
                    .vertices
                    .values()
                    .filter(|v| !v.step.internal && !v.step.command.starts_with("FROM "))
                    .collect();
                (steps.len(), steps.iter().filter(|v| v.cached).count(), state.cache_failures.clone())
            }
            Progress::Classic(state) => (state.steps, state.cached, Vec::new()),
        }
    }

    fn failure(&self, engine: &Engine, error: bollard::errors::Error) -> ImageError {
        let message = match error {
            bollard::errors::Error::DockerStreamError { error } => error,
            bollard::errors::Error::DockerResponseServerError { message, .. } => message,
            other => return engine.error("build", other),
        };
        match self {
            Progress::Buildkit(state) => state.failure(message),
            Progress::Classic(state) => state.failure(message),
        }
    }
}

#[derive(Default)]
struct BuildkitState {
    vertices: HashMap<String, Vertex>,
    order: Vec<String>,
    image_id: Option<String>,
    cache_failures: Vec<String>,
}

struct Vertex {
    step: Step,
    started: bool,
    completed: bool,
    cached: bool,
    error: String,
    log: Vec<u8>,
    pending: Vec<u8>,
}

impl BuildkitState {
    fn handle(&mut self, info: bollard::models::BuildInfo, on_event: &mut dyn FnMut(BuildEvent)) {
        use bollard::models::BuildInfoAux;
        match info.aux {
            Some(BuildInfoAux::Default(image))
                if info.id.as_deref() == Some("moby.image.id") || self.image_id.is_none() =>
            {
                self.image_id = image.id;
            }
            Some(BuildInfoAux::BuildKit(status)) => {
                for v in status.vertexes {
                    let seconds = match (&v.started, &v.completed) {
                        (Some(s), Some(c)) => Some((c.seconds - s.seconds) as f64 + f64::from(c.nanos - s.nanos) / 1e9),
                        _ => None,
                    };
                    let known = self.vertices.contains_key(&v.digest);
                    if !known {
                        self.order.push(v.digest.clone());
                        self.vertices.insert(
                            v.digest.clone(),
                            Vertex {
                                step: parse_step(&v.digest, &v.name),
                                started: false,
                                completed: false,
                                cached: false,
                                error: String::new(),
                                log: Vec::new(),
                                pending: Vec::new(),
                            },
                        );
                    }
                    let Some(vertex) = self.vertices.get_mut(&v.digest) else { continue };
                    vertex.cached |= v.cached;
                    if (v.started.is_some() || v.cached) && !vertex.started {
                        vertex.started = true;
                        on_event(BuildEvent::StepStarted(vertex.step.clone()));
                    }
                    if !v.error.is_empty() && vertex.error.is_empty() {
                        vertex.error = v.error.clone();
                        if vertex.step.name.starts_with("importing cache manifest") {
                            let message = format!("{}: {}", vertex.step.name, v.error);
                            self.cache_failures.push(message.clone());
                            on_event(BuildEvent::CacheImportFailed { message });
                        }
                    }
                    if v.completed.is_some() && !vertex.completed {
                        vertex.completed = true;
                        if !vertex.pending.is_empty() {
                            let line = String::from_utf8_lossy(&std::mem::take(&mut vertex.pending)).into_owned();
                            on_event(BuildEvent::Output { step: v.digest.clone(), line });
                        }
                        let step = vertex.step.clone();
                        if vertex.error.is_empty() {
                            on_event(BuildEvent::StepDone { step, cached: vertex.cached, seconds });
                        } else {
                            on_event(BuildEvent::StepFailed { step, seconds });
                        }
                    }
                }
                for log in status.logs {
                    let Some(vertex) = self.vertices.get_mut(&log.vertex) else { continue };
                    vertex.log.extend_from_slice(&log.msg);
                    vertex.pending.extend_from_slice(&log.msg);
                    while let Some(end) = vertex.pending.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = vertex.pending.drain(..=end).collect();
                        let line = String::from_utf8_lossy(&line[..line.len() - 1]).trim_end_matches('\r').to_owned();
                        on_event(BuildEvent::Output { step: log.vertex.clone(), line });
                    }
                }
                for warning in status.warnings {
                    on_event(BuildEvent::Warning(String::from_utf8_lossy(&warning.short).into_owned()));
                }
            }
            _ => {}
        }
    }

    fn failure(&self, message: String) -> ImageError {
        let failed: Vec<&Vertex> = self
            .order
            .iter()
            .filter_map(|d| self.vertices.get(d))
            .filter(|v| !v.error.is_empty() && !v.step.name.starts_with("importing cache manifest"))
            .collect();
        let vertex = failed
            .iter()
            .find(|v| v.error.contains("exit code") || v.error.contains("did not complete successfully"))
            .or(failed.iter().find(|v| !v.error.contains("context canceled")))
            .or(failed.first());
        match vertex {
            Some(vertex) if !vertex.step.internal => ImageError::StepFailed {
                instruction: vertex.step.name.clone(),
                exit_code: exit_code(&vertex.error).or_else(|| exit_code(&message)),
                log: String::from_utf8_lossy(&vertex.log).into_owned(),
                message: vertex.error.clone(),
            },
            Some(vertex) => ImageError::BuildFailed { message: format!("{}: {}", vertex.step.name, vertex.error) },
            None => ImageError::BuildFailed { message },
        }
    }
}

#[derive(Default)]
struct ClassicState {
    image_id: Option<String>,
    current: Option<Step>,
    log: String,
    steps: usize,
    cached: usize,
}

impl ClassicState {
    fn handle(&mut self, info: bollard::models::BuildInfo, on_event: &mut dyn FnMut(BuildEvent)) {
        if let Some(bollard::models::BuildInfoAux::Default(image)) = info.aux {
            self.image_id = image.id.or(self.image_id.take());
        }
        let Some(text) = info.stream else { return };
        for line in text.lines() {
            let line = strip_ansi(line);
            if let Some(rest) = line.strip_prefix("Step ") {
                self.finish(on_event, false);
                let (counts, command) = rest.split_once(" : ").unwrap_or((rest, ""));
                let (index, total) = counts.split_once('/').unwrap_or((counts, ""));
                let step = Step {
                    id: format!("step-{index}"),
                    name: line.clone(),
                    stage: None,
                    index: index.trim().parse().ok(),
                    total: total.trim().parse().ok(),
                    command: command.to_owned(),
                    internal: false,
                };
                if !command.starts_with("FROM ") {
                    self.steps += 1;
                }
                self.log.clear();
                on_event(BuildEvent::StepStarted(step.clone()));
                self.current = Some(step);
            } else if line.trim() == "---> Using cache" {
                self.cached += 1;
                self.finish(on_event, true);
            } else if line.starts_with(" ---> ")
                || line.starts_with("Removing intermediate container")
                || line.starts_with("Successfully built")
                || line.starts_with("Successfully tagged")
            {
                if line.starts_with(" ---> ") && !line.starts_with(" ---> Running in") {
                    self.finish(on_event, false);
                }
            } else if !line.trim().is_empty() {
                self.log.push_str(&line);
                self.log.push('\n');
                if let Some(step) = &self.current {
                    on_event(BuildEvent::Output { step: step.id.clone(), line });
                }
            }
        }
    }

    fn finish(&mut self, on_event: &mut dyn FnMut(BuildEvent), cached: bool) {
        if let Some(step) = self.current.take() {
            on_event(BuildEvent::StepDone { step, cached, seconds: None });
        }
    }

    fn failure(&self, message: String) -> ImageError {
        match &self.current {
            Some(step) if message.contains("non-zero code") => ImageError::StepFailed {
                instruction: step.command.clone(),
                exit_code: exit_code(&message),
                log: self.log.clone(),
                message,
            },
            _ => ImageError::BuildFailed { message },
        }
    }
}

/// Reads `[stage 2/5] RUN make` (BuildKit's vertex names).
fn parse_step(id: &str, name: &str) -> Step {
    let mut step = Step {
        id: id.to_owned(),
        name: name.to_owned(),
        stage: None,
        index: None,
        total: None,
        command: name.to_owned(),
        internal: false,
    };
    if let Some(rest) = name.strip_prefix('[')
        && let Some((inside, command)) = rest.split_once("] ")
    {
        step.command = command.to_owned();
        if inside == "internal" || inside.starts_with("auth") {
            step.internal = true;
            return step;
        }
        let mut words: Vec<&str> = inside.split_whitespace().collect();
        if let Some(last) = words.last()
            && let Some((i, n)) = last.split_once('/')
            && let (Ok(i), Ok(n)) = (i.parse(), n.parse())
        {
            step.index = Some(i);
            step.total = Some(n);
            words.pop();
        }
        if !words.is_empty() {
            step.stage = Some(words.join(" "));
        }
    } else {
        // `importing cache manifest from …`, `exporting to image`, `resolve image config …`.
        step.internal = true;
    }
    step
}

/// The `N` of `exit code: N` (BuildKit) or `returned a non-zero code: N` (classic).
fn exit_code(text: &str) -> Option<i64> {
    for marker in ["exit code: ", "non-zero code: "] {
        if let Some(i) = text.rfind(marker) {
            let digits: String = text[i + marker.len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(code) = digits.parse() {
                return Some(code);
            }
        }
    }
    None
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `https://user:token@host/path` → `https://host/path`.
fn strip_userinfo(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        if path.is_empty() { format!("{scheme}://{host}") } else { format!("{scheme}://{host}/{path}") }
    } else {
        url.to_owned()
    }
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names() {
        let s = parse_step("d", "[build 2/5] RUN make");
        assert_eq!(
            (s.stage.as_deref(), s.index, s.total, s.command.as_str()),
            (Some("build"), Some(2), Some(5), "RUN make")
        );
        let s = parse_step("d", "[2/3] COPY . .");
        assert_eq!((s.stage, s.index, s.total, s.internal), (None, Some(2), Some(3), false));
        assert!(parse_step("d", "[internal] load build definition from Dockerfile").internal);
        assert!(parse_step("d", "exporting to image").internal);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code("executor failed running [/bin/sh -c exit 42]: exit code: 42"), Some(42));
        assert_eq!(exit_code("The command '/bin/sh -c false' returned a non-zero code: 1"), Some(1));
        assert_eq!(exit_code("failed to solve"), None);
    }

    #[test]
    fn scratch_pulls_from_no_registry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        std::fs::write(&path, "FROM scratch AS a\nFROM SCRATCH AS b\nFROM a AS c\nFROM r.example:5000/base:1 AS d\n")
            .unwrap();
        let request = BuildRequest { cache_from: vec!["cache.example/app:cache".into()], ..BuildRequest::default() };
        assert_eq!(check_dockerfile(&path, &request).unwrap(), ["cache.example", "r.example:5000"]);
    }

    #[test]
    fn dates_and_urls() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(strip_userinfo("https://x:tok@github.com/o/r.git"), "https://github.com/o/r.git");
        assert_eq!(strip_userinfo("git@github.com:o/r.git"), "git@github.com:o/r.git");
        assert_eq!(strip_ansi("\u{1b}[91mboom\u{1b}[0m"), "boom");
    }
}
