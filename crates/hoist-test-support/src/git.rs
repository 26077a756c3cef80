//! Throwaway git repositories with a bare remote on disk.

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

/// A work tree with one commit and a bare repository as its `origin`, deleted on drop.
pub struct GitRepo {
    dir: tempfile::TempDir,
    sh: Shell,
}

impl GitRepo {
    /// A repository on branch `main` with an initial commit pushed to its bare `origin`.
    pub fn new() -> GitRepo {
        let dir = tempfile::tempdir().unwrap();
        let sh = Shell::new().unwrap();
        let remote = dir.path().join("remote.git");
        let work = dir.path().join("work");
        cmd!(sh, "git init --quiet --bare --initial-branch=main {remote}").quiet().run().unwrap();
        cmd!(sh, "git init --quiet --initial-branch=main {work}").quiet().run().unwrap();
        sh.change_dir(&work);
        for (key, value) in [
            ("user.name", "hoist tests"),
            ("user.email", "tests@hoist.invalid"),
            ("commit.gpgsign", "false"),
            ("tag.gpgsign", "false"),
        ] {
            cmd!(sh, "git config {key} {value}").quiet().run().unwrap();
        }
        cmd!(sh, "git remote add origin {remote}").quiet().run().unwrap();
        let repo = GitRepo { dir, sh };
        repo.write(".gitignore", "/target\n");
        repo.commit_all("Initial commit");
        cmd!(repo.sh, "git push --quiet origin main").quiet().run().unwrap();
        repo
    }

    /// The work tree.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// The bare remote (`origin`).
    pub fn remote(&self) -> PathBuf {
        self.dir.path().join("remote.git")
    }

    /// Writes `contents` to `path` (relative to the work tree).
    pub fn write(&self, path: impl AsRef<Path>, contents: &str) {
        crate::write_files(&self.path(), &[(path.as_ref().to_str().unwrap(), contents)]);
    }

    /// Stages everything and commits it; returns the new commit's hash.
    pub fn commit_all(&self, message: &str) -> String {
        cmd!(self.sh, "git add --all").quiet().run().unwrap();
        cmd!(self.sh, "git commit --quiet --allow-empty -m {message}").quiet().run().unwrap();
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs `git ARGS` in the work tree and returns its trimmed stdout; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        cmd!(self.sh, "git {args...}").quiet().read().unwrap_or_else(|e| panic!("git {args:?}: {e}"))
    }

    /// Runs `git ARGS` against the bare remote and returns its trimmed stdout.
    pub fn remote_git(&self, args: &[&str]) -> String {
        let remote = self.remote();
        cmd!(self.sh, "git --git-dir {remote} {args...}")
            .quiet()
            .read()
            .unwrap_or_else(|e| panic!("git (remote) {args:?}: {e}"))
    }
}

impl Default for GitRepo {
    fn default() -> Self {
        GitRepo::new()
    }
}
