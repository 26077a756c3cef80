//! Configuration: discovery (bump-my-version's order), reading `[tool.bumpversion]` from TOML
//! and the legacy INI sections, overrides from the command line, and the resolved [`Config`].

use std::path::{Path, PathBuf};

use crate::error::VersionError;
use crate::ini;
use crate::version::PartSpec;

/// The configuration file names bump-my-version looks for, in its order.
pub const CONFIG_FILE_SEARCH_ORDER: [&str; 4] =
    [".bumpversion.cfg", ".bumpversion.toml", "setup.cfg", "pyproject.toml"];

/// The default `parse` pattern.
pub const DEFAULT_PARSE: &str = r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)";
/// The default `search` template.
pub const DEFAULT_SEARCH: &str = "{current_version}";
/// The default `replace` template.
pub const DEFAULT_REPLACE: &str = "{new_version}";
/// The default commit message and tag message.
pub const DEFAULT_MESSAGE: &str = "Bump version: {current_version} → {new_version}";

/// A configuration value as read from TOML or INI, before it is checked against its key.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float (INI autocast only).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `None` (INI autocast only).
    None,
    /// A list.
    List(Vec<Raw>),
    /// A table, keys in order.
    Table(Vec<(String, Raw)>),
}

impl Raw {
    fn get(&self, key: &str) -> Option<&Raw> {
        match self {
            Raw::Table(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python's `str()` of the value, for keys that take strings.
    fn as_string(&self) -> Option<String> {
        match self {
            Raw::Str(s) => Some(s.clone()),
            Raw::Int(i) => Some(i.to_string()),
            Raw::Float(f) => Some(ini::py_float_str(*f)),
            Raw::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
            _ => None,
        }
    }
}

/// Which format a configuration file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigKind {
    /// `.bumpversion.toml` or `pyproject.toml`.
    Toml,
    /// `.bumpversion.cfg` or `setup.cfg`.
    Ini,
}

/// One `files` entry, with the global values filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// `filename` (resolved against the configuration's directory).
    pub filename: Option<String>,
    /// `glob` (wins over `filename`).
    pub glob: Option<String>,
    /// `glob_exclude`.
    pub glob_exclude: Vec<String>,
    /// `key_path` (accepted, unused, as in bump-my-version).
    pub key_path: Option<String>,
    /// `parse` (accepted; bump-my-version never parses with it).
    pub parse: String,
    /// `serialize`.
    pub serialize: Vec<String>,
    /// `search`.
    pub search: String,
    /// `replace`.
    pub replace: String,
    /// `regex`.
    pub regex: bool,
    /// `ignore_missing_version`.
    pub ignore_missing_version: bool,
    /// `ignore_missing_file`.
    pub ignore_missing_file: bool,
    /// `include_bumps` (all parts by default).
    pub include_bumps: Vec<String>,
    /// `exclude_bumps`.
    pub exclude_bumps: Vec<String>,
}

/// The resolved configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// The file's format.
    pub kind: Option<ConfigKind>,
    /// `current_version` (possibly from `--current-version`, `project.version` or a tag).
    pub current_version: Option<String>,
    /// `parse`.
    pub parse: String,
    /// `serialize`.
    pub serialize: Vec<String>,
    /// `search`.
    pub search: String,
    /// `replace`.
    pub replace: String,
    /// `regex`.
    pub regex: bool,
    /// `ignore_missing_version`.
    pub ignore_missing_version: bool,
    /// `ignore_missing_files`.
    pub ignore_missing_files: bool,
    /// `tag`.
    pub tag: bool,
    /// `push_tag`.
    pub push_tag: bool,
    /// `sign_tags`.
    pub sign_tags: bool,
    /// `tag_name`.
    pub tag_name: String,
    /// `tag_message`.
    pub tag_message: String,
    /// `allow_dirty`.
    pub allow_dirty: bool,
    /// `allow_dirty_files`.
    pub allow_dirty_files: Vec<String>,
    /// `commit`.
    pub commit: bool,
    /// `message`.
    pub message: String,
    /// `commit_args`.
    pub commit_args: Option<String>,
    /// `moveable_tags`.
    pub moveable_tags: Vec<String>,
    /// `setup_hooks`.
    pub setup_hooks: Vec<String>,
    /// `pre_commit_hooks`.
    pub pre_commit_hooks: Vec<String>,
    /// `post_commit_hooks`.
    pub post_commit_hooks: Vec<String>,
    /// `allow_shell_hooks`.
    pub allow_shell_hooks: bool,
    /// The parts, in `parse` group order.
    pub parts: Vec<(String, PartSpec)>,
    /// The `files` entries.
    pub files: Vec<FileEntry>,
    /// `project.version` from `pyproject.toml`, when static.
    pub pep621_version: Option<String>,
}

/// Values from the command line that replace configured ones (`None`: keep).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--current-version`.
    pub current_version: Option<String>,
    /// `--parse`.
    pub parse: Option<String>,
    /// `--serialize` (repeatable).
    pub serialize: Option<Vec<String>>,
    /// `--search`.
    pub search: Option<String>,
    /// `--replace`.
    pub replace: Option<String>,
    /// `--regex/--no-regex`.
    pub regex: Option<bool>,
    /// `--allow-dirty/--no-allow-dirty`.
    pub allow_dirty: Option<bool>,
    /// `--commit/--no-commit`.
    pub commit: Option<bool>,
    /// `--tag/--no-tag`.
    pub tag: Option<bool>,
    /// `--push-tag/--no-push-tag`.
    pub push_tag: Option<bool>,
    /// `--sign-tags/--no-sign-tags`.
    pub sign_tags: Option<bool>,
    /// `--tag-name`.
    pub tag_name: Option<String>,
    /// `--tag-message`.
    pub tag_message: Option<String>,
    /// `-m/--message`.
    pub message: Option<String>,
    /// `--commit-args`.
    pub commit_args: Option<String>,
    /// `--ignore-missing-files`.
    pub ignore_missing_files: Option<bool>,
    /// `--ignore-missing-version`.
    pub ignore_missing_version: Option<bool>,
}

/// Finds the configuration file for `cwd` the way bump-my-version does: `cwd`, then (inside a
/// repository) each parent up to the repository root; in each directory the names of
/// [`CONFIG_FILE_SEARCH_ORDER`]; only files that hold configuration count; else the nearest
/// `pyproject.toml` with a static `project.version`.
///
/// A TOML file on the way that does not parse is an error (bump-my-version skips it, and then
/// reports no configuration or uses another file): hoist cannot tell whether it holds the
/// configuration. Only regular files are read (a FIFO is never opened).
pub fn find_config_file(cwd: &Path) -> Result<Option<PathBuf>, VersionError> {
    let resolved = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let dirs: Vec<PathBuf> = match crate::scm::find_repo_root(cwd) {
        Some(root) => resolved.ancestors().take_while(|d| d.starts_with(&root)).map(Path::to_path_buf).collect(),
        None => vec![cwd.to_path_buf()],
    };
    let existing: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| CONFIG_FILE_SEARCH_ORDER.iter().map(move |n| d.join(n)))
        .filter(|p| p.is_file())
        .collect();
    for path in &existing {
        if has_bumpversion_config(path)? {
            return Ok(Some(path.clone()));
        }
    }
    Ok(existing.iter().find(|p| static_pep621_version(p).is_some()).cloned())
}

/// Whether `path` holds bump-my-version configuration; `Err` for TOML that does not parse.
fn has_bumpversion_config(path: &Path) -> Result<bool, VersionError> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(false) };
    if path.extension().is_some_and(|e| e == "toml") {
        let doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| VersionError::toml(path, &text, &e))?;
        Ok(doc.get("tool").and_then(|t| t.get("bumpversion")).is_some_and(|b| b.is_table_like()))
    } else {
        Ok(text.contains("bumpversion]"))
    }
}

fn static_pep621_version(path: &Path) -> Option<String> {
    if path.file_name()? != "pyproject.toml" {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let doc = text.parse::<toml_edit::DocumentMut>().ok()?;
    let project = doc.get("project")?;
    if let Some(dynamic) = project.get("dynamic").and_then(|d| d.as_array())
        && dynamic.iter().any(|v| v.as_str() == Some("version"))
    {
        return None;
    }
    project.get("version")?.as_str().filter(|v| !v.is_empty()).map(str::to_owned)
}

fn toml_to_raw(item: &toml_edit::Item) -> Raw {
    match item {
        toml_edit::Item::Value(v) => value_to_raw(v),
        toml_edit::Item::Table(t) => Raw::Table(t.iter().map(|(k, v)| (k.to_owned(), toml_to_raw(v))).collect()),
        toml_edit::Item::ArrayOfTables(a) => Raw::List(
            a.iter().map(|t| Raw::Table(t.iter().map(|(k, v)| (k.to_owned(), toml_to_raw(v))).collect())).collect(),
        ),
        toml_edit::Item::None => Raw::None,
    }
}

fn value_to_raw(value: &toml_edit::Value) -> Raw {
    use toml_edit::Value as V;
    match value {
        V::String(s) => Raw::Str(s.value().clone()),
        V::Integer(i) => Raw::Int(*i.value()),
        V::Float(f) => Raw::Float(*f.value()),
        V::Boolean(b) => Raw::Bool(*b.value()),
        V::Datetime(d) => Raw::Str(d.value().to_string()),
        V::Array(a) => Raw::List(a.iter().map(value_to_raw).collect()),
        V::InlineTable(t) => Raw::Table(t.iter().map(|(k, v)| (k.to_owned(), value_to_raw(v))).collect()),
    }
}

/// Reads the `[tool.bumpversion]` table of a TOML file (empty when absent).
fn read_toml(path: &Path, text: &str) -> Result<Raw, VersionError> {
    let doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| VersionError::toml(path, text, &e))?;
    Ok(match doc.get("tool").and_then(|t| t.get("bumpversion")) {
        Some(item) => toml_to_raw(item),
        None => Raw::Table(Vec::new()),
    })
}

/// Reads the bumpversion sections of an INI file into the same shape as the TOML table.
fn read_ini(path: &Path, text: &str) -> Result<Raw, VersionError> {
    let interpolate = path.file_name().is_some_and(|n| n == "setup.cfg");
    let sections = ini::parse(path, text, interpolate)?;
    let mut top: Vec<(String, Raw)> = Vec::new();
    let mut files: Vec<Raw> = Vec::new();
    let mut parts: Vec<(String, Raw)> = Vec::new();
    for (name, options) in sections {
        if !name.starts_with("bumpversion") {
            continue;
        }
        let section_parts: Vec<&str> = name.split(':').collect();
        let mut opts: Vec<(String, Raw)> = options.iter().map(|(k, v)| (k.clone(), ini::autocast(v))).collect();
        if let Some((_, v)) = opts.iter_mut().find(|(k, _)| k == "current_version")
            && let Some(s) = v.as_string()
        {
            *v = Raw::Str(s);
        }
        let join_list = |opts: &mut Vec<(String, Raw)>, key: &str, sep: &str| {
            if let Some((_, v)) = opts.iter_mut().find(|(k, _)| k == key)
                && let Raw::List(items) = v
            {
                *v = Raw::Str(items.iter().filter_map(Raw::as_string).collect::<Vec<_>>().join(sep));
            }
        };
        if section_parts.len() == 1 {
            for (k, v) in opts {
                top.retain(|(key, _)| *key != k);
                top.push((k, v));
            }
            join_list(&mut top, "message", ",");
            if let Some((_, v)) = top.iter_mut().find(|(k, _)| k == "serialize")
                && !matches!(v, Raw::List(_))
            {
                *v = Raw::List(vec![v.clone()]);
            }
        } else {
            let target = section_parts.get(2).copied().unwrap_or("").to_owned();
            if section_parts[1].starts_with("file") || section_parts[1].starts_with("glob") {
                let key = if section_parts[1].starts_with("file") { "filename" } else { "glob" };
                join_list(&mut opts, "search", "\n");
                join_list(&mut opts, "replace", "\n");
                let mut entry = vec![(key.to_owned(), Raw::Str(target))];
                entry.extend(opts);
                files.push(Raw::Table(entry));
            } else if section_parts[1].starts_with("part") {
                parts.push((target, Raw::Table(opts)));
            }
        }
    }
    top.push(("files".to_owned(), Raw::List(files)));
    top.push(("parts".to_owned(), Raw::Table(parts)));
    Ok(Raw::Table(top))
}

/// Reads the raw bumpversion table of `path`.
pub fn read_raw(path: &Path) -> Result<(Raw, ConfigKind), VersionError> {
    // A FIFO given as `--config-file` would block the read.
    if !crate::text::regular_file(path, path)? {
        return Err(VersionError::MissingConfigFile { path: path.to_owned() });
    }
    let bytes =
        std::fs::read(path).map_err(|source| VersionError::Io { action: "read", path: path.to_owned(), source })?;
    let text = String::from_utf8(bytes).map_err(|_| VersionError::NotUtf8 { path: path.to_owned() })?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Ok((read_toml(path, &text)?, ConfigKind::Toml)),
        Some("cfg") => Ok((read_ini(path, &text)?, ConfigKind::Ini)),
        // bump-my-version uses the defaults for other suffixes.
        _ => Ok((Raw::Table(Vec::new()), ConfigKind::Ini)),
    }
}

struct Reader<'a> {
    path: &'a Path,
}

impl Reader<'_> {
    fn bad(&self, key: &str, message: &str) -> VersionError {
        VersionError::BadKey { path: self.path.to_owned(), key: key.to_owned(), message: message.to_owned() }
    }

    fn string(&self, table: &Raw, key: &str) -> Result<Option<String>, VersionError> {
        match table.get(key) {
            None | Some(Raw::None) => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| self.bad(key, "must be a string")),
        }
    }

    fn boolean(&self, table: &Raw, key: &str) -> Result<Option<bool>, VersionError> {
        match table.get(key) {
            None | Some(Raw::None) => Ok(None),
            Some(Raw::Bool(b)) => Ok(Some(*b)),
            Some(Raw::Int(0)) => Ok(Some(false)),
            Some(Raw::Int(1)) => Ok(Some(true)),
            Some(Raw::Str(s)) => match s.to_lowercase().as_str() {
                "0" | "off" | "f" | "false" | "n" | "no" => Ok(Some(false)),
                "1" | "on" | "t" | "true" | "y" | "yes" => Ok(Some(true)),
                _ => Err(self.bad(key, "must be `true` or `false`")),
            },
            Some(_) => Err(self.bad(key, "must be `true` or `false`")),
        }
    }

    fn list(&self, table: &Raw, key: &str) -> Result<Option<Vec<String>>, VersionError> {
        match table.get(key) {
            None | Some(Raw::None) => Ok(None),
            Some(Raw::List(items)) => items
                .iter()
                .map(|i| i.as_string().ok_or_else(|| self.bad(key, "must be a list of strings")))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Raw::Str(s)) => Ok(Some(vec![s.clone()])),
            Some(_) => Err(self.bad(key, "must be a list of strings")),
        }
    }
}

/// The named groups of `parse`, in order.
fn parse_groups(parse: &str) -> Result<Vec<String>, VersionError> {
    // bump-my-version compiles `parse` here without `re.VERBOSE`; the group names are the
    // same either way (unless a verbose comment holds a group), and the verbose compile is the
    // one the bump uses, so it is compiled once.
    let regex = crate::pyregex::compile(
        parse,
        crate::pyregex::Flags { verbose: true, ascii_digits: true, short: true, ..Default::default() },
    )
    .map_err(|e| VersionError::BadParse { pattern: parse.to_owned(), message: e.message })?;
    Ok(regex.capture_names().flatten().map(str::to_owned).collect())
}

/// Builds the configuration from the file at `path` (or the defaults without one) and the
/// command-line `overrides`; `cwd` is where relative paths given on the command line start.
pub fn load(path: Option<&Path>, overrides: &Overrides, cwd: &Path) -> Result<Config, VersionError> {
    let (raw, kind) = match path {
        Some(p) => {
            let (raw, kind) = read_raw(p)?;
            (raw, Some(kind))
        }
        None => (Raw::Table(Vec::new()), None),
    };
    let display_path = path.map_or_else(|| PathBuf::from("(defaults)"), Path::to_path_buf);
    let r = Reader { path: &display_path };
    let or = |o: &Option<String>, v: Option<String>, d: &str| o.clone().or(v).unwrap_or_else(|| d.to_owned());
    let parse = or(&overrides.parse, r.string(&raw, "parse")?, DEFAULT_PARSE);
    let serialize = overrides
        .serialize
        .clone()
        .or(r.list(&raw, "serialize")?)
        .unwrap_or_else(|| vec!["{major}.{minor}.{patch}".to_owned()]);
    if serialize.is_empty() {
        return Err(r.bad("serialize", "must list at least one format"));
    }
    let search = or(&overrides.search, r.string(&raw, "search")?, DEFAULT_SEARCH);
    let replace = or(&overrides.replace, r.string(&raw, "replace")?, DEFAULT_REPLACE);
    let bool_or =
        |o: Option<bool>, key: &str| -> Result<bool, VersionError> { Ok(o.or(r.boolean(&raw, key)?).unwrap_or(false)) };
    let regex = bool_or(overrides.regex, "regex")?;
    let ignore_missing_version = bool_or(overrides.ignore_missing_version, "ignore_missing_version")?;
    let ignore_missing_files = bool_or(overrides.ignore_missing_files, "ignore_missing_files")?;

    let groups = parse_groups(&parse)?;
    let part_tables = raw.get("parts");
    let mut parts = Vec::new();
    for name in &groups {
        let spec = match part_tables.and_then(|t| t.get(name)) {
            Some(table) => {
                let key = |k: &str| format!("parts.{name}.{k}");
                let calver_format =
                    r.string(table, "calver_format").map_err(|_| r.bad(&key("calver_format"), "must be a string"))?;
                let always_increment = match table.get("always_increment") {
                    Some(_) => r.boolean(table, "always_increment")?.unwrap_or(false),
                    None => calver_format.as_deref().is_some_and(|f| !f.is_empty()),
                };
                PartSpec {
                    values: r.list(table, "values").map_err(|_| r.bad(&key("values"), "must be a list"))?,
                    optional_value: r.string(table, "optional_value")?,
                    first_value: r.string(table, "first_value")?,
                    independent: r.boolean(table, "independent")?.unwrap_or(false),
                    always_increment,
                    calver_format,
                    depends_on: r.string(table, "depends_on")?,
                }
            }
            None => PartSpec { independent: name.starts_with('$'), ..PartSpec::default() },
        };
        parts.push((name.clone(), spec));
    }

    let config_dir = match path {
        Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).parent().map(Path::to_path_buf),
        None => None,
    };
    let cwd_resolved = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let rebase = config_dir.as_ref().filter(|d| **d != cwd_resolved).cloned();
    let repo_root = crate::scm::find_repo_root(config_dir.as_deref().unwrap_or(cwd));
    let resolve = |value: &str, escape: bool, negatable: bool| -> Result<String, VersionError> {
        let (negated, mut value) = match value.strip_prefix('!') {
            Some(v) if negatable => (true, v.to_owned()),
            _ => (false, value.to_owned()),
        };
        if value.contains("{repo_root}") {
            let Some(root) = &repo_root else {
                return Err(r.bad(
                    "files",
                    &format!("uses `{{repo_root}}` in `{value}`, but the configuration is not in a git repository"),
                ));
            };
            let root = root.display().to_string();
            value = value.replace("{repo_root}", &if escape { glob_escape(&root) } else { root });
        }
        if let Some(base) = &rebase
            && !value.starts_with('/')
        {
            let base = base.display().to_string();
            value = format!("{}/{value}", if escape { glob_escape(&base) } else { base });
        }
        Ok(if negated { format!("!{value}") } else { value })
    };
    let mut files = Vec::new();
    if let Some(list) = raw.get("files") {
        let Raw::List(entries) = list else {
            return Err(r.bad("files", "must be a list of tables"));
        };
        for entry in entries {
            if !matches!(entry, Raw::Table(_)) {
                return Err(r.bad("files", "must be a list of tables, one per file"));
            }
            if matches!(entry, Raw::Table(t) if t.is_empty()) {
                continue;
            }
            let filename = r.string(entry, "filename")?;
            let glob = r.string(entry, "glob")?;
            if filename.is_none() && glob.is_none() {
                return Err(r.bad("files", "has an entry with neither `filename` nor `glob`"));
            }
            let filename = filename.map(|f| resolve(&f, false, false)).transpose()?;
            let glob = glob.map(|g| resolve(&g, true, false)).transpose()?;
            let glob_exclude = match (&glob, r.list(entry, "glob_exclude")?) {
                (Some(_), Some(list)) => list.iter().map(|p| resolve(p, true, true)).collect::<Result<_, _>>()?,
                (_, list) => list.unwrap_or_default(),
            };
            files.push(FileEntry {
                filename,
                glob,
                glob_exclude,
                key_path: r.string(entry, "key_path")?,
                parse: r.string(entry, "parse")?.filter(|s| !s.is_empty()).unwrap_or_else(|| parse.clone()),
                serialize: r.list(entry, "serialize")?.filter(|s| !s.is_empty()).unwrap_or_else(|| serialize.clone()),
                search: r.string(entry, "search")?.filter(|s| !s.is_empty()).unwrap_or_else(|| search.clone()),
                replace: r.string(entry, "replace")?.unwrap_or_else(|| replace.clone()),
                regex: r.boolean(entry, "regex")?.unwrap_or(regex),
                ignore_missing_version: r.boolean(entry, "ignore_missing_version")?.unwrap_or(ignore_missing_version),
                ignore_missing_file: r.boolean(entry, "ignore_missing_file")?.unwrap_or(ignore_missing_files),
                include_bumps: r.list(entry, "include_bumps")?.unwrap_or_else(|| groups.clone()),
                exclude_bumps: r.list(entry, "exclude_bumps")?.unwrap_or_default(),
            });
        }
    }

    let pep621_version = path.and_then(static_pep621_version);
    let current_version = overrides.current_version.clone().or(r.string(&raw, "current_version")?);
    Ok(Config {
        path: path.map(Path::to_path_buf),
        kind,
        current_version,
        parse,
        serialize,
        search,
        replace,
        regex,
        ignore_missing_version,
        ignore_missing_files,
        tag: bool_or(overrides.tag, "tag")?,
        push_tag: bool_or(overrides.push_tag, "push_tag")?,
        sign_tags: bool_or(overrides.sign_tags, "sign_tags")?,
        tag_name: or(&overrides.tag_name, r.string(&raw, "tag_name")?, "v{new_version}"),
        tag_message: or(&overrides.tag_message, r.string(&raw, "tag_message")?, DEFAULT_MESSAGE),
        allow_dirty: bool_or(overrides.allow_dirty, "allow_dirty")?,
        allow_dirty_files: r.list(&raw, "allow_dirty_files")?.unwrap_or_default(),
        commit: bool_or(overrides.commit, "commit")?,
        message: or(&overrides.message, r.string(&raw, "message")?, DEFAULT_MESSAGE),
        commit_args: overrides.commit_args.clone().or(r.string(&raw, "commit_args")?).filter(|a| !a.is_empty()),
        moveable_tags: r.list(&raw, "moveable_tags")?.unwrap_or_default(),
        setup_hooks: r.list(&raw, "setup_hooks")?.unwrap_or_default(),
        pre_commit_hooks: r.list(&raw, "pre_commit_hooks")?.unwrap_or_default(),
        post_commit_hooks: r.list(&raw, "post_commit_hooks")?.unwrap_or_default(),
        allow_shell_hooks: r.boolean(&raw, "allow_shell_hooks")?.unwrap_or(false),
        parts,
        files,
        pep621_version,
    })
}

/// `glob.escape`: magic characters wrapped in brackets.
fn glob_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, text: &str) -> Result<Config, VersionError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        load(Some(&path), &Overrides::default(), dir.path())
    }

    #[test]
    fn reads_the_revsys_ini() {
        let config = load_text(
            ".bumpversion.cfg",
            "[bumpversion]\ncurrent_version = 0.5.146\ntag = True\ncommit = True\nallow_dirty = False\nparse = (?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(-r(?P<build>\\d+))?\nserialize =\n\t{major}.{minor}.{patch}-r{build}\n\t{major}.{minor}.{patch}\n\n[bumpversion:part:build]\nfirst_value = 0\n\n[bumpversion:file:Dockerfile]\n\n[bumpversion:file:chart/Chart.yaml]\nsearch = version: {current_version}\n",
        )
        .unwrap();
        assert_eq!(config.current_version.as_deref(), Some("0.5.146"));
        assert!(config.tag && config.commit && !config.allow_dirty);
        assert_eq!(config.serialize, ["{major}.{minor}.{patch}-r{build}", "{major}.{minor}.{patch}"]);
        let names: Vec<&str> = config.parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["major", "minor", "patch", "build"]);
        assert_eq!(config.parts[3].1.first_value.as_deref(), Some("0"));
        assert_eq!(config.files.len(), 2);
        assert_eq!(config.files[1].filename.as_deref(), Some("chart/Chart.yaml"));
        assert_eq!(config.files[1].search, "version: {current_version}");
        assert_eq!(config.files[0].search, "{current_version}");
    }

    #[test]
    fn reads_toml_with_defaults_and_overrides() {
        let config = load_text(
            ".bumpversion.toml",
            "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ncommit = \"yes\"\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\nreplace = \"\"\n[tool.bumpversion.parts.minor]\nindependent = true\n",
        )
        .unwrap();
        assert!(config.commit);
        assert_eq!(config.files[0].replace, "");
        assert!(config.parts[1].1.independent);
        assert_eq!(config.tag_name, "v{new_version}");
        assert!(load_text(".bumpversion.toml", "[tool.bumpversion]\ncommit = 3\n").is_err());
        assert!(load_text(".bumpversion.toml", "[tool.bumpversion\n").is_err());
        assert!(load_text(".bumpversion.toml", "[tool.bumpversion]\nparse = \"(?P<a>\"\n").is_err());
    }
}
