//! Bad input: one sentence on stderr, exit 1, nothing on stdout.

use crate::{BUMPVERSION, hoist};
use hoist_test_support::cli::Project;

#[test]
fn missing_configuration() {
    let project = Project::new();
    let stderr = hoist(project.path()).args(["tag"]).failure();
    let dir = std::fs::canonicalize(project.path()).unwrap();
    assert!(
        stderr
            == format!(
                "error: no `hoist.toml` in `{}` or any parent directory: create one (see docs/configuration.md) or pass `-C DIR` to name the project directory\n",
                project.path().display()
            )
            || stderr
                == format!(
                    "error: no `hoist.toml` in `{}` or any parent directory: create one (see docs/configuration.md) or pass `-C DIR` to name the project directory\n",
                    dir.display()
                ),
        "{stderr}"
    );
}

#[test]
fn missing_project_directory() {
    let project = Project::new();
    let stderr = hoist(project.path()).args(["-C", "does-not-exist", "tag"]).failure();
    assert_eq!(
        stderr,
        "error: the project directory `does-not-exist` does not exist: pass an existing directory to `-C`\n"
    );
}

#[test]
fn unknown_key_names_file_line_column_and_the_closest_key() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\nrelase-step = \"x\"\n"),
        (".bumpversion.toml", BUMPVERSION),
    ]);
    let stderr = hoist(project.path()).args(["version"]).failure();
    let file = std::path::absolute(project.join("hoist.toml")).unwrap();
    assert_eq!(
        stderr,
        format!("error: {}:2:1: unknown key `relase-step`: did you mean `release-step`?\n", file.display())
    );
}

#[test]
fn malformed_toml() {
    let project = Project::with_files(&[("hoist.toml", "registry = [\n"), (".bumpversion.toml", BUMPVERSION)]);
    let stderr = hoist(project.path()).args(["tag"]).failure();
    let file = std::path::absolute(project.join("hoist.toml")).unwrap();
    assert!(stderr.starts_with(&format!("error: {}:1:", file.display())), "{stderr}");
    assert!(stderr.contains("invalid TOML"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn missing_version_configuration() {
    let project = Project::with_files(&[("hoist.toml", "registry = \"r.example/app\"\n")]);
    let stderr = hoist(project.path()).args(["version"]).failure();
    assert!(stderr.starts_with("error: no bump-my-version configuration in `"), "{stderr}");
    assert!(stderr.contains("add a `.bumpversion.toml`"), "{stderr}");
}

#[test]
fn pull_request_value_that_cannot_be_a_tag() {
    let project =
        Project::with_files(&[("hoist.toml", "registry = \"r.example/app\"\n"), (".bumpversion.toml", BUMPVERSION)]);
    let stderr = hoist(project.path()).env("prNum", "feature/x").args(["tag"]).failure();
    assert_eq!(
        stderr,
        "error: the pull-request variable `prNum` cannot name an image: pull-request value `feature/x` cannot be part of an image tag: use digits (or letters, `_`, `.`, `-`), as in `prNum=42`\n"
    );
}

#[test]
fn broken_dockerfile() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\n"),
        ("Dockerfile", "FROM a AS x\nFROM b AS X\n"),
    ]);
    let stderr = hoist(project.path()).args(["layers"]).failure();
    let file = std::path::absolute(project.join("Dockerfile")).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {}:2: duplicate stage name `x` (first at line 1): give every stage its own name\n",
            file.display()
        )
    );
}

#[test]
fn unknown_target_is_a_usage_error() {
    let project = Project::new();
    let out = hoist(project.path()).args(["lyers"]).run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: unknown target `lyers`: did you mean `layers`? (`hoist --help` lists the targets)\n"
    );
    let out = hoist(project.path()).args(["frobnicate"]).run();
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "error: unknown target `frobnicate`: `hoist --help` lists the targets\n");
}

/// A value from the input that holds terminal control sequences is echoed escaped: it cannot
/// rewrite the terminal's title or clear the screen.
#[test]
fn control_characters_from_the_input_are_escaped_in_messages() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\n"),
        (".bumpversion.toml", BUMPVERSION),
        ("Dockerfile", "FROM a AS x\u{1b}]0;pwned\u{7}\u{1b}[2J\n"),
    ]);
    let stderr = hoist(project.path()).args(["build", "release", "--dry-run"]).failure();
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert!(stderr.contains("invalid stage name `x\\u{1b}]0;pwned\\u{7}\\u{1b}[2j`"), "{stderr:?}");
}

/// A FIFO where hoist reads a file (`hoist.toml`, the GitHub event payload, the Docker
/// configuration) is refused without being opened: opening it would block hoist forever.
#[test]
fn special_files_are_refused_without_being_opened() {
    let mkfifo = |path: &std::path::Path| {
        assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
    };
    let project = Project::new();
    mkfifo(&project.join("hoist.toml"));
    let stderr = hoist(project.path()).args(["version"]).failure();
    assert!(
        stderr.ends_with("hoist.toml`: it is not a regular file (a FIFO, socket or device): make it a regular file\n"),
        "{stderr}"
    );

    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example.com/app\"\n"),
        (".bumpversion.toml", BUMPVERSION),
    ]);
    assert!(
        std::process::Command::new("git").args(["init", "-q"]).current_dir(project.path()).status().unwrap().success()
    );
    let event = project.join("event.json");
    mkfifo(&event);
    let stderr = hoist(project.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_REF_NAME", "main")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["ci", "--dry-run"])
        .failure();
    assert_eq!(
        stderr,
        format!(
            "error: the GitHub event payload `{}` (`GITHUB_EVENT_PATH`) is not a regular file: point `GITHUB_EVENT_PATH` at the event's JSON file, or unset it\n",
            event.display()
        )
    );

    let docker = project.join("docker");
    std::fs::create_dir(&docker).unwrap();
    mkfifo(&docker.join("config.json"));
    let stderr = hoist(project.path()).env("DOCKER_CONFIG", &docker).args(["exists", "r.example.com/app:v1"]).failure();
    assert!(stderr.contains("config.json`: it is not a regular file"), "{stderr}");
}
