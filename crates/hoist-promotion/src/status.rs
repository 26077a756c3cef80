//! What each `releases/ENV` branch of the remote holds: the candidate merged into it, read
//! from its record, and whether the record's images are still in the registry.

use std::collections::BTreeSet;

use hoist_config::Config;
use hoist_git::{Oid, Repo};
use serde::Serialize;

use crate::{CandidateRecord, ImageCheck, ImageLookup, PromotionError};

/// The branch that releases to `environment` (`releases/test`).
pub fn release_branch(environment: &str) -> String {
    format!("releases/{environment}")
}

/// One environment's `releases/ENV` branch on the remote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleaseStatus {
    /// The environment (a channel, or an environment of `[deploy.environments]`).
    pub environment: String,
    /// The branch (`releases/test`).
    pub branch: String,
    /// Its tip on the remote; `None` when the remote has no such branch.
    pub commit: Option<Oid>,
    /// The candidate its tip holds; `None` when the branch does not exist, or its tip has no
    /// record (it holds no candidate), or the record cannot be read (see `problem`).
    pub candidate: Option<ReleasedCandidate>,
    /// Why the tip's record cannot be read ([`PromotionError::BadRecord`], as a sentence).
    pub problem: Option<String>,
}

/// The candidate a releases branch holds, from its record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleasedCandidate {
    /// The branch it is a candidate of (`main`).
    pub source_branch: String,
    /// The commit it was made from.
    pub source_commit: Oid,
    /// The version its images carry (`v1.2.3`).
    pub version: String,
    /// Its pinned images, each asked of the registry by its digest.
    pub images: Vec<ReleasedImage>,
}

/// One image of a record: the reference pinned, the digest recorded, and the registry's answer
/// for `REPO@DIGEST`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleasedImage {
    /// The reference as recorded (`registry.example.com/app:v1.2.3`).
    pub reference: String,
    /// The digest recorded (`sha256:…`).
    pub digest: String,
    /// The registry asked for `REPO@DIGEST`: present when `check.digest` is set, missing or
    /// unknown otherwise.
    pub check: ImageCheck,
}

impl ReleasedImage {
    /// True when the registry answered that the pinned image is not there.
    pub fn is_missing(&self) -> bool {
        self.check.is_missing()
    }
}

/// The environments whose `releases/ENV` branch is looked for: the keys of
/// `[deploy.environments]` and the channels of the channel directory (of the work tree),
/// sorted, each once.
pub fn release_environments(config: &Config) -> Vec<String> {
    let channels = hoist_channels::channel_names(&config.root().join(&config.channels.dir));
    let all: BTreeSet<String> = config.deploy.environments.keys().cloned().chain(channels).collect();
    all.into_iter().collect()
}

/// `REPO@DIGEST` for the recorded `reference` (`REPO:TAG` or `REPO`): the tag, if any, is the
/// part after the last `:` that follows the last `/` (a registry's port is not a tag).
pub fn digest_reference(reference: &str, digest: &str) -> String {
    let repository = reference.split('@').next().unwrap_or(reference);
    let name_start = repository.rfind('/').map_or(0, |i| i + 1);
    let repository = match repository[name_start..].rfind(':') {
        Some(colon) => &repository[..name_start + colon],
        None => repository,
    };
    format!("{repository}@{digest}")
}

/// The candidate `record` describes, each image asked of the registry by digest (a record's
/// digests are checked when it is read: [`CandidateRecord::parse`]).
pub fn released_candidate(record: CandidateRecord, lookup: &mut dyn ImageLookup) -> ReleasedCandidate {
    let mut images = Vec::new();
    for (reference, digest) in record.images {
        let check = ImageCheck::ask(lookup, &digest_reference(&reference, &digest));
        images.push(ReleasedImage { reference, digest, check });
    }
    ReleasedCandidate {
        source_branch: record.source_branch,
        source_commit: record.source_commit,
        version: record.version,
        images,
    }
}

/// What the remote's (`deploy.remote`) `releases/ENV` branch holds, for every environment of
/// [`release_environments`]: its tip (fetched into the object store; no ref moves), the
/// candidate of the record there, and the record's images asked of the registry by digest (all
/// the branches fetched at once). A
/// record that cannot be read is the environment's `problem`, not an error: the other
/// environments are still shown. Errors are git's (the remote cannot be reached).
pub fn releases_status(
    repo: &Repo,
    config: &Config,
    lookup: &mut dyn ImageLookup,
) -> Result<Vec<ReleaseStatus>, PromotionError> {
    let remote = &config.deploy.remote;
    let environments = release_environments(config);
    let branches: Vec<String> = environments.iter().map(|e| release_branch(e)).collect();
    // Every releases branch in one `ls-remote` and one `fetch`.
    let names: Vec<&str> = branches.iter().map(String::as_str).collect();
    let tips = if names.is_empty() { Vec::new() } else { repo.fetch_branches(remote, &names)? };
    let mut out = Vec::new();
    for ((environment, branch), commit) in environments.into_iter().zip(branches).zip(tips) {
        let (mut candidate, mut problem) = (None, None);
        if let Some(tip) = &commit {
            match CandidateRecord::read(repo, tip).map(|r| r.map(|r| released_candidate(r, lookup))) {
                Ok(found) => candidate = found,
                Err(bad @ PromotionError::BadRecord { .. }) => problem = Some(bad.to_string()),
                Err(other) => return Err(other),
            }
        }
        out.push(ReleaseStatus { environment, branch, commit, candidate, problem });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn the_digest_reference_drops_the_tag_not_the_port() {
        assert_eq!(digest_reference("localhost:5000/app:v1.2.3", DIGEST), format!("localhost:5000/app@{DIGEST}"));
        assert_eq!(digest_reference("localhost:5000/app", DIGEST), format!("localhost:5000/app@{DIGEST}"));
        assert_eq!(digest_reference("r.example/team/app:v1-tester", DIGEST), format!("r.example/team/app@{DIGEST}"));
        assert_eq!(digest_reference("app:v1", DIGEST), format!("app@{DIGEST}"));
        assert_eq!(digest_reference("app:v1@sha256:old", DIGEST), format!("app@{DIGEST}"));
    }

    fn record(images: &[(&str, &str)]) -> CandidateRecord {
        CandidateRecord {
            schema: 1,
            source_branch: "main".into(),
            source_commit: Oid::parse(&"a".repeat(40)).unwrap(),
            version: "v1.2.3".into(),
            images: images.iter().map(|(r, d)| ((*r).to_owned(), (*d).to_owned())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn each_image_is_asked_by_its_digest() {
        let mut asked = Vec::new();
        let mut lookup = |reference: &str| -> Result<Option<String>, String> {
            asked.push(reference.to_owned());
            match reference {
                r if r.starts_with("r.example/app@") => Ok(Some(DIGEST.to_owned())),
                r if r.starts_with("r.example/gone@") => Ok(None),
                _ => Err("connection refused".to_owned()),
            }
        };
        let candidate = released_candidate(
            record(&[
                ("r.example/app:v1.2.3", DIGEST),
                ("r.example/gone:v1.2.3", DIGEST),
                ("down.example/x:v1", DIGEST),
            ]),
            &mut lookup,
        );
        assert_eq!(
            asked,
            [format!("down.example/x@{DIGEST}"), format!("r.example/app@{DIGEST}"), format!("r.example/gone@{DIGEST}")]
        );
        let states: Vec<(&str, bool, Option<&str>)> = candidate
            .images
            .iter()
            .map(|i| (i.reference.as_str(), i.is_missing(), i.check.unknown.as_deref()))
            .collect();
        assert_eq!(
            states,
            [
                ("down.example/x:v1", false, Some("connection refused")),
                ("r.example/app:v1.2.3", false, None),
                ("r.example/gone:v1.2.3", true, None)
            ]
        );
        assert_eq!((candidate.source_branch.as_str(), candidate.version.as_str()), ("main", "v1.2.3"));
    }

    #[test]
    fn a_digest_that_is_not_one_is_a_bad_record() {
        let text = serde_json::json!({
            "schema": 1, "source_branch": "main", "source_commit": "a".repeat(40), "version": "v1",
            "images": {"r.example/app:v1": "latest"},
        })
        .to_string();
        let err = CandidateRecord::parse(&text).unwrap_err();
        assert!(err.contains("the digest `latest` of `r.example/app:v1` is not"), "{err}");
        let good = text.replace("latest", DIGEST);
        assert!(CandidateRecord::parse(&good).is_ok());
    }
}
