use hoist_config::Config;
use hoist_git::{Oid, RemoteTags, Repo, TagUpdate};
use hoist_naming::Naming;
use serde::Serialize;

use crate::{DeployError, ImageLookup};

/// What a plan does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKind {
    /// Point `ENV/deploy` at a version, keep the old one in `last/ENV/deploy`.
    Deploy,
    /// Swap `ENV/deploy` and `last/ENV/deploy`.
    Rollback,
}

/// A deploy or rollback, decided but not done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// Deploy or rollback.
    pub kind: PlanKind,
    /// The environment.
    pub environment: String,
    /// The git remote the tags live on.
    pub remote: String,
    /// The version that ends up deployed, when known.
    pub version: Option<String>,
    /// The git tag of that version.
    pub version_tag: Option<String>,
    /// The commit that ends up deployed.
    pub commit: Option<Oid>,
    /// The images the environment needs, as the registry answered.
    pub images: Vec<ImageCheck>,
    /// The tag moves, all pushed together or not at all.
    pub moves: Vec<TagMove>,
    /// Everything that forbids the plan; [`execute`] refuses while any remain.
    pub problems: Vec<String>,
}

/// One image the environment needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImageCheck {
    /// The image reference (`registry.example.com/app:v1.2.3`).
    pub reference: String,
    /// Its digest in the registry; `None` when it is missing or could not be checked.
    pub digest: Option<String>,
    /// Why the registry could not be asked, when it could not: the image is then unknown,
    /// not missing.
    pub unknown: Option<String>,
}

/// One tag move.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TagMove {
    /// The tag (`dev/deploy`).
    pub tag: String,
    /// The commit it names now, if it exists.
    pub from: Option<Oid>,
    /// The ref value the push's lease expects (a tag object for an annotated tag).
    pub expected: Option<Oid>,
    /// The commit it will name.
    pub to: Oid,
    /// Why it moves.
    pub reason: String,
}

impl Plan {
    /// True when the environment already runs what the plan would deploy.
    pub fn is_up_to_date(&self) -> bool {
        self.problems.is_empty() && self.moves.is_empty()
    }
}

fn environment_images<'a>(config: &'a Config, environment: &str) -> Result<&'a [String], DeployError> {
    match config.deploy.environments.get(environment) {
        Some(env) => Ok(&env.images),
        None => Err(DeployError::UnknownEnvironment {
            environment: environment.to_owned(),
            known: config.deploy.environments.keys().cloned().collect(),
        }),
    }
}

/// The image references `environment` needs for the bare `version`.
pub fn image_references(config: &Config, environment: &str, version: &str) -> Result<Vec<String>, DeployError> {
    let naming =
        Naming::new(&config.registry, &config.version_prefix, version)?.with_release_step(&config.release_step);
    Ok(environment_images(config, environment)?.iter().map(|step| naming.step_image(step).tags[0].clone()).collect())
}

impl ImageCheck {
    /// Asks `lookup` for `reference`: its digest, or that it is missing, or why the registry
    /// could not be asked. The caller words the problem ([`ImageCheck::problem`] is the
    /// deploy's wording).
    pub fn ask(lookup: &mut dyn ImageLookup, reference: &str) -> ImageCheck {
        let (digest, unknown) = match lookup.digest(reference) {
            Ok(digest) => (digest, None),
            Err(why) => (None, Some(why)),
        };
        ImageCheck { reference: reference.to_owned(), digest, unknown }
    }

    /// True when the registry answered that the image is not there.
    pub fn is_missing(&self) -> bool {
        self.digest.is_none() && self.unknown.is_none()
    }

    /// The problem this check is for a run that needs the image, with `fix` said for a
    /// missing one (`build and push it first`); `None` when the image is there.
    pub fn problem(&self, fix: &str) -> Option<String> {
        match (&self.digest, &self.unknown) {
            (Some(_), _) => None,
            (None, Some(why)) => Some(format!("cannot check image `{}`: {why}", self.reference)),
            (None, None) => Some(format!("image `{}` is not in the registry: {fix}", self.reference)),
        }
    }
}

pub(crate) fn check_images(
    references: Vec<String>,
    lookup: &mut dyn ImageLookup,
    problems: &mut Vec<String>,
) -> Vec<ImageCheck> {
    references
        .into_iter()
        .map(|reference| {
            let check = ImageCheck::ask(lookup, &reference);
            problems.extend(check.problem("build and push it first"));
            check
        })
        .collect()
}

/// Plans deploying the bare `version` (`0.5.146`) to `environment`.
pub fn plan_deploy(
    repo: &Repo,
    config: &Config,
    environment: &str,
    version: &str,
    lookup: &mut dyn ImageLookup,
) -> Result<Plan, DeployError> {
    let deploy = &config.deploy;
    let references = image_references(config, environment, version)?;
    let (tag, last_tag, version_tag) =
        (deploy.tag_for(environment), deploy.last_tag_for(environment), deploy.version_tag_for(version));
    let remote = repo.remote_tags(&deploy.remote, &[&tag, &last_tag, &version_tag])?;

    let mut problems = Vec::new();
    let commit = remote.commit(&version_tag).cloned();
    if commit.is_none() {
        problems.push(format!(
            "the version tag `{version_tag}` is not on the remote `{}`: push it first (`git push {} {version_tag}`)",
            deploy.remote, deploy.remote
        ));
    }
    let images = check_images(references, lookup, &mut problems);

    let mut moves = Vec::new();
    if let Some(target) = &commit
        && remote.commit(&tag) != Some(target)
    {
        moves.push(TagMove {
            tag: tag.clone(),
            from: remote.commit(&tag).cloned(),
            expected: remote.object(&tag).cloned(),
            to: target.clone(),
            reason: format!("deploy `{version_tag}`"),
        });
        if let Some(previous) = remote.commit(&tag) {
            moves.push(last_move(&remote, &last_tag, previous, format!("keep the previous deploy of `{environment}`")));
        }
    }
    Ok(Plan {
        kind: PlanKind::Deploy,
        environment: environment.to_owned(),
        remote: deploy.remote.clone(),
        version: Some(version.to_owned()),
        version_tag: Some(version_tag),
        commit,
        images,
        moves,
        problems,
    })
}

/// Plans pointing `ENV/deploy` back at `last/ENV/deploy` (and `last/ENV/deploy` at what was
/// deployed, so the rollback can itself be undone).
pub fn plan_rollback(
    repo: &Repo,
    config: &Config,
    environment: &str,
    lookup: &mut dyn ImageLookup,
) -> Result<Plan, DeployError> {
    let deploy = &config.deploy;
    environment_images(config, environment)?;
    let (tag, last_tag) = (deploy.tag_for(environment), deploy.last_tag_for(environment));
    let remote = repo.all_remote_tags(&deploy.remote)?;
    let mut problems = Vec::new();
    let (current, previous) = (remote.commit(&tag).cloned(), remote.commit(&last_tag).cloned());
    if current.is_none() {
        problems.push(format!("`{environment}` was never deployed: `{tag}` is not on the remote `{}`", deploy.remote));
    }
    if previous.is_none() {
        problems.push(format!(
            "there is no previous deploy of `{environment}` to roll back to: `{last_tag}` is not on the remote `{}`",
            deploy.remote
        ));
    }
    let version = previous.as_ref().and_then(|commit| crate::status::version_at(config, &remote, commit));
    let images = match &version {
        Some(version) => check_images(image_references(config, environment, version)?, lookup, &mut problems),
        None => Vec::new(),
    };
    let mut moves = Vec::new();
    if let (Some(current), Some(previous)) = (&current, &previous)
        && current != previous
    {
        moves.push(TagMove {
            tag: tag.clone(),
            from: Some(current.clone()),
            expected: remote.object(&tag).cloned(),
            to: previous.clone(),
            reason: format!("roll back to `{last_tag}`"),
        });
        moves.push(last_move(&remote, &last_tag, current, "keep the rolled-back deploy, to undo the rollback".into()));
    }
    Ok(Plan {
        kind: PlanKind::Rollback,
        environment: environment.to_owned(),
        remote: deploy.remote.clone(),
        version_tag: version.as_ref().map(|v| deploy.version_tag_for(v)),
        version,
        commit: previous,
        images,
        moves,
        problems,
    })
}

fn last_move(remote: &RemoteTags, last_tag: &str, to: &Oid, reason: String) -> TagMove {
    TagMove {
        tag: last_tag.to_owned(),
        from: remote.commit(last_tag).cloned(),
        expected: remote.object(last_tag).cloned(),
        to: to.clone(),
        reason,
    }
}

/// Carries out `plan`: refuses while it has problems, then pushes every move at once.
pub fn execute(repo: &Repo, plan: &Plan) -> Result<(), DeployError> {
    if !plan.problems.is_empty() {
        let action = match plan.kind {
            PlanKind::Deploy => "deploy to",
            PlanKind::Rollback => "roll back",
        };
        return Err(DeployError::Refused {
            action,
            environment: plan.environment.clone(),
            problems: plan.problems.clone(),
        });
    }
    if plan.moves.is_empty() {
        return Ok(());
    }
    // The commits must be in the local object store to be pushed (a shallow CI clone may
    // lack an older version's commit).
    if let (Some(commit), Some(version_tag)) = (&plan.commit, &plan.version_tag)
        && !repo.has_commit(commit)
    {
        repo.fetch_tag_objects(&plan.remote, version_tag)?;
    }
    let updates: Vec<TagUpdate> = plan
        .moves
        .iter()
        .map(|m| TagUpdate { name: m.tag.clone(), expected: m.expected.clone(), new: Some(m.to.clone()) })
        .collect();
    repo.push_tags_atomically(&plan.remote, &updates)?;
    Ok(())
}
