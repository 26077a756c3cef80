//! The keys of `hoist.toml`, their defaults, and the resolved [`Config`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ConfigError;
use crate::location::Location;

/// The project configuration, with every default applied.
///
/// Paths are relative to [`Config::root`], as written in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The `hoist.toml` this was read from.
    pub path: PathBuf,
    pub(crate) root: PathBuf,
    /// The image repository, e.g. `registry.example.com/app` (`registry`, required).
    pub registry: String,
    /// The repository BuildKit's registry cache is kept in (`cache-registry`).
    pub cache_registry: Option<String>,
    /// The Dockerfile (`dockerfile`, default `Dockerfile`).
    pub dockerfile: PathBuf,
    /// The build context directory (`context`, default `.`).
    pub context: PathBuf,
    /// The Dockerfile stage whose image gets the bare version tag (`release-step`, default `release`).
    pub release_step: String,
    /// The platform images are built for (`platform`), e.g. `linux/amd64`; `None`: the engine's own.
    pub platform: Option<String>,
    /// Put before `current_version` to make the image version (`version-prefix`, default `v`).
    pub version_prefix: String,
    /// The environment variable holding the pull-request number (`pr-variable`, default `prNum`).
    pub pr_variable: String,
    /// The bump-my-version configuration file (`version-config`); `None`: discovered.
    pub version_config: Option<PathBuf>,
    /// Registries reached over plain HTTP (`insecure-registries`); loopback ones always are.
    pub insecure_registries: Vec<String>,
    /// How images are built (`builder`, default `buildkit`).
    pub builder: Builder,
    /// Compose projects by name (`[compose.NAME]`).
    pub compose: BTreeMap<String, ComposeProject>,
}

/// The image builder hoist drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Builder {
    /// The engine's built-in BuildKit, through its session API (the default).
    Buildkit,
    /// The engine's classic builder (no `RUN --mount`, no inline cache).
    Classic,
    /// `docker buildx build`, for `cache-to type=registry,mode=max` exactly like the original.
    Buildx,
}

/// A docker compose project: its files and its project name.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ComposeProject {
    /// Compose files, in order (`files`, required).
    pub files: Vec<PathBuf>,
    /// The compose project name (`project`, default: the table's name).
    pub project: String,
    /// A command name that runs `compose NAME` (`shortcut`), such as `ci-dc`.
    pub shortcut: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawConfig {
    registry: String,
    cache_registry: Option<String>,
    #[serde(default = "default_dockerfile")]
    dockerfile: PathBuf,
    #[serde(default = "default_context")]
    context: PathBuf,
    #[serde(default = "default_release_step")]
    release_step: String,
    platform: Option<String>,
    #[serde(default = "default_version_prefix")]
    version_prefix: String,
    #[serde(default = "default_pr_variable")]
    pr_variable: String,
    version_config: Option<PathBuf>,
    #[serde(default)]
    insecure_registries: Vec<String>,
    #[serde(default = "default_builder")]
    builder: Builder,
    #[serde(default)]
    compose: BTreeMap<String, RawCompose>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCompose {
    files: Vec<PathBuf>,
    project: Option<String>,
    shortcut: Option<String>,
}

fn default_dockerfile() -> PathBuf {
    "Dockerfile".into()
}
fn default_context() -> PathBuf {
    ".".into()
}
fn default_release_step() -> String {
    "release".into()
}
fn default_version_prefix() -> String {
    "v".into()
}
fn default_pr_variable() -> String {
    "prNum".into()
}
fn default_builder() -> Builder {
    Builder::Buildkit
}

impl RawConfig {
    pub(crate) fn resolve(self, text: &str, path: &Path, root: PathBuf) -> Result<Config, ConfigError> {
        let invalid = |key: &str, message: String| {
            let loc = Location::of_key(text, key);
            ConfigError::Invalid {
                path: path.to_owned(),
                line: loc.line,
                column: loc.column,
                key: key.to_owned(),
                message,
            }
        };
        if !hoist_naming::is_valid_repository(&self.registry) {
            return Err(invalid(
                "registry",
                format!(
                    "`{}` is not an image repository such as `registry.example.com/app` (lowercase, no tag)",
                    self.registry
                ),
            ));
        }
        if let Some(cache) = &self.cache_registry
            && !hoist_naming::is_valid_repository(cache)
        {
            return Err(invalid(
                "cache-registry",
                format!(
                    "`{cache}` is not an image repository such as `registry.example.com/cache/app` (lowercase, no tag)"
                ),
            ));
        }
        if self.release_step.is_empty() {
            return Err(invalid(
                "release-step",
                "the release step cannot be empty: name a Dockerfile stage such as `release`".into(),
            ));
        }
        if self.pr_variable.is_empty() || self.pr_variable.contains(['=', '\0']) {
            return Err(invalid("pr-variable", format!("`{}` is not an environment variable name", self.pr_variable)));
        }
        let mut compose = BTreeMap::new();
        for (name, raw) in self.compose {
            if raw.files.is_empty() {
                return Err(invalid(
                    &format!("compose.{name}.files"),
                    "a compose project needs at least one file".into(),
                ));
            }
            let project = raw.project.unwrap_or_else(|| name.clone());
            compose.insert(name, ComposeProject { files: raw.files, project, shortcut: raw.shortcut });
        }
        Ok(Config {
            path: path.to_owned(),
            root,
            registry: self.registry,
            cache_registry: self.cache_registry.filter(|c| !c.is_empty()),
            dockerfile: self.dockerfile,
            context: self.context,
            release_step: self.release_step,
            platform: self.platform.filter(|p| !p.is_empty()),
            version_prefix: self.version_prefix,
            pr_variable: self.pr_variable,
            version_config: self.version_config,
            insecure_registries: self.insecure_registries,
            builder: self.builder,
            compose,
        })
    }
}
