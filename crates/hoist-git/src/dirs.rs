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

    /// The lock files git makes while it changes the index, `HEAD`, the branch `HEAD` names,
    /// `packed-refs` or the tags named: the ones a git process killed mid-way leaves behind.
    pub fn lock_files(&self, tags: &[&str]) -> Vec<PathBuf> {
        let mut locks = vec![
            self.git_dir.join("index.lock"),
            self.git_dir.join("HEAD.lock"),
            self.git_dir.join("ORIG_HEAD.lock"),
            self.common_dir.join("packed-refs.lock"),
        ];
        if let Ok(head) = std::fs::read_to_string(self.git_dir.join("HEAD"))
            && let Some(branch) = head.trim().strip_prefix("ref: ")
            && !branch.split('/').any(|part| part == ".." || part.is_empty())
        {
            locks.push(self.common_dir.join(format!("{branch}.lock")));
        }
        for tag in tags {
            if crate::bad_tag_name(tag).is_none() {
                locks.push(self.common_dir.join("refs/tags").join(format!("{tag}.lock")));
            }
        }
        locks
    }
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
        assert!(found.lock_files(&["v1", "a..b"]).contains(&top.join("repo/.git/refs/heads/main.lock")));
        assert!(found.lock_files(&["v1"]).contains(&top.join("repo/.git/refs/tags/v1.lock")));
        assert_eq!(found.lock_files(&["a..b"]).len(), 5);

        std::fs::create_dir(top.join("wt")).unwrap();
        std::fs::write(top.join("wt/.git"), format!("gitdir: {}\n", top.join("repo/.git/worktrees/wt").display()))
            .unwrap();
        std::fs::write(top.join("repo/.git/worktrees/wt/commondir"), "../..\n").unwrap();
        let linked = GitDirs::find(&top.join("wt")).unwrap();
        assert_eq!(linked.git_dir, top.join("repo/.git/worktrees/wt"));
        assert_eq!(linked.common_dir.canonicalize().unwrap(), top.join("repo/.git"));
    }
}
