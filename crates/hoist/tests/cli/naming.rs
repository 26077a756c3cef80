use crate::{BUMPVERSION, hoist, original_project};
use hoist_test_support::cli::Project;

#[test]
fn version_tag_and_registry_print_one_line() {
    let project = original_project();
    assert_eq!(hoist(project.path()).args(["version"]).success(), "v0.5.146\n");
    assert_eq!(hoist(project.path()).args(["tag"]).success(), "registry.example.com/nuremberg:v0.5.146\n");
    assert_eq!(hoist(project.path()).args(["registry"]).success(), "registry.example.com/nuremberg\n");
}

#[test]
fn pull_request_variable_changes_version_and_tag() {
    let project = original_project();
    assert_eq!(hoist(project.path()).env("prNum", "42").args(["version"]).success(), "v0.5.146-42\n");
    assert_eq!(
        hoist(project.path()).env("prNum", "42").args(["tag"]).success(),
        "registry.example.com/nuremberg:v0.5.146-42\n"
    );
    assert_eq!(
        hoist(project.path()).env("HOIST_PR", "7").env("prNum", "42").args(["version"]).success(),
        "v0.5.146-7\n"
    );
    assert_eq!(hoist(project.path()).env("prNum", "").args(["version"]).success(), "v0.5.146\n");
}

#[test]
fn configured_pr_variable_and_prefix() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\npr-variable = \"PR_NUMBER\"\nversion-prefix = \"\"\n"),
        (".bumpversion.toml", BUMPVERSION),
    ]);
    assert_eq!(
        hoist(project.path()).env("PR_NUMBER", "9").env("prNum", "42").args(["version"]).success(),
        "0.5.146-9\n"
    );
}

#[test]
fn version_from_a_legacy_cfg() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\n"),
        (".bumpversion.cfg", "[bumpversion]\ncurrent_version = 0.5.145-r1\ncommit = True\n"),
    ]);
    assert_eq!(hoist(project.path()).args(["tag"]).success(), "r.example/app:v0.5.145-r1\n");
}

#[test]
fn project_dir_option_runs_against_another_project() {
    let project = original_project();
    let elsewhere = Project::new();
    assert_eq!(
        hoist(elsewhere.path()).args(["-C"]).args([project.path()]).args(["tag"]).success(),
        "registry.example.com/nuremberg:v0.5.146\n"
    );
    assert_eq!(
        hoist(elsewhere.path()).args(["tag", "--project-dir"]).args([project.path()]).success(),
        "registry.example.com/nuremberg:v0.5.146\n"
    );
}

#[test]
fn subdirectories_find_the_project() {
    let project = original_project();
    std::fs::create_dir_all(project.join("web/app")).unwrap();
    assert_eq!(hoist(&project.join("web/app")).args(["version"]).success(), "v0.5.146\n");
}

#[test]
fn this_repository_prints_its_documented_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bumpversion = std::fs::read_to_string(root.join(".bumpversion.toml")).unwrap();
    let current =
        bumpversion.lines().find_map(|l| l.strip_prefix("current_version = \"")).unwrap().trim_end_matches('"');
    assert_eq!(hoist(&root).args(["version"]).success(), format!("v{current}\n"));
    assert_eq!(hoist(&root).args(["tag"]).success(), format!("localhost:5000/hoist:v{current}\n"));
    assert_eq!(hoist(&root).args(["registry"]).success(), "localhost:5000/hoist\n");
    assert_eq!(hoist(&root).args(["layers"]).success(), "source\nbuilder\nrelease\ntester\n");
}
