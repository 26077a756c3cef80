//! The candidate: planned from the source commit, the channels and the registry; executed as
//! one commit and one lease-guarded push.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use hoist_config::Config;
use hoist_git::{GitError, Oid, Repo, TreeFile};
use hoist_naming::Naming;
use serde::Serialize;

use crate::pin::{FileKind, Pin, RunImage, pin_file};
use crate::{ImageCheck, ImageLookup, PromotionError};

/// Where the record of a candidate lies in its tree.
pub const RECORD_PATH: &str = ".hoist/candidate.json";

/// How many times a push that lost its lease is made again on the new tip.
pub const RETRIES: u32 = 5;

/// The kustomization file names kustomize reads, in its order.
pub(crate) const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What a candidate run does to `candidates/BRANCH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The branch does not exist: it is made, its first commit's parent the source commit.
    Created,
    /// The branch exists with another tree: a commit on top of its tip.
    Updated,
    /// The branch's tip already has this tree: nothing is committed.
    Unchanged,
    /// The branch's tip is the candidate of a newer commit (one the source commit is an
    /// ancestor of): an older run finishing late does not overwrite it, nothing is committed.
    Superseded,
}

impl Action {
    /// `created`, `updated` or `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::Superseded => "superseded",
        }
    }
}

/// `.hoist/candidate.json`: what the candidate was made from. No timestamps: the same inputs
/// give the same tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct CandidateRecord {
    /// The record's format (1).
    pub schema: u32,
    /// The branch the candidate is of.
    pub source_branch: String,
    /// The commit whose tree the candidate is.
    pub source_commit: Oid,
    /// The version the images carry (`v1.2.3`).
    pub version: String,
    /// The pinned images and their digests, by reference.
    pub images: BTreeMap<String, String>,
}

impl CandidateRecord {
    /// The record in `commit`'s tree (at [`RECORD_PATH`]), `None` when the commit has none.
    /// A record that is not one (edited by hand, a newer schema) is
    /// [`PromotionError::BadRecord`].
    pub fn read(repo: &Repo, commit: &Oid) -> Result<Option<CandidateRecord>, PromotionError> {
        let Some(text) = repo.file_at(commit, RECORD_PATH)? else { return Ok(None) };
        CandidateRecord::parse(&text)
            .map(Some)
            .map_err(|reason| PromotionError::BadRecord { commit: commit.short().to_owned(), reason })
    }

    /// Parses the text of a record; the reason when it is not one this hoist reads.
    pub fn parse(text: &str) -> Result<CandidateRecord, String> {
        let record: CandidateRecord = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if record.schema != 1 {
            return Err(format!("schema {} is not one this hoist reads (1)", record.schema));
        }
        for (reference, digest) in &record.images {
            let hex = digest.strip_prefix("sha256:").unwrap_or_default();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err(format!("the digest `{digest}` of `{reference}` is not `sha256:` and 64 hex digits"));
            }
        }
        Ok(record)
    }
}

/// A candidate, decided but not done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CandidatePlan {
    /// The branch made or updated (`candidates/main`).
    pub candidate: String,
    /// The git remote it lives on.
    pub remote: String,
    /// The source branch.
    pub source_branch: String,
    /// The source commit (HEAD).
    pub source_commit: Oid,
    /// The version of this run's images.
    pub version: String,
    /// The images the pins need, with their digests.
    pub images: Vec<ImageCheck>,
    /// Every image reference pinned, file by file.
    pub pins: Vec<Pin>,
    /// The files of the source tree the candidate rewrites, and the record.
    pub files: Vec<String>,
    /// The record written to `.hoist/candidate.json`.
    pub record: CandidateRecord,
    /// The candidate's tree; `None` while the plan has problems.
    pub tree: Option<Oid>,
    /// The branch's tip on the remote when planned, if it exists.
    pub tip: Option<Oid>,
    /// The newer source commit whose candidate the tip is, when it supersedes this run.
    pub superseded_by: Option<Oid>,
    /// What the run does; `None` while the plan has problems.
    pub action: Option<Action>,
    /// The new commit's parent (the tip, else the source commit); `None` when nothing is
    /// committed.
    pub parent: Option<Oid>,
    /// The new commit's message.
    pub message: String,
    /// How many times a push that lost its lease is made again.
    pub retries: u32,
    /// Everything that forbids the candidate; [`execute`] refuses while any remain.
    pub problems: Vec<String>,
    #[serde(skip)]
    tip_tree: Option<Oid>,
}

/// What [`execute`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// Created, updated or unchanged.
    pub action: Action,
    /// The branch's tip afterwards.
    pub commit: Oid,
    /// The pushes made (0 when unchanged); more than 1 when another run pushed in between.
    pub attempts: u32,
}

/// The branch a candidate is of: `named` (from `--branch`, or the CI's variables), else the
/// branch HEAD is on.
pub fn source_branch(repo: &Repo, named: Option<&str>) -> Result<String, PromotionError> {
    match named.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => Ok(name.trim_start_matches("refs/heads/").to_owned()),
        None => repo.current_branch()?.ok_or(PromotionError::NoBranch),
    }
}

/// This run's images, as `naming` names them: the release image, one per named stage of the
/// Dockerfile (when there is one) and the data image (when configured).
pub fn run_images(config: &Config, naming: &Naming) -> Result<Vec<RunImage>, PromotionError> {
    let mut images = vec![RunImage::new(None, &naming.step_image(naming.release_step()).tags[0])];
    let path = config.dockerfile_path();
    if path.is_file() {
        let dockerfile = hoist_dockerfile::parse_file(&path)?;
        for stage in dockerfile.stages.iter().filter_map(|s| s.name.as_deref()) {
            if stage != naming.release_step() && !images.iter().any(|i| i.suffix.as_deref() == Some(stage)) {
                images.push(RunImage::new(Some(stage), &naming.step_image(stage).tags[0]));
            }
        }
    }
    if !config.data_image.steps.is_empty() {
        let suffix = &config.data_image.suffix;
        images.retain(|i| i.suffix.as_ref() != Some(suffix));
        images.push(RunImage::new(Some(suffix), &format!("{}-{suffix}", naming.tag())));
    }
    Ok(images)
}

/// `path` (relative to the project directory) as a path in the tree, under `prefix` (the
/// project directory in the repository, empty at the top).
fn tree_path(prefix: &str, path: &Path) -> String {
    let mut parts: Vec<String> = prefix.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts.join("/")
}

/// Plans the candidate of `branch`: the source commit (HEAD) with every image of every
/// channel's releases pinned to this run's images (`images`, named by `naming`) at the
/// digests `lookup` gives, plus the record. Reads the source commit, the remote's
/// `candidates/BRANCH` (fetched into the object store) and the registry; writes only objects
/// nothing refers to yet (the tree, to compare it with the tip's).
pub fn plan_candidate(
    repo: &Repo,
    config: &Config,
    naming: &Naming,
    images: &[RunImage],
    branch: &str,
    lookup: &mut dyn ImageLookup,
) -> Result<CandidatePlan, PromotionError> {
    let remote = config.deploy.remote.clone();
    let candidate = format!("candidates/{branch}");
    let source_commit = repo.head()?;
    let version = naming.version();
    let repository = naming.registry();
    let mut problems = Vec::new();
    if let Some(why) = hoist_git::bad_tag_name(&candidate) {
        problems.push(format!("`{candidate}` cannot be a branch name: {why}: pass another `--branch`"));
    }

    let prefix = crate::branches::project_prefix(repo, config);

    // The files to pin, each once, in channel and release order.
    let mut targets: Vec<(FileKind, String)> = Vec::new();
    let channels_dir = tree_path(&prefix, &config.channels.dir);
    let mut names: Vec<String> = repo
        .files_in(&source_commit, &channels_dir)?
        .into_iter()
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    for name in names {
        let file = if channels_dir.is_empty() { name } else { format!("{channels_dir}/{name}") };
        let Some(text) = repo.file_at(&source_commit, &file)? else { continue };
        let channel = hoist_channels::parse(&text, Path::new(&file))?;
        for release in &channel.releases {
            let what = format!("release `{}` of channel `{}`", release.name, channel.name);
            match &release.source {
                hoist_channels::Source::Kustomize { dir } => {
                    let dir = tree_path(&prefix, dir);
                    let mut found = None;
                    for name in KUSTOMIZATION_FILES {
                        let path = if dir.is_empty() { (*name).to_owned() } else { format!("{dir}/{name}") };
                        if repo.file_at(&source_commit, &path)?.is_some() {
                            found = Some(path);
                            break;
                        }
                    }
                    match found {
                        Some(path) => targets.push((FileKind::Kustomization, path)),
                        None => problems.push(format!(
                            "{what}: `{dir}` has no `kustomization.yaml`, `kustomization.yml` or `Kustomization` in the source commit: commit the kustomization, or fix `kustomize_dir`"
                        )),
                    }
                }
                hoist_channels::Source::Helm { values, .. } => {
                    for file in values {
                        let path = tree_path(&prefix, file);
                        if repo.file_at(&source_commit, &path)?.is_some() {
                            targets.push((FileKind::Values, path));
                        } else {
                            problems.push(format!(
                                "{what}: the values file `{path}` is not in the source commit: commit it, or fix `helm_values`"
                            ));
                        }
                    }
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    targets.retain(|(_, path)| seen.insert(path.clone()));

    // First pass: which image each reference stands for.
    let mut texts = Vec::new();
    let mut needed: Vec<String> = Vec::new();
    for (kind, path) in &targets {
        let text = repo.file_at(&source_commit, path)?.unwrap_or_default();
        match pin_file(*kind, path, &text, repository, images, &BTreeMap::new()) {
            Ok((pins, _)) => {
                for pin in pins {
                    if !needed.contains(&pin.image) {
                        needed.push(pin.image);
                    }
                }
                texts.push((*kind, path.clone(), text));
            }
            Err(message) => problems.push(format!("`{path}` is not YAML hoist can edit: {message}")),
        }
    }

    // The registry's digests.
    let mut digests = BTreeMap::new();
    let mut checks = Vec::new();
    for reference in needed {
        let check = ImageCheck::ask(lookup, &reference);
        problems.extend(check.problem("push it first, then run `candidate` again"));
        if let Some(digest) = &check.digest {
            digests.insert(reference.clone(), digest.clone());
        }
        checks.push(check);
    }

    // Second pass: the pinned files.
    let mut pins = Vec::new();
    let mut writes = Vec::new();
    for (kind, path, text) in &texts {
        // The text parsed in the first pass; only writing it back can fail here.
        let (file_pins, new) = match pin_file(*kind, path, text, repository, images, &digests) {
            Ok(pinned) => pinned,
            Err(message) => {
                problems.push(format!("`{path}` is not YAML hoist can edit: {message}"));
                continue;
            }
        };
        pins.extend(file_pins);
        if let Some(new) = new {
            writes.push(TreeFile { path: path.clone(), contents: new.into_bytes() });
        }
    }
    let record = CandidateRecord {
        schema: 1,
        source_branch: branch.to_owned(),
        source_commit: source_commit.clone(),
        version: version.clone(),
        images: digests,
    };
    let record_json = serde_json::to_string_pretty(&record).expect("the record serializes") + "\n";
    writes.push(TreeFile { path: RECORD_PATH.into(), contents: record_json.into_bytes() });
    let files = writes.iter().map(|w| w.path.clone()).collect();

    let tip = repo.fetch_branch(&remote, &candidate)?;
    let tip_tree = tip.as_ref().map(|t| repo.tree_of(t)).transpose()?;
    let superseded_by = match &tip {
        Some(tip) => newer_source(repo, tip, &source_commit)?,
        None => None,
    };
    let (tree, action, parent) = if problems.is_empty() {
        let tree = repo.write_tree(&source_commit, &writes)?;
        let (action, parent) = match &tip {
            Some(_) if tip_tree.as_ref() == Some(&tree) => (Action::Unchanged, None),
            Some(_) if superseded_by.is_some() => (Action::Superseded, None),
            Some(tip) => (Action::Updated, Some(tip.clone())),
            None => (Action::Created, Some(source_commit.clone())),
        };
        (Some(tree), Some(action), parent)
    } else {
        (None, None, None)
    };
    let message = format!(
        "candidate of `{branch}` at {} ({version})\n\nsource-branch: {branch}\nsource-commit: {source_commit}\nversion: {version}\n",
        source_commit.short()
    );
    Ok(CandidatePlan {
        candidate,
        remote,
        source_branch: branch.to_owned(),
        source_commit,
        version,
        images: checks,
        pins,
        files,
        record,
        tree,
        tip,
        superseded_by,
        action,
        parent,
        message,
        retries: RETRIES,
        problems,
        tip_tree,
    })
}

/// The source commit of `tip`'s candidate when it is newer than `source` (`source` is its
/// ancestor); `None` when it is not, or when this repository cannot tell (the newer commit is
/// not here, as in a shallow clone: then the last run to push wins).
fn newer_source(repo: &Repo, tip: &Oid, source: &Oid) -> Result<Option<Oid>, PromotionError> {
    // A tip whose record cannot be read is replaced like any other.
    let Ok(Some(record)) = CandidateRecord::read(repo, tip) else { return Ok(None) };
    if &record.source_commit == source {
        return Ok(None);
    }
    Ok((repo.is_ancestor(source, &record.source_commit)? == Some(true)).then_some(record.source_commit))
}

/// Carries out `plan`: refuses while it has problems; nothing when the tip already has the
/// tree; else commits the tree on the tip (or the source commit) and pushes it with a lease on
/// the tip. A lost lease (another run pushed) fetches the new tip and commits on it again, at
/// most `plan.retries` times; a new tip with this very tree ends the run as unchanged.
pub fn execute(repo: &Repo, plan: &CandidatePlan) -> Result<Outcome, PromotionError> {
    let (Some(tree), true) = (&plan.tree, plan.problems.is_empty()) else {
        return Err(PromotionError::Refused { candidate: plan.candidate.clone(), problems: plan.problems.clone() });
    };
    let (mut tip, mut tip_tree) = (plan.tip.clone(), plan.tip_tree.clone());
    let mut attempts = 0;
    loop {
        if let (Some(tip), true) = (&tip, tip_tree.as_ref() == Some(tree)) {
            return Ok(Outcome { action: Action::Unchanged, commit: tip.clone(), attempts });
        }
        if let Some(tip) = &tip
            && newer_source(repo, tip, &plan.source_commit)?.is_some()
        {
            return Ok(Outcome { action: Action::Superseded, commit: tip.clone(), attempts });
        }
        let parent = tip.clone().unwrap_or_else(|| plan.source_commit.clone());
        let commit = repo.commit_tree(tree, &parent, &plan.message)?;
        attempts += 1;
        match repo.push_branch_with_lease(&plan.remote, &plan.candidate, tip.as_ref(), &commit) {
            Ok(()) => {
                let action = if tip.is_some() { Action::Updated } else { Action::Created };
                return Ok(Outcome { action, commit, attempts });
            }
            Err(GitError::LeaseRejected { .. }) if attempts <= plan.retries => {
                tip = repo.fetch_branch(&plan.remote, &plan.candidate)?;
                tip_tree = tip.as_ref().map(|t| repo.tree_of(t)).transpose()?;
            }
            Err(GitError::LeaseRejected { .. }) => {
                return Err(PromotionError::LostRace {
                    candidate: plan.candidate.clone(),
                    remote: plan.remote.clone(),
                    attempts,
                });
            }
            Err(other) => return Err(other.into()),
        }
    }
}
