//! The context every command receives: the project directory and what is read from it.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hoist_config::{Config, Overrides};
use hoist_naming::Naming;

/// What a command runs against: the project directory, its configuration (read on first use),
/// and the environment.
pub struct Ctx {
    start_dir: PathBuf,
    bin_name: &'static str,
    config: OnceCell<Config>,
}

impl Ctx {
    pub(crate) fn new(project_dir: Option<PathBuf>, bin_name: &'static str) -> Ctx {
        Ctx { start_dir: project_dir.unwrap_or_else(|| PathBuf::from(".")), bin_name, config: OnceCell::new() }
    }

    /// How hoist was invoked (`hoist` or `cargo xtask`), for messages that name a command.
    pub fn bin_name(&self) -> &'static str {
        self.bin_name
    }

    /// The directory given with `-C`, or the current directory.
    pub fn start_dir(&self) -> &Path {
        &self.start_dir
    }

    /// The project's `hoist.toml`, loaded once.
    pub fn config(&self) -> anyhow::Result<&Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        if !self.start_dir.is_dir() {
            anyhow::bail!(
                "the project directory `{}` does not exist: pass an existing directory to `-C`",
                self.start_dir.display()
            );
        }
        let config = Config::discover(&self.start_dir)?;
        Ok(self.config.get_or_init(|| config))
    }

    /// The environment overrides for the project.
    pub fn overrides(&self) -> anyhow::Result<Overrides> {
        Ok(Overrides::from_process_env(self.config()?))
    }

    /// The naming rules with the current version, pull-request number and cache registry.
    pub fn naming(&self) -> anyhow::Result<Naming> {
        let config = self.config()?;
        let overrides = self.overrides()?;
        let current = match &config.version_config {
            Some(file) => hoist_version::read_current_version(&config.root().join(file))?,
            None => hoist_version::current_version(config.root())?,
        };
        let naming = Naming::new(&config.registry, &config.version_prefix, &current.version)
            .with_context(|| {
                format!(
                    "the version `{}` from `{}` cannot name an image",
                    current.version,
                    current.config_file.display()
                )
            })?
            .with_release_step(&config.release_step)
            .with_pr(overrides.pr.as_deref())
            .with_context(|| format!("the pull-request variable `{}` cannot name an image", config.pr_variable))?
            .with_cache_registry(overrides.cache_registry.as_deref().or(config.cache_registry.as_deref()))
            .context("the cache registry from `CACHE_REGISTRY` cannot name an image")?;
        Ok(naming)
    }
}
