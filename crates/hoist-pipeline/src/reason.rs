//! Why the pipeline decided what it decided: typed reasons with their data (what `--json`
//! emits), and the one place they are put into words (their `Display`, what the text plan,
//! the logs and the step summary show).

use std::fmt;

use serde::Serialize;

/// Why an image is built, pulled, pushed or left alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ImageReason {
    /// `--force` or `--no-cache`.
    Forced,
    /// The local image has the same inputs.
    SameHere {
        /// The primary tag.
        tag: String,
        /// The input digest.
        inputs: String,
    },
    /// An earlier step of the same run makes the image here, from the same inputs.
    MadeEarlier {
        /// The primary tag.
        tag: String,
        /// The input digest.
        inputs: String,
        /// The step that makes it.
        by: String,
    },
    /// The registry has the image with the same inputs (and it is pushed, or only needed there).
    SameInRegistry {
        /// The primary tag.
        tag: String,
        /// The input digest.
        inputs: String,
    },
    /// The registry has the image with the same inputs and it is needed here.
    PullSame {
        /// The primary tag.
        tag: String,
        /// The input digest.
        inputs: String,
    },
    /// The image here (or made earlier in the run) has the same inputs and the registry does not.
    PushWithoutBuilding {
        /// The primary tag.
        tag: String,
        /// The input digest.
        inputs: String,
        /// What the registry has under the tag.
        registry: RegistryHas,
        /// The step of this run that makes the image, when it is not here yet.
        made_by: Option<String>,
    },
    /// No image under the tag, here or in the registry.
    Missing {
        /// The primary tag.
        tag: String,
        /// Why the registry could not be asked, when it could not.
        registry_unknown: Option<String>,
    },
    /// The image under the tag has no input labels.
    NotBuiltByHoist {
        /// The primary tag.
        tag: String,
    },
    /// The image under the tag was built from other inputs.
    Changed {
        /// The Dockerfile stage.
        step: String,
        /// What differs.
        changes: Vec<InputChange>,
    },
}

/// What the registry has under a tag that the image here has with the same inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RegistryHas {
    /// An image built from other inputs.
    OtherInputs,
    /// Nothing.
    Nothing,
    /// Unknown: the registry could not be asked.
    Unknown {
        /// Why.
        why: String,
    },
}

/// One part of an image's inputs that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InputChange {
    /// The stage, or a stage it needs.
    Dockerfile,
    /// The context files the stages copy or bind-mount.
    Context,
    /// Build arguments or the platform.
    Args,
    /// The combined digest only (an image labelled by another version of hoist).
    Digest {
        /// The image's digest.
        from: String,
        /// The digest now.
        to: String,
    },
}

/// `sha256:` and the first 12 hex digits.
pub fn short_digest(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

impl fmt::Display for ImageReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageReason::Forced => write!(f, "built: `--force`"),
            ImageReason::SameHere { tag, inputs } => {
                write!(f, "skipped: `{tag}` is here with input digest {} (same)", short_digest(inputs))
            }
            ImageReason::MadeEarlier { tag, inputs, by } => {
                write!(f, "skipped: `{tag}` is made by step `{by}` with input digest {} (same)", short_digest(inputs))
            }
            ImageReason::SameInRegistry { tag, inputs } => {
                write!(f, "skipped: `{tag}` in the registry has input digest {} (same)", short_digest(inputs))
            }
            ImageReason::PullSame { tag, inputs } => {
                write!(f, "pulled: `{tag}` in the registry has input digest {} (same)", short_digest(inputs))
            }
            ImageReason::PushWithoutBuilding { tag, inputs, registry, made_by } => {
                let here = match made_by {
                    Some(step) => format!("made by step `{step}`"),
                    None => "here has".to_owned(),
                };
                let registry = match registry {
                    RegistryHas::OtherInputs => "has other inputs".to_owned(),
                    RegistryHas::Nothing => "lacks it".to_owned(),
                    RegistryHas::Unknown { why } => format!("could not be asked ({why})"),
                };
                let with = if made_by.is_some() { " with" } else { "" };
                write!(
                    f,
                    "pushed without building: `{tag}` {here}{with} input digest {} (same) and the registry {registry}",
                    short_digest(inputs)
                )
            }
            ImageReason::Missing { tag, registry_unknown: None } => {
                write!(f, "built: no image `{tag}` here or in the registry")
            }
            ImageReason::Missing { tag, registry_unknown: Some(why) } => {
                write!(f, "built: no image `{tag}` here, and the registry could not be asked ({why})")
            }
            ImageReason::NotBuiltByHoist { tag } => {
                write!(f, "built: `{tag}` was not built by hoist (it has no input digest)")
            }
            ImageReason::Changed { step, changes } => {
                let parts: Vec<String> = changes
                    .iter()
                    .map(|change| match change {
                        InputChange::Dockerfile => format!("Dockerfile stage `{step}` (or a stage it needs) changed"),
                        InputChange::Context => "context files it copies changed".to_owned(),
                        InputChange::Args => "build arguments or platform changed".to_owned(),
                        InputChange::Digest { from, to } => {
                            format!("input digest changed ({} → {})", short_digest(from), short_digest(to))
                        }
                    })
                    .collect();
                write!(f, "built: {}", parts.join(", "))
            }
        }
    }
}

/// `` `a` ``, or `` `a` or `b` `` for several pathspecs.
fn paths(dump: &[String]) -> String {
    dump.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(" or ")
}

impl fmt::Display for crate::ci::DumpChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::ci::DumpChange;
        match self {
            DumpChange::HeadTouches { dump } => write!(f, "HEAD touches {}", paths(dump)),
            DumpChange::NeverTouched { dump } => write!(f, "no commit touches {}", paths(dump)),
            DumpChange::LastChangedIn { dump, commit } => {
                write!(f, "{} last changed in {commit}, not HEAD", paths(dump))
            }
            DumpChange::InRange { dump, range, commits } => {
                write!(f, "{commits} commit(s) in `{range}` touch {}", paths(dump))
            }
            DumpChange::NotInRange { dump, range } => write!(f, "no commit in `{range}` touches {}", paths(dump)),
        }
    }
}

impl fmt::Display for crate::ci::DataPush {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::ci::DataPush;
        f.write_str(match self {
            DataPush::MainBranch => "pushed (main branch)",
            DataPush::PullRequestData => "pushed under the pull request's name (`ci.push-pr-data = true`)",
            DataPush::PullRequestKept => {
                "kept local (a pull request's data image is pushed only with `ci.push-pr-data = true`)"
            }
            DataPush::Kept => "kept local (not the main branch)",
        })
    }
}

impl fmt::Display for crate::ci::CiReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::ci::{CiReason, MergedFrom, TagFound};
        match self {
            CiReason::NothingSinceTag { tag, found } => {
                let place = match found {
                    TagFound::Local => "",
                    TagFound::Remote => " (on the remote)",
                };
                write!(f, "nothing to do: HEAD is `{tag}`{place}, no commit came after the latest version")
            }
            CiReason::PullRequestNeverBumps => f.write_str("a pull request never bumps"),
            CiReason::NotMainBranch { branch, main } => {
                write!(f, "a push to `{}`, not to the main branch `{main}`", branch.as_deref().unwrap_or("(no branch)"))
            }
            CiReason::Bump { merged, part, key, main } => {
                let what = match merged {
                    None => "a direct push",
                    Some(MergedFrom::Flag) => "a merged pull request (`--merged-pr`)",
                    Some(MergedFrom::EventPayload) => "a merged pull request (the event's head commit message)",
                    Some(MergedFrom::HeadMessage) => "a merged pull request (HEAD's commit message)",
                };
                write!(f, "{what} to `{main}` bumps `{part}` (`{key}`)")
            }
            CiReason::NoBumpConfigured { merged, key } => {
                let what = if *merged { "a merged pull request" } else { "a direct push" };
                write!(f, "{what}: `{key}` is empty, no bump")
            }
            CiReason::NewData { change, push } => write!(f, "new data: {change}; {push}"),
            CiReason::AlwaysRegenerate { push } => {
                write!(f, "`data-image.regenerate = \"always\"`: every run regenerates the data image; {push}")
            }
            CiReason::ReuseData { change, source, digest, push } => {
                let why = change.as_ref().map_or("`data-image.dump` is not set".to_owned(), ToString::to_string);
                write!(f, "no new data ({why}); `{source}` exists at {digest}; {push}")
            }
            CiReason::ReusePullRequestData { change, image, digest } => write!(
                f,
                "new data: {change}; the pull request's own `{image}` exists at {digest}, made by an earlier run from the same dump files: reused, not regenerated"
            ),
            CiReason::MissingData { change, source, unknown, push } => {
                let missing = match unknown {
                    Some(error) => format!("the registry could not be asked about `{source}` ({error})"),
                    None => format!("`{source}` is not in the registry"),
                };
                match change {
                    Some(change) => write!(f, "no new data ({change}), but {missing}; {push}"),
                    None => write!(f, "{missing}; {push}"),
                }
            }
            CiReason::EveryRunTests { step } => write!(f, "every run tests the `{step}` image"),
            CiReason::TestsOff => f.write_str("NO TESTS RUN: `ci.test = false` leaves the tests out of this flow"),
            CiReason::PublishBump { tag: Some(tag) } => {
                write!(f, "publish the bump commit and its tag `{tag}` (atomically; no other tag)")
            }
            CiReason::PublishBump { tag: None } => f.write_str("publish the bump commit (the bump makes no tag)"),
            CiReason::NoBumpNothingToPush => f.write_str("no bump: nothing to push"),
            CiReason::Publish { step, version } => {
                write!(f, "`ci.publish` names `{step}`: the main branch publishes its image of {version}")
            }
            CiReason::PullRequestPushesNothing => f.write_str("a pull request pushes nothing else"),
            CiReason::NotMainPushesNothing { main } => write!(f, "not the main branch `{main}`"),
            CiReason::DeployMain { environment } => write!(
                f,
                "`ci.deploy` deploys the main branch to `deploy.default-environment` `{environment}`; deferred: the gate checks the registry and the version tag after the pushes"
            ),
            CiReason::DeployOff => f.write_str("`ci.deploy = false`"),
        }
    }
}

impl fmt::Display for crate::ci::CiProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::ci::CiProblem;
        match self {
            CiProblem::Dirty { files } => write!(
                f,
                "the working tree has uncommitted changes ({}): the bump would commit on top of them; commit or stash them, or pass `--allow-dirty`",
                files.join(", ")
            ),
            CiProblem::NoRemote { remote } => write!(
                f,
                "there is no git remote `{remote}` to push the bump and deploy tags to: add it (`git remote add {remote} URL`) or name another with `deploy.remote`"
            ),
            CiProblem::DeployImageMissing { environment, image } => write!(
                f,
                "the deploy to `{environment}` needs `{image}`, which this run does not push and the registry lacks: add its stage to `ci.publish`"
            ),
            CiProblem::Config { problem } => write!(f, "{problem}"),
            CiProblem::DeployImageUnknown { environment, image, why } => write!(
                f,
                "the deploy to `{environment}` needs `{image}`, which this run does not push, and the registry could not be asked: {why}"
            ),
        }
    }
}
