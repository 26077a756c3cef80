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
    /// Channel releases (`[channels]`).
    pub channels: Channels,
    /// GitOps write-back (`[gitops]`).
    pub gitops: Gitops,
    /// The `test` target (`[test]`).
    pub test: Test,
    /// The `regen-solr-image` target (`[data-image]`).
    pub data_image: DataImage,
    /// The `regen-requirements` target (`[requirements]`).
    pub requirements: Requirements,
    /// The `ci` target (`[ci]`).
    pub ci: Ci,
}

/// How `ci` decides what to bump, push and deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ci {
    /// The branch whose pushes bump, push and deploy (`main-branch`, default `main`).
    pub main_branch: String,
    /// The part a merged pull request bumps (`merged-pr-bump`, default `patch`); `None`: no bump.
    pub merged_pr_bump: Option<String>,
    /// The part a direct push bumps (`push-bump`, default `build`); `None`: no bump.
    pub push_bump: Option<String>,
    /// Deploy to `deploy.default-environment` after a push to the main branch (`deploy`, default true).
    pub deploy: bool,
    /// The Dockerfile stages whose images a run on the main branch pushes (`publish`, default:
    /// the release step), in order.
    pub publish: Vec<String>,
    /// How many steps may run at the same time (`jobs`, 1 to 16; default: the machine's cores).
    pub jobs: Option<usize>,
    /// Run the tests (`test`, default true); `false` leaves them out, and the plan says so.
    pub test: bool,
    /// A pull request that regenerates its data image pushes it under its own name
    /// (`push-pr-data`, default false: kept local, like every other image of a pull request).
    pub push_pr_data: bool,
}

/// How `test` runs the test suites in a compose project.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Test {
    /// The `[compose.NAME]` project the tests run in (`compose`, default `ci`).
    pub compose: String,
    /// The service the suites run in (`service`, default `web`).
    pub service: String,
    /// The Dockerfile stage whose image the service runs (`step`, default `tester`).
    pub step: String,
    /// The suites, in order (`[[test.suites]]`).
    pub suites: Vec<Suite>,
    /// Commands run in the service once the project is up, before the suites (`[[test.setup]]`,
    /// e.g. a `chown` as root); a failing one fails the target.
    pub setup: Vec<Setup>,
}

/// One setup command of `test`, run in the test service's container as `compose exec -T [-u USER] [-e K=V] SERVICE COMMAND…` would.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setup {
    /// The command, one argument per element (`command`, required).
    pub command: Vec<String>,
    /// The user it runs as (`user`); `None`: the service's user.
    pub user: Option<String>,
    /// Extra environment variables (`env`).
    pub env: BTreeMap<String, String>,
}

/// One test suite: a command run in the test service's container, as `compose exec -T SERVICE COMMAND…` would.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Suite {
    /// Its name, in reports (`name`, required).
    pub name: String,
    /// The command, one argument per element (`command`, required).
    pub command: Vec<String>,
    /// Report its result but never fail the target on it (`reported-only`, default false).
    pub reported_only: bool,
    /// The user it runs as (`user`, `exec -u`); `None`: the service's user.
    pub user: Option<String>,
    /// Extra environment variables (`env`, `exec -e`).
    pub env: BTreeMap<String, String>,
}

/// A command run in a compose service's container, as `compose exec -T SERVICE COMMAND…` would.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceCommand {
    /// The service (`service`, default: the loader service); unused for a host step.
    pub service: String,
    /// The command, one argument per element (`command`, required).
    pub command: Vec<String>,
    /// Run on the host instead of in a service (`host = true`), with the project's compose
    /// command in its environment, so an existing script that drives compose works unchanged.
    pub host: bool,
    /// The user the command runs as in the service (`user`, `compose exec -u`).
    pub user: Option<String>,
}

/// How `regen-solr-image` regenerates the data image.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataImage {
    /// The `[compose.NAME]` project that loads the data (`compose`, default `solrbld`).
    pub compose: String,
    /// The service that runs the loading commands (`loader-service`, default `loader`).
    pub loader_service: String,
    /// The service that holds the data (`data-service`, default `data`).
    pub data_service: String,
    /// The Dockerfile stage the loader service runs (`image-step`, default: `release-step`).
    pub image_step: String,
    /// Run in the data service until it succeeds, before the steps (`wait-for`); `None`: no wait.
    pub wait_for: Option<Vec<String>>,
    /// How many times `wait-for` is tried, one second apart (`wait-attempts`, default 60).
    pub wait_attempts: u32,
    /// The loading commands, in order (`[[data-image.steps]]`).
    pub steps: Vec<ServiceCommand>,
    /// The directory archived out of the data service (`data-path`, default `/var/solr`).
    pub data_path: String,
    /// The user the archive is made as in the data service (`user`, `compose exec -u`).
    pub user: Option<String>,
    /// The directory the archive's paths start from (`archive-from`, default `/`): by default
    /// the archive holds the data directory under its full path (`var/solr/…`, what
    /// `tar -C / var/solr` makes), so `tar xzf ARCHIVE -C /` puts it back where it was.
    pub archive_from: String,
    /// The archive written in the project, a gzipped tar (`archive`, default `dist/var-solr.tgz`).
    pub archive: PathBuf,
    /// The Dockerfile stage that bakes the archive in (`stage`, default `solr`).
    pub stage: String,
    /// The image is tagged `TAG-SUFFIX` (`suffix`, default `solr`).
    pub suffix: String,
    /// The data the image is made from: git glob pathspecs (`dump`, one or a list, e.g.
    /// `dumps/*latest*`); `ci` regenerates the image when a new commit touches any of them.
    /// Empty: only when it is missing (or always, with `regenerate = "always"`).
    pub dump: Vec<String>,
    /// When `ci` regenerates the image (`regenerate`, default `on-change`).
    pub regenerate: Regenerate,
}

/// When `ci` regenerates the data image (`data-image.regenerate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regenerate {
    /// When a new commit touches `dump`, or the previous version's image is missing.
    #[default]
    OnChange,
    /// On every run, as if the data were always new.
    Always,
}

/// How `regen-requirements` regenerates the pinned dependency files.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Requirements {
    /// The `[compose.NAME]` project (`compose`, default `ci`).
    pub compose: String,
    /// The service the command runs in, with `compose run --rm` (`service`, default `web`).
    pub service: String,
    /// The Dockerfile stage whose image hoist makes sure of and passes as `HOIST_IMAGE`
    /// (`step`, default: `release-step`).
    pub step: String,
    /// The lock command (`command`); `None`: not configured.
    pub command: Option<Vec<String>>,
    /// The user it runs as (`user`, `run -u`); `None`: the service's user.
    pub user: Option<String>,
    /// The entrypoint it runs with (`entrypoint`, `run --entrypoint=VALUE`; an empty string
    /// clears the image's); `None`: the service's.
    pub entrypoint: Option<String>,
    /// Variables set for the command (`env`, `run -e NAME=VALUE`).
    pub env: BTreeMap<String, String>,
    /// The files reported as changed or unchanged (`files`, default `["requirements.txt"]`).
    pub files: Vec<PathBuf>,
}

/// Where `release CHANNEL` and `diff CHANNEL` find channel files.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Channels {
    /// The directory of the channel files (`dir`, default `channels`): channel `test` is
    /// `channels/test.yaml` (or `.yml`).
    pub dir: PathBuf,
    /// Promotion rules (`[channels.after]`): environment → the environments whose
    /// `releases/ENV` branch must have held every image digest of a candidate before it can
    /// be promoted or released there (`prod = ["test"]`).
    pub after: BTreeMap<String, Vec<String>>,
}

/// How `gitops-release ENV` fills the HelmRelease template and commits it to the releases
/// repository.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gitops {
    /// The releases repository's git URL (`repository`); `None`: not configured.
    pub repository: Option<String>,
    /// The branch Flux reads (`branch`, default `main`).
    pub branch: String,
    /// The file written in the releases repository, with placeholders (`path`, default
    /// `{env}/{name}.yaml`).
    pub path: String,
    /// The HelmRelease template in this project (`template`, default `.flux.ci/helmrelease.yaml`).
    pub template: PathBuf,
    /// The application's name, `{name}` in templates (`name`, default: the last component of `registry`).
    pub name: String,
    /// The commit message, with placeholders (`message`, default `release {name} {tag} to {env}`).
    pub message: String,
    /// How many times a push refused as non-fast-forward is retried (`retries`, default 3).
    pub retries: u32,
    /// The environments `gitops-release` accepts (`environments`); empty: any name.
    pub environments: Vec<String>,
    /// Chart values, `{values.KEY}` in templates (`[gitops.values]`).
    pub values: BTreeMap<String, String>,
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
    #[serde(default)]
    channels: RawChannels,
    #[serde(default)]
    gitops: RawGitops,
    #[serde(default)]
    test: RawTest,
    #[serde(default)]
    data_image: RawDataImage,
    #[serde(default)]
    requirements: RawRequirements,
    #[serde(default)]
    ci: RawCi,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCi {
    main_branch: Option<String>,
    merged_pr_bump: Option<String>,
    push_bump: Option<String>,
    deploy: Option<bool>,
    publish: Option<Vec<String>>,
    jobs: Option<usize>,
    test: Option<bool>,
    push_pr_data: Option<bool>,
}

impl RawCi {
    fn resolve(self, release_step: &str, invalid: &dyn Fn(&str, String) -> ConfigError) -> Result<Ci, ConfigError> {
        let publish = self.publish.unwrap_or_else(|| vec![release_step.to_owned()]);
        if let Some(empty) = publish.iter().find(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            return Err(invalid("ci.publish", format!("`{empty}` is not a Dockerfile stage name")));
        }
        let main_branch = self.main_branch.unwrap_or_else(|| "main".into());
        if main_branch.is_empty() || main_branch.contains(char::is_whitespace) {
            return Err(invalid("ci.main-branch", format!("`{main_branch}` is not a branch name")));
        }
        let part = |key: &str, value: Option<String>, default: &str| -> Result<Option<String>, ConfigError> {
            match value {
                None => Ok(Some(default.to_owned())),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) if v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Ok(Some(v)),
                Some(v) => {
                    Err(invalid(key, format!("`{v}` is not a version part such as `patch` (or `\"\"` for no bump)")))
                }
            }
        };
        Ok(Ci {
            merged_pr_bump: part("ci.merged-pr-bump", self.merged_pr_bump, "patch")?,
            push_bump: part("ci.push-bump", self.push_bump, "build")?,
            deploy: self.deploy.unwrap_or(true),
            publish,
            jobs: match self.jobs {
                Some(n @ 1..=16) => Some(n),
                Some(n) => return Err(invalid("ci.jobs", format!("{n} is out of range: use 1 to 16 steps at once"))),
                None => None,
            },
            test: self.test.unwrap_or(true),
            push_pr_data: self.push_pr_data.unwrap_or(false),
            main_branch,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTest {
    compose: Option<String>,
    service: Option<String>,
    step: Option<String>,
    #[serde(default)]
    suites: Vec<RawSuite>,
    #[serde(default)]
    setup: Vec<RawSetup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSetup {
    command: Vec<String>,
    user: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSuite {
    name: String,
    command: Vec<String>,
    #[serde(default)]
    reported_only: bool,
    user: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDataImage {
    compose: Option<String>,
    loader_service: Option<String>,
    data_service: Option<String>,
    image_step: Option<String>,
    wait_for: Option<Vec<String>>,
    wait_attempts: Option<u32>,
    #[serde(default)]
    steps: Vec<RawServiceCommand>,
    data_path: Option<String>,
    user: Option<String>,
    archive_from: Option<String>,
    archive: Option<PathBuf>,
    stage: Option<String>,
    suffix: Option<String>,
    dump: Option<Pathspecs>,
    regenerate: Option<Regenerate>,
}

/// One pathspec or a list of them.
struct Pathspecs(Vec<String>);

impl<'de> Deserialize<'de> for Pathspecs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pathspecs, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Pathspecs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a git pathspec or a list of them")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Pathspecs, E> {
                Ok(Pathspecs(vec![value.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Pathspecs, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<String>()? {
                    all.push(one);
                }
                Ok(Pathspecs(all))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawServiceCommand {
    service: Option<String>,
    command: Vec<String>,
    host: Option<bool>,
    user: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRequirements {
    compose: Option<String>,
    service: Option<String>,
    step: Option<String>,
    command: Option<Vec<String>>,
    user: Option<String>,
    entrypoint: Option<String>,
    env: Option<BTreeMap<String, String>>,
    files: Option<Vec<PathBuf>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawChannels {
    dir: Option<PathBuf>,
    #[serde(default)]
    after: BTreeMap<String, Vec<String>>,
}

impl RawChannels {
    fn resolve(self, invalid: &dyn Fn(&str, String) -> ConfigError) -> Result<Channels, ConfigError> {
        for (env, before) in &self.after {
            let key = format!("channels.after.{env}");
            if !is_ref_component(env) {
                return Err(invalid(
                    &key,
                    format!("`{env}` cannot be an environment: it must fit in the branch name `releases/{env}`"),
                ));
            }
            if before.is_empty() {
                return Err(invalid(
                    &key,
                    "an empty list requires nothing: name the environments first, `prod = [\"test\"]`, or remove the key".into(),
                ));
            }
            for other in before {
                if !is_ref_component(other) {
                    return Err(invalid(
                        &key,
                        format!(
                            "`{other}` cannot be an environment: it must fit in the branch name `releases/{other}`"
                        ),
                    ));
                }
                if other == env {
                    return Err(invalid(&key, format!("`{env}` cannot require itself: name another environment")));
                }
            }
        }
        Ok(Channels { dir: self.dir.unwrap_or_else(|| "channels".into()), after: self.after })
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGitops {
    repository: Option<String>,
    branch: Option<String>,
    path: Option<String>,
    template: Option<PathBuf>,
    name: Option<String>,
    message: Option<String>,
    retries: Option<u32>,
    environments: Option<Vec<String>>,
    #[serde(default)]
    values: BTreeMap<String, String>,
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
        let channels = self.channels.resolve(&invalid)?;
        let gitops = self.gitops.resolve(&self.registry, &invalid)?;
        let test = self.test.resolve(&invalid)?;
        let data_image = self.data_image.resolve(&self.release_step, &invalid)?;
        let requirements = self.requirements.resolve(&self.release_step, &invalid)?;
        let ci = self.ci.resolve(&self.release_step, &invalid)?;
        Ok(Config {
            ci,
            test,
            data_image,
            requirements,
            deploy,
            channels,
            gitops,
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

/// The largest `gitops.retries`: more would hide a broken setup behind minutes of retrying.
const MAX_GITOPS_RETRIES: u32 = 20;

impl RawGitops {
    fn resolve(self, registry: &str, invalid: &dyn Fn(&str, String) -> ConfigError) -> Result<Gitops, ConfigError> {
        if let Some(repository) = &self.repository
            && repository.trim().is_empty()
        {
            return Err(invalid(
                "gitops.repository",
                "the releases repository cannot be empty: give its git URL, such as `git@github.com:team/releases.git`"
                    .into(),
            ));
        }
        let branch = self.branch.unwrap_or_else(|| "main".into());
        if !branch.split('/').all(is_ref_component) {
            return Err(invalid("gitops.branch", format!("`{branch}` is not a git branch name")));
        }
        let path = self.path.unwrap_or_else(|| "{env}/{name}.yaml".into());
        if !path.contains("{env}") {
            return Err(invalid(
                "gitops.path",
                format!("`{path}` does not contain `{{env}}`: every environment needs its own file"),
            ));
        }
        if path.starts_with('/') || path.split('/').any(|part| part.is_empty() || part == "..") {
            return Err(invalid(
                "gitops.path",
                format!("`{path}` is not a relative path inside the releases repository (no leading `/`, no `..`)"),
            ));
        }
        let name = self.name.unwrap_or_else(|| registry.rsplit('/').next().unwrap_or(registry).to_owned());
        if let Some(retries) = self.retries
            && retries > MAX_GITOPS_RETRIES
        {
            return Err(invalid(
                "gitops.retries",
                format!(
                    "{retries} is too many: use at most {MAX_GITOPS_RETRIES}, a push refused that often has another cause"
                ),
            ));
        }
        let environments = self.environments.unwrap_or_default();
        for env in &environments {
            if !is_ref_component(env) {
                return Err(invalid(
                    "gitops.environments",
                    format!(
                        "`{env}` cannot name a directory of the releases repository: use letters, digits, `-`, `_` and `.`"
                    ),
                ));
            }
        }
        Ok(Gitops {
            repository: self.repository,
            branch,
            path,
            template: self.template.unwrap_or_else(|| ".flux.ci/helmrelease.yaml".into()),
            name,
            message: self.message.unwrap_or_else(|| "release {name} {tag} to {env}".into()),
            retries: self.retries.unwrap_or(3),
            environments,
            values: self.values,
        })
    }
}

/// The largest `data-image.wait-attempts`: ten minutes of waiting, one second apart.
const MAX_WAIT_ATTEMPTS: u32 = 600;

fn check_command(
    key: &str,
    command: &[String],
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    if command.first().is_none_or(|program| program.is_empty()) {
        return Err(invalid(
            key,
            "a command needs at least a program, one argument per element: `command = [\"pytest\", \"--verbose\"]`"
                .into(),
        ));
    }
    Ok(())
}

impl RawTest {
    fn resolve(self, invalid: &dyn Fn(&str, String) -> ConfigError) -> Result<Test, ConfigError> {
        let mut suites: Vec<Suite> = Vec::new();
        for raw in self.suites {
            if raw.name.is_empty() || suites.iter().any(|s| s.name == raw.name) {
                return Err(invalid(
                    "test.suites",
                    format!("suite names must be distinct and not empty: `{}` is not", raw.name),
                ));
            }
            check_command("test.suites", &raw.command, invalid)?;
            suites.push(Suite {
                name: raw.name,
                command: raw.command,
                reported_only: raw.reported_only,
                user: raw.user.filter(|u| !u.is_empty()),
                env: raw.env,
            });
        }
        let mut setup = Vec::new();
        for raw in self.setup {
            check_command("test.setup", &raw.command, invalid)?;
            setup.push(Setup { command: raw.command, user: raw.user.filter(|u| !u.is_empty()), env: raw.env });
        }
        Ok(Test {
            compose: self.compose.unwrap_or_else(|| "ci".into()),
            service: self.service.unwrap_or_else(|| "web".into()),
            step: self.step.unwrap_or_else(|| "tester".into()),
            suites,
            setup,
        })
    }
}

impl RawDataImage {
    fn resolve(
        self,
        release_step: &str,
        invalid: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<DataImage, ConfigError> {
        let loader_service = self.loader_service.unwrap_or_else(|| "loader".into());
        let mut steps = Vec::new();
        for raw in self.steps {
            check_command("data-image.steps", &raw.command, invalid)?;
            let host = raw.host.unwrap_or(false);
            if host && (raw.service.is_some() || raw.user.is_some()) {
                return Err(invalid(
                    "data-image.steps",
                    format!(
                        "`{}` has `host = true` and a `service` or `user`: a host step runs on the host; remove `service` and `user`, or `host`",
                        raw.command.join(" ")
                    ),
                ));
            }
            steps.push(ServiceCommand {
                service: raw.service.unwrap_or_else(|| loader_service.clone()),
                command: raw.command,
                host,
                user: raw.user.filter(|u| !u.is_empty()),
            });
        }
        if let Some(wait_for) = &self.wait_for {
            check_command("data-image.wait-for", wait_for, invalid)?;
        }
        let wait_attempts = self.wait_attempts.unwrap_or(60);
        if wait_attempts == 0 || wait_attempts > MAX_WAIT_ATTEMPTS {
            return Err(invalid(
                "data-image.wait-attempts",
                format!("{wait_attempts} is out of range: use 1 to {MAX_WAIT_ATTEMPTS} (one attempt per second)"),
            ));
        }
        let data_path = self.data_path.unwrap_or_else(|| "/var/solr".into());
        if !data_path.starts_with('/') || data_path == "/" {
            return Err(invalid(
                "data-image.data-path",
                format!(
                    "`{data_path}` is not an absolute directory below `/` in the data service, such as `/var/solr`"
                ),
            ));
        }
        let archive_from = self.archive_from.unwrap_or_else(|| "/".into());
        let below = data_path
            .strip_prefix(archive_from.trim_end_matches('/'))
            .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1);
        if !archive_from.starts_with('/') || !below {
            return Err(invalid(
                "data-image.archive-from",
                format!(
                    "`{archive_from}` is not a directory above `data-path` (`{data_path}`): use `/` (the archive holds `{}`) or a parent of it",
                    data_path.trim_start_matches('/')
                ),
            ));
        }
        let archive = self.archive.unwrap_or_else(|| "dist/var-solr.tgz".into());
        if archive.is_absolute() || archive.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            return Err(invalid(
                "data-image.archive",
                format!(
                    "`{}` is not a path inside the project: the Dockerfile stage reads it from the build context",
                    archive.display()
                ),
            ));
        }
        let suffix = self.suffix.unwrap_or_else(|| "solr".into());
        if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(invalid("data-image.suffix", format!("`{suffix}` cannot end an image tag")));
        }
        Ok(DataImage {
            compose: self.compose.unwrap_or_else(|| "solrbld".into()),
            data_service: self.data_service.unwrap_or_else(|| "data".into()),
            loader_service,
            image_step: self.image_step.unwrap_or_else(|| release_step.to_owned()),
            wait_for: self.wait_for,
            wait_attempts,
            steps,
            data_path,
            user: self.user.filter(|u| !u.is_empty()),
            archive_from,
            archive,
            stage: self.stage.unwrap_or_else(|| "solr".into()),
            suffix,
            dump: self.dump.map(|d| d.0).unwrap_or_default().into_iter().filter(|d| !d.is_empty()).collect(),
            regenerate: self.regenerate.unwrap_or_default(),
        })
    }
}

impl RawRequirements {
    fn resolve(
        self,
        release_step: &str,
        invalid: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<Requirements, ConfigError> {
        if let Some(command) = &self.command {
            check_command("requirements.command", command, invalid)?;
        }
        Ok(Requirements {
            compose: self.compose.unwrap_or_else(|| "ci".into()),
            service: self.service.unwrap_or_else(|| "web".into()),
            step: self.step.unwrap_or_else(|| release_step.to_owned()),
            command: self.command,
            user: self.user.filter(|u| !u.is_empty()),
            entrypoint: self.entrypoint,
            env: self.env.unwrap_or_default(),
            files: self.files.unwrap_or_else(|| vec!["requirements.txt".into()]),
        })
    }
}

/// Whether `name` can be one part of a git ref name as `hoist.toml` takes them: an environment
/// of `deploy.environments` or `gitops.environments`, a part of `ci.main-branch`. Letters,
/// digits, `-`, `_` and `.`; not empty, not starting with `.` or `-`, no `..`, no `.lock` at
/// the end.
pub fn is_ref_component(name: &str) -> bool {
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
