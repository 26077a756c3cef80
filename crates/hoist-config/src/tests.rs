//! Every way `hoist.toml` can be wrong, with the exact message.

use std::path::Path;

use crate::{Builder, Config, Overrides};

#[track_caller]
fn check_error(text: &str, expected: &str) {
    let error = Config::parse(text, Path::new("hoist.toml")).expect_err("the configuration should be refused");
    assert_eq!(error.to_string(), expected);
}

#[test]
fn defaults() {
    let config = Config::parse("registry = \"registry.example.com/app\"\n", Path::new("/p/hoist.toml")).unwrap();
    assert_eq!(config.registry, "registry.example.com/app");
    assert_eq!(config.cache_registry, None);
    assert_eq!(config.dockerfile, Path::new("Dockerfile"));
    assert_eq!(config.context, Path::new("."));
    assert_eq!(config.release_step, "release");
    assert_eq!(config.platform, None);
    assert_eq!(config.version_prefix, "v");
    assert_eq!(config.pr_variable, "prNum");
    assert_eq!(config.version_config, None);
    assert!(config.insecure_registries.is_empty());
    assert_eq!(config.builder, Builder::Buildkit);
    assert!(config.compose.is_empty());
    assert_eq!(config.root(), Path::new("/p"));
    assert_eq!(config.dockerfile_path(), Path::new("/p/Dockerfile"));
}

#[test]
fn every_key() {
    let text = r#"
registry = "registry.example.com/nuremberg"
cache-registry = "registry.example.com/cache/nuremberg"
dockerfile = "docker/Dockerfile"
context = "web"
release-step = "runtime"
platform = "linux/amd64"
version-prefix = ""
pr-variable = "PR_NUMBER"
version-config = ".bumpversion.cfg"
insecure-registries = ["registry.lan:5000"]
builder = "classic"

[compose.ci]
files = ["docker-compose.yml", "docker-compose.ci.yml"]
shortcut = "ci-dc"

[compose.solr]
files = ["docker-compose.solr-build.yml"]
project = "solrbld"
shortcut = "solr-dc"
"#;
    let config = Config::parse(text, Path::new("hoist.toml")).unwrap();
    assert_eq!(config.cache_registry.as_deref(), Some("registry.example.com/cache/nuremberg"));
    assert_eq!(config.dockerfile, Path::new("docker/Dockerfile"));
    assert_eq!(config.context, Path::new("web"));
    assert_eq!(config.release_step, "runtime");
    assert_eq!(config.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(config.version_prefix, "");
    assert_eq!(config.pr_variable, "PR_NUMBER");
    assert_eq!(config.version_config.as_deref(), Some(Path::new(".bumpversion.cfg")));
    assert_eq!(config.insecure_registries, ["registry.lan:5000"]);
    assert_eq!(config.builder, Builder::Classic);
    assert_eq!(config.compose["ci"].project, "ci");
    assert_eq!(config.compose["ci"].shortcut.as_deref(), Some("ci-dc"));
    assert_eq!(config.compose["solr"].project, "solrbld");
    assert_eq!(config.compose["solr"].files, [Path::new("docker-compose.solr-build.yml")]);
}

#[test]
fn unknown_keys_name_the_closest_known_key() {
    check_error("registy = \"r.example/app\"\n", "hoist.toml:1:1: unknown key `registy`: did you mean `registry`?");
    check_error(
        "registry = \"r.example/app\"\nrelease_step = \"x\"\n",
        "hoist.toml:2:1: unknown key `release_step`: did you mean `release-step`?",
    );
    check_error(
        "registry = \"r.example/app\"\n\n[compose.ci]\nfile = [\"a.yml\"]\n",
        "hoist.toml:4:1: unknown key `compose.ci.file`: did you mean `files`?",
    );
    check_error(
        "registry = \"r.example/app\"\n[foo]\nx = 1\n",
        "hoist.toml:2:2: unknown key `foo`: the keys known here are `registry`, `cache-registry`, `dockerfile`, `context`, `release-step`, `platform`, `version-prefix`, `pr-variable`, `version-config`, `insecure-registries`, `builder`, `compose`, `deploy`, `channels`, `gitops`, `test`, `data-image`, `requirements`, `ci`",
    );
}

#[test]
fn missing_keys() {
    check_error(
        "platform = \"linux/amd64\"\n",
        "hoist.toml:1:1: missing key `registry`: add it, for example `registry = \"registry.example.com/app\"`",
    );
    check_error(
        "",
        "hoist.toml:1:1: missing key `registry`: add it, for example `registry = \"registry.example.com/app\"`",
    );
    check_error(
        "registry = \"r.example/app\"\n[compose.ci]\nproject = \"ci\"\n",
        "hoist.toml:2:1: missing key `compose.ci.files`: add it, for example `files = [\"docker-compose.yml\"]`",
    );
}

#[test]
fn wrong_types_and_values() {
    check_error("registry = 3\n", "hoist.toml:1:12: bad value for `registry`: found integer `3`, expected a string");
    check_error(
        "registry = \"r.example/app\"\n[compose.ci]\nfiles = \"a.yml\"\n",
        "hoist.toml:3:9: bad value for `compose.ci.files`: found string \"a.yml\", expected an array",
    );
    check_error(
        "registry = \"r.example/app\"\nbuilder = \"kaniko\"\n",
        "hoist.toml:2:11: bad value for `builder`: unknown value `kaniko`, expected one of `buildkit`, `classic`, `buildx`",
    );
    check_error(
        "registry = \"R.example/App\"\n",
        "hoist.toml:1:1: bad value for `registry`: `R.example/App` is not an image repository such as `registry.example.com/app` (lowercase, no tag)",
    );
    check_error(
        "registry = \"r.example/app:v1\"\n",
        "hoist.toml:1:1: bad value for `registry`: `r.example/app:v1` is not an image repository such as `registry.example.com/app` (lowercase, no tag)",
    );
    check_error(
        "registry = \"r.example/app\"\ncache-registry = \"Cache\"\n",
        "hoist.toml:2:1: bad value for `cache-registry`: `Cache` is not an image repository such as `registry.example.com/cache/app` (lowercase, no tag)",
    );
    check_error(
        "registry = \"r.example/app\"\n[compose.ci]\nfiles = []\n",
        "hoist.toml:3:1: bad value for `compose.ci.files`: a compose project needs at least one file",
    );
}

#[test]
fn syntax_errors_have_line_and_column() {
    check_error("registry = \"r.example/app\n", "hoist.toml:1:26: invalid TOML: invalid basic string, expected `\"`");
    let error =
        Config::parse("registry = \"a/b\"\nregistry = \"c/d\"\n", Path::new("hoist.toml")).unwrap_err().to_string();
    assert!(error.starts_with("hoist.toml:2:1: invalid TOML: duplicate key"), "{error}");
}

#[test]
fn discovery_walks_up_and_reports_the_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hoist.toml"), "registry = \"r.example/app\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    let config = Config::discover(&dir.path().join("a/b")).unwrap();
    assert_eq!(config.root(), dir.path());

    let empty = tempfile::tempdir().unwrap();
    let error = Config::discover(empty.path()).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "no `hoist.toml` in `{}` or any parent directory: create one (see docs/configuration.md) or pass `-C DIR` to name the project directory",
            empty.path().display()
        )
    );
}

#[test]
fn environment_overrides() {
    let config =
        Config::parse("registry = \"r.example/app\"\npr-variable = \"PR\"\n", Path::new("hoist.toml")).unwrap();
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    };
    assert_eq!(Overrides::from_env(&config, env(&[])), Overrides::default());
    let o = Overrides::from_env(
        &config,
        env(&[("CACHE_REGISTRY", "c.example/x"), ("NO_CACHE_TO", "1"), ("PR", "42"), ("prNum", "7")]),
    );
    assert_eq!(o.cache_registry.as_deref(), Some("c.example/x"));
    assert!(o.no_cache_to);
    assert_eq!(o.pr.as_deref(), Some("42"), "the configured variable is read, not `prNum`");
    let o = Overrides::from_env(
        &config,
        env(&[
            ("CACHE_REGISTRY", "c.example/x"),
            ("HOIST_CACHE_REGISTRY", "h.example/y"),
            ("HOIST_PR", "9"),
            ("PR", "42"),
        ]),
    );
    assert_eq!(o.cache_registry.as_deref(), Some("h.example/y"), "HOIST_* wins");
    assert_eq!(o.pr.as_deref(), Some("9"));
    let o = Overrides::from_env(&config, env(&[("NO_CACHE_TO", ""), ("PR", ""), ("HOIST_REGISTRY", "")]));
    assert!(!o.no_cache_to, "an empty value is unset");
    assert_eq!(o.pr, None);
    assert_eq!(o.registry, None);
    let o = Overrides::from_env(&config, env(&[("HOIST_REGISTRY", "127.0.0.1:5000/app")]));
    assert_eq!(o.registry.as_deref(), Some("127.0.0.1:5000/app"));
}

#[test]
fn deploy_defaults_and_environments() {
    let config = Config::parse("registry = \"r.example/app\"\n", Path::new("hoist.toml")).unwrap();
    let deploy = &config.deploy;
    assert_eq!(deploy.remote, "origin");
    assert_eq!(deploy.default_environment, "dev");
    assert_eq!(deploy.tag_for("dev"), "dev/deploy");
    assert_eq!(deploy.last_tag_for("dev"), "last/dev/deploy");
    assert_eq!(deploy.version_tag_for("0.5.146"), "v0.5.146");
    assert_eq!(deploy.images, ["release"]);
    assert_eq!(deploy.environments.keys().collect::<Vec<_>>(), ["dev"]);

    let text = "registry = \"r.example/app\"\n[deploy]\nremote = \"upstream\"\ndefault-environment = \"staging\"\nimages = [\"release\", \"solr\"]\n[deploy.environments.staging]\n[deploy.environments.prod]\nimages = [\"release\"]\n";
    let config = Config::parse(text, Path::new("hoist.toml")).unwrap();
    assert_eq!(config.deploy.environments["staging"].images, ["release", "solr"]);
    assert_eq!(config.deploy.environments["prod"].images, ["release"]);
    assert_eq!(config.deploy.remote, "upstream");
}

#[test]
fn deploy_errors() {
    check_error(
        "registry = \"r.example/app\"\n[deploy]\ntag = \"deploy\"\n",
        "hoist.toml:3:1: bad value for `deploy.tag`: `deploy` does not contain `{env}`: every environment needs its own tag",
    );
    check_error(
        "registry = \"r.example/app\"\n[deploy]\ndefault-environment = \"prod\"\n[deploy.environments.dev]\n",
        "hoist.toml:3:1: bad value for `deploy.default-environment`: `prod` is not a configured environment (configured: `dev`)",
    );
    check_error(
        "registry = \"r.example/app\"\n[deploy.environments.\"a b\"]\n",
        "hoist.toml:2:22: bad value for `deploy.environments.a b`: `a b` cannot be part of a git tag name: use letters, digits, `-`, `_` and `.`",
    );
    check_error(
        "registry = \"r.example/app\"\n[deploy]\nenvironment = []\n",
        "hoist.toml:3:1: unknown key `deploy.environment`: did you mean `environments`?",
    );
}

#[test]
fn channels_and_gitops_defaults() {
    let config = Config::parse("registry = \"r.example/team/app\"\n", Path::new("hoist.toml")).unwrap();
    assert_eq!(config.channels.dir, Path::new("channels"));
    let gitops = &config.gitops;
    assert_eq!(gitops.repository, None);
    assert_eq!(gitops.branch, "main");
    assert_eq!(gitops.path, "{env}/{name}.yaml");
    assert_eq!(gitops.template, Path::new(".flux.ci/helmrelease.yaml"));
    assert_eq!(gitops.name, "app", "the last component of the registry");
    assert_eq!(gitops.message, "release {name} {tag} to {env}");
    assert_eq!(gitops.retries, 3);
    assert!(gitops.environments.is_empty());
    assert!(gitops.values.is_empty());
}

#[test]
fn channels_and_gitops_every_key() {
    let text = r#"
registry = "r.example/app"

[channels]
dir = "ci/channels"

[gitops]
repository = "git@git.example.com:team/releases.git"
branch = "flux"
path = "{env}/apps/{name}.yaml"
template = "deploy/helmrelease.yaml"
name = "ui"
message = "deploy {name} {tag}"
retries = 5
environments = ["staging", "production"]

[gitops.values]
replicas = "2"
"ingress.host" = "ui.example.com"
"#;
    let config = Config::parse(text, Path::new("hoist.toml")).unwrap();
    assert_eq!(config.channels.dir, Path::new("ci/channels"));
    let gitops = &config.gitops;
    assert_eq!(gitops.repository.as_deref(), Some("git@git.example.com:team/releases.git"));
    assert_eq!(gitops.branch, "flux");
    assert_eq!(gitops.path, "{env}/apps/{name}.yaml");
    assert_eq!(gitops.template, Path::new("deploy/helmrelease.yaml"));
    assert_eq!(gitops.name, "ui");
    assert_eq!(gitops.message, "deploy {name} {tag}");
    assert_eq!(gitops.retries, 5);
    assert_eq!(gitops.environments, ["staging", "production"]);
    assert_eq!(gitops.values["replicas"], "2");
    assert_eq!(gitops.values["ingress.host"], "ui.example.com");
}

#[test]
fn channels_and_gitops_errors() {
    check_error(
        "registry = \"r.example/app\"\n[channels]\ndirectory = \"x\"\n",
        "hoist.toml:3:1: unknown key `channels.directory`: the keys known here are `dir`, `after`",
    );
    for (rule, message) in [
        ("prod = []", "an empty list requires nothing"),
        ("prod = [\"prod\"]", "`prod` cannot require itself"),
        ("prod = [\"te st\"]", "`te st` cannot be an environment"),
        ("\"pr..od\" = [\"test\"]", "`pr..od` cannot be an environment"),
    ] {
        let text = format!("registry = \"r.example/app\"\n[channels.after]\n{rule}\n");
        let error = Config::parse(&text, Path::new("hoist.toml")).unwrap_err().to_string();
        assert!(error.starts_with("hoist.toml:"), "{error}");
        assert!(error.contains("`channels.after."), "{error}");
        assert!(error.contains(message), "{rule}: {error}");
    }
    let config = Config::parse(
        "registry = \"r.example/app\"\n[channels.after]\nprod = [\"test\", \"staging\"]\n",
        Path::new("hoist.toml"),
    )
    .unwrap();
    assert_eq!(config.channels.after["prod"], ["test", "staging"]);
    check_error(
        "registry = \"r.example/app\"\n[gitops]\nrepositry = \"x\"\n",
        "hoist.toml:3:1: unknown key `gitops.repositry`: did you mean `repository`?",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\npath = \"prod/app.yaml\"\n",
        "hoist.toml:3:1: bad value for `gitops.path`: `prod/app.yaml` does not contain `{env}`: every environment needs its own file",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\npath = \"../{env}/app.yaml\"\n",
        "hoist.toml:3:1: bad value for `gitops.path`: `../{env}/app.yaml` is not a relative path inside the releases repository (no leading `/`, no `..`)",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\nretries = 100\n",
        "hoist.toml:3:1: bad value for `gitops.retries`: 100 is too many: use at most 20, a push refused that often has another cause",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\nretries = -1\n",
        "hoist.toml:3:11: bad value for `gitops.retries`: invalid value: integer `-1`, expected u32",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\nbranch = \"a..b\"\n",
        "hoist.toml:3:1: bad value for `gitops.branch`: `a..b` is not a git branch name",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\nrepository = \"\"\n",
        "hoist.toml:3:1: bad value for `gitops.repository`: the releases repository cannot be empty: give its git URL, such as `git@github.com:team/releases.git`",
    );
    check_error(
        "registry = \"r.example/app\"\n[gitops]\nenvironments = [\"a b\"]\n",
        "hoist.toml:3:1: bad value for `gitops.environments`: `a b` cannot name a directory of the releases repository: use letters, digits, `-`, `_` and `.`",
    );
}

#[test]
fn pipeline_sections_default() {
    let config =
        Config::parse("registry = \"r.example/app\"\nrelease-step = \"runtime\"\n", Path::new("hoist.toml")).unwrap();
    assert_eq!(
        (config.test.compose.as_str(), config.test.service.as_str(), config.test.step.as_str()),
        ("ci", "web", "tester")
    );
    assert!(config.test.suites.is_empty());
    let data = &config.data_image;
    assert_eq!(
        (data.compose.as_str(), data.loader_service.as_str(), data.data_service.as_str(), data.image_step.as_str()),
        ("solrbld", "loader", "data", "runtime")
    );
    assert_eq!((data.wait_for.as_ref(), data.wait_attempts), (None, 60));
    assert_eq!((data.data_path.as_str(), data.archive.as_path()), ("/var/solr", Path::new("dist/var-solr.tgz")));
    assert_eq!((data.stage.as_str(), data.suffix.as_str()), ("solr", "solr"));
    assert!(data.steps.is_empty());
    let req = &config.requirements;
    assert_eq!((req.compose.as_str(), req.service.as_str(), req.step.as_str()), ("ci", "web", "runtime"));
    assert_eq!((req.command.as_ref(), req.user.as_ref()), (None, None));
    assert_eq!(req.files, [Path::new("requirements.txt")]);
}

#[test]
fn pipeline_sections_every_key() {
    let text = r#"
registry = "r.example/app"

[test]
compose = "ci2"
service = "app"
step = "test"

[[test.suites]]
name = "code"
command = ["pytest", "--verbose"]
user = "0"
env = { pytest_report_title = "Code" }

[[test.suites]]
name = "browser"
command = ["pytest", "browser_tests.py"]
reported-only = true

[data-image]
compose = "build"
loader-service = "web"
data-service = "solr"
image-step = "release"
wait-for = ["curl", "-f", "http://localhost:8983/solr/"]
wait-attempts = 5
data-path = "/var/lib/solr"
archive = "out/data.tgz"
stage = "search"
suffix = "search"

[[data-image.steps]]
command = ["./init.sh"]

[[data-image.steps]]
service = "solr"
command = ["solr", "commit"]

[requirements]
compose = "dev"
service = "app"
step = "dev"
command = ["pip-compile", "requirements.in"]
user = "1000"
files = ["requirements.txt", "requirements-prod.txt"]
"#;
    let config = Config::parse(text, Path::new("hoist.toml")).unwrap();
    let test = &config.test;
    assert_eq!((test.compose.as_str(), test.service.as_str(), test.step.as_str()), ("ci2", "app", "test"));
    assert_eq!(test.suites[0].command, ["pytest", "--verbose"]);
    assert_eq!(test.suites[0].user.as_deref(), Some("0"));
    assert_eq!(test.suites[0].env["pytest_report_title"], "Code");
    assert!(!test.suites[0].reported_only);
    assert!(test.suites[1].reported_only);
    let data = &config.data_image;
    assert_eq!((data.loader_service.as_str(), data.data_service.as_str()), ("web", "solr"));
    assert_eq!(
        data.wait_for.as_deref(),
        Some(&["curl".to_owned(), "-f".into(), "http://localhost:8983/solr/".into()][..])
    );
    assert_eq!(data.wait_attempts, 5);
    assert_eq!((data.steps[0].service.as_str(), data.steps[1].service.as_str()), ("web", "solr"));
    assert_eq!((data.data_path.as_str(), data.archive.as_path()), ("/var/lib/solr", Path::new("out/data.tgz")));
    assert_eq!((data.stage.as_str(), data.suffix.as_str(), data.compose.as_str()), ("search", "search", "build"));
    let req = &config.requirements;
    assert_eq!(req.command.as_deref(), Some(&["pip-compile".to_owned(), "requirements.in".into()][..]));
    assert_eq!((req.user.as_deref(), req.step.as_str(), req.compose.as_str()), (Some("1000"), "dev", "dev"));
    assert_eq!(req.files.len(), 2);
}

#[test]
fn pipeline_sections_refuse_bad_values() {
    let base = "registry = \"r.example/app\"\n";
    check_error(
        &format!("{base}[[test.suites]]\nname = \"code\"\ncommand = []\n"),
        "hoist.toml:2:8: bad value for `test.suites`: a command needs at least a program, one argument per element: `command = [\"pytest\", \"--verbose\"]`",
    );
    check_error(
        &format!(
            "{base}[[test.suites]]\nname = \"a\"\ncommand = [\"x\"]\n[[test.suites]]\nname = \"a\"\ncommand = [\"y\"]\n"
        ),
        "hoist.toml:2:8: bad value for `test.suites`: suite names must be distinct and not empty: `a` is not",
    );
    check_error(
        &format!("{base}[[test.suites]]\nname = \"a\"\ncommand = \"pytest -v\"\n"),
        "hoist.toml:4:11: bad value for `test.suites.command`: found string \"pytest -v\", expected an array",
    );
    check_error(
        &format!("{base}[data-image]\nwait-attempts = 0\n"),
        "hoist.toml:3:1: bad value for `data-image.wait-attempts`: 0 is out of range: use 1 to 600 (one attempt per second)",
    );
    check_error(
        &format!("{base}[data-image]\narchive = \"../x.tgz\"\n"),
        "hoist.toml:3:1: bad value for `data-image.archive`: `../x.tgz` is not a path inside the project: the Dockerfile stage reads it from the build context",
    );
    check_error(
        &format!("{base}[data-image]\ndata-path = \"var/solr\"\n"),
        "hoist.toml:3:1: bad value for `data-image.data-path`: `var/solr` is not an absolute directory below `/` in the data service, such as `/var/solr`",
    );
    check_error(
        &format!("{base}[data-image]\nsufix = \"solr\"\n"),
        "hoist.toml:3:1: unknown key `data-image.sufix`: did you mean `suffix`?",
    );
    check_error(
        &format!("{base}[requirements]\ncommand = [\"\"]\n"),
        "hoist.toml:3:1: bad value for `requirements.command`: a command needs at least a program, one argument per element: `command = [\"pytest\", \"--verbose\"]`",
    );
}

#[test]
fn the_complete_example_of_the_docs_parses() {
    let doc = include_str!("../../../docs/configuration.md");
    let fence = "```toml hoist.toml\n";
    let start = doc.find(fence).expect("a hoist.toml block") + fence.len();
    let end = start + doc[start..].find("```").unwrap();
    let config = Config::parse(&doc[start..end], Path::new("hoist.toml")).unwrap();
    assert_eq!(config.test.suites.len(), 2);
    assert_eq!(config.data_image.loader_service, "solr-loader");
    assert!(config.requirements.command.is_some());
    for key in ["reported-only", "wait-attempts", "data-path", "loader-service", "image-step", "requirements.step"] {
        assert!(doc.contains(&format!("{key}`")), "docs/configuration.md does not document `{key}`");
    }
}

#[test]
fn ci_defaults_and_no_bump() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hoist.toml"), "registry = \"r.example.com/app\"\n").unwrap();
    let config = Config::discover(dir.path()).unwrap();
    assert_eq!(config.ci.main_branch, "main");
    assert_eq!(config.ci.merged_pr_bump.as_deref(), Some("patch"));
    assert_eq!(config.ci.push_bump.as_deref(), Some("build"));
    assert!(config.ci.deploy);
    assert_eq!(config.data_image.dump, Vec::<String>::new());
    assert_eq!(config.data_image.regenerate, crate::Regenerate::OnChange);
    std::fs::write(
        dir.path().join("hoist.toml"),
        "registry = \"r.example.com/app\"\n[ci]\nmain-branch = \"trunk\"\npush-bump = \"\"\ndeploy = false\n[data-image]\ndump = \"dumps/*latest*\"\n",
    )
    .unwrap();
    let config = Config::discover(dir.path()).unwrap();
    assert_eq!(config.ci.main_branch, "trunk");
    assert_eq!(config.ci.push_bump, None);
    assert!(!config.ci.deploy);
    assert_eq!(config.data_image.dump, ["dumps/*latest*"]);
}

#[test]
fn the_dump_is_one_pathspec_or_a_list_and_regenerate_can_be_always() {
    let dir = tempfile::tempdir().unwrap();
    let load = |text: &str| {
        std::fs::write(
            dir.path().join("hoist.toml"),
            format!("registry = \"r.example.com/app\"\n[data-image]\n{text}"),
        )
        .unwrap();
        Config::discover(dir.path())
    };
    let config = load("dump = [\"dumps/*latest*\", \"solr_conf/\"]\nregenerate = \"always\"\n").unwrap();
    assert_eq!(config.data_image.dump, ["dumps/*latest*", "solr_conf/"]);
    assert_eq!(config.data_image.regenerate, crate::Regenerate::Always);
    let error = load("dump = 3\n").unwrap_err().to_string();
    assert!(error.contains("expected a git pathspec or a list of them"), "{error}");
    let error = load("regenerate = \"sometimes\"\n").unwrap_err().to_string();
    assert!(error.contains("`on-change`, `always`") || error.contains("on-change"), "{error}");
}
