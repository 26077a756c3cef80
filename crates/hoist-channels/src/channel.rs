//! The channel file: the original invoke format, read as is.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ChannelError;

/// How a release reaches the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    /// `kubectl apply -k DIR`.
    Kustomize,
    /// `helm install` / `helm upgrade --install` of a chart.
    Helm,
}

impl Driver {
    /// The driver's name in channel files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Kustomize => "kustomize",
            Driver::Helm => "helm",
        }
    }
}

impl std::fmt::Display for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel: a named list of releases, read from one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Channel {
    /// The channel's name (`channel:` in the file, else the file's stem).
    pub name: String,
    /// The file it was read from.
    pub file: PathBuf,
    /// The releases, in file order (the order they are applied in).
    pub releases: Vec<Release>,
}

/// One release of a channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Release {
    /// The release's name (`--app` selects by it).
    pub name: String,
    /// What the driver applies.
    pub source: Source,
    /// Secret names listed in the file; hoist does not fetch or apply them.
    pub secrets: Vec<String>,
}

/// What a release applies, per driver. Paths are as written in the file (relative to the
/// project directory).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "driver", rename_all = "lowercase")]
pub enum Source {
    /// A kustomization directory.
    Kustomize {
        /// `kustomize_dir`.
        dir: PathBuf,
    },
    /// A helm chart.
    Helm {
        /// `helm_chart`: the chart directory.
        chart: PathBuf,
        /// `helm_name`: the helm release name (default: the release's name).
        release: String,
        /// `namespace`.
        namespace: String,
        /// `helm_values`: values files, in order.
        values: Vec<PathBuf>,
    },
}

impl Release {
    /// The release's driver.
    pub fn driver(&self) -> Driver {
        match self.source {
            Source::Kustomize { .. } => Driver::Kustomize,
            Source::Helm { .. } => Driver::Helm,
        }
    }
}

/// The file as written: either the original's `calitp:` wrapper, or the same keys at the top.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawFile {
    Wrapped { calitp: RawChannel },
    Bare(RawChannel),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    channel: Option<String>,
    #[serde(default)]
    releases: Vec<RawRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    name: String,
    driver: Driver,
    #[serde(default)]
    secrets: Vec<String>,
    namespace: Option<String>,
    helm_name: Option<String>,
    helm_chart: Option<PathBuf>,
    #[serde(default)]
    helm_values: Values,
    kustomize_dir: Option<PathBuf>,
}

/// `helm_values`: a list, or one string; either way an entry may join several files with `:`
/// (the original's `invoke.yaml` wrote `a.yaml:b.yaml`).
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Values {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Values {
    fn files(self) -> Vec<PathBuf> {
        let entries = match self {
            Values::None => Vec::new(),
            Values::One(one) => vec![one],
            Values::Many(many) => many,
        };
        entries.iter().flat_map(|e| e.split(':')).filter(|e| !e.trim().is_empty()).map(PathBuf::from).collect()
    }
}

const TOP_KEYS: &[&str] = &["channel", "releases"];
const RELEASE_KEYS: &[&str] =
    &["name", "driver", "secrets", "namespace", "helm_name", "helm_chart", "helm_values", "kustomize_dir"];

/// Finds the file of `channel` in `dir`: `dir/CHANNEL.yaml`, else `dir/CHANNEL.yml`. A
/// `channel` that names an existing file (`ci/channels/test.yaml`) is that file.
pub fn find_channel(dir: &Path, channel: &str) -> Result<PathBuf, ChannelError> {
    let as_path = Path::new(channel);
    if (channel.contains('/') || channel.ends_with(".yaml") || channel.ends_with(".yml")) && as_path.is_file() {
        return Ok(as_path.to_owned());
    }
    let (yaml, yml) = (dir.join(format!("{channel}.yaml")), dir.join(format!("{channel}.yml")));
    for candidate in [&yaml, &yml] {
        if candidate.is_file() {
            return Ok(candidate.clone());
        }
    }
    Err(ChannelError::UnknownChannel { channel: channel.to_owned(), yaml, yml, known: channel_names(dir) })
}

/// The channels of `dir`: the names of its `*.yaml` and `*.yml` files, sorted, each once
/// (none when `dir` cannot be read). The files are not read.
pub fn channel_names(dir: &Path) -> Vec<String> {
    let mut known: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".yml"))
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        })
        .collect();
    known.sort();
    known.dedup();
    known
}

/// Reads and checks the channel file at `path`.
pub fn load(path: &Path) -> Result<Channel, ChannelError> {
    // Only a regular file is read: a FIFO would block hoist forever.
    let text = if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        Err(std::io::Error::other("it is not a regular file (a directory, FIFO, socket or device)"))
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|source| ChannelError::Io { path: path.to_owned(), source })?;
    parse(&text, path)
}

/// Parses the text of a channel file; `path` names it in errors and gives the default name.
pub fn parse(text: &str, path: &Path) -> Result<Channel, ChannelError> {
    // Parse twice when needed: the untagged enum's own error says only "did not match any
    // variant", so the error is taken from the form the file evidently uses.
    let raw = match serde_yaml_ng::from_str::<RawFile>(text) {
        Ok(RawFile::Wrapped { calitp }) | Ok(RawFile::Bare(calitp)) => calitp,
        Err(_) => {
            let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| parse_error(path, &e))?;
            let error = match value.get("calitp") {
                Some(_) => serde_yaml_ng::from_str::<Wrapper>(text).err(),
                None => serde_yaml_ng::from_str::<RawChannel>(text).err(),
            };
            return Err(match error {
                Some(e) => parse_error(path, &e),
                None => ChannelError::Parse {
                    path: path.to_owned(),
                    line: 1,
                    column: 1,
                    message: "not a channel file: expected `releases:` (optionally under `calitp:`)".into(),
                },
            });
        }
    };
    let name =
        raw.channel.unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let mut releases = Vec::new();
    for r in raw.releases {
        let invalid =
            |message: String| ChannelError::InvalidRelease { path: path.to_owned(), release: r.name.clone(), message };
        if releases.iter().any(|known: &Release| known.name == r.name) {
            return Err(invalid("the name is used twice: `--app` could not tell the releases apart".into()));
        }
        let source = match r.driver {
            Driver::Kustomize => {
                let Some(dir) = r.kustomize_dir else {
                    return Err(invalid(
                        "driver `kustomize` needs `kustomize_dir`: add the kustomization's directory".into(),
                    ));
                };
                let helm_keys: Vec<&str> = [
                    ("helm_name", r.helm_name.is_some()),
                    ("helm_chart", r.helm_chart.is_some()),
                    ("namespace", r.namespace.is_some()),
                ]
                .into_iter()
                .filter_map(|(k, set)| set.then_some(k))
                .collect();
                if !helm_keys.is_empty() {
                    let (keys, verb) = if helm_keys.len() == 1 { ("key", "is a") } else { ("keys", "are") };
                    return Err(invalid(format!(
                        "{} {verb} `helm` {keys}: remove {}, or set `driver: helm`",
                        helm_keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                        if helm_keys.len() == 1 { "it" } else { "them" }
                    )));
                }
                Source::Kustomize { dir }
            }
            Driver::Helm => {
                let Some(chart) = r.helm_chart else {
                    return Err(invalid("driver `helm` needs `helm_chart`: add the chart's directory".into()));
                };
                let Some(namespace) = r.namespace.filter(|n| !n.is_empty()) else {
                    return Err(invalid("driver `helm` needs `namespace`: add the namespace to install into".into()));
                };
                if r.kustomize_dir.is_some() {
                    return Err(invalid(
                        "`kustomize_dir` is a `kustomize` key: remove it, or set `driver: kustomize`".into(),
                    ));
                }
                Source::Helm {
                    chart,
                    release: r.helm_name.unwrap_or_else(|| r.name.clone()),
                    namespace,
                    values: r.helm_values.files(),
                }
            }
        };
        releases.push(Release { name: r.name, source, secrets: r.secrets });
    }
    Ok(Channel { name, file: path.to_owned(), releases })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapper {
    #[allow(dead_code)]
    calitp: RawChannel,
}

fn parse_error(path: &Path, error: &serde_yaml_ng::Error) -> ChannelError {
    let (line, column) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
    let mut message = error.to_string();
    // serde_yaml_ng appends " at line L column C"; the location is already in front.
    if let Some(at) = message.find(" at line ") {
        message.truncate(at);
    }
    if let Some(rest) = message.split("unknown field `").nth(1)
        && let Some(field) = rest.split('`').next()
    {
        let at_top = !message.contains("releases[");
        let known = if at_top { TOP_KEYS } else { RELEASE_KEYS };
        let prefix = message.split(": unknown field").next().unwrap_or("").to_owned();
        let place =
            if prefix.is_empty() || prefix.contains("unknown field") { String::new() } else { format!("{prefix}: ") };
        message = match closest(field, known) {
            Some(s) => format!("{place}unknown key `{field}`: did you mean `{s}`?"),
            None => format!(
                "{place}unknown key `{field}`: the keys known here are {}",
                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        };
    } else if message.contains("unknown variant") {
        message = message.replace("unknown variant", "unknown driver");
    }
    ChannelError::Parse { path: path.to_owned(), line, column, message }
}

/// The known name closest to `name`, if it is close enough to be a typo (also for `--app`).
pub(crate) use hoist_config::closest;

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_error(text: &str, expected: &str) {
        let error = parse(text, Path::new("channels/test.yaml")).expect_err("the channel should be refused");
        assert_eq!(error.to_string(), expected);
    }

    /// The original repository's `ci/channels/prod.yaml`, in form (names shortened).
    const ORIGINAL_PROD: &str = "calitp:
  channel: prod
  releases:
    - name: airflow-jobs
      driver: kustomize
      kustomize_dir: kubernetes/apps/manifests/airflow-jobs
    - name: grafana
      driver: helm
      namespace: monitoring-grafana
      helm_name: grafana
      helm_chart: kubernetes/apps/charts/grafana
      helm_values:
        - kubernetes/apps/values/grafana.yaml:kubernetes/apps/values/grafana-prod.yaml
    - name: jupyterhub
      driver: helm
      namespace: jupyterhub
      helm_name: jupyterhub
      helm_chart: kubernetes/apps/charts/jupyterhub
";

    #[test]
    fn reads_the_original_format() {
        let channel = parse(ORIGINAL_PROD, Path::new("ci/channels/prod.yaml")).unwrap();
        assert_eq!(channel.name, "prod");
        assert_eq!(channel.releases.len(), 3);
        assert_eq!(
            channel.releases[0].source,
            Source::Kustomize { dir: "kubernetes/apps/manifests/airflow-jobs".into() }
        );
        assert_eq!(
            channel.releases[1].source,
            Source::Helm {
                chart: "kubernetes/apps/charts/grafana".into(),
                release: "grafana".into(),
                namespace: "monitoring-grafana".into(),
                values: vec![
                    "kubernetes/apps/values/grafana.yaml".into(),
                    "kubernetes/apps/values/grafana-prod.yaml".into()
                ],
            },
            "an entry joining files with `:` is several files"
        );
        assert_eq!(channel.releases[2].driver(), Driver::Helm);
    }

    #[test]
    fn reads_the_bare_form_and_invoke_yaml_values() {
        let text = "releases:\n  - name: web\n    driver: helm\n    namespace: web\n    helm_chart: charts/web\n    helm_values: values/a.yaml:values/b.yaml\n";
        let channel = parse(text, Path::new("channels/staging.yml")).unwrap();
        assert_eq!(channel.name, "staging", "the file stem names a channel without `channel:`");
        let Source::Helm { release, values, .. } = &channel.releases[0].source else { panic!() };
        assert_eq!(release, "web", "`helm_name` defaults to the release name");
        assert_eq!(values, &[PathBuf::from("values/a.yaml"), PathBuf::from("values/b.yaml")]);
        assert!(parse("releases: []\n", Path::new("c.yaml")).unwrap().releases.is_empty());
    }

    #[test]
    fn errors_name_the_place_and_the_fix() {
        check_error(
            "calitp:\n  releases:\n    - name: a\n      driver: kustomize\n      kustomize-dir: k\n",
            "channels/test.yaml:5:7: calitp.releases[0]: unknown key `kustomize-dir`: did you mean `kustomize_dir`?",
        );
        check_error(
            "calitp:\n  chanel: test\n  releases: []\n",
            "channels/test.yaml:2:3: calitp: unknown key `chanel`: did you mean `channel`?",
        );
        check_error(
            "releases:\n  - name: a\n    driver: kubectl\n",
            "channels/test.yaml:3:13: releases[0].driver: unknown driver `kubectl`, expected `kustomize` or `helm`",
        );
        check_error(
            "releases:\n  - name: a\n    driver: kustomize\n",
            "channels/test.yaml: release `a`: driver `kustomize` needs `kustomize_dir`: add the kustomization's directory",
        );
        check_error(
            "releases:\n  - name: a\n    driver: helm\n    helm_chart: c\n",
            "channels/test.yaml: release `a`: driver `helm` needs `namespace`: add the namespace to install into",
        );
        check_error(
            "releases:\n  - name: a\n    driver: kustomize\n    kustomize_dir: k\n    namespace: n\n",
            "channels/test.yaml: release `a`: `namespace` is a `helm` key: remove it, or set `driver: helm`",
        );
        check_error(
            "releases:\n  - {name: a, driver: kustomize, kustomize_dir: k}\n  - {name: a, driver: kustomize, kustomize_dir: j}\n",
            "channels/test.yaml: release `a`: the name is used twice: `--app` could not tell the releases apart",
        );
        check_error("releases: [\n", "channels/test.yaml:2:1: did not find expected node content");
    }

    #[test]
    fn finds_channels_by_name_and_lists_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("test.yaml"), "releases: []\n").unwrap();
        std::fs::write(dir.path().join("prod.yml"), "releases: []\n").unwrap();
        assert_eq!(find_channel(dir.path(), "test").unwrap(), dir.path().join("test.yaml"));
        assert_eq!(find_channel(dir.path(), "prod").unwrap(), dir.path().join("prod.yml"));
        let error = find_channel(dir.path(), "staging").unwrap_err().to_string();
        let d = dir.path().display();
        assert_eq!(
            error,
            format!(
                "no channel `staging`: neither `{d}/staging.yaml` nor `{d}/staging.yml` exists (known: `prod`, `test`): create it, or set `[channels] dir` in `hoist.toml`"
            )
        );
    }
}
