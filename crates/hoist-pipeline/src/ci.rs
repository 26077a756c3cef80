//! The `ci` flow: which event this run is for ([`detect_context`]), whether the data changed
//! ([`dump_changed`]), and the ordered steps with a reason each ([`plan_ci`]). Detection and
//! planning are pure; only [`dump_changed`] asks git.

use std::path::Path;

use hoist_git::Repo;
use serde::Serialize;

use crate::PipelineError;

/// What started the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CiEvent {
    /// A push to a branch.
    Push,
    /// A pull request (its head merged into its base, as GitHub checks it out).
    PullRequest,
}

/// What the command line says about the event; each `Some` wins over the environment.
#[derive(Clone, Debug, Default)]
pub struct CiFlags {
    /// `--event`.
    pub event: Option<CiEvent>,
    /// `--merged-pr`: the push is a merged pull request.
    pub merged_pr: bool,
    /// `--base REF`: the pull request's base.
    pub base: Option<String>,
    /// `--branch NAME`: the branch pushed to.
    pub branch: Option<String>,
}

/// GitHub Actions' variables, read by the caller (empty values count as unset).
#[derive(Clone, Debug, Default)]
pub struct GithubEnv {
    /// `GITHUB_EVENT_NAME` (`push`, `pull_request`, …).
    pub event_name: Option<String>,
    /// `GITHUB_REF_NAME` (the branch of a push).
    pub ref_name: Option<String>,
    /// `GITHUB_BASE_REF` (the base branch of a pull request).
    pub base_ref: Option<String>,
    /// `GITHUB_HEAD_REF` (the head branch of a pull request).
    pub head_ref: Option<String>,
    /// `head_commit.message` of the event payload at `GITHUB_EVENT_PATH`, for a push.
    pub head_commit_message: Option<String>,
}

/// The event this run is for, and where each fact came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CiContext {
    /// Push or pull request.
    pub event: CiEvent,
    /// The branch pushed to (or a pull request's head branch, when known).
    pub branch: Option<String>,
    /// A pull request's base, as a revision (`origin/main`).
    pub base: Option<String>,
    /// Whether a push is a merged pull request.
    pub merged_pr: bool,
    /// Whether this is a push to the main branch: the run that bumps, pushes and deploys.
    pub on_main: bool,
    /// The pull-request number (the `pr-variable`), when set.
    pub pr: Option<String>,
    /// Where the event came from (flags, GitHub's environment, git).
    pub source: String,
}

/// Works out the event: flags first, then GitHub's environment, then git's current branch.
///
/// A push is a merged pull request when `--merged-pr` is given, or when the head commit's
/// message starts with `Merge pull request #` (GitHub's merge commit) or its first line ends
/// with `(#N)` (GitHub's squash merge).
pub fn detect_context(
    flags: &CiFlags,
    github: &GithubEnv,
    git_branch: Option<&str>,
    main_branch: &str,
    pr: Option<&str>,
) -> Result<CiContext, PipelineError> {
    let nonempty = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let gh_event = match nonempty(&github.event_name).as_deref() {
        None => None,
        Some("push") => Some(CiEvent::Push),
        Some("pull_request" | "pull_request_target") => Some(CiEvent::PullRequest),
        Some(other) => {
            return Err(PipelineError::CiContext {
                message: format!(
                    "`GITHUB_EVENT_NAME={other}` is neither a push nor a pull request: pass `--event push` or `--event pull-request`"
                ),
            });
        }
    };
    let (event, mut source) = match (flags.event, gh_event) {
        (Some(e), _) => (e, "--event".to_owned()),
        (None, Some(e)) => (e, "GITHUB_EVENT_NAME".to_owned()),
        (None, None) if flags.base.is_some() => (CiEvent::PullRequest, "--base".to_owned()),
        (None, None) => (CiEvent::Push, "no event given, no GitHub environment: a push".to_owned()),
    };
    let from_github = flags.event.is_none() && gh_event.is_some();
    match event {
        CiEvent::PullRequest => {
            let base = flags
                .base
                .clone()
                .or_else(|| nonempty(&github.base_ref).map(|b| format!("origin/{b}")))
                .ok_or_else(|| PipelineError::CiContext {
                    message: "a pull request needs its base to find its commits: pass `--base origin/main` (GitHub sets `GITHUB_BASE_REF`)".into(),
                })?;
            let branch = flags.branch.clone().or_else(|| nonempty(&github.head_ref)).or(git_branch.map(str::to_owned));
            Ok(CiContext {
                event,
                branch,
                base: Some(base),
                merged_pr: false,
                on_main: false,
                pr: pr.map(str::to_owned),
                source,
            })
        }
        CiEvent::Push => {
            let branch = match (&flags.branch, from_github, nonempty(&github.ref_name)) {
                (Some(b), _, _) => Some(b.clone()),
                (None, true, Some(b)) => Some(b),
                _ => git_branch.map(str::to_owned),
            };
            let merged_pr = if flags.merged_pr {
                source.push_str(", --merged-pr");
                true
            } else if let Some(message) = nonempty(&github.head_commit_message).filter(|_| from_github) {
                let merged = is_merge_message(&message);
                if merged {
                    source.push_str(", head commit message of the event");
                }
                merged
            } else {
                false
            };
            let on_main = branch.as_deref() == Some(main_branch);
            Ok(CiContext { event, branch, base: None, merged_pr, on_main, pr: pr.map(str::to_owned), source })
        }
    }
}

/// GitHub's merge commit (`Merge pull request #12 from …`) or squash merge (`Title (#12)`).
fn is_merge_message(message: &str) -> bool {
    let first = message.lines().next().unwrap_or_default().trim_end();
    if first.starts_with("Merge pull request #") {
        return true;
    }
    first
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once("(#"))
        .is_some_and(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Whether new data arrived, and why: on a push, the last first-parent commit touching `dump`
/// is HEAD; on a pull request, some commit in `base..HEAD` touches it. `dump` is relative to
/// `project_dir` (the directory of `hoist.toml`, like every path in it), which may lie below the
/// repository's top.
pub fn dump_changed(
    repo: &Repo,
    project_dir: &Path,
    context: &CiContext,
    dump: &str,
) -> Result<(bool, String), PipelineError> {
    // git reads a pathspec from the repository's top, where `Repo` runs it.
    let top = std::fs::canonicalize(repo.root()).unwrap_or_else(|_| repo.root().to_owned());
    let project = std::fs::canonicalize(project_dir).unwrap_or_else(|_| project_dir.to_owned());
    let prefix: String = match project.strip_prefix(&top) {
        Ok(below) => below.components().map(|c| format!("{}/", c.as_os_str().to_string_lossy())).collect(),
        Err(_) => String::new(),
    };
    let pathspec = format!(":(glob){prefix}{dump}");
    match &context.base {
        Some(base) => {
            let range = format!("{base}..HEAD");
            let commits = repo.git(&["rev-list", &range, "--", &pathspec])?;
            let n = commits.lines().count();
            Ok(if n > 0 {
                (true, format!("{n} commit(s) in `{range}` touch `{dump}`"))
            } else {
                (false, format!("no commit in `{range}` touches `{dump}`"))
            })
        }
        None => {
            let head = repo.head()?;
            let last = repo.git(&["log", "--first-parent", "--format=%H", "-1", "--", &pathspec])?;
            Ok(if last.is_empty() {
                (false, format!("no commit touches `{dump}`"))
            } else if last == head.as_str() {
                (true, format!("HEAD touches `{dump}`"))
            } else {
                (false, format!("`{dump}` last changed in {}, not HEAD", &last[..last.len().min(12)]))
            })
        }
    }
}

/// What the data image step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataAction {
    /// Load the data and build the image again.
    Regenerate,
    /// Pull the existing image and tag it for the new version.
    PullAndRetag,
}

/// What one step does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum StepAction {
    /// Bump `part`: `from` → `to`, a commit and the tag `tag` (local until pushed).
    Bump { part: String, from: String, to: String, tag: Option<String> },
    /// The data image `tag`, regenerated or pulled from `source`; pushed when `push`.
    DataImage { data: DataAction, source: Option<String>, tag: String, push: bool },
    /// Ensure the tester image and run the test suites.
    Test { step: String },
    /// `git push --atomic REMOTE HEAD:BRANCH TAG`.
    PushGit { remote: String, branch: String, tag: Option<String> },
    /// Build (or reuse) the release step's image and push it.
    PushImage { step: String },
    /// Move the deploy tags of `environment` to `version`.
    Deploy { environment: String, version: String },
    /// Nothing.
    Skip,
}

/// One step of the CI plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CiStep {
    /// The step's name (`bump`, `data-image`, `test`, `push-git`, `push-image`, `deploy`).
    pub name: &'static str,
    /// What it does.
    #[serde(flatten)]
    pub action: StepAction,
    /// Why.
    pub reason: String,
}

/// The whole run, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CiPlan {
    /// The event.
    pub context: CiContext,
    /// The version before the run.
    pub version: String,
    /// The version the images are named for (after the bump).
    pub new_version: String,
    /// The steps, executed in this order; the run stops at the first failure.
    pub steps: Vec<CiStep>,
}

/// The data image facts collected before planning.
#[derive(Clone, Debug)]
pub struct DataFacts {
    /// `Some((changed, why))` when `data-image.dump` is set.
    pub changed: Option<(bool, String)>,
    /// The image of the version before the run (no pull-request suffix), and its registry digest.
    pub source: String,
    /// Its digest in the registry, `None` when absent.
    pub source_digest: Option<String>,
    /// Why the registry could not be asked, if it could not.
    pub source_unknown: Option<String>,
    /// The tag the image gets for this run.
    pub tag: String,
}

/// Everything [`plan_ci`] decides from.
#[derive(Clone, Debug)]
pub struct CiFacts {
    /// The event.
    pub context: CiContext,
    /// `[ci]`.
    pub ci: hoist_config::Ci,
    /// The version before the run.
    pub version: String,
    /// The bump the configuration asks for, planned: (part, new version, tag name).
    pub bump: Option<(String, String, Option<String>)>,
    /// The data image, when `[data-image]` has steps.
    pub data: Option<DataFacts>,
    /// The tester step (`test.step`).
    pub test_step: String,
    /// The release step.
    pub release_step: String,
    /// `deploy.remote`.
    pub remote: String,
    /// `deploy.default-environment`.
    pub environment: String,
}

/// The part to bump for `context`, if any, and why.
pub fn bump_part(context: &CiContext, ci: &hoist_config::Ci) -> (Option<String>, String) {
    if !context.on_main {
        let why = match context.event {
            CiEvent::PullRequest => "a pull request never bumps".to_owned(),
            CiEvent::Push => format!(
                "a push to `{}`, not to the main branch `{}`",
                context.branch.as_deref().unwrap_or("(no branch)"),
                ci.main_branch
            ),
        };
        return (None, why);
    }
    let (part, key, what) = if context.merged_pr {
        (&ci.merged_pr_bump, "ci.merged-pr-bump", "a merged pull request")
    } else {
        (&ci.push_bump, "ci.push-bump", "a direct push")
    };
    match part {
        Some(part) => (Some(part.clone()), format!("{what} to `{}` bumps `{part}` (`{key}`)", ci.main_branch)),
        None => (None, format!("{what}: `{key}` is empty, no bump")),
    }
}

/// The steps, in order, each with its reason.
pub fn plan_ci(facts: &CiFacts) -> CiPlan {
    let context = &facts.context;
    let mut steps = Vec::new();
    let (_, bump_reason) = bump_part(context, &facts.ci);
    let new_version = facts.bump.as_ref().map_or(facts.version.clone(), |(_, to, _)| to.clone());
    let bump_tag = facts.bump.as_ref().and_then(|(_, _, tag)| tag.clone());
    steps.push(CiStep {
        name: "bump",
        action: match &facts.bump {
            Some((part, to, tag)) => {
                StepAction::Bump { part: part.clone(), from: facts.version.clone(), to: to.clone(), tag: tag.clone() }
            }
            None => StepAction::Skip,
        },
        reason: bump_reason,
    });
    if let Some(data) = &facts.data {
        let push = context.on_main;
        let (action, reason) = match (&data.changed, &data.source_digest) {
            (Some((true, why)), _) => (DataAction::Regenerate, format!("new data: {why}")),
            (changed, Some(digest)) => {
                let why = changed.as_ref().map_or("`data-image.dump` is not set".to_owned(), |(_, w)| w.clone());
                (DataAction::PullAndRetag, format!("no new data ({why}); `{}` exists at {digest}", data.source))
            }
            (changed, None) => {
                let missing = match &data.source_unknown {
                    Some(error) => format!("the registry could not be asked about `{}` ({error})", data.source),
                    None => format!("`{}` is not in the registry", data.source),
                };
                let missing = match changed {
                    Some((_, why)) => format!("no new data ({why}), but {missing}"),
                    None => missing,
                };
                (DataAction::Regenerate, missing)
            }
        };
        let source = (action == DataAction::PullAndRetag).then(|| data.source.clone());
        let push_why = if push { "; pushed (main branch)" } else { "; kept local (not the main branch)" };
        steps.push(CiStep {
            name: "data-image",
            action: StepAction::DataImage { data: action, source, tag: data.tag.clone(), push },
            reason: format!("{reason}{push_why}"),
        });
    }
    steps.push(CiStep {
        name: "test",
        action: StepAction::Test { step: facts.test_step.clone() },
        reason: "every run tests the tester image".into(),
    });
    let not_main = || match context.event {
        CiEvent::PullRequest => "a pull request pushes nothing".to_owned(),
        CiEvent::Push => format!("not the main branch `{}`", facts.ci.main_branch),
    };
    if context.on_main {
        let branch = facts.ci.main_branch.clone();
        steps.push(CiStep {
            name: "push-git",
            reason: match &bump_tag {
                Some(tag) => format!("publish the bump commit and its tag `{tag}` (atomically; no other tag)"),
                None => "no bump: nothing to push".into(),
            },
            action: match &facts.bump {
                Some(_) => StepAction::PushGit { remote: facts.remote.clone(), branch, tag: bump_tag.clone() },
                None => StepAction::Skip,
            },
        });
        steps.push(CiStep {
            name: "push-image",
            action: StepAction::PushImage { step: facts.release_step.clone() },
            reason: format!("the main branch publishes the `{}` image of {new_version}", facts.release_step),
        });
        let (action, reason) = if facts.ci.deploy {
            (
                StepAction::Deploy { environment: facts.environment.clone(), version: new_version.clone() },
                format!("`ci.deploy` deploys the main branch to `deploy.default-environment` `{}`", facts.environment),
            )
        } else {
            (StepAction::Skip, "`ci.deploy = false`".into())
        };
        steps.push(CiStep { name: "deploy", action, reason });
    } else {
        for name in ["push-git", "push-image", "deploy"] {
            steps.push(CiStep { name, action: StepAction::Skip, reason: not_main() });
        }
    }
    CiPlan { context: context.clone(), version: facts.version.clone(), new_version, steps }
}

#[cfg(test)]
mod tests;
