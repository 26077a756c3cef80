//! Rendering a release's manifests without a cluster (`kubectl kustomize`, `helm template`)
//! and comparing two renderings resource by resource: the diff of two branches.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_yaml_ng::Value;
use xshell::Shell;

use crate::process::{Command, run};
use crate::{ChannelError, Release, ReleaseDiff, Source};

/// How one resource differs between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Only the new side has it.
    Added,
    /// Only the old side has it.
    Removed,
    /// Both have it, with different contents.
    Changed,
}

impl Change {
    /// `added`, `removed` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One resource that differs: `Deployment web-test/web`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ResourceChange {
    /// The resource, `KIND NAMESPACE/NAME` (`KIND NAME` without a namespace).
    pub resource: String,
    /// How it differs.
    pub change: Change,
}

/// The commands that render `release` (paths relative to `root`): `kubectl kustomize DIR`, or
/// `helm dependency update CHART` then `helm template NAME CHART --namespace NS --values …`.
/// The last command's standard output is the manifests.
pub fn render_commands(root: &Path, release: &Release) -> Vec<Command> {
    match &release.source {
        Source::Kustomize { dir } => {
            vec![Command::with_paths("kubectl", &["kustomize"], &[&root.join(dir)], "render the kustomization")]
        }
        Source::Helm { chart, release: helm_name, namespace, values } => {
            let chart = root.join(chart);
            let update =
                Command::with_paths("helm", &["dependency", "update"], &[&chart], "fetch the chart's dependencies");
            let mut template = Command::new("helm", &["template", helm_name], "render the chart");
            template.args.push(chart.display().to_string());
            template.args.extend(["--namespace".to_owned(), namespace.clone()]);
            for file in values {
                template.args.extend(["--values".to_owned(), root.join(file).display().to_string()]);
            }
            vec![update, template]
        }
    }
}

/// Renders `release` (paths relative to `root`) with [`render_commands`]; the manifests.
pub fn render(sh: &Shell, root: &Path, release: &Release) -> Result<String, ChannelError> {
    let mut manifests = String::new();
    for command in render_commands(root, release) {
        let finished = run(sh, &command)?;
        if !finished.success() {
            return Err(ChannelError::DiffFailed {
                release: release.name.clone(),
                command: command.display(),
                code: finished.code,
                message: finished.message(),
            });
        }
        manifests = finished.stdout;
    }
    Ok(manifests)
}

/// The resources of rendered manifests (a YAML stream; `List`s are opened), by
/// `KIND NAMESPACE/NAME`, each as normalized YAML. A resource without `namespace` gets
/// `namespace` (a helm release's namespace) in its name, as the cluster would. Empty
/// documents are skipped; a document that is not a resource is [`ChannelError::BadManifest`].
pub fn resources(
    release: &str,
    manifests: &str,
    namespace: Option<&str>,
) -> Result<BTreeMap<String, String>, ChannelError> {
    let bad = |message: String| ChannelError::BadManifest { release: release.to_owned(), message };
    let mut out = BTreeMap::new();
    let mut pending: Vec<Value> = Vec::new();
    for document in serde_yaml_ng::Deserializer::from_str(manifests) {
        let value = Value::deserialize(document).map_err(|e| bad(e.to_string()))?;
        pending.push(value);
    }
    pending.reverse();
    while let Some(value) = pending.pop() {
        if value.is_null() {
            continue;
        }
        let kind = value.get("kind").and_then(Value::as_str).map(str::to_owned);
        if kind.as_deref().is_some_and(|k| k.ends_with("List"))
            && let Some(items) = value.get("items").and_then(Value::as_sequence)
        {
            pending.extend(items.iter().rev().cloned());
            continue;
        }
        let metadata = value.get("metadata");
        let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str);
        let (Some(kind), Some(name)) = (kind, name) else {
            return Err(bad("a document has no `kind` or no `metadata.name`".into()));
        };
        let ns = metadata.and_then(|m| m.get("namespace")).and_then(Value::as_str).or(namespace);
        let base = match ns {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        };
        let text = serde_yaml_ng::to_string(&value).map_err(|e| bad(e.to_string()))?;
        let (mut key, mut n) = (base.clone(), 2);
        while out.contains_key(&key) {
            key = format!("{base} ({n})");
            n += 1;
        }
        out.insert(key, text);
    }
    Ok(out)
}

use serde::Deserialize as _;

/// What merging `new` into `old` changes in release `name`: one unified diff per resource
/// that differs (`--- OLD_LABEL: RESOURCE`, `+++ NEW_LABEL: RESOURCE`), in resource order.
pub fn compare(
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    old_label: &str,
    new_label: &str,
) -> ReleaseDiff {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut text = String::new();
    let mut changes = Vec::new();
    for key in keys {
        let (before, after) = (old.get(key), new.get(key));
        let change = match (before, after) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) => Change::Changed,
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (None, None) => continue,
        };
        let (before, after) = (before.map_or("", String::as_str), after.map_or("", String::as_str));
        let diff = similar::TextDiff::from_lines(before, after);
        let old_header = if before.is_empty() { "/dev/null".to_owned() } else { format!("{old_label}: {key}") };
        let new_header = if after.is_empty() { "/dev/null".to_owned() } else { format!("{new_label}: {key}") };
        text.push_str(&diff.unified_diff().context_radius(3).header(&old_header, &new_header).to_string());
        changes.push(ResourceChange { resource: key.clone(), change });
    }
    ReleaseDiff { name: name.to_owned(), diff: (!text.is_empty()).then_some(text), resources: changes }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: t\nspec:\n  replicas: 1\n  image: r/app:v1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: t\n---\n";
    const NEW: &str = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    namespace: t\n  spec:\n    replicas: 1\n    image: r/app:v2@sha256:ab\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: env\n";

    #[test]
    fn renderings_are_compared_resource_by_resource() {
        let old = resources("web", OLD, None).unwrap();
        let new = resources("web", NEW, Some("t")).unwrap();
        assert_eq!(old.keys().collect::<Vec<_>>(), ["Deployment t/web", "Service t/web"]);
        assert_eq!(new.keys().collect::<Vec<_>>(), ["ConfigMap t/env", "Deployment t/web"]);
        let diff = compare("web", &old, &new, "releases/test", "candidates/main");
        let changes: Vec<(&str, Change)> = diff.resources.iter().map(|r| (r.resource.as_str(), r.change)).collect();
        assert_eq!(
            changes,
            [
                ("ConfigMap t/env", Change::Added),
                ("Deployment t/web", Change::Changed),
                ("Service t/web", Change::Removed)
            ]
        );
        let text = diff.diff.unwrap();
        assert!(
            text.contains("--- releases/test: Deployment t/web\n+++ candidates/main: Deployment t/web\n"),
            "{text}"
        );
        assert!(text.contains("-  image: r/app:v1\n+  image: r/app:v2@sha256:ab\n"), "{text}");
        assert!(text.contains("--- /dev/null\n+++ candidates/main: ConfigMap t/env\n"), "{text}");
        let same = compare("web", &old, &old, "a", "b");
        assert_eq!((same.diff, same.resources.len()), (None, 0));
    }

    #[test]
    fn a_document_that_is_no_resource_is_refused() {
        let error = resources("web", "just: a mapping\n", None).unwrap_err();
        assert!(error.to_string().contains("no `kind`"), "{error}");
    }
}
