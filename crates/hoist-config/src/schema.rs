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
    /// Tag deploys (`[deploy]`).
    pub deploy: Deploy,
}

/// How `deploy`, `rollback` and `status` move and read deploy tags.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deploy {
    /// The git remote the deploy tags live on (`remote`, default `origin`).
    pub remote: String,
    /// The environment `deploy` uses without an argument (`default-environment`, default `dev`).
    pub default_environment: String,
    /// The tag a Flux receiver watches; `{env}` is replaced (`tag`, default `{env}/deploy`).
    pub tag: String,
    /// The tag that keeps the previous deploy (`last-tag`, default `last/{env}/deploy`).
    pub last_tag: String,
    /// The git tag of a version; `{version}` is `current_version` (`version-tag`, default `v{version}`).
    pub version_tag: String,
    /// The steps whose images every environment needs in the registry (`images`, default: the release step).
    pub images: Vec<String>,
    /// The environments (`[deploy.environments.NAME]`); when none is configured, `dev` alone.
    pub environments: BTreeMap<String, Environment>,
}

/// One deploy environment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Environment {
    /// The steps whose images this environment needs (`images`, default: `deploy.images`).
    pub images: Vec<String>,
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
    #[serde(default)]
    deploy: RawDeploy,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDeploy {
    remote: Option<String>,
    default_environment: Option<String>,
    tag: Option<String>,
    last_tag: Option<String>,
    version_tag: Option<String>,
    images: Option<Vec<String>>,
    #[serde(default)]
    environments: BTreeMap<String, RawEnvironment>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEnvironment {
    images: Option<Vec<String>>,
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
        let deploy = self.deploy.resolve(&self.release_step, &invalid)?;
        Ok(Config {
            deploy,
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

impl RawDeploy {
    fn resolve(self, release_step: &str, invalid: &dyn Fn(&str, String) -> ConfigError) -> Result<Deploy, ConfigError> {
        let tag = self.tag.unwrap_or_else(|| "{env}/deploy".into());
        let last_tag = self.last_tag.unwrap_or_else(|| "last/{env}/deploy".into());
        for (key, pattern) in [("deploy.tag", &tag), ("deploy.last-tag", &last_tag)] {
            if !pattern.contains("{env}") {
                return Err(invalid(
                    key,
                    format!("`{pattern}` does not contain `{{env}}`: every environment needs its own tag"),
                ));
            }
        }
        if tag == last_tag {
            return Err(invalid("deploy.last-tag", "the last-deploy tag must differ from the deploy tag".into()));
        }
        let version_tag = self.version_tag.unwrap_or_else(|| "v{version}".into());
        if !version_tag.contains("{version}") {
            return Err(invalid("deploy.version-tag", format!("`{version_tag}` does not contain `{{version}}`")));
        }
        let images = self.images.unwrap_or_else(|| vec![release_step.to_owned()]);
        let mut environments: BTreeMap<String, Environment> = self
            .environments
            .into_iter()
            .map(|(name, env)| (name, Environment { images: env.images.unwrap_or_else(|| images.clone()) }))
            .collect();
        for name in environments.keys() {
            if !is_ref_component(name) {
                return Err(invalid(
                    &format!("deploy.environments.{name}"),
                    format!("`{name}` cannot be part of a git tag name: use letters, digits, `-`, `_` and `.`"),
                ));
            }
        }
        if environments.is_empty() {
            environments.insert("dev".into(), Environment { images: images.clone() });
        }
        let default_environment = self.default_environment.unwrap_or_else(|| "dev".into());
        if !environments.contains_key(&default_environment) {
            let known = environments.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            return Err(invalid(
                "deploy.default-environment",
                format!("`{default_environment}` is not a configured environment (configured: {known})"),
            ));
        }
        Ok(Deploy {
            remote: self.remote.unwrap_or_else(|| "origin".into()),
            default_environment,
            tag,
            last_tag,
            version_tag,
            images,
            environments,
        })
    }
}

fn is_ref_component(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '-'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Deploy {
    /// The deploy tag of `env` (`dev/deploy`).
    pub fn tag_for(&self, env: &str) -> String {
        self.tag.replace("{env}", env)
    }

    /// The last-deploy tag of `env` (`last/dev/deploy`).
    pub fn last_tag_for(&self, env: &str) -> String {
        self.last_tag.replace("{env}", env)
    }

    /// The git tag of the bare version `version` (`v0.5.146`).
    pub fn version_tag_for(&self, version: &str) -> String {
        self.version_tag.replace("{version}", version)
    }
}
