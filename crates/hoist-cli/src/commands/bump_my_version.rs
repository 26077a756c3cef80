//! `bump-my-version`: bump-my-version 1.8.1's own command line, verbatim, so CI scripts can
//! swap the Python tool for hoist (`hoist bump-my-version bump patch`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_version::bump::{self, ReplaceOverrides};
use hoist_version::config::{self, Config, Overrides};
use hoist_version::{BumpRequest, Env, Now};

use crate::Ctx;
use crate::commands::print_line;

/// Run bump-my-version's command line (bump, replace, show, show-bump, sample-config).
#[derive(Debug, clap::Args)]
pub(crate) struct BumpMyVersion {
    #[command(subcommand)]
    command: BmvCommand,
}

#[derive(Debug, clap::Subcommand)]
enum BmvCommand {
    /// Change the version: `bump [VERSION_PART] [FILES]...`.
    Bump(BmvBump),
    /// Replace the version in files, without touching the configuration or git.
    Replace(BmvReplace),
    /// Show configuration values (`show current_version`, `show -i patch new_version`).
    Show(BmvShow),
    /// Show the version each part's bump leads to.
    ShowBump(BmvShowBump),
    /// Print a sample configuration.
    SampleConfig(BmvSampleConfig),
}

/// Options shared by `bump` and `replace`.
#[derive(Debug, clap::Args)]
struct Common {
    /// The configuration file to use instead of searching for one.
    #[arg(long, value_name = "PATH", env = "BUMPVERSION_CONFIG_FILE")]
    config_file: Option<PathBuf>,
    /// Print more (repeatable); accepted for compatibility.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Do not fail on a dirty working tree.
    #[arg(long, overrides_with = "no_allow_dirty")]
    allow_dirty: bool,
    /// Fail on a dirty working tree.
    #[arg(long, overrides_with = "allow_dirty")]
    no_allow_dirty: bool,
    /// The version to bump from, instead of the configured one.
    #[arg(long, value_name = "VERSION", env = "BUMPVERSION_CURRENT_VERSION")]
    current_version: Option<String>,
    /// The regex that parses a version.
    #[arg(long, value_name = "REGEX", env = "BUMPVERSION_PARSE")]
    parse: Option<String>,
    /// A serialization format (repeatable).
    #[arg(long, value_name = "FORMAT", env = "BUMPVERSION_SERIALIZE")]
    serialize: Vec<String>,
    /// The template to search for.
    #[arg(long, value_name = "SEARCH", env = "BUMPVERSION_SEARCH")]
    search: Option<String>,
    /// The template to replace it with.
    #[arg(long, value_name = "REPLACE", env = "BUMPVERSION_REPLACE")]
    replace: Option<String>,
    /// Treat the search as a regular expression.
    #[arg(long, overrides_with = "no_regex")]
    regex: bool,
    /// Treat the search as literal text.
    #[arg(long, overrides_with = "regex")]
    no_regex: bool,
    /// Change only the files given on the command line.
    #[arg(long, env = "BUMPVERSION_NO_CONFIGURED_FILES")]
    no_configured_files: bool,
    /// Do not fail on missing files.
    #[arg(long, overrides_with = "no_ignore_missing_files")]
    ignore_missing_files: bool,
    /// Fail on missing files.
    #[arg(long, overrides_with = "ignore_missing_files")]
    no_ignore_missing_files: bool,
    /// Do not fail when a file lacks the version.
    #[arg(long, overrides_with = "no_ignore_missing_version")]
    ignore_missing_version: bool,
    /// Fail when a file lacks the version.
    #[arg(long, overrides_with = "ignore_missing_version")]
    no_ignore_missing_version: bool,
    /// Compute everything, change nothing.
    #[arg(short = 'n', long, env = "BUMPVERSION_DRY_RUN")]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
struct BmvBump {
    #[command(flatten)]
    common: Common,
    /// The version to set.
    #[arg(long, value_name = "VERSION", env = "BUMPVERSION_NEW_VERSION")]
    new_version: Option<String>,
    /// Set VERSION_PART to this value instead of incrementing it.
    #[arg(long = "to", value_name = "VALUE", env = "BUMPVERSION_TO")]
    to: Option<String>,
    /// Commit the changes.
    #[arg(long, overrides_with = "no_commit")]
    commit: bool,
    /// Do not commit.
    #[arg(long, overrides_with = "commit")]
    no_commit: bool,
    /// Tag the commit.
    #[arg(long, overrides_with = "no_tag")]
    tag: bool,
    /// Do not tag.
    #[arg(long, overrides_with = "tag")]
    no_tag: bool,
    /// Push the tag to `origin`.
    #[arg(long, overrides_with = "no_push_tag")]
    push_tag: bool,
    /// Do not push the tag.
    #[arg(long, overrides_with = "push_tag")]
    no_push_tag: bool,
    /// Sign the tag.
    #[arg(long, overrides_with = "no_sign_tags")]
    sign_tags: bool,
    /// Do not sign the tag.
    #[arg(long, overrides_with = "sign_tags")]
    no_sign_tags: bool,
    /// The tag name template.
    #[arg(long, value_name = "TAG_NAME", env = "BUMPVERSION_TAG_NAME")]
    tag_name: Option<String>,
    /// The tag message template.
    #[arg(long, value_name = "TAG_MESSAGE", env = "BUMPVERSION_TAG_MESSAGE")]
    tag_message: Option<String>,
    /// The commit message template.
    #[arg(short = 'm', long, value_name = "COMMIT_MSG", env = "BUMPVERSION_MESSAGE")]
    message: Option<String>,
    /// Extra arguments for `git commit`.
    #[arg(long, value_name = "COMMIT_ARGS", env = "BUMPVERSION_COMMIT_ARGS")]
    commit_args: Option<String>,
    /// VERSION_PART, then FILES to change as well.
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct BmvReplace {
    #[command(flatten)]
    common: Common,
    /// The new version that should be in the files.
    #[arg(long, value_name = "VERSION", env = "BUMPVERSION_NEW_VERSION")]
    new_version: Option<String>,
    /// Files to change as well.
    #[arg(value_name = "FILES")]
    files: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct BmvShow {
    /// The configuration file to use instead of searching for one.
    #[arg(long, value_name = "PATH", env = "BUMPVERSION_CONFIG_FILE")]
    config_file: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'f', long = "format", value_name = "FORMAT", default_value = "default", value_parser = ["default", "yaml", "json"])]
    format: String,
    /// Increment this part and add `new_version`.
    #[arg(short = 'i', long, value_name = "PART", env = "BUMPVERSION_INCREMENT")]
    increment: Option<String>,
    /// The version to show instead of the configured one.
    #[arg(long, value_name = "VERSION", env = "BUMPVERSION_CURRENT_VERSION")]
    current_version: Option<String>,
    /// Dotted keys (`current_version`, `files.0.filename`, `scm_info.branch_name`).
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct BmvShowBump {
    /// The configuration file to use instead of searching for one.
    #[arg(long, value_name = "PATH", env = "BUMPVERSION_CONFIG_FILE")]
    config_file: Option<PathBuf>,
    /// Draw with ASCII characters.
    #[arg(long)]
    ascii: bool,
    /// Print more (repeatable); accepted for compatibility.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// The version to start from (default: the current one).
    #[arg(value_name = "VERSION")]
    version: Option<String>,
}

#[derive(Debug, clap::Args)]
struct BmvSampleConfig {
    /// Ask questions (not supported: hoist never prompts).
    #[arg(long, overrides_with = "no_prompt")]
    prompt: bool,
    /// Do not ask questions.
    #[arg(long, overrides_with = "prompt")]
    no_prompt: bool,
    /// Where to write it: `stdout`, `.bumpversion.toml` or `pyproject.toml`.
    #[arg(long, default_value = ".bumpversion.toml")]
    destination: String,
}

/// A `--flag/--no-flag` pair: the flag given last wins (clap's `overrides_with`), else the
/// environment variable `env` as click reads booleans, else unset.
fn tri(yes: bool, no: bool, env: &str) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => std::env::var(env).ok().and_then(|v| match v.trim().to_lowercase().as_str() {
            "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
            "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
            _ => None,
        }),
    }
}

/// The working directory, resolved.
pub(crate) fn working_dir(ctx: &Ctx) -> anyhow::Result<PathBuf> {
    std::fs::canonicalize(ctx.start_dir())
        .with_context(|| format!("the directory `{}` does not exist", ctx.start_dir().display()))
}

/// The configuration file: `explicit` (which must exist) or the one found from `cwd`.
pub(crate) fn config_path(cwd: &Path, explicit: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    match explicit {
        Some(path) => {
            let path = cwd.join(path);
            if !path.exists() {
                anyhow::bail!(hoist_version::VersionError::MissingConfigFile { path });
            }
            Ok(Some(path))
        }
        None => Ok(config::find_config_file(cwd)?),
    }
}

impl Common {
    fn overrides(&self) -> Overrides {
        Overrides {
            current_version: self.current_version.clone(),
            parse: self.parse.clone(),
            serialize: (!self.serialize.is_empty()).then(|| self.serialize.clone()),
            search: self.search.clone(),
            replace: self.replace.clone(),
            regex: tri(self.regex, self.no_regex, "BUMPVERSION_REGEX"),
            allow_dirty: tri(self.allow_dirty, self.no_allow_dirty, "BUMPVERSION_ALLOW_DIRTY"),
            ignore_missing_files: tri(
                self.ignore_missing_files,
                self.no_ignore_missing_files,
                "BUMPVERSION_IGNORE_MISSING_FILES",
            ),
            ignore_missing_version: tri(
                self.ignore_missing_version,
                self.no_ignore_missing_version,
                "BUMPVERSION_IGNORE_MISSING_VERSION",
            ),
            ..Overrides::default()
        }
    }
}

impl BumpMyVersion {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let cwd = working_dir(ctx)?;
        let sh = xshell::Shell::new()?;
        sh.change_dir(&cwd);
        let env = Env { sh: &sh, cwd: &cwd, now: Now::from_env()? };
        match self.command {
            BmvCommand::Bump(cmd) => {
                let mut overrides = cmd.common.overrides();
                overrides.commit = tri(cmd.commit, cmd.no_commit, "BUMPVERSION_COMMIT");
                overrides.tag = tri(cmd.tag, cmd.no_tag, "BUMPVERSION_TAG");
                overrides.push_tag = tri(cmd.push_tag, cmd.no_push_tag, "BUMPVERSION_PUSH_TAG");
                overrides.sign_tags = tri(cmd.sign_tags, cmd.no_sign_tags, "BUMPVERSION_SIGN_TAGS");
                overrides.tag_name = cmd.tag_name;
                overrides.tag_message = cmd.tag_message;
                overrides.message = cmd.message;
                overrides.commit_args = cmd.commit_args;
                if cmd.to.is_some() && cmd.new_version.is_some() {
                    anyhow::bail!("`--to` cannot be used with `--new-version`");
                }
                if cmd.to.is_some() && cmd.args.is_empty() {
                    anyhow::bail!("`--to` needs a VERSION_PART argument");
                }
                let path = config_path(&cwd, cmd.common.config_file.as_deref())?;
                let config = config::load(path.as_deref(), &overrides, &cwd)?;
                let (part, files) = match cmd.args.split_first() {
                    Some((part, files)) => {
                        if !config.parts.iter().any(|(n, _)| n == part) {
                            anyhow::bail!("unknown version component: `{part}`");
                        }
                        (Some(part.clone()), files.to_vec())
                    }
                    None => (None, Vec::new()),
                };
                let request = BumpRequest {
                    part,
                    new_version: cmd.new_version,
                    to: cmd.to,
                    files,
                    no_configured_files: cmd.common.no_configured_files,
                    dry_run: cmd.common.dry_run,
                    replace_only: None,
                };
                let plan = bump::plan(&env, &config, &request)?;
                if !cmd.common.dry_run {
                    bump::execute(&sh, &plan)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            BmvCommand::Replace(cmd) => {
                let mut overrides = cmd.common.overrides();
                // `replace` overrides every file's search/replace, not the global ones.
                overrides.search = None;
                overrides.replace = None;
                let path = config_path(&cwd, cmd.common.config_file.as_deref())?;
                let config = config::load(path.as_deref(), &overrides, &cwd)?;
                let request = BumpRequest {
                    new_version: cmd.new_version,
                    files: cmd.files,
                    no_configured_files: cmd.common.no_configured_files,
                    dry_run: true,
                    replace_only: Some(ReplaceOverrides { search: cmd.common.search, replace: cmd.common.replace }),
                    ..BumpRequest::default()
                };
                let plan = bump::plan(&env, &config, &request)?;
                if !cmd.common.dry_run {
                    bump::execute(&sh, &plan)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            BmvCommand::Show(cmd) => show(&env, cmd),
            BmvCommand::ShowBump(cmd) => show_bump(&env, cmd),
            BmvCommand::SampleConfig(cmd) => sample_config(&cwd, cmd),
        }
    }
}

/// A configuration value as bump-my-version's `show` sees it (a pydantic dump).
#[derive(Clone, Debug)]
enum Shown {
    Str(String),
    Bool(bool),
    Int(i64),
    None,
    List(Vec<Shown>),
    /// A Python tuple (pydantic keeps `tuple` fields as tuples).
    Tuple(Vec<Shown>),
    /// An object with its own `repr()` and `str()` (`PosixPath(...)`, `Git`).
    Obj {
        repr: String,
        text: String,
    },
    /// `scm_info`: an object whose `repr()` is the pretty-printed dict.
    Scm(Box<Shown>),
    Map(Vec<(String, Shown)>),
}

impl Shown {
    fn opt(v: &Option<String>) -> Shown {
        v.clone().map_or(Shown::None, Shown::Str)
    }

    fn list(v: &[String]) -> Shown {
        Shown::List(v.iter().cloned().map(Shown::Str).collect())
    }

    fn tuple(v: &[String]) -> Shown {
        Shown::Tuple(v.iter().cloned().map(Shown::Str).collect())
    }

    /// Python `repr()` (what `pprint` prints for small values).
    fn repr(&self) -> String {
        match self {
            Shown::Obj { repr, .. } => repr.clone(),
            Shown::Scm(inner) => inner.pformat(0, 0),
            Shown::Str(s) => py_repr(s),
            Shown::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Shown::Int(i) => i.to_string(),
            Shown::None => "None".to_owned(),
            Shown::List(items) => format!("[{}]", items.iter().map(Shown::repr).collect::<Vec<_>>().join(", ")),
            Shown::Tuple(items) if items.len() == 1 => format!("({},)", items[0].repr()),
            Shown::Tuple(items) => format!("({})", items.iter().map(Shown::repr).collect::<Vec<_>>().join(", ")),
            Shown::Map(entries) => {
                let mut sorted = entries.clone();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                format!(
                    "{{{}}}",
                    sorted.iter().map(|(k, v)| format!("{}: {}", py_repr(k), v.repr())).collect::<Vec<_>>().join(", ")
                )
            }
        }
    }

    /// Python `str()` (what `print` shows for one value).
    fn str(&self) -> String {
        match self {
            Shown::Str(s) | Shown::Obj { text: s, .. } => s.clone(),
            other => other.repr(),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Shown::Obj { text, .. } => serde_json::Value::String(text.clone()),
            Shown::Scm(inner) => inner.json(),
            Shown::Str(s) => serde_json::Value::String(s.clone()),
            Shown::Bool(b) => serde_json::Value::Bool(*b),
            Shown::Int(i) => serde_json::Value::from(*i),
            Shown::None => serde_json::Value::Null,
            Shown::List(items) | Shown::Tuple(items) => {
                serde_json::Value::Array(items.iter().map(Shown::json).collect())
            }
            Shown::Map(entries) => {
                let mut map = serde_json::Map::new();
                let mut sorted = entries.clone();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                for (k, v) in sorted {
                    map.insert(k, v.json());
                }
                serde_json::Value::Object(map)
            }
        }
    }

    /// `pprint.pformat(value, width=80)` for dicts, lists and scalars (long strings are not
    /// split into chunks as pprint does).
    fn pformat(&self, indent: usize, allowance: usize) -> String {
        let rep = self.repr();
        if rep.chars().count() + indent + allowance <= 80 {
            return rep;
        }
        match self {
            Shown::Map(entries) if !entries.is_empty() => {
                let mut sorted = entries.clone();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                let mut out = String::from("{");
                let inner = indent + 1;
                for (i, (key, value)) in sorted.iter().enumerate() {
                    let last = i + 1 == sorted.len();
                    let key_rep = py_repr(key);
                    out.push_str(&key_rep);
                    out.push_str(": ");
                    out.push_str(
                        &value.pformat(inner + key_rep.chars().count() + 2, if last { allowance + 1 } else { 1 }),
                    );
                    if !last {
                        out.push_str(",\n");
                        out.push_str(&" ".repeat(inner));
                    }
                }
                out.push('}');
                out
            }
            Shown::List(items) | Shown::Tuple(items) if !items.is_empty() => {
                let tuple = matches!(self, Shown::Tuple(_));
                let mut out = String::from(if tuple { "(" } else { "[" });
                let inner = indent + 1;
                for (i, item) in items.iter().enumerate() {
                    let last = i + 1 == items.len();
                    out.push_str(&item.pformat(inner, if last { allowance + 1 } else { 1 }));
                    if !last {
                        out.push_str(",\n");
                        out.push_str(&" ".repeat(inner));
                    }
                }
                if tuple && items.len() == 1 {
                    out.push(',');
                }
                out.push(if tuple { ')' } else { ']' });
                out
            }
            _ => rep,
        }
    }

    /// bump-my-version's own YAML dumper (`yaml_dump.py`).
    fn yaml(&self) -> String {
        fn indent(text: &str) -> String {
            text.split_inclusive('\n')
                .map(|line| if line.trim().is_empty() { line.to_owned() } else { format!("  {line}") })
                .collect()
        }
        match self {
            Shown::Obj { text, .. } => format!("\"{}\"", text.replace('\\', "\\\\").replace('\n', "\\n")),
            Shown::Scm(inner) => inner.yaml(),
            Shown::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('\n', "\\n")),
            Shown::Int(i) => i.to_string(),
            Shown::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
            Shown::None => "null".to_owned(),
            Shown::Map(entries) => {
                let mut sorted = entries.clone();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                let mut out = String::new();
                for (key, value) in sorted {
                    let rendered = value.yaml().trim().to_owned();
                    let rendered = match value {
                        Shown::Map(_) | Shown::List(_) | Shown::Tuple(_) | Shown::Scm(_) => {
                            format!("\n{}", indent(&rendered))
                        }
                        _ => format!(" {rendered}"),
                    };
                    out.push_str(&format!("{key}:{rendered}\n"));
                }
                out
            }
            Shown::List(items) | Shown::Tuple(items) => {
                let mut out = String::new();
                for item in items {
                    let rendered = item.yaml().trim().to_owned();
                    let rendered = match item {
                        Shown::Map(_) => format!(" {}", indent(&rendered).trim()),
                        Shown::List(_) | Shown::Tuple(_) => format!("\n{}", indent(&rendered)),
                        _ => format!(" {rendered}"),
                    };
                    out.push_str(&format!("-{rendered}\n"));
                }
                out
            }
        }
    }

    fn resolve(&self, key: &str) -> Option<Shown> {
        let mut current = self.clone();
        for part in key.split('.') {
            current = match current {
                Shown::Map(entries) => entries.into_iter().find(|(k, _)| k == part)?.1,
                Shown::Scm(inner) => match *inner {
                    Shown::Map(entries) => entries.into_iter().find(|(k, _)| k == part)?.1,
                    _ => return None,
                },
                Shown::List(items) | Shown::Tuple(items) => items.into_iter().nth(part.parse().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }
}

/// Python's `json.dumps` default `ensure_ascii`: non-ASCII characters as `\uXXXX` escapes.
fn ascii_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn shown_config(config: &Config, scm: &hoist_version::scm::ScmInfo) -> Shown {
    let s = |v: &str| Shown::Str(v.to_owned());
    let parts = config
        .parts
        .iter()
        .map(|(name, p)| {
            (
                name.clone(),
                Shown::Map(vec![
                    ("values".to_owned(), p.values.as_ref().map_or(Shown::None, |v| Shown::list(v))),
                    ("optional_value".to_owned(), Shown::opt(&p.optional_value)),
                    ("first_value".to_owned(), Shown::opt(&p.first_value)),
                    ("independent".to_owned(), Shown::Bool(p.independent)),
                    ("always_increment".to_owned(), Shown::Bool(p.always_increment)),
                    ("calver_format".to_owned(), Shown::opt(&p.calver_format)),
                    ("depends_on".to_owned(), Shown::opt(&p.depends_on)),
                ]),
            )
        })
        .collect();
    let files = config
        .files
        .iter()
        .map(|f| {
            Shown::Map(vec![
                ("parse".to_owned(), s(&f.parse)),
                ("serialize".to_owned(), Shown::tuple(&f.serialize)),
                ("search".to_owned(), s(&f.search)),
                ("replace".to_owned(), s(&f.replace)),
                ("regex".to_owned(), Shown::Bool(f.regex)),
                ("ignore_missing_version".to_owned(), Shown::Bool(f.ignore_missing_version)),
                ("ignore_missing_file".to_owned(), Shown::Bool(f.ignore_missing_file)),
                ("filename".to_owned(), Shown::opt(&f.filename)),
                ("glob".to_owned(), Shown::opt(&f.glob)),
                (
                    "glob_exclude".to_owned(),
                    if f.glob_exclude.is_empty() { Shown::None } else { Shown::list(&f.glob_exclude) },
                ),
                ("key_path".to_owned(), Shown::opt(&f.key_path)),
                ("include_bumps".to_owned(), Shown::tuple(&f.include_bumps)),
                ("exclude_bumps".to_owned(), Shown::tuple(&f.exclude_bumps)),
            ])
        })
        .collect();
    let scm_info = Shown::Map(vec![
        ("commit_sha".to_owned(), Shown::opt(&scm.commit_sha)),
        ("short_commit_sha".to_owned(), Shown::opt(&scm.short_commit_sha)),
        ("distance_to_latest_tag".to_owned(), Shown::Int(scm.distance_to_latest_tag)),
        ("current_version".to_owned(), Shown::opt(&scm.current_version)),
        ("current_tag".to_owned(), Shown::opt(&scm.current_tag)),
        ("branch_name".to_owned(), Shown::opt(&scm.branch_name)),
        ("short_branch_name".to_owned(), Shown::opt(&scm.short_branch_name)),
        (
            "repository_root".to_owned(),
            scm.repository_root.as_ref().map_or(Shown::None, |p| Shown::Obj {
                repr: format!("PosixPath({})", py_repr(&p.display().to_string())),
                text: p.display().to_string(),
            }),
        ),
        ("dirty".to_owned(), scm.dirty.map_or(Shown::None, Shown::Bool)),
        ("tool".to_owned(), {
            let tool = if scm.is_git() { "Git" } else { "None" };
            Shown::Obj { repr: tool.to_owned(), text: tool.to_owned() }
        }),
    ]);
    let scm_info = Shown::Scm(Box::new(scm_info));
    let pep621_info = match &config.path {
        Some(p) if p.file_name().is_some_and(|n| n == "pyproject.toml") => {
            Shown::Map(vec![("version".to_owned(), Shown::opt(&config.pep621_version))])
        }
        _ => Shown::None,
    };
    Shown::Map(vec![
        ("current_version".to_owned(), Shown::opt(&config.current_version)),
        ("parse".to_owned(), s(&config.parse)),
        ("serialize".to_owned(), Shown::tuple(&config.serialize)),
        ("search".to_owned(), s(&config.search)),
        ("replace".to_owned(), s(&config.replace)),
        ("regex".to_owned(), Shown::Bool(config.regex)),
        ("ignore_missing_version".to_owned(), Shown::Bool(config.ignore_missing_version)),
        ("ignore_missing_files".to_owned(), Shown::Bool(config.ignore_missing_files)),
        ("tag".to_owned(), Shown::Bool(config.tag)),
        ("push_tag".to_owned(), Shown::Bool(config.push_tag)),
        ("sign_tags".to_owned(), Shown::Bool(config.sign_tags)),
        ("tag_name".to_owned(), s(&config.tag_name)),
        ("tag_message".to_owned(), s(&config.tag_message)),
        ("allow_dirty".to_owned(), Shown::Bool(config.allow_dirty)),
        ("allow_dirty_files".to_owned(), Shown::list(&config.allow_dirty_files)),
        ("commit".to_owned(), Shown::Bool(config.commit)),
        ("message".to_owned(), s(&config.message)),
        ("commit_args".to_owned(), Shown::opt(&config.commit_args)),
        ("moveable_tags".to_owned(), Shown::list(&config.moveable_tags)),
        ("setup_hooks".to_owned(), Shown::list(&config.setup_hooks)),
        ("pre_commit_hooks".to_owned(), Shown::list(&config.pre_commit_hooks)),
        ("post_commit_hooks".to_owned(), Shown::list(&config.post_commit_hooks)),
        ("allow_shell_hooks".to_owned(), Shown::Bool(config.allow_shell_hooks)),
        ("parts".to_owned(), Shown::Map(parts)),
        ("files".to_owned(), Shown::List(files)),
        ("scm_info".to_owned(), scm_info),
        ("pep621_info".to_owned(), pep621_info),
        ("included_paths".to_owned(), Shown::List(Vec::new())),
        ("excluded_paths".to_owned(), Shown::List(Vec::new())),
    ])
}

/// Parses `version` and serializes the bump of `part` with the global formats.
fn next_version(
    env: &Env<'_>,
    config: &Config,
    version: &str,
    part: &str,
) -> Result<String, hoist_version::VersionError> {
    let mut config = config.clone();
    config.current_version = Some(version.to_owned());
    config.files.clear();
    config.allow_dirty = true;
    config.commit = false;
    config.tag = false;
    config.setup_hooks.clear();
    config.path = None;
    let request = BumpRequest { part: Some(part.to_owned()), dry_run: true, ..BumpRequest::default() };
    bump::plan(env, &config, &request).map(|p| p.new_version)
}

fn show(env: &Env<'_>, cmd: BmvShow) -> anyhow::Result<ExitCode> {
    let path = config_path(env.cwd, cmd.config_file.as_deref())?;
    let mut config = config::load(path.as_deref(), &Overrides::default(), env.cwd)?;
    if let Some(v) = cmd.current_version {
        config.current_version = Some(v);
    }
    let root = hoist_version::scm::find_repo_root(env.cwd);
    let scm = hoist_version::scm::read_info(env.sh, root, &config.tag_name, &config.parse);
    if config.current_version.is_none() {
        config.current_version = config.pep621_version.clone().or(scm.current_version.clone());
    }
    let mut all = shown_config(&config, &scm);
    if let Some(part) = &cmd.increment {
        let current = config.current_version.clone().ok_or(hoist_version::VersionError::UnknownCurrentVersion)?;
        let new = next_version(env, &config, &current, part)?;
        if let Shown::Map(entries) = &mut all {
            entries.push(("new_version".to_owned(), Shown::Str(new)));
        }
    }
    let items: Vec<(String, Shown)> = if cmd.args.is_empty() || cmd.args.iter().any(|a| a == "all") {
        match &all {
            Shown::Map(entries) => entries.clone(),
            _ => Vec::new(),
        }
    } else {
        cmd.args.iter().map(|k| (k.clone(), all.resolve(k).unwrap_or(Shown::None))).collect()
    };
    match cmd.format.as_str() {
        "yaml" => print_line(&Shown::Map(items).yaml())?,
        "json" => {
            let value = Shown::Map(items).json();
            print_line(&ascii_json(&serde_json::to_string_pretty(&value)?))?;
        }
        _ if items.len() == 1 => print_line(&items[0].1.str())?,
        _ => print_line(&format!("{}\n", Shown::Map(items).pformat(0, 0)))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn show_bump(env: &Env<'_>, cmd: BmvShowBump) -> anyhow::Result<ExitCode> {
    let path = config_path(env.cwd, cmd.config_file.as_deref())?;
    let config = config::load(path.as_deref(), &Overrides::default(), env.cwd)?;
    let version = match cmd.version.or(config.current_version.clone()) {
        Some(v) => v,
        None => anyhow::bail!(hoist_version::VersionError::UnknownCurrentVersion),
    };
    let (line, corners) = if cmd.ascii { ("-", ["+", "+", "+"]) } else { ("─", ["┬", "├", "╰"]) };
    let base = hoist_version::context::Context::base(&env.now, &hoist_version::scm::ScmInfo::default());
    let parts: Vec<String> =
        labels(&config.serialize[0]).into_iter().filter(|p| !p.starts_with('$') && !base.contains(p)).collect();
    let lead = format!("{version} {line}{line} bump {line}");
    let blank = " ".repeat(lead.chars().count());
    let width = parts.iter().map(|p| p.chars().count()).max().unwrap_or(0);
    let mut lines = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let next = match next_version(env, &config, &version, part) {
            Ok(v) => v,
            Err(e) => format!("invalid: {e}"),
        };
        let connection = match (i + 1 < parts.len(), i > 0) {
            (true, true) => format!("{}{line}", corners[1]),
            (true, false) => format!("{}{line}", corners[0]),
            (false, true) => format!("{}{line}", corners[2]),
            (false, false) => format!("{line}{line}"),
        };
        let pad = line.repeat(width - part.chars().count());
        lines.push(format!("{}{connection} {part} {pad}{line} {next}", if i == 0 { &lead } else { &blank }));
    }
    print_line(&lines.join("\n"))?;
    Ok(ExitCode::SUCCESS)
}

fn labels(format: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        if rest[start..].starts_with("{{") {
            rest = &rest[start + 2..];
            continue;
        }
        let Some(end) = rest[start..].find('}') else { break };
        let field = &rest[start + 1..start + end];
        let name = field.split([':', '!']).next().unwrap_or("");
        if !name.is_empty() {
            out.push(name.to_owned());
        }
        rest = &rest[start + end + 1..];
    }
    out
}

/// The configuration `sample-config --no-prompt` writes.
pub(crate) const SAMPLE_CONFIG: &str = r#"[tool.bumpversion]
current_version = "0.1.0"
parse = "(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)"
serialize = ["{major}.{minor}.{patch}"]
search = "{current_version}"
replace = "{new_version}"
regex = false
ignore_missing_version = false
ignore_missing_files = false
tag = false
push_tag = false
sign_tags = false
tag_name = "v{new_version}"
tag_message = "Bump version: {current_version} → {new_version}"
allow_dirty = false
allow_dirty_files = []
commit = false
message = "Bump version: {current_version} → {new_version}"
moveable_tags = []
commit_args = ""
setup_hooks = []
pre_commit_hooks = []
post_commit_hooks = []
allow_shell_hooks = false
"#;

fn sample_config(cwd: &Path, cmd: BmvSampleConfig) -> anyhow::Result<ExitCode> {
    if cmd.prompt && !cmd.no_prompt {
        anyhow::bail!("`--prompt` is not supported: hoist never asks questions; pass `--no-prompt`");
    }
    match cmd.destination.as_str() {
        "stdout" => print_line(SAMPLE_CONFIG)?,
        dest => {
            let path = cwd.join(dest);
            if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
                anyhow::bail!(
                    "`{}` is not a regular file: name a file to write the sample configuration to",
                    path.display()
                );
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(existing) if dest.ends_with("pyproject.toml") => format!("{existing}\n{SAMPLE_CONFIG}"),
                _ => SAMPLE_CONFIG.to_owned(),
            };
            std::fs::write(&path, text).with_context(|| format!("cannot write `{}`", path.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
