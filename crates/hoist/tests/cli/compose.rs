//! `compose` and the compose shortcuts, with the real docker compose and engine.

use crate::hoist;
use hoist_test_support::{cli::Project, engine, unique_name};

fn compose_project() -> (Project, String) {
    let name = unique_name("hoist-compose");
    let image = engine::base_image();
    let project = Project::with_files(&[
        (
            "hoist.toml",
            &format!(
                "registry = \"r.example/app\"\n[compose.ci]\nfiles = [\"compose/base.yml\", \"compose/ci.yml\"]\nproject = \"{name}\"\nshortcut = \"ci-dc\"\n"
            ),
        ),
        (
            "compose/base.yml",
            &format!(
                "version: \"3\"\nservices:\n  web:\n    image: {image}\n    network_mode: none\n    command: [\"sleep\", \"60\"]\n"
            ),
        ),
        ("compose/ci.yml", "version: \"3\"\nservices:\n  web:\n    environment:\n      STAGE: ci\n"),
    ]);
    (project, name)
}

#[test]
fn compose_runs_with_the_project_files_and_name() {
    let (project, _) = compose_project();
    let out = hoist(project.path()).args(["compose", "ci", "config", "--services"]).success();
    assert_eq!(out, "web\n");
    let config = hoist(project.path()).args(["ci-dc", "config"]).success();
    assert!(config.contains("STAGE: ci"), "the second file must be merged:\n{config}");
}

#[test]
fn shortcut_defaults_to_ps_and_passes_exit_codes_through() {
    let (project, _) = compose_project();
    let ps = hoist(project.path()).args(["ci-dc"]).success();
    assert!(ps.contains("Name") || ps.contains("NAME"), "{ps}");
    let out = hoist(project.path()).args(["ci-dc", "run", "--rm", "-T", "web", "sh", "-c", "exit 3"]).run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    let _ = hoist(project.path()).args(["ci-dc", "down", "--remove-orphans"]).run();
}

#[test]
fn unknown_project_lists_the_configured_ones() {
    let (project, _) = compose_project();
    let stderr = hoist(project.path()).args(["compose", "solr"]).failure();
    let file = std::path::absolute(project.join("hoist.toml")).unwrap();
    assert_eq!(
        stderr,
        format!("error: no compose project `solr` in `{}`: the configured ones are `ci`\n", file.display())
    );
}

#[test]
fn a_missing_compose_file_is_named() {
    let (project, _) = compose_project();
    std::fs::remove_file(project.join("compose/ci.yml")).unwrap();
    let stderr = hoist(project.path()).args(["ci-dc", "ps"]).failure();
    let file = std::path::absolute(project.path()).unwrap().join("compose/ci.yml");
    assert!(stderr.contains(&format!("the compose file `{}` of project `", file.display())), "{stderr}");
}
