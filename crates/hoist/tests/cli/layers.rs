use crate::{hoist, original_project};
use hoist_test_support::cli::Project;

#[test]
fn lists_every_stage_in_order() {
    let project = original_project();
    assert_eq!(hoist(project.path()).args(["layers"]).success(), "runner\nbuilder\nrelease\ntester\nb2v\njust\nsolr\n");
}

#[test]
fn json_gives_index_name_and_base() {
    let project = original_project();
    let out = hoist(project.path()).args(["layers", "--json"]).success();
    let stages: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stages.as_array().unwrap().len(), 7);
    assert_eq!(stages[0]["index"], 0);
    assert_eq!(stages[0]["name"], "runner");
    assert_eq!(stages[0]["base"], "registry.example.com/python:3.10-slim");
    assert_eq!(stages[0]["base_stage"], serde_json::Value::Null);
    assert_eq!(stages[3]["name"], "tester");
    assert_eq!(stages[3]["base"], "release");
    assert_eq!(stages[3]["base_stage"], 2);
}

#[test]
fn unnamed_stages_are_listed_by_index_and_the_dockerfile_path_is_configurable() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\ndockerfile = \"docker/App.Dockerfile\"\n"),
        ("docker/App.Dockerfile", "FROM a\nFROM b AS Named\nFROM c\n"),
    ]);
    assert_eq!(hoist(project.path()).args(["layers"]).success(), "0\nnamed\n2\n");
}

#[test]
fn layers_needs_no_version() {
    let project =
        Project::with_files(&[("hoist.toml", "registry = \"r.example/app\"\n"), ("Dockerfile", "FROM a AS x\n")]);
    assert_eq!(hoist(project.path()).args(["layers"]).success(), "x\n");
}

#[test]
fn layers_needs_no_hoist_toml_only_a_dockerfile() {
    let project = Project::with_files(&[
        ("Dockerfile", "FROM a AS one\nFROM one AS two\n"),
        ("other.Dockerfile", "FROM b AS three\n"),
    ]);
    assert_eq!(hoist(project.path()).args(["layers"]).success(), "one\ntwo\n");
    assert_eq!(hoist(project.path()).args(["layers", "-f", "other.Dockerfile"]).success(), "three\n");
    let empty = Project::new();
    let error = hoist(empty.path()).args(["layers"]).failure();
    assert!(
        error.starts_with("error: no `hoist.toml` in "),
        "without a Dockerfile the missing `hoist.toml` is the error: {error}"
    );
}
