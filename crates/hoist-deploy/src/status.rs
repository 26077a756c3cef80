use hoist_config::Config;
use hoist_git::{Oid, RemoteTags, Repo};
use serde::Serialize;

use crate::order::version_order;
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

/// A version tag on the remote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RemoteVersion {
    /// The version, as the `version-tag` pattern holds it (`0.5.146` of `v0.5.146`).
    pub version: String,
    /// The tag (`v0.5.146`).
    pub tag: String,
    /// The commit it names.
    pub commit: Oid,
}

/// What `hoist status` reads of the remote and the registry for the deploy tags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StatusReport {
    /// Every configured environment, by name.
    pub environments: Vec<EnvironmentStatus>,
    /// The remote's version tags, newest first ([`version_order`]).
    pub versions: Vec<RemoteVersion>,
}

/// The status of every configured environment, read from the remote and the registry.
pub fn status(
    repo: &Repo,
    config: &Config,
    lookup: &mut dyn ImageLookup,
) -> Result<Vec<EnvironmentStatus>, DeployError> {
    Ok(status_report(repo, config, lookup)?.environments)
}

/// The status of every configured environment and the remote's versions, newest first, from
/// one listing of the remote's tags.
pub fn status_report(repo: &Repo, config: &Config, lookup: &mut dyn ImageLookup) -> Result<StatusReport, DeployError> {
    let deploy = &config.deploy;
    let remote = repo.all_remote_tags(&deploy.remote)?;
    let mut environments = Vec::new();
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
        environments.push(EnvironmentStatus { environment: environment.clone(), current, previous });
    }
    Ok(StatusReport { environments, versions: remote_versions(config, &remote) })
}

/// The version tags (by the `version-tag` pattern) of `remote`, newest first.
pub fn remote_versions(config: &Config, remote: &RemoteTags) -> Vec<RemoteVersion> {
    let mut versions: Vec<RemoteVersion> = remote
        .0
        .iter()
        .filter_map(|(tag, t)| {
            let version = tag_version(config, tag)?;
            Some(RemoteVersion { version: version.to_owned(), tag: tag.clone(), commit: t.commit.clone() })
        })
        .collect();
    versions.sort_by(|a, b| newer(config, &b.version, &a.version));
    versions
}

/// The version the tag `tag` stands for by the `version-tag` pattern, if it is a version tag.
fn tag_version<'a>(config: &Config, tag: &'a str) -> Option<&'a str> {
    let (prefix, suffix) = config.deploy.version_tag.split_once("{version}")?;
    Some(tag.strip_prefix(prefix)?.strip_suffix(suffix)?).filter(|v| !v.is_empty() && !v.contains('/'))
}

/// [`version_order`] of two versions of the pattern, the `version-prefix` (`v`) dropped.
fn newer(config: &Config, a: &str, b: &str) -> std::cmp::Ordering {
    let prefix = config.version_prefix.as_str();
    version_order(a.strip_prefix(prefix).unwrap_or(a), b.strip_prefix(prefix).unwrap_or(b))
}

/// The version whose tag (by the `version-tag` pattern) names `commit`; the newest
/// ([`version_order`]) when several do.
pub(crate) fn version_at(config: &Config, remote: &RemoteTags, commit: &Oid) -> Option<String> {
    remote
        .0
        .iter()
        .filter(|(_, tag)| &tag.commit == commit)
        .filter_map(|(name, _)| tag_version(config, name))
        .max_by(|a, b| newer(config, a, b))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use hoist_git::RemoteTag;

    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::parse(&format!("{n:040x}")).unwrap()
    }

    fn remote(tags: &[(&str, u8)]) -> RemoteTags {
        let tags = tags.iter().map(|(name, n)| ((*name).to_owned(), RemoteTag { object: oid(*n), commit: oid(*n) }));
        RemoteTags(tags.collect::<BTreeMap<_, _>>())
    }

    fn config(extra: &str) -> Config {
        Config::parse(&format!("registry = \"r.example/app\"\n{extra}"), Path::new("/nowhere/hoist.toml")).unwrap()
    }

    #[test]
    fn versions_newest_first_by_precedence_not_by_name() {
        let tags = remote(&[("v1.9.0", 1), ("v1.10.0", 2), ("v1.2.0", 3), ("dev/deploy", 2), ("v1.10.0-rc.1", 4)]);
        let versions: Vec<String> = remote_versions(&config(""), &tags).into_iter().map(|v| v.version).collect();
        assert_eq!(versions, ["1.10.0", "1.10.0-rc.1", "1.9.0", "1.2.0"]);
    }

    #[test]
    fn the_version_prefix_is_dropped_before_ordering() {
        // Tags are the bare `{version}`, the versions carry `v`: `v10.0.0` is newest.
        let config = config("[deploy]\nversion-tag = \"release-{version}\"\n");
        let tags = remote(&[("release-v9.0.0", 1), ("release-v10.0.0", 1), ("release-vnext", 2)]);
        let versions: Vec<String> = remote_versions(&config, &tags).into_iter().map(|v| v.version).collect();
        assert_eq!(versions, ["v10.0.0", "v9.0.0", "vnext"]);
        assert_eq!(version_at(&config, &tags, &oid(1)).as_deref(), Some("v10.0.0"));
    }

    #[test]
    fn version_at_picks_the_newest_of_a_commit() {
        let tags = remote(&[("v1.9.0", 1), ("v1.10.0", 1), ("v1.0.0-rc.1", 2), ("v1.0.0", 2), ("v2.0.0", 3)]);
        let config = config("");
        assert_eq!(version_at(&config, &tags, &oid(1)).as_deref(), Some("1.10.0"));
        assert_eq!(version_at(&config, &tags, &oid(2)).as_deref(), Some("1.0.0"));
        assert_eq!(version_at(&config, &tags, &oid(9)), None);
    }
}
