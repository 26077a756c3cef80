//! The releases checkout: a temporary clone driven through the `git` command line.

use hoist_git::first_error_line;
use std::path::PathBuf;

use xshell::Shell;

use crate::GitopsError;

/// Hides the credentials of a URL: `https://user:token@host/x` → `https://***@host/x`.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && !userinfo.contains('/')
    {
        return format!("{scheme}://***@{host}");
    }
    url.to_owned()
}

/// A temporary work tree whose `origin` is the releases repository, deleted on drop.
pub(crate) struct Checkout {
    dir: tempfile::TempDir,
    sh: Shell,
    url: String,
    pub(crate) branch: String,
}

/// How a push ended.
pub(crate) enum Push {
    Pushed,
    /// Refused because the branch moved (non-fast-forward): fetch, re-apply, retry.
    Stale,
}

impl Checkout {
    /// An empty repository with `url` as `origin`; nothing is fetched yet.
    pub(crate) fn new(url: &str, branch: &str) -> Result<Checkout, GitopsError> {
        let dir = tempfile::Builder::new()
            .prefix("hoist-releases-")
            .tempdir()
            .map_err(|source| GitopsError::Io { path: std::env::temp_dir().display().to_string(), source })?;
        let sh = Shell::new().map_err(|e| GitopsError::Git { command: "init".into(), message: e.to_string() })?;
        sh.change_dir(dir.path());
        sh.set_var("GIT_TERMINAL_PROMPT", "0");
        let checkout = Checkout { dir, sh, url: url.to_owned(), branch: branch.to_owned() };
        checkout.git(&["init", "--quiet"])?;
        checkout.git(&["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")])?;
        checkout.git(&["remote", "add", "origin", url])?;
        if checkout.git(&["config", "user.email"]).is_err() {
            checkout.git(&["config", "user.name", "hoist"])?;
            checkout.git(&["config", "user.email", "hoist@localhost"])?;
        }
        Ok(checkout)
    }

    pub(crate) fn file(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Fetches the branch and resets the work tree to it; `None` when the branch does not
    /// exist yet (an empty releases repository), leaving an empty tree on an unborn branch.
    pub(crate) fn sync(&self) -> Result<Option<String>, GitopsError> {
        let refname = format!("refs/heads/{}", self.branch);
        let heads = self.git(&["ls-remote", "--heads", "origin", &refname]).map_err(|e| self.unreachable(e))?;
        if heads.trim().is_empty() {
            return Ok(None);
        }
        let refspec = format!("+{refname}:refs/remotes/origin/{}", self.branch);
        self.git(&["fetch", "--quiet", "--depth=1", "--no-tags", "origin", &refspec])
            .map_err(|e| self.unreachable(e))?;
        let remote = format!("refs/remotes/origin/{}", self.branch);
        self.git(&["checkout", "--quiet", "--force", "-B", &self.branch, &remote])?;
        self.git(&["clean", "--quiet", "-fdx"])?;
        Ok(Some(self.git(&["rev-parse", "HEAD"])?))
    }

    /// Stages `path` and commits it with `message`; returns the new commit.
    pub(crate) fn commit(&self, path: &str, message: &str) -> Result<String, GitopsError> {
        self.git(&["add", "--", path])?;
        self.git(&["commit", "--quiet", "--no-verify", "-m", message])?;
        self.git(&["rev-parse", "HEAD"])
    }

    /// Pushes HEAD to the branch, never forcing.
    pub(crate) fn push(&self) -> Result<Push, GitopsError> {
        let refspec = format!("HEAD:refs/heads/{}", self.branch);
        let output = hoist_git::output(&self.sh, &["push", "--porcelain", "--no-verify", "origin", &refspec])
            .map_err(|e| GitopsError::Git { command: "push".into(), message: e.to_string() })?;
        if output.status.success() {
            return Ok(Push::Pushed);
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let rejected: Vec<&str> = stdout.lines().filter(|l| l.starts_with('!')).collect();
        // Refused because the branch moved: by a completed push (`fetch first`,
        // `non-fast-forward`), or by one completing at the same moment, which the remote
        // reports as a ref it could not lock or update.
        let moved = ["fetch first", "non-fast-forward", "stale info", "failed to update ref", "cannot lock ref"];
        if rejected.iter().any(|l| moved.iter().any(|m| l.contains(m))) {
            return Ok(Push::Stale);
        }
        let repository = redact(&self.url);
        if rejected.is_empty() {
            return Err(GitopsError::Unreachable { repository, message: self.clean(&first_error_line(&stderr)) });
        }
        let message = rejected.iter().map(|l| l.rsplit('\t').next().unwrap_or(l)).collect::<Vec<_>>().join("; ");
        let detail = first_error_line(&stderr);
        Err(GitopsError::PushRejected {
            repository,
            branch: self.branch.clone(),
            message: self.clean(&format!("{message} ({detail})")),
        })
    }

    /// Runs `git ARGS`; its trimmed stdout, or an error with credentials removed.
    pub(crate) fn git(&self, args: &[&str]) -> Result<String, GitopsError> {
        hoist_git::run(&self.sh, args).map_err(|error| match error {
            hoist_git::GitError::Command { command, message } => {
                GitopsError::Git { command: self.clean(&command), message: self.clean(&message) }
            }
            other => GitopsError::Git { command: "git".into(), message: self.clean(&other.to_string()) },
        })
    }

    fn unreachable(&self, error: GitopsError) -> GitopsError {
        match error {
            GitopsError::Git { message, .. } => GitopsError::Unreachable { repository: redact(&self.url), message },
            other => other,
        }
    }

    /// `text` with the repository URL redacted wherever it appears.
    fn clean(&self, text: &str) -> String {
        let redacted = redact(&self.url);
        let text = text.replace(&self.url, &redacted);
        // git sometimes prints the URL without its password, with the user still in it.
        match self.url.split_once("://").and_then(|(_, rest)| rest.split_once('@')) {
            Some((userinfo, _)) if !userinfo.is_empty() => text.replace(userinfo, "***"),
            _ => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact("https://x-access-token:ghs_secret@github.example/team/releases.git"),
            "https://***@github.example/team/releases.git"
        );
        assert_eq!(redact("https://github.example/team/releases.git"), "https://github.example/team/releases.git");
        assert_eq!(redact("git@github.example:team/releases.git"), "git@github.example:team/releases.git");
        assert_eq!(redact("/srv/git/releases.git"), "/srv/git/releases.git");
    }
}
