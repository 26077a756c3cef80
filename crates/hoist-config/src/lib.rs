/*!
`hoist.toml`: what the original pipeline kept as justfile variables, typed.

[`Config::discover`] finds `hoist.toml` in a directory or its parents (like `just` finds a
justfile) and [`Config::parse`] turns its text into a [`Config`]. Every problem is a
[`ConfigError`] that names the file, line, column and key, and an unknown key names the closest
known one. [`Overrides::from_env`] reads the environment variables the original pipeline used
(`CACHE_REGISTRY`, `NO_CACHE_TO`, `prNum`) and their `HOIST_*` equivalents.

```
use hoist_config::Config;

let config = Config::parse(
    r#"
registry = "registry.example.com/app"
cache-registry = "registry.example.com/cache/app"

[compose.ci]
files = ["docker-compose.yml", "docker-compose.ci.yml"]
"#,
    "hoist.toml".as_ref(),
)
.unwrap();
assert_eq!(config.registry, "registry.example.com/app");
assert_eq!(config.release_step, "release");
assert_eq!(config.compose["ci"].project, "ci");
```
*/

mod error;
mod location;
mod overrides;
mod schema;
mod suggest;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use error::ConfigError;
pub use location::key_line;
pub use overrides::Overrides;
pub use schema::{
    Builder, Channels, Ci, ComposeProject, Config, DataImage, Deploy, Environment, Gitops, Regenerate, Requirements,
    ServiceCommand, Setup, Suite, Test, is_ref_component,
};
pub use suggest::closest;

/// The file name hoist looks for.
pub const FILE_NAME: &str = "hoist.toml";

impl Config {
    /// Finds `hoist.toml` in `start` or the nearest parent directory that has one, and loads it.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        let start = std::path::absolute(start).map_err(|source| ConfigError::Io { path: start.to_owned(), source })?;
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            match std::fs::metadata(&candidate) {
                Ok(meta) if meta.is_file() => return Config::load(&candidate),
                // Never opened: a FIFO would block hoist forever.
                Ok(meta) if !meta.is_dir() => {
                    return Err(ConfigError::Io {
                        path: candidate,
                        source: std::io::Error::other(
                            "it is not a regular file (a FIFO, socket or device): make it a regular file",
                        ),
                    });
                }
                _ => {}
            }
            dir = d.parent();
        }
        Err(ConfigError::NotFound { start })
    }

    /// Loads the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            return Err(ConfigError::Io {
                path: path.to_owned(),
                source: std::io::Error::other("it is not a regular file (a directory, FIFO, socket or device)"),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ConfigError::NotFound { start: path.to_owned() },
            _ => ConfigError::Io { path: path.to_owned(), source },
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of a configuration file; `path` names it in errors and anchors the
    /// relative paths inside it (they are relative to the file's directory).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: schema::RawConfig = toml::from_str(text).map_err(|e| error::from_toml(text, path, &e))?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        raw.resolve(text, path, root)
    }

    /// The project directory: the directory that holds `hoist.toml`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The Dockerfile, as a path that can be opened.
    pub fn dockerfile_path(&self) -> PathBuf {
        self.root.join(&self.dockerfile)
    }

    /// The build context directory, as a path that can be opened.
    pub fn context_path(&self) -> PathBuf {
        self.root.join(&self.context)
    }
}
