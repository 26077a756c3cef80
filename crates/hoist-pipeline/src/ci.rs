//! The `ci` flow as one plan decided before anything runs, then executed as written.
//!
//! 1. **Which event** ([`detect_context`], pure): flags, then GitHub's variables, then git (the
//!    branch, HEAD's message for a merged pull request).
//! 2. **Anything to do?** ([`nothing_since_tag`], git only): on the main branch, HEAD that is
//!    already the current version's tag (CI's own bump commit, a rerun) means nothing to do.
//! 3. **The plan** ([`plan_ci`]): the bump (with the new file contents), the data image
//!    (regenerate on new data, else retag the previous version's), the tests, and on the main
//!    branch the atomic push of the bump commit and tag, the configured images and the deploy.
//!    Every nested image decision is made for the post-bump tree: the bump's planned contents
//!    overlay the files, so input digests are known before anything is written. What can only
//!    be checked later (the deploy gate, after the pushes) is a step marked `deferred`.
//! 4. **The run** ([`execute_ci`]): walks the steps in order and stops at the first failure;
//!    it decides nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hoist_git::Repo;
use hoist_naming::Naming;
use serde::Serialize;

use crate::data_image::{DataImagePlan, DataImageReport};
use crate::image::{BuildAction, Event, ImageOutcome, ImagePlan, ImageRequest, Made, OwnedEvent};
use crate::input_digest::Overlay;
use crate::test_run::{SuiteOutcome, TestPlan, TestReport};
use crate::{Pipeline, PipelineError, runner};

/// The version of the JSON form of [`CiPlan`] (`docs/plan-schema.md`).
pub const SCHEMA_VERSION: u32 = 1;

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

/// What git says about the checkout, for [`detect_context`].
#[derive(Clone, Debug, Default)]
pub struct GitHead {
    /// The current branch (`None` on a detached HEAD).
    pub branch: Option<String>,
    /// HEAD's commit message.
    pub message: Option<String>,
}

impl GitHead {
    /// Reads the branch and HEAD's message.
    pub fn read(repo: &Repo) -> GitHead {
        let branch = repo.git(&["rev-parse", "--abbrev-ref", "HEAD"]).ok().filter(|b| b != "HEAD");
        let message = repo.git(&["log", "-1", "--format=%B", "HEAD"]).ok();
        GitHead { branch, message }
    }
}

/// Where the knowledge that a push is a merged pull request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MergedFrom {
    /// `--merged-pr`.
    Flag,
    /// The head commit message of GitHub's event payload.
    EventPayload,
    /// HEAD's commit message, from git (any CI).
    HeadMessage,
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
    /// How that was known.
    pub merged_from: Option<MergedFrom>,
    /// Whether this is a push to the main branch: the run that bumps, pushes and deploys.
    pub on_main: bool,
    /// The pull-request number (the `pr-variable`), when set.
    pub pr: Option<String>,
    /// Where the event came from (flags, GitHub's environment, git).
    pub source: String,
}

/// Works out the event: flags first, then GitHub's environment, then git.
///
/// A push is a merged pull request when `--merged-pr` is given, or when the head commit's
/// message (from GitHub's event payload, else from git) starts with `Merge pull request #`
/// (GitHub's merge commit) or its first line ends with `(#N)` (GitHub's squash merge).
pub fn detect_context(
    flags: &CiFlags,
    github: &GithubEnv,
    git: &GitHead,
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
    let git_branch = git.branch.as_deref();
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
                merged_from: None,
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
            let payload = nonempty(&github.head_commit_message).filter(|_| from_github);
            let merged_from = if flags.merged_pr {
                Some(MergedFrom::Flag)
            } else if let Some(message) = payload {
                is_merge_message(&message).then_some(MergedFrom::EventPayload)
            } else if let Some(message) = nonempty(&git.message) {
                is_merge_message(&message).then_some(MergedFrom::HeadMessage)
            } else {
                None
            };
            match merged_from {
                Some(MergedFrom::Flag) => source.push_str(", --merged-pr"),
                Some(MergedFrom::EventPayload) => source.push_str(", head commit message of the event"),
                Some(MergedFrom::HeadMessage) => source.push_str(", HEAD's commit message"),
                None => {}
            }
            let on_main = branch.as_deref() == Some(main_branch);
            Ok(CiContext {
                event,
                branch,
                base: None,
                merged_pr: merged_from.is_some(),
                merged_from,
                on_main,
                pr: pr.map(str::to_owned),
                source,
            })
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

/// How the data changed, or did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DumpChange {
    /// HEAD is the last first-parent commit that touches the dump.
    HeadTouches {
        /// The pathspecs.
        dump: Vec<String>,
    },
    /// No commit touches the dump.
    NeverTouched {
        /// The pathspecs.
        dump: Vec<String>,
    },
    /// The dump last changed in an earlier commit.
    LastChangedIn {
        /// The pathspecs.
        dump: Vec<String>,
        /// The commit (12 digits).
        commit: String,
    },
    /// Commits of the pull request touch the dump.
    InRange {
        /// The pathspecs.
        dump: Vec<String>,
        /// `BASE..HEAD`.
        range: String,
        /// How many commits.
        commits: usize,
    },
    /// No commit of the pull request touches the dump.
    NotInRange {
        /// The pathspecs.
        dump: Vec<String>,
        /// `BASE..HEAD`.
        range: String,
    },
}

impl DumpChange {
    /// Whether new data arrived.
    pub fn is_new(&self) -> bool {
        matches!(self, DumpChange::HeadTouches { .. } | DumpChange::InRange { .. })
    }
}

/// Whether new data arrived: on a push, the last first-parent commit touching any of the
/// `dump` pathspecs is HEAD; on a pull request, some commit in `base..HEAD` touches one. The
/// pathspecs are relative to `project_dir` (the directory of `hoist.toml`, like every path in
/// it), which may lie below the repository's top.
pub fn dump_changed(
    repo: &Repo,
    project_dir: &Path,
    context: &CiContext,
    dump: &[String],
) -> Result<DumpChange, PipelineError> {
    let pathspecs = dump_pathspecs(repo, project_dir, dump);
    let pathspecs: Vec<&str> = pathspecs.iter().map(String::as_str).collect();
    let dump = dump.to_vec();
    match &context.base {
        Some(base) => {
            let range = format!("{base}..HEAD");
            let args = [&["rev-list", range.as_str(), "--"][..], &pathspecs].concat();
            let commits = repo.git(&args)?.lines().count();
            Ok(if commits > 0 {
                DumpChange::InRange { dump, range, commits }
            } else {
                DumpChange::NotInRange { dump, range }
            })
        }
        None => {
            let head = repo.head()?;
            let args = [&["log", "--first-parent", "--format=%H", "-1", "--"][..], &pathspecs].concat();
            let last = repo.git(&args)?;
            Ok(if last.is_empty() {
                DumpChange::NeverTouched { dump }
            } else if last == head.as_str() {
                DumpChange::HeadTouches { dump }
            } else {
                DumpChange::LastChangedIn { dump, commit: last[..last.len().min(12)].to_owned() }
            })
        }
    }
}

/// The `dump` pathspecs as git reads them from the repository's top, where `Repo` runs it
/// (`project_dir`, the directory of `hoist.toml`, may lie below it).
fn dump_pathspecs(repo: &Repo, project_dir: &Path, dump: &[String]) -> Vec<String> {
    let top = std::fs::canonicalize(repo.root()).unwrap_or_else(|_| repo.root().to_owned());
    let project = std::fs::canonicalize(project_dir).unwrap_or_else(|_| project_dir.to_owned());
    let prefix: String = match project.strip_prefix(&top) {
        Ok(below) => below.components().map(|c| format!("{}/", c.as_os_str().to_string_lossy())).collect(),
        Err(_) => String::new(),
    };
    dump.iter().map(|d| format!(":(glob){prefix}{d}")).collect()
}

/// The label of a data image that records the data it was made from: [`dump_digest`].
pub const LABEL_DATA: &str = "dev.hoist.data";

/// What the data is: `sha256:…` over the git blobs (mode, object id, path) of the files the
/// `dump` pathspecs match, as checked out (`git ls-files -s`; a run refuses a dirty tree). Two
/// checkouts with the same dump files have the same digest, whatever their commits.
pub fn dump_digest(repo: &Repo, project_dir: &Path, dump: &[String]) -> Result<String, PipelineError> {
    let pathspecs = dump_pathspecs(repo, project_dir, dump);
    let pathspecs: Vec<&str> = pathspecs.iter().map(String::as_str).collect();
    let listing = repo.git(&[&["ls-files", "-s", "--"][..], &pathspecs].concat())?;
    Ok(crate::input_digest::sha256(listing.as_bytes()))
}

/// Where the current version's tag was found on HEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagFound {
    /// In the local repository.
    Local,
    /// On the remote (a shallow checkout without tags).
    Remote,
}

/// `Some` when HEAD is the commit of `tag` (the current version's tag): no commit came after
/// the latest version, so a run on the main branch has nothing to do. Asks git only: the local
/// tag, else the remote's (`ls-remote`), when `remote` is configured.
pub fn nothing_since_tag(repo: &Repo, tag: &str, remote: Option<&str>) -> Result<Option<TagFound>, PipelineError> {
    let head = repo.head()?;
    if repo.resolve_commit(&format!("refs/tags/{tag}"))?.as_ref() == Some(&head) {
        return Ok(Some(TagFound::Local));
    }
    if let Some(remote) = remote
        && repo.remotes()?.iter().any(|r| r == remote)
        && let Ok(tags) = repo.remote_tags(remote, &[tag])
        && tags.commit(tag) == Some(&head)
    {
        return Ok(Some(TagFound::Remote));
    }
    Ok(None)
}

/// Why a step does what it does, or does nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CiReason {
    /// HEAD is the current version's tag: nothing came since.
    NothingSinceTag {
        /// The tag.
        tag: String,
        /// Where it was found.
        found: TagFound,
    },
    /// A pull request never bumps.
    PullRequestNeverBumps,
    /// A push to another branch than the main one.
    NotMainBranch {
        /// The branch.
        branch: Option<String>,
        /// The main branch.
        main: String,
    },
    /// The configured bump for the event.
    Bump {
        /// How a merged pull request was known; `None`: a direct push.
        merged: Option<MergedFrom>,
        /// The part.
        part: String,
        /// The key that says so.
        key: String,
        /// The main branch.
        main: String,
    },
    /// The key for the event is empty.
    NoBumpConfigured {
        /// Whether the push is a merged pull request.
        merged: bool,
        /// The key.
        key: String,
    },
    /// The data image is regenerated: new data.
    NewData {
        /// What git says.
        change: DumpChange,
        /// Why it is pushed or kept.
        push: DataPush,
    },
    /// The data image is regenerated on every run (`data-image.regenerate = "always"`).
    AlwaysRegenerate {
        /// Why it is pushed or kept.
        push: DataPush,
    },
    /// No new data and the previous version's data image exists: it is retagged.
    ReuseData {
        /// What git says (`None`: `data-image.dump` is not set).
        change: Option<DumpChange>,
        /// The previous version's data image.
        source: String,
        /// Its registry digest.
        digest: String,
        /// Why it is pushed or kept.
        push: DataPush,
    },
    /// New data in a pull request, and its own data image (`ci.push-pr-data = true`), pushed by
    /// an earlier run from the same dump files, is in the registry: reused.
    ReusePullRequestData {
        /// What git says.
        change: DumpChange,
        /// The pull request's data image.
        image: String,
        /// Its registry digest.
        digest: String,
    },
    /// No new data, but the previous version's data image is missing (or unknown): regenerated.
    MissingData {
        /// What git says.
        change: Option<DumpChange>,
        /// The previous version's data image.
        source: String,
        /// Why the registry could not be asked, when it could not.
        unknown: Option<String>,
        /// Why it is pushed or kept.
        push: DataPush,
    },
    /// `ci.test = false`: nothing is tested.
    TestsOff,
    /// Every run tests.
    EveryRunTests {
        /// The tester step.
        step: String,
    },
    /// The bump commit and its tag are published.
    PublishBump {
        /// The tag.
        tag: Option<String>,
    },
    /// No bump: nothing to push to git.
    NoBumpNothingToPush,
    /// A configured image of the main branch.
    Publish {
        /// The step.
        step: String,
        /// The version.
        version: String,
    },
    /// A pull request pushes nothing but what it regenerated.
    PullRequestPushesNothing,
    /// Another branch pushes nothing.
    NotMainPushesNothing {
        /// The main branch.
        main: String,
    },
    /// The main branch deploys.
    DeployMain {
        /// The environment.
        environment: String,
    },
    /// `ci.deploy = false`.
    DeployOff,
}

/// What forbids a run; each says what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CiProblem {
    /// A bump on a tree with uncommitted changes.
    Dirty {
        /// The changed files.
        files: Vec<String>,
    },
    /// No git remote to push the bump commit, its tag and the deploy tags to.
    NoRemote {
        /// The remote `deploy.remote` names.
        remote: String,
    },
    /// The deploy needs an image the run does not push and the registry lacks.
    DeployImageMissing {
        /// The environment.
        environment: String,
        /// The image reference.
        image: String,
    },
    /// The configuration names a service, stage or part the project does not have.
    Config {
        /// What is wrong.
        problem: crate::check::ConfigProblem,
    },
    /// The deploy needs an image the run does not push, and the registry could not be asked.
    DeployImageUnknown {
        /// The environment.
        environment: String,
        /// The image reference.
        image: String,
        /// Why.
        why: String,
    },
}

/// Why a data image is pushed, or kept local.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataPush {
    /// The main branch pushes it.
    MainBranch,
    /// A pull request pushes the data it brought, under its own name: `ci.push-pr-data = true`.
    PullRequestData,
    /// A pull request keeps the data it brought local (`ci.push-pr-data`, off by default).
    PullRequestKept,
    /// Kept local.
    Kept,
}

/// The bump `ci` will make, planned by the version engine (with every file's new content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BumpStep {
    /// The part.
    pub part: String,
    /// The version before.
    pub from: String,
    /// The version after.
    pub to: String,
    /// The tag the bump makes.
    pub tag: Option<String>,
    /// The files it rewrites.
    pub files: Vec<String>,
    /// The version engine's plan, executed as it is.
    #[serde(skip)]
    pub plan: Box<hoist_version::Plan>,
    /// The directory the bump was planned in (its commit's paths are relative to it).
    #[serde(skip)]
    pub cwd: PathBuf,
}

/// The previous version's data image, given the new version's tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetagStep {
    /// The previous version's image.
    pub source: String,
    /// Its registry digest.
    pub digest: String,
    /// The new tag.
    pub tag: String,
    /// Whether the new tag is pushed.
    pub push: bool,
    /// How: `true`, the manifest is copied under the new tag inside the registry (nothing is
    /// pulled, the digest stays); `false`, the image is pulled and tagged here.
    pub in_registry: bool,
}

/// The atomic push of the bump commit and its tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushGitStep {
    /// The remote.
    pub remote: String,
    /// The branch HEAD is pushed to.
    pub branch: String,
    /// The tag pushed with it.
    pub tag: Option<String>,
}

/// The deploy at the end of the run; its gate can only run after the pushes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployStep {
    /// The environment.
    pub environment: String,
    /// The bare version deployed.
    pub version: String,
    /// The images the gate will find in the registry (each pushed by this run or there now).
    pub images: Vec<String>,
    /// Always true: the gate checks the registry and the version tag when the step runs.
    pub deferred: bool,
}

/// What one step does; in JSON `{"kind": "push-image", "plan": {…}}` (`{"kind": "skip"}`).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", content = "plan", rename_all = "kebab-case")]
pub enum StepAction {
    /// Bump the version: files, commit, tag (local until pushed).
    Bump(BumpStep),
    /// Regenerate the data image.
    RegenerateData(Box<DataImagePlan>),
    /// Give the previous version's data image the new tag.
    RetagData(RetagStep),
    /// Have the tester image and run the suites.
    Test(Box<TestPlan>),
    /// `git push --atomic REMOTE HEAD:BRANCH TAG`.
    PushGit(PushGitStep),
    /// Have a step's image and push it.
    PushImage(Box<ImagePlan>),
    /// Move the deploy tags.
    Deploy(DeployStep),
    /// Nothing.
    Skip,
}

/// One step of the plan.
#[derive(Clone, Debug, Serialize)]
pub struct CiStep {
    /// The step's name (`bump`, `data-image`, `test`, `push-git`, `push-STEP`, `deploy`).
    pub name: String,
    /// What it does.
    pub action: StepAction,
    /// Why.
    pub reason: CiReason,
    /// The steps that must have succeeded before this one starts; steps that do not need each
    /// other run at the same time.
    pub needs: Vec<String>,
}

/// The whole run, decided before anything runs.
#[derive(Clone, Debug, Serialize)]
pub struct CiPlan {
    /// The version of this JSON form.
    pub schema_version: u32,
    /// The event.
    pub context: CiContext,
    /// The version before the run.
    pub version: String,
    /// The version the images are named for (after the bump).
    pub new_version: String,
    /// Set when there is nothing to do; then there are no steps.
    pub nothing_to_do: Option<CiReason>,
    /// Uncommitted changes in the working tree (`git status --porcelain`).
    pub dirty: Vec<String>,
    /// What forbids the run, each with its fix; a real run refuses while any remain.
    pub problems: Vec<CiProblem>,
    /// The steps, in order: each starts once the steps it `needs` succeeded, at most `jobs` at
    /// once; the first failure stops the others (they tear down what they started).
    pub steps: Vec<CiStep>,
    /// How many steps may run at the same time.
    pub jobs: usize,
}

impl CiPlan {
    /// The primary image references the run pushes (data image included), in order.
    pub fn pushed_images(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|s| match &s.action {
                StepAction::PushImage(plan) => Some(plan.reference()),
                StepAction::RegenerateData(plan) if plan.push => Some(plan.tag.as_str()),
                StepAction::RetagData(retag) if retag.push => Some(retag.tag.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether the plan regenerates the data image.
    pub fn regenerates_data(&self) -> bool {
        self.steps.iter().any(|s| matches!(s.action, StepAction::RegenerateData(_)))
    }
}

/// The part to bump for `context`, if any, and why.
pub fn bump_part(context: &CiContext, ci: &hoist_config::Ci) -> (Option<String>, CiReason) {
    if !context.on_main {
        let why = match context.event {
            CiEvent::PullRequest => CiReason::PullRequestNeverBumps,
            CiEvent::Push => CiReason::NotMainBranch { branch: context.branch.clone(), main: ci.main_branch.clone() },
        };
        return (None, why);
    }
    let (part, key) =
        if context.merged_pr { (&ci.merged_pr_bump, "ci.merged-pr-bump") } else { (&ci.push_bump, "ci.push-bump") };
    match part {
        Some(part) => (
            Some(part.clone()),
            CiReason::Bump {
                merged: context.merged_from,
                part: part.clone(),
                key: key.to_owned(),
                main: ci.main_branch.clone(),
            },
        ),
        None => (None, CiReason::NoBumpConfigured { merged: context.merged_pr, key: key.to_owned() }),
    }
}

/// What the data step will do, given what git and the registry said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataDecision {
    /// Regenerate.
    Regenerate,
    /// Retag `source` (at `digest`).
    Reuse {
        /// The previous version's image.
        source: String,
        /// Its digest.
        digest: String,
    },
}

/// The data step's decision and reason: new data regenerates; otherwise the previous version's
/// image is reused when the registry has it, else regenerated. The main branch pushes in every
/// case; a pull request pushes only new data, under its own number, and only with
/// `ci.push-pr-data = true`; nothing else is pushed.
pub fn decide_data(
    context: &CiContext,
    always: bool,
    push_pr_data: bool,
    change: Option<DumpChange>,
    source: &str,
    source_digest: Result<Option<String>, String>,
    own: Option<(String, String)>,
) -> (DataDecision, bool, CiReason) {
    let new = change.as_ref().is_some_and(DumpChange::is_new);
    // A pull request's own data image (`own`: its tag and digest), pushed by an earlier run
    // from the same dump files, is reused rather than regenerated.
    let pull_request = !context.on_main && context.event == CiEvent::PullRequest && context.pr.is_some();
    if let (false, true, true, Some(change), Some((image, digest))) =
        (always, new, pull_request && push_pr_data, &change, own)
    {
        let reason =
            CiReason::ReusePullRequestData { change: change.clone(), image: image.clone(), digest: digest.clone() };
        return (DataDecision::Reuse { source: image, digest }, false, reason);
    }
    if always || new {
        // A pull request pushes the data it brought, under its own number only: without one,
        // its image would carry main's name.
        let push = if context.on_main {
            DataPush::MainBranch
        } else if context.event == CiEvent::PullRequest && context.pr.is_some() && !push_pr_data {
            DataPush::PullRequestKept
        } else if context.event == CiEvent::PullRequest && context.pr.is_some() {
            DataPush::PullRequestData
        } else {
            DataPush::Kept
        };
        let reason = match change {
            Some(change) if new => CiReason::NewData { change, push },
            _ => CiReason::AlwaysRegenerate { push },
        };
        return (DataDecision::Regenerate, matches!(push, DataPush::MainBranch | DataPush::PullRequestData), reason);
    }
    match source_digest {
        Ok(Some(digest)) => {
            let push = if context.on_main { DataPush::MainBranch } else { DataPush::Kept };
            let reason = CiReason::ReuseData { change, source: source.to_owned(), digest: digest.clone(), push };
            (DataDecision::Reuse { source: source.to_owned(), digest }, context.on_main, reason)
        }
        missing => {
            let push = if context.on_main { DataPush::MainBranch } else { DataPush::Kept };
            let reason = CiReason::MissingData { change, source: source.to_owned(), unknown: missing.err(), push };
            (DataDecision::Regenerate, push != DataPush::Kept, reason)
        }
    }
}

/// A planned bump and where it was planned.
pub struct PlannedBump {
    /// The version engine's plan.
    pub plan: hoist_version::Plan,
    /// The directory it was planned in.
    pub cwd: PathBuf,
}

/// What the caller knows before planning.
pub struct CiInputs<'a> {
    /// The event.
    pub context: CiContext,
    /// The naming rules before the bump (with the pull-request number and cache registry).
    pub naming: &'a Naming,
    /// The bare current version.
    pub version: String,
    /// Plans the bump of a part (the version engine, with its dirty check left to `ci`).
    pub plan_bump: &'a mut dyn FnMut(&str) -> Result<PlannedBump, PipelineError>,
    /// `--allow-dirty`: a bump on a tree with uncommitted changes is allowed.
    pub allow_dirty: bool,
    /// Whether the registry cache is written when pushing (false with `NO_CACHE_TO`).
    pub write_cache: bool,
    /// The version configuration's parts, for the configuration check (`None`: unread).
    pub parts: Option<Vec<String>>,
    /// How many steps may run at the same time (at least 1).
    pub jobs: usize,
}

/// Plans the whole run: git first (the rerun check costs no engine or registry call), then the
/// bump with its new file contents, then every image decision for the post-bump tree, then
/// which step needs which.
pub fn plan_ci(p: &Pipeline<'_>, repo: &Repo, inputs: CiInputs<'_>) -> Result<CiPlan, PipelineError> {
    let jobs = inputs.jobs.clamp(1, runner::SLOTS);
    let mut plan = plan_steps(p, repo, inputs)?;
    link(&mut plan.steps);
    plan.jobs = jobs;
    Ok(plan)
}

/// What each step needs: the data image and the tests need the bump (their images are named
/// for the new version) and not each other; the pushes need everything that prepares them
/// (tests passed, images made); the deploy needs the pushes. A skipped step needs nothing.
fn link(steps: &mut [CiStep]) {
    let named = |steps: &[CiStep], pick: fn(&StepAction) -> bool| -> Vec<String> {
        steps.iter().filter(|s| pick(&s.action)).map(|s| s.name.clone()).collect()
    };
    let bump = named(steps, |a| matches!(a, StepAction::Bump(_)));
    let prepare = named(steps, |a| {
        matches!(
            a,
            StepAction::Bump(_) | StepAction::RegenerateData(_) | StepAction::RetagData(_) | StepAction::Test(_)
        )
    });
    let publish = named(steps, |a| matches!(a, StepAction::PushGit(_) | StepAction::PushImage(_)));
    for step in steps.iter_mut() {
        step.needs = match step.action {
            StepAction::Skip | StepAction::Bump(_) => Vec::new(),
            StepAction::RegenerateData(_) | StepAction::RetagData(_) | StepAction::Test(_) => bump.clone(),
            StepAction::PushGit(_) | StepAction::PushImage(_) => prepare.clone(),
            StepAction::Deploy(_) => publish.clone(),
        };
    }
}

fn plan_steps(p: &Pipeline<'_>, repo: &Repo, inputs: CiInputs<'_>) -> Result<CiPlan, PipelineError> {
    let config = p.config;
    let CiInputs { context, naming, version, plan_bump, allow_dirty, write_cache, parts, jobs: _ } = inputs;
    let mut plan = CiPlan {
        schema_version: SCHEMA_VERSION,
        context: context.clone(),
        version: version.clone(),
        new_version: version.clone(),
        nothing_to_do: None,
        dirty: Vec::new(),
        problems: Vec::new(),
        steps: Vec::new(),
        jobs: 1,
    };
    let remote = &config.deploy.remote;
    if context.on_main {
        let tag = config.deploy.version_tag_for(&version);
        if let Some(found) = nothing_since_tag(repo, &tag, Some(remote))? {
            plan.nothing_to_do = Some(CiReason::NothingSinceTag { tag, found });
            return Ok(plan);
        }
    }

    // The configuration against the project, before any step is planned on it: a mistake is
    // a problem of the plan, not a failure halfway through the run.
    let mistakes = crate::check::check_config(config, parts.as_deref());
    if !mistakes.is_empty() {
        plan.problems.extend(mistakes.into_iter().map(|problem| CiProblem::Config { problem }));
        return Ok(plan);
    }

    // Past the rerun check: compose (a program to ask) is needed for the test and data plans.
    let sh = xshell::Shell::new()
        .map_err(|e| PipelineError::Spawn { command: "docker compose version".into(), message: e.to_string() })?;
    let compose = hoist_compose::Compose::detect(&sh)?;

    // The bump, with every file's new content: the overlay the image decisions see.
    let (part, bump_reason) = bump_part(&context, &config.ci);
    let bump = match &part {
        Some(part) => Some(plan_bump(part)?),
        None => None,
    };
    if bump.is_some() {
        plan.dirty = repo
            .git(&["status", "--porcelain", "--untracked-files=no"])?
            .lines()
            .map(|l| l.get(3..).unwrap_or(l).to_owned())
            .collect();
        if !plan.dirty.is_empty() && !allow_dirty {
            plan.problems.push(CiProblem::Dirty { files: plan.dirty.clone() });
        }
    }
    let overlay = match &bump {
        Some(bump) => Overlay::new(bump.plan.edits.iter().map(|e| (e.path.clone(), e.after.clone()))),
        None => Overlay::default(),
    };
    let new_version = bump.as_ref().map_or(version.clone(), |b| b.plan.new_version.clone());
    plan.new_version = new_version.clone();
    let new_naming = naming.with_version(&new_version)?;
    let bump_tag = bump.as_ref().and_then(|b| b.plan.tag.as_ref().map(|t| t.name.clone()));
    plan.steps.push(CiStep {
        name: "bump".into(),
        action: match bump {
            Some(bump) => StepAction::Bump(BumpStep {
                part: part.clone().unwrap_or_default(),
                from: version.clone(),
                to: new_version.clone(),
                tag: bump_tag.clone(),
                files: bump.plan.edits.iter().map(|e| e.name.clone()).collect(),
                plan: Box::new(bump.plan),
                cwd: bump.cwd,
            }),
            None => StepAction::Skip,
        },
        reason: bump_reason,
        needs: Vec::new(),
    });

    let mut made = Made::new();
    let request = |step: &str, push: bool, made: &Made| -> Result<ImagePlan, PipelineError> {
        let mut request = ImageRequest::local(step, &new_naming);
        request.push = push;
        request.write_cache = write_cache;
        request.overlay = &overlay;
        request.made = made;
        crate::image::plan_image(p, &request)
    };
    let remember = |made: &mut Made, by: &str, image: &ImagePlan| {
        if matches!(image.action, BuildAction::Build | BuildAction::Pull) {
            made.insert(image.reference().to_owned(), (by.to_owned(), image.inputs.digest.clone()));
        }
    };

    // The data image.
    let data = &config.data_image;
    if !data.steps.is_empty() {
        crate::check_stage(config, &data.image_step, "data-image.image-step")?;
        crate::check_stage(config, &data.stage, "data-image.stage")?;
        let always = data.regenerate == hoist_config::Regenerate::Always;
        let change = match data.dump.as_slice() {
            [] => None,
            _ if always => None,
            dump => Some(dump_changed(repo, config.root(), &context, dump)?),
        };
        let source = format!("{}:{}{version}-{}", naming.registry(), config.version_prefix, data.suffix);
        let tag = format!("{}-{}", new_naming.tag(), data.suffix);
        let new = change.as_ref().is_some_and(DumpChange::is_new);
        let source_digest = if always || new {
            Ok(None)
        } else {
            p.remote(&source).map(|image| image.and_then(|i| i.digest).map(|d| d.as_str().to_owned()))
        };
        // What the data is, recorded on the image; a pull request that pushes its data image
        // looks for its own from an earlier run with the same data.
        let data_digest = match data.dump.as_slice() {
            [] => None,
            dump => Some(dump_digest(repo, config.root(), dump)?),
        };
        let pull_request = !context.on_main && context.event == CiEvent::PullRequest && context.pr.is_some();
        let own = match &data_digest {
            Some(digest) if new && !always && pull_request && config.ci.push_pr_data => match p.remote(&tag) {
                Ok(Some(image)) if image.labels.get(LABEL_DATA) == Some(digest) => {
                    image.digest.map(|d| (tag.clone(), d.as_str().to_owned()))
                }
                _ => None,
            },
            _ => None,
        };
        let (decision, push, reason) =
            decide_data(&context, always, config.ci.push_pr_data, change, &source, source_digest, own);
        let action = match decision {
            DataDecision::Regenerate => {
                let loader = request(&data.image_step, false, &made)?;
                remember(&mut made, "data-image", &loader);
                let env = p.compose_env(&new_naming, loader.reference())?;
                // The compose files are read as the bump leaves them.
                let mut plan = crate::data_image::plan_data_image(config, compose, loader, env, tag, push, &overlay)?;
                plan.data = data_digest;
                StepAction::RegenerateData(Box::new(plan))
            }
            // Pushed: copied inside the registry, no pull. Kept local: pulled and tagged here.
            DataDecision::Reuse { source, digest } => {
                StepAction::RetagData(RetagStep { source, digest, tag, push, in_registry: push })
            }
        };
        plan.steps.push(CiStep { name: "data-image".into(), action, reason, needs: Vec::new() });
    }

    // The tests, unless the configuration leaves them out.
    if config.ci.test {
        let test_step = &config.test.step;
        crate::check_stage(config, test_step, "test.step")?;
        let tester = request(test_step, false, &made)?;
        remember(&mut made, "test", &tester);
        let env = p.compose_env(&new_naming, tester.reference())?;
        let test = crate::test_run::plan_test(config, compose, tester, env, false, &overlay)?;
        plan.steps.push(CiStep {
            name: "test".into(),
            action: StepAction::Test(Box::new(test)),
            reason: CiReason::EveryRunTests { step: test_step.clone() },
            needs: Vec::new(),
        });
    } else {
        plan.steps.push(CiStep {
            name: "test".into(),
            action: StepAction::Skip,
            reason: CiReason::TestsOff,
            needs: Vec::new(),
        });
    }

    if !context.on_main {
        let reason = match context.event {
            CiEvent::PullRequest => CiReason::PullRequestPushesNothing,
            CiEvent::Push => CiReason::NotMainPushesNothing { main: config.ci.main_branch.clone() },
        };
        for name in ["push-git", "push-images", "deploy"] {
            plan.steps.push(CiStep {
                name: name.into(),
                action: StepAction::Skip,
                reason: reason.clone(),
                needs: Vec::new(),
            });
        }
        return Ok(plan);
    }

    // The main branch: git, the configured images, the deploy.
    let has_remote = repo.remotes()?.iter().any(|r| r == remote);
    let (action, reason) = match &bump_tag {
        Some(tag) => (
            StepAction::PushGit(PushGitStep {
                remote: remote.clone(),
                branch: config.ci.main_branch.clone(),
                tag: Some(tag.clone()),
            }),
            CiReason::PublishBump { tag: Some(tag.clone()) },
        ),
        None if !matches!(plan.steps[0].action, StepAction::Skip) => (
            StepAction::PushGit(PushGitStep {
                remote: remote.clone(),
                branch: config.ci.main_branch.clone(),
                tag: None,
            }),
            CiReason::PublishBump { tag: None },
        ),
        None => (StepAction::Skip, CiReason::NoBumpNothingToPush),
    };
    let pushes_git = !matches!(action, StepAction::Skip);
    if !has_remote && (pushes_git || config.ci.deploy) {
        plan.problems.push(CiProblem::NoRemote { remote: remote.clone() });
    }
    plan.steps.push(CiStep { name: "push-git".into(), action, reason, needs: Vec::new() });
    for step in &config.ci.publish {
        crate::check_stage(config, step, "ci.publish")?;
        let image = request(step, true, &made)?;
        plan.steps.push(CiStep {
            name: format!("push-{step}"),
            action: StepAction::PushImage(Box::new(image)),
            reason: CiReason::Publish { step: step.clone(), version: new_version.clone() },
            needs: Vec::new(),
        });
    }
    if config.ci.deploy {
        let environment = config.deploy.default_environment.clone();
        let images = hoist_deploy::image_references(config, &environment, &new_version)?;
        let pushed = plan.pushed_images().into_iter().map(str::to_owned).collect::<Vec<_>>();
        for image in &images {
            if pushed.contains(image) {
                continue;
            }
            match p.remote(image) {
                Ok(Some(_)) => {}
                Ok(None) => plan
                    .problems
                    .push(CiProblem::DeployImageMissing { environment: environment.clone(), image: image.clone() }),
                Err(why) => plan.problems.push(CiProblem::DeployImageUnknown {
                    environment: environment.clone(),
                    image: image.clone(),
                    why,
                }),
            }
        }
        plan.steps.push(CiStep {
            name: "deploy".into(),
            action: StepAction::Deploy(DeployStep {
                environment: environment.clone(),
                version: new_version,
                images,
                deferred: true,
            }),
            reason: CiReason::DeployMain { environment },
            needs: Vec::new(),
        });
    } else {
        plan.steps.push(CiStep {
            name: "deploy".into(),
            action: StepAction::Skip,
            reason: CiReason::DeployOff,
            needs: Vec::new(),
        });
    }
    Ok(plan)
}

/// What a step did; in JSON `{"kind": "image", "report": {…}}` (`{"kind": "skipped"}`).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", content = "report", rename_all = "kebab-case")]
pub enum StepResult {
    /// Nothing to do.
    Skipped,
    /// The bump was made (locally).
    Bumped {
        /// The version before.
        from: String,
        /// The version after.
        to: String,
    },
    /// The data image was regenerated.
    Regenerated(Box<DataImageReport>),
    /// The previous data image got the new tag.
    Retagged {
        /// The previous image.
        source: String,
        /// The new tag.
        tag: String,
        /// The registry digest, when pushed.
        digest: Option<String>,
        /// Whether the tag was copied inside the registry (no pull).
        in_registry: bool,
    },
    /// The suites ran.
    Tested(Box<TestReport>),
    /// The bump commit and its tag were pushed.
    PushedGit(PushGitStep),
    /// An image was had and pushed.
    Image(Box<ImageOutcome>),
    /// The deploy tags moved (or already named the version).
    Deployed(Box<hoist_deploy::Plan>),
}

/// One step's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Done {
    /// The step.
    pub step: String,
    /// What it did.
    pub result: StepResult,
}

/// Runs the plan: each step starts once the steps it needs succeeded, at most `plan.jobs` at
/// once, each on a thread of its own; the executor decides nothing else. The first failure
/// stops the steps still running (their children get SIGTERM, they tear down what they
/// started) and starts no other; it is the error returned, named by its step. `done` gets the
/// steps that succeeded, in the plan's order. A plan with problems runs nothing.
pub fn execute_ci(
    p: &Pipeline<'_>,
    plan: &CiPlan,
    done: &mut Vec<Done>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(), PipelineError> {
    if !plan.problems.is_empty() {
        return Err(PipelineError::Blocked { problems: plan.problems.iter().map(ToString::to_string).collect() });
    }
    runner::install_interrupt_handler();
    runner::clear_stop();
    let steps = &plan.steps;
    let index = |name: &str| steps.iter().position(|s| s.name == name);
    let mut results: Vec<Option<StepResult>> = steps.iter().map(|_| None).collect();
    let mut started = vec![false; steps.len()];
    let mut first: Option<PipelineError> = None;
    // Only this thread draws: the steps' threads send their events, and the lines of the
    // commands they start, down the same channel as their results, so each step's events
    // arrive in the order it had them.
    enum Message {
        Event(usize, OwnedEvent),
        Done(usize, Result<StepResult, PipelineError>),
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<Message>();
        let mut running = 0;
        loop {
            while first.is_none() && running < plan.jobs.max(1) {
                let ready = (0..steps.len()).find(|&i| {
                    !started[i] && steps[i].needs.iter().all(|n| index(n).is_none_or(|d| results[d].is_some()))
                });
                let Some(i) = ready else { break };
                started[i] = true;
                let step = &steps[i];
                if matches!(step.action, StepAction::Skip) {
                    results[i] = Some(StepResult::Skipped);
                    continue;
                }
                running += 1;
                let tx = tx.clone();
                scope.spawn(move || {
                    let lines = tx.clone();
                    let sink: runner::LineSink = std::sync::Arc::new(move |line| {
                        let _ = lines.send(Message::Event(i, OwnedEvent::Output(line)));
                    });
                    let mut emit = |event: Event<'_>| {
                        let _ = tx.send(Message::Event(i, OwnedEvent::new(&event)));
                    };
                    emit(Event::Note(&step.reason.to_string()));
                    let run =
                        std::panic::AssertUnwindSafe(|| runner::with_lines(sink, || run_step(p, step, &mut emit)));
                    let result = std::panic::catch_unwind(run)
                        .unwrap_or_else(|_| Err(PipelineError::Panicked { step: step.name.clone() }))
                        .and_then(|r| runner::check_interrupted().map(|()| r));
                    let _ = tx.send(Message::Done(i, result));
                });
            }
            if running == 0 {
                break;
            }
            let (i, result) = match rx.recv() {
                Ok(Message::Event(i, event)) => {
                    on_event(Event::Step { step: &steps[i].name, event: &event.as_event() });
                    continue;
                }
                Ok(Message::Done(i, result)) => (i, result),
                Err(_) => break,
            };
            running -= 1;
            match result {
                Ok(result) => results[i] = Some(result),
                // The first failure is the run's; the others are what stopping them did.
                Err(error) if first.is_none() => {
                    runner::stop_others();
                    first = Some(match error {
                        PipelineError::Interrupted { signal } => PipelineError::Interrupted { signal },
                        other => PipelineError::CiStep { step: steps[i].name.clone(), source: Box::new(other) },
                    });
                }
                Err(_) => {}
            }
        }
    });
    runner::clear_stop();
    for (step, result) in steps.iter().zip(results) {
        if let Some(result) = result {
            done.push(Done { step: step.name.clone(), result });
        }
    }
    match first {
        Some(error) => Err(error),
        None => runner::check_interrupted(),
    }
}

fn run_step(p: &Pipeline<'_>, step: &CiStep, on_event: &mut dyn FnMut(Event<'_>)) -> Result<StepResult, PipelineError> {
    // Each step opens the repository itself: steps run on threads of their own.
    let repo = || Repo::open(p.config.root()).map_err(PipelineError::from);
    match &step.action {
        StepAction::Skip => Ok(StepResult::Skipped),
        StepAction::Bump(bump) => {
            let sh = xshell::Shell::new()
                .map_err(|e| PipelineError::Spawn { command: "git".into(), message: e.to_string() })?;
            sh.change_dir(&bump.cwd);
            hoist_version::bump::execute(&sh, &bump.plan)?;
            Ok(StepResult::Bumped { from: bump.from.clone(), to: bump.to.clone() })
        }
        StepAction::RegenerateData(data) => {
            Ok(StepResult::Regenerated(Box::new(crate::data_image::regenerate_data_image(p, data, on_event)?)))
        }
        StepAction::RetagData(retag) if retag.in_registry => {
            let digest = p.registry.retag(&retag.source, &retag.tag)?;
            Ok(StepResult::Retagged {
                source: retag.source.clone(),
                tag: retag.tag.clone(),
                digest: Some(digest.as_str().to_owned()),
                in_registry: true,
            })
        }
        StepAction::RetagData(retag) => {
            let engine = p.engine()?;
            engine.pull(&retag.source, &mut |e| on_event(Event::Transfer(&e)))?;
            // A pull request's own data image is pulled under the name it has.
            if retag.source != retag.tag {
                engine.tag(&retag.source, &retag.tag)?;
            }
            let digest = if retag.push {
                Some(engine.push(&retag.tag, &mut |e| on_event(Event::Transfer(&e)))?.as_str().to_owned())
            } else {
                None
            };
            Ok(StepResult::Retagged {
                source: retag.source.clone(),
                tag: retag.tag.clone(),
                digest,
                in_registry: false,
            })
        }
        StepAction::Test(test) => {
            let report = crate::test_run::run_tests(p, test, on_event)?;
            if report.exit_code != 0 {
                return Err(PipelineError::TestsFailed {
                    code: report.exit_code,
                    suites: report.suites.iter().map(suite_line).collect(),
                });
            }
            Ok(StepResult::Tested(Box::new(report)))
        }
        StepAction::PushGit(push) => {
            let head = format!("HEAD:refs/heads/{}", push.branch);
            let mut args = vec!["push", "--atomic", push.remote.as_str(), head.as_str()];
            let tag_ref = push.tag.as_ref().map(|t| format!("refs/tags/{t}"));
            if let Some(tag_ref) = &tag_ref {
                args.push(tag_ref);
            }
            repo()?.git(&args)?;
            Ok(StepResult::PushedGit(push.clone()))
        }
        StepAction::PushImage(image) => {
            Ok(StepResult::Image(Box::new(crate::image::execute_image(p, image, on_event)?)))
        }
        StepAction::Deploy(deploy) => {
            let registry = p.registry;
            let mut lookup = |reference: &str| {
                registry.exists(reference).map(|d| d.map(|d| d.as_str().to_owned())).map_err(|e| e.to_string())
            };
            let repo = repo()?;
            let gate = hoist_deploy::plan_deploy(&repo, p.config, &deploy.environment, &deploy.version, &mut lookup)?;
            if !gate.problems.is_empty() {
                return Err(PipelineError::Blocked { problems: gate.problems });
            }
            hoist_deploy::execute(&repo, &gate)?;
            Ok(StepResult::Deployed(Box::new(gate)))
        }
    }
}

/// One suite's result in a line (`passed  code`, `failed  code (exit code 3)`).
pub fn suite_line(suite: &crate::test_run::SuiteResult) -> String {
    let counted = if suite.reported_only { " (reported only)" } else { "" };
    match (suite.outcome, suite.code) {
        (SuiteOutcome::Passed, _) => format!("passed  {}{counted}", suite.name),
        (SuiteOutcome::Failed, Some(code)) => format!("failed  {} (exit code {code}){counted}", suite.name),
        _ => format!("not run {}{counted}", suite.name),
    }
}

/// The outputs a run gives GitHub (`GITHUB_OUTPUT`): version, tag, data image, pushed images.
pub fn outputs(plan: &CiPlan, naming: &Naming, prefix: &str) -> Result<Vec<(&'static str, String)>, PipelineError> {
    let new = naming.with_version(&plan.new_version)?;
    let images: BTreeMap<&str, ()> = plan.pushed_images().into_iter().map(|i| (i, ())).collect();
    Ok(vec![
        ("version", format!("{prefix}{}", plan.new_version)),
        ("tag", new.tag()),
        ("data-image-rebuilt", plan.regenerates_data().to_string()),
        ("images", images.keys().copied().collect::<Vec<_>>().join(" ")),
    ])
}

#[cfg(test)]
mod tests;
