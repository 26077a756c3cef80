/*!
hoist's image engine: builds, tags, pushes and pulls images through the Docker engine API
(bollard), and asks registries about tags through the OCI distribution API (oci-client). It
never runs the `docker` CLI, except for the opt-in `buildx` builder.

The principal types, and how they fit together:

- [`EngineTarget`] is the engine to use and what chose it (`--engine`, `DOCKER_HOST`, a docker
  context, …), resolved as the docker CLI resolves it; an [`EngineLink`] is it opened (for
  `ssh://`, a local forwarding socket), with the variables that make other programs reach it.
- [`Engine`] is a connected Docker engine ([`Engine::connect`] with an [`EngineConfig`]). It
  builds ([`Engine::build`] with a [`BuildRequest`], reporting [`BuildEvent`]s, returning a
  [`BuildOutcome`]), pushes ([`Engine::push`], returning the registry [`Digest`]), pulls,
  inspects ([`ImageInfo`], `None` when absent), tags and removes; it says what it is
  ([`Engine::server_version`]) and whether its BuildKit builds ([`Engine::probe_buildkit`]).
- [`RegistryClient`] answers "does `REPO:TAG` exist in its registry, at which digest" with one
  `HEAD` request on a hit, keeping one client per registry.
- [`DockerConfig`] reads [`Credentials`] from the user's Docker config (`auths`, `credHelpers`,
  `credsStore`), which both of the above use; secrets are never printed.
- [`Context`] streams a build context as a tar, honouring [`Dockerignore`]; benchmarks can
  write it to any sink and read [`ContextStats`].
- [`ProgressView`] draws build and transfer events: a live indicatif view on a terminal, plain
  prefixed lines in CI.
- [`ImageError`] is every failure, each message naming the thing and the fix.

Where async stops: both facades own a current-thread tokio runtime and every method is one
`block_on` (the `postgres`-over-`tokio-postgres` shape). No tokio, bollard or oci-client type
appears in this crate's public API, and the facade must not be called from inside a tokio
runtime. Like the rest of hoist's library crates, this one makes no semver promise.
*/

mod build;
pub mod buildx;
pub mod context;
mod credentials;
pub mod dockerignore;
mod endpoint;
mod engine;
mod error;
mod progress;
mod reference;
mod registry;
mod runtime;
mod tcp;

pub use build::{BuildEvent, BuildOutcome, BuildRequest, OciLabels, Step};
pub use context::{Context, ContextEntry, ContextStats, EntryKind};
pub use credentials::{Credentials, DOCKER_HUB_KEY, DockerConfig};
pub use dockerignore::Dockerignore;
pub use endpoint::{
    DEFAULT_SOCKET, ENGINE_VARIABLE, EngineAddress, EngineLink, EngineSource, EngineTarget, SSH_COMMAND_VARIABLE,
    ssh_argv, ssh_command,
};
pub use engine::{Builder, DEFAULT_HOST, Engine, EngineConfig, ExecEnd, ExecRequest, ImageInfo, ServerVersion};
pub use error::{EngineDown, ImageError};
pub use progress::{ProgressGroup, ProgressMode, ProgressView, TransferEvent};
pub use reference::{DOCKER_HUB, Digest, Reference, is_loopback_host};
pub use registry::{RegistryClient, RegistryConfig, RemoteImage};
