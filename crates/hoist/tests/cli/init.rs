//! `hoist init`: on a project laid out like the original (`tests/fixtures/original-shape`) and on
//! `examples/nuremberg-mini` without its `hoist.toml`, followed by `hoist ci --dry-run`, which must
//! plan the whole flow; never overwriting, `--force`, `--dry-run`, special files, and the list of
//! what it could not infer.

use std::path::Path;

use hoist_test_support::cli::Project;
use hoist_test_support::git::GitRepo;
use hoist_test_support::registry::Registry;
use hoist_test_support::{engine, unique_name};
use xshell::{Shell, cmd};

use crate::example::copy_dir;
use crate::hoist;

fn source(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `ci --dry-run --json` for a merged pull request on `main`, as JSON.
fn ci_plan(dir: &Path, registry: &str) -> serde_json::Value {
    let out = hoist(dir)
        .env("HOIST_REGISTRY", registry)
        .args(["ci", "--dry-run", "--json", "--event", "push", "--branch", "main", "--merged-pr"])
        .success();
    serde_json::from_str(&out.replace(&dir.display().to_string(), "ROOT")).unwrap()
}

fn step_names(plan: &serde_json::Value) -> Vec<String> {
    plan["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn init_on_the_original_shape_then_ci_plans_the_whole_flow() {
    engine::require();
    let registry = Registry::start();
    let repo = GitRepo::new();
    copy_dir(&source("tests/fixtures/original-shape"), &repo.path());
    repo.commit_all("the project, before hoist");

    let out = hoist(&repo.path()).args(["init"]).success();
    assert!(out.starts_with(&format!("wrote {}\n", repo.path().join("hoist.toml").display())), "{out}");
    for line in [
        "  registry = \"registry.example.com/nuremberg\"  (from justfile: `IMAGE_REGISTRY`)\n",
        "  cache-registry = \"registry.example.com/cache/nuremberg\"  (from justfile: `CACHE_REGISTRY`)\n",
        "  version-prefix = \"v\"  (from justfile: `VERSION`)\n",
        "  platform = \"linux/amd64\"  (from justfile: recipe `build`, line 43)\n",
        "  compose.solrbld.files = [\"docker-compose.solr-build.yml\"]  (from justfile: recipe `solr-dc`, line 64)\n",
        "  data-image.dump = \"dumps/nuremberg_prod_dump_latest.sqlite3.zip\"  (from .github/workflows/push-main.yml, line 18: ",
        "  ci.push-bump = \"build\"  (from .github/workflows/push-main.yml, line 33: `run: just bump build`)\n",
        "  deploy.version-tag = \"v{version}\"  (from .bumpversion.cfg: `tag_name`)\n",
        // The recipe pushes `$( just tag )-solr` from every run, a pull request's too.
        "  ci.push-pr-data = true  (from justfile: recipe `regen-solr-image`, line 57)\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    // The root `chown` before the suites uses the host's `$UID` in its command: listed, not guessed.
    assert!(
        out.contains(
            "  - justfile: recipe `test`, line 74 was not carried over: `${UID}` is a variable of the host's shell;"
        ),
        "{out}"
    );
    let text = std::fs::read_to_string(repo.path().join("hoist.toml")).unwrap();
    assert!(
        text.contains("# from justfile: `IMAGE_REGISTRY`\nregistry = \"registry.example.com/nuremberg\"\n"),
        "{text}"
    );
    assert_eq!(
        hoist(&repo.path()).args(["check"]).success(),
        format!("`{}` matches the project\n", repo.path().join("hoist.toml").display())
    );
    repo.commit_all("hoist init");

    // With the registry (here a test registry) and nothing else changed: the whole flow.
    let plan = ci_plan(&repo.path(), &registry.repository(&unique_name("original")));
    assert_eq!(plan["problems"], serde_json::json!([]), "{plan:#}");
    assert_eq!(step_names(&plan), ["bump", "data-image", "test", "push-git", "push-release", "deploy"]);
    let step = |name: &str| plan["steps"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(step("bump")["action"]["plan"]["to"], "0.5.147");
    assert_eq!(step("data-image")["action"]["kind"], "regenerate-data");
    let data = &step("data-image")["action"]["plan"];
    assert_eq!(
        data["steps"],
        serde_json::json!([
            {"runs": "on-host", "argv": ["env", "SOLR_NO_RESTORE=1", "SOLR_BUILD=1", "./init.sh"]},
            {"runs": "on-host", "argv": ["env", "SOLR_DIST_DATA=1", "SOLR_BUILD=1", "./init.sh"]},
        ])
    );
    let test = step("test");
    let suites: Vec<(&str, bool)> = test["action"]["plan"]["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["reported_only"].as_bool().unwrap()))
        .collect();
    assert_eq!(suites, [("code", false), ("selenium", true)]);
    assert_eq!(step("push-git")["action"]["kind"], "push-git");
    assert_eq!(step("deploy")["action"]["kind"], "deploy");

    // A pull request bringing a new dump pushes its data image under its own name, as the
    // original's recipe does.
    repo.git(&["checkout", "--quiet", "-b", "new-dump"]);
    repo.write("dumps/nuremberg_prod_dump_latest.sqlite3.zip", "a newer dump\n");
    repo.commit_all("a new dump");
    let repository = registry.repository(&unique_name("original-pr"));
    let out = hoist(&repo.path())
        .env("HOIST_REGISTRY", &repository)
        .env("prNum", "12")
        .args(["ci", "--dry-run", "--json", "--event", "pull-request", "--base", "main"])
        .success();
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let data = plan["steps"].as_array().unwrap().iter().find(|s| s["name"] == "data-image").unwrap();
    assert_eq!(data["action"]["kind"], "regenerate-data", "{data:#}");
    assert_eq!(data["action"]["plan"]["tag"], format!("{repository}:v0.5.146-12-solr"));
    assert_eq!(data["action"]["plan"]["push"], true, "{data:#}");
    assert_eq!(data["reason"]["push"], "pull-request-data");
}

/// Every path where two JSON values differ.
fn differences(a: &serde_json::Value, b: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        (Object(x), Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) => differences(u, v, &format!("{at}.{key}"), out),
                    _ => out.push(format!("{at}.{key}")),
                }
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(u, v, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(at.to_owned()),
        _ => {}
    }
}

#[test]
fn init_on_the_example_gives_the_plan_of_its_own_hoist_toml() {
    engine::require();
    let registry = Registry::start();
    let repository = registry.repository(&unique_name("mini-init"));
    let example = source("../../examples/nuremberg-mini");
    let written = GitRepo::new();
    copy_dir(&example, &written.path());
    let hand = std::fs::read_to_string(written.path().join("hoist.toml")).unwrap();
    std::fs::remove_file(written.path().join("hoist.toml")).unwrap();
    let out = hoist(&written.path()).args(["init"]).success();
    written.commit_all("the example, hoist.toml from `hoist init`");
    let by_hand = GitRepo::new();
    copy_dir(&example, &by_hand.path());
    by_hand.commit_all("the example");
    assert!(!out.contains("no test suite"), "{out}");
    // The example's data recipe pushes nothing: the key is written commented, with what it does.
    let text = std::fs::read_to_string(written.path().join("hoist.toml")).unwrap();
    assert!(text.contains("\n# push-pr-data = true\n"), "{text}");
    assert!(!out.contains("push-pr-data"), "not inferred, so not listed as inferred: {out}");

    let inferred = ci_plan(&written.path(), &repository);
    let expected = ci_plan(&by_hand.path(), &repository);
    assert_eq!(step_names(&inferred), ["bump", "data-image", "test", "push-git", "push-release", "deploy"]);
    let mut found = Vec::new();
    differences(&expected, &inferred, "", &mut found);
    // The two differences, each something the example's files do not say: the hand-written file
    // waits 30 attempts for the data service (the justfile's loop has no bound, so hoist's 60),
    // and names the dump as the glob `dumps/*latest*` where init names the file a loading step reads.
    assert_eq!(found, [".steps[1].action.plan.wait_for.attempts", ".steps[1].reason.change.dump[0]"], "{hand}");
    assert_eq!(inferred["steps"][1]["reason"]["change"]["dump"], serde_json::json!(["dumps/documents_latest.csv"]));
}

#[test]
fn init_never_overwrites_and_force_replaces() {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"registry.example.com/mine\"\n"),
        ("Dockerfile", "FROM scratch AS release\n"),
        (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n"),
    ]);
    let path = project.join("hoist.toml");
    let err = hoist(project.path()).args(["init"]).failure();
    assert_eq!(
        err,
        format!(
            "error: `{}` already exists: `init` never overwrites it; pass `--force` to replace it, or `--dry-run` to see what it would write\n",
            path.display()
        )
    );
    // A dry run says the same: it shows what a real run would do.
    hoist(project.path()).args(["init", "--dry-run"]).failure();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "registry = \"registry.example.com/mine\"\n");

    let out = hoist(project.path()).args(["init", "--force"]).success();
    assert!(out.starts_with(&format!("replaced {} (--force)\n", path.display())), "{out}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# hoist.toml, written by `hoist init`"), "{text}");
    // No temporary file is left beside it.
    let names: Vec<String> =
        std::fs::read_dir(project.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".hoist.toml.")), "{names:?}");
}

#[test]
fn dry_run_prints_the_file_and_writes_nothing() {
    let project = Project::with_files(&[
        ("Dockerfile", "FROM scratch AS release\nFROM release AS tester\n"),
        (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n"),
        ("justfile", "IMAGE_REGISTRY := 'registry.example.com/app'\n"),
    ]);
    let out = hoist(project.path()).args(["init", "--dry-run"]).success();
    assert!(!project.join("hoist.toml").exists(), "a dry run writes nothing");
    let (head, rest) = out.split_once("\n\n").unwrap();
    assert_eq!(head, format!("would write {} (dry run: nothing written):", project.join("hoist.toml").display()));
    let text = rest.split("\ninferred:\n").next().unwrap();
    assert!(text.contains("registry = \"registry.example.com/app\"\n"), "{out}");

    let json: serde_json::Value =
        serde_json::from_str(&hoist(project.path()).args(["init", "--dry-run", "--json"]).success()).unwrap();
    assert_eq!(json["written"], serde_json::Value::Null);
    assert_eq!(json["inferred"][0]["key"], "registry");
    assert_eq!(
        json["inferred"][0]["source"],
        serde_json::json!({"kind": "justfile-variable", "name": "IMAGE_REGISTRY"})
    );
    assert!(!project.join("hoist.toml").exists());
    // What the dry run showed is what a real run writes.
    hoist(project.path()).args(["init"]).success();
    assert_eq!(std::fs::read_to_string(project.join("hoist.toml")).unwrap(), json["text"].as_str().unwrap());
}

#[test]
fn special_files_are_refused_without_being_opened() {
    let project = Project::with_files(&[("Dockerfile", "FROM scratch AS release\n")]);
    let sh = Shell::new().unwrap();
    let fifo = project.join("hoist.toml");
    cmd!(sh, "mkfifo {fifo}").run().unwrap();
    // Opening a FIFO would block forever; the test finishing is half the check.
    let err = hoist(project.path()).args(["init", "--force"]).failure();
    assert_eq!(
        err,
        format!(
            "error: `{}` is a FIFO, not a regular file: `init` replaces only a regular file; remove it first\n",
            fifo.display()
        )
    );
    std::fs::remove_file(&fifo).unwrap();
    let justfile = project.join("justfile");
    cmd!(sh, "mkfifo {justfile}").run().unwrap();
    let err = hoist(project.path()).args(["init"]).failure();
    assert!(err.starts_with("error: the file `justfile` is a FIFO, not a regular file"), "{err}");
    assert!(!fifo.exists(), "nothing was written");
}

#[test]
fn what_it_could_not_infer_is_listed_with_the_fix() {
    // A Dockerfile with no `release` stage and a justfile whose registry is not a repository (with
    // a control sequence that must not reach the terminal raw).
    let project = Project::with_files(&[
        ("Dockerfile", "FROM scratch AS app\n"),
        ("justfile", "IMAGE_REGISTRY := 'Registry/\u{1b}[2J'\n"),
    ]);
    let out = hoist(project.path()).args(["init"]).success();
    assert!(!out.contains('\u{1b}'), "{out:?}");
    let missing = out.split("could not infer:\n").nth(1).unwrap();
    let placeholder = format!(
        "registry.example.com/{}",
        project.path().file_name().unwrap().to_string_lossy().to_ascii_lowercase().trim_start_matches('.')
    );
    let lines: Vec<&str> = missing.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(
        lines,
        [
            "  - no bump-my-version configuration (`.bumpversion.toml`, `.bumpversion.cfg`, `setup.cfg`, `pyproject.toml`): add one with `current_version` (`hoist bump` and every image tag need it)",
            "  - `Registry/\\u{1b}[2J` (justfile: `IMAGE_REGISTRY`) is not an image repository such as `registry.example.com/app`: set `registry` by hand",
            &format!(
                "  - no registry found (no justfile `IMAGE_REGISTRY`, no compose image tagged with the version): set `registry = ...` (it is `{placeholder}` for now; `HOIST_REGISTRY` overrides it)"
            ),
            "  - no cache registry (no justfile `CACHE_REGISTRY`): builds use no registry cache; set `cache-registry` to use one",
            "  - no stage `release` in the Dockerfile (its stages: `app`): set `release-step` to the stage whose image you ship",
            "  - no tester stage (`tester` or `test`) in the Dockerfile: set `test.step` to the stage the tests run in",
            "  - no data-build compose project (no compose file whose services load and hold data): add `[compose.solrbld]` and `[data-image]` by hand, or leave the data image out",
            "  - no dependency-lock command (no recipe running `pip-compile` or a lock script in a compose project): set `requirements.command` to use `regen-requirements`",
        ]
    );
    // The file loads: the placeholder registry is a repository, and commands run on it.
    assert_eq!(hoist(project.path()).args(["registry"]).success(), format!("{placeholder}\n"));
    let text = std::fs::read_to_string(project.join("hoist.toml")).unwrap();
    assert!(text.contains(&format!("# could not infer: replace `registry` above ({placeholder})\n")), "{text}");
}
