//! Git, through hoist's one git layer (`hoist_git::run`, one argument per value): repository
//! facts for templates, the dirty check, tags, commit and tag.

use std::path::{Path, PathBuf};

use xshell::Shell;

use crate::error::VersionError;

/// What bump-my-version knows about the repository (`scm_info`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScmInfo {
    /// The repository root, when inside a git repository.
    pub repository_root: Option<PathBuf>,
    /// The full hash of `HEAD` (only from `git describe` against a matching tag).
    pub commit_sha: Option<String>,
    /// The first 7 characters of `commit_sha`.
    pub short_commit_sha: Option<String>,
    /// Commits since the latest matching tag.
    pub distance_to_latest_tag: i64,
    /// The version in the latest matching tag.
    pub current_version: Option<String>,
    /// The latest matching tag.
    pub current_tag: Option<String>,
    /// The current branch.
    pub branch_name: Option<String>,
    /// The branch name, lowercase, alphanumerics only, at most 20 characters.
    pub short_branch_name: Option<String>,
    /// Whether `git describe --dirty` says dirty.
    pub dirty: Option<bool>,
}

impl ScmInfo {
    /// Is this a git repository?
    pub fn is_git(&self) -> bool {
        self.repository_root.is_some()
    }
}

/// The nearest directory from `start` up holding a `.git` or `.hg` entry.
pub fn find_repo_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    start.ancestors().find(|d| d.join(".git").exists() || d.join(".hg").exists()).map(Path::to_path_buf)
}

fn git_error(command: &str, error: hoist_git::GitError) -> VersionError {
    let message = match error {
        hoist_git::GitError::Command { message, .. } => message,
        other => other.to_string(),
    };
    VersionError::Git { command: command.to_owned(), message }
}

/// `git ARGS`, its trimmed output; a failure is named `git COMMAND`.
fn git(sh: &Shell, command: &str, args: &[&str]) -> Result<String, VersionError> {
    hoist_git::run(sh, args).map_err(|e| git_error(command, e))
}

/// The trimmed output of `git ARGS` when it succeeds (a failure is an answer: `None`).
fn git_ok(sh: &Shell, args: &[&str]) -> Option<String> {
    let output = hoist_git::output(sh, args).ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&output.stdout).trim_end().to_owned())
}

/// The git facts templates may use: runs `git describe` and `git symbolic-ref`.
pub fn read_info(sh: &Shell, root: Option<PathBuf>, tag_name: &str, parse: &str) -> ScmInfo {
    let mut info = ScmInfo { repository_root: root, ..ScmInfo::default() };
    if !info.is_git() {
        return info;
    }
    let pattern = tag_name.replace("{new_version}", "*");
    let match_arg = format!("--match={pattern}");
    let described = git_ok(sh, &["describe", "--dirty", "--tags", "--long", "--abbrev=40", &match_arg]);
    if let Some(out) = described {
        let mut parts: Vec<&str> = out.trim().split('-').collect();
        if parts.last().is_some_and(|p| p.trim() == "dirty") {
            info.dirty = Some(true);
            parts.pop();
        } else {
            info.dirty = Some(false);
        }
        if let Some(sha) = parts.pop() {
            let sha = sha.trim_start_matches('g').to_owned();
            info.short_commit_sha = Some(sha.chars().take(7).collect());
            info.commit_sha = Some(sha);
        }
        info.distance_to_latest_tag = parts.pop().and_then(|d| d.parse().ok()).unwrap_or(0);
        let tag = parts.join("-");
        info.current_version =
            Some(version_from_tag(tag_name, parse, &tag).unwrap_or_else(|| tag.trim_start_matches('v').to_owned()));
        info.current_tag = Some(tag);
    }
    match git_ok(sh, &["symbolic-ref", "--short", "HEAD"]) {
        Some(branch) => {
            let branch = branch.trim().to_owned();
            let short: String = branch.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
            info.short_branch_name = Some(short.chars().take(20).collect());
            info.branch_name = Some(branch);
        }
        None => {
            info.branch_name = Some(String::new());
            info.short_branch_name = Some(String::new());
        }
    }
    info
}

/// The version in `tag`, read with the tag name's prefix and the `parse` pattern.
fn version_from_tag(tag_name: &str, parse: &str, tag: &str) -> Option<String> {
    let prefix = tag_name.split("{new_version}").next().unwrap_or("");
    let pattern = format!("{}(?P<current_version>{})", crate::pyregex::escape(prefix), parse.replace("\\\\", "\\"));
    let regex = crate::pyregex::compile(&pattern, crate::pyregex::Flags { short: true, ..Default::default() }).ok()?;
    let caps = regex.captures(tag).ok()??;
    caps.name("current_version").map(|m| m.as_str().to_owned())
}

/// The changes that make the tree dirty (untracked files and `allowed` globs left out).
pub fn dirty_files(sh: &Shell, allowed: &[String]) -> Result<Vec<String>, VersionError> {
    let out = git(sh, "status --porcelain", &["status", "--porcelain", "--untracked-files=no"])?;
    Ok(out
        .lines()
        .filter(|line| !line.trim().starts_with("??"))
        .filter(|line| {
            let paths = line.get(3..).unwrap_or("");
            !paths.split(" -> ").all(|p| allowed.iter().any(|g| crate::glob::fnmatch(g, p.trim_matches('"'))))
        })
        .map(|line| line.trim().to_owned())
        .collect())
}

/// Every tag (`git tag --list`).
pub fn tags(sh: &Shell) -> Result<Vec<String>, VersionError> {
    let out = git(sh, "tag --list", &["tag", "--list"])?;
    Ok(out.lines().map(str::to_owned).collect())
}

/// `HEAD` and every tag name, in one call (`git show-ref --head --tags`).
pub fn head_and_tags(sh: &Shell) -> Result<(Option<String>, Vec<String>), VersionError> {
    // `show-ref` fails in a repository without commits or tags: that answers "none".
    let output =
        hoist_git::output(sh, &["show-ref", "--head", "--tags"]).map_err(|e| git_error("show-ref --head --tags", e))?;
    let out = String::from_utf8_lossy(&output.stdout);
    let mut head = None;
    let mut tags = Vec::new();
    for line in out.lines() {
        let Some((sha, name)) = line.split_once(' ') else { continue };
        if name == "HEAD" {
            head = Some(sha.to_owned());
        } else if let Some(tag) = name.strip_prefix("refs/tags/") {
            tags.push(tag.to_owned());
        }
    }
    Ok((head, tags))
}

/// `git add --update PATHS…` (one call for every file).
pub fn add(sh: &Shell, paths: &[PathBuf]) -> Result<(), VersionError> {
    on_paths(sh, "add --update", &["add", "--update"], paths)
}

/// `git ARGS -- PATHS…` in one call; nothing to do without paths.
fn on_paths(sh: &Shell, command: &str, args: &[&str], paths: &[PathBuf]) -> Result<(), VersionError> {
    if paths.is_empty() {
        return Ok(());
    }
    let paths: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let mut all = args.to_vec();
    all.push("--");
    all.extend(paths.iter().map(String::as_str));
    git(sh, command, &all).map(drop)
}

/// `git commit -F MSGFILE ARGS…` with the versions in the environment.
pub fn commit(
    sh: &Shell,
    message: &str,
    args: &[String],
    current_version: &str,
    new_version: &str,
) -> Result<(), VersionError> {
    let file = tempfile::NamedTempFile::new().map_err(|source| VersionError::Io {
        action: "create",
        path: std::env::temp_dir(),
        source,
    })?;
    std::fs::write(file.path(), message).map_err(|source| VersionError::Io {
        action: "write",
        path: file.path().to_owned(),
        source,
    })?;
    let path = file.path().to_string_lossy().into_owned();
    let mut git_args = vec!["commit", "-F", path.as_str()];
    git_args.extend(args.iter().map(String::as_str));
    let env = [("BUMPVERSION_CURRENT_VERSION", current_version), ("BUMPVERSION_NEW_VERSION", new_version)];
    hoist_git::run_with_env(sh, &git_args, &env).map(drop).map_err(|e| git_error("commit", e))
}

/// `git tag NAME [--sign] [--message MESSAGE]`.
pub fn tag(sh: &Shell, name: &str, sign: bool, message: &str) -> Result<(), VersionError> {
    let mut args = vec!["tag", name];
    if sign {
        args.push("--sign");
    }
    if !message.is_empty() {
        args.extend(["--message", message]);
    }
    git(sh, "tag", &args).map(drop)
}

fn has_origin(sh: &Shell) -> Result<bool, VersionError> {
    let remotes = git(sh, "remote", &["remote"])?;
    Ok(remotes.contains("origin"))
}

/// `git push origin NAME`, when there is an `origin`.
pub fn push_tag(sh: &Shell, name: &str) -> Result<(), VersionError> {
    if !has_origin(sh)? {
        return Ok(());
    }
    git(sh, "push", &["push", "origin", name]).map(drop)
}

/// `git tag -f NAME`, then replaces it on `origin` when there is one.
pub fn move_tag(sh: &Shell, name: &str) -> Result<(), VersionError> {
    git(sh, "tag -f", &["tag", "-f", name])?;
    crate::bump::checkpoint();
    if !has_origin(sh)? {
        return Ok(());
    }
    let deleted = hoist_git::output(sh, &["push", "--delete", "origin", name]);
    crate::bump::checkpoint();
    if let Ok(out) = deleted
        && !out.status.success()
        && !String::from_utf8_lossy(&out.stderr).to_lowercase().contains("remote ref does not exist")
    {
        return Err(VersionError::Git {
            command: "push --delete".to_owned(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    push_tag(sh, name)?;
    crate::bump::checkpoint();
    Ok(())
}

/// `git rev-parse HEAD`, to undo a commit.
pub fn head(sh: &Shell) -> Option<String> {
    git_ok(sh, &["rev-parse", "--verify", "-q", "HEAD"])
}

/// Moves the branch back to `commit`, keeping the work tree (`git reset --soft`).
pub fn reset_soft(sh: &Shell, commit: &str) -> Result<(), VersionError> {
    git(sh, "reset --soft", &["reset", "--quiet", "--soft", commit]).map(drop)
}

/// Deletes the tag `name`.
pub fn delete_tag(sh: &Shell, name: &str) -> Result<(), VersionError> {
    git(sh, "tag -d", &["tag", "-d", name]).map(drop)
}

/// The parent of `commit`, `None` for a root commit.
pub fn parent(sh: &Shell, commit: &str) -> Option<String> {
    git_ok(sh, &["rev-parse", "--verify", "-q", &format!("{commit}^")])
}

/// The message of `commit`.
pub fn message(sh: &Shell, commit: &str) -> Option<String> {
    git_ok(sh, &["log", "-1", "--format=%B", commit])
}

/// The commit the tag `name` points at, `None` when there is no such tag.
pub fn tag_commit(sh: &Shell, name: &str) -> Option<String> {
    git_ok(sh, &["rev-parse", "--verify", "-q", &format!("refs/tags/{name}^{{commit}}")])
}

/// Removes the branch `HEAD` names: undoes a repository's first commit.
pub fn delete_head(sh: &Shell) -> Result<(), VersionError> {
    git(sh, "update-ref -d HEAD", &["update-ref", "-d", "HEAD"]).map(drop)
}

/// `git reset --quiet -- PATHS…`: the index entries of `paths` back to `HEAD`'s.
pub fn unstage(sh: &Shell, paths: &[PathBuf]) -> Result<(), VersionError> {
    on_paths(sh, "reset", &["reset", "--quiet"], paths)
}
