//! Lineage: which image digests an environment's `releases/ENV` branch has held, and the
//! promotion rules of `[channels.after]` that ask for it.

use std::collections::BTreeMap;

use hoist_config::Config;
use hoist_git::{Oid, Repo};
use serde::Serialize;

use crate::{CandidateRecord, PromotionError, RECORD_PATH};

/// How far back the first-parent history of `releases/ENV` is read for released digests.
pub const HISTORY_LIMIT: usize = 1000;

/// A release of an image digest to an environment: the commit of `releases/ENV` whose
/// candidate record holds it (the newest such commit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Released {
    /// The environment (`test`).
    pub environment: String,
    /// The commit of `releases/ENV`.
    pub commit: Oid,
    /// The candidate's version there.
    pub version: String,
    /// The candidate's source branch.
    pub source_branch: String,
}

/// Every image digest the remote's `releases/ENVIRONMENT` has held: the candidate records
/// of its first-parent history (the released states, newest first, at most
/// [`HISTORY_LIMIT`] commits), by digest. Empty when the branch does not exist. A record that
/// cannot be read vouches for nothing and is passed over.
pub fn released_digests(
    repo: &Repo,
    remote: &str,
    environment: &str,
) -> Result<BTreeMap<String, Released>, PromotionError> {
    let mut out = BTreeMap::new();
    let Some(tip) = repo.fetch_branch(remote, &crate::status::release_branch(environment))? else { return Ok(out) };
    for (commit, text) in repo.file_along_first_parent(&tip, RECORD_PATH, HISTORY_LIMIT)? {
        let Some(record) = text.and_then(|t| CandidateRecord::parse(&t).ok()) else { continue };
        for digest in record.images.values() {
            out.entry(digest.clone()).or_insert_with(|| Released {
                environment: environment.to_owned(),
                commit: commit.clone(),
                version: record.version.clone(),
                source_branch: record.source_branch.clone(),
            });
        }
    }
    Ok(out)
}

/// One image of a candidate checked against one environment it must have gone through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LineageCheck {
    /// The image reference (`REPO:TAG`).
    pub reference: String,
    /// Its digest.
    pub digest: String,
    /// The environment it must have been released to first.
    pub required: String,
    /// Where it was, if it was.
    pub released: Option<Released>,
}

/// Checks the images of `record` against the rules of `environment` (`[channels.after]`):
/// every digest must have been released to each environment named there. Returns the checks
/// and pushes one problem per image that was not.
pub fn check_lineage(
    repo: &Repo,
    config: &Config,
    environment: &str,
    record: &CandidateRecord,
    problems: &mut Vec<String>,
) -> Result<Vec<LineageCheck>, PromotionError> {
    let mut checks = Vec::new();
    let Some(required) = config.channels.after.get(environment) else { return Ok(checks) };
    for before in required {
        let released = released_digests(repo, &config.deploy.remote, before)?;
        for (reference, digest) in &record.images {
            let found = released.get(digest).cloned();
            if found.is_none() {
                problems.push(format!(
                    "image `{reference}` (`{digest}`) was never released to `{before}`, and `{environment}` accepts only images released to `{before}` first (`[channels.after]` in `hoist.toml`): promote this candidate to `{before}` first"
                ));
            }
            checks.push(LineageCheck {
                reference: reference.clone(),
                digest: digest.clone(),
                required: before.clone(),
                released: found,
            });
        }
    }
    Ok(checks)
}
