//! `examples/nuremberg-mini` run for real: `test`, `regen-solr-image` and `regen-requirements`
//! against the engine, docker compose, a private registry and a git repository, checked from
//! outside (registry tags, images, containers and volumes by compose label, files, summary).

use std::io::BufRead as _;
use std::path::{Path, PathBuf};

use hoist_test_support::cli::Hoist;
use hoist_test_support::engine::{self, ImageGuard};
use hoist_test_support::git::GitRepo;
use hoist_test_support::registry::Registry;
use hoist_test_support::unique_name;
use xshell::{Shell, cmd};

use crate::hoist;

/// A copy of the example in a git repository, with its own registry repository and compose
/// project names; everything it started is removed on drop.
struct Example {
    repo: GitRepo,
    registry: Registry,
    name: String,
    ci: String,
    solr: String,
    _images: ImageGuard,
}

impl Example {
    fn new() -> Example {
        engine::base_image();
        let registry = Registry::start();
        let name = unique_name("example");
        let repo = GitRepo::new();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nuremberg-mini");
        copy_dir(&source, &repo.path());
        let (ci, solr) = (format!("{name}-ci"), format!("{name}-solrbld"));
        let example = Example {
            _images: ImageGuard::new(
                ["v0.1.0", "last", "v0.1.0-tester", "v0.1.0-solr"]
                    .map(|t| format!("{}:{t}", registry.repository(&name))),
            ),
            repo,
            registry,
            name,
            ci,
            solr,
        };
        example.edit_config(|text| {
            text.replace("project = \"nuremberg-mini-ci\"", &format!("project = \"{}\"", example.ci))
                .replace("project = \"nuremberg-mini-solrbld\"", &format!("project = \"{}\"", example.solr))
        });
        example.repo.commit_all("the example");
        example
    }

    /// `hoist` in the example, with the test registry (progress is plain: stderr is no terminal).
    fn hoist(&self) -> Hoist {
        hoist(&self.repo.path()).env("HOIST_REGISTRY", self.repository())
    }

    fn repository(&self) -> String {
        self.registry.repository(&self.name)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.repo.path().join(file)
    }

    fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let path = self.path("hoist.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(text.clone());
        assert_ne!(text, edited, "the edit changed nothing");
        std::fs::write(path, edited).unwrap();
    }

    /// The containers, volumes and networks of compose project `project`, by label.
    fn leftovers(&self, project: &str) -> Vec<String> {
        let sh = Shell::new().unwrap();
        let label = format!("label=com.docker.compose.project={project}");
        let mut found = Vec::new();
        for kind in ["container", "volume", "network"] {
            let listed = match kind {
                "container" => cmd!(sh, "docker ps -a -q --filter {label}").quiet().read().unwrap(),
                _ => cmd!(sh, "docker {kind} ls -q --filter {label}").quiet().read().unwrap(),
            };
            found.extend(listed.lines().map(|id| format!("{kind} {id}")));
        }
        found
    }

    fn image_exists(&self, tag: &str) -> bool {
        let sh = Shell::new().unwrap();
        let reference = format!("{}:{tag}", self.repository());
        cmd!(sh, "docker image inspect {reference}").quiet().ignore_stdout().ignore_stderr().run().is_ok()
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let Ok(sh) = Shell::new() else { return };
        for project in [&self.ci, &self.solr] {
            let label = format!("label=com.docker.compose.project={project}");
            let ids = cmd!(sh, "docker ps -a -q --filter {label}").quiet().read().unwrap_or_default();
            let ids: Vec<&str> = ids.lines().collect();
            if !ids.is_empty() {
                let _ = cmd!(sh, "docker rm -f {ids...}").quiet().ignore_stdout().ignore_stderr().run();
            }
            for kind in ["volume", "network"] {
                let ids = cmd!(sh, "docker {kind} ls -q --filter {label}").quiet().read().unwrap_or_default();
                let ids: Vec<&str> = ids.lines().collect();
                if !ids.is_empty() {
                    let _ = cmd!(sh, "docker {kind} rm {ids...}").quiet().ignore_stdout().ignore_stderr().run();
                }
            }
        }
    }
}

/// Copies the directory `from` to `to`, without `dist/` (what a run leaves).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "dist" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn test_runs_the_suites_and_takes_the_project_down() {
    let example = Example::new();
    let summary = tempfile::NamedTempFile::new().unwrap();
    let out = example.hoist().env("GITHUB_STEP_SUMMARY", summary.path()).args(["test"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "passed  code\npassed  browser (reported only)\n");
    assert!(out.stderr.contains("ok   report title is passed"), "the suite's output is streamed: {}", out.stderr);
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
    assert!(example.image_exists("v0.1.0-tester"));
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert_eq!(
        md,
        format!(
            "### Tests in `{}` ({}:v0.1.0-tester)\n\n| suite | result |\n|---|---|\n| `code` | passed |\n| `browser` | passed (reported only) |\n\n",
            example.ci,
            example.repository()
        )
    );
}

#[test]
fn a_failing_suite_fails_with_its_exit_code_unless_reported_only() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace("command = [\"sh\", \"/app/tests/browser.sh\"]", "command = [\"sh\", \"-c\", \"exit 4\"]")
    });
    let out = example.hoist().args(["test"]).run();
    assert_eq!(out.code, 0, "a reported-only failure does not fail the target: {}", out.stderr);
    assert_eq!(out.stdout, "passed  code\nfailed  browser (exit code 4) (reported only)\n");
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());

    example.edit_config(|text| {
        text.replace(
            "[[test.suites]]\nname = \"browser\"",
            "[[test.suites]]\nname = \"broken\"\ncommand = [\"sh\", \"-c\", \"echo the broken output; exit 3\"]\n\n[[test.suites]]\nname = \"browser\"",
        )
    });
    let out = example.hoist().args(["test"]).run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stdout, "passed  code\nfailed  broken (exit code 3)\nnot run browser (reported only)\n");
    assert!(out.stderr.contains("the broken output"), "{}", out.stderr);
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new(), "down after a failure too");
}

#[test]
fn keep_leaves_the_project_up_for_the_shortcut_to_take_down() {
    let example = Example::new();
    example.hoist().args(["test", "--keep"]).success();
    assert!(!example.leftovers(&example.ci).is_empty(), "the project is left up");
    let out = example.hoist().args(["ci-dc", "down", "--volumes"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
}

#[test]
fn ctrl_c_stops_the_suite_tears_down_and_exits_130() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "command = [\"sh\", \"/app/tests/run.sh\"]",
            "command = [\"sh\", \"-c\", \"echo suite started; sleep 120\"]",
        )
    });
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hoist"))
        .current_dir(example.repo.path())
        .env("HOIST_REGISTRY", example.repository())
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["test", "--progress", "plain"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "hoist ended before the suite started:\n{seen}");
        seen.push_str(&line);
        if line.trim() == "suite started" {
            break;
        }
    }
    let pid = child.id().to_string();
    let sh = Shell::new().unwrap();
    cmd!(sh, "kill -INT {pid}").run().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.ends_with("error: interrupted by Ctrl-C (SIGINT): the compose project was taken down\n"), "{rest}");
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
}

#[test]
fn regen_solr_image_pushes_tag_solr_with_the_data() {
    let example = Example::new();
    let summary = tempfile::NamedTempFile::new().unwrap();
    let out = example.hoist().env("GITHUB_STEP_SUMMARY", summary.path()).args(["regen-solr-image"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let digest = example.registry.manifest_digest(&example.name, "v0.1.0-solr").expect("pushed");
    let tag = format!("{}:v0.1.0-solr", example.repository());
    assert_eq!(out.stdout, format!("pushed {tag} {digest}\n"));
    assert_eq!(example.registry.tags(&example.name), ["v0.1.0-solr"]);
    let sh = Shell::new().unwrap();
    let data =
        cmd!(sh, "docker run --rm --network none {tag} cat /var/solr/index/documents.txt /var/solr/index/COMMITTED")
            .read()
            .unwrap();
    assert_eq!(data, "1\tTrial of the major war criminals\n2\tMedical case\n3\tMinistries case\n3");
    assert!(example.path("dist/var-solr.tgz").is_file());
    assert!(!example.path("dist/var-solr.tgz.partial").exists());
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(
        md.starts_with(&format!(
            "### Data image `{tag}`\n\nbuilt and pushed, `{digest}`; archive `dist/var-solr.tgz` ("
        )),
        "{md}"
    );
}

#[test]
fn regen_solr_image_no_push_keeps_it_local() {
    let example = Example::new();
    let out = example.hoist().args(["regen-solr-image", "--no-push"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(&format!("built {}:v0.1.0-solr sha256:", example.repository())), "{}", out.stdout);
    assert!(example.image_exists("v0.1.0-solr"));
    assert_eq!(example.registry.tags(&example.name), Vec::<String>::new());
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
}

#[test]
fn dry_runs_plan_as_json_and_start_nothing() {
    let example = Example::new();
    let json: serde_json::Value =
        serde_json::from_str(&example.hoist().args(["regen-solr-image", "--no-push", "--dry-run", "--json"]).success())
            .unwrap();
    let repo = example.repository();
    assert_eq!(json["tag"], format!("{repo}:v0.1.0-solr"));
    assert_eq!(json["push"], false);
    assert_eq!(json["stage"], "solr");
    assert_eq!(json["image"]["reference"], format!("{repo}:v0.1.0"));
    assert_eq!(json["image"]["action"], "build");
    assert_eq!(json["image"]["reason"], "present neither locally nor in the registry");
    assert_eq!(json["archive"]["path"], "dist/var-solr.tgz");
    let step: Vec<&str> = json["steps"][0].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(step[step.len() - 6..], ["exec", "-T", "loader", "sh", "/app/index.sh", "/dumps/documents_latest.csv"]);
    assert_eq!(json["env"]["image"], format!("{repo}:v0.1.0"));

    let json: serde_json::Value =
        serde_json::from_str(&example.hoist().args(["test", "--dry-run", "--json"]).success()).unwrap();
    assert_eq!(json["project"], example.ci.as_str());
    assert_eq!(json["image"]["reference"], format!("{repo}:v0.1.0-tester"));
    assert_eq!(json["suites"][1]["name"], "browser");
    assert_eq!(json["suites"][1]["reported_only"], true);
    assert!(json["down"].as_array().unwrap().iter().any(|a| a == "--volumes"));

    let plan = example.hoist().args(["regen-requirements", "--dry-run"]).success();
    assert!(plan.ends_with("run --rm --no-deps -T web sh /app/lock.sh /src/requirements.in /src/requirements.txt\nreport: requirements.txt\n"), "{plan}");

    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
    assert!(!example.image_exists("v0.1.0"), "a dry run builds nothing");
    assert!(!example.image_exists("v0.1.0-tester"), "a dry run builds nothing");
}

#[test]
fn a_failing_data_step_tears_everything_down() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "command = [\"sh\", \"/app/commit.sh\"]",
            "command = [\"sh\", \"-c\", \"echo cannot commit; exit 7\"]",
        )
    });
    let stderr = example.hoist().args(["regen-solr-image"]).failure();
    assert!(stderr.contains("cannot commit"), "{stderr}");
    assert!(
        stderr.ends_with("error: the data step `sh -c echo cannot commit; exit 7` in service `data` failed with exit code 7: its output is above; the compose project was taken down\n"),
        "{stderr}"
    );
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
    assert!(!example.path("dist/var-solr.tgz").exists());
    assert!(!example.image_exists("v0.1.0-solr"));
    assert_eq!(example.registry.tags(&example.name), Vec::<String>::new());
}

#[test]
fn a_data_service_that_never_gets_ready_is_reported_and_torn_down() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "wait-for = [\"test\", \"-e\", \"/tmp/ready\"]\nwait-attempts = 30",
            "wait-for = [\"test\", \"-e\", \"/tmp/never\"]\nwait-attempts = 2",
        )
    });
    let stderr = example.hoist().args(["regen-solr-image", "--no-push"]).failure();
    assert!(
        stderr.ends_with("error: the data service `data` was not ready after 2 attempts of `test -e /tmp/never` one second apart: raise `data-image.wait-attempts` or check `compose logs data`\n"),
        "{stderr}"
    );
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
}

#[test]
fn regen_requirements_reports_the_changed_files() {
    let example = Example::new();
    let out = example.hoist().args(["regen-requirements"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "changed   requirements.txt\n");
    assert_eq!(
        std::fs::read_to_string(example.path("requirements.txt")).unwrap(),
        "django==1.0\npytest==1.0\nrequests==1.0\n"
    );
    assert_eq!(example.repo.git(&["diff", "--name-only"]), "requirements.txt");
    assert_eq!(example.hoist().args(["regen-requirements"]).success(), "unchanged requirements.txt\n");
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new(), "what `run` created is taken down");
}

#[test]
fn ci_dry_run_on_a_pull_request_plans_no_bump_no_push_no_deploy() {
    let example = Example::new();
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    example.repo.git(&["checkout", "--quiet", "-b", "feature"]);
    example.repo.write("app/NOTE", "a change that is not data\n");
    example.repo.commit_all("a feature");
    let out = example
        .hoist()
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_HEAD_REF", "feature")
        .env("prNum", "7")
        .args(["ci", "--dry-run", "--json"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["context"]["event"], "pull-request");
    assert_eq!(plan["context"]["base"], "origin/main");
    assert_eq!(plan["context"]["pr"], "7");
    assert_eq!(plan["new_version"], "0.1.0");
    let steps: Vec<String> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}: {}",
                s["name"].as_str().unwrap(),
                s["action"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    let repository = example.repository();
    assert_eq!(
        steps,
        [
            "bump skip: a pull request never bumps".to_owned(),
            format!(
                "data-image data-image: no new data (no commit in `origin/main..HEAD` touches `dumps/*latest*`), but `{repository}:v0.1.0-solr` is not in the registry; kept local (not the main branch)"
            ),
            "test test: every run tests the tester image".to_owned(),
            "push-git skip: a pull request pushes nothing".to_owned(),
            "push-image skip: a pull request pushes nothing".to_owned(),
            "deploy skip: a pull request pushes nothing".to_owned(),
        ]
    );
    assert_eq!(plan["steps"][1]["data"], "regenerate");
    assert_eq!(plan["steps"][1]["tag"], format!("{repository}:v0.1.0-7-solr"));
    assert_eq!(example.registry.tags(&example.name), Vec::<String>::new(), "a dry run pushes nothing");

    // The text plan gives the same decisions, one line per step.
    let text = example.hoist().args(["ci", "-n", "--event", "pull-request", "--base", "origin/main"]).success();
    assert!(text.starts_with("ci for a pull request onto `origin/main`, from --event; version 0.1.0\n"), "{text}");
    assert!(text.contains("no commit in `origin/main..HEAD` touches `dumps/*latest*`"), "{text}");
}

#[test]
fn ci_on_main_bumps_tests_pushes_and_deploys() {
    let mut example = Example::new();
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let repository = example.repository();
    example._images.add(format!("{repository}:v0.1.1"));
    example._images.add(format!("{repository}:v0.1.1-tester"));
    example._images.add(format!("{repository}:v0.1.1-solr"));
    let summary = tempfile::NamedTempFile::new().unwrap();
    let outputs = tempfile::NamedTempFile::new().unwrap();
    let out = example
        .hoist()
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .env("GITHUB_OUTPUT", outputs.path())
        .args(["ci", "--event", "push", "--branch", "main", "--progress", "plain"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);

    // The bump commit and its tag arrived on the remote, and nothing else moved but the deploy tags.
    let head = example.repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(example.repo.remote_git(&["rev-parse", "refs/heads/main"]), head);
    assert_eq!(example.repo.remote_git(&["rev-parse", "refs/tags/v0.1.1^{commit}"]), head);
    assert_eq!(example.repo.git(&["log", "-1", "--format=%s"]), "Bump version: 0.1.0 → 0.1.1");
    assert_eq!(example.repo.remote_git(&["rev-parse", "refs/tags/dev/deploy^{commit}"]), head);
    let remote_tags = example.repo.remote_git(&["tag", "--list"]);
    assert_eq!(remote_tags.lines().collect::<Vec<_>>(), ["dev/deploy", "v0.1.1"]);

    // The images: the data image (new data: HEAD touched the dump) and the release image.
    let mut tags = example.registry.tags(&example.name);
    tags.sort();
    assert_eq!(tags, ["last", "v0.1.1", "v0.1.1-solr"]);
    assert!(example.image_exists("v0.1.1-tester"), "the tests ran with the tester image");

    assert!(out.stdout.starts_with("bump       0.1.0 → 0.1.1\ndata-image regenerated, pushed "), "{}", out.stdout);
    assert!(out.stdout.contains("\ntest       passed  code; passed  browser (reported only)\n"), "{}", out.stdout);
    assert!(out.stdout.contains("deploy     deployed 0.1.1 to `dev`: dev/deploy (none) → "), "{}", out.stdout);
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(md.starts_with("### hoist ci\n\n| step | action | result | reason |\n"), "{md}");
    assert!(md.contains("| deploy | deploy 0.1.1 to `dev` | deployed 0.1.1 to `dev`"), "{md}");
    assert!(md.contains("\nVersion: 0.1.0 → 0.1.1\n"), "{md}");
    let outputs = std::fs::read_to_string(outputs.path()).unwrap();
    assert_eq!(outputs, format!("version=v0.1.1\ntag={repository}:v0.1.1\ndata-image-rebuilt=true\n"));
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());

    // A second push that does not touch the dump: the previous version's data image is pulled
    // and retagged for the new version, not regenerated.
    example.repo.write("app/NOTES", "not data\n");
    example.repo.commit_all("Change something that is not data");
    example._images.add(format!("{repository}:v0.1.2"));
    example._images.add(format!("{repository}:v0.1.2-tester"));
    example._images.add(format!("{repository}:v0.1.2-solr"));
    let plan = example.hoist().args(["ci", "--event", "push", "--branch", "main", "--dry-run"]).success();
    assert!(plan.contains("no new data"), "{plan}");
    let out = example.hoist().args(["ci", "--event", "push", "--branch", "main", "--progress", "plain"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("data-image pulled {repository}:v0.1.1-solr, pushed {repository}:v0.1.2-solr sha256:")),
        "{}",
        out.stdout
    );
    assert_eq!(
        example.registry.manifest_digest(&example.name, "v0.1.2-solr"),
        example.registry.manifest_digest(&example.name, "v0.1.1-solr"),
        "the same data image, under the new version's tag"
    );
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
}

#[test]
fn ci_reads_the_dump_relative_to_a_project_below_the_repository_top() {
    let registry = Registry::start();
    let repo = GitRepo::new();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nuremberg-mini");
    copy_dir(&source, &repo.path().join("examples/nuremberg-mini"));
    repo.commit_all("the example, with its dump");
    let data_reason = || {
        let out = hoist(&repo.path())
            .env("HOIST_REGISTRY", registry.repository(&unique_name("below")))
            .args(["-C", "examples/nuremberg-mini", "ci", "--dry-run", "--json", "--event", "push"])
            .success();
        let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(plan["steps"][1]["name"], "data-image");
        plan["steps"][1]["reason"].as_str().unwrap().to_owned()
    };
    let reason = data_reason();
    assert!(reason.starts_with("new data: HEAD touches `dumps/*latest*`"), "{reason}");

    // A dump at the repository's top is not the project's.
    repo.write("dumps/other_latest.csv", "not the project's data\n");
    repo.commit_all("data of another project");
    let reason = data_reason();
    assert!(reason.starts_with("no new data (`dumps/*latest*` last changed in "), "{reason}");
}
