//! Plan, then execute: write one file into the releases repository, at most one commit.

use serde::{Serialize, Serializer};

use crate::GitopsError;
use crate::git::{Checkout, Push, redact};

/// Where a release is written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    /// The releases repository's git URL (may hold credentials; never shown).
    pub repository: String,
    /// The branch Flux reads.
    pub branch: String,
    /// How many times a push refused as non-fast-forward is retried.
    pub retries: u32,
}

impl Target {
    /// A target on `branch` of `repository`, with `retries` retries.
    pub fn new(repository: impl Into<String>, branch: impl Into<String>, retries: u32) -> Target {
        Target { repository: repository.into(), branch: branch.into(), retries }
    }
}

/// What the release does to the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The file does not exist yet.
    Create,
    /// The file exists with other contents.
    Update,
    /// The file already holds exactly this: no commit.
    Unchanged,
}

/// A GitOps release, decided but not done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// The releases repository, credentials redacted.
    #[serde(serialize_with = "redacted")]
    pub repository: String,
    /// The branch.
    pub branch: String,
    /// The environment.
    pub environment: String,
    /// The file, relative to the repository's top (`staging/ui.yaml`).
    pub path: String,
    /// The commit message.
    pub message: String,
    /// The filled template.
    pub contents: String,
    /// The branch's commit when planned; `None`: the branch does not exist yet.
    pub base: Option<String>,
    /// Create, update, or leave unchanged.
    pub action: Action,
    /// Why.
    pub reason: String,
    /// How many non-fast-forward refusals are retried.
    pub retries: u32,
}

fn redacted<S: Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact(url))
}

/// What [`execute`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// The commit now at the tip of the branch that holds the release.
    pub commit: Option<String>,
    /// True when this run pushed a commit; false when the file already held the release.
    pub pushed: bool,
    /// The pushes attempted (0 when there was nothing to push).
    pub attempts: u32,
}

/// What [`execute`] reports while it works.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// About to push (attempt 1, 2, …).
    Pushing {
        /// The attempt.
        attempt: u32,
    },
    /// The push was refused because the branch moved; hoist fetches and re-applies.
    Retrying {
        /// The attempt that was refused.
        attempt: u32,
        /// The branch the refusal was for.
        branch: &'a str,
    },
}

/// Checks that `environment` can name a directory.
pub fn check_environment(environment: &str) -> Result<(), GitopsError> {
    let ok = !environment.is_empty()
        && !environment.starts_with(['.', '-'])
        && environment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(GitopsError::BadEnvironment { environment: environment.to_owned() }) }
}

/// Plans writing `contents` to `path` on `target`'s branch: fetches the branch (read only)
/// and compares.
pub fn plan(
    target: &Target,
    environment: &str,
    path: &str,
    contents: String,
    message: String,
) -> Result<Plan, GitopsError> {
    check_environment(environment)?;
    let checkout = Checkout::new(&target.repository, &target.branch)?;
    let base = checkout.sync()?;
    let current = std::fs::read_to_string(checkout.file(path)).ok();
    let (action, reason) = match &current {
        None if base.is_none() => (Action::Create, format!("the branch `{}` does not exist yet", target.branch)),
        None => (Action::Create, format!("`{path}` does not exist yet")),
        Some(old) if *old == contents => (Action::Unchanged, format!("`{path}` already holds this release")),
        Some(_) => (Action::Update, format!("`{path}` holds another release")),
    };
    Ok(Plan {
        repository: target.repository.clone(),
        branch: target.branch.clone(),
        environment: environment.to_owned(),
        path: path.to_owned(),
        message,
        contents,
        base,
        action,
        reason,
        retries: target.retries,
    })
}

/// Carries out `plan`: fetch, write, commit, push; on a non-fast-forward refusal, fetch
/// again, re-apply the same file and retry, at most `plan.retries` times. When the branch
/// already holds the file (planned so, or written meanwhile by someone else), nothing is
/// committed.
pub fn execute(plan: &Plan, events: &mut dyn FnMut(Event<'_>)) -> Result<Outcome, GitopsError> {
    let checkout = Checkout::new(&plan.repository, &plan.branch)?;
    let mut attempts = 0;
    loop {
        let base = checkout.sync()?;
        let file = checkout.file(&plan.path);
        if std::fs::read_to_string(&file).is_ok_and(|old| old == plan.contents) {
            return Ok(Outcome { commit: base, pushed: false, attempts });
        }
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitopsError::Io { path: plan.path.clone(), source })?;
        }
        std::fs::write(&file, &plan.contents).map_err(|source| GitopsError::Io { path: plan.path.clone(), source })?;
        let commit = checkout.commit(&plan.path, &plan.message)?;
        attempts += 1;
        events(Event::Pushing { attempt: attempts });
        match checkout.push()? {
            Push::Pushed => return Ok(Outcome { commit: Some(commit), pushed: true, attempts }),
            Push::Stale if attempts > plan.retries => {
                return Err(GitopsError::RetriesExhausted {
                    repository: redact(&plan.repository),
                    branch: plan.branch.clone(),
                    attempts,
                });
            }
            Push::Stale => events(Event::Retrying { attempt: attempts, branch: &plan.branch }),
        }
    }
}
