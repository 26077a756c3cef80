//! The fuzz targets of `cargo xtask fuzz TARGET`: each is a function that feeds one input (bytes)
//! to hoist's parsers the way hoist itself calls them, plus the seeds it starts from and a
//! dictionary of tokens that matter to the format. The fuzzer (`src/main.rs`, built with coverage
//! instrumentation by `cargo xtask fuzz`) calls [`Target::run`] millions of times; a panic, a hang
//! or a huge allocation in it is a bug.
//!
//! Crashers found are kept in `xtask/fuzz/regressions/TARGET/`; the fuzzer runs them first, and
//! this crate's tests replay them through the same functions, so `cargo test` keeps them fixed.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use hoist_version::bump::{self, BumpRequest, Env};
use hoist_version::config::{self, FileEntry, Overrides};
use hoist_version::context::Context;
use hoist_version::pyformat::{self, Value};
use hoist_version::scm::ScmInfo;
use hoist_version::{Now, VersionError};

/// A fuzz target.
pub struct Target {
    /// The name given to `cargo xtask fuzz`.
    pub name: &'static str,
    /// What it feeds, in one line (`cargo xtask fuzz --list`).
    pub about: &'static str,
    /// Runs one input. Errors are expected (most inputs are invalid); a panic is a bug.
    pub run: fn(&[u8]),
    /// The inputs to start from, read from the repository at the given root.
    pub seeds: fn(&Path) -> Vec<Vec<u8>>,
    /// Tokens the mutator inserts.
    pub dictionary: &'static [&'static str],
    /// The longest input the mutator makes (`--max-len` overrides it).
    pub max_len: usize,
}

/// Every target, in the order `--list` shows them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "dockerfile",
        about: "hoist-dockerfile's `parse` (what `hoist layers` and the build plan read), then every stage's chain",
        run: dockerfile,
        seeds: dockerfile_seeds,
        dictionary: &[
            "FROM ",
            " AS ",
            "from ",
            " as ",
            "ARG ",
            "RUN ",
            "COPY ",
            "ENV ",
            "# syntax=",
            "# escape=`",
            "# escape=\\",
            "# check=",
            "<<EOF",
            "<<-EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "\nEOF\n",
            "\\\n",
            "`\n",
            "\\\\\n",
            "--platform=",
            "\r\n",
            "\u{feff}",
            "${BASE}",
            "scratch",
            "\n# comment\n",
            "\t",
        ],
        max_len: 4096,
    },
    Target {
        name: "bump-config",
        about: "hoist-version's loaders (`.bumpversion.toml`, `.bumpversion.cfg`, `setup.cfg`, `pyproject.toml`), `migrate`, then a dry-run `bump` plan",
        run: bump_config,
        seeds: bump_config_seeds,
        dictionary: &[
            "[tool.bumpversion]\n",
            "[[tool.bumpversion.files]]\n",
            "[tool.bumpversion.parts.",
            "[bumpversion]\n",
            "[bumpversion:file:VERSION]\n",
            "[bumpversion:part:",
            "[bumpversion:glob:",
            "[DEFAULT]\n",
            "[project]\n",
            "current_version",
            "parse",
            "serialize",
            "search",
            "replace",
            "regex",
            "values",
            "first_value",
            "optional_value",
            "calver_format",
            "independent",
            "always_increment",
            "depends_on",
            "filename",
            "glob",
            "glob_exclude",
            "ignore_missing_version",
            "ignore_missing_file",
            "include_bumps",
            "exclude_bumps",
            "dynamic",
            "version",
            "VERSION",
            "{current_version}",
            "{new_version}",
            "{major}",
            "{minor}",
            "{patch}",
            "(?P<major>\\d+)",
            "(?P<build>\\d+)",
            "\\.",
            " = ",
            "\"",
            "'''",
            "%(",
            ")s",
            "%%",
            "\n\t",
            "True",
            "None",
            "{YYYY}",
            "{MM}",
            "{now:%Y}",
            "{repo_root}",
            "**",
            "[",
            "]",
            "{",
            "}",
        ],
        max_len: 4096,
    },
    Target {
        name: "version-format",
        // Patterns and templates are short; a long pattern matched against a long file costs
        // their product (the regex engines are linear in the text, per pattern state).
        about: "hoist-version's Python emulation: `parse` patterns (`re`), `serialize`/`search`/`replace` templates (`str.format`, strftime), a dry-run bump of one file",
        run: version_format,
        seeds: version_format_seeds,
        dictionary: &[
            "(?P<",
            ">",
            "\\d+",
            "\\d",
            "\\.",
            "(?:",
            ")?",
            "(?=",
            "(?!",
            "(?<=",
            "(?<!",
            "(?P=",
            "\\1",
            "\\g<",
            "\\g<0>",
            "\\Z",
            "\\A",
            "\\b",
            "[^",
            "]",
            "{1,3}",
            "{,2}",
            "{2}",
            "*?",
            "+?",
            "|",
            "^",
            "$",
            "(?x)",
            "(?i)",
            "#",
            "{",
            "}",
            "{{",
            "}}",
            "{major}",
            "{minor}",
            "{patch}",
            "{current_version}",
            "{new_version}",
            "{now:%Y-%m-%d}",
            "{utcnow:%H%M%S}",
            "{now:%j}",
            "{now:%-d}",
            "{now:%%}",
            "{patch:02}",
            "{patch:>4}",
            "{patch:x}",
            "{patch:,}",
            "{patch:_b}",
            "{patch:+}",
            "{patch:=^9}",
            "{major!r}",
            "{major!s}",
            "{minor.x}",
            "{minor[0]}",
            "{patch:{minor}}",
            "{distance_to_latest_tag}",
            "{branch_name}",
            "{current_major}",
            "{new_patch}",
            "%Y",
            "%m",
            "%d",
            "%f",
            "%z",
            "%Z",
            "%A",
            "%U",
            "%G",
            "%V",
            "\t",
            "\n",
            "r",
            "é",
            "€",
            "😀",
            "\u{301}",
        ],
        max_len: 1024,
    },
    Target {
        name: "hoist-toml",
        about: "hoist-config's `Config::parse` of `hoist.toml`, with its error locations and suggestions",
        run: hoist_toml,
        seeds: hoist_toml_seeds,
        dictionary: &[
            "registry",
            "cache-registry",
            "dockerfile",
            "context",
            "release-step",
            "platform",
            "version-prefix",
            "pr-variable",
            "version-config",
            "insecure-registries",
            "[builder]\n",
            "[compose.ci]\n",
            "[deploy]\n",
            "[channels]\n",
            "[gitops]\n",
            "[test]\n",
            "[data-image]\n",
            "[requirements]\n",
            "[[test.suites]]\n",
            "files",
            "project",
            "service",
            "command",
            "tag",
            "{env}",
            "{version}",
            " = ",
            "\"",
            "'",
            "[",
            "]",
            "{",
            "}",
            "= [\"a\", \"b\"]\n",
            "= { a = 1 }\n",
            "= true\n",
            "= 1\n",
            "\n",
            "\r\n",
            "#",
            ".",
        ],
        max_len: 4096,
    },
];

/// The target named `name`.
pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Where the crashers of `target` are kept, under the repository at `root`.
pub fn regression_dir(root: &Path, target: &str) -> PathBuf {
    root.join("xtask/fuzz/regressions").join(target)
}

/// The kept crashers of `target`, sorted by file name.
pub fn regressions(root: &Path, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(regression_dir(root, target)) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes))).collect()
}

/// The repository this crate lives in.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("xtask/fuzz is two levels down").to_owned()
}

// --- dockerfile --------------------------------------------------------------------------------

fn dockerfile(data: &[u8]) {
    // As `parse_file` reads a file: bytes that are not UTF-8 become U+FFFD.
    let text = String::from_utf8_lossy(data);
    match hoist_dockerfile::parse(&text) {
        Ok(file) => {
            for stage in &file.stages {
                let name = stage.display_name();
                let found = file.stage(&name).map(|s| s.index);
                assert_eq!(found, Some(stage.index), "stage `{name}` does not select itself");
                assert!(stage.base_stage.is_none_or(|b| b < stage.index), "a stage builds on a later stage");
                let chain = file.chain(stage);
                assert_eq!(chain.last().map(|s| s.index), Some(stage.index));
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
}

fn dockerfile_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for path in [root.join("Dockerfile"), root.join("examples/nuremberg-mini/Dockerfile")] {
        seeds.extend(std::fs::read(path));
    }
    seeds.extend(files_in(&root.join("crates/hoist-dockerfile/tests/corpus"), |name| name.ends_with(".Dockerfile")));
    seeds.extend(doc_blocks(root, |info| info.starts_with("dockerfile")));
    seeds
}

// --- hoist-toml --------------------------------------------------------------------------------

fn hoist_toml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match hoist_config::Config::parse(&text, Path::new("/project/hoist.toml")) {
        Ok(config) => {
            let _ = (config.dockerfile_path(), config.context_path(), format!("{config:?}"));
            let _ = (config.deploy.tag_for("dev"), config.deploy.version_tag_for("1.2.3"));
            let _ = hoist_config::Overrides::from_env(&config, |_| Some("1".to_owned()));
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
}

fn hoist_toml_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for path in [root.join("hoist.toml"), root.join("examples/nuremberg-mini/hoist.toml")] {
        seeds.extend(std::fs::read(path));
    }
    seeds.extend(doc_blocks(root, |info| info.starts_with("toml hoist.toml")));
    seeds
}

// --- bump-config and version-format: the version engine ------------------------------------------

/// The clock every bump sees: fixed, so an input behaves the same in every run.
fn now() -> Now {
    Now::parse_fixed("2024-03-15T10:20:30+02:00").expect("a valid fixed time")
}

/// A directory of one kind of configuration file, outside any git repository (so no git runs).
struct Workdir {
    dir: tempfile::TempDir,
    sh: xshell::Shell,
}

impl Workdir {
    fn new() -> Workdir {
        let dir = tempfile::Builder::new().prefix("hoist-fuzz-").tempdir().expect("a temporary directory");
        assert!(
            hoist_version::scm::find_repo_root(dir.path()).is_none(),
            "the temporary directory `{}` is inside a repository: set TMPDIR to a directory outside one",
            dir.path().display()
        );
        let sh = xshell::Shell::new().expect("a shell");
        sh.change_dir(dir.path());
        Workdir { dir, sh }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self) -> Env<'_> {
        Env { sh: &self.sh, cwd: self.path(), now: now() }
    }
}

thread_local! {
    /// One directory per configuration file name (so discovery finds that file only), and one
    /// for `version-format`.
    static WORKDIRS: RefCell<Vec<Workdir>> = const { RefCell::new(Vec::new()) };
}

fn with_workdir<R>(index: usize, f: impl FnOnce(&Workdir) -> R) -> R {
    WORKDIRS.with(|dirs| {
        let mut dirs = dirs.borrow_mut();
        while dirs.len() <= index {
            dirs.push(Workdir::new());
        }
        f(&dirs[index])
    })
}

/// The file every bump may edit: holds the current version the default `search` finds.
const VERSION_FILE: &str = "VERSION";

/// Whether planning a bump of `config` stays inside the temporary directory: an absolute or
/// climbing glob would walk the machine's file system (what it asks for, but not a bug).
fn stays_inside(config: &config::Config) -> bool {
    let inside = |p: &str| !p.starts_with('/') && !p.contains("..") && !p.contains('~');
    config
        .files
        .iter()
        .all(|f| f.glob.as_deref().is_none_or(|g| g.split('|').all(inside)) && f.glob_exclude.iter().all(|g| inside(g)))
}

/// Plans a dry-run bump of each of the first three parts (and of `--new-version`).
fn plan_bumps(work: &Workdir, config: &config::Config, parts: &[String]) {
    if !stays_inside(config) {
        return;
    }
    let env = work.env();
    let mut requests: Vec<BumpRequest> = parts
        .iter()
        .take(3)
        .map(|p| BumpRequest { part: Some(p.clone()), dry_run: true, ..BumpRequest::default() })
        .collect();
    if let Some(current) = &config.current_version {
        requests.push(BumpRequest {
            new_version: Some(format!("{current}1")),
            dry_run: true,
            ..BumpRequest::default()
        });
    }
    for request in requests {
        match bump::plan(&env, config, &request) {
            Ok(plan) => {
                for edit in &plan.edits {
                    assert!(edit.path.starts_with(work.path()), "the plan edits `{}`, outside", edit.path.display());
                }
            }
            Err(error) => check_error(&error),
        }
    }
}

fn check_error(error: &VersionError) {
    let message = error.to_string();
    assert!(!message.is_empty(), "an error without a message: {error:?}");
}

/// The configuration file names, in discovery order.
const CONFIG_NAMES: [&str; 4] = hoist_version::CONFIG_FILE_SEARCH_ORDER;

fn bump_config(data: &[u8]) {
    for (index, name) in CONFIG_NAMES.iter().enumerate() {
        with_workdir(index, |work| {
            let path = work.path().join(name);
            std::fs::write(&path, data).expect("writing the configuration file");
            match config::find_config_file(work.path()) {
                Ok(_) => {}
                Err(error) => check_error(&error),
            }
            let config = match config::load(Some(&path), &Overrides::default(), work.path()) {
                Ok(config) => config,
                Err(error) => return check_error(&error),
            };
            if name.ends_with(".cfg") {
                match hoist_version::migrate(&path) {
                    Ok(toml) => {
                        // The migrated text is TOML that loads like the original.
                        let migrated = work.path().join("migrated.toml");
                        std::fs::write(&migrated, &toml).expect("writing the migrated file");
                        if let Err(error) = config::load(Some(&migrated), &Overrides::default(), work.path()) {
                            check_error(&error);
                        }
                    }
                    Err(error) => check_error(&error),
                }
            }
            let current = config.current_version.clone().or(config.pep621_version.clone()).unwrap_or_default();
            let version_file = format!("{current}\nversion = \"{current}\"\n");
            std::fs::write(work.path().join(VERSION_FILE), version_file).expect("writing VERSION");
            let parts: Vec<String> = config.parts.iter().map(|(n, _)| n.clone()).collect();
            plan_bumps(work, &config, &parts);
        });
    }
}

fn bump_config_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for path in [root.join(".bumpversion.toml"), root.join("examples/nuremberg-mini/.bumpversion.toml")] {
        seeds.extend(std::fs::read(path));
    }
    seeds.extend(doc_blocks(root, |info| {
        info.starts_with("toml .bumpversion.toml") || info.starts_with("ini") || info.starts_with("toml pyproject.toml")
    }));
    seeds.extend(BUMP_CONFIG_SEEDS.iter().map(|s| s.as_bytes().to_vec()));
    seeds
}

/// Configurations the repository's files do not show: the legacy INI with parts and globs,
/// `setup.cfg` interpolation, a static PEP 621 version, CalVer and values parts.
const BUMP_CONFIG_SEEDS: &[&str] = &[
    "[bumpversion]\ncurrent_version = 0.5.146-r1\ncommit = True\ntag = True\nparse = (?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(-r(?P<build>\\d+))?\nserialize =\n\t{major}.{minor}.{patch}-r{build}\n\t{major}.{minor}.{patch}\n\n[bumpversion:part:build]\nfirst_value = 0\n\n[bumpversion:file:VERSION]\n\n[bumpversion:glob:*.txt]\nsearch = version: {current_version}\n",
    "[DEFAULT]\nname = app\n\n[bumpversion]\ncurrent_version = 1.0.0\nmessage = Bump %(name)s: {current_version} -> {new_version}, %%\n\n[bumpversion:file:VERSION]\nsearch = {current_version}\nreplace = {new_version}\n",
    "[project]\nname = \"app\"\nversion = \"2.3.4\"\n\n[tool.bumpversion]\nallow_dirty = true\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
    "[tool.bumpversion]\ncurrent_version = \"2024.3.1\"\nparse = \"(?P<release>\\\\d+\\\\.\\\\d+)\\\\.(?P<patch>\\\\d+)\"\nserialize = [\"{release}.{patch}\"]\n\n[tool.bumpversion.parts.release]\ncalver_format = \"{YYYY}.{MM}\"\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
    "[tool.bumpversion]\ncurrent_version = \"1.2.3-dev\"\nparse = \"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)\\\\.(?P<patch>\\\\d+)(-(?P<release>[a-z]+))?\"\nserialize = [\"{major}.{minor}.{patch}-{release}\", \"{major}.{minor}.{patch}\"]\nregex = true\n\n[tool.bumpversion.parts.release]\nvalues = [\"dev\", \"rc\", \"final\"]\noptional_value = \"final\"\n\n[[tool.bumpversion.files]]\nglob = \"*\"\nglob_exclude = [\"*.toml\"]\nsearch = \"^{current_version}$\"\n",
];

/// `version-format`: the input's first six lines are `parse`, the `serialize` formats (separated
/// by tabs), `current_version`, `search`, `replace` and flags (`r` for `regex = true`, a digit
/// picks the part to bump); the rest is the text of the file the bump edits.
fn version_format(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(7, '\n');
    let mut field = || lines.next().unwrap_or_default().to_owned();
    let (parse, serialize, current, search, replace, flags) = (field(), field(), field(), field(), field(), field());
    let contents = field();

    // The templates alone, in a context with every kind of value.
    let mut context = Context::base(&now(), &ScmInfo::default());
    context.set_str("current_version", current.clone());
    context.set("distance_to_latest_tag", Value::Int(-3));
    for template in [&search, &replace, &serialize] {
        for result in [context.render(template), context.render_escaped(template)] {
            if let Err(error) = result {
                check_error(&error);
            }
        }
        let _ = pyformat::format(template, &|name| match name {
            "major" | "minor" | "patch" => Some(Value::Part(current.clone())),
            "flag" => Some(Value::Bool(true)),
            "nothing" => Some(Value::None),
            _ => context.get(name),
        });
    }

    let overrides = Overrides {
        current_version: Some(current.clone()),
        parse: Some(parse),
        serialize: Some(serialize.split('\t').map(str::to_owned).collect()),
        search: Some(search),
        replace: Some(replace),
        regex: Some(flags.contains('r')),
        ..Overrides::default()
    };
    with_workdir(CONFIG_NAMES.len(), |work| {
        let mut config = match config::load(None, &overrides, work.path()) {
            Ok(config) => config,
            Err(error) => return check_error(&error),
        };
        let parts: Vec<String> = config.parts.iter().map(|(n, _)| n.clone()).collect();
        config.files.push(FileEntry {
            filename: Some(VERSION_FILE.to_owned()),
            glob: None,
            glob_exclude: Vec::new(),
            key_path: None,
            parse: config.parse.clone(),
            serialize: config.serialize.clone(),
            search: config.search.clone(),
            replace: config.replace.clone(),
            regex: config.regex,
            ignore_missing_version: flags.contains('i'),
            ignore_missing_file: false,
            include_bumps: parts.clone(),
            exclude_bumps: Vec::new(),
        });
        std::fs::write(work.path().join(VERSION_FILE), contents).expect("writing VERSION");
        let chosen = flags.bytes().find(u8::is_ascii_digit).map(|d| usize::from(d - b'0'));
        let parts = match chosen {
            Some(i) if i < parts.len() => vec![parts[i].clone()],
            _ => parts,
        };
        plan_bumps(work, &config, &parts);
    });
}

fn version_format_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = VERSION_FORMAT_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    // The repository's own configurations, as records.
    for config_text in bump_config_seeds(root) {
        let work = Workdir::new();
        for name in [".bumpversion.toml", ".bumpversion.cfg"] {
            let path = work.path().join(name);
            let _ = std::fs::write(&path, &config_text);
            let Ok(config) = config::load(Some(&path), &Overrides::default(), work.path()) else { continue };
            let current = config.current_version.clone().unwrap_or_default();
            for file in config.files.iter().take(2) {
                let record = [
                    file.parse.as_str(),
                    &file.serialize.join("\t"),
                    &current,
                    &file.search,
                    &file.replace,
                    if file.regex { "r" } else { "" },
                    &format!("x {current} y\n"),
                ]
                .join("\n");
                seeds.push(record.into_bytes());
            }
        }
    }
    seeds
}

/// Records for `version-format` (see its doc): the defaults, a build part, regex search with
/// lookaround and group references, dates, and format specs.
const VERSION_FORMAT_SEEDS: &[&str] = &[
    "(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)\n{major}.{minor}.{patch}\n1.2.3\n{current_version}\n{new_version}\n\n1.2.3\n",
    "(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(-r(?P<build>\\d+))?\n{major}.{minor}.{patch}-r{build}\t{major}.{minor}.{patch}\n0.5.146-r1\nENV VERSION={current_version}\nENV VERSION={new_version}\n3\nFROM x\nENV VERSION=0.5.146-r1\n",
    "(?P<major>\\d+)\\.(?P<minor>\\d+)\n{major:02}.{minor:>3}\n01. 2\n(?<=version: )(?P<v>{current_version})(?!\\d)\n\\g<0> # {now:%Y-%m-%d} \\1\nr\nversion: 01. 2\n",
    "(?x)\n  (?P<major>\\d+) # the major\n  \\.(?P<minor>\\d+)\n{major}.{minor}\n4.5\n^v{current_version}$\nv{new_version}\nr0\nv4.5\nv4.50\n",
    "(?P<year>\\d{4})\\.(?P<n>\\d+)\n{year}.{n}\n2024.7\n{current_version}\n{new_version} ({utcnow:%H:%M:%S%z}) {now:%A %j %U %G-W%V %f}\n1\n2024.7 and 2024.7\n",
    "v(?P<major>[0-9]+)(?:\\.(?P<minor>[0-9]+))?\nv{major}.{minor}\tv{major}\nv3\n{current_version!r}\n{new_version!s:*^12}\n\nv3\n",
];

// --- seeds from the repository -----------------------------------------------------------------

/// The files of `dir` whose names `keep` accepts, sorted.
fn files_in(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep));
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The fenced code blocks of `README.md` and `docs/*.md` whose info string `keep` accepts
/// (```` ```toml hoist.toml ```` has the info string `toml hoist.toml`).
fn doc_blocks(root: &Path, keep: impl Fn(&str) -> bool) -> Vec<Vec<u8>> {
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    docs.sort();
    pages.extend(docs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")));
    let mut blocks = Vec::new();
    for page in pages {
        let Ok(text) = std::fs::read_to_string(&page) else { continue };
        let mut current: Option<String> = None;
        for line in text.lines() {
            let trimmed = line.trim_start();
            match &mut current {
                None => {
                    if let Some(info) = trimmed.strip_prefix("```")
                        && !info.starts_with('`')
                        && keep(info.trim())
                    {
                        current = Some(String::new());
                    }
                }
                Some(block) => {
                    if trimmed.starts_with("```") {
                        blocks.push(std::mem::take(block).into_bytes());
                        current = None;
                    } else {
                        block.push_str(trimmed);
                        block.push('\n');
                    }
                }
            }
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// The most one kept crasher may take in a (debug) test build; the fuzzer's limit for an
    /// optimized build is 2 seconds.
    const REPLAY_LIMIT: Duration = Duration::from_secs(20);

    #[test]
    fn the_regression_corpus_replays_without_a_crash() {
        let root = repository_root();
        let mut replayed = 0;
        for target in TARGETS {
            for (path, input) in regressions(&root, target.name) {
                let start = Instant::now();
                (target.run)(&input);
                let took = start.elapsed();
                assert!(took < REPLAY_LIMIT, "{} took {took:?}: it hangs again", path.display());
                replayed += 1;
            }
        }
        eprintln!("replayed {replayed} kept crashers");
    }

    #[test]
    fn every_regression_directory_names_a_target() {
        let dir = repository_root().join("xtask/fuzz/regressions");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                assert!(find(&name).is_some(), "{}: `{name}` is not a fuzz target", dir.display());
            }
        }
    }

    #[test]
    fn every_target_has_seeds_and_runs_them() {
        let root = repository_root();
        for target in TARGETS {
            let seeds = (target.seeds)(&root);
            assert!(seeds.len() >= 3, "`{}` has {} seeds", target.name, seeds.len());
            for seed in seeds {
                (target.run)(&seed);
            }
        }
    }
}
