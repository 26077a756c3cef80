/*!
The version engine: a drop-in, byte-for-byte reimplementation of bump-my-version 1.8.1.

- [`config`]: finds the configuration (`.bumpversion.cfg`, `.bumpversion.toml`, `setup.cfg`,
  `pyproject.toml`, in bump-my-version's order), reads `[tool.bumpversion]` or the legacy INI
  sections and applies command-line [`Overrides`] into a [`Config`].
- [`version`]: [`VersionSpec`] (the parts and their dependencies) parses a version string into
  a [`Version`], bumps a part (numeric, values list, CalVer, `independent`,
  `always_increment`, `depends_on`) and serializes it with the best `serialize` format.
- [`bump::plan`] computes a [`Plan`] (every file's new bytes, the config update, the commit
  message, the tags, the hooks) without writing anything and fails with a sentence when
  anything is wrong; [`bump::execute`] carries it out atomically: temporary file + rename,
  and every file restored if a write, the commit or the tag fails.
- Templates use Python's `str.format` ([`pyformat`]), patterns Python's `re` semantics on
  `fancy-regex` ([`pyregex`]: lookaround and backreferences work; possessive quantifiers and
  conditionals do not).
- [`check`] verifies that every configured file holds the current version; [`migrate`] turns a
  `.bumpversion.cfg` into `.bumpversion.toml` text.

Sync only; git runs as the `git` CLI through `xshell`. No semver promise: this crate serves
the hoist CLI.
*/

pub mod bump;
pub mod config;
pub mod context;
mod error;
pub mod glob;
mod ini;
pub mod pyformat;
mod pyregex;
pub mod scm;
pub mod text;
pub mod time;
pub mod version;

use std::path::{Path, PathBuf};

pub use bump::{BumpRequest, Env, FileEdit, Plan, Report};
pub use config::{CONFIG_FILE_SEARCH_ORDER, Config, Overrides};
pub use error::{FormatError, RegexError, VersionError};
pub use time::Now;
pub use version::{PartSpec, Version, VersionSpec};

/// The current version and the file it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentVersion {
    /// The version string, as written in the configuration (`0.5.146-r1`).
    pub version: String,
    /// The configuration file it came from.
    pub config_file: PathBuf,
}

/// Reads `current_version` from the bump-my-version configuration found from `dir` (the
/// discovery of [`config::find_config_file`]).
pub fn current_version(dir: &Path) -> Result<CurrentVersion, VersionError> {
    let path = config::find_config_file(dir)?.ok_or_else(|| VersionError::NoConfig { dir: dir.to_owned() })?;
    read_current_version(&path)
}

/// Reads `current_version` from the bump-my-version configuration file at `path`.
pub fn read_current_version(path: &Path) -> Result<CurrentVersion, VersionError> {
    let cwd = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let config = config::load(Some(path), &Overrides::default(), cwd)?;
    match config.current_version.or(config.pep621_version) {
        Some(version) => Ok(CurrentVersion { version, config_file: path.to_owned() }),
        None => Err(VersionError::NoCurrentVersion { path: path.to_owned() }),
    }
}

/// A configured file that does not hold the current version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    /// The file, as configured.
    pub file: String,
    /// What is wrong, as a sentence.
    pub problem: String,
}

/// Checks that every configured file contains the current version (as its `search` renders
/// it): the files `bump` would fail on or silently skip are listed.
pub fn check(env: &Env<'_>, config: &Config) -> Result<Vec<Drift>, VersionError> {
    let mut cfg = config.clone();
    // Missing files and versions are reported, not skipped.
    for f in &mut cfg.files {
        f.ignore_missing_file = false;
        f.ignore_missing_version = false;
    }
    let mut drift = Vec::new();
    for entry in &cfg.files {
        let mut one = cfg.clone();
        one.files = vec![entry.clone()];
        one.allow_dirty = true;
        one.commit = false;
        one.tag = false;
        one.setup_hooks.clear();
        one.pre_commit_hooks.clear();
        one.post_commit_hooks.clear();
        let request = BumpRequest {
            dry_run: true,
            replace_only: Some(bump::ReplaceOverrides::default()),
            ..BumpRequest::default()
        };
        match bump::plan(env, &one, &request) {
            Ok(_) => {}
            Err(
                e @ (VersionError::MissingFile { .. }
                | VersionError::FileIsDirectory { .. }
                | VersionError::NotRegularFile { .. }
                | VersionError::VersionNotFound { .. }
                | VersionError::GlobMatchesNothing { .. }
                | VersionError::NotUtf8 { .. }),
            ) => drift.push(Drift {
                file: entry.filename.clone().or(entry.glob.clone()).unwrap_or_default(),
                problem: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(drift)
}

/// Converts a legacy `.bumpversion.cfg` (or `setup.cfg`) into the equivalent
/// `.bumpversion.toml` text.
pub fn migrate(path: &Path) -> Result<String, VersionError> {
    use config::Raw;
    let (raw, _) = config::read_raw(path)?;
    let Raw::Table(top) = raw else { return Ok(String::new()) };
    fn to_value(raw: &Raw) -> Option<toml_edit::Value> {
        Some(match raw {
            Raw::Str(s) => s.as_str().into(),
            Raw::Int(i) => (*i).into(),
            Raw::Float(f) => (*f).into(),
            Raw::Bool(b) => (*b).into(),
            Raw::None => return None,
            Raw::List(items) => {
                let mut array = toml_edit::Array::new();
                for item in items.iter().filter_map(to_value) {
                    array.push(item);
                }
                array.into()
            }
            Raw::Table(entries) => {
                let mut table = toml_edit::InlineTable::new();
                for (k, v) in entries {
                    if let Some(v) = to_value(v) {
                        table.insert(k, v);
                    }
                }
                table.into()
            }
        })
    }
    let mut bumpversion = toml_edit::Table::new();
    let mut parts = toml_edit::Table::new();
    parts.set_implicit(true);
    let mut files = toml_edit::ArrayOfTables::new();
    for (key, value) in &top {
        match (key.as_str(), value) {
            ("files", Raw::List(entries)) => {
                for entry in entries {
                    let Raw::Table(fields) = entry else { continue };
                    let mut table = toml_edit::Table::new();
                    for (k, v) in fields {
                        if let Some(v) = to_value(v) {
                            table.insert(k, toml_edit::Item::Value(v));
                        }
                    }
                    files.push(table);
                }
            }
            ("parts", Raw::Table(entries)) => {
                for (name, fields) in entries {
                    let Raw::Table(fields) = fields else { continue };
                    let mut table = toml_edit::Table::new();
                    for (k, v) in fields {
                        if let Some(v) = to_value(v) {
                            table.insert(k, toml_edit::Item::Value(v));
                        }
                    }
                    parts.insert(name, toml_edit::Item::Table(table));
                }
            }
            (key, value) => {
                // `current_version` and the other strings stay strings, as bump-my-version reads them.
                let value = if key == "current_version" { Raw::Str(value_as_string(value)) } else { value.clone() };
                if let Some(v) = to_value(&value) {
                    bumpversion.insert(key, toml_edit::Item::Value(v));
                }
            }
        }
    }
    if !parts.is_empty() {
        bumpversion.insert("parts", toml_edit::Item::Table(parts));
    }
    if !files.is_empty() {
        bumpversion.insert("files", toml_edit::Item::ArrayOfTables(files));
    }
    let mut tool = toml_edit::Table::new();
    tool.set_implicit(true);
    tool.insert("bumpversion", toml_edit::Item::Table(bumpversion));
    let mut doc = toml_edit::DocumentMut::new();
    doc.insert("tool", toml_edit::Item::Table(tool));
    Ok(doc.to_string())
}

fn value_as_string(raw: &config::Raw) -> String {
    match raw {
        config::Raw::Str(s) => s.clone(),
        config::Raw::Int(i) => i.to_string(),
        config::Raw::Float(f) => ini::py_float_str(*f),
        config::Raw::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        _ => String::new(),
    }
}
