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

/// The commit each of `names` stands for: the remote's branch of that name (all fetched at
/// once, no ref moves) when the remote has one, else a revision of this repository (a local
/// branch, a tag, a commit).
pub fn resolve_sides(repo: &Repo, remote: &str, names: &[&str]) -> Result<Vec<Side>, PromotionError> {
    let branches: Vec<&str> = names.iter().map(|n| n.trim_start_matches("refs/heads/")).collect();
    let fetchable: Vec<&str> =
        branches.iter().copied().filter(|b| !b.is_empty() && hoist_git::bad_tag_name(b).is_none()).collect();
    let fetched = if !fetchable.is_empty() && repo.remotes()?.iter().any(|r| r == remote) {
        repo.fetch_branches(remote, &fetchable)?
    } else {
        vec![None; fetchable.len()]
    };
    let mut sides = Vec::new();
    for (name, branch) in names.iter().zip(&branches) {
        let remote_commit = fetchable.iter().position(|b| b == branch).and_then(|i| fetched[i].clone());
        let side = match remote_commit {
            Some(commit) => Side { name: (*branch).to_owned(), commit, remote: true },
            None => match (!name.starts_with('-')).then(|| repo.resolve_commit(name)).transpose()?.flatten() {
                Some(commit) => Side { name: (*name).to_owned(), commit, remote: false },
                None => {
                    return Err(PromotionError::NoSuchSide { name: (*name).to_owned(), remote: remote.to_owned() });
                }
            },
        };
        sides.push(side);
    }
    Ok(sides)
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
    // A channel named by its file (`channels/test.yaml`) is looked for by its name on each side.
    let name = Path::new(channel).file_stem().map_or(channel.to_owned(), |s| s.to_string_lossy().into_owned());
    match hoist_channels::find_channel(&root.join(&config.channels.dir), &name) {
        Ok(file) => Ok(Some(hoist_channels::load(&file)?)),
        Err(hoist_channels::ChannelError::UnknownChannel { .. }) => Ok(None),
        Err(other) => Err(other.into()),
    }
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
    // The two sides render at once: `kubectl` and `helm` are separate processes.
    let render_side =
        |releases: &[hoist_channels::Release], root: &Path| -> Result<Vec<BTreeMap<String, String>>, PromotionError> {
            names
                .iter()
                .map(|name| match releases.iter().find(|r| &r.name == name) {
                    Some(release) => render_release(root, release),
                    None => Ok(BTreeMap::new()),
                })
                .collect()
        };
    let (after, before) = std::thread::scope(|scope| {
        let new_side = scope.spawn(|| render_side(&new_releases, &new_side.root));
        let before = render_side(&old_releases, &old_side.root);
        (new_side.join().expect("rendering does not panic"), before)
    });
    let (after, before) = (after?, before?);
    let releases: Vec<ReleaseDiff> = names
        .iter()
        .zip(after.iter().zip(&before))
        .map(|(name, (after, before))| hoist_channels::compare(name, before, after, &to_label, &from_label))
        .collect();
    Ok(ChannelDiff::of_branches(&name, filter.driver, Sides::new(from_label, to_label), releases))
}

/// The resources of `release`, rendered in the checkout `root`.
fn render_release(root: &Path, release: &hoist_channels::Release) -> Result<BTreeMap<String, String>, PromotionError> {
    let sh =
        Shell::new().map_err(|e| PromotionError::Checkout { side: release.name.clone(), message: e.to_string() })?;
    sh.change_dir(root);
    let manifests = hoist_channels::render(&sh, root, release)?;
    let namespace = match &release.source {
        hoist_channels::Source::Helm { namespace, .. } => Some(namespace.as_str()),
        hoist_channels::Source::Kustomize { .. } => None,
    };
    Ok(hoist_channels::resources(&release.name, &manifests, namespace)?)
}
