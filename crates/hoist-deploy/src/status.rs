use hoist_config::Config;
use hoist_git::{Oid, RemoteTags, Repo};
use serde::Serialize;

use crate::plan::{ImageCheck, check_images, image_references};
use crate::{DeployError, ImageLookup};

/// What one environment runs, and what it ran before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EnvironmentStatus {
    /// The environment.
    pub environment: String,
    /// What `ENV/deploy` names, if it exists.
    pub current: Option<Deployed>,
    /// What `last/ENV/deploy` names, if it exists.
    pub previous: Option<Deployed>,
}

/// A deployed commit, its version and its images.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Deployed {
    /// The tag (`dev/deploy`).
    pub tag: String,
    /// The commit it names.
    pub commit: Oid,
    /// The version whose tag names the same commit, if one does.
    pub version: Option<String>,
    /// The version's images and their digests (`None`: missing from the registry).
    pub images: Vec<ImageCheck>,
}

/// The status of every configured environment, read from the remote and the registry.
pub fn status(
    repo: &Repo,
    config: &Config,
    lookup: &mut dyn ImageLookup,
) -> Result<Vec<EnvironmentStatus>, DeployError> {
    let deploy = &config.deploy;
    let remote = repo.all_remote_tags(&deploy.remote)?;
    let mut out = Vec::new();
    for environment in deploy.environments.keys() {
        let mut read = |tag: String| -> Result<Option<Deployed>, DeployError> {
            let Some(commit) = remote.commit(&tag).cloned() else { return Ok(None) };
            let version = version_at(config, &remote, &commit);
            let images = match &version {
                Some(v) => check_images(image_references(config, environment, v)?, lookup, &mut Vec::new()),
                None => Vec::new(),
            };
            Ok(Some(Deployed { tag, commit, version, images }))
        };
        let current = read(deploy.tag_for(environment))?;
        let previous = read(deploy.last_tag_for(environment))?;
        out.push(EnvironmentStatus { environment: environment.clone(), current, previous });
    }
    Ok(out)
}

/// The version whose tag (by the `version-tag` pattern) names `commit`; the highest by name
/// when several do.
pub(crate) fn version_at(config: &Config, remote: &RemoteTags, commit: &Oid) -> Option<String> {
    let pattern = &config.deploy.version_tag;
    let (prefix, suffix) = pattern.split_once("{version}")?;
    remote
        .0
        .iter()
        .filter(|(_, tag)| &tag.commit == commit)
        .filter_map(|(name, _)| name.strip_prefix(prefix)?.strip_suffix(suffix))
        .filter(|v| !v.is_empty() && !v.contains('/'))
        .max()
        .map(str::to_owned)
}
