/*!
The git operations hoist needs, run through the `git` command line (so the user's
credentials, hooks and configuration apply), one argument per value through `xshell::cmd!`.
This is the one git layer: [`run`] and [`output`] are how every other crate (the version
engine's commit and tags, the GitOps checkout, image labels) calls git.

A [`Repo`] is a work tree. Besides the everyday questions (HEAD, resolve a revision, is the
tree dirty), it answers what a remote holds ([`Repo::remote_tags`], from `git ls-remote`, with
annotated tags peeled to their commits) and moves several tags in **one atomic push with a
lease on every ref** ([`Repo::push_tags_atomically`]): either every ref moves, or none does and
the error says which lease was stale.

```no_run
use hoist_git::{Repo, TagUpdate};

let repo = Repo::open(".".as_ref())?;
let remote = repo.remote_tags("origin", &["dev/deploy", "v1.2.3"])?;
let target = remote.commit("v1.2.3").expect("the version is tagged");
repo.push_tags_atomically("origin", &[TagUpdate {
    name: "dev/deploy".into(),
    expected: remote.commit("dev/deploy").cloned(),
    new: Some(target.clone()),
}])?;
# Ok::<(), hoist_git::GitError>(())
```
*/

mod dirs;
mod error;
mod oid;
mod remote;
mod repo;

pub use dirs::GitDirs;
pub use error::GitError;
pub use oid::Oid;
pub use remote::{RemoteTag, RemoteTags, TagUpdate};
pub use repo::{Repo, first_error_line, output, run, run_with_env};

/// Why `name` cannot be a git tag (`refs/tags/NAME`), by `git check-ref-format`'s rules, or
/// `None` when it can: so a plan can refuse a name before anything is committed.
pub fn bad_tag_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.chars().any(|c| c.is_control() || c == ' ') {
        return Some("it holds a space or a control character");
    }
    if name.chars().any(|c| matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\')) {
        return Some("it holds one of `~ ^ : ? * [ \\`");
    }
    if name.contains("..") {
        return Some("it holds `..`");
    }
    if name.contains("@{") || name == "@" {
        return Some("it holds `@{` or is `@`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Some("it starts or ends with `/`, or holds `//`");
    }
    if name.ends_with('.') {
        return Some("it ends with `.`");
    }
    if name.split('/').any(|part| part.starts_with('.') || part.ends_with(".lock")) {
        return Some("a part of it starts with `.` or ends with `.lock`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::bad_tag_name;

    #[test]
    fn tag_names_follow_git_check_ref_format() {
        for good in ["v1.2.3", "dev/deploy", "last/dev/deploy", "v1.2.3-r4", "release_2"] {
            assert_eq!(bad_tag_name(good), None, "{good}");
        }
        for bad in ["", "a..b", "a b", "a:b", "v1^", "a/", "/a", "a//b", "a.", "a/.b", "a.lock", "a@{b", "@", "x\u{1b}"]
        {
            assert!(bad_tag_name(bad).is_some(), "{bad:?}");
        }
        // What git itself says, for each of them.
        let sh = xshell::Shell::new().unwrap();
        for name in ["v1.2.3", "dev/deploy", "a..b", "a b", "a:b", "a/", "a.lock", "a@{b", "a/.b"] {
            let reference = format!("refs/tags/{name}");
            let git_ok = xshell::cmd!(sh, "git check-ref-format {reference}").quiet().ignore_stderr().run().is_ok();
            assert_eq!(bad_tag_name(name).is_none(), git_ok, "{name}");
        }
    }
}
