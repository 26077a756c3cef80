//! From the project's files to the plan: each fact read once by the reader hoist already has
//! for it (the Dockerfile parser, the compose-file reader of `check`, bump-my-version's
//! configuration loader), the justfile by [`super::justfile`], and each key decided from the
//! first source that has it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value as Yaml};

use super::justfile::{self, Justfile, Recipe};
use super::render::{self, Table, Value};
use super::shell::{self, Command, Joiner};
use super::{InitError, InitPlan, LineProblem, NotInferred, Source};

/// The largest file `init` reads: far above any justfile, compose file or workflow.
const MAX_FILE: u64 = 4 << 20;

/// How many `$( just X )` and dependency hops a compose-file reference is followed.
const MAX_HOPS: usize = 4;

/// Reads the project in `dir` and plans the `hoist.toml` to write there.
pub fn plan_init(dir: &Path) -> Result<InitPlan, InitError> {
    if !dir.is_dir() {
        return Err(InitError::NoDirectory { dir: dir.to_owned() });
    }
    let dir =
        std::path::absolute(dir).map_err(|e| InitError::Unreadable { path: dir.to_owned(), message: e.to_string() })?;
    let project = Project::read(&dir)?;
    let mut plan = Planner::new(&project);
    plan.plan();
    let (text, inferred) = render::render(&plan.tables());
    let path = dir.join(hoist_config::FILE_NAME);
    // What is written must load as every other command loads it.
    hoist_config::Config::parse(&text, &path).map_err(|source| InitError::Invalid { source })?;
    Ok(InitPlan { path, text, inferred, not_inferred: plan.missing })
}

/// The text of `path` when it is a regular file (told from its metadata, so a FIFO is never
/// opened) of a sane size; `None` when it does not exist.
fn read_text(dir: &Path, name: &Path) -> Result<Option<String>, InitError> {
    let path = dir.join(name);
    if !hoist_version::text::regular_file(&path, name)? {
        return Ok(None);
    }
    let unreadable = |e: std::io::Error| InitError::Unreadable { path: name.to_owned(), message: e.to_string() };
    let meta = std::fs::metadata(&path).map_err(unreadable)?;
    if meta.len() > MAX_FILE {
        return Err(InitError::TooLarge { path: name.to_owned(), limit: MAX_FILE });
    }
    let bytes = std::fs::read(&path).map_err(unreadable)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// A compose file and its services.
struct ComposeFile {
    name: PathBuf,
    services: Mapping,
}

/// A workflow file's lines.
struct Workflow {
    name: PathBuf,
    text: String,
}

/// Everything read from the project.
struct Project {
    dir: PathBuf,
    justfile: Option<Justfile>,
    version: Option<(PathBuf, hoist_version::Config)>,
    dockerfile: Option<(PathBuf, hoist_dockerfile::Dockerfile)>,
    compose: Vec<ComposeFile>,
    workflows: Vec<Workflow>,
}

impl Project {
    fn read(dir: &Path) -> Result<Project, InitError> {
        let mut justfile = None;
        for name in ["justfile", "Justfile", ".justfile"] {
            if let Some(text) = read_text(dir, Path::new(name))? {
                justfile = Some(justfile::read(&text));
                break;
            }
        }
        let version = match hoist_version::config::find_config_file(dir)? {
            Some(path) => {
                let config = hoist_version::config::load(Some(&path), &Default::default(), dir)?;
                // Named as found from the project directory (the search returns it resolved).
                let resolved = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
                let name = path
                    .strip_prefix(&resolved)
                    .or(path.strip_prefix(dir))
                    .map(Path::to_path_buf)
                    .unwrap_or(path.clone());
                Some((name, config))
            }
            None => None,
        };
        let dockerfile_name = PathBuf::from("Dockerfile");
        let dockerfile = if hoist_version::text::regular_file(&dir.join(&dockerfile_name), &dockerfile_name)? {
            Some((dockerfile_name.clone(), hoist_dockerfile::parse_file(&dir.join(&dockerfile_name))?))
        } else {
            None
        };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| InitError::Unreadable { path: dir.to_owned(), message: e.to_string() })?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| is_compose_name(name))
            .collect();
        names.sort();
        let mut compose = Vec::new();
        for name in names {
            let name = PathBuf::from(name);
            if read_text(dir, &name)?.is_none() {
                continue;
            }
            let services = crate::check::compose_services(&dir.join(&name), &Default::default())
                .map_err(|message| InitError::Unreadable { path: name.clone(), message })?;
            compose.push(ComposeFile { name, services });
        }
        let mut workflows = Vec::new();
        let workflow_dir = dir.join(".github/workflows");
        if workflow_dir.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(&workflow_dir)
                .map_err(|e| InitError::Unreadable { path: workflow_dir.clone(), message: e.to_string() })?
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
                .collect();
            names.sort();
            for name in names {
                let name = Path::new(".github/workflows").join(name);
                if let Some(text) = read_text(dir, &name)? {
                    workflows.push(Workflow { name, text });
                }
            }
        }
        Ok(Project { dir: dir.to_owned(), justfile, version, dockerfile, compose, workflows })
    }

    fn compose_file(&self, name: &Path) -> Option<&ComposeFile> {
        self.compose.iter().find(|c| c.name == name)
    }

    fn is_project_file(&self, name: &str) -> bool {
        let name = normalize(name);
        !name.is_empty() && !name.starts_with('/') && !name.contains("..") && self.dir.join(&name).is_file()
    }
}

fn is_compose_name(name: &str) -> bool {
    (name.starts_with("docker-compose") || name.starts_with("compose"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

/// `./a/b` as `a/b`.
fn normalize(path: &str) -> String {
    let mut path = path;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path.to_owned()
}

/// A compose project as a recipe or the file names say it.
#[derive(Clone, Debug)]
struct ProjectDef {
    files: Vec<PathBuf>,
    /// The `-p` name, when a recipe gives one.
    name: Option<String>,
    /// The recipe that runs compose with it, as the shortcut.
    shortcut: Option<String>,
    source: Source,
}

/// A compose command of a recipe line: which project, and the words after the project options.
struct ComposeCall {
    /// The index of the project in `Planner::projects`; `None`: one no recipe or file names.
    project: Option<usize>,
    words: Vec<String>,
}

/// A loading step of the data image: in a service, or a script on the host.
enum Step {
    Service(ServiceRun),
    Host(Vec<String>),
}

/// A command run in a service (`exec`) or a new container (`run`), read from its options.
#[derive(Default)]
struct ServiceRun {
    service: String,
    command: Vec<String>,
    user: Option<String>,
    env: Vec<(String, String)>,
    entrypoint: Option<String>,
}

struct Planner<'a> {
    project: &'a Project,
    top: Table,
    projects: Vec<ProjectDef>,
    test_project: Option<usize>,
    data_project: Option<usize>,
    compose_tables: Vec<Table>,
    test: Table,
    suites: Vec<Table>,
    setups: Vec<Table>,
    data: Table,
    data_steps: Vec<Table>,
    requirements: Table,
    ci: Table,
    deploy: Table,
    environments: Vec<Table>,
    missing: Vec<NotInferred>,
    /// The version's prefix and the current version, for reading image tags.
    prefix: String,
    current: Option<String>,
    release_step: String,
    tester: Option<String>,
    data_stage: Option<String>,
}

impl<'a> Planner<'a> {
    fn new(project: &'a Project) -> Planner<'a> {
        Planner {
            project,
            top: Table::new(&[]),
            projects: Vec::new(),
            test_project: None,
            data_project: None,
            compose_tables: Vec::new(),
            test: Table::new(&["test"]),
            suites: Vec::new(),
            setups: Vec::new(),
            data: Table::new(&["data-image"]),
            data_steps: Vec::new(),
            requirements: Table::new(&["requirements"]),
            ci: Table::new(&["ci"]),
            deploy: Table::new(&["deploy"]),
            environments: Vec::new(),
            missing: Vec::new(),
            prefix: "v".into(),
            current: None,
            release_step: "release".into(),
            tester: None,
            data_stage: None,
        }
    }

    fn tables(&self) -> Vec<Table> {
        // The top keys in the order of docs/configuration.md, whichever was decided first.
        const ORDER: [&str; 6] =
            ["registry", "cache-registry", "release-step", "platform", "version-prefix", "pr-variable"];
        let mut top = self.top.clone();
        top.entries.sort_by_key(|e| ORDER.iter().position(|k| *k == e.key).unwrap_or(ORDER.len()));
        let mut tables = vec![top];
        tables.extend(self.compose_tables.iter().cloned());
        if !self.test.entries.is_empty() || !self.test.placeholders.is_empty() {
            tables.push(self.test.clone());
        }
        tables.extend(self.setups.iter().cloned());
        tables.extend(self.suites.iter().cloned());
        if !self.data.entries.is_empty() || !self.data.placeholders.is_empty() {
            tables.push(self.data.clone());
        }
        tables.extend(self.data_steps.iter().cloned());
        if !self.requirements.entries.is_empty() || !self.requirements.placeholders.is_empty() {
            tables.push(self.requirements.clone());
        }
        tables.push(self.ci.clone());
        if !self.deploy.entries.is_empty() {
            tables.push(self.deploy.clone());
        }
        tables.extend(self.environments.iter().cloned());
        tables
    }

    fn justfile(&self) -> Option<&'a Justfile> {
        self.project.justfile.as_ref()
    }

    fn plan(&mut self) {
        self.version();
        self.registry();
        self.stages();
        self.compose_projects();
        self.test_table();
        self.data_table();
        self.requirements_table();
        self.ci_table();
    }

    /// The version configuration: the current version, the prefix, the tag.
    fn version(&mut self) {
        let Some((file, config)) = &self.project.version else {
            self.missing.push(NotInferred::NoVersionConfig);
            return;
        };
        self.current = config.current_version.clone().or(config.pep621_version.clone());
        if !config.tag {
            self.missing.push(NotInferred::NoVersionTag { file: file.clone() });
        }
        let tag_source = Source::VersionConfig { file: file.clone(), key: "tag_name".into() };
        match config.tag_name.split_once("{new_version}") {
            Some((before, after)) if !before.contains('{') && !after.contains('{') => {
                self.deploy.set("version-tag", Value::Str(format!("{before}{{version}}{after}")), tag_source);
            }
            _ => self.missing.push(NotInferred::TagName { file: file.clone(), tag_name: config.tag_name.clone() }),
        }
        // The justfile's `VERSION` is the image version: the prefix in front of `current_version`.
        if let (Some(current), Some(variable)) =
            (&self.current, self.justfile().and_then(|j| j.variable("VERSION")).filter(|v| v.value.is_some()))
        {
            let value = variable.value.clone().unwrap_or_default();
            match value.strip_suffix(current.as_str()) {
                Some(prefix) => {
                    self.prefix = prefix.to_owned();
                    self.top.set(
                        "version-prefix",
                        Value::Str(prefix.to_owned()),
                        Source::JustfileVariable { name: "VERSION".into() },
                    );
                }
                None => self.missing.push(NotInferred::VersionMismatch {
                    justfile: value,
                    current: current.clone(),
                    file: file.clone(),
                }),
            }
        }
    }

    /// `registry`, `cache-registry`, `pr-variable`, `platform`.
    fn registry(&mut self) {
        let justfile = self.justfile();
        let from_justfile = justfile.and_then(|j| {
            ["IMAGE_REGISTRY", "REGISTRY", "IMAGE"]
                .iter()
                .find_map(|name| Some((name.to_string(), j.variable(name)?.value.clone()?)))
        });
        let mut registry = None;
        if let Some((name, value)) = from_justfile {
            let source = Source::JustfileVariable { name };
            if hoist_naming::is_valid_repository(&value) {
                registry = Some((value, source));
            } else {
                self.missing.push(NotInferred::BadRepository { key: "registry".into(), value, source });
            }
        }
        if registry.is_none() {
            registry = self.registry_from_compose();
        }
        match registry {
            Some((value, source)) => self.top.set("registry", Value::Str(value), source),
            None => {
                let placeholder = placeholder_registry(&self.project.dir);
                self.top.set("registry", Value::Str(placeholder.clone()), Source::Default);
                self.top.placeholders.push(format!("could not infer: replace `registry` above ({placeholder})"));
                self.missing.push(NotInferred::NoRegistry { placeholder });
            }
        }
        match justfile.and_then(|j| j.variable("CACHE_REGISTRY")).and_then(|v| v.value.clone()) {
            Some(value) if hoist_naming::is_valid_repository(&value) => self.top.set(
                "cache-registry",
                Value::Str(value),
                Source::JustfileVariable { name: "CACHE_REGISTRY".into() },
            ),
            Some(value) => self.missing.push(NotInferred::BadRepository {
                key: "cache-registry".into(),
                value,
                source: Source::JustfileVariable { name: "CACHE_REGISTRY".into() },
            }),
            None => self.missing.push(NotInferred::NoCacheRegistry),
        }
        if let Some(justfile) = justfile {
            let pr = justfile.variables.iter().find(|v| {
                matches!(v.name.to_ascii_lowercase().as_str(), "prnum" | "pr_num" | "pr" | "pr_number")
                    && v.env.is_some()
            });
            if let Some(variable) = pr {
                self.top.set(
                    "pr-variable",
                    Value::Str(variable.env.clone().unwrap_or_default()),
                    Source::JustfileVariable { name: variable.name.clone() },
                );
            }
            // `--platform X` of a build command.
            'recipes: for recipe in &justfile.recipes {
                for (line, text) in &recipe.body {
                    let Some(commands) = shell::commands(text) else { continue };
                    for (command, _) in commands {
                        let words = &command.words;
                        let builds = words.first().is_some_and(|w| w == "docker")
                            && words.iter().skip(1).take(2).any(|w| w == "build");
                        if let Some(at) = words.iter().position(|w| w == "--platform").filter(|_| builds)
                            && let Some(platform) = words.get(at + 1)
                        {
                            self.top.set(
                                "platform",
                                Value::Str(platform.clone()),
                                Source::JustfileRecipe { recipe: recipe.name.clone(), line: *line },
                            );
                            break 'recipes;
                        }
                    }
                }
            }
        }
    }

    /// A compose image tagged with the current version names the repository (and the prefix).
    fn registry_from_compose(&mut self) -> Option<(String, Source)> {
        let current = self.current.clone()?;
        for file in &self.project.compose {
            for (name, service) in &file.services {
                let (Some(name), Some(image)) = (name.as_str(), service.as_mapping().and_then(image_of)) else {
                    continue;
                };
                let Some((repository, tag)) = split_image(&image) else { continue };
                let Some(at) = tag.find(current.as_str()) else { continue };
                let (prefix, rest) = (&tag[..at], &tag[at + current.len()..]);
                if prefix.len() > 8 || !prefix.chars().all(|c| c.is_ascii_alphabetic()) {
                    continue;
                }
                if !(rest.is_empty() || rest.starts_with('-')) || !hoist_naming::is_valid_repository(repository) {
                    continue;
                }
                let source = Source::ComposeService {
                    file: file.name.clone(),
                    service: name.to_owned(),
                    what: format!("runs `{image}`"),
                };
                if !self.top.entries.iter().any(|e| e.key == "version-prefix") {
                    self.prefix = prefix.to_owned();
                    self.top.set("version-prefix", Value::Str(prefix.to_owned()), source.clone());
                }
                return Some((repository.to_owned(), source));
            }
        }
        None
    }

    /// The Dockerfile: `release-step`, the tester stage, the data stage and its archive.
    fn stages(&mut self) {
        let Some((file, dockerfile)) = &self.project.dockerfile else {
            self.missing.push(NotInferred::NoDockerfile);
            return;
        };
        let named: Vec<String> = dockerfile.stages.iter().filter_map(|s| s.name.clone()).collect();
        let from_recipe = self.justfile().and_then(|j| {
            let recipe = j.recipe("build")?;
            let step = recipe.parameters.iter().find(|p| p.name == "step")?.default.clone()?;
            named.contains(&step).then_some((step, recipe.name.clone(), recipe.line))
        });
        match from_recipe {
            Some((step, recipe, line)) => {
                self.release_step = step.clone();
                self.top.set("release-step", Value::Str(step), Source::JustfileRecipe { recipe, line });
            }
            None if named.iter().any(|n| n == "release") => self.top.set(
                "release-step",
                Value::Str("release".into()),
                Source::Dockerfile { file: file.clone(), stage: "release".into() },
            ),
            None => self.missing.push(NotInferred::NoReleaseStage { stages: named.clone() }),
        }
        self.tester = ["tester", "test"].iter().find(|n| named.iter().any(|s| s == *n)).map(|n| (*n).to_owned());
        // The data stage: one that binds or copies a gzipped tar of the context.
        for stage in &dockerfile.stages {
            let Some(name) = &stage.name else { continue };
            for instruction in &stage.instructions {
                if let Some(archive) = archive_of(instruction) {
                    let source = Source::Dockerfile { file: file.clone(), stage: name.clone() };
                    self.data_stage = Some(name.clone());
                    self.data.set("stage", Value::Str(name.clone()), source.clone());
                    self.data.set("suffix", Value::Str(name.clone()), source.clone());
                    self.data.set("archive", Value::Str(archive), source);
                    return;
                }
            }
        }
    }

    /// The compose projects: from recipes that run compose with `-f` files, else from the file
    /// names (`*.ci.yml` with the base file; a data-build file).
    fn compose_projects(&mut self) {
        if let Some(justfile) = self.justfile() {
            for recipe in &justfile.recipes {
                if let Some(def) = self.shortcut(justfile, recipe) {
                    self.projects.push(def);
                }
            }
        }
        // The recipes' roles decide which project is which; the file names are the fallback.
        self.test_project = self.project_used_by(&self.test_recipe());
        self.data_project = self.project_used_by(&self.data_recipe());
        if self.test_project.is_none() {
            self.test_project = self.projects.iter().position(|p| p.files.iter().any(|f| is_ci_name(f)));
        }
        if self.test_project.is_none()
            && let Some(ci) = self.project.compose.iter().find(|c| is_ci_name(&c.name))
        {
            let mut files: Vec<PathBuf> =
                self.project.compose.iter().filter(|c| is_base_name(&c.name)).map(|c| c.name.clone()).take(1).collect();
            files.push(ci.name.clone());
            self.projects.push(ProjectDef {
                files,
                name: None,
                shortcut: None,
                source: Source::ComposeFile { file: ci.name.clone() },
            });
            self.test_project = Some(self.projects.len() - 1);
        }
        if self.data_project.is_none() {
            let data_file = self
                .project
                .compose
                .iter()
                .find(|c| !is_base_name(&c.name) && !is_ci_name(&c.name) && data_services(c).is_some());
            if let Some(file) = data_file {
                self.data_project = self.projects.iter().position(|p| p.files == [file.name.clone()]);
                if self.data_project.is_none() {
                    self.projects.push(ProjectDef {
                        files: vec![file.name.clone()],
                        name: None,
                        shortcut: None,
                        source: Source::ComposeFile { file: file.name.clone() },
                    });
                    self.data_project = Some(self.projects.len() - 1);
                }
            }
        }
        for (index, table) in [(self.test_project, "ci"), (self.data_project, "solrbld")] {
            let Some(index) = index else { continue };
            let def = &self.projects[index];
            let mut compose = Table::new(&["compose", table]);
            let files = def.files.iter().map(|f| f.display().to_string()).collect();
            compose.set("files", Value::List(files), def.source.clone());
            compose.set(
                "project",
                Value::Str(def.name.clone().unwrap_or_else(|| table.into())),
                match def.name {
                    Some(_) => def.source.clone(),
                    None => Source::Default,
                },
            );
            if let Some(shortcut) = &def.shortcut {
                compose.set("shortcut", Value::Str(shortcut.clone()), def.source.clone());
            }
            self.compose_tables.push(compose);
        }
    }

    /// A recipe whose one line runs compose with `-f` files (and `-p`), passing its arguments on.
    fn shortcut(&self, justfile: &Justfile, recipe: &Recipe) -> Option<ProjectDef> {
        let [(line, text)] = recipe.body.as_slice() else { return None };
        let commands = shell::commands(text)?;
        let [(command, _)] = commands.as_slice() else { return None };
        let rest = compose_words(&command.words)?;
        let (files, name, rest) = project_options(rest);
        if files.is_empty() || !rest.is_empty() {
            return None;
        }
        let mut resolved = Vec::new();
        for file in files {
            let file = if file.starts_with("$(") { self.echoed(justfile, &file, 0)? } else { file };
            let file = normalize(&file);
            self.project.compose_file(Path::new(&file))?;
            resolved.push(PathBuf::from(file));
        }
        Some(ProjectDef {
            files: resolved,
            name,
            shortcut: Some(recipe.name.clone()),
            source: Source::JustfileRecipe { recipe: recipe.name.clone(), line: *line },
        })
    }

    /// What `$( just NAME )` prints, when the recipe (or the one it depends on) echoes a word.
    fn echoed(&self, justfile: &Justfile, word: &str, hops: usize) -> Option<String> {
        let inner = word.strip_prefix("$(")?.strip_suffix(')')?;
        let words: Vec<&str> = inner.split_whitespace().collect();
        let ["just", name] = words.as_slice() else { return None };
        self.recipe_echo(justfile, name, hops)
    }

    fn recipe_echo(&self, justfile: &Justfile, name: &str, hops: usize) -> Option<String> {
        if hops >= MAX_HOPS {
            return None;
        }
        let recipe = justfile.recipe(name)?;
        match recipe.body.as_slice() {
            [] => self.recipe_echo(justfile, recipe.dependencies.first()?, hops + 1),
            [(_, text)] => {
                let commands = shell::commands(text)?;
                match commands.as_slice() {
                    [(Command { words, .. }, _)] if words.len() == 2 && words[0] == "echo" => Some(words[1].clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn test_recipe(&self) -> Option<&'a Recipe> {
        let justfile = self.justfile()?;
        ["test", "tests"].iter().find_map(|n| justfile.recipe(n))
    }

    /// The recipe that builds the data stage (`just build solr`), else `regen-solr-image`.
    fn data_recipe(&self) -> Option<&'a Recipe> {
        let justfile = self.justfile()?;
        let stage = self.data_stage.as_deref();
        let builds = |recipe: &&Recipe| {
            recipe.body.iter().any(|(_, text)| {
                shell::commands(text).is_some_and(|commands| {
                    commands.iter().any(|(c, _)| {
                        c.words.len() >= 3
                            && c.words[0] == "just"
                            && c.words[1] == "build"
                            && stage == Some(c.words[2].as_str())
                    })
                })
            })
        };
        justfile.recipes.iter().find(builds).or_else(|| justfile.recipe("regen-solr-image"))
    }

    /// The project the recipe's compose commands run in.
    fn project_used_by(&self, recipe: &Option<&Recipe>) -> Option<usize> {
        let recipe = (*recipe)?;
        recipe.body.iter().find_map(|(_, text)| {
            shell::commands(text)?.iter().find_map(|(command, _)| self.compose_call(command)?.project)
        })
    }

    /// `just SHORTCUT …` or `docker compose -f … -p … …` as a call in a known project.
    fn compose_call(&self, command: &Command) -> Option<ComposeCall> {
        let words = strip_loop_keyword(&command.words);
        if words.len() >= 2 && words[0] == "just" {
            let index = self.projects.iter().position(|p| p.shortcut.as_deref() == Some(words[1].as_str()))?;
            return Some(ComposeCall { project: Some(index), words: words[2..].to_vec() });
        }
        let rest = compose_words(words)?;
        let (files, _, rest) = project_options(rest);
        let files: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(normalize(f))).collect();
        let project = self.projects.iter().position(|p| !files.is_empty() && p.files == files);
        Some(ComposeCall { project, words: rest.to_vec() })
    }

    /// `[test]`, its setup commands and suites, from the recipe `test`.
    fn test_table(&mut self) {
        let Some(tester) = self.tester.clone() else {
            self.missing.push(NotInferred::NoTesterStage);
            return;
        };
        let Some((file, _)) = &self.project.dockerfile else { return };
        let Some(project) = self.test_project else {
            self.missing.push(NotInferred::NoTestCompose);
            return;
        };
        let def_source = self.projects[project].source.clone();
        self.test.set("compose", Value::Str("ci".into()), def_source);
        let mut service: Option<(String, Source)> = None;
        if let Some(recipe) = self.test_recipe() {
            let mut seen_suite = false;
            let mut names = BTreeSet::new();
            for (line, text) in &recipe.body {
                let Some((run, reported_only)) = self.service_line(recipe, *line, text, project, "exec") else {
                    continue;
                };
                let source = Source::JustfileRecipe { recipe: recipe.name.clone(), line: *line };
                service.get_or_insert((run.service.clone(), source.clone()));
                let root = matches!(run.user.as_deref(), Some("0" | "root"));
                let mut table = if root && !seen_suite {
                    let mut t = Table::new(&["test", "setup"]);
                    t.array = true;
                    t
                } else {
                    seen_suite = true;
                    let mut t = Table::new(&["test", "suites"]);
                    t.array = true;
                    t.set("name", Value::Str(suite_name(&run, &mut names)), source.clone());
                    t
                };
                table.set("command", Value::List(run.command.clone()), source.clone());
                if let Some(user) = &run.user {
                    table.set("user", Value::Str(user.clone()), source.clone());
                }
                if !run.env.is_empty() {
                    table.set("env", Value::Map(run.env.clone()), source.clone());
                }
                if reported_only && seen_suite {
                    table.set("reported-only", Value::Bool(true), source.clone());
                }
                if seen_suite { self.suites.push(table) } else { self.setups.push(table) }
            }
        }
        let services = self.services_of(project);
        if service.is_none() {
            service = services
                .iter()
                .find(|(_, _, s)| {
                    image_of(s).and_then(|i| split_image(&i).map(|(_, t)| t.ends_with(&format!("-{tester}"))))
                        == Some(true)
                })
                .map(|(file, name, s)| {
                    let what = format!("runs `{}`", image_of(s).unwrap_or_default());
                    (name.clone(), Source::ComposeService { file: file.clone(), service: name.clone(), what })
                })
                .or_else(|| {
                    let only: Vec<_> = services.iter().filter(|(_, name, _)| name == "web").collect();
                    let pick = only.first().copied().or_else(|| (services.len() == 1).then(|| &services[0]))?;
                    Some((
                        pick.1.clone(),
                        Source::ComposeService {
                            file: pick.0.clone(),
                            service: pick.1.clone(),
                            what: "is defined".into(),
                        },
                    ))
                });
        }
        match service {
            Some((name, source)) => self.test.set("service", Value::Str(name), source),
            None => self.missing.push(NotInferred::NoTestService),
        }
        self.test.set("step", Value::Str(tester.clone()), Source::Dockerfile { file: file.clone(), stage: tester });
        if self.suites.is_empty() {
            self.missing.push(NotInferred::NoSuites);
            self.test.placeholders.extend([
                "could not infer the suites: add one or more, for example".to_owned(),
                "[[test.suites]]".to_owned(),
                "name = \"code\"".to_owned(),
                "command = [\"pytest\", \"--verbose\"]".to_owned(),
            ]);
        }
    }

    /// The services of project `index`: (file, name, definition), later files' first.
    fn services_of(&self, index: usize) -> Vec<(PathBuf, String, Mapping)> {
        let mut found: Vec<(PathBuf, String, Mapping)> = Vec::new();
        for file in &self.projects[index].files {
            let Some(compose) = self.project.compose_file(file) else { continue };
            for (name, service) in &compose.services {
                let (Some(name), Some(service)) = (name.as_str(), service.as_mapping()) else { continue };
                match found.iter_mut().find(|(_, n, _)| n == name) {
                    Some(entry) => {
                        // A later file overrides: its keys win.
                        for (k, v) in service {
                            entry.2.insert(k.clone(), v.clone());
                        }
                        entry.0 = file.clone();
                    }
                    None => found.push((file.clone(), name.to_owned(), service.clone())),
                }
            }
        }
        found
    }

    /// A recipe line that runs `subcommand` (`exec`, `run`) in project `project`: the command,
    /// and whether its failure is ignored (`|| true`). A line hoist cannot carry over is listed.
    fn service_line(
        &mut self,
        recipe: &Recipe,
        line: usize,
        text: &str,
        project: usize,
        subcommand: &str,
    ) -> Option<(ServiceRun, bool)> {
        let problem = |why| NotInferred::Line { recipe: recipe.name.clone(), line, why };
        let Some(commands) = shell::commands(text) else {
            if text.contains(subcommand) {
                self.missing.push(problem(LineProblem::Unreadable));
            }
            return None;
        };
        for (i, (command, joiner)) in commands.iter().enumerate() {
            let Some(call) = self.compose_call(command) else { continue };
            if call.words.first().map(String::as_str) != Some(subcommand) {
                continue;
            }
            if call.project.is_none() {
                self.missing.push(problem(LineProblem::UnknownProject));
                return None;
            }
            if call.project != Some(project) {
                continue;
            }
            let run = match service_run(&call.words[1..]) {
                Ok(run) => run,
                Err(why) => {
                    self.missing.push(problem(why));
                    return None;
                }
            };
            if *joiner == Joiner::Pipe {
                self.missing.push(problem(LineProblem::Pipe));
                return None;
            }
            if command.redirected {
                self.missing.push(problem(LineProblem::Redirect));
                return None;
            }
            let ignored = *joiner == Joiner::Or && commands.get(i + 1).is_some_and(|(next, _)| next.words == ["true"]);
            return Some((run, ignored));
        }
        None
    }

    /// `[data-image]` and its steps, from the recipe that builds the data stage and the
    /// data-build compose file.
    fn data_table(&mut self) {
        let Some(project) = self.data_project else {
            self.missing.push(NotInferred::NoDataCompose);
            self.data.entries.clear();
            return;
        };
        if self.data_stage.is_none() {
            self.missing.push(NotInferred::NoDataStage);
        }
        let def_source = self.projects[project].source.clone();
        self.data.set("compose", Value::Str("solrbld".into()), def_source);
        let mut steps = Vec::new();
        let mut wait: Option<(Vec<String>, Source)> = None;
        if let Some(recipe) = self.data_recipe() {
            for (line, text) in &recipe.body {
                let source = Source::JustfileRecipe { recipe: recipe.name.clone(), line: *line };
                let looped = text.trim_start().starts_with("until ") || text.trim_start().starts_with("while ");
                if let Some((run, _)) = self.service_line(recipe, *line, text, project, "exec") {
                    if looped {
                        wait.get_or_insert((run.command.clone(), source));
                    } else {
                        steps.push((Step::Service(run), source));
                    }
                    continue;
                }
                if let Some(command) = self.host_step(text) {
                    steps.push((Step::Host(command), source));
                }
            }
        }
        let compose_files: Vec<&ComposeFile> =
            self.projects[project].files.iter().filter_map(|f| self.project.compose_file(f)).collect();
        let first_service = steps.iter().find_map(|(step, _)| match step {
            Step::Service(run) => Some(run.service.clone()),
            Step::Host(_) => None,
        });
        let services = compose_files
            .iter()
            .find_map(|file| data_services_with(file, first_service.as_deref()).map(|s| (file.name.clone(), s)));
        let loader = match &services {
            Some((file, (loader, data, path))) => {
                let what = |w: &str| w.to_owned();
                self.data.set(
                    "loader-service",
                    Value::Str(loader.clone()),
                    Source::ComposeService {
                        file: file.clone(),
                        service: loader.clone(),
                        what: what("loads the data"),
                    },
                );
                self.data.set(
                    "data-service",
                    Value::Str(data.clone()),
                    Source::ComposeService {
                        file: file.clone(),
                        service: data.clone(),
                        what: format!("holds the volume at `{path}`"),
                    },
                );
                self.data.set(
                    "data-path",
                    Value::Str(path.clone()),
                    Source::ComposeService {
                        file: file.clone(),
                        service: data.clone(),
                        what: format!("mounts `{path}`"),
                    },
                );
                Some(loader.clone())
            }
            None => {
                self.missing.push(NotInferred::NoDataServices {
                    file: self.projects[project].files.last().cloned().unwrap_or_default(),
                });
                None
            }
        };
        match wait {
            Some((command, source)) => self.data.set("wait-for", Value::List(command), source),
            None => self.missing.push(NotInferred::NoWaitFor),
        }
        let dump = self.dump(&steps, loader.as_deref(), &compose_files);
        match dump {
            Some((paths, source)) => {
                let value = if paths.len() == 1 { Value::Str(paths[0].clone()) } else { Value::List(paths) };
                self.data.set("dump", value, source);
            }
            None => self.missing.push(NotInferred::NoDump),
        }
        for (step, source) in steps {
            let mut table = Table::new(&["data-image", "steps"]);
            table.array = true;
            match step {
                Step::Service(run) => {
                    if loader.as_deref() != Some(run.service.as_str()) {
                        table.set("service", Value::Str(run.service.clone()), source.clone());
                    }
                    table.set("command", Value::List(run.command.clone()), source.clone());
                    if let Some(user) = run.user {
                        table.set("user", Value::Str(user), source.clone());
                    }
                }
                Step::Host(command) => {
                    table.set("host", Value::Bool(true), source.clone());
                    table.set("command", Value::List(command), source.clone());
                }
            }
            self.data_steps.push(table);
        }
        self.push_pr_data();
        if self.data_steps.is_empty() {
            self.missing.push(NotInferred::NoDataSteps);
            self.data.placeholders.extend([
                "could not infer how the data is loaded: add the loading commands, for example".to_owned(),
                "[[data-image.steps]]".to_owned(),
                "command = [\"python\", \"manage.py\", \"rebuild_index\", \"--noinput\"]".to_owned(),
            ]);
        }
    }

    /// `ci.push-pr-data`: `true` when the data recipe pushes the image it built (`docker push
    /// …-solr`, `just push solr`), as the original does from every run, a pull request's too
    /// (its tag then carries the pull request's number); else the key, commented, with what it does.
    fn push_pr_data(&mut self) {
        let (Some(recipe), Some(stage)) = (self.data_recipe(), self.data_stage.clone()) else { return };
        let pushes = |words: &[String]| match words {
            [docker, push, rest @ ..] if docker == "docker" && push == "push" => {
                rest.iter().any(|w| w.ends_with(&format!("-{stage}")))
            }
            [just, push, step, ..] if just == "just" && push == "push" => *step == stage,
            _ => false,
        };
        let line = recipe.body.iter().find(|(_, text)| {
            shell::commands(text).is_some_and(|commands| commands.iter().any(|(c, _)| pushes(&c.words)))
        });
        match line {
            Some((line, _)) => {
                let source = Source::JustfileRecipe { recipe: recipe.name.clone(), line: *line };
                self.ci.set("push-pr-data", Value::Bool(true), source);
            }
            None => self.ci.placeholders.extend([
                "a pull request's regenerated data image stays local; to push it under the pull".to_owned(),
                "request's name (REGISTRY:VERSION-PR-SUFFIX) for what pulls it by that name:".to_owned(),
                "push-pr-data = true".to_owned(),
            ]),
        }
    }

    /// A line that runs a script of the project on the host (`SOLR_BUILD=1 ./init.sh`): the
    /// command, assignments passed through `env`.
    fn host_step(&self, text: &str) -> Option<Vec<String>> {
        let commands = shell::commands(text)?;
        let (command, _) = commands.first()?;
        let program = command.words.first()?;
        let script = match program.as_str() {
            "bash" | "sh" => command.words.get(1)?,
            _ => program,
        };
        if !(script.starts_with("./") || script.contains('/')) || !self.project.is_project_file(script) {
            return None;
        }
        let mut words = Vec::new();
        if !command.assignments.is_empty() {
            words.push("env".to_owned());
            words.extend(command.assignments.iter().map(|(k, v)| format!("{k}={v}")));
        }
        words.extend(command.words.iter().cloned());
        Some(words)
    }

    /// The data the image is made from: what a workflow's `git log -- PATH` watches, else a
    /// project file a loading step reads through a bind mount, else a read-only bind mount of
    /// the project into the loader.
    fn dump(
        &self,
        steps: &[(Step, Source)],
        loader: Option<&str>,
        files: &[&ComposeFile],
    ) -> Option<(Vec<String>, Source)> {
        for workflow in &self.project.workflows {
            for (index, line) in workflow.text.lines().enumerate() {
                if let Some(paths) = watched_paths(line) {
                    let source = Source::Workflow {
                        file: workflow.name.clone(),
                        line: index + 1,
                        text: render::comment_text(line.trim()),
                    };
                    return Some((paths, source));
                }
            }
        }
        let mounts = |service: &str| -> Vec<(PathBuf, String, String, bool)> {
            files
                .iter()
                .filter_map(|f| Some((f, f.services.get(service)?.as_mapping()?.clone())))
                .flat_map(|(f, s)| {
                    bind_mounts(&s).into_iter().map(move |(src, dst, ro)| (f.name.clone(), src, dst, ro))
                })
                .collect()
        };
        for (step, _) in steps {
            let Step::Service(run) = step else { continue };
            for (file, source, target, _) in mounts(&run.service) {
                for arg in &run.command {
                    let Some(rest) = arg.strip_prefix(&format!("{}/", target.trim_end_matches('/'))) else { continue };
                    let host = format!("{}/{rest}", normalize(&source).trim_end_matches('/'));
                    if self.project.is_project_file(&host) {
                        let what = format!("reads `{arg}` from `{source}`");
                        return Some((vec![host], Source::ComposeService { file, service: run.service.clone(), what }));
                    }
                }
            }
        }
        let loader = loader?;
        let (file, source, target, _) = mounts(loader).into_iter().find(|(_, _, _, ro)| *ro)?;
        let dir = normalize(&source);
        let what = format!("mounts `{source}` read-only at `{target}`");
        Some((
            vec![format!("{}/", dir.trim_end_matches('/'))],
            Source::ComposeService { file, service: loader.to_owned(), what },
        ))
    }

    /// `[requirements]`, from a recipe that runs a lock command in a compose project.
    fn requirements_table(&mut self) {
        let Some(justfile) = self.justfile() else {
            self.missing.push(NotInferred::NoRequirementsCommand);
            return;
        };
        let candidates: Vec<&Recipe> = justfile
            .recipes
            .iter()
            .filter(|r| {
                let name = r.name.to_ascii_lowercase();
                (name.contains("pip-compile") || name.contains("requirements") || name.contains("lock"))
                    && !name.contains("upgrade")
            })
            .collect();
        for recipe in candidates {
            for (line, text) in &recipe.body {
                let source = Source::JustfileRecipe { recipe: recipe.name.clone(), line: *line };
                let Some(commands) = shell::commands(text) else { continue };
                let runs = commands.iter().any(|(c, _)| {
                    self.compose_call(c).is_some_and(|call| call.words.first().map(String::as_str) == Some("run"))
                });
                if !runs {
                    continue;
                }
                let project = commands.iter().find_map(|(c, _)| self.compose_call(c)).and_then(|c| c.project);
                let Some(project) = project else {
                    self.missing.push(NotInferred::Line {
                        recipe: recipe.name.clone(),
                        line: *line,
                        why: LineProblem::UnknownProject,
                    });
                    continue;
                };
                let Some((run, _)) = self.service_line(recipe, *line, text, project, "run") else { continue };
                let table = if Some(project) == self.test_project {
                    "ci"
                } else if Some(project) == self.data_project {
                    "solrbld"
                } else {
                    continue;
                };
                self.requirements.set("compose", Value::Str(table.into()), source.clone());
                self.requirements.set("service", Value::Str(run.service.clone()), source.clone());
                self.requirements.set("command", Value::List(run.command.clone()), source.clone());
                if let Some(user) = &run.user {
                    self.requirements.set("user", Value::Str(user.clone()), source.clone());
                }
                if let Some(entrypoint) = &run.entrypoint {
                    self.requirements.set("entrypoint", Value::Str(entrypoint.clone()), source.clone());
                }
                if !run.env.is_empty() {
                    self.requirements.set("env", Value::Map(run.env.clone()), source.clone());
                }
                if self.project.is_project_file("requirements.txt") {
                    self.requirements.set("files", Value::List(vec!["requirements.txt".into()]), source);
                }
                return;
            }
        }
        self.missing.push(NotInferred::NoRequirementsCommand);
    }

    /// `[ci]`: the main branch and the bump parts from the workflows (the original bumps
    /// `patch` for a merged pull request and `build` for a direct push), else hoist's defaults
    /// that the version configuration has: a direct push bumps its last part.
    fn ci_table(&mut self) {
        let mut main: Option<(String, Source)> = None;
        let mut bumps: Vec<(String, Source)> = Vec::new();
        let mut deploys: Option<Source> = None;
        for workflow in &self.project.workflows {
            for (index, line) in workflow.text.lines().enumerate() {
                let source = || Source::Workflow {
                    file: workflow.name.clone(),
                    line: index + 1,
                    text: render::comment_text(line.trim()),
                };
                if main.is_none()
                    && let Some(at) = line.find("ref_name == '")
                {
                    let rest = &line[at + "ref_name == '".len()..];
                    if let Some(end) = rest.find('\'') {
                        main = Some((rest[..end].to_owned(), source()));
                    }
                }
                let Some(commands) = shell::commands(line.trim().trim_start_matches("run:").trim()) else { continue };
                for (command, _) in commands {
                    let w = &command.words;
                    let part = match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                        ["just" | "hoist", "bump", part, ..] | ["cargo", "xtask", "bump", part, ..] => Some(*part),
                        ["bump2version", part, ..] | ["bump-my-version", "bump", part, ..] => Some(*part),
                        _ => None,
                    };
                    if let Some(part) = part.filter(|p| !p.starts_with('-'))
                        && !bumps.iter().any(|(p, _)| p == part)
                    {
                        bumps.push((part.to_owned(), source()));
                    }
                    if matches!(w.first().map(String::as_str), Some("just" | "hoist"))
                        && w.get(1).map(String::as_str) == Some("deploy")
                    {
                        deploys.get_or_insert_with(source);
                    }
                }
            }
        }
        let (branch, source) = main.unwrap_or_else(|| ("main".into(), Source::Default));
        self.ci.set("main-branch", Value::Str(branch), source);
        let parts: Vec<String> = self
            .project
            .version
            .as_ref()
            .map(|(_, c)| c.parts.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default();
        let parts_source = self
            .project
            .version
            .as_ref()
            .map(|(file, _)| Source::VersionConfig { file: file.clone(), key: "parse".into() })
            .unwrap_or(Source::Default);
        let known = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
        let merged = match bumps.iter().find(|(p, _)| p == "patch") {
            Some((part, source)) => (part.clone(), source.clone()),
            None if known("patch") => ("patch".into(), Source::Default),
            None => (parts.last().cloned().unwrap_or_default(), parts_source.clone()),
        };
        let push = match bumps.iter().find(|(p, _)| *p != merged.0 && known(p)) {
            Some((part, source)) => (part.clone(), source.clone()),
            None => match parts.last() {
                Some(last) => (last.clone(), parts_source.clone()),
                None => ("build".into(), Source::Default),
            },
        };
        self.ci.set("merged-pr-bump", Value::Str(merged.0.clone()), merged.1);
        self.ci.set("push-bump", Value::Str(push.0), push.1);
        let deploy_source = deploys
            .or_else(|| {
                let recipe = self.justfile()?.recipe("deploy")?;
                Some(Source::JustfileRecipe { recipe: recipe.name.clone(), line: recipe.line })
            })
            .unwrap_or(Source::Default);
        self.ci.set("deploy", Value::Bool(true), deploy_source);
        if let Some(recipe) = self.justfile().and_then(|j| j.recipe("deploy"))
            && let Some(env) = recipe.parameters.first().and_then(|p| p.default.clone())
            && hoist_config::is_ref_component(&env)
        {
            let source = Source::JustfileRecipe { recipe: recipe.name.clone(), line: recipe.line };
            self.deploy.set("default-environment", Value::Str(env.clone()), source);
            if env != "dev" {
                // The default environment must be a configured one; without a table, only `dev` is.
                let mut environment = Table::new(&["deploy", "environments", &env]);
                environment.comment = Some(format!("the environment of the justfile's `deploy {env}`"));
                self.environments.push(environment);
            }
        }
    }
}

/// A placeholder repository: `registry.example.com/` and the directory's name, when it can be one.
fn placeholder_registry(dir: &Path) -> String {
    let name: String = std::path::absolute(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()))
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '-' })
        .collect();
    let candidate = format!("registry.example.com/{}", name.trim_matches(|c: char| !c.is_ascii_alphanumeric()));
    if hoist_naming::is_valid_repository(&candidate) { candidate } else { "registry.example.com/app".into() }
}

fn is_base_name(name: &Path) -> bool {
    matches!(name.to_str(), Some("docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"))
}

fn is_ci_name(name: &Path) -> bool {
    name.to_str().is_some_and(|n| n.contains(".ci."))
}

/// The words after `docker compose` / `docker-compose`.
fn compose_words(words: &[String]) -> Option<&[String]> {
    match words {
        [docker, compose, rest @ ..] if docker == "docker" && compose == "compose" => Some(rest),
        [compose, rest @ ..] if compose == "docker-compose" => Some(rest),
        _ => None,
    }
}

/// `-f FILE`… and `-p NAME` in front of a compose subcommand: the files, the name, the rest.
fn project_options(words: &[String]) -> (Vec<String>, Option<String>, &[String]) {
    let mut files = Vec::new();
    let mut name = None;
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        match word {
            "-f" | "--file" if i + 1 < words.len() => {
                files.push(words[i + 1].clone());
                i += 2;
            }
            "-p" | "--project-name" if i + 1 < words.len() => {
                name = Some(words[i + 1].clone());
                i += 2;
            }
            _ if word.starts_with("--file=") => {
                files.push(word["--file=".len()..].to_owned());
                i += 1;
            }
            _ if word.starts_with("--project-name=") => {
                name = Some(word["--project-name=".len()..].to_owned());
                i += 1;
            }
            _ => break,
        }
    }
    (files, name, &words[i..])
}

/// The paths after ` -- ` of a `git log`, `git diff` or `git rev-list` on the line (often
/// inside `$( … )`), up to the end of that command.
fn watched_paths(line: &str) -> Option<Vec<String>> {
    let at = ["git log", "git diff", "git rev-list"].iter().find_map(|g| line.find(g))?;
    let rest = &line[at..];
    let end = rest.find([')', ';', '|', '&', '`']).unwrap_or(rest.len());
    let (_, paths) = rest[..end].split_once(" -- ")?;
    let paths: Vec<String> = paths
        .split_whitespace()
        .map(|w| normalize(w.trim_matches(['"', '\''])))
        .filter(|w| !w.is_empty() && !w.starts_with('$'))
        .collect();
    (!paths.is_empty()).then_some(paths)
}

/// A command without the `until`/`while`/`!` of a shell loop around it.
fn strip_loop_keyword(words: &[String]) -> &[String] {
    let mut words = words;
    while let Some((first, rest)) = words.split_first() {
        if matches!(first.as_str(), "until" | "while" | "!" | "if" | "then" | "do") {
            words = rest;
        } else {
            break;
        }
    }
    words
}

/// The options of `exec`/`run` that hoist.toml can say, then the service and its command.
fn service_run(words: &[String]) -> Result<ServiceRun, LineProblem> {
    let mut run = ServiceRun::default();
    let mut i = 0;
    let value = |i: &mut usize, inline: Option<&str>| -> Option<String> {
        match inline {
            Some(v) => Some(v.to_owned()),
            None => {
                *i += 1;
                words.get(*i).cloned()
            }
        }
    };
    while i < words.len() {
        let word = words[i].as_str();
        if !word.starts_with('-') {
            break;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((flag, v)) if flag.starts_with("--") => (flag, Some(v)),
            _ => (word, None),
        };
        match flag {
            "-T" | "--no-TTY" | "--rm" | "--no-deps" | "-d" | "--detach" | "--quiet-pull" => {}
            "-u" | "--user" => run.user = value(&mut i, inline),
            "-e" | "--env" => {
                let pair = value(&mut i, inline).unwrap_or_default();
                let (k, v) = pair.split_once('=').unwrap_or((&pair, ""));
                run.env.push((k.to_owned(), v.to_owned()));
            }
            "--entrypoint" => run.entrypoint = value(&mut i, inline),
            _ if flag.starts_with("-u") && flag.len() > 2 => run.user = Some(flag[2..].to_owned()),
            _ if flag.starts_with("-e") && flag.len() > 2 && flag.contains('=') => {
                let (k, v) = flag[2..].split_once('=').unwrap_or_default();
                run.env.push((k.to_owned(), v.to_owned()));
            }
            _ => return Err(LineProblem::Option { option: word.to_owned() }),
        }
        i += 1;
    }
    let Some((service, command)) = words[i.min(words.len())..].split_first() else {
        return Err(LineProblem::Unreadable);
    };
    run.service = service.clone();
    run.command = command.to_vec();
    // `bash -c "A=1 prog args"`: the script's assignments become the command's environment.
    if let [shell, dash_c, script] = run.command.as_slice()
        && matches!(shell.as_str(), "bash" | "sh")
        && dash_c == "-c"
        && let Some(commands) = shell::commands(script)
        && let [(inner, Joiner::Then)] = commands.as_slice()
        && !inner.redirected
        && !inner.words.is_empty()
    {
        run.env.extend(inner.assignments.iter().cloned());
        run.command = inner.words.clone();
    }
    // The user is expanded by hoist (`$UID`, `${UID}`); the command and the environment are not.
    if let Some(user) = &run.user
        && let Some(name) = user.strip_prefix('$')
    {
        let name = name.trim_start_matches('{').trim_end_matches('}');
        run.user = Some(format!("${{{name}}}"));
    }
    if let Some(word) = run.command.iter().chain(run.env.iter().map(|(_, v)| v)).find(|w| w.contains('$')) {
        return Err(LineProblem::HostVariable { word: word.clone() });
    }
    if run.command.iter().any(|w| w.contains("{{")) {
        return Err(LineProblem::Unreadable);
    }
    if run.command.is_empty() {
        return Err(LineProblem::Unreadable);
    }
    Ok(run)
}

/// A suite's name: its report title (`-e pytest_report_title=Code`), else the file it runs,
/// else its program; distinct.
fn suite_name(run: &ServiceRun, names: &mut BTreeSet<String>) -> String {
    let title = run.env.iter().find(|(k, _)| k.to_ascii_lowercase().contains("title")).map(|(_, v)| v.clone());
    let file =
        run.command.iter().rev().find(|w| !w.starts_with('-') && (w.contains('/') || w.contains('.'))).map(|w| {
            let base = w.rsplit('/').next().unwrap_or(w);
            base.split('.').next().unwrap_or(base).to_owned()
        });
    let raw = title.or(file).unwrap_or_else(|| run.command[0].clone());
    let slug: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_owned();
    let base = if slug.is_empty() { "suite".to_owned() } else { slug };
    let mut name = base.clone();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The image a service names, with `${VAR:-default}` read as its default; `None` when it has
/// none or names a variable without a default.
fn image_of(service: &Mapping) -> Option<String> {
    let image = service.get("image")?.as_str()?;
    let mut out = String::new();
    let mut rest = image;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let inner = after.strip_prefix('{')?;
        let end = inner.find('}')?;
        let (_, default) = inner[..end].split_once(":-").or_else(|| inner[..end].split_once('-'))?;
        out.push_str(default);
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `repository:tag` of an image reference (no digest).
fn split_image(image: &str) -> Option<(&str, &str)> {
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    let colon = image[slash..].find(':')? + slash;
    Some((&image[..colon], &image[colon + 1..]))
}

/// The gzipped tar an instruction binds (`RUN --mount=type=bind,source=X.tgz`) or copies.
fn archive_of(instruction: &hoist_dockerfile::Instruction) -> Option<String> {
    let is_archive = |s: &str| s.ends_with(".tgz") || s.ends_with(".tar.gz");
    let flags: Vec<&str> = instruction.args.split_whitespace().take_while(|w| w.starts_with("--")).collect();
    match instruction.keyword.as_str() {
        "run" => flags.iter().filter_map(|f| f.strip_prefix("--mount=")).find_map(|mount| {
            let options: Vec<(&str, &str)> = mount.split(',').filter_map(|kv| kv.split_once('=')).collect();
            let get = |k: &str| options.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            let source = get("source").or(get("src"))?;
            (get("type").unwrap_or("bind") == "bind" && get("from").is_none() && is_archive(source))
                .then(|| normalize(source))
        }),
        "copy" | "add" if !flags.iter().any(|f| f.starts_with("--from=")) => {
            let words: Vec<&str> = instruction.args.split_whitespace().skip(flags.len()).collect();
            let (_, sources) = words.split_last()?;
            sources.iter().find(|s| is_archive(s)).map(|s| normalize(s))
        }
        _ => None,
    }
}

/// `(source, target, read-only)` of a service's bind mounts (a source that is a path).
fn bind_mounts(service: &Mapping) -> Vec<(String, String, bool)> {
    let Some(volumes) = service.get("volumes").and_then(Yaml::as_sequence) else { return Vec::new() };
    volumes
        .iter()
        .filter_map(|volume| match volume {
            Yaml::String(short) => {
                let parts: Vec<&str> = short.split(':').collect();
                let (source, target) = (*parts.first()?, *parts.get(1)?);
                let ro = parts.get(2).is_some_and(|m| m.split(',').any(|o| o == "ro"));
                source.starts_with('.').then(|| (source.to_owned(), target.to_owned(), ro))
            }
            Yaml::Mapping(long) => {
                let source = long.get("source")?.as_str()?;
                let target = long.get("target")?.as_str()?;
                let ro = long.get("read_only").and_then(Yaml::as_bool).unwrap_or(false);
                source.starts_with('.').then(|| (source.to_owned(), target.to_owned(), ro))
            }
            _ => None,
        })
        .collect()
}

/// The target of each named volume a service mounts.
fn named_volumes(service: &Mapping) -> Vec<String> {
    let Some(volumes) = service.get("volumes").and_then(Yaml::as_sequence) else { return Vec::new() };
    volumes
        .iter()
        .filter_map(|volume| match volume {
            Yaml::String(short) => {
                let (source, rest) = short.split_once(':')?;
                let named = !source.is_empty() && !source.starts_with(['.', '/', '~', '$']);
                named.then(|| rest.split(':').next().unwrap_or(rest).to_owned())
            }
            Yaml::Mapping(long) => {
                let named = long.get("type").and_then(Yaml::as_str) == Some("volume");
                named.then(|| long.get("target")?.as_str().map(str::to_owned)).flatten()
            }
            _ => None,
        })
        .collect()
}

fn data_services(file: &ComposeFile) -> Option<(String, String, String)> {
    data_services_with(file, None)
}

/// The loader (named `…loader…`, else the service the first loading step runs in), the data
/// service (another one with a named volume, `data` or `solr` in its name first) and the
/// volume's path.
fn data_services_with(file: &ComposeFile, first_step: Option<&str>) -> Option<(String, String, String)> {
    let services: Vec<(&str, &Mapping)> =
        file.services.iter().filter_map(|(n, s)| Some((n.as_str()?, s.as_mapping()?))).collect();
    let loader = services
        .iter()
        .find(|(n, _)| n.contains("loader"))
        .or_else(|| services.iter().find(|(n, _)| Some(*n) == first_step))
        .map(|(n, _)| (*n).to_owned())?;
    let holders: Vec<(&str, String)> = services
        .iter()
        .filter(|(n, _)| *n != loader)
        .filter_map(|(n, s)| Some((*n, named_volumes(s).into_iter().next()?)))
        .collect();
    let data = holders
        .iter()
        .find(|(n, _)| n.contains("data"))
        .or_else(|| holders.iter().find(|(n, _)| n.contains("solr")))
        .or_else(|| holders.first())?;
    Some((loader, data.0.to_owned(), data.1.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn version_and_recipe_lines_that_cannot_be_carried_over_are_listed() {
        let dir = project(&[
            (
                ".bumpversion.toml",
                "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ntag = false\ntag_name = \"{now:%Y}-{new_version}\"\n",
            ),
            ("Dockerfile", "FROM scratch AS release\nFROM release AS tester\n"),
            ("docker-compose.yml", "services:\n  db: {}\n  cache: {}\n"),
            ("docker-compose.ci.yml", "services:\n  db: {}\n"),
            (
                "justfile",
                "IMAGE_REGISTRY := 'registry.example.com/app'\nCACHE_REGISTRY := 'registry.example.com/cache'\nVERSION := '0.9.0'\n\n@ci-dc *args:\n    docker compose -f docker-compose.yml -f docker-compose.ci.yml -p ci {{args}}\n\ntest:\n    just ci-dc exec -T --privileged db pytest\n    just ci-dc exec -T db pytest | tee log\n    just ci-dc exec -T db pytest > out\n    just ci-dc exec -T db pytest 'unclosed\n    docker compose -f other.yml exec -T db pytest\n",
            ),
        ]);
        let plan = plan_init(dir.path()).unwrap();
        let file = PathBuf::from(".bumpversion.toml");
        let line = |line, why| NotInferred::Line { recipe: "test".into(), line, why };
        assert_eq!(
            plan.not_inferred,
            [
                NotInferred::NoVersionTag { file: file.clone() },
                NotInferred::TagName { file: file.clone(), tag_name: "{now:%Y}-{new_version}".into() },
                NotInferred::VersionMismatch { justfile: "0.9.0".into(), current: "1.2.3".into(), file },
                line(9, LineProblem::Option { option: "--privileged".into() }),
                line(10, LineProblem::Pipe),
                line(11, LineProblem::Redirect),
                line(12, LineProblem::Unreadable),
                line(13, LineProblem::UnknownProject),
                NotInferred::NoTestService,
                NotInferred::NoSuites,
                NotInferred::NoDataCompose,
                NotInferred::NoRequirementsCommand,
            ]
        );
        assert!(plan.text.contains("# [[test.suites]]\n"), "a commented placeholder: {}", plan.text);
        assert!(!plan.text.contains("version-tag"), "{}", plan.text);
    }

    #[test]
    fn data_build_gaps_are_listed() {
        let dir = project(&[
            (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ntag = true\n"),
            ("Dockerfile", "FROM scratch AS release\n"),
            (
                "docker-compose.solr-build.yml",
                "services:\n  loader: {}\n  index:\n    volumes:\n      - data:/srv/index\n",
            ),
            (
                "justfile",
                "IMAGE_REGISTRY := 'registry.example.com/app'\nCACHE_REGISTRY := 'registry.example.com/cache'\n",
            ),
        ]);
        let plan = plan_init(dir.path()).unwrap();
        assert_eq!(
            plan.not_inferred,
            [
                NotInferred::NoTesterStage,
                NotInferred::NoDataStage,
                NotInferred::NoWaitFor,
                NotInferred::NoDump,
                NotInferred::NoDataSteps,
                NotInferred::NoRequirementsCommand,
            ]
        );
        let data: Vec<(&str, &str)> = plan
            .inferred
            .iter()
            .filter(|i| i.key.starts_with("data-image."))
            .map(|i| (i.key.as_str(), i.value.as_str()))
            .collect();
        assert_eq!(
            data,
            [
                ("data-image.compose", "\"solrbld\""),
                ("data-image.loader-service", "\"loader\""),
                ("data-image.data-service", "\"index\""),
                ("data-image.data-path", "\"/srv/index\""),
            ]
        );
        // Two services, neither a loader by name nor holding a volume: they cannot be told apart.
        std::fs::write(dir.path().join("docker-compose.solr-build.yml"), "services:\n  a: {}\n  b: {}\n").unwrap();
        let plan = plan_init(dir.path()).unwrap();
        assert!(plan.not_inferred.contains(&NotInferred::NoDataCompose), "{:?}", plan.not_inferred);
        // Named by a recipe, the project is the data build all the same; its services are not known.
        std::fs::write(
            dir.path().join("justfile"),
            "@solr-dc *args:\n    docker compose -f docker-compose.solr-build.yml -p solrbld {{args}}\n\nregen-solr-image:\n    just solr-dc up -d\n",
        )
        .unwrap();
        let plan = plan_init(dir.path()).unwrap();
        let file = PathBuf::from("docker-compose.solr-build.yml");
        assert!(plan.not_inferred.contains(&NotInferred::NoDataServices { file }), "{:?}", plan.not_inferred);
    }
}
