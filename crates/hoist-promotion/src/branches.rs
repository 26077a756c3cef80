//! The diff of two branches: each side's commit checked out into a temporary directory (git
//! plumbing, no ref moves), every selected release of the channel rendered there without a
//! cluster, and the renderings compared resource by resource.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hoist_channels::{Channel, ChannelDiff, Filter, ReleaseDiff, Sides};
use hoist_config::Config;
use hoist_git::{Oid, Repo};
use serde::Serialize;
use xshell::Shell;

use crate::PromotionError;

/// One side of a diff: a branch of the remote (fetched) or a revision of this repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Side {
    /// As named (`candidates/main`).
    pub name: String,
    /// Its commit.
    pub commit: Oid,
    /// True when it was fetched from the remote's branch of that name.
    pub remote: bool,
}

impl Side {
    /// `candidates/main` (1a2b3c4d5e6f), as diffs show it.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.commit.short())
    }
}

/// The commit `name` stands for: the remote's branch `name` (fetched, no ref moves) when the
/// remote has one, else a revision of this repository (a local branch, a tag, a commit).
pub fn resolve_side(repo: &Repo, remote: &str, name: &str) -> Result<Side, PromotionError> {
    let branch = name.trim_start_matches("refs/heads/");
    if !branch.is_empty()
        && hoist_git::bad_tag_name(branch).is_none()
        && repo.remotes()?.iter().any(|r| r == remote)
        && let Some(commit) = repo.fetch_branch(remote, branch)?
    {
        return Ok(Side { name: branch.to_owned(), commit, remote: true });
    }
    if !name.starts_with('-')
        && let Some(commit) = repo.resolve_commit(name)?
    {
        return Ok(Side { name: name.to_owned(), commit, remote: false });
    }
    Err(PromotionError::NoSuchSide { name: name.to_owned(), remote: remote.to_owned() })
}

/// The project directory (`hoist.toml`'s) inside the repository, as a path in a tree: empty
/// at the top.
pub(crate) fn project_prefix(repo: &Repo, config: &Config) -> String {
    let root = std::fs::canonicalize(config.root()).unwrap_or_else(|_| config.root().to_owned());
    let top = std::fs::canonicalize(repo.root()).unwrap_or_else(|_| repo.root().to_owned());
    root.strip_prefix(&top).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default()
}

/// A side checked out: its files in a temporary directory, removed when dropped.
struct Checkout {
    _dir: tempfile::TempDir,
    /// The project directory in the checkout.
    root: PathBuf,
}

fn checkout(repo: &Repo, prefix: &str, side: &Side) -> Result<Checkout, PromotionError> {
    let dir = tempfile::Builder::new()
        .prefix("hoist-side-")
        .tempdir()
        .map_err(|e| PromotionError::Checkout { side: side.name.clone(), message: e.to_string() })?;
    repo.checkout_to(&side.commit, dir.path())?;
    let root = dir.path().join(prefix);
    Ok(Checkout { _dir: dir, root })
}

/// The channel `channel` of a checkout, `None` when that side has no such channel file.
fn channel_of(config: &Config, root: &Path, channel: &str) -> Result<Option<Channel>, PromotionError> {
    let dir = root.join(&config.channels.dir);
    let name = Path::new(channel).file_stem().map_or(channel.to_owned(), |s| s.to_string_lossy().into_owned());
    for file in [dir.join(format!("{name}.yaml")), dir.join(format!("{name}.yml"))] {
        if file.is_file() {
            return Ok(Some(hoist_channels::load(&file)?));
        }
    }
    Ok(None)
}

/// What merging `from` into `to` changes in channel `channel`: both sides checked out, the
/// releases `filter` selects rendered on each (`kubectl kustomize`, `helm template`; the
/// programs on `PATH`) and compared per resource. A release only one side has is all added
/// or all removed; a channel file only one side has is compared with nothing.
pub fn diff_branches(
    repo: &Repo,
    config: &Config,
    channel: &str,
    filter: &Filter,
    from: &Side,
    to: &Side,
) -> Result<ChannelDiff, PromotionError> {
    let prefix = project_prefix(repo, config);
    let (new_side, old_side) = (checkout(repo, &prefix, from)?, checkout(repo, &prefix, to)?);
    let (new, old) = (channel_of(config, &new_side.root, channel)?, channel_of(config, &old_side.root, channel)?);
    let name = match (&new, &old) {
        (Some(c), _) | (None, Some(c)) => c.name.clone(),
        (None, None) => {
            return Err(PromotionError::NoChannelOnEitherSide {
                channel: channel.to_owned(),
                from: from.name.clone(),
                to: to.name.clone(),
                dir: config.channels.dir.display().to_string(),
            });
        }
    };
    // The releases `filter` selects on each side; an `--app` must name a release of one side
    // at least.
    let pick = |c: &Option<Channel>| -> Result<Vec<hoist_channels::Release>, hoist_channels::ChannelError> {
        match c.as_ref().map(|c| hoist_channels::select(c, filter)) {
            None | Some(Err(hoist_channels::ChannelError::UnknownApp { .. })) => Ok(Vec::new()),
            Some(Ok(releases)) => Ok(releases.into_iter().cloned().collect()),
            Some(Err(other)) => Err(other),
        }
    };
    let (new_releases, old_releases) = (pick(&new)?, pick(&old)?);
    if filter.app.is_some() && new_releases.is_empty() && old_releases.is_empty() {
        let channel = new.as_ref().or(old.as_ref()).expect("one side has the channel");
        hoist_channels::select(channel, filter)?;
    }
    let mut names: Vec<String> = new_releases.iter().map(|r| r.name.clone()).collect();
    for release in &old_releases {
        if !names.contains(&release.name) {
            names.push(release.name.clone());
        }
    }
    let (from_label, to_label) = (from.label(), to.label());
    let mut releases: Vec<ReleaseDiff> = Vec::new();
    for release_name in names {
        let rendered = |releases: &[hoist_channels::Release],
                        root: &Path|
         -> Result<BTreeMap<String, String>, PromotionError> {
            let Some(release) = releases.iter().find(|r| r.name == release_name) else { return Ok(BTreeMap::new()) };
            let sh = Shell::new()
                .map_err(|e| PromotionError::Checkout { side: release_name.clone(), message: e.to_string() })?;
            sh.change_dir(root);
            let manifests = hoist_channels::render(&sh, root, release)?;
            let namespace = match &release.source {
                hoist_channels::Source::Helm { namespace, .. } => Some(namespace.as_str()),
                hoist_channels::Source::Kustomize { .. } => None,
            };
            Ok(hoist_channels::resources(&release.name, &manifests, namespace)?)
        };
        let after = rendered(&new_releases, &new_side.root)?;
        let before = rendered(&old_releases, &old_side.root)?;
        releases.push(hoist_channels::compare(&release_name, &before, &after, &to_label, &from_label));
    }
    Ok(ChannelDiff::of_branches(&name, filter.driver, Sides::new(from_label, to_label), releases))
}
