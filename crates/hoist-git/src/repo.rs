use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::{GitError, Oid, RemoteTags, TagUpdate};

/// A git work tree, and the one shell every git command of it runs in.
pub struct Repo {
    sh: Shell,
    root: PathBuf,
}

impl Repo {
    /// Opens the work tree that contains `dir`.
    pub fn open(dir: &Path) -> Result<Repo, GitError> {
        let sh = Shell::new().map_err(|e| GitError::NoGit { message: e.to_string() })?;
        sh.change_dir(dir);
        let out = git(&sh, &["rev-parse", "--show-toplevel"]).map_err(|e| match e {
            GitError::Command { .. } => GitError::NotARepository { dir: dir.to_owned() },
            other => other,
        })?;
        let root = PathBuf::from(out);
        sh.change_dir(&root);
        Ok(Repo { sh, root })
    }

    /// The top directory of the work tree.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs `git ARGS` in the work tree; returns its trimmed standard output.
    pub fn git(&self, args: &[&str]) -> Result<String, GitError> {
        git(&self.sh, args)
    }

    /// The commit HEAD points at.
    pub fn head(&self) -> Result<Oid, GitError> {
        self.resolve_commit("HEAD")?.ok_or_else(|| GitError::UnknownRevision {
            revision: "HEAD".into(),
            message: "the repository has no commit yet".into(),
        })
    }

    /// The commit `revision` names, or `None` if there is no such commit here.
    pub fn resolve_commit(&self, revision: &str) -> Result<Option<Oid>, GitError> {
        let spec = format!("{revision}^{{commit}}");
        match self.git(&["rev-parse", "--verify", "--quiet", "--end-of-options", &spec]) {
            Ok(out) => Ok(Oid::parse(&out)),
            Err(GitError::Command { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// True when the commit `oid` is present in the local object store.
    pub fn has_commit(&self, oid: &Oid) -> bool {
        let spec = format!("{oid}^{{commit}}");
        self.git(&["cat-file", "-e", &spec]).is_ok()
    }

    /// The configured remotes.
    pub fn remotes(&self) -> Result<Vec<String>, GitError> {
        Ok(self.git(&["remote"])?.lines().map(str::to_owned).collect())
    }

    /// The URL of `remote`, when it is configured.
    pub fn remote_url(&self, remote: &str) -> Option<String> {
        self.git(&["remote", "get-url", "--end-of-options", remote]).ok().filter(|u| !u.is_empty())
    }

    /// Fails with [`GitError::NoSuchRemote`] unless `remote` is configured.
    pub fn require_remote(&self, remote: &str) -> Result<(), GitError> {
        let known = self.remotes()?;
        if known.iter().any(|r| r == remote) {
            Ok(())
        } else {
            Err(GitError::NoSuchRemote { remote: remote.to_owned(), known })
        }
    }

    /// The tags `names` as `remote` holds them now (`git ls-remote`); absent tags are absent.
    pub fn remote_tags(&self, remote: &str, names: &[&str]) -> Result<RemoteTags, GitError> {
        self.require_remote(remote)?;
        let mut args = vec!["ls-remote", "--tags", "--end-of-options", remote];
        let patterns: Vec<String> =
            names.iter().flat_map(|n| [format!("refs/tags/{n}"), format!("refs/tags/{n}^{{}}")]).collect();
        args.extend(patterns.iter().map(String::as_str));
        let out = self.git(&args).map_err(|e| unreachable(remote, e))?;
        let mut tags = RemoteTags::parse(&out);
        // ls-remote matches patterns against the end of ref names: keep exact names only.
        tags.0.retain(|name, _| names.contains(&name.as_str()));
        Ok(tags)
    }

    /// Every tag `remote` holds now.
    pub fn all_remote_tags(&self, remote: &str) -> Result<RemoteTags, GitError> {
        self.require_remote(remote)?;
        let out = self.git(&["ls-remote", "--tags", "--end-of-options", remote]).map_err(|e| unreachable(remote, e))?;
        Ok(RemoteTags::parse(&out))
    }

    /// Fetches the tag `name` from `remote` into the object store (no local ref is created),
    /// so its commit can be pushed elsewhere.
    pub fn fetch_tag_objects(&self, remote: &str, name: &str) -> Result<(), GitError> {
        let refspec = format!("refs/tags/{name}");
        self.git(&["fetch", "--quiet", "--no-tags", "--end-of-options", remote, &refspec])
            .map(drop)
            .map_err(|e| unreachable(remote, e))
    }

    /// Moves every tag in `updates` on `remote` in one atomic push, each guarded by a lease:
    /// the push goes ahead only if every tag still points where `expected` says. Either all
    /// tags move or none does. Afterwards the remote is read again to confirm.
    pub fn push_tags_atomically(&self, remote: &str, updates: &[TagUpdate]) -> Result<(), GitError> {
        self.require_remote(remote)?;
        let mut args: Vec<String> = vec!["push".into(), "--atomic".into(), "--porcelain".into(), "--no-verify".into()];
        for update in updates {
            let expected = update.expected.as_ref().map(Oid::as_str).unwrap_or_default();
            args.push(format!("--force-with-lease=refs/tags/{}:{expected}", update.name));
        }
        args.push("--end-of-options".into());
        args.push(remote.into());
        for update in updates {
            let source = update.new.as_ref().map(Oid::as_str).unwrap_or_default();
            args.push(format!("{source}:refs/tags/{}", update.name));
        }
        let output = cmd!(self.sh, "git {args...}")
            .quiet()
            .ignore_status()
            .output()
            .map_err(|e| GitError::NoGit { message: e.to_string() })?;
        if !output.status.success() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(push_error(remote, &stdout, &stderr));
        }
        let names: Vec<&str> = updates.iter().map(|u| u.name.as_str()).collect();
        let now = self.remote_tags(remote, &names)?;
        for update in updates {
            let found = now.object(&update.name);
            if found != update.new.as_ref() {
                return Err(GitError::NotConfirmed {
                    remote: remote.to_owned(),
                    tag: update.name.clone(),
                    expected: update.new.as_ref().map_or("nothing".into(), |o| o.to_string()),
                    found: found.map_or("nothing".into(), |o| o.to_string()),
                });
            }
        }
        Ok(())
    }
}

/// A file to write into a tree with [`Repo::write_tree`]: its path in the tree and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeFile {
    /// The path inside the tree (`deploy/web/kustomization.yaml`), `/`-separated.
    pub path: String,
    /// The file's contents.
    pub contents: Vec<u8>,
}

/// Branch plumbing: reading a commit's files, building a tree and a commit without the work
/// tree or the user's index, and a branch push guarded by a lease.
impl Repo {
    /// The name of the branch HEAD is on, or `None` when HEAD is detached.
    pub fn current_branch(&self) -> Result<Option<String>, GitError> {
        match self.git(&["symbolic-ref", "--quiet", "--short", "HEAD"]) {
            Ok(name) if !name.is_empty() => Ok(Some(name)),
            Ok(_) | Err(GitError::Command { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The tree of the commit `commit`.
    pub fn tree_of(&self, commit: &Oid) -> Result<Oid, GitError> {
        let spec = format!("{commit}^{{tree}}");
        let out = self.git(&["rev-parse", "--verify", "--end-of-options", &spec])?;
        Oid::parse(&out).ok_or_else(|| GitError::Command { command: format!("rev-parse {spec}"), message: out })
    }

    /// The contents of `path` in `commit`, or `None` when the commit has no file there.
    pub fn file_at(&self, commit: &Oid, path: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{commit}:{path}");
        match self.git(&["cat-file", "-t", &spec]) {
            Ok(kind) if kind == "blob" => {}
            Ok(_) | Err(GitError::Command { .. }) => return Ok(None),
            Err(other) => return Err(other),
        }
        let output = output(&self.sh, &["cat-file", "blob", &spec])?;
        if !output.status.success() {
            return Err(GitError::Command {
                command: format!("cat-file blob {spec}"),
                message: first_error_line(&String::from_utf8_lossy(&output.stderr)),
            });
        }
        Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()))
    }

    /// The names of the files directly in the directory `dir` of `commit` (empty when there is
    /// no such directory).
    pub fn files_in(&self, commit: &Oid, dir: &str) -> Result<Vec<String>, GitError> {
        let spec = format!("{commit}:{}", dir.trim_end_matches('/'));
        match self.git(&["cat-file", "-t", &spec]) {
            Ok(kind) if kind == "tree" => {}
            Ok(_) | Err(GitError::Command { .. }) => return Ok(Vec::new()),
            Err(other) => return Err(other),
        }
        let out = self.git(&["ls-tree", "--name-only", "--end-of-options", &spec])?;
        Ok(out.lines().map(str::to_owned).collect())
    }

    /// The tree of `base` (a commit) with `files` written over it, made in a temporary index
    /// (`GIT_INDEX_FILE`): the work tree and the user's index are not touched. The blobs and
    /// trees are written to the object store, where nothing refers to them until a commit does.
    pub fn write_tree(&self, base: &Oid, files: &[TreeFile]) -> Result<Oid, GitError> {
        let dir = tempfile::tempdir().map_err(|e| GitError::Command {
            command: "write-tree".into(),
            message: format!("cannot make a temporary directory: {e}"),
        })?;
        let index = dir.path().join("index");
        let index = index.to_string_lossy().into_owned();
        let env = [("GIT_INDEX_FILE", index.as_str())];
        let base = base.to_string();
        run_with_env(&self.sh, &["read-tree", "--end-of-options", &base], &env)?;
        for (n, file) in files.iter().enumerate() {
            let blob_file = dir.path().join(format!("blob-{n}"));
            std::fs::write(&blob_file, &file.contents).map_err(|e| GitError::Command {
                command: "hash-object".into(),
                message: format!("cannot write a temporary file: {e}"),
            })?;
            let blob_file = blob_file.to_string_lossy().into_owned();
            let blob = run_with_env(&self.sh, &["hash-object", "-w", "--no-filters", "--", &blob_file], &env)?;
            let info = format!("100644,{blob},{}", file.path);
            run_with_env(&self.sh, &["update-index", "--add", "--cacheinfo", &info], &env)?;
        }
        let out = run_with_env(&self.sh, &["write-tree"], &env)?;
        Oid::parse(&out).ok_or_else(|| GitError::Command { command: "write-tree".into(), message: out })
    }

    /// A new commit of `tree` with `parent` and `message` (`git commit-tree`); no ref moves.
    /// Without a configured identity, the commit is made as `hoist <hoist@localhost>`.
    pub fn commit_tree(&self, tree: &Oid, parent: &Oid, message: &str) -> Result<Oid, GitError> {
        self.commit_tree_with_parents(tree, std::slice::from_ref(parent), message)
    }

    /// [`Repo::commit_tree`] with any number of parents, in order (the first is the one
    /// `--first-parent` follows).
    pub fn commit_tree_with_parents(&self, tree: &Oid, parents: &[Oid], message: &str) -> Result<Oid, GitError> {
        let tree = tree.to_string();
        let parents: Vec<String> = parents.iter().map(Oid::to_string).collect();
        let mut args = vec!["commit-tree", tree.as_str()];
        for parent in &parents {
            args.extend(["-p", parent.as_str()]);
        }
        args.extend(["-m", message]);
        let mut env = Vec::new();
        if self.git(&["var", "GIT_COMMITTER_IDENT"]).is_err() || self.git(&["var", "GIT_AUTHOR_IDENT"]).is_err() {
            env.extend([
                ("GIT_AUTHOR_NAME", "hoist"),
                ("GIT_AUTHOR_EMAIL", "hoist@localhost"),
                ("GIT_COMMITTER_NAME", "hoist"),
                ("GIT_COMMITTER_EMAIL", "hoist@localhost"),
            ]);
        }
        let out = run_with_env(&self.sh, &args, &env)?;
        Oid::parse(&out).ok_or_else(|| GitError::Command { command: "commit-tree".into(), message: out })
    }

    /// Whether `ancestor` is an ancestor of `descendant` (or the same commit); `None` when git
    /// cannot tell (a commit is not in this repository, or history is cut by a shallow clone).
    pub fn is_ancestor(&self, ancestor: &Oid, descendant: &Oid) -> Result<Option<bool>, GitError> {
        if !self.has_commit(ancestor) || !self.has_commit(descendant) {
            return Ok(None);
        }
        let (a, d) = (ancestor.to_string(), descendant.to_string());
        let out = output(&self.sh, &["merge-base", "--is-ancestor", &a, &d])?;
        Ok(match out.status.code() {
            Some(0) => Some(true),
            Some(1) if !self.is_shallow() => Some(false),
            _ => None,
        })
    }

    /// True in a shallow clone, where history below the graft points is missing.
    pub fn is_shallow(&self) -> bool {
        self.git(&["rev-parse", "--is-shallow-repository"]).is_ok_and(|out| out == "true")
    }

    /// The parents of `commit`, in order.
    pub fn parents(&self, commit: &Oid) -> Result<Vec<Oid>, GitError> {
        let spec = format!("{commit}^@");
        let out = self.git(&["rev-parse", "--end-of-options", &spec])?;
        Ok(out.lines().filter_map(Oid::parse).collect())
    }

    /// The file `path` in each of the first `limit` commits of `tip`'s first-parent history
    /// (`tip` first), `None` where a commit has no such file: one `git log` and one
    /// `git cat-file --batch`, however long the history.
    pub fn file_along_first_parent(
        &self,
        tip: &Oid,
        path: &str,
        limit: usize,
    ) -> Result<Vec<(Oid, Option<String>)>, GitError> {
        let count = format!("--max-count={limit}");
        let tip_text = tip.to_string();
        let out = self.git(&["rev-list", "--first-parent", &count, "--end-of-options", &tip_text])?;
        let commits: Vec<Oid> = out.lines().filter_map(Oid::parse).collect();
        if commits.is_empty() {
            return Ok(Vec::new());
        }
        let input: String = commits.iter().map(|c| format!("{c}:{path}\n")).collect();
        let sh = &self.sh;
        let output = cmd!(sh, "git cat-file --batch")
            .quiet()
            .ignore_status()
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(input)
            .output()
            .map_err(|e| GitError::NoGit { message: e.to_string() })?;
        if !output.status.success() {
            return Err(GitError::Command {
                command: "cat-file --batch".into(),
                message: first_error_line(&String::from_utf8_lossy(&output.stderr)),
            });
        }
        let mut rest: &[u8] = &output.stdout;
        let mut files = Vec::new();
        for commit in commits {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let header = String::from_utf8_lossy(&rest[..end]).into_owned();
            rest = rest.get(end + 1..).unwrap_or_default();
            let mut fields = header.split(' ');
            let (_, kind, size) = (fields.next(), fields.next(), fields.next());
            let contents = match (kind, size.and_then(|s| s.parse::<usize>().ok())) {
                (Some(kind), Some(size)) if size <= rest.len() => {
                    let body = &rest[..size];
                    rest = rest.get(size + 1..).unwrap_or_default();
                    (kind == "blob").then(|| String::from_utf8_lossy(body).into_owned())
                }
                // `OID:PATH missing`: the commit has no such file.
                _ => None,
            };
            files.push((commit, contents));
        }
        Ok(files)
    }

    /// Writes the files of `commit` into the directory `dir` (which must exist), through a
    /// temporary index: the work tree, the user's index and every ref stay as they are.
    pub fn checkout_to(&self, commit: &Oid, dir: &Path) -> Result<(), GitError> {
        let temp = tempfile::tempdir().map_err(|e| GitError::Command {
            command: "read-tree".into(),
            message: format!("cannot make a temporary directory: {e}"),
        })?;
        let index = temp.path().join("index").to_string_lossy().into_owned();
        let env = [("GIT_INDEX_FILE", index.as_str())];
        let commit = commit.to_string();
        run_with_env(&self.sh, &["read-tree", "--end-of-options", &commit], &env)?;
        let mut prefix = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned()).to_string_lossy().into_owned();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        let prefix = format!("--prefix={prefix}");
        run_with_env(&self.sh, &["checkout-index", "--all", "--force", &prefix], &env)?;
        Ok(())
    }

    /// The commit the branch `name` (`candidates/main`) points at on `remote` now
    /// (`git ls-remote`), or `None` when the remote has no such branch.
    pub fn remote_branch(&self, remote: &str, name: &str) -> Result<Option<Oid>, GitError> {
        self.require_remote(remote)?;
        let reference = format!("refs/heads/{name}");
        let out = self
            .git(&["ls-remote", "--heads", "--end-of-options", remote, &reference])
            .map_err(|e| unreachable(remote, e))?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .find(|(_, r)| *r == reference)
            .and_then(|(oid, _)| Oid::parse(oid)))
    }

    /// Fetches the branch `name` from `remote` into the object store (no local branch or
    /// remote-tracking ref is made) and returns the commit it pointed at, or `None` when the
    /// remote has no such branch.
    pub fn fetch_branch(&self, remote: &str, name: &str) -> Result<Option<Oid>, GitError> {
        Ok(self.fetch_branches(remote, &[name])?.pop().flatten())
    }

    /// [`Repo::fetch_branch`] for several branches at once: one `git ls-remote` and one
    /// `git fetch` however many there are. The commits are in the order of `names`.
    pub fn fetch_branches(&self, remote: &str, names: &[&str]) -> Result<Vec<Option<Oid>>, GitError> {
        self.require_remote(remote)?;
        let references: Vec<String> = names.iter().map(|n| format!("refs/heads/{n}")).collect();
        let mut args = vec!["ls-remote", "--heads", "--end-of-options", remote];
        args.extend(references.iter().map(String::as_str));
        let listed = self.git(&args).map_err(|e| unreachable(remote, e))?;
        let present: Vec<&String> = references
            .iter()
            .filter(|r| listed.lines().filter_map(|l| l.split_once('\t')).any(|(_, name)| name == r.as_str()))
            .collect();
        if present.is_empty() {
            return Ok(vec![None; names.len()]);
        }
        // `--refmap=`: no remote-tracking ref is updated either.
        let mut args = vec!["fetch", "--quiet", "--no-tags", "--refmap=", "--end-of-options", remote];
        args.extend(present.iter().map(|r| r.as_str()));
        match self.git(&args) {
            Ok(_) => {}
            // Deleted between the two calls: ask again, one by one.
            Err(GitError::Command { message, .. }) if message.contains("couldn't find remote ref") => {
                return names
                    .iter()
                    .map(|n| self.fetch_branches(remote, &[n]).map(|mut v| v.pop().flatten()))
                    .collect();
            }
            Err(e) => return Err(unreachable(remote, e)),
        }
        // FETCH_HEAD has one line per fetched ref, in the order asked: `OID<TAB><TAB>branch 'NAME' of URL`.
        let fetch_head = std::fs::read_to_string(self.git_path("FETCH_HEAD")?).unwrap_or_default();
        let fetched: Vec<Option<Oid>> = fetch_head.lines().map(|l| l.split('\t').next().and_then(Oid::parse)).collect();
        let mut out = Vec::new();
        for reference in &references {
            let at = present.iter().position(|p| *p == reference);
            out.push(at.and_then(|i| fetched.get(i).cloned().flatten()));
        }
        Ok(out)
    }

    /// The path of `name` in the git directory (`FETCH_HEAD`), as `git rev-parse --git-path`.
    fn git_path(&self, name: &str) -> Result<PathBuf, GitError> {
        let path = PathBuf::from(self.git(&["rev-parse", "--git-path", name])?);
        Ok(if path.is_absolute() { path } else { self.root.join(path) })
    }

    /// Points the branch `name` on `remote` at `new`, guarded by a lease: the push goes ahead
    /// only if the branch is still at `expected` (`None`: it must not exist). A stale lease is
    /// [`GitError::LeaseRejected`]; afterwards the remote is read again to confirm.
    pub fn push_branch_with_lease(
        &self,
        remote: &str,
        name: &str,
        expected: Option<&Oid>,
        new: &Oid,
    ) -> Result<(), GitError> {
        self.require_remote(remote)?;
        let lease = format!("--force-with-lease=refs/heads/{name}:{}", expected.map(Oid::as_str).unwrap_or_default());
        let refspec = format!("{new}:refs/heads/{name}");
        let args = ["push", "--porcelain", "--no-verify", lease.as_str(), "--end-of-options", remote, refspec.as_str()];
        let output = output(&self.sh, &args)?;
        if !output.status.success() {
            // The remote checks the lease and then updates the ref under its own lock: a push
            // that loses a race in between is refused as `failed to update ref`, not as stale.
            // Either way, a branch no longer where the lease expected it is a lost lease.
            if self.remote_branch(remote, name).is_ok_and(|now| now.as_ref() != expected) {
                return Err(GitError::LeaseRejected {
                    remote: remote.to_owned(),
                    refs: vec![format!("refs/heads/{name}")],
                });
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(push_error(remote, &stdout, &stderr));
        }
        let found = self.remote_branch(remote, name)?;
        if found.as_ref() != Some(new) {
            return Err(GitError::NotConfirmed {
                remote: remote.to_owned(),
                tag: name.to_owned(),
                expected: new.to_string(),
                found: found.map_or("nothing".into(), |o| o.to_string()),
            });
        }
        Ok(())
    }
}

fn git(sh: &Shell, args: &[&str]) -> Result<String, GitError> {
    run(sh, args)
}

/// Runs `git ARGS` in `sh`'s directory (one argument per value, never prompting for
/// credentials) and returns its trimmed standard output; a failure is
/// [`GitError::Command`] with git's most telling line. Every git call of hoist goes through
/// here or [`output`].
pub fn run(sh: &Shell, args: &[&str]) -> Result<String, GitError> {
    run_with_env(sh, args, &[])
}

/// [`run`] with extra environment variables for git (and the hooks it runs).
pub fn run_with_env(sh: &Shell, args: &[&str], env: &[(&str, &str)]) -> Result<String, GitError> {
    let output = output_with_env(sh, args, env)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim_end().to_owned())
    } else {
        Err(GitError::Command {
            command: args.join(" "),
            message: first_error_line(&String::from_utf8_lossy(&output.stderr)),
        })
    }
}

/// The whole output of `git ARGS` in `sh`'s directory, whatever its exit status, for callers
/// that read a refusal (`push --porcelain`) or treat failure as an answer (`describe`).
pub fn output(sh: &Shell, args: &[&str]) -> Result<std::process::Output, GitError> {
    output_with_env(sh, args, &[])
}

fn output_with_env(sh: &Shell, args: &[&str], env: &[(&str, &str)]) -> Result<std::process::Output, GitError> {
    // No optional locks: a `git status` or `describe --dirty` refreshes the index under
    // `index.lock` when it may, which collides with hoist's other git calls on other threads
    // and, when the process is killed, leaves the lock behind. Commands that must write the
    // index (add, commit, reset) still take it.
    let mut command = cmd!(sh, "git {args...}")
        .quiet()
        .ignore_status()
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0");
    for (key, value) in env {
        command = command.env(key, value);
    }
    command.output().map_err(|e| GitError::NoGit { message: e.to_string() })
}

/// The most telling line of git's stderr: the first `fatal:`/`error:` line (without that
/// prefix), else the first line.
pub fn first_error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let line = lines
        .iter()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or(lines.first())
        .copied()
        .unwrap_or("");
    line.trim_start_matches("fatal: ").trim_start_matches("error: ").to_owned()
}

fn unreachable(remote: &str, error: GitError) -> GitError {
    match error {
        GitError::Command { message, .. } => GitError::RemoteUnreachable { remote: remote.to_owned(), message },
        other => other,
    }
}

fn push_error(remote: &str, stdout: &str, stderr: &str) -> GitError {
    let stale: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with('!') && l.contains("stale info"))
        .filter_map(|l| l.split('\t').nth(1))
        .filter_map(|spec| {
            spec.rsplit_once(':')
                .map(|(_, dst)| dst.trim_start_matches("refs/tags/").trim_start_matches("refs/heads/").to_owned())
        })
        .collect();
    if !stale.is_empty() {
        return GitError::LeaseRejected { remote: remote.to_owned(), refs: stale };
    }
    let rejected: Vec<&str> =
        stdout.lines().filter(|l| l.starts_with('!') && !l.contains("atomic push failed")).collect();
    if rejected.is_empty() && !stdout.lines().any(|l| l.starts_with('!')) {
        return GitError::RemoteUnreachable { remote: remote.to_owned(), message: first_error_line(stderr) };
    }
    let message = rejected
        .iter()
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let spec = fields.nth(1)?;
            let why = fields.next().unwrap_or("");
            Some(format!("{} {why}", spec.rsplit_once(':').map_or(spec, |(_, d)| d)))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let message = if message.is_empty() { first_error_line(stderr) } else { message };
    GitError::PushRejected { remote: remote.to_owned(), message }
}
