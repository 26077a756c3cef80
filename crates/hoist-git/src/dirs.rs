//! Where a work tree's repository lies on disk, found by reading files (no `git` process):
//! for state hoist keeps beside git's own (the bump journal) and for lock files a killed git
//! process left behind.

use std::path::{Path, PathBuf};

/// The directories of the work tree holding a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitDirs {
    /// The top of the work tree (the directory holding `.git`).
    pub top: PathBuf,
    /// The work tree's own git directory (`.git`, or `.git/worktrees/NAME` for a linked work
    /// tree): `HEAD` and `index` live here.
    pub git_dir: PathBuf,
    /// The directory shared by every work tree of the repository: `refs/` and `packed-refs`.
    pub common_dir: PathBuf,
}

impl GitDirs {
    /// The git directories of the work tree holding `start` (it or a parent holds `.git`):
    /// `.git` is a directory, or a file `gitdir: PATH` (a linked work tree or a submodule).
    /// `None` outside a work tree, or when `.git` cannot be read.
    pub fn find(start: &Path) -> Option<GitDirs> {
        let start = std::fs::canonicalize(start).ok()?;
        for dir in start.ancestors() {
            let dot_git = dir.join(".git");
            let Ok(meta) = std::fs::symlink_metadata(&dot_git) else { continue };
            let git_dir = if meta.is_dir() {
                dot_git
            } else if meta.is_file() {
                let text = std::fs::read_to_string(&dot_git).ok()?;
                let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
                dir.join(target)
            } else {
                return None;
            };
            let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
                Ok(text) => git_dir.join(text.trim()),
                Err(_) => git_dir.clone(),
            };
            return Some(GitDirs { top: dir.to_owned(), git_dir, common_dir });
        }
        None
    }

    /// Every git lock file in the repository's directories: a `*.lock` file directly in the
    /// work tree's git directory or the common directory (`index.lock`, `HEAD.lock`,
    /// `AUTO_MERGE.lock`, `packed-refs.lock`, …) or anywhere under their `refs/` (a branch's or
    /// a tag's). A git process killed mid-way leaves these behind; which ones depends on the
    /// command and on git's version, so they are found by walking, not by name.
    pub fn lock_files(&self) -> Vec<PathBuf> {
        let mut locks = Vec::new();
        let mut dirs = vec![self.git_dir.clone()];
        if self.common_dir != self.git_dir {
            dirs.push(self.common_dir.clone());
        }
        for dir in &dirs {
            push_locks(dir, &mut locks);
            let mut pending = vec![dir.join("refs")];
            while let Some(dir) = pending.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else { continue };
                for entry in entries.flatten() {
                    match entry.file_type() {
                        Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                        Ok(kind) if kind.is_file() && is_lock(&entry) => locks.push(entry.path()),
                        _ => {}
                    }
                }
            }
        }
        locks.sort();
        locks.dedup();
        locks
    }
}

/// The lock files directly in `dir`.
fn push_locks(dir: &Path, locks: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|kind| kind.is_file()) && is_lock(&entry) {
            locks.push(entry.path());
        }
    }
}

fn is_lock(entry: &std::fs::DirEntry) -> bool {
    entry.file_name().as_encoded_bytes().ends_with(b".lock")
}

#[cfg(test)]
mod tests {
    use super::GitDirs;

    #[test]
    fn finds_the_git_directory_of_a_work_tree_and_a_linked_one() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().canonicalize().unwrap();
        assert_eq!(GitDirs::find(&top), None);
        std::fs::create_dir_all(top.join("repo/.git/worktrees/wt")).unwrap();
        std::fs::create_dir_all(top.join("repo/sub")).unwrap();
        std::fs::write(top.join("repo/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
        let found = GitDirs::find(&top.join("repo/sub")).unwrap();
        assert_eq!(found.top, top.join("repo"));
        assert_eq!(found.git_dir, top.join("repo/.git"));
        assert_eq!(found.common_dir, top.join("repo/.git"));
        assert_eq!(found.lock_files(), Vec::<std::path::PathBuf>::new());
        for lock in ["index.lock", "AUTO_MERGE.lock", "refs/heads/main.lock", "refs/tags/release/v1.lock"] {
            let path = top.join("repo/.git").join(lock);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::write(top.join("repo/.git/refs/heads/main"), "").unwrap();
        std::fs::create_dir_all(top.join("repo/.git/objects/ab.lock")).unwrap();
        let locks: Vec<String> = found
            .lock_files()
            .iter()
            .map(|p| p.strip_prefix(top.join("repo/.git")).unwrap().display().to_string())
            .collect();
        assert_eq!(locks, ["AUTO_MERGE.lock", "index.lock", "refs/heads/main.lock", "refs/tags/release/v1.lock"]);

        std::fs::create_dir(top.join("wt")).unwrap();
        std::fs::write(top.join("wt/.git"), format!("gitdir: {}\n", top.join("repo/.git/worktrees/wt").display()))
            .unwrap();
        std::fs::write(top.join("repo/.git/worktrees/wt/commondir"), "../..\n").unwrap();
        let linked = GitDirs::find(&top.join("wt")).unwrap();
        assert_eq!(linked.git_dir, top.join("repo/.git/worktrees/wt"));
        assert_eq!(linked.common_dir.canonicalize().unwrap(), top.join("repo/.git"));
    }
}
