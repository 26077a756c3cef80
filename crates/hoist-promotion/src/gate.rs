//! The gate of `release CHANNEL`: before a channel's releases are applied, every image of the
//! project they reference is in the registry (by digest where pinned), and a candidate meets
//! the environment's promotion rules.

use std::path::Path;

use hoist_channels::{Channel, Filter, Source};
use hoist_config::Config;
use hoist_git::Repo;
use serde::Serialize;

use crate::lineage::{LineageCheck, check_lineage};
use crate::pin::{FileKind, references};
use crate::plan::KUSTOMIZATION_FILES;
use crate::{CandidateRecord, ImageCheck, ImageLookup, PromotionError, RECORD_PATH};

/// What the gate found; its problems forbid the release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleaseGate {
    /// The environment: the channel's name.
    pub environment: String,
    /// The candidate record of the tree released, when it has one.
    pub record: Option<CandidateRecord>,
    /// Every image of the project the selected releases reference, as the registry answered.
    pub images: Vec<ImageCheck>,
    /// The candidate's images against the environment's promotion rules.
    pub lineage: Vec<LineageCheck>,
    /// Everything that forbids the release.
    pub problems: Vec<String>,
}

fn read(path: &Path) -> Option<String> {
    // Only regular files: a FIFO would block.
    std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    std::fs::read_to_string(path).ok()
}

/// The gate of releasing the releases of `channel` that `filter` selects, from the files
/// under `root` (the project directory; the record is at the top of `repo`'s work tree, or
/// of `root` outside git). Asks `lookup` for every reference of the project's repository
/// (`registry` of `hoist.toml`) in their kustomizations and values files; with promotion
/// rules for the environment (`[channels.after]`), checks the record's digests against the
/// remote's `releases/ENV` branches.
pub fn release_gate(
    root: &Path,
    repo: Option<&Repo>,
    config: &Config,
    channel: &Channel,
    filter: &Filter,
    lookup: &mut dyn ImageLookup,
) -> Result<ReleaseGate, PromotionError> {
    let environment = channel.name.clone();
    let mut problems = Vec::new();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for release in hoist_channels::select(channel, filter)? {
        let files: Vec<(FileKind, std::path::PathBuf)> = match &release.source {
            Source::Kustomize { dir } => KUSTOMIZATION_FILES
                .iter()
                .map(|name| root.join(dir).join(name))
                .find(|p| p.is_file())
                .map(|p| (FileKind::Kustomization, p))
                .into_iter()
                .collect(),
            Source::Helm { values, .. } => values.iter().map(|f| (FileKind::Values, root.join(f))).collect(),
        };
        for (kind, path) in files {
            // A missing file is the release plan's problem already.
            let Some(text) = read(&path) else { continue };
            match references(kind, &text, &config.registry) {
                Ok(found) => {
                    for (_, reference) in found {
                        if !wanted.iter().any(|(r, _)| r == &reference) {
                            wanted.push((reference, release.name.clone()));
                        }
                    }
                }
                Err(message) => {
                    problems.push(format!("release `{}`: `{}` is not YAML: {message}", release.name, path.display()))
                }
            }
        }
    }
    let mut images = Vec::new();
    for (reference, release) in wanted {
        let check = ImageCheck::ask(lookup, &reference);
        let pinned = reference.split_once('@').map(|(_, d)| d);
        if let Some(problem) = check.problem(&format!(
            "release `{release}` references it: push it, or release a candidate whose images are in the registry"
        )) {
            problems.push(problem);
        } else if let (Some(pinned), Some(found)) = (pinned, check.digest.as_deref())
            && pinned != found
        {
            problems.push(format!(
                "image `{reference}` is `{found}` in the registry, not the pinned digest: make and release a new candidate"
            ));
        }
        images.push(check);
    }

    let top = repo.map_or(root, Repo::root);
    let record = match read(&top.join(RECORD_PATH)) {
        Some(text) => match CandidateRecord::parse(&text) {
            Ok(record) => Some(record),
            Err(reason) => {
                problems.push(format!("the candidate record `{RECORD_PATH}` cannot be read: {reason}"));
                None
            }
        },
        None => None,
    };
    let mut lineage = Vec::new();
    if let Some(required) = config.channels.after.get(&environment) {
        let first = required.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
        match (&record, repo) {
            (None, _) => problems.push(format!(
                "`{environment}` releases only candidates whose images went through {first} first (`[channels.after]` in `hoist.toml`), and this tree holds no candidate record `{RECORD_PATH}`: release a candidate (`hoist candidate`, then `hoist promote`)"
            )),
            (Some(_), None) => problems.push(format!(
                "the promotion rules of `{environment}` need the remote's `releases/` branches, and `{}` is not in a git repository",
                root.display()
            )),
            (Some(record), Some(repo)) => lineage = check_lineage(repo, config, &environment, record, &mut problems)?,
        }
    }
    Ok(ReleaseGate { environment, record, images, lineage, problems })
}
