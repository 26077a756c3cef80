/*!
The version engine: reads bump-my-version configuration and bumps versions.

This first cut only finds the configuration file and reads `current_version`; the bump
engine lands with the version-engine issue.
*/

use std::path::{Path, PathBuf};

mod error;

pub use error::VersionError;

/// The configuration file names bump-my-version looks for, in its order.
pub const CONFIG_FILE_SEARCH_ORDER: [&str; 4] =
    [".bumpversion.cfg", ".bumpversion.toml", "setup.cfg", "pyproject.toml"];

/// The current version and the file it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentVersion {
    /// The version string, as written in the configuration (`0.5.146-r1`).
    pub version: String,
    /// The configuration file it came from.
    pub config_file: PathBuf,
}

/// Reads `current_version` from the first bump-my-version configuration file in `dir`.
pub fn current_version(dir: &Path) -> Result<CurrentVersion, VersionError> {
    for name in CONFIG_FILE_SEARCH_ORDER {
        let path = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let found =
            if name.ends_with(".toml") { toml_current_version(&path, &text)? } else { ini_current_version(&text) };
        match found {
            Some(Some(version)) => {
                return Ok(CurrentVersion { version, config_file: path });
            }
            Some(None) => return Err(VersionError::NoCurrentVersion { path }),
            None => continue,
        }
    }
    Err(VersionError::NoConfig { dir: dir.to_owned() })
}

/// Reads `current_version` from the bump-my-version configuration file at `path`.
pub fn read_current_version(path: &Path) -> Result<CurrentVersion, VersionError> {
    let text = std::fs::read_to_string(path).map_err(|source| VersionError::Io { path: path.to_owned(), source })?;
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let found = if is_toml { toml_current_version(path, &text)? } else { ini_current_version(&text) };
    match found {
        Some(Some(version)) => Ok(CurrentVersion { version, config_file: path.to_owned() }),
        _ => Err(VersionError::NoCurrentVersion { path: path.to_owned() }),
    }
}

/// `None`: no bumpversion table; `Some(None)`: table without `current_version`.
fn toml_current_version(path: &Path, text: &str) -> Result<Option<Option<String>>, VersionError> {
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| VersionError::Toml {
        path: path.to_owned(),
        message: e.message().to_owned(),
    })?;
    let Some(table) = doc.get("tool").and_then(|t| t.get("bumpversion")) else {
        return Ok(None);
    };
    Ok(Some(table.get("current_version").and_then(|v| v.as_str()).map(str::to_owned)))
}

fn ini_current_version(text: &str) -> Option<Option<String>> {
    if !text.contains("bumpversion]") {
        return None;
    }
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[bumpversion]";
        } else if in_section
            && let Some((key, value)) = line.split_once(['=', ':'])
            && key.trim() == "current_version"
        {
            return Some(Some(value.trim().to_owned()));
        }
    }
    Some(None)
}
