//! Planning a bump (everything computed and validated in memory) and executing the plan
//! atomically (temporary file + rename per file, everything restored if a write, the commit or
//! the tag fails).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xshell::Shell;

use crate::config::{Config, ConfigKind, DEFAULT_SEARCH, FileEntry};
use crate::context::{Context, uses_scm_fields};
use crate::error::VersionError;
use crate::pyformat::Value;
use crate::pyregex::{self, Flags};
use crate::scm::{self, ScmInfo};
use crate::text::{Text, shlex_split};
use crate::time::Now;
use crate::version::{self, Version, VersionSpec};

mod execute;
mod journal;

pub(crate) use execute::checkpoint;
pub use execute::{KILL_AT_STEP_VARIABLE, Recovered, Recovery, Report, ensure_no_interrupted_bump, execute, recover};

/// What to bump, and the options that are not configuration.
#[derive(Clone, Debug, Default)]
pub struct BumpRequest {
    /// The part to bump (`patch`).
    pub part: Option<String>,
    /// `--new-version`: the version to set.
    pub new_version: Option<String>,
    /// `--to`: the value to set `part` to.
    pub to: Option<String>,
    /// Extra files from the command line (relative to the working directory).
    pub files: Vec<String>,
    /// `--no-configured-files`: only the command-line files.
    pub no_configured_files: bool,
    /// `--dry-run`: plan only (also skips the setup hooks).
    pub dry_run: bool,
    /// `replace` mode: no config update, no commit or tag, search/replace override every file.
    pub replace_only: Option<ReplaceOverrides>,
}

/// `replace`'s `--search` / `--replace`, which override every file's.
#[derive(Clone, Debug, Default)]
pub struct ReplaceOverrides {
    /// `--search`.
    pub search: Option<String>,
    /// `--replace`.
    pub replace: Option<String>,
}

/// One file's change.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEdit {
    /// The path as configured (or given on the command line).
    pub name: String,
    /// The absolute path.
    pub path: PathBuf,
    /// The bytes before, as stored.
    pub before: String,
    /// The bytes after, as they will be stored.
    pub after: String,
}

/// The commit to make.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CommitPlan {
    /// The message.
    pub message: String,
    /// The files to stage (`git add --update`), relative to the working directory.
    pub files: Vec<PathBuf>,
    /// Extra `git commit` arguments (`commit_args`, shell-split).
    pub args: Vec<String>,
}

/// The tag to create.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TagPlan {
    /// The tag name.
    pub name: String,
    /// The message; empty for a lightweight tag.
    pub message: String,
    /// `--sign`.
    pub sign: bool,
    /// Push it to `origin`.
    pub push: bool,
}

/// A hook to run: its command line and environment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hook {
    /// The command as configured, placeholders filled in.
    pub command: String,
    /// Run through `sh -c` (allowed with `allow_shell_hooks`).
    pub shell: bool,
    #[serde(skip)]
    env: Vec<(String, String)>,
}

/// Everything a bump will do, decided before anything is written.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Plan {
    /// The current version (as configured).
    pub current_version: String,
    /// The new version (serialized with the global formats).
    pub new_version: String,
    /// The part bumped, if any.
    pub part: Option<String>,
    /// `true` when the new version equals the current one: nothing is changed.
    pub unchanged: bool,
    /// The file changes (files whose bytes change), the configuration file included.
    pub edits: Vec<FileEdit>,
    /// The commit, if one is made.
    pub commit: Option<CommitPlan>,
    /// The tag, if one is made.
    pub tag: Option<TagPlan>,
    /// Moveable tags (`git tag -f`, replaced on `origin`).
    pub moveable_tags: Vec<String>,
    /// Pre-commit hooks.
    pub pre_commit_hooks: Vec<Hook>,
    /// Post-commit hooks.
    pub post_commit_hooks: Vec<Hook>,
    #[serde(skip)]
    current_for_env: (String, String),
    #[serde(skip)]
    head: Option<String>,
}

/// Where a bump runs: the shell (in the working directory), the working directory, the clock.
pub struct Env<'a> {
    /// The shell, already in `cwd`.
    pub sh: &'a Shell,
    /// The working directory (where command-line paths start).
    pub cwd: &'a Path,
    /// The clock.
    pub now: Now,
}

struct Prepared {
    spec: VersionSpec,
    current: Version,
    current_str: String,
    scm: ScmInfo,
    repo_root: Option<PathBuf>,
}

fn all_templates<'a>(config: &'a Config, request: &'a BumpRequest) -> Vec<&'a str> {
    let mut t: Vec<&str> =
        vec![&config.search, &config.replace, &config.message, &config.tag_name, &config.tag_message];
    t.extend(config.serialize.iter().map(String::as_str));
    t.extend(config.moveable_tags.iter().map(String::as_str));
    for f in &config.files {
        t.push(&f.search);
        t.push(&f.replace);
        t.extend(f.serialize.iter().map(String::as_str));
    }
    if let Some(r) = &request.replace_only {
        t.extend(r.search.as_deref());
        t.extend(r.replace.as_deref());
    }
    t
}

/// The longest current version a bump takes, in bytes. Versions are short (`1.2.3-rc.4+build.567`);
/// the bound keeps the patterns built from the version (the search, the INI update) small.
pub const MAX_VERSION_LEN: usize = 256;

fn prepare(env: &Env<'_>, config: &Config, request: &BumpRequest) -> Result<Prepared, VersionError> {
    let repo_root = scm::find_repo_root(env.cwd);
    let hooks =
        !(config.setup_hooks.is_empty() && config.pre_commit_hooks.is_empty() && config.post_commit_hooks.is_empty());
    let need_scm = repo_root.is_some()
        && (config.current_version.is_none() || hooks || uses_scm_fields(all_templates(config, request)));
    let scm = if need_scm {
        scm::read_info(env.sh, repo_root.clone(), &config.tag_name, &config.parse)
    } else {
        ScmInfo { repository_root: repo_root.clone(), ..ScmInfo::default() }
    };
    let current_str = config
        .current_version
        .clone()
        .or_else(|| config.pep621_version.clone())
        .or_else(|| scm.current_version.clone())
        .ok_or(VersionError::UnknownCurrentVersion)?;
    if current_str.len() > MAX_VERSION_LEN {
        return Err(VersionError::VersionTooLong { which: "current", len: current_str.len(), max: MAX_VERSION_LEN });
    }
    let spec = VersionSpec::new(config.parts.clone(), env.now.local);
    let parse = version::compile_parse(&config.parse)?;
    let values = version::parse_values(&parse, &current_str)
        .ok_or_else(|| VersionError::Unparsable { version: current_str.clone(), pattern: config.parse.clone() })?;
    let current = spec.create(&values, Some(&current_str))?;
    Ok(Prepared { spec, current, current_str, scm, repo_root })
}

/// Checks that the working tree is clean (unless `allow_dirty`), as bump-my-version does
/// before anything else: staged and unstaged changes count, untracked files and
/// `allow_dirty_files` do not.
pub fn check_clean(env: &Env<'_>, config: &Config) -> Result<(), VersionError> {
    if config.allow_dirty || scm::find_repo_root(env.cwd).is_none() {
        return Ok(());
    }
    let changes = scm::dirty_files(env.sh, &config.allow_dirty_files)?;
    if changes.is_empty() { Ok(()) } else { Err(VersionError::Dirty { changes }) }
}

/// Computes the whole bump without writing anything (the setup hooks run unless
/// `request.dry_run`, before the version is computed, as in bump-my-version).
pub fn plan(env: &Env<'_>, config: &Config, request: &BumpRequest) -> Result<Plan, VersionError> {
    // An interrupted bump is finished or undone first: a plan made over its half-written
    // files would be wrong.
    journal::ensure_none(env.cwd)?;
    if request.to.is_some() && request.new_version.is_some() {
        return Err(VersionError::Usage { message: "`--to` cannot be used with `--new-version`".to_owned() });
    }
    if request.to.is_some() && request.part.is_none() {
        return Err(VersionError::Usage { message: "`--to` needs a part to set: `bump PART --to VALUE`".to_owned() });
    }
    if let Some(part) = &request.part
        && !config.parts.iter().any(|(n, _)| n == part)
    {
        return Err(VersionError::UnknownPart {
            part: part.clone(),
            known: config.parts.iter().map(|(n, _)| n.clone()).collect(),
        });
    }
    // The clean-tree check (one `git status`) runs while the plan is computed; its verdict
    // comes first, as bump-my-version checks before anything else.
    let mut clean = CleanCheck::start(env, config);
    let result = plan_inner(env, config, request, &mut clean);
    clean.wait()?;
    result
}

/// What git says, asked in the background while the plan is computed: the dirty check
/// (unless `allow_dirty`), the existing tags (when tagging) and `HEAD` (to undo a commit).
struct CleanCheck {
    handle: Option<std::thread::JoinHandle<Result<GitFacts, VersionError>>>,
    facts: GitFacts,
}

#[derive(Default)]
struct GitFacts {
    dirty: Vec<String>,
    tags: Vec<String>,
    head: Option<String>,
}

impl CleanCheck {
    fn start(env: &Env<'_>, config: &Config) -> CleanCheck {
        if scm::find_repo_root(env.cwd).is_none() {
            return CleanCheck { handle: None, facts: GitFacts::default() };
        }
        let cwd = env.cwd.to_owned();
        let allowed = config.allow_dirty_files.clone();
        let (status, tags, head) = (!config.allow_dirty, config.tag, config.commit);
        if !(status || tags || head) {
            return CleanCheck { handle: None, facts: GitFacts::default() };
        }
        let handle = std::thread::spawn(move || {
            let shell = || {
                let sh = Shell::new()
                    .map_err(|e| VersionError::Git { command: "status".to_owned(), message: e.to_string() })?;
                sh.change_dir(&cwd);
                Ok::<Shell, VersionError>(sh)
            };
            // `git status` and `git show-ref` run side by side.
            let refs = (tags || head).then(|| {
                let sh = shell();
                std::thread::spawn(move || scm::head_and_tags(&sh?))
            });
            let dirty = if status { scm::dirty_files(&shell()?, &allowed)? } else { Vec::new() };
            let (head, tags) = match refs {
                Some(handle) => handle.join().map_err(|_| VersionError::Git {
                    command: "show-ref".to_owned(),
                    message: "the thread running it panicked; this is a bug in hoist".to_owned(),
                })??,
                None => (None, Vec::new()),
            };
            Ok(GitFacts { dirty, tags, head })
        });
        CleanCheck { handle: Some(handle), facts: GitFacts::default() }
    }

    /// Waits for git (once); `Err` when the tree is dirty.
    fn wait(&mut self) -> Result<&GitFacts, VersionError> {
        if let Some(handle) = self.handle.take() {
            self.facts = handle.join().map_err(|_| VersionError::Git {
                command: "status --porcelain".to_owned(),
                message: "the thread running it panicked; this is a bug in hoist".to_owned(),
            })??;
            if !self.facts.dirty.is_empty() {
                return Err(VersionError::Dirty { changes: std::mem::take(&mut self.facts.dirty) });
            }
        }
        Ok(&self.facts)
    }
}

fn plan_inner(
    env: &Env<'_>,
    config: &Config,
    request: &BumpRequest,
    clean: &mut CleanCheck,
) -> Result<Plan, VersionError> {
    let prepared = prepare(env, config, request)?;
    let Prepared { spec, current, current_str, scm, repo_root } = &prepared;
    let parse = version::compile_parse(&config.parse)?;

    let mut ctx = Context::base(&env.now, scm);
    ctx.set_str("current_version", current_str.clone());
    let replace_only = request.replace_only.is_some();
    let next = if replace_only {
        match &request.new_version {
            Some(v) => Some(parse_version(&parse, spec, v)?),
            None => None,
        }
    } else {
        Some(if let Some(v) = &request.new_version {
            parse_version(&parse, spec, v)?
        } else if let (Some(part), Some(to)) = (&request.part, &request.to) {
            current.bump_to(spec, part, to)?
        } else if let Some(part) = &request.part {
            current.bump(spec, part)?
        } else {
            return Err(VersionError::NothingToBump { known: config.parts.iter().map(|(n, _)| n.clone()).collect() });
        })
    };
    let new_str = match &next {
        Some(next) => version::serialize(next, &config.serialize, &ctx)?,
        None => current_str.clone(),
    };
    if new_str.len() > MAX_VERSION_LEN {
        return Err(VersionError::VersionTooLong { which: "new", len: new_str.len(), max: MAX_VERSION_LEN });
    }
    // The setup hooks run once everything they cannot change is checked: the part, the new
    // version, and that every configured file is there (a hook that fails or writes must not
    // run for a bump that is refused anyway).
    if !request.dry_run && !config.setup_hooks.is_empty() {
        for entry in resolve_files(env.cwd, config, request)? {
            let name = entry.filename.clone().unwrap_or_default();
            if !entry.ignore_missing_file && !crate::text::regular_file(&absolute(env.cwd, &name), Path::new(&name))? {
                return Err(VersionError::MissingFile { path: PathBuf::from(&name) });
            }
        }
        clean.wait()?;
        let hooks = hooks(
            config,
            &config.setup_hooks,
            hook_env(config, scm, current, None, &ctx, &env.now)?,
            current_str,
            current,
            None,
        )?;
        run_hooks(env.sh, "setup", &hooks)?;
    }
    let mut plan = Plan {
        current_version: current_str.clone(),
        new_version: new_str.clone(),
        part: request.part.clone(),
        unchanged: false,
        edits: Vec::new(),
        commit: None,
        tag: None,
        moveable_tags: Vec::new(),
        pre_commit_hooks: Vec::new(),
        post_commit_hooks: Vec::new(),
        current_for_env: (current_str.clone(), new_str.clone()),
        head: None,
    };
    if !replace_only && new_str == *current_str {
        plan.unchanged = true;
        return Ok(plan);
    }

    for (name, value) in current.values() {
        ctx.set_str(format!("current_{name}"), value);
    }
    if let Some(next) = &next {
        for (name, value) in next.values() {
            ctx.set_str(format!("new_{name}"), value);
        }
    }

    // The files, as bump-my-version resolves them.
    let entries = resolve_files(env.cwd, config, request)?;
    let mut pending: Vec<(String, PathBuf, Text, String)> = Vec::new(); // name, path, original, contents
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    let mut configured_names: Vec<String> = Vec::new();
    for entry in &entries {
        let name = entry.filename.clone().unwrap_or_default();
        configured_names.push(name.clone());
        let path = absolute(env.cwd, &name);
        if !crate::text::regular_file(&path, Path::new(&name))? {
            if entry.ignore_missing_file {
                continue;
            }
            return Err(VersionError::MissingFile { path: PathBuf::from(&name) });
        }
        // Only files inside the project are rewritten: `../x`, a glob such as `../*` and a
        // symbolic link that points out are refused, in the dry run too.
        let root = repo_root.clone().unwrap_or_else(|| env.cwd.to_owned());
        let real_root = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        if !std::fs::canonicalize(&path).is_ok_and(|real| real.starts_with(&real_root)) {
            return Err(VersionError::OutsideProject { path: PathBuf::from(&name), root });
        }
        let slot = match index.get(&path) {
            Some(&i) => i,
            None => {
                let text = Text::read(&path)?;
                let contents = text.contents.clone();
                pending.push((name.clone(), path.clone(), text, contents));
                index.insert(path.clone(), pending.len() - 1);
                pending.len() - 1
            }
        };
        let (search, replace) = match &request.replace_only {
            Some(o) => (
                o.search.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| entry.search.clone()),
                o.replace.clone().unwrap_or_else(|| entry.replace.clone()),
            ),
            None => (entry.search.clone(), entry.replace.clone()),
        };
        let file_current = version::serialize(current, &entry.serialize, &ctx)?;
        ctx.set_str("current_version", file_current.clone());
        let file_new = match &next {
            Some(next) => version::serialize(next, &entry.serialize, &ctx)?,
            None => file_current,
        };
        ctx.set_str("new_version", file_new);
        let contents = &pending[slot].3;
        let Some(after) = change_file(&name, &search, &replace, entry, &ctx, current_str, contents)? else {
            continue;
        };
        pending[slot].3 = after;
    }

    // The configuration file: `current_version` (and a static `project.version`).
    let mut config_edit: Option<(PathBuf, String)> = None;
    if !replace_only && let Some(path) = &config.path {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let in_repo = repo_root.as_ref().is_none_or(|root| abs.starts_with(root));
        if in_repo {
            let raw = match index.get(&abs).or_else(|| index.get(path)) {
                Some(&i) => pending[i].2.encode(&pending[i].3),
                None => std::fs::read_to_string(path).map_err(|source| VersionError::Io {
                    action: "read",
                    path: path.clone(),
                    source,
                })?,
            };
            let text = Text::from_raw(&raw).contents;
            let updated = match config.kind {
                Some(ConfigKind::Toml) => update_toml(path, &text, &new_str, config.pep621_version.is_some())?,
                _ if path.extension().is_some_and(|e| e == "cfg") => update_ini(&text, current_str, &new_str),
                _ => None,
            };
            if let Some(updated) = updated {
                config_edit = Some((abs, updated));
            }
        }
    }

    for (name, path, original, contents) in pending {
        let after = original.encode(&contents);
        let before = original.encode(&original.contents);
        let raw_before = std::fs::read_to_string(&path).unwrap_or(before);
        if let Some((cpath, _)) = &config_edit
            && *cpath == std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone())
        {
            continue;
        }
        if after != raw_before {
            plan.edits.push(FileEdit { name, path, before: raw_before, after });
        }
    }
    if let Some((path, after)) = config_edit {
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        if after != before {
            let name = config.path.as_ref().map_or_else(String::new, |p| relative_name(env.cwd, p));
            plan.edits.push(FileEdit { name, path, before, after });
        }
    }
    if replace_only {
        return Ok(plan);
    }

    // Commit, tag and hooks render with the configured current version and the new version.
    let mut ctx = Context::base(&env.now, scm);
    ctx.set_str("current_version", current_str.clone());
    for (name, value) in current.values() {
        ctx.set_str(format!("current_{name}"), value);
    }
    if let Some(next) = &next {
        for (name, value) in next.values() {
            ctx.set_str(format!("new_{name}"), value);
        }
    }
    ctx.set_str("new_version", new_str.clone());
    if repo_root.is_some() {
        if config.commit {
            let mut files: Vec<PathBuf> = Vec::new();
            let mut candidates: Vec<PathBuf> = configured_names.iter().map(|n| absolute(env.cwd, n)).collect();
            candidates.extend(config.path.iter().map(|p| absolute(env.cwd, &p.display().to_string())));
            for path in candidates {
                let rel = relative_path(env.cwd, &path);
                let inside = repo_root
                    .as_ref()
                    .is_some_and(|root| std::fs::canonicalize(&path).map(|p| p.starts_with(root)).unwrap_or(false));
                if inside && path.exists() && !files.contains(&rel) {
                    files.push(rel);
                }
            }
            let args = match &config.commit_args {
                Some(a) => shlex_split(a).map_err(|message| VersionError::BadKey {
                    path: config.path.clone().unwrap_or_default(),
                    key: "commit_args".to_owned(),
                    message: format!("cannot be split into arguments: {message}"),
                })?,
                None => Vec::new(),
            };
            plan.commit = Some(CommitPlan { message: ctx.render(&config.message)?, files, args });
            // The commit the bump starts from: what undoing it goes back to.
            plan.head = clean.wait()?.head.clone();
        }
        if config.tag {
            let name = ctx.render(&config.tag_name)?;
            if let Some(why) = hoist_git::bad_tag_name(&name) {
                return Err(VersionError::BadTagName { key: "tag_name", tag: name, why });
            }
            let message = ctx.render(&config.tag_message)?;
            let facts = clean.wait()?;
            if facts.tags.contains(&name) {
                return Err(VersionError::TagExists { tag: name });
            }
            plan.tag = Some(TagPlan { name, message, sign: config.sign_tags, push: config.push_tag });
            for template in &config.moveable_tags {
                let name = ctx.render(template)?;
                if let Some(why) = hoist_git::bad_tag_name(&name) {
                    return Err(VersionError::BadTagName { key: "moveable_tags", tag: name, why });
                }
                plan.moveable_tags.push(name);
            }
        }
    }
    if !config.pre_commit_hooks.is_empty() || !config.post_commit_hooks.is_empty() {
        let env_vars = hook_env(config, scm, current, next.as_ref().map(|n| (n, new_str.as_str())), &ctx, &env.now)?;
        plan.pre_commit_hooks = hooks(
            config,
            &config.pre_commit_hooks,
            env_vars.clone(),
            current_str,
            current,
            next.as_ref().map(|n| (n, new_str.as_str())),
        )?;
        plan.post_commit_hooks = hooks(
            config,
            &config.post_commit_hooks,
            env_vars,
            current_str,
            current,
            next.as_ref().map(|n| (n, new_str.as_str())),
        )?;
    }
    Ok(plan)
}

fn parse_version(parse: &version::ParsePattern, spec: &VersionSpec, text: &str) -> Result<Version, VersionError> {
    let values = version::parse_values(parse, text)
        .ok_or_else(|| VersionError::Unparsable { version: text.to_owned(), pattern: parse.as_str().to_owned() })?;
    spec.create(&values, Some(text))
}

fn absolute(cwd: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) }
}

fn relative_path(cwd: &Path, path: &Path) -> PathBuf {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    match path.strip_prefix(&cwd) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => {
            // `os.path.relpath`: climb out of `cwd` as far as needed.
            let common = cwd.ancestors().find(|a| path.starts_with(a)).unwrap_or(Path::new("/"));
            let ups = cwd.strip_prefix(common).map(|r| r.components().count()).unwrap_or(0);
            let mut rel = PathBuf::new();
            for _ in 0..ups {
                rel.push("..");
            }
            rel.push(path.strip_prefix(common).unwrap_or(&path));
            rel
        }
    }
}

fn relative_name(cwd: &Path, path: &Path) -> String {
    relative_path(cwd, path).display().to_string()
}

/// The file entries to change, in bump-my-version's order: configured entries (globs
/// expanded) grouped by file name, then command-line files; filtered by `include_bumps` /
/// `exclude_bumps` for a part bump.
fn resolve_files(cwd: &Path, config: &Config, request: &BumpRequest) -> Result<Vec<FileEntry>, VersionError> {
    let mut expanded: Vec<FileEntry> = Vec::new();
    for entry in &config.files {
        match &entry.glob {
            Some(glob) => {
                let found = crate::glob::glob(cwd, glob, &entry.glob_exclude);
                if found.is_empty() && !entry.ignore_missing_file && !request.no_configured_files {
                    return Err(VersionError::GlobMatchesNothing { glob: glob.clone() });
                }
                for name in found {
                    expanded.push(FileEntry { filename: Some(name), glob: None, ..entry.clone() });
                }
            }
            None => expanded.push(entry.clone()),
        }
    }
    // Group by file name, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<FileEntry>> = HashMap::new();
    for entry in expanded {
        let name = entry.filename.clone().unwrap_or_default();
        if !groups.contains_key(&name) {
            order.push(name.clone());
        }
        groups.entry(name).or_default().push(entry);
    }
    let resolved = |name: &str| {
        let p = absolute(cwd, name);
        std::fs::canonicalize(&p).unwrap_or(p)
    };
    let configured: Vec<PathBuf> = order.iter().map(|n| resolved(n)).collect();
    let included: Vec<PathBuf> = request.files.iter().map(|n| resolved(n)).collect();
    for name in &request.files {
        if configured.contains(&resolved(name)) {
            continue;
        }
        if !groups.contains_key(name) {
            order.push(name.clone());
        }
        groups.entry(name.clone()).or_default().push(FileEntry {
            filename: Some(name.clone()),
            glob: None,
            glob_exclude: Vec::new(),
            key_path: None,
            parse: config.parse.clone(),
            serialize: config.serialize.clone(),
            search: config.search.clone(),
            replace: config.replace.clone(),
            regex: config.regex,
            ignore_missing_version: config.ignore_missing_version,
            ignore_missing_file: config.ignore_missing_files,
            include_bumps: config.parts.iter().map(|(n, _)| n.clone()).collect(),
            exclude_bumps: Vec::new(),
        });
    }
    let mut out = Vec::new();
    for name in order {
        let path = resolved(&name);
        let is_configured = configured.contains(&path);
        if request.no_configured_files && is_configured && !included.contains(&path) {
            continue;
        }
        for entry in groups.remove(&name).unwrap_or_default() {
            if let Some(part) = &request.part
                && (!entry.include_bumps.contains(part) || entry.exclude_bumps.contains(part))
            {
                continue;
            }
            out.push(entry);
        }
    }
    Ok(out)
}

/// One entry's search and replace on `contents`; `None` when the version is missing and that
/// is ignored.
fn change_file(
    name: &str,
    search: &str,
    replace: &str,
    entry: &FileEntry,
    ctx: &Context,
    original: &str,
    contents: &str,
) -> Result<Option<String>, VersionError> {
    let regex_err = |source| VersionError::Regex { path: PathBuf::from(name), source };
    let flags = Flags { multiline: true, dotall: true, ..Flags::default() };
    // A search is a regex (with `regex = true` and a pattern that compiles) or literal text;
    // literal text is matched without compiling a regex (`re.escape` makes them equivalent).
    enum Search {
        Regex(fancy_regex::Regex),
        Literal(String),
    }
    let pattern_for = |ctx: &Context| -> Result<(Search, String), VersionError> {
        let raw = ctx.render(search)?;
        if entry.regex {
            let pattern = ctx.render_escaped(search)?;
            // bump-my-version logs an invalid regex and searches for the text literally.
            if let Ok(regex) = pyregex::compile(&pattern, flags) {
                return Ok((Search::Regex(regex), raw));
            }
        }
        if raw.is_empty() {
            return Ok((Search::Regex(pyregex::compile("", flags).map_err(regex_err)?), raw));
        }
        Ok((Search::Literal(raw.clone()), raw))
    };
    let matches = |search: &Search| match search {
        Search::Regex(regex) => pyregex::is_match(regex, contents),
        Search::Literal(needle) => contents.contains(needle.as_str()),
    };
    let substitute = |search: &Search, replace_with: &str| match search {
        Search::Regex(regex) => pyregex::sub(regex, replace_with, contents).map_err(regex_err),
        Search::Literal(needle) => pyregex::literal_sub(needle, replace_with, contents).map_err(regex_err),
    };
    let (regex, raw) = pattern_for(ctx)?;
    let replace_with = ctx.render(replace)?;
    let found = !contents.is_empty() && matches(&regex);
    if !found {
        let fallback =
            search == DEFAULT_SEARCH && !contents.is_empty() && !original.is_empty() && contents.contains(original);
        if !fallback {
            if entry.ignore_missing_version {
                return Ok(None);
            }
            return Err(VersionError::VersionNotFound { path: PathBuf::from(name), search: raw });
        }
    }
    let mut after = substitute(&regex, &replace_with)?;
    if after == contents && !original.is_empty() {
        let mut og = ctx.clone();
        og.set_str("current_version", original);
        let (regex, _) = pattern_for(&og)?;
        after = substitute(&regex, &replace_with)?;
    }
    Ok(Some(after))
}

/// A basic TOML string as tomlkit writes one.
fn toml_basic_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Sets `tool.bumpversion.current_version` (and `project.version` when static) to `new`,
/// keeping comments, order and whitespace (toml_edit). `None` when there is nothing to set.
fn update_toml(path: &Path, text: &str, new: &str, pep621: bool) -> Result<Option<String>, VersionError> {
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| VersionError::toml(path, text, &e))?;
    let mut changed = false;
    let mut set = |item: Option<&mut toml_edit::Item>| {
        let Some(value) = item.and_then(|i| i.as_value_mut()) else { return };
        if !value.is_str() {
            return;
        }
        let decor = value.decor().clone();
        let Ok(mut replacement) = toml_basic_string(new).parse::<toml_edit::Value>() else { return };
        *replacement.decor_mut() = decor;
        *value = replacement;
        changed = true;
    };
    set(doc.get_mut("tool").and_then(|t| t.get_mut("bumpversion")).and_then(|b| b.get_mut("current_version")));
    if pep621 {
        set(doc.get_mut("project").and_then(|p| p.get_mut("version")));
    }
    Ok(changed.then(|| doc.to_string()))
}

/// The INI update bump-my-version does: a regex over the `[bumpversion]` section.
fn update_ini(text: &str, current: &str, new: &str) -> Option<String> {
    // The regex below, without compiling it (its `[^[]` class is costly to build), when the
    // version has no regex syntax besides `.`: the section header, then the last
    // `current_version = VERSION` before the next `[`.
    if !current.is_empty() && !current.contains(|c: char| "\\^$*+?{}[]|()".contains(c)) && !new.contains('\\') {
        let header = "[bumpversion]\n";
        let start = text.find(header)? + header.len();
        let end = text[start..].find('[').map_or(text.len(), |i| start + i);
        let region = &text[start..end];
        let version_at = |at: usize| -> Option<usize> {
            // `current` as a pattern: `.` matches any character but a newline.
            let mut chars = text[at..].char_indices();
            for expected in current.chars() {
                let (_, c) = chars.next()?;
                if (expected == '.' && c == '\n') || (expected != '.' && c != expected) {
                    return None;
                }
            }
            Some(chars.next().map_or(text.len(), |(i, _)| at + i))
        };
        let found = region.rmatch_indices("current_version").find_map(|(i, key)| {
            let after_key = text[start + i + key.len()..].trim_start();
            let after_eq = after_key.strip_prefix('=')?.trim_start();
            let at = text.len() - after_eq.len();
            version_at(at).map(|end| (at, end))
        })?;
        return Some(format!("{}{new}{}", &text[..found.0], &text[found.1..]));
    }
    let pattern = format!(r"(?P<section_prefix>\[bumpversion]\n[^\[]*current_version\s*=\s*)(?P<version>{current})");
    let regex = pyregex::compile(&pattern, Flags { multiline: true, short: true, ..Flags::default() }).ok()?;
    if !pyregex::is_match(&regex, text) {
        return None;
    }
    pyregex::sub(&regex, &format!(r"\g<section_prefix>{new}"), text).ok()
}

fn hook_env(
    config: &Config,
    scm: &ScmInfo,
    current: &Version,
    next: Option<(&Version, &str)>,
    ctx: &Context,
    now: &Now,
) -> Result<Vec<(String, String)>, VersionError> {
    let p = "BVHOOK_";
    let mut env = vec![
        (format!("{p}NOW"), now.local.to_iso()),
        (format!("{p}UTCNOW"), now.utc.to_iso()),
        (format!("{p}COMMIT_SHA"), scm.commit_sha.clone().unwrap_or_default()),
        (format!("{p}SHORT_COMMIT_SHA"), scm.short_commit_sha.clone().unwrap_or_default()),
        (format!("{p}DISTANCE_TO_LATEST_TAG"), scm.distance_to_latest_tag.to_string()),
        (format!("{p}IS_DIRTY"), scm.dirty.map_or("None", |d| if d { "True" } else { "False" }).to_owned()),
        (format!("{p}BRANCH_NAME"), scm.branch_name.clone().unwrap_or_default()),
        (format!("{p}SHORT_BRANCH_NAME"), scm.short_branch_name.clone().unwrap_or_default()),
        (format!("{p}CURRENT_VERSION"), scm.current_version.clone().unwrap_or_default()),
        (format!("{p}CURRENT_TAG"), scm.current_tag.clone().unwrap_or_default()),
    ];
    for (name, value) in current.values() {
        env.push((format!("{p}CURRENT_{}", name.to_uppercase()), value.to_owned()));
    }
    if let Some((next, new_str)) = next {
        for (name, value) in next.values() {
            env.push((format!("{p}NEW_{}", name.to_uppercase()), value.to_owned()));
        }
        let mut tag_ctx = ctx.clone();
        tag_ctx.set("new_version", Value::Str(new_str.to_owned()));
        let tag = tag_ctx.render(&config.tag_name)?;
        env.push((format!("{p}NEW_VERSION"), new_str.to_owned()));
        env.push((format!("{p}NEW_TAG"), tag.clone()));
        env.push((format!("{p}NEW_VERSION_TAG"), tag));
    }
    Ok(env)
}

fn hooks(
    config: &Config,
    commands: &[String],
    env: Vec<(String, String)>,
    current_str: &str,
    current: &Version,
    next: Option<(&Version, &str)>,
) -> Result<Vec<Hook>, VersionError> {
    let mut values: Vec<(String, String)> = vec![("current_version".to_owned(), current_str.to_owned())];
    for (name, value) in current.values() {
        values.push((format!("current_{name}"), value.to_owned()));
    }
    if let Some((next, new_str)) = next {
        values.push(("new_version".to_owned(), new_str.to_owned()));
        for (name, value) in next.values() {
            values.push((format!("new_{name}"), value.to_owned()));
        }
    }
    let mut out = Vec::new();
    for command in commands {
        let command = if config.allow_shell_hooks { command.clone() } else { fill_placeholders(command, &values) };
        let shell = command.contains(['|', ';', '&', '`', '$', '<', '>', '(', ')', '\n', '\r']);
        if shell && !config.allow_shell_hooks {
            return Err(VersionError::Hook {
                kind: "configured",
                hook: command,
                message: "it uses shell syntax (pipes, redirects or variables): set `allow_shell_hooks = true`, or write it as a plain command".to_owned(),
            });
        }
        out.push(Hook { command, shell, env: env.clone() });
    }
    Ok(out)
}

/// `{current_version}`-style placeholders (word characters only), shell-quoted; others kept.
fn fill_placeholders(command: &str, values: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = command;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
        let key = &after[..end];
        if !key.is_empty() && after[end..].starts_with('}') {
            match values.iter().find(|(k, _)| k == key) {
                Some((_, v)) => out.push_str(&crate::text::shlex_quote(v)),
                None => out.push_str(&rest[start..start + end + 2]),
            }
            rest = &after[end + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn run_hooks(sh: &Shell, kind: &'static str, hooks: &[Hook]) -> Result<(), VersionError> {
    for hook in hooks {
        let mut command = if hook.shell {
            let script = &hook.command;
            xshell::cmd!(sh, "sh -c {script}")
        } else {
            let words = shlex_split(&hook.command).map_err(|message| VersionError::Hook {
                kind,
                hook: hook.command.clone(),
                message,
            })?;
            let Some((program, args)) = words.split_first() else { continue };
            xshell::cmd!(sh, "{program} {args...}")
        };
        for (k, v) in &hook.env {
            command = command.env(k, v);
        }
        let output = command.quiet().ignore_status().output().map_err(|e| VersionError::Hook {
            kind,
            hook: hook.command.clone(),
            message: e.to_string(),
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(VersionError::Hook {
                kind,
                hook: hook.command.clone(),
                message: format!("it exited with {}: {}", output.status, stderr.trim()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_update_keeps_format() {
        let cases = [
            (
                "[tool.bumpversion]\ncurrent_version = '1.2.3' # keep\nx = 1\n",
                "[tool.bumpversion]\ncurrent_version = \"1.2.4\" # keep\nx = 1\n",
            ),
            (
                "[tool.bumpversion]\ncurrent_version   =   \"1.2.3\"\n",
                "[tool.bumpversion]\ncurrent_version   =   \"1.2.4\"\n",
            ),
            (
                "[tool]\nbumpversion = {current_version = \"1.2.3\", x = 1}\n",
                "[tool]\nbumpversion = {current_version = \"1.2.4\", x = 1}\n",
            ),
        ];
        for (before, after) in cases {
            assert_eq!(update_toml(Path::new("x.toml"), before, "1.2.4", false).unwrap().as_deref(), Some(after));
        }
        assert_eq!(update_toml(Path::new("x.toml"), "[tool.bumpversion]\n", "1.2.4", false).unwrap(), None);
    }

    #[test]
    fn ini_update_like_bump_my_version() {
        let text = "[bumpversion]\ncurrent_version = 0.5.146\ncommit = True\n\n[bumpversion:file:x]\n";
        assert_eq!(update_ini(text, "0.5.146", "0.5.147").unwrap(), text.replace("0.5.146", "0.5.147"));
        assert_eq!(update_ini("[other]\ncurrent_version = 1\n", "1", "2"), None);
        let cases = [
            "[bumpversion]\ncurrent_version=1.2\nx = current_version = 1x2\n",
            "[bumpversion]\ncurrent_version =\n  1.2\n[x]\ncurrent_version = 1.2\n",
            "[bumpversion]\nparse = [0-9]\ncurrent_version = 1.2\n",
            "[bumpversion]\ncurrent_version = 1.20\n",
            "[bumpversion]\ncurrent_version = 1\n.2\n",
        ];
        for text in cases {
            let pattern = r"(?P<section_prefix>\[bumpversion]\n[^\[]*current_version\s*=\s*)(?P<version>1.2)";
            let regex = pyregex::compile(pattern, Flags { multiline: true, ..Flags::default() }).unwrap();
            let expected =
                pyregex::is_match(&regex, text).then(|| pyregex::sub(&regex, r"\g<section_prefix>3.4", text).unwrap());
            assert_eq!(update_ini(text, "1.2", "3.4"), expected, "{text:?}");
        }
    }

    #[test]
    fn a_failed_write_restores_the_files_already_written() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&a, "1.0.0\n").unwrap();
        std::fs::write(&b, "1.0.0\n").unwrap();
        let edit = |path: &Path| FileEdit {
            name: path.display().to_string(),
            path: path.to_owned(),
            before: "1.0.0\n".to_owned(),
            after: "1.0.1\n".to_owned(),
        };
        let plan = Plan {
            current_version: "1.0.0".to_owned(),
            new_version: "1.0.1".to_owned(),
            part: Some("patch".to_owned()),
            unchanged: false,
            edits: vec![edit(&a), edit(&b)],
            commit: None,
            tag: None,
            moveable_tags: Vec::new(),
            pre_commit_hooks: Vec::new(),
            post_commit_hooks: Vec::new(),
            current_for_env: ("1.0.0".to_owned(), "1.0.1".to_owned()),
            head: None,
        };
        // `b.txt` changes after planning: the bump must stop and put `a.txt` back.
        std::fs::write(&b, "someone else\n").unwrap();
        let sh = Shell::new().unwrap();
        let error = execute(&sh, &plan).unwrap_err();
        assert!(matches!(error, VersionError::RolledBack { .. }), "{error}");
        assert!(error.to_string().ends_with("every file was restored to its state before the bump"), "{error}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "1.0.0\n");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "someone else\n");
        // Without the interference, both files are written, permissions kept.
        std::fs::write(&b, "1.0.0\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o755)).unwrap();
        execute(&sh, &plan).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "1.0.1\n");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "1.0.1\n");
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o755);
    }

    #[test]
    fn hook_placeholders() {
        let values =
            vec![("new_version".to_owned(), "1.2.4".to_owned()), ("current_major".to_owned(), "a b".to_owned())];
        assert_eq!(
            fill_placeholders("echo {new_version} {current_major} {other} {x-y}", &values),
            "echo 1.2.4 'a b' {other} {x-y}"
        );
    }
}
