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
pub use repo::{Repo, TreeFile, first_error_line, output, run, run_with_env};

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

/// A remote's URL as it may be shown: any credentials in it removed
/// (`https://user:token@host/x` → `https://host/x`). The user info is what comes before the last
/// `@` of the authority, which ends at the first `/`, `?` or `#`, as git and curl read it; all
/// of it goes (a token is often the whole of it), except an SSH user without a password
/// (`ssh://git@host/x`, `git@host:x`), which is no secret. Paths are left as they are.
pub fn without_credentials(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) if !scheme.is_empty() && !scheme.contains(['/', '@', ':']) => (Some(scheme), rest),
        _ => (None, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else { return url.to_owned() };
    let ssh = scheme.is_none_or(|s| s.to_ascii_lowercase().contains("ssh"));
    let keep =
        if ssh && !userinfo.is_empty() && !userinfo.contains(':') { format!("{userinfo}@") } else { String::new() };
    match scheme {
        Some(scheme) => format!("{scheme}://{keep}{host}{tail}"),
        None => format!("{keep}{host}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{bad_tag_name, without_credentials};

    #[test]
    fn credentials_are_removed_from_remote_urls() {
        for (url, shown) in [
            ("https://user:token@host/x", "https://host/x"),
            ("https://x-access-token:ghs_s3cret@github.com/o/r.git", "https://github.com/o/r.git"),
            ("https://ghp_s3cret@github.com/o/r.git", "https://github.com/o/r.git"),
            ("http://u:p@127.0.0.1:8080/r.git", "http://127.0.0.1:8080/r.git"),
            ("https://u:p%40ss@host", "https://host"),
            ("https://u:p@ss@host/x", "https://host/x"),
            ("https://u:tok@host?x=1", "https://host?x=1"),
            ("ssh://git@host:2222/o/r.git", "ssh://git@host:2222/o/r.git"),
            ("ssh://git:pw@host/o/r.git", "ssh://host/o/r.git"),
            ("git+ssh://me@host/r", "git+ssh://me@host/r"),
            ("git@github.com:o/r.git", "git@github.com:o/r.git"),
            ("me:pw@host:o/r.git", "host:o/r.git"),
            ("https://github.com/o/r.git", "https://github.com/o/r.git"),
            ("https://host/team/r@v1", "https://host/team/r@v1"),
            ("/srv/git/r.git", "/srv/git/r.git"),
            ("file:///srv/git/r@x.git", "file:///srv/git/r@x.git"),
            ("../r.git", "../r.git"),
            ("", ""),
        ] {
            assert_eq!(without_credentials(url), shown, "{url}");
        }
    }

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
