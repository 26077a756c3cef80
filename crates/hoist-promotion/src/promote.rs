//! `promote FROM TO`: the branch `promotions/ENV/BRANCH` that a pull request into
//! `releases/ENV` merges, and the pull request's title and body. Opening the pull request is
//! left to the workflow (`gh pr create`): hoist needs no forge API.

use hoist_channels::{ChannelDiff, Filter};
use hoist_config::Config;
use hoist_git::{GitError, Oid, Repo};
use serde::Serialize;

use crate::branches::{Side, diff_branches};
use crate::lineage::{LineageCheck, check_lineage};
use crate::{Action, CandidateRecord, ImageCheck, ImageLookup, PromotionError};

/// A promotion, decided but not done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PromotePlan {
    /// The environment promoted to (`prod`).
    pub environment: String,
    /// The git remote.
    pub remote: String,
    /// The candidate branch (`candidates/main`) and its tip, if it exists.
    pub candidate: String,
    /// The candidate's tip on the remote.
    pub candidate_commit: Option<Oid>,
    /// The branch the pull request merges into (`releases/prod`).
    pub base: String,
    /// Its tip on the remote.
    pub base_commit: Option<Oid>,
    /// The branch made for the pull request (`promotions/prod/main`).
    pub branch: String,
    /// Its tip on the remote, if it exists.
    pub branch_tip: Option<Oid>,
    /// The candidate's record.
    pub record: Option<CandidateRecord>,
    /// The candidate's images, asked of the registry by digest.
    pub images: Vec<ImageCheck>,
    /// The candidate's images against the environment's promotion rules.
    pub lineage: Vec<LineageCheck>,
    /// What merging changes in the environment's channel (rendered, per resource).
    pub diff: Option<ChannelDiff>,
    /// What the run does to the branch; `None` while the plan has problems.
    pub action: Option<Action>,
    /// The pull request's title.
    pub title: String,
    /// The pull request's body (markdown).
    pub body: String,
    /// Everything that forbids the promotion; [`execute_promote`] refuses while any remain.
    pub problems: Vec<String>,
    #[serde(skip)]
    tree: Option<Oid>,
    /// Where the candidate already is when nothing is to be done (the releases branch's tip or
    /// the promotion branch's).
    #[serde(skip)]
    unchanged_at: Option<Oid>,
}

/// What [`execute_promote`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PromoteOutcome {
    /// Created, updated or unchanged.
    pub action: Action,
    /// The promotion branch's tip afterwards.
    pub commit: Oid,
}

/// `candidates/BRANCH` for `from` (`main` or `candidates/main`), and the environment for `to`
/// (`prod` or `releases/prod`).
pub fn promotion_names(from: &str, to: &str) -> (String, String) {
    let from = from.trim_start_matches("refs/heads/");
    let candidate = if from.starts_with("candidates/") { from.to_owned() } else { format!("candidates/{from}") };
    let environment = to.trim_start_matches("refs/heads/").trim_start_matches("releases/").to_owned();
    (candidate, environment)
}

/// Plans promoting the remote's candidate `from` into `releases/TO`: the candidate and the
/// releases branch fetched, the candidate's images asked of the registry by digest, its
/// lineage checked against `[channels.after]`, the environment's channel rendered on both
/// sides and compared, and the promotion branch's commit decided (the candidate's tree, with
/// the releases branch's tip as first parent and the candidate's tip as second, so the pull
/// request merges without conflicts and shows exactly what releasing changes).
pub fn plan_promote(
    repo: &Repo,
    config: &Config,
    from: &str,
    to: &str,
    lookup: &mut dyn ImageLookup,
) -> Result<PromotePlan, PromotionError> {
    let (candidate, environment) = promotion_names(from, to);
    let remote = config.deploy.remote.clone();
    let base = crate::status::release_branch(&environment);
    let mut problems = Vec::new();
    for name in [&candidate, &base] {
        if let Some(why) = hoist_git::bad_tag_name(name) {
            return Err(PromotionError::BadBranch { name: name.clone(), reason: why.to_owned() });
        }
    }
    repo.require_remote(&remote)?;
    let mut tips = repo.fetch_branches(&remote, &[candidate.as_str(), base.as_str()])?.into_iter();
    let (candidate_commit, base_commit) = (tips.next().flatten(), tips.next().flatten());
    if candidate_commit.is_none() {
        problems.push(format!(
            "the remote `{remote}` has no `{candidate}`: make it with `hoist candidate` on that branch first"
        ));
    }
    if base_commit.is_none() {
        problems.push(format!(
            "the remote `{remote}` has no `{base}`: create it from what `{environment}` runs now (`git push {remote} COMMIT:refs/heads/{base}`), then promote again"
        ));
    }
    let record = match &candidate_commit {
        Some(commit) => CandidateRecord::read(repo, commit)?,
        None => None,
    };
    if candidate_commit.is_some() && record.is_none() {
        problems.push(format!(
            "`{candidate}` holds no candidate record `{}`: it was not made by `hoist candidate`",
            crate::RECORD_PATH
        ));
    }
    let source = record
        .as_ref()
        .map_or_else(|| candidate.trim_start_matches("candidates/").to_owned(), |r| r.source_branch.clone());
    let branch = format!("promotions/{environment}/{source}");
    if let Some(why) = hoist_git::bad_tag_name(&branch) {
        return Err(PromotionError::BadBranch { name: branch, reason: why.to_owned() });
    }

    let mut images = Vec::new();
    let mut lineage = Vec::new();
    if let Some(record) = &record {
        for (reference, digest) in &record.images {
            let check = ImageCheck::ask(lookup, &format!("{reference}@{digest}"));
            problems.extend(check.problem("the candidate pins an image that is gone: make the candidate again"));
            images.push(check);
        }
        lineage = check_lineage(repo, config, &environment, record, &mut problems)?;
    }

    let mut diff = None;
    let mut action = None;
    let mut tree = None;
    let mut unchanged_at = None;
    let branch_tip = repo.fetch_branch(&remote, &branch)?;
    if let (Some(c), Some(b)) = (&candidate_commit, &base_commit) {
        let from_side = side(&candidate, c);
        let to_side = side(&base, b);
        diff = Some(diff_branches(repo, config, &environment, &Filter::default(), &from_side, &to_side)?);
        let candidate_tree = repo.tree_of(c)?;
        if problems.is_empty() {
            let promoted = match &branch_tip {
                Some(tip) => repo.tree_of(tip)? == candidate_tree && repo.parents(tip)?.first() == Some(b),
                None => false,
            };
            action = Some(if repo.tree_of(b)? == candidate_tree {
                unchanged_at = Some(b.clone());
                Action::Unchanged
            } else if promoted {
                unchanged_at = branch_tip.clone();
                Action::Unchanged
            } else if branch_tip.is_some() {
                Action::Updated
            } else {
                Action::Created
            });
            tree = Some(candidate_tree);
        }
    }
    let version = record.as_ref().map_or("?", |r| r.version.as_str());
    let at = record.as_ref().map_or("?".to_owned(), |r| r.source_commit.short().to_owned());
    let title = format!("Release {source} at {at} ({version}) to {environment}");
    let mut plan = PromotePlan {
        environment,
        remote,
        candidate,
        candidate_commit,
        base,
        base_commit,
        branch,
        branch_tip,
        record,
        images,
        lineage,
        diff,
        action,
        title,
        body: String::new(),
        problems,
        tree,
        unchanged_at,
    };
    plan.body = body(&plan);
    Ok(plan)
}

fn side(name: &str, commit: &Oid) -> Side {
    Side { name: name.to_owned(), commit: commit.clone(), remote: true }
}

/// The pull request's body: what is promoted where, the images with their lineage, the diff.
fn body(plan: &PromotePlan) -> String {
    let PromotePlan { candidate, base, candidate_commit, base_commit, images, lineage, diff, record, .. } = plan;
    let short = |c: &Option<Oid>| c.as_ref().map_or("?".to_owned(), |c| c.short().to_owned());
    let mut md =
        format!("Promotes `{candidate}` ({}) into `{base}` ({}).\n\n", short(candidate_commit), short(base_commit));
    if let Some(record) = record {
        md.push_str(&format!(
            "Candidate of `{}` at `{}`, version `{}`.\n\n",
            record.source_branch,
            record.source_commit.short(),
            record.version
        ));
    }
    if !images.is_empty() {
        md.push_str("| Image | Digest | Lineage |\n|---|---|---|\n");
        for image in images {
            let (reference, digest) = image.reference.split_once('@').unwrap_or((&image.reference, ""));
            let through: Vec<String> = lineage
                .iter()
                .filter(|l| l.reference == reference)
                .map(|l| match &l.released {
                    Some(r) => format!("released to `{}` in `{}` ({})", l.required, r.commit.short(), r.version),
                    None => format!("**never released to `{}`**", l.required),
                })
                .collect();
            let state = match (&image.digest, &image.unknown) {
                (Some(_), _) => "",
                (None, Some(_)) => " (registry not reachable)",
                (None, None) => " (**missing from the registry**)",
            };
            md.push_str(&format!(
                "| `{reference}`{state} | `{digest}` | {} |\n",
                if through.is_empty() { "-".to_owned() } else { through.join("; ") }
            ));
        }
        md.push('\n');
    }
    if let Some(diff) = diff {
        md.push_str(&diff.markdown());
    }
    md
}

/// Carries out `plan`: refuses while it has problems; nothing when the releases branch or
/// the promotion branch already holds the candidate; else commits the candidate's tree with
/// the releases branch's tip and the candidate's tip as parents and pushes it to the
/// promotion branch with a lease on the tip planned against.
pub fn execute_promote(repo: &Repo, plan: &PromotePlan) -> Result<PromoteOutcome, PromotionError> {
    let (Some(tree), Some(action), Some(base), Some(candidate), true) =
        (&plan.tree, plan.action, &plan.base_commit, &plan.candidate_commit, plan.problems.is_empty())
    else {
        return Err(PromotionError::PromotionRefused {
            candidate: plan.candidate.clone(),
            environment: plan.environment.clone(),
            problems: plan.problems.clone(),
        });
    };
    if let (Action::Unchanged, Some(at)) = (action, &plan.unchanged_at) {
        return Ok(PromoteOutcome { action, commit: at.clone() });
    }
    let message =
        format!("{}\n\nPromotes {} ({}) into {}.\n", plan.title, plan.candidate, candidate.short(), plan.base);
    let commit = repo.commit_tree_with_parents(tree, &[base.clone(), candidate.clone()], &message)?;
    match repo.push_branch_with_lease(&plan.remote, &plan.branch, plan.branch_tip.as_ref(), &commit) {
        Ok(()) => Ok(PromoteOutcome { action, commit }),
        Err(GitError::LeaseRejected { .. }) => {
            Err(PromotionError::PromotionMoved { branch: plan.branch.clone(), remote: plan.remote.clone() })
        }
        Err(other) => Err(other.into()),
    }
}
