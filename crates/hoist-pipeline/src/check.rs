//! The configuration checked against the project before anything runs: every service a target
//! names exists in its compose files, every stage a key names exists in the Dockerfile, every
//! bump part `ci` uses exists in the version configuration. `hoist check` runs all of it; `ci`
//! puts what it finds in its plan's problems.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use hoist_config::Config;
use serde::Serialize;

/// One mistake in the configuration, with the key that holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConfigProblem {
    /// A key names a service that none of the project's compose files define.
    UnknownService {
        /// The key (`test.service`).
        key: String,
        /// Its line in `hoist.toml`; `None` when the file does not set it (hoist's default).
        line: Option<usize>,
        /// The service.
        service: String,
        /// The `[compose.NAME]` project.
        project: String,
        /// The services the files define.
        known: Vec<String>,
    },
    /// A key names a Dockerfile stage that does not exist.
    UnknownStage {
        /// The key (`deploy.images`).
        key: String,
        /// Its line in `hoist.toml`; `None` when the file does not set it (hoist's default).
        line: Option<usize>,
        /// The stage.
        stage: String,
        /// The Dockerfile.
        dockerfile: PathBuf,
        /// Its named stages.
        known: Vec<String>,
    },
    /// A `ci` key names a version part the version configuration does not have.
    UnknownPart {
        /// The key (`ci.merged-pr-bump`).
        key: String,
        /// Its line in `hoist.toml`; `None` when the file does not set it (hoist's default).
        line: Option<usize>,
        /// The part.
        part: String,
        /// The parts there are.
        known: Vec<String>,
    },
    /// A compose file or the Dockerfile could not be read.
    Unreadable {
        /// The file.
        file: PathBuf,
        /// Why.
        message: String,
    },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ticked = |names: &[String]| names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let at = |line: &Option<usize>| match line {
            Some(line) => format!(", line {line},"),
            None => " (not set there: hoist's default)".to_owned(),
        };
        match self {
            ConfigProblem::UnknownService { key, line, service, project, known } => write!(
                f,
                "`{key}` in `hoist.toml`{} names the service `{service}`, which the compose files of `[compose.{project}]` do not define: name one of {}",
                at(line),
                ticked(known)
            ),
            ConfigProblem::UnknownStage { key, line, stage, dockerfile, known } => write!(
                f,
                "`{key}` in `hoist.toml`{} names `{stage}`, which is not a stage of `{}`: name one of {}",
                at(line),
                dockerfile.display(),
                ticked(known)
            ),
            ConfigProblem::UnknownPart { key, line, part, known } => write!(
                f,
                "`{key}` in `hoist.toml`{} is `{part}`, which is not a part of the version configuration: use one of {} (or `\"\"` for no bump)",
                at(line),
                ticked(known)
            ),
            ConfigProblem::Unreadable { file, message } => write!(f, "cannot read `{}`: {message}", file.display()),
        }
    }
}

/// Checks `config` against the project's files. `parts` are the version configuration's parts,
/// when it could be read (`None`: the bump parts are not checked). Each problem carries the
/// line of its key in `hoist.toml`, read again from `config.path`.
pub fn check_config(config: &Config, parts: Option<&[String]>) -> Vec<ConfigProblem> {
    let text = std::fs::read_to_string(&config.path).unwrap_or_default();
    let line = |at: &str| hoist_config::key_line(&text, at);
    let mut problems = Vec::new();
    stages(config, &line, &mut problems);
    if !config.test.suites.is_empty() {
        let named = [("test.service".to_owned(), line("test.service"), &config.test.service)];
        services(config, &config.test.compose, &named, &mut problems);
    }
    let data = &config.data_image;
    if !data.steps.is_empty() {
        let mut named = vec![
            ("data-image.loader-service".to_owned(), line("data-image.loader-service"), &data.loader_service),
            ("data-image.data-service".to_owned(), line("data-image.data-service"), &data.data_service),
        ];
        // A step without `service` runs in the loader, checked above.
        for (index, step) in data.steps.iter().enumerate().filter(|(_, s)| !s.host) {
            if let Some(at) = line(&format!("data-image.steps.{index}.service")) {
                named.push(("data-image.steps.service".to_owned(), Some(at), &step.service));
            }
        }
        services(config, &data.compose, &named, &mut problems);
    }
    let requirements = &config.requirements;
    if requirements.command.is_some() {
        let named = [("requirements.service".to_owned(), line("requirements.service"), &requirements.service)];
        services(config, &requirements.compose, &named, &mut problems);
    }
    if let Some(parts) = parts {
        for (key, part) in [("ci.merged-pr-bump", &config.ci.merged_pr_bump), ("ci.push-bump", &config.ci.push_bump)] {
            if let Some(part) = part
                && !parts.contains(part)
            {
                problems.push(ConfigProblem::UnknownPart {
                    key: key.into(),
                    line: line(key),
                    part: part.clone(),
                    known: parts.to_vec(),
                });
            }
        }
    }
    problems
}

/// A key, its line in `hoist.toml` (`None`: not set there) and the name it holds.
type Named<'a> = (String, Option<usize>, &'a String);

fn stages(config: &Config, line: &dyn Fn(&str) -> Option<usize>, problems: &mut Vec<ConfigProblem>) {
    let path = config.dockerfile_path();
    let dockerfile = match hoist_dockerfile::parse_file(&path) {
        Ok(dockerfile) => dockerfile,
        Err(error) => return problems.push(ConfigProblem::Unreadable { file: path, message: error.to_string() }),
    };
    let known: Vec<String> = dockerfile.stages.iter().filter_map(|s| s.name.clone()).collect();
    let key = |key: &str, value| (key.to_owned(), line(key), value);
    let mut named: Vec<Named<'_>> = vec![key("release-step", &config.release_step)];
    if !config.test.suites.is_empty() {
        named.push(key("test.step", &config.test.step));
    }
    if !config.data_image.steps.is_empty() {
        named.push(key("data-image.image-step", &config.data_image.image_step));
        named.push(key("data-image.stage", &config.data_image.stage));
    }
    if config.requirements.command.is_some() {
        named.push(key("requirements.step", &config.requirements.step));
    }
    named.extend(config.ci.publish.iter().map(|s| key("ci.publish", s)));
    for (env, environment) in &config.deploy.environments {
        let images = if environment.images == config.deploy.images {
            "deploy.images".to_owned()
        } else {
            format!("deploy.environments.{env}.images")
        };
        named.extend(environment.images.iter().map(|s| key(&images, s)));
    }
    let mut seen = BTreeSet::new();
    for (key, line, stage) in named {
        if dockerfile.stage(stage).is_none() && seen.insert((key.clone(), stage.clone())) {
            problems.push(ConfigProblem::UnknownStage {
                key,
                line,
                stage: stage.clone(),
                dockerfile: config.dockerfile.clone(),
                known: known.clone(),
            });
        }
    }
}

fn services(config: &Config, project: &str, named: &[Named<'_>], problems: &mut Vec<ConfigProblem>) {
    // A missing `[compose.NAME]` table is reported by the target that needs it.
    let Some(compose) = config.compose.get(project) else { return };
    let mut known = BTreeSet::new();
    for file in &compose.files {
        let path = config.root().join(file);
        match compose_services(&path, &Default::default()) {
            Ok(services) => known.extend(services.keys().filter_map(|k| k.as_str().map(str::to_owned))),
            Err(message) => return problems.push(ConfigProblem::Unreadable { file: path, message }),
        }
    }
    let known: Vec<String> = known.into_iter().collect();
    for (key, line, service) in named {
        if !known.contains(service) {
            problems.push(ConfigProblem::UnknownService {
                key: key.clone(),
                line: *line,
                service: (*service).clone(),
                project: project.to_owned(),
                known: known.clone(),
            });
        }
    }
}

/// A compose service that names one of this run's images by a fixed tag other than the one
/// the run gives it (a pull request's images carry its number): compose would run, or try to
/// pull, another image than the one hoist made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixedImage {
    /// The compose file.
    pub file: PathBuf,
    /// The service.
    pub service: String,
    /// The image the file names.
    pub written: String,
    /// The image this run makes for it.
    pub run_image: String,
    /// The variable that names the run's image.
    pub variable: String,
}

impl fmt::Display for FixedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` gives service `{}` the fixed image `{}`, but this run's image is `{}`: write `image: ${{{}:-{}}}` so that compose runs the image hoist made",
            self.file.display(),
            self.service,
            self.written,
            self.run_image,
            self.variable,
            self.written
        )
    }
}

/// What a plan warns about in the compose files it runs: each is shown with the plan and as
/// the run starts, and none stops it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ComposeWarning {
    /// A service's fixed image is not the one this run makes.
    FixedImage(FixedImage),
    /// A bind mount while the engine runs on another machine.
    RemoteBindMount(RemoteBindMount),
}

impl fmt::Display for ComposeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComposeWarning::FixedImage(fixed) => fixed.fmt(f),
            ComposeWarning::RemoteBindMount(mount) => mount.fmt(f),
        }
    }
}

/// A compose service that bind-mounts a path while the engine is remote: the path is looked
/// up on the engine's machine, not on this one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteBindMount {
    /// The compose file.
    pub file: PathBuf,
    /// The service.
    pub service: String,
    /// The mounted path, as the file writes it.
    pub source: String,
    /// The engine's address.
    pub engine: String,
}

impl fmt::Display for RemoteBindMount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` bind-mounts `{}` into service `{}`, and the engine `{}` runs on another machine: the path is the one on the engine's machine, not this one's (copy files into the image, or use a named volume)",
            self.file.display(),
            self.source,
            self.service,
            self.engine
        )
    }
}

/// Every warning for compose project `project`: fixed images ([`fixed_images`]) and, when the
/// engine is remote, bind mounts.
pub fn compose_warnings(
    config: &Config,
    project: &str,
    env: &crate::session::ComposeEnv,
    overlay: &crate::input_digest::Overlay,
) -> Vec<ComposeWarning> {
    let mut warnings: Vec<ComposeWarning> =
        fixed_images(config, project, env, overlay).into_iter().map(ComposeWarning::FixedImage).collect();
    if let (Some(engine), Some(compose)) = (&env.remote_engine, config.compose.get(project)) {
        for file in &compose.files {
            let Ok(services) = compose_services(&config.root().join(file), overlay) else { continue };
            for (name, service) in &services {
                let Some(name) = name.as_str() else { continue };
                for source in bind_mounts(service) {
                    warnings.push(ComposeWarning::RemoteBindMount(RemoteBindMount {
                        file: file.clone(),
                        service: name.to_owned(),
                        source,
                        engine: engine.clone(),
                    }));
                }
            }
        }
    }
    warnings
}

/// The host paths a compose service bind-mounts: `volumes` entries `SOURCE:TARGET[:MODE]`
/// whose source is a path (it has a `/` or starts with `.` or `~`; a named volume has neither),
/// and long-form entries with `type: bind`.
fn bind_mounts(service: &serde_yaml_ng::Value) -> Vec<String> {
    let Some(volumes) = service.get("volumes").and_then(|v| v.as_sequence()) else { return Vec::new() };
    volumes
        .iter()
        .filter_map(|volume| match volume {
            serde_yaml_ng::Value::String(short) => {
                let (source, _) = short.split_once(':')?;
                (source.contains('/') || source.starts_with(['.', '~'])).then(|| source.to_owned())
            }
            serde_yaml_ng::Value::Mapping(_) => (volume.get("type").and_then(|t| t.as_str()) == Some("bind"))
                .then(|| volume.get("source").and_then(|s| s.as_str()).unwrap_or("").to_owned()),
            _ => None,
        })
        .collect()
}

/// The services of compose project `project` (its files as `overlay` will leave them) whose
/// `image` names one of the run's images (`env`) by a fixed tag that is not the run's: a tag
/// in the run's repository whose suffix (`-tester`, `-solr`, none for the release image) is
/// one of the run's images'. An image written with a variable, or `last`, is left alone.
pub fn fixed_images(
    config: &Config,
    project: &str,
    env: &crate::session::ComposeEnv,
    overlay: &crate::input_digest::Overlay,
) -> Vec<FixedImage> {
    let Some(compose) = config.compose.get(project) else { return Vec::new() };
    // Each run image by the part of its tag after the version: `-tester`, `-solr`, ``.
    let mut kinds: Vec<(String, &String, &String)> = env
        .images
        .iter()
        .filter_map(|(variable, image)| {
            let tag = image.strip_prefix(&env.registry)?.strip_prefix(':')?;
            Some((tag.strip_prefix(&env.version)?.to_owned(), variable, image))
        })
        .collect();
    kinds.sort_by_key(|(suffix, ..)| std::cmp::Reverse(suffix.len()));
    let mut found = Vec::new();
    for file in &compose.files {
        // A file that cannot be read is `check`'s to report.
        let Ok(services) = compose_services(&config.root().join(file), overlay) else { continue };
        for (name, service) in &services {
            let (Some(name), Some(written)) = (name.as_str(), service.get("image").and_then(|i| i.as_str())) else {
                continue;
            };
            let Some(tag) = written.strip_prefix(&env.registry).and_then(|rest| rest.strip_prefix(':')) else {
                continue;
            };
            if written.contains('$') || tag == "last" {
                continue;
            }
            let kind = kinds.iter().find(|(suffix, ..)| !suffix.is_empty() && tag.ends_with(suffix.as_str()));
            let kind = kind.or_else(|| kinds.iter().find(|(suffix, ..)| suffix.is_empty()));
            if let Some((_, variable, image)) = kind
                && written != image.as_str()
            {
                found.push(FixedImage {
                    file: file.clone(),
                    service: name.to_owned(),
                    written: written.to_owned(),
                    run_image: (*image).clone(),
                    variable: (*variable).clone(),
                });
            }
        }
    }
    found
}

/// The `services` mapping of the compose file at `path`, as `overlay` will leave it (empty when
/// the file has none); the error says why the file cannot be read or parsed.
pub(crate) fn compose_services(
    path: &std::path::Path,
    overlay: &crate::input_digest::Overlay,
) -> Result<serde_yaml_ng::Mapping, String> {
    let text = match overlay.get(path) {
        Some(text) => text.to_owned(),
        None => std::fs::read_to_string(path).map_err(|e| e.to_string())?,
    };
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).map_err(|e| e.to_string())?;
    Ok(value.get("services").and_then(|s| s.as_mapping()).cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_stages_and_parts_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM a AS release\nFROM release AS tester\nFROM release AS solr\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("ci.yml"), "services:\n  web: {}\n  db: {}\n").unwrap();
        std::fs::write(dir.path().join("solr.yml"), "services:\n  loader: {}\n  solr: {}\n").unwrap();
        let text = "registry = \"r.example/app\"\n[compose.ci]\nfiles = [\"ci.yml\"]\n[compose.solrbld]\nfiles = [\"solr.yml\"]\n[test]\nservice = \"app\"\n[[test.suites]]\nname = \"code\"\ncommand = [\"true\"]\n[data-image]\ndata-service = \"solr\"\n[[data-image.steps]]\ncommand = [\"true\"]\n[[data-image.steps]]\nhost = true\ncommand = [\"./init.sh\"]\n[[data-image.steps]]\nservice = \"index\"\ncommand = [\"true\"]\n[deploy]\nimages = [\"release\", \"solr-data\"]\n[ci]\nmerged-pr-bump = \"patchh\"\n";
        std::fs::write(dir.path().join("hoist.toml"), text).unwrap();
        let config = Config::parse(text, &dir.path().join("hoist.toml")).unwrap();
        let parts = ["major".to_owned(), "minor".to_owned(), "patch".to_owned()];
        let problems: Vec<String> = check_config(&config, Some(&parts)).iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "`deploy.images` in `hoist.toml`, line 22, names `solr-data`, which is not a stage of `Dockerfile`: name one of `release`, `tester`, `solr`",
                "`test.service` in `hoist.toml`, line 7, names the service `app`, which the compose files of `[compose.ci]` do not define: name one of `db`, `web`",
                "`data-image.steps.service` in `hoist.toml`, line 19, names the service `index`, which the compose files of `[compose.solrbld]` do not define: name one of `loader`, `solr`",
                "`ci.merged-pr-bump` in `hoist.toml`, line 24, is `patchh`, which is not a part of the version configuration: use one of `major`, `minor`, `patch` (or `\"\"` for no bump)",
                "`ci.push-bump` in `hoist.toml` (not set there: hoist's default) is `build`, which is not a part of the version configuration: use one of `major`, `minor`, `patch` (or `\"\"` for no bump)",
            ]
        );
    }

    #[test]
    fn bind_mounts_are_warned_about_only_with_a_remote_engine() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM a AS tester\n").unwrap();
        std::fs::write(
            dir.path().join("ci.yml"),
            "services:\n  web:\n    volumes:\n      - ./src:/app\n      - data:/data\n      - /run/summary.md:/summary.md:ro\n      - type: bind\n        source: ~/cache\n        target: /cache\n      - type: volume\n        source: other\n        target: /other\n  db:\n    image: postgres\n",
        )
        .unwrap();
        let text = "registry = \"r.example/app\"\n[compose.ci]\nfiles = [\"ci.yml\"]\n";
        let config = Config::parse(text, &dir.path().join("hoist.toml")).unwrap();
        let mut env = crate::test_run::tests::env();
        let overlay = Default::default();
        assert_eq!(compose_warnings(&config, "ci", &env, &overlay), []);
        env.remote_engine = Some("ssh://build@far".into());
        let warnings: Vec<String> =
            compose_warnings(&config, "ci", &env, &overlay).iter().map(ToString::to_string).collect();
        let sources: Vec<&str> = warnings.iter().map(|w| w.split('`').nth(3).unwrap()).collect();
        assert_eq!(sources, ["./src", "/run/summary.md", "~/cache"]);
        assert_eq!(
            warnings[0],
            "`ci.yml` bind-mounts `./src` into service `web`, and the engine `ssh://build@far` runs on another machine: the path is the one on the engine's machine, not this one's (copy files into the image, or use a named volume)"
        );
    }
}
