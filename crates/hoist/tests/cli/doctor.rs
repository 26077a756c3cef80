//! `hoist doctor` against the real engine, compose and git: the engine and what chose it (the
//! local socket, `DOCKER_HOST`, a docker context), its version and BuildKit (a real build,
//! removed again), registry logins without their secrets, the remote without its credentials,
//! and what is missing with its fix; text and `--json`, exit status 0 or 1.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use hoist_test_support::cli::{Hoist, Output};
use hoist_test_support::engine;
use hoist_test_support::git::GitRepo;
use xshell::{Shell, cmd};

use crate::hoist;

const SOCKET: &str = "unix:///var/run/docker.sock";

/// `sha256("x")`: where `docker context create x` keeps the context's description.
const CONTEXT_X_ID: &str = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

/// Doctor's BuildKit probes, one at a time, so that a test can tell what one of them left.
static PROBES: Mutex<()> = Mutex::new(());

/// A project as `hoist init` leaves it: a git work tree with an `origin` and a `hoist.toml`.
fn project() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("hoist.toml", "registry = \"registry.example.com/app\"\n");
    repo.commit_all("hoist.toml");
    repo
}

/// `hoist doctor` in `dir` with the Docker config in `docker_config` and no engine variable
/// set (an empty value is unset, for hoist and the docker CLI alike).
fn doctor(dir: &Path, docker_config: &Path) -> Hoist {
    let mut command = hoist(dir).env("DOCKER_CONFIG", docker_config);
    for var in ["HOIST_ENGINE", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]
    {
        command = command.env(var, "");
    }
    command.args(["doctor"])
}

fn run(command: Hoist) -> Output {
    let _one_at_a_time = PROBES.lock().unwrap_or_else(|e| e.into_inner());
    command.run()
}

/// The `key: value` lines of the text output, by key (`problem` lines in order).
fn fields(stdout: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut fields = BTreeMap::new();
    let mut problems = Vec::new();
    for line in stdout.lines() {
        let (key, value) = line.split_once(':').unwrap_or_else(|| panic!("not `key: value`: {line:?}"));
        let value = value.trim_start().to_owned();
        if key == "problem" {
            problems.push(value);
        } else {
            fields.insert(key.to_owned(), value);
        }
    }
    (fields, problems)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout))
}

/// The local engine's own word on its version, through the docker CLI.
fn docker_version(field: &str) -> String {
    let sh = Shell::new().unwrap();
    let format = format!("{{{{.Server.{field}}}}}");
    cmd!(sh, "docker version --format {format}")
        .env("DOCKER_HOST", SOCKET)
        .env_remove("DOCKER_CONTEXT")
        .quiet()
        .read()
        .unwrap()
}

/// The images doctor's probe makes (`hoist-probe/buildkit:…`) that the engine holds now.
fn probe_images() -> Vec<String> {
    let sh = Shell::new().unwrap();
    let format = "{{.Repository}}:{{.Tag}}";
    let out = cmd!(sh, "docker images --format {format} hoist-probe/buildkit")
        .env("DOCKER_HOST", SOCKET)
        .quiet()
        .read()
        .unwrap();
    out.lines().map(str::to_owned).collect()
}

#[test]
fn doctor_on_a_ready_project_names_the_engine_and_exits_0() {
    engine::check(SOCKET).unwrap_or_else(|e| panic!("{e}"));
    let repo = project();
    let config = tempfile::tempdir().unwrap();
    let out = {
        let _one_at_a_time = PROBES.lock().unwrap_or_else(|e| e.into_inner());
        let before = probe_images();
        let out = doctor(&repo.path(), config.path()).run();
        let left: Vec<String> = probe_images().into_iter().filter(|i| !before.contains(i)).collect();
        assert!(left.is_empty(), "the BuildKit probe left {left:?}");
        out
    };
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert_eq!(out.stderr, "");
    let (fields, problems) = fields(&out.stdout);
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(fields["engine"], SOCKET);
    assert_eq!(fields["reason"], "nothing chooses one: the local socket");
    let version = fields["version"].as_str();
    let expected = format!("{} (API {}", docker_version("Version"), docker_version("APIVersion"));
    assert!(version.starts_with(&expected), "{version:?} is not {expected:?}…");
    assert_eq!(fields["buildkit"], "yes");
    let compose = fields["compose"].as_str();
    assert!(
        compose.starts_with("`docker compose` (v2 plugin): ") || compose.starts_with("`docker-compose` (v1): "),
        "{compose}"
    );
    assert!(fields["git"].starts_with("git version "), "{}", fields["git"]);
    assert_eq!(fields["work tree"], repo.path().display().to_string());
    assert_eq!(fields["remote origin"], repo.remote().display().to_string());
    assert_eq!(fields["hoist.toml"], repo.path().join("hoist.toml").display().to_string());
    assert_eq!((fields["registries"].as_str(), fields["problems"].as_str()), ("none", "none"));
    // The values start in one column.
    let starts: std::collections::BTreeSet<usize> =
        out.stdout.lines().map(|l| l.len() - l.split_once(':').unwrap().1.trim_start().len()).collect();
    assert_eq!(starts.len(), 1, "values not aligned:\n{}", out.stdout);
}

#[test]
fn doctor_says_an_engine_chosen_by_docker_host_cannot_be_reached_and_exits_1() {
    let repo = project();
    let config = tempfile::tempdir().unwrap();
    let out = run(doctor(&repo.path(), config.path()).env("DOCKER_HOST", "unix:///nonexistent.sock"));
    assert_eq!(out.code, 1, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert_eq!(out.stderr, "", "the problem is data, not an error");
    let (fields, problems) = fields(&out.stdout);
    assert_eq!(fields["engine"], "unix:///nonexistent.sock");
    assert_eq!(fields["reason"], "`DOCKER_HOST`");
    assert_eq!((fields["version"].as_str(), fields["buildkit"].as_str()), ("unknown", "unknown"));
    assert_eq!(
        problems,
        [
            "cannot reach the Docker engine at `unix:///nonexistent.sock`: the socket does not exist; start the engine (`sudo systemctl start docker`, or `sudo dockerd &`), or point `DOCKER_HOST` at a running one"
        ]
    );
    // The rest is still looked at.
    assert_eq!(fields["hoist.toml"], repo.path().join("hoist.toml").display().to_string());

    let out = run(doctor(&repo.path(), config.path()).env("DOCKER_HOST", "unix:///nonexistent.sock").args(["--json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value = json(&out);
    assert_eq!(value["engine"]["source"], serde_json::json!({"kind": "docker-host"}));
    assert_eq!(value["problems"].as_array().unwrap().len(), 1, "{value:#}");
    assert_eq!(value["problems"][0]["kind"], "engine-unreachable");
    assert!(value["problems"][0]["help"].as_str().unwrap().contains("point `DOCKER_HOST` at a running one"));
}

#[test]
fn doctor_names_the_current_docker_context() {
    engine::check(SOCKET).unwrap_or_else(|e| panic!("{e}"));
    let repo = project();
    let config = tempfile::tempdir().unwrap();
    let meta = config.path().join("contexts/meta").join(CONTEXT_X_ID);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"x","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{SOCKET}","SkipTLSVerify":false}}}}}}"#
        ),
    )
    .unwrap();
    std::fs::write(config.path().join("config.json"), r#"{"currentContext":"x"}"#).unwrap();
    let out = run(doctor(&repo.path(), config.path()));
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let (shown, _) = fields(&out.stdout);
    let file = config.path().join("config.json");
    assert_eq!(shown["reason"], format!("the current docker context `x` (`{}`)", file.display()));
    assert_eq!((shown["engine"].as_str(), shown["buildkit"].as_str()), (SOCKET, "yes"));

    // A context that is not there: the problem, with its fix; no crash.
    std::fs::write(config.path().join("config.json"), r#"{"currentContext":"gone"}"#).unwrap();
    let out = run(doctor(&repo.path(), config.path()));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let (fields, problems) = fields(&out.stdout);
    assert_eq!(fields["engine"], "unknown");
    assert_eq!(
        problems.first().map(String::as_str),
        Some(
            "there is no docker context `gone`: the contexts are `default` and `x`; create it with `docker context create`, or choose another with `DOCKER_CONTEXT` or `docker context use`"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn doctor_lists_registry_logins_and_never_their_secrets() {
    engine::check(SOCKET).unwrap_or_else(|e| panic!("{e}"));
    let repo = project();
    let config = tempfile::tempdir().unwrap();
    // `doctor:s3cret-pa55word`, as `docker login` stores it.
    let auth = "ZG9jdG9yOnMzY3JldC1wYTU1d29yZA==";
    std::fs::write(
        config.path().join("config.json"),
        format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}"}},"plain.example.com":{{"username":"u","password":"pl4in-s3cret"}}}}}}"#),
    )
    .unwrap();
    let text = run(doctor(&repo.path(), config.path()));
    let json_out = run(doctor(&repo.path(), config.path()).args(["--json"]));
    for out in [&text, &json_out] {
        assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
        for secret in ["s3cret-pa55word", auth, "ZG9jdG9yOnMzY3JldC1wYTU1d29yZA", "pl4in-s3cret"] {
            assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "`{secret}` shown:\n{}", out.stdout);
        }
    }
    let lines: Vec<&str> = text.stdout.lines().filter(|l| l.starts_with("registry:")).collect();
    assert_eq!(lines.len(), 2, "{}", text.stdout);
    assert!(lines[0].ends_with(" plain.example.com (auths)") && lines[1].ends_with(" registry.example.com (auths)"));
    let value = json(&json_out);
    assert_eq!(
        value["registries"],
        serde_json::json!([
            {"registry": "plain.example.com", "source": "auths"},
            {"registry": "registry.example.com", "source": "auths"},
        ])
    );
    assert_eq!(value["docker_config"], config.path().join("config.json").display().to_string());
}

#[test]
fn doctor_shows_the_remote_without_its_credentials() {
    engine::check(SOCKET).unwrap_or_else(|e| panic!("{e}"));
    let repo = project();
    repo.git(&["remote", "set-url", "origin", "https://doctor:t0ken-s3cret@git.example.invalid/team/app.git"]);
    let config = tempfile::tempdir().unwrap();
    let text = run(doctor(&repo.path(), config.path()));
    let json_out = run(doctor(&repo.path(), config.path()).args(["--json"]));
    for out in [&text, &json_out] {
        assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
        assert!(!out.stdout.contains("t0ken-s3cret") && !out.stderr.contains("t0ken-s3cret"), "{}", out.stdout);
        assert!(!out.stdout.contains("doctor:"), "{}", out.stdout);
    }
    assert_eq!(fields(&text.stdout).0["remote origin"], "https://git.example.invalid/team/app.git");
    assert_eq!(json(&json_out)["git"]["url"], "https://git.example.invalid/team/app.git");
}

#[test]
fn doctor_json_has_every_fact() {
    engine::check(SOCKET).unwrap_or_else(|e| panic!("{e}"));
    let repo = project();
    let config = tempfile::tempdir().unwrap();
    let out = run(doctor(&repo.path(), config.path()).args(["--json"]));
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let value = json(&out);
    let engine = &value["engine"];
    assert_eq!(engine["url"], SOCKET);
    assert_eq!(engine["source"], serde_json::json!({"kind": "default"}));
    assert_eq!(engine["context"], serde_json::Value::Null);
    assert_eq!(engine["reason"], "nothing chooses one: the local socket");
    assert_eq!(engine["version"], docker_version("Version"));
    assert_eq!(engine["api"], docker_version("APIVersion"));
    assert_eq!(engine["buildkit"], true);
    assert_eq!(value["registries"], serde_json::json!([]));
    assert!(["plugin", "standalone"].contains(&value["compose"]["kind"].as_str().unwrap()), "{value:#}");
    assert!(value["compose"]["version"].is_string(), "{value:#}");
    let git = &value["git"];
    assert!(git["version"].as_str().unwrap().starts_with("git version "));
    assert_eq!(git["work_tree"], repo.path().display().to_string());
    assert_eq!((git["remote"].as_str(), git["url"].as_str()), (Some("origin"), repo.remote().to_str()));
    assert_eq!(value["hoist_toml"], repo.path().join("hoist.toml").display().to_string());
    assert_eq!(value["problems"], serde_json::json!([]));
}

#[test]
fn doctor_on_a_bare_directory_says_what_is_missing_with_the_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let out = run(doctor(dir.path(), config.path()).env("DOCKER_HOST", "unix:///nonexistent.sock").args(["--json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value = json(&out);
    let kinds: Vec<&str> = value["problems"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["engine-unreachable", "not-a-repository", "no-config"], "{value:#}");
    let dir = dir.path().display();
    assert_eq!(
        value["problems"][2]["message"],
        format!(
            "no `hoist.toml` in `{dir}` or any parent directory: `hoist init` writes one from the project's files (or pass `-C DIR` to name the project directory)"
        )
    );
    assert_eq!(
        value["problems"][1]["message"],
        format!("`{dir}` is not inside a git work tree: run hoist in the project's clone, or `git init` it")
    );
}
