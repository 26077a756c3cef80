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
    registry: OnceCell<hoist_image::RegistryClient>,
    engine: Option<String>,
}

impl Ctx {
    pub(crate) fn new(project_dir: Option<PathBuf>, engine: Option<String>, bin_name: &'static str) -> Ctx {
        Ctx {
            start_dir: project_dir.unwrap_or_else(|| PathBuf::from(".")),
            engine,
            bin_name,
            config: OnceCell::new(),
            registry: OnceCell::new(),
        }
    }

    /// How hoist was invoked (`hoist` or `cargo xtask`), for messages that name a command.
    pub fn bin_name(&self) -> &'static str {
        self.bin_name
    }

    /// The engine `--engine` names, if given.
    pub fn engine_choice(&self) -> Option<&str> {
        self.engine.as_deref()
    }

    /// The directory given with `-C`, or the current directory.
    pub fn start_dir(&self) -> &Path {
        &self.start_dir
    }

    /// [`Ctx::start_dir`], when it is a directory.
    pub fn existing_start_dir(&self) -> anyhow::Result<&Path> {
        if !self.start_dir.is_dir() {
            anyhow::bail!(
                "the project directory `{}` does not exist: pass an existing directory to `-C`",
                self.start_dir.display()
            );
        }
        Ok(&self.start_dir)
    }

    /// The project's `hoist.toml`, loaded once.
    pub fn config(&self) -> anyhow::Result<&Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let mut config = Config::discover(self.existing_start_dir()?)?;
        // `HOIST_REGISTRY` replaces `registry` everywhere: image names, the deploy gate, status.
        if let Some(registry) = Overrides::from_process_env(&config).registry {
            if !hoist_naming::is_valid_repository(&registry) {
                anyhow::bail!(
                    "`HOIST_REGISTRY={registry}` is not an image repository such as `registry.example.com/app` (lowercase, no tag)"
                );
            }
            config.registry = registry;
        }
        Ok(self.config.get_or_init(|| config))
    }

    /// The registry client (credentials from the Docker config; `insecure-registries` and
    /// loopback registries over plain HTTP), made on first use. Works without `hoist.toml`.
    pub fn registry(&self) -> anyhow::Result<&hoist_image::RegistryClient> {
        if let Some(client) = self.registry.get() {
            return Ok(client);
        }
        let insecure = self.config().map(|c| c.insecure_registries.clone()).unwrap_or_default();
        let config = hoist_image::RegistryConfig { insecure, ..hoist_image::RegistryConfig::default() };
        let client = hoist_image::RegistryClient::new(&config)?;
        Ok(self.registry.get_or_init(|| client))
    }

    /// The pipeline every image and compose target runs against: the configuration, the
    /// registry client, and the engine (connected when a step first needs it).
    pub fn pipeline(&self) -> anyhow::Result<hoist_pipeline::Pipeline<'_>> {
        Ok(hoist_pipeline::Pipeline::new(self.config()?, self.registry()?).with_engine_choice(self.engine.clone()))
    }

    /// Makes sure the step summary file named by `GITHUB_STEP_SUMMARY` exists before anything
    /// runs, so a compose file that bind-mounts it finds a file (docker would make a directory).
    pub fn prepare_summary(&self) -> anyhow::Result<()> {
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else { return Ok(()) };
        let path = Path::new(&path);
        if path.is_dir() {
            anyhow::bail!(
                "the step summary `{}` (`GITHUB_STEP_SUMMARY`) is a directory: remove it, or point `GITHUB_STEP_SUMMARY` at a file",
                path.display()
            );
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot create the step summary `{}`", path.display()))?;
        Ok(())
    }

    /// The registry as the deploy gate asks it: a digest, `None` when absent, or why it could
    /// not be asked.
    pub fn image_lookup(&self) -> anyhow::Result<impl FnMut(&str) -> Result<Option<String>, String> + '_> {
        let registry = self.registry()?;
        Ok(move |reference: &str| {
            registry.exists(reference).map(|d| d.map(|d| d.as_str().to_owned())).map_err(|e| e.to_string())
        })
    }

    /// The environment overrides for the project.
    pub fn overrides(&self) -> anyhow::Result<Overrides> {
        Ok(Overrides::from_process_env(self.config()?))
    }

    /// The project's current version, as written in its bump-my-version configuration.
    pub fn current_version(&self) -> anyhow::Result<String> {
        Ok(self.current_version_entry()?.version)
    }

    fn current_version_entry(&self) -> anyhow::Result<hoist_version::CurrentVersion> {
        let config = self.config()?;
        Ok(match &config.version_config {
            Some(file) => hoist_version::read_current_version(&config.root().join(file))?,
            None => hoist_version::current_version(config.root())?,
        })
    }

    /// Appends `markdown` to the GitHub step summary when `GITHUB_STEP_SUMMARY` names a file.
    pub fn summary(&self, markdown: &str) -> anyhow::Result<()> {
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else { return Ok(()) };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot append to the step summary `{}`", Path::new(&path).display()))?;
        std::io::Write::write_all(&mut file, format!("{markdown}\n").as_bytes())
            .with_context(|| format!("cannot append to the step summary `{}`", Path::new(&path).display()))
    }

    /// Writes step outputs to the file `GITHUB_OUTPUT` names, when it is set: `name=value`, or
    /// GitHub's heredoc form for a value with a line break.
    pub fn outputs(&self, outputs: &[(&str, String)]) -> anyhow::Result<()> {
        let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) else { return Ok(()) };
        let text = format_outputs(outputs);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot append to the step outputs `{}`", Path::new(&path).display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .with_context(|| format!("cannot append to the step outputs `{}`", Path::new(&path).display()))
    }

    /// The naming rules with the current version, pull-request number and cache registry.
    pub fn naming(&self) -> anyhow::Result<Naming> {
        let config = self.config()?;
        let overrides = self.overrides()?;
        let current = self.current_version_entry()?;
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

/// GitHub's step-output format: `name=value` per line; a value with a line break as
/// `name<<DELIMITER`, the value, `DELIMITER`, with a delimiter the value does not contain.
fn format_outputs(outputs: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (name, value) in outputs {
        if value.contains('\n') {
            let mut delimiter = String::from("HOIST_EOF");
            while value.contains(&delimiter) {
                delimiter.push('_');
            }
            text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        } else {
            text.push_str(&format!("{name}={value}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::format_outputs;

    #[test]
    fn outputs_use_githubs_format() {
        assert_eq!(
            format_outputs(&[("version", "v1.2.3".into()), ("tag", "r/app:v1.2.3".into())]),
            "version=v1.2.3\ntag=r/app:v1.2.3\n"
        );
        assert_eq!(
            format_outputs(&[("notes", "a\nHOIST_EOF\nb".into())]),
            "notes<<HOIST_EOF_\na\nHOIST_EOF\nb\nHOIST_EOF_\n"
        );
    }
}
