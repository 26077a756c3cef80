//! The Docker engine, behind a blocking facade: connect, inspect, tag, remove, push, pull.
//! Building is in `build.rs`, as more methods of [`Engine`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bollard::Docker;
use bollard::query_parameters::{
    CreateImageOptionsBuilder, PushImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};
use futures_util::StreamExt;

use crate::credentials::{DOCKER_HUB_KEY, DockerConfig};
use crate::endpoint::{EngineAddress, EngineLink, EngineTarget};
use crate::error::{EngineDown, ImageError};
use crate::progress::TransferEvent;
use crate::reference::{DOCKER_HUB, Digest, Reference};
use crate::runtime::Runtime;

/// The engine's default address when nothing chooses one.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Which builder builds images.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Builder {
    /// The engine's built-in BuildKit through its session API (`RUN --mount`, inline cache);
    /// falls back to [`Builder::Classic`] on an engine without it.
    #[default]
    Buildkit,
    /// The engine's classic builder.
    Classic,
    /// `docker buildx build` (needs the buildx plugin), for `cache-to type=registry,mode=max`.
    Buildx,
}

/// How to reach the engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The engine, already chosen and opened (what the CLI passes, so that the programs it
    /// runs reach the same one); `None`: chosen from `host`, the environment and the Docker
    /// config ([`EngineTarget::resolve`]).
    pub link: Option<Arc<EngineLink>>,
    /// An engine address or docker context name that wins over the environment (what
    /// `--engine` gives), when `link` is `None`.
    pub host: Option<String>,
    /// The builder to use.
    pub builder: Builder,
    /// How long one request may take before headers arrive. A build's context upload counts,
    /// so this is long (bollard's own default of 120 s cuts large contexts off).
    pub timeout: Duration,
    /// Registry credentials; `None`: read the user's Docker config at connect.
    pub credentials: Option<DockerConfig>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            link: None,
            host: None,
            builder: Builder::Buildkit,
            timeout: Duration::from_secs(3600),
            credentials: None,
        }
    }
}

/// A connected Docker engine.
pub struct Engine {
    pub(crate) rt: Arc<Runtime>,
    pub(crate) docker: Docker,
    pub(crate) host: String,
    pub(crate) builder: Builder,
    pub(crate) buildkit_supported: bool,
    pub(crate) api_version: String,
    pub(crate) credentials: Arc<DockerConfig>,
    pub(crate) link: Arc<EngineLink>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("host", &self.host)
            .field("api_version", &self.api_version)
            .field("builder", &self.builder)
            .field("buildkit_supported", &self.buildkit_supported)
            .finish_non_exhaustive()
    }
}

/// What the engine knows about a local image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// The image id (`sha256:…`).
    pub id: String,
    /// Its tags (`repo:tag`).
    pub tags: Vec<String>,
    /// Its registry digests (`repo@sha256:…`), known once pushed or pulled.
    pub repo_digests: Vec<String>,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// When it was created (RFC 3339), as the image config says.
    pub created: Option<String>,
    /// Its size in bytes.
    pub size: Option<i64>,
}

impl ImageInfo {
    /// The digest this image has in `repository` (`host/name`), from its repo digests.
    pub fn digest_in(&self, repository: &str) -> Option<Digest> {
        self.repo_digests.iter().find_map(|d| {
            let (repo, digest) = d.split_once('@')?;
            (repo == repository).then(|| Digest::parse(digest)).flatten()
        })
    }
}

/// What the engine says it is ([`Engine::server_version`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServerVersion {
    /// The engine's version, e.g. `27.3.1`.
    pub version: String,
    /// The newest API version it speaks, e.g. `1.47`.
    pub api_version: String,
    /// The oldest API version it speaks.
    pub min_api_version: Option<String>,
    /// Its operating system and architecture, e.g. `linux/amd64`.
    pub platform: Option<String>,
}

/// A command to run in a running container ([`Engine::exec`]).
#[derive(Clone, Copy, Debug)]
pub struct ExecRequest<'a> {
    /// The container's id or name.
    pub container: &'a str,
    /// The command, one argument per value.
    pub command: &'a [String],
    /// The user (`NAME`, `UID` or `UID:GID`), or the container's.
    pub user: Option<&'a str>,
    /// `NAME=VALUE` pairs added to the container's environment.
    pub env: &'a [String],
}

/// A compose project name as compose writes it into its labels: lower case, only ASCII
/// letters, digits, `-` and `_`.
fn compose_name(project: &str) -> String {
    project.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

/// How [`Engine::exec`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecEnd {
    /// The command ended with this exit code.
    Exited(i64),
    /// The caller's `stop` said to stop waiting.
    Stopped,
    /// The container was not running (it exited before the command could start).
    NotRunning,
}

fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

impl Engine {
    /// Connects to the engine and checks that it answers, negotiating the API version.
    pub fn connect(config: &EngineConfig) -> Result<Engine, ImageError> {
        let link = match &config.link {
            Some(link) => Arc::clone(link),
            None => Arc::new(EngineLink::open(EngineTarget::resolve(config.host.as_deref())?)?),
        };
        let host = link.target().address.url();
        let credentials = match &config.credentials {
            Some(credentials) => credentials.clone(),
            None => DockerConfig::load()?,
        };
        let rt = Runtime::new()?;
        let seconds = config.timeout.as_secs().max(1);
        let version = bollard::API_DEFAULT_VERSION;
        // Each kind of address through its own connector, never bollard's `connect_with_host`:
        // that one reads `DOCKER_TLS_VERIFY` itself, which may not be what chose this engine.
        // TCP, with and without TLS, goes through hoist's own (`tcp.rs`).
        let docker = match &link.target().address {
            EngineAddress::Unix { .. } | EngineAddress::Ssh { .. } => {
                Docker::connect_with_unix(&link.local_url(), seconds, version)
            }
            EngineAddress::Tcp { authority } => {
                let docker = crate::tcp::connect_plain(authority, seconds)?;
                return Engine::finish(config, docker, rt, link, credentials);
            }
            EngineAddress::Tls { authority, certs } => {
                let docker = crate::tcp::connect_tls(authority, certs, seconds, &host, &link.target().reason())?;
                return Engine::finish(config, docker, rt, link, credentials);
            }
        };
        let docker = match docker {
            Ok(docker) => docker,
            Err(bollard::errors::Error::SocketNotFoundError(_)) => {
                return Err(ImageError::EngineUnreachable { host, reason: EngineDown::SocketMissing });
            }
            Err(bollard::errors::Error::UnsupportedURISchemeError { .. }) => {
                return Err(ImageError::BadEngineHost { host });
            }
            Err(e) => return Err(ImageError::EngineUnreachable { host, reason: EngineDown::Other(e.to_string()) }),
        };
        Engine::finish(config, docker, rt, link, credentials)
    }

    /// Negotiates the API version with the engine `docker` reaches, and checks it answers.
    fn finish(
        config: &EngineConfig,
        docker: Docker,
        rt: Arc<Runtime>,
        link: Arc<EngineLink>,
        credentials: DockerConfig,
    ) -> Result<Engine, ImageError> {
        let host = link.target().address.url();
        let docker = docker.with_timeout(config.timeout).with_request_modifier(reencode_registry_auth);
        let docker = rt.block_on(docker.negotiate_version()).map_err(|e| unreachable(&link, e))?;
        let version = docker.client_version();
        let api_version = version.to_string();
        // BuildKit through `/session` came with API 1.39 (Docker 18.09).
        let buildkit_supported = (version.major_version, version.minor_version) >= (1, 39);
        Ok(Engine {
            rt,
            docker,
            host,
            builder: config.builder,
            buildkit_supported,
            api_version,
            credentials: Arc::new(credentials),
            link,
        })
    }

    /// The engine's link: its address, what chose it, and the variables that make the programs
    /// hoist runs reach it too.
    pub fn link(&self) -> &EngineLink {
        &self.link
    }

    /// The engine's address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The API version both sides speak.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// What the engine says it is: its version and API versions (`GET /version`).
    pub fn server_version(&self) -> Result<ServerVersion, ImageError> {
        let v = self.rt.block_on(self.docker.version()).map_err(|e| self.error("say its version", e))?;
        let platform = match (v.os, v.arch) {
            (Some(os), Some(arch)) if !os.is_empty() && !arch.is_empty() => Some(format!("{os}/{arch}")),
            _ => None,
        };
        Ok(ServerVersion {
            version: v.version.unwrap_or_default(),
            api_version: v.api_version.unwrap_or_default(),
            min_api_version: v.min_api_version.filter(|m| !m.is_empty()),
            platform,
        })
    }

    /// The builder that builds will actually use (BuildKit falls back to classic on an old engine).
    pub fn effective_builder(&self) -> Builder {
        match self.builder {
            Builder::Buildkit if !self.buildkit_supported => Builder::Classic,
            other => other,
        }
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &DockerConfig {
        &self.credentials
    }

    /// The local image `reference` (a tag, id or digest reference), or `None` when absent.
    pub fn inspect(&self, reference: &str) -> Result<Option<ImageInfo>, ImageError> {
        match self.rt.block_on(self.docker.inspect_image(reference)) {
            Ok(image) => Ok(Some(ImageInfo {
                id: image.id.unwrap_or_default(),
                tags: image.repo_tags.unwrap_or_default(),
                repo_digests: image.repo_digests.unwrap_or_default(),
                labels: image.config.and_then(|c| c.labels).map(|l| l.into_iter().collect()).unwrap_or_default(),
                created: image.created.map(|c| c.to_rfc3339()),
                size: image.size,
            })),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(e) => Err(self.error(&format!("inspect `{reference}`"), e)),
        }
    }

    /// Tags the local image `source` as `target` (`repo:tag`).
    pub fn tag(&self, source: &str, target: &str) -> Result<(), ImageError> {
        let target_ref = Reference::parse(target)?;
        let options = TagImageOptionsBuilder::default()
            .repo(&target_ref.name())
            .tag(target_ref.tag_or_latest().unwrap_or("latest"))
            .build();
        match self.rt.block_on(self.docker.tag_image(source, Some(options))) {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                Err(ImageError::NoSuchImage { reference: source.to_owned() })
            }
            Err(e) => Err(self.error(&format!("tag `{source}` as `{target}`"), e)),
        }
    }

    /// Whether the image `reference` holds a regular file under `path` (a directory), read
    /// from a container created from it and never started (removed again), so nothing runs in
    /// the image. The archive the engine streams is read only up to the first file.
    pub fn has_files_under(&self, reference: &str, path: &str) -> Result<bool, ImageError> {
        let action = format!("read `{path}` of `{reference}`");
        let body = bollard::models::ContainerCreateBody { image: Some(reference.to_owned()), ..Default::default() };
        let created = self.rt.block_on(self.docker.create_container(None, body)).map_err(|e| self.error(&action, e))?;
        let id = created.id;
        let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::default().path(path).build();
        let found = self.rt.block_on(async {
            let mut stream = self.docker.download_from_container(&id, Some(options));
            let mut scan = TarScan::default();
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(bytes) => {
                        if scan.feed(&bytes) {
                            return Ok(true);
                        }
                    }
                    Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                        return Ok(false);
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(false)
        });
        let remove = bollard::query_parameters::RemoveContainerOptionsBuilder::default().force(true).build();
        let _ = self.rt.block_on(self.docker.remove_container(&id, Some(remove)));
        found.map_err(|e| self.error(&action, e))
    }

    /// The id of the running container of compose `service` in compose project `project`,
    /// found by the labels compose gives its containers (the first replica when the service
    /// is scaled); `None` when the service has no running container. `project` is the name
    /// as given to compose (`-p`), normalised as compose normalises it.
    pub fn service_container(&self, project: &str, service: &str) -> Result<Option<String>, ImageError> {
        let project = compose_name(project);
        let filters = std::collections::HashMap::from([
            (
                "label",
                vec![format!("com.docker.compose.project={project}"), format!("com.docker.compose.service={service}")],
            ),
            ("status", vec!["running".to_owned()]),
        ]);
        let options = bollard::query_parameters::ListContainersOptionsBuilder::default().filters(&filters).build();
        let action = format!("find the container of service `{service}` in compose project `{project}`");
        let containers =
            self.rt.block_on(self.docker.list_containers(Some(options))).map_err(|e| self.error(&action, e))?;
        let number = |c: &bollard::models::ContainerSummary| {
            c.labels
                .as_ref()
                .and_then(|l| l.get("com.docker.compose.container-number"))
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(u32::MAX)
        };
        Ok(containers.into_iter().filter(|c| c.id.is_some()).min_by_key(number).and_then(|c| c.id))
    }

    /// Whether compose project `project` left anything in the engine: a container (running
    /// or not), a volume or a network with its label. The name is normalised as compose
    /// normalises it.
    pub fn has_compose_project(&self, project: &str) -> Result<bool, ImageError> {
        let label = format!("com.docker.compose.project={}", compose_name(project));
        let filters = std::collections::HashMap::from([("label", vec![label])]);
        let action = format!("look for what compose project `{project}` left");
        let containers =
            bollard::query_parameters::ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
        if !self
            .rt
            .block_on(self.docker.list_containers(Some(containers)))
            .map_err(|e| self.error(&action, e))?
            .is_empty()
        {
            return Ok(true);
        }
        let volumes = bollard::query_parameters::ListVolumesOptionsBuilder::default().filters(&filters).build();
        let listed = self.rt.block_on(self.docker.list_volumes(Some(volumes))).map_err(|e| self.error(&action, e))?;
        if listed.volumes.is_some_and(|v| !v.is_empty()) {
            return Ok(true);
        }
        let networks = bollard::query_parameters::ListNetworksOptionsBuilder::default().filters(&filters).build();
        Ok(!self.rt.block_on(self.docker.list_networks(Some(networks))).map_err(|e| self.error(&action, e))?.is_empty())
    }

    /// Runs `request` in its running container, as `docker exec` (or `compose exec -T`) does:
    /// no terminal, standard input closed, the container's working directory. Its standard
    /// output goes to `stdout` and its standard error to `stderr` as they arrive. Returns how
    /// it ended: its exit code; [`ExecEnd::Stopped`] when `stop` said to stop waiting (checked
    /// every 100 ms; the command then goes on until the container stops); or
    /// [`ExecEnd::NotRunning`] when the container had stopped before it could start.
    pub fn exec(
        &self,
        request: &ExecRequest<'_>,
        stdout: &mut dyn std::io::Write,
        stderr: &mut dyn std::io::Write,
        stop: &dyn Fn() -> bool,
    ) -> Result<ExecEnd, ImageError> {
        let action = format!("run `{}` in container {}", request.command.join(" "), short_id(request.container));
        let options = bollard::exec::CreateExecOptions::<String> {
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            attach_stdin: Some(false),
            tty: Some(false),
            user: request.user.map(str::to_owned),
            env: (!request.env.is_empty()).then(|| request.env.to_vec()),
            cmd: Some(request.command.to_vec()),
            ..Default::default()
        };
        let write_error =
            |e: std::io::Error| ImageError::engine(action.clone(), format!("cannot write its output: {e}"));
        self.rt.block_on(async {
            let created = match self.docker.create_exec(request.container, options).await {
                Ok(created) => created,
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => {
                    return Ok(ExecEnd::NotRunning);
                }
                Err(e) => return Err(self.error(&action, e)),
            };
            let start = bollard::exec::StartExecOptions { detach: false, tty: false, output_capacity: Some(1 << 20) };
            let started = self.docker.start_exec(&created.id, Some(start)).await.map_err(|e| self.error(&action, e))?;
            let bollard::exec::StartExecResults::Attached { mut output, .. } = started else {
                return Err(ImageError::engine(action.clone(), "the engine did not attach to the command"));
            };
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    item = output.next() => match item {
                        Some(Ok(bollard::container::LogOutput::StdOut { message })) => {
                            stdout.write_all(&message).map_err(write_error)?;
                        }
                        Some(Ok(bollard::container::LogOutput::StdErr { message }))
                        | Some(Ok(bollard::container::LogOutput::Console { message })) => {
                            stderr.write_all(&message).map_err(write_error)?;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => return Err(self.error(&action, e)),
                        None => break,
                    },
                    _ = tick.tick() => {
                        if stop() {
                            return Ok(ExecEnd::Stopped);
                        }
                    }
                }
            }
            stdout.flush().map_err(write_error)?;
            stderr.flush().map_err(write_error)?;
            let inspected = self.docker.inspect_exec(&created.id).await.map_err(|e| self.error(&action, e))?;
            Ok(ExecEnd::Exited(inspected.exit_code.unwrap_or(-1)))
        })
    }

    /// Removes the local tag or image `reference`; `false` when there was none. An image with
    /// other tags only loses this one.
    pub fn remove(&self, reference: &str) -> Result<bool, ImageError> {
        let options = RemoveImageOptionsBuilder::default().force(false).noprune(false).build();
        match self.rt.block_on(self.docker.remove_image(reference, Some(options), None)) {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(false),
            Err(e) => Err(self.error(&format!("remove `{reference}`"), e)),
        }
    }

    /// Pushes `reference` (`registry/repo:tag`) and returns the digest the registry stored it
    /// under. `on_event` sees the layers' progress.
    pub fn push(&self, reference: &str, on_event: &mut dyn FnMut(TransferEvent)) -> Result<Digest, ImageError> {
        let parsed = Reference::parse(reference)?;
        let tag = parsed.tag_or_latest().unwrap_or("latest").to_owned();
        let credentials = self.docker_credentials(parsed.registry())?;
        let had_credentials = credentials.is_some();
        let options = PushImageOptionsBuilder::default().tag(&tag).build();
        let name = parsed.name();
        let mut digest = None;
        let mut transfer = crate::progress::TransferTracker::default();
        let result: Result<(), String> = self.rt.block_on(async {
            let mut stream = self.docker.push_image(&name, Some(options), credentials);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(info) => {
                        if let Some(message) = info.error_detail.and_then(|e| e.message) {
                            return Err(message);
                        }
                        let status = info.status.unwrap_or_default();
                        if let Some(found) = push_digest(&status) {
                            digest = Some(found);
                        }
                        let detail = info.progress_detail.unwrap_or_default();
                        on_event(transfer.update(&status, detail.current, detail.total));
                    }
                    Err(bollard::errors::Error::IOError { .. }) if digest.is_some() => break,
                    Err(bollard::errors::Error::DockerStreamError { error }) => return Err(error),
                    Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => return Err(message),
                    Err(e) => return Err(self.error("push", e).to_string()),
                }
            }
            Ok(())
        });
        if let Err(message) = result {
            return Err(registry_error_from_engine(&parsed, reference, &message, had_credentials));
        }
        match digest {
            Some(digest) => {
                on_event(TransferEvent::Done { reference: reference.to_owned(), digest: Some(digest.clone()) });
                Ok(digest)
            }
            None => {
                // The status text changed: fall back to the repo digest the engine recorded.
                let info = self
                    .inspect(reference)?
                    .ok_or_else(|| ImageError::NoSuchImage { reference: reference.to_owned() })?;
                info.digest_in(&name).ok_or_else(|| {
                    ImageError::engine(
                        format!("push `{reference}`"),
                        "the engine reported no digest for the pushed image",
                    )
                })
            }
        }
    }

    /// Pulls `reference` from its registry; returns the local image.
    pub fn pull(&self, reference: &str, on_event: &mut dyn FnMut(TransferEvent)) -> Result<ImageInfo, ImageError> {
        let parsed = Reference::parse(reference)?;
        let credentials = self.docker_credentials(parsed.registry())?;
        let had_credentials = credentials.is_some();
        let mut options = CreateImageOptionsBuilder::default().from_image(&parsed.name());
        if let Some(digest) = parsed.digest() {
            options = options.tag(digest.as_str());
        } else {
            options = options.tag(parsed.tag_or_latest().unwrap_or("latest"));
        }
        let options = options.build();
        let mut transfer = crate::progress::TransferTracker::default();
        let result: Result<(), String> = self.rt.block_on(async {
            let mut stream = self.docker.create_image(Some(options), None, credentials);
            let mut done = false;
            while let Some(item) = stream.next().await {
                match item {
                    Ok(info) => {
                        if let Some(message) = info.error_detail.and_then(|e| e.message) {
                            return Err(message);
                        }
                        let status = info.status.unwrap_or_default();
                        done |= status.starts_with("Status:");
                        let detail = info.progress_detail.unwrap_or_default();
                        on_event(transfer.update(&status, detail.current, detail.total));
                    }
                    Err(bollard::errors::Error::IOError { .. }) if done => break,
                    Err(bollard::errors::Error::DockerStreamError { error }) => return Err(error),
                    Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => return Err(message),
                    Err(e) => return Err(self.error("pull", e).to_string()),
                }
            }
            Ok(())
        });
        if let Err(message) = result {
            return Err(registry_error_from_engine(&parsed, reference, &message, had_credentials));
        }
        let info =
            self.inspect(reference)?.ok_or_else(|| ImageError::NoSuchImage { reference: reference.to_owned() })?;
        on_event(TransferEvent::Done { reference: reference.to_owned(), digest: info.digest_in(&parsed.name()) });
        Ok(info)
    }

    /// The engine-side credentials for `registry`, if the Docker config has any.
    pub(crate) fn docker_credentials(
        &self,
        registry: &str,
    ) -> Result<Option<bollard::auth::DockerCredentials>, ImageError> {
        let server = if registry == DOCKER_HUB { DOCKER_HUB_KEY } else { registry };
        Ok(self.credentials.credentials_for(registry)?.map(|c| c.to_docker(server)))
    }

    /// Turns a bollard error into the user's sentence: transport failures mean the engine is
    /// down, server errors carry the engine's own message.
    pub(crate) fn error(&self, action: &str, error: bollard::errors::Error) -> ImageError {
        match error {
            bollard::errors::Error::DockerResponseServerError { message, .. } => ImageError::engine(action, message),
            bollard::errors::Error::RequestTimeoutError => ImageError::engine(
                action,
                "the engine did not answer in time (raise the timeout for very large contexts)",
            ),
            other => unreachable(&self.link, other),
        }
    }
}

/// Maps a transport error to "engine unreachable": what SSH said, a TLS failure, or the OS
/// error underneath.
fn unreachable(link: &EngineLink, error: bollard::errors::Error) -> ImageError {
    let host = link.target().address.url();
    let certs = match &link.target().address {
        EngineAddress::Tls { certs, .. } => Some(certs.as_path()),
        _ => None,
    };
    let tls = certs.is_some();
    if let bollard::errors::Error::DockerResponseServerError { status_code, message } = &error {
        // A plain HTTP request to the engine's TLS port: Go's HTTP server says so, in a 400.
        if *status_code == 400 && message.contains("HTTPS server") {
            return ImageError::EngineUnreachable { host, reason: EngineDown::TlsMismatch { hoist_tls: false } };
        }
        return ImageError::engine("answer", message.clone());
    }
    if matches!(link.target().address, EngineAddress::Ssh { .. })
        && let Some(said) = link.ssh_error_after_failure()
    {
        return ImageError::EngineUnreachable { host, reason: EngineDown::Ssh(said) };
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut reason = EngineDown::Other(error.to_string());
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // An I/O error made from another error (a TLS failure, an I/O error wrapped again)
            // hands its inner error to `get_ref`, not to `source`.
            if let Some(inner) = io.get_ref()
                && (inner.is::<std::io::Error>() || inner.is::<rustls::Error>())
            {
                source = Some(inner);
                continue;
            }
            reason = match io.kind() {
                std::io::ErrorKind::NotFound => EngineDown::SocketMissing,
                std::io::ErrorKind::PermissionDenied => EngineDown::PermissionDenied,
                std::io::ErrorKind::ConnectionRefused => EngineDown::Refused,
                _ => EngineDown::Other(io.to_string()),
            };
            break;
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            reason = tls_reason(tls, certs.unwrap_or(std::path::Path::new(".")));
            break;
        }
        source = e.source();
    }
    // A TLS client reading an HTTP answer: rustls sees a record that is no TLS.
    if tls
        && let EngineDown::Other(text) = &reason
        && (text.contains("corrupt message")
            || text.contains("InvalidContentType")
            || text.contains("invalid content type"))
    {
        reason = EngineDown::TlsMismatch { hoist_tls: true };
    }
    ImageError::EngineUnreachable { host, reason }
}

/// A rustls failure in words; the TLS files are in `certs`.
fn tls_reason(error: &rustls::Error, certs: &std::path::Path) -> EngineDown {
    use rustls::{AlertDescription, CertificateError};
    match error {
        rustls::Error::InvalidCertificate(why) => EngineDown::ServerCertificate(match why {
            // A CA of another name is unknown; one of the same name did not make the signature.
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                format!("it is not signed by the CA in `{}`", certs.join("ca.pem").display())
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "it is not valid for the engine's address".to_owned()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".to_owned(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "it is not valid yet".to_owned()
            }
            CertificateError::Revoked => "it is revoked".to_owned(),
            other => format!("{other:?}"),
        }),
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateRequired
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::DecryptError
            | AlertDescription::AccessDenied => EngineDown::ClientCertificateRefused(format!(
                "`{}`, TLS alert: {}",
                certs.join("cert.pem").display(),
                alert_words(*alert)
            )),
            other => EngineDown::Other(format!("the TLS handshake failed (alert: {})", alert_words(*other))),
        },
        rustls::Error::InvalidMessage(_) => EngineDown::TlsMismatch { hoist_tls: true },
        other => EngineDown::Other(format!("the TLS handshake failed: {other}")),
    }
}

/// `BadCertificate` as "bad certificate".
fn alert_words(alert: rustls::AlertDescription) -> String {
    let mut out = String::new();
    let mut after_capital = true;
    for c in format!("{alert:?}").chars() {
        // `UnknownCA` as "unknown ca": a run of capitals is one word.
        if c.is_ascii_uppercase() && !after_capital {
            out.push(' ');
        }
        after_capital = c.is_ascii_uppercase();
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The engine's registry errors (push, pull) as the user's sentence.
pub(crate) fn registry_error_from_engine(
    reference: &Reference,
    text: &str,
    message: &str,
    had_credentials: bool,
) -> ImageError {
    let registry = reference.registry().to_owned();
    let lower = message.to_ascii_lowercase();
    let reference_text = text.to_owned();
    if lower.contains("does not exist locally") || lower.contains("no such image") {
        ImageError::NoSuchImage { reference: reference_text }
    } else if lower.contains("server gave http response to https client") {
        ImageError::RegistryPlainHttp { registry }
    } else if lower.contains("no basic auth credentials")
        || lower.contains("unauthorized")
        || lower.contains("authentication required")
    {
        ImageError::Unauthorized { registry, reference: reference_text, had_credentials }
    } else if lower.contains("denied") {
        ImageError::Forbidden { registry, reference: reference_text }
    } else if lower.contains("manifest unknown") || lower.contains("not found") {
        ImageError::NotInRegistry { registry, reference: reference_text }
    } else if lower.contains("connection refused")
        || lower.contains("no such host")
        || lower.contains("i/o timeout")
        || lower.contains("dial tcp")
    {
        ImageError::RegistryUnreachable { registry, reason: last_clause(message) }
    } else {
        ImageError::Registry { registry, reference: reference_text, message: message.to_owned() }
    }
}

fn last_clause(message: &str) -> String {
    message.rsplit(": ").next().unwrap_or(message).trim().to_owned()
}

/// The digest in the engine's last push status: `TAG: digest: sha256:… size: N`.
fn push_digest(status: &str) -> Option<Digest> {
    let rest = status.split_once("digest: ")?.1;
    Digest::parse(rest.split_whitespace().next()?)
}

/// bollard encodes `X-Registry-Auth` / `X-Registry-Config` with the standard base64 alphabet;
/// the engine decodes the URL-safe one and silently drops credentials whose encoding has `+` or
/// `/`. Re-encode both headers URL-safe so any password works.
fn reencode_registry_auth(mut request: bollard::BollardRequest) -> bollard::BollardRequest {
    for name in ["X-Registry-Auth", "X-Registry-Config"] {
        let Some(value) = request.headers().get(name) else { continue };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(value.as_bytes()) else { continue };
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(decoded);
        if let Ok(value) = encoded.parse() {
            request.headers_mut().insert(name, value);
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_alerts_are_words() {
        assert_eq!(alert_words(rustls::AlertDescription::BadCertificate), "bad certificate");
        assert_eq!(alert_words(rustls::AlertDescription::UnknownCA), "unknown ca");
    }

    #[test]
    fn finds_the_digest_in_push_status() {
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(push_digest(&format!("v1: digest: {d} size: 528")).unwrap().as_str(), d);
        assert_eq!(push_digest("Pushed"), None);
    }

    #[test]
    fn registry_auth_is_reencoded_url_safe() {
        let standard = base64::engine::general_purpose::STANDARD.encode("{\"password\":\"s3cr3t>>>???\"}");
        assert!(standard.contains('+') || standard.contains('/'));
        let mut request = bollard::BollardRequest::new(bollard::body_full(bytes::Bytes::new()));
        request.headers_mut().insert("X-Registry-Auth", standard.parse().unwrap());
        let fixed = reencode_registry_auth(request);
        let value = fixed.headers()["X-Registry-Auth"].to_str().unwrap().to_owned();
        assert!(!value.contains('+') && !value.contains('/'), "{value}");
        let back = base64::engine::general_purpose::URL_SAFE.decode(value).unwrap();
        assert_eq!(back, b"{\"password\":\"s3cr3t>>>???\"}");
    }

    #[test]
    fn engine_registry_errors_read_as_sentences() {
        let r = Reference::parse("127.0.0.1:5000/app:v1").unwrap();
        let e = registry_error_from_engine(&r, "127.0.0.1:5000/app:v1", "no basic auth credentials", false);
        assert_eq!(
            e.to_string(),
            "the registry `127.0.0.1:5000` refused anonymous access for `127.0.0.1:5000/app:v1` (401 unauthorized)\nhelp: run `docker login 127.0.0.1:5000`"
        );
        let e = registry_error_from_engine(
            &r,
            "127.0.0.1:5000/app:v1",
            "Get \"http://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused",
            false,
        );
        assert!(e.to_string().starts_with("cannot reach the registry `127.0.0.1:5000`: connection refused"), "{e}");
    }
}

/// Finds the first regular file in a tar stream fed in pieces: reads each 512-byte header and
/// skips the entry's data by its size.
#[derive(Default)]
struct TarScan {
    buffer: Vec<u8>,
    skip: u64,
}

impl TarScan {
    /// Feeds `bytes`; true once a regular file's header has gone by.
    fn feed(&mut self, mut bytes: &[u8]) -> bool {
        loop {
            if self.skip > 0 {
                let n = usize::try_from(self.skip).unwrap_or(usize::MAX).min(bytes.len());
                self.skip -= n as u64;
                bytes = &bytes[n..];
                if self.skip > 0 {
                    return false;
                }
            }
            let want = 512 - self.buffer.len();
            let n = want.min(bytes.len());
            self.buffer.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.buffer.len() < 512 {
                return false;
            }
            let header = std::mem::take(&mut self.buffer);
            if header.iter().all(|b| *b == 0) {
                continue;
            }
            if matches!(header[156], b'0' | 0) {
                return true;
            }
            // The size field: octal digits, NUL- or space-terminated.
            let size = std::str::from_utf8(&header[124..136])
                .ok()
                .map(|t| t.trim_matches(|c: char| c == '\0' || c == ' '))
                .and_then(|t| u64::from_str_radix(t, 8).ok())
                .unwrap_or(0);
            self.skip = size.div_ceil(512) * 512;
        }
    }
}

#[cfg(test)]
mod tar_scan_tests {
    use super::TarScan;

    fn tar(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, kind, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn finds_the_first_file_whatever_the_chunking() {
        let long = "d/".repeat(80);
        let with_file = tar(&[
            ("solr/", tar::EntryType::Directory, b""),
            (&format!("solr/{long}"), tar::EntryType::Directory, b""),
            ("solr/data/x", tar::EntryType::Regular, &[7; 1000]),
        ]);
        let only_dirs =
            tar(&[("solr/", tar::EntryType::Directory, b""), ("solr/data/", tar::EntryType::Directory, b"")]);
        for chunk in [1, 100, 511, 512, 513, 4096] {
            let mut scan = TarScan::default();
            assert!(with_file.chunks(chunk).any(|c| scan.feed(c)), "chunks of {chunk}");
            let mut scan = TarScan::default();
            assert!(!only_dirs.chunks(chunk).any(|c| scan.feed(c)), "chunks of {chunk}");
        }
    }
}
