//! Whether a step's image must be built, or is already built from the same inputs.
//!
//! The registry is the source of truth: an image carries its [`InputDigest`] as labels, so a
//! fresh CI runner can see that the tagged image in the registry was built from exactly these
//! inputs and skip the build, with no cache file of its own.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::input_digest::{InputDigest, LABEL, LABEL_ARGS, LABEL_CONTEXT, LABEL_DOCKERFILE};

/// What to do for a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildAction {
    /// Build the image (and push it, when pushing).
    Build,
    /// Nothing: the image is already where it is needed, from the same inputs.
    Skip,
    /// Pull the image from the registry: it has the same inputs and is not here.
    Pull,
    /// Push the local image without building: it has the same inputs and the registry lacks it.
    Push,
}

/// An action and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The action.
    pub action: BuildAction,
    /// Why, in one sentence (`built: Dockerfile stage `tester` changed`).
    pub reason: String,
}

/// What the primary tag names already: the labels of its image here and in the registry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Found<'a> {
    /// The local image's labels; `None`: no such image here.
    pub local: Option<&'a BTreeMap<String, String>>,
    /// The registry image's labels; `None`: not in the registry (or not asked).
    pub remote: Option<&'a BTreeMap<String, String>>,
    /// Why the registry could not be asked, when it could not.
    pub remote_unknown: Option<&'a str>,
}

/// Decides what to do for `step`, whose primary tag is `tag`, given what is `found`.
pub fn decide_build(
    step: &str,
    tag: &str,
    inputs: &InputDigest,
    found: Found<'_>,
    push: bool,
    force: bool,
) -> Decision {
    let Found { local, remote, remote_unknown } = found;
    let same = |labels: Option<&BTreeMap<String, String>>| labels.and_then(|l| l.get(LABEL)) == Some(&inputs.digest);
    let short = short(&inputs.digest);
    let decision = |action, reason: String| Decision { action, reason };
    if force {
        return decision(BuildAction::Build, "built: `--force`".into());
    }
    match (same(local), same(remote), push) {
        (_, true, true) => {
            decision(BuildAction::Skip, format!("skipped: `{tag}` in the registry has input digest {short} (same)"))
        }
        (true, _, false) => {
            decision(BuildAction::Skip, format!("skipped: `{tag}` is here with input digest {short} (same)"))
        }
        (false, true, false) => {
            decision(BuildAction::Pull, format!("pulled: `{tag}` in the registry has input digest {short} (same)"))
        }
        (true, false, true) => decision(
            BuildAction::Push,
            format!(
                "pushed without building: `{tag}` here has input digest {short} (same) and the registry {}",
                match (remote, remote_unknown) {
                    (Some(_), _) => "has other inputs".to_owned(),
                    (None, Some(why)) => format!("could not be asked ({why})"),
                    (None, None) => "lacks it".to_owned(),
                }
            ),
        ),
        (false, false, _) => {
            let found = remote.or(local);
            let reason = match found {
                None => match remote_unknown {
                    Some(why) => format!("built: no image `{tag}` here, and the registry could not be asked ({why})"),
                    None => format!("built: no image `{tag}` here or in the registry"),
                },
                Some(labels) if !labels.contains_key(LABEL) => {
                    format!("built: `{tag}` was not built by hoist (it has no input digest)")
                }
                Some(labels) => changed(step, labels, inputs),
            };
            decision(BuildAction::Build, reason)
        }
    }
}

fn changed(step: &str, labels: &BTreeMap<String, String>, inputs: &InputDigest) -> String {
    let mut parts = Vec::new();
    if labels.get(LABEL_DOCKERFILE) != Some(&inputs.dockerfile) {
        parts.push(format!("Dockerfile stage `{step}` (or a stage it needs) changed"));
    }
    if labels.get(LABEL_CONTEXT) != Some(&inputs.context) {
        parts.push("context files it copies changed".to_owned());
    }
    if labels.get(LABEL_ARGS) != Some(&inputs.args) {
        parts.push("build arguments or platform changed".to_owned());
    }
    if parts.is_empty() {
        parts.push(format!(
            "input digest changed ({} → {})",
            short(labels.get(LABEL).map_or("", String::as_str)),
            short(&inputs.digest)
        ));
    }
    format!("built: {}", parts.join(", "))
}

fn short(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(d: &str, c: &str, a: &str) -> InputDigest {
        InputDigest {
            digest: format!("sha256:{d}{c}{a}000000000000"),
            dockerfile: d.into(),
            context: c.into(),
            args: a.into(),
            files: 0,
            bytes: 0,
        }
    }

    #[track_caller]
    fn check(local: Option<&InputDigest>, remote: Option<&InputDigest>, push: bool, expected: (BuildAction, &str)) {
        let now = inputs("d", "c", "a");
        let (l, r) = (local.map(InputDigest::labels), remote.map(InputDigest::labels));
        let found = Found { local: l.as_ref(), remote: r.as_ref(), remote_unknown: None };
        let d = decide_build("tester", "reg/app:v1-tester", &now, found, push, false);
        assert_eq!((d.action, d.reason.as_str()), expected);
    }

    #[test]
    fn decisions() {
        let now = inputs("d", "c", "a");
        let old_stage = inputs("D", "c", "a");
        let old_files = inputs("d", "C", "a");
        let old_args = inputs("d", "c", "A");
        check(None, None, false, (BuildAction::Build, "built: no image `reg/app:v1-tester` here or in the registry"));
        check(
            Some(&now),
            None,
            false,
            (BuildAction::Skip, "skipped: `reg/app:v1-tester` is here with input digest sha256:dca000000000 (same)"),
        );
        check(
            None,
            Some(&now),
            false,
            (
                BuildAction::Pull,
                "pulled: `reg/app:v1-tester` in the registry has input digest sha256:dca000000000 (same)",
            ),
        );
        check(
            None,
            Some(&now),
            true,
            (
                BuildAction::Skip,
                "skipped: `reg/app:v1-tester` in the registry has input digest sha256:dca000000000 (same)",
            ),
        );
        check(
            Some(&now),
            None,
            true,
            (
                BuildAction::Push,
                "pushed without building: `reg/app:v1-tester` here has input digest sha256:dca000000000 (same) and the registry lacks it",
            ),
        );
        check(
            None,
            Some(&old_stage),
            true,
            (BuildAction::Build, "built: Dockerfile stage `tester` (or a stage it needs) changed"),
        );
        check(Some(&old_files), None, false, (BuildAction::Build, "built: context files it copies changed"));
        check(None, Some(&old_args), false, (BuildAction::Build, "built: build arguments or platform changed"));
    }

    #[test]
    fn force_and_foreign_images_and_an_unreachable_registry() {
        let now = inputs("d", "c", "a");
        let labels = now.labels();
        let d = decide_build(
            "tester",
            "t",
            &now,
            Found { local: Some(&labels), remote: Some(&labels), remote_unknown: None },
            true,
            true,
        );
        assert_eq!((d.action, d.reason.as_str()), (BuildAction::Build, "built: `--force`"));
        let foreign = BTreeMap::from([("maintainer".to_owned(), "someone".to_owned())]);
        let d = decide_build("tester", "t", &now, Found { remote: Some(&foreign), ..Found::default() }, true, false);
        assert_eq!(d.reason, "built: `t` was not built by hoist (it has no input digest)");
        let d = decide_build(
            "tester",
            "t",
            &now,
            Found { remote_unknown: Some("connection refused"), ..Found::default() },
            false,
            false,
        );
        assert_eq!(d.reason, "built: no image `t` here, and the registry could not be asked (connection refused)");
    }
}
