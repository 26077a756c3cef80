//! `build` and `push` through the real engine's BuildKit and a real registry.

use crate::hoist;
use hoist_test_support::{cli::Project, engine, engine::ImageGuard, registry::Registry, unique_name};

fn project(registry: &Registry) -> (Project, String) {
    let name = unique_name("build");
    let base = engine::base_image();
    let project = Project::with_files(&[
        (
            "hoist.toml",
            &format!(
                "registry = \"{}\"\ncache-registry = \"{}\"\n",
                registry.repository(&name),
                registry.repository(&format!("{name}-cache"))
            ),
        ),
        (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n"),
        (
            "Dockerfile",
            &format!(
                "FROM {base} AS release\nRUN --mount=type=cache,target=/cache echo built > /release.txt\n\nfrom release as Tester\nCOPY app.txt /app.txt\nRUN cat /app.txt\n"
            ),
        ),
        ("app.txt", "hello\n"),
        (".dockerignore", "secret\n"),
        ("secret", "do not send\n"),
    ]);
    (project, name)
}

#[test]
fn build_a_stage_then_push_release() {
    engine::require();
    let registry = Registry::start();
    let (project, name) = project(&registry);
    let repo = registry.repository(&name);
    let _guard = ImageGuard::new([format!("{repo}:v1.2.3-tester"), format!("{repo}:v1.2.3"), format!("{repo}:last")]);

    let out = hoist(project.path()).args(["build", "tester", "--progress", "plain"]).success();
    assert!(out.starts_with(&format!("built {repo}:v1.2.3-tester sha256:")), "{out}");
    let sh = xshell::Shell::new().unwrap();
    let tester = format!("{repo}:v1.2.3-tester");
    let cat = xshell::cmd!(sh, "docker run --rm --network none {tester} cat /app.txt /release.txt").read().unwrap();
    assert_eq!(cat, "hello\nbuilt");
    let format = "{{index .Config.Labels \"org.opencontainers.image.version\"}}";
    let label = xshell::cmd!(sh, "docker image inspect --format {format} {tester}").read().unwrap();
    assert_eq!(label, "v1.2.3");

    let summary = tempfile::NamedTempFile::new().unwrap();
    let outputs = tempfile::NamedTempFile::new().unwrap();
    let out = hoist(project.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .env("GITHUB_OUTPUT", outputs.path())
        .args(["push", "--progress", "quiet"])
        .success();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let digest = registry.manifest_digest(&name, "v1.2.3").expect("pushed");
    assert_eq!(lines[0], format!("pushed {repo}:v1.2.3 {digest}"));
    assert_eq!(lines[1], format!("pushed {repo}:last {digest}"));
    assert_eq!(registry.manifest_digest(&name, "last").as_deref(), Some(digest.as_str()));
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(md.contains(&format!("| release | `{repo}:v1.2.3` | built, pushed | `{digest}` |")), "{md}");
    let outputs = std::fs::read_to_string(outputs.path()).unwrap();
    let lines: Vec<&str> = outputs.lines().collect();
    assert_eq!(lines[0], "version=v1.2.3");
    assert_eq!(lines[1], format!("tag={repo}:v1.2.3"));
    let images: serde_json::Value = serde_json::from_str(lines[2].strip_prefix("images=").unwrap()).unwrap();
    assert_eq!(images[0]["digest"], digest.as_str());
    assert_eq!(images[1]["tag"], format!("{repo}:last"));
    assert_eq!(images[0]["action"], "build");

    // Pushed again with nothing changed: skipped, and the digests are the registry's, as for a
    // push (not the local image's ID, which is another hash).
    let outputs = tempfile::NamedTempFile::new().unwrap();
    let out =
        hoist(project.path()).env("GITHUB_OUTPUT", outputs.path()).args(["push", "--progress", "quiet"]).success();
    assert_eq!(out, format!("skipped {repo}:v1.2.3 {digest}\nskipped {repo}:last {digest}\n"));
    let outputs = std::fs::read_to_string(outputs.path()).unwrap();
    let images: serde_json::Value =
        serde_json::from_str(outputs.lines().nth(2).unwrap().strip_prefix("images=").unwrap()).unwrap();
    assert_eq!(images[1]["digest"], digest.as_str());
    assert_eq!(images[1]["action"], "skip");
}

#[test]
fn dry_run_shows_tags_and_cache_references() {
    let registry = Registry::start();
    let (project, name) = project(&registry);
    let (repo, cache) = (registry.repository(&name), registry.repository(&format!("{name}-cache")));
    let json: serde_json::Value =
        serde_json::from_str(&hoist(project.path()).args(["build", "tester", "--dry-run", "--json"]).success())
            .unwrap();
    let inputs = json["inputs"]["digest"].as_str().unwrap().to_owned();
    assert_eq!(json["inputs"]["files"], 1, "tester copies app.txt; `secret` is ignored and not copied");
    let plan = hoist(project.path()).env("prNum", "42").args(["build", "tester", "--push", "--dry-run"]).success();
    assert_eq!(
        plan,
        format!(
            "build and push stage `tester` of `Dockerfile` (context `.`, builder buildkit)\n  decision    built: no image `{repo}:v1.2.3-42-tester` here or in the registry\n  inputs      {inputs} (1 context files)\n  tag         {repo}:v1.2.3-42-tester\n  cache-from  {cache}:last\n  cache-from  {cache}:last-42-tester\n  cache-to    {cache}:last-42-tester\n"
        )
    );
    let json: serde_json::Value = serde_json::from_str(
        &hoist(project.path()).env("NO_CACHE_TO", "1").args(["push", "--dry-run", "--json"]).success(),
    )
    .unwrap();
    assert_eq!(json["tags"], serde_json::json!([format!("{repo}:v1.2.3"), format!("{repo}:last")]));
    assert_eq!(json["cache_to"], serde_json::Value::Null);
    assert_eq!(json["cache_from"][1], format!("{cache}:v1.2.3"));
}

#[test]
fn a_step_that_is_not_a_stage_lists_the_stages() {
    let registry = Registry::start();
    let (project, _) = project(&registry);
    let stderr = hoist(project.path()).args(["build", "solr"]).failure();
    assert_eq!(stderr, "error: `solr` is not a stage of `Dockerfile`: the stages are `release`, `tester`\n");
}

#[test]
fn a_failing_step_shows_its_output_and_fails() {
    engine::require();
    let registry = Registry::start();
    let (project, name) = project(&registry);
    std::fs::write(
        project.join("Dockerfile"),
        format!("FROM {} AS release\nRUN echo the output of the step; exit 42\n", engine::base_image()),
    )
    .unwrap();
    let out = hoist(project.path()).args(["build", "--progress", "plain"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("the output of the step"), "{}", out.stderr);
    assert!(out.stderr.contains("42"), "{}", out.stderr);
    let sh = xshell::Shell::new().unwrap();
    let tag = format!("{}:v1.2.3", registry.repository(&name));
    assert!(
        xshell::cmd!(sh, "docker image inspect {tag}").quiet().ignore_stdout().ignore_stderr().run().is_err(),
        "no tag may be left behind"
    );
}

#[test]
fn unchanged_inputs_skip_the_build_and_the_registry_is_the_source_of_truth() {
    engine::require();
    let registry = Registry::start();
    let (project, name) = project(&registry);
    let repo = registry.repository(&name);
    let tester = format!("{repo}:v1.2.3-tester");
    let _guard = ImageGuard::new([tester.clone()]);

    let first = hoist(project.path()).args(["build", "tester", "--push", "--progress", "plain"]).run();
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains(&format!("tester: built: no image `{tester}` here or in the registry")),
        "{}",
        first.stderr
    );

    // Nothing changed: the registry has the same inputs, nothing is built or pushed.
    let summary = tempfile::NamedTempFile::new().unwrap();
    let second = hoist(project.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .args(["build", "tester", "--push", "--progress", "plain"])
        .run();
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!("tester: skipped: `{tester}` in the registry has input digest sha256:")),
        "{}",
        second.stderr
    );
    assert!(second.stdout.starts_with(&format!("skipped {tester} ")), "{}", second.stdout);
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(md.contains("| skipped |") && md.contains("(same)"), "{md}");

    // A fresh runner: the local image is gone, the registry still says "same".
    let sh = xshell::Shell::new().unwrap();
    xshell::cmd!(sh, "docker image rm {tester}").quiet().ignore_stdout().run().unwrap();
    let fresh = hoist(project.path()).args(["build", "tester", "--progress", "plain"]).run();
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert!(fresh.stderr.contains("tester: pulled: "), "{}", fresh.stderr);
    assert!(xshell::cmd!(sh, "docker image inspect {tester}").quiet().ignore_stdout().run().is_ok());

    // A copied file changes: built again, and the reason says what changed.
    std::fs::write(project.join("app.txt"), "changed\n").unwrap();
    let changed = hoist(project.path()).args(["build", "tester", "--dry-run"]).success();
    assert!(changed.contains("  decision    built: context files it copies changed\n"), "{changed}");
    // An ignored, uncopied file does not.
    std::fs::write(project.join("app.txt"), "hello\n").unwrap();
    std::fs::write(project.join("secret"), "still not sent\n").unwrap();
    let same = hoist(project.path()).args(["build", "tester", "--dry-run"]).success();
    assert!(same.contains("  decision    skipped: "), "{same}");
    let forced = hoist(project.path()).args(["build", "tester", "--force", "--dry-run"]).success();
    assert!(forced.contains("  decision    built: `--force`\n"), "{forced}");
}
