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
        .filter_map(|spec| spec.rsplit_once(':').map(|(_, dst)| dst.trim_start_matches("refs/tags/").to_owned()))
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
