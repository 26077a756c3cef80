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
pub(crate) struct Example {
    pub(crate) repo: GitRepo,
    pub(crate) registry: Registry,
    pub(crate) name: String,
    pub(crate) ci: String,
    pub(crate) solr: String,
    pub(crate) _images: ImageGuard,
}

impl Example {
    pub(crate) fn new() -> Example {
        engine::base_image();
        let registry = Registry::start();
        let name = unique_name("example");
        let repo = GitRepo::new();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nuremberg-mini");
        copy_dir(&source, &repo.path());
        let (ci, solr) = (format!("{name}-ci"), format!("{name}-solrbld"));
        let example = Example {
            // Every name a test's run can give the example's images: the version, the next one
            // (a `ci` run bumps it), their steps, and a pull request's.
            _images: ImageGuard::new(
                [
                    "v0.1.0",
                    "last",
                    "v0.1.0-tester",
                    "v0.1.0-solr",
                    "v0.1.0-base",
                    "v0.1.1",
                    "v0.1.1-tester",
                    "v0.1.1-solr",
                    "v0.1.0-12",
                    "v0.1.0-12-tester",
                    "v0.1.0-12-solr",
                    "v0.1.0-7",
                    "v0.1.0-7-tester",
                    "v0.1.0-7-solr",
                ]
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
    pub(crate) fn hoist(&self) -> Hoist {
        hoist(&self.repo.path()).env("HOIST_REGISTRY", self.repository())
    }

    pub(crate) fn repository(&self) -> String {
        self.registry.repository(&self.name)
    }

    pub(crate) fn path(&self, file: &str) -> PathBuf {
        self.repo.path().join(file)
    }

    pub(crate) fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let path = self.path("hoist.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(text.clone());
        assert_ne!(text, edited, "the edit changed nothing");
        std::fs::write(path, edited).unwrap();
    }

    /// The containers, volumes and networks of compose project `project`, by label.
    pub(crate) fn leftovers(&self, project: &str) -> Vec<String> {
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

    pub(crate) fn image_exists(&self, tag: &str) -> bool {
        let sh = Shell::new().unwrap();
        let reference = format!("{}:{tag}", self.repository());
        cmd!(sh, "docker image inspect {reference}").quiet().ignore_stdout().ignore_stderr().run().is_ok()
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        for project in [&self.ci, &self.solr] {
            engine::remove_compose_project(project);
        }
    }
}

/// Copies the directory `from` to `to`, without `dist/` (what a run leaves).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    hoist_test_support::copy_dir(from, to).unwrap();
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

/// A suite runs in the service's running container; a service whose container exited is
/// named, with where to look, and the project is still taken down.
#[test]
fn a_service_without_a_running_container_is_named() {
    let example = Example::new();
    let compose = example.path("docker-compose.ci.yml");
    let text = std::fs::read_to_string(&compose).unwrap();
    std::fs::write(&compose, format!("{text}    command: [\"true\"]\n")).unwrap();
    let out = example.hoist().args(["test"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let project = &example.ci;
    assert!(
        out.stderr.ends_with(&format!("error: service `web` of compose project `{project}` has no running container to run the command in: its container exited or never started; its log says why (`docker-compose -p {project} logs web`)\n")),
        "{}",
        out.stderr
    );
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
}

/// A compose file naming an image nobody can pull: `up` fails, and hoist's error quotes the
/// line of compose's output that says why.
#[test]
fn a_failed_up_quotes_the_cause() {
    let example = Example::new();
    let compose = example.path("docker-compose.ci.yml");
    let text = std::fs::read_to_string(&compose).unwrap();
    let text = text
        .replace("image: ${HOIST_IMAGE:-localhost:5000/nuremberg-mini:v0.1.0-tester}", "image: 127.0.0.1:1/nowhere:v1");
    std::fs::write(&compose, text).unwrap();
    let out = example.hoist().args(["test"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: `docker-compose -f "), "{}", out.stderr);
    assert!(last.contains(" up -d` failed with exit code 1: "), "{last}");
    assert!(last.contains("127.0.0.1:1") && !last.ends_with("its output is above"), "the cause is quoted: {last}");
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
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
    assert_eq!(json["image"]["tags"][0], format!("{repo}:v0.1.0"));
    assert_eq!(json["image"]["action"], "build");
    assert_eq!(
        json["image"]["reason"],
        serde_json::json!({"kind": "missing", "tag": format!("{repo}:v0.1.0"), "registry_unknown": null})
    );
    assert_eq!(json["archive"]["path"], "dist/var-solr.tgz");
    assert_eq!(
        json["steps"][0],
        serde_json::json!({"runs": "in-service", "exec": {"service": "loader", "user": null, "env": [], "command": ["sh", "/app/index.sh", "/dumps/documents_latest.csv"]}})
    );
    assert_eq!(json["env"]["image"], format!("{repo}:v0.1.0"));

    let json: serde_json::Value =
        serde_json::from_str(&example.hoist().args(["test", "--dry-run", "--json"]).success()).unwrap();
    assert_eq!(json["project"], example.ci.as_str());
    assert_eq!(json["image"]["tags"][0], format!("{repo}:v0.1.0-tester"));
    assert_eq!(json["suites"][1]["name"], "browser");
    assert_eq!(json["suites"][1]["reported_only"], true);
    assert!(json["down"].as_array().unwrap().iter().any(|a| a == "--volumes"));

    // Compose files can name every image of the run: each named stage and the data image,
    // with the pull-request number in a pull request.
    let json: serde_json::Value =
        serde_json::from_str(&example.hoist().env("prNum", "12").args(["test", "--dry-run", "--json"]).success())
            .unwrap();
    assert_eq!(
        json["env"]["images"],
        serde_json::json!({
            "HOIST_IMAGE_BASE": format!("{repo}:v0.1.0-12-base"),
            "HOIST_IMAGE_RELEASE": format!("{repo}:v0.1.0-12"),
            "HOIST_IMAGE_SOLR": format!("{repo}:v0.1.0-12-solr"),
            "HOIST_IMAGE_TESTER": format!("{repo}:v0.1.0-12-tester"),
        })
    );
    assert_eq!(json["env"]["image"], format!("{repo}:v0.1.0-12-tester"));
    assert_eq!(
        (json["env"]["version"].as_str(), json["env"]["tag"].as_str()),
        (Some("v0.1.0-12"), Some(format!("{repo}:v0.1.0-12").as_str())),
        "`HOIST_VERSION` and `HOIST_TAG` carry the number too"
    );

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

    // An entrypoint and variables for the command, as the original's `pip-compile` recipe has
    // (`--entrypoint=` and `PIP_TOOLS_CACHE_DIR`).
    example.edit_config(|text| {
        text.replace(
            "files = [\"requirements.txt\"]",
            "files = [\"requirements.txt\"]\nentrypoint = \"/bin/sh\"\nenv = { LOCK_NOTE = \"pinned by hoist\" }",
        )
        .replace(
            "command = [\"sh\", \"/app/lock.sh\", \"/src/requirements.in\", \"/src/requirements.txt\"]",
            "command = [\"-c\", \"sh /app/lock.sh /src/requirements.in /src/requirements.txt && echo \\\"# $LOCK_NOTE\\\" >> /src/requirements.txt\"]",
        )
    });
    let plan = example.hoist().args(["regen-requirements", "--dry-run"]).success();
    assert!(
        plan.contains(" run --rm --no-deps -T --entrypoint=/bin/sh -e LOCK_NOTE=pinned by hoist web -c "),
        "{plan}"
    );
    assert_eq!(example.hoist().args(["regen-requirements"]).success(), "changed   requirements.txt\n");
    assert!(
        std::fs::read_to_string(example.path("requirements.txt"))
            .unwrap()
            .ends_with("requests==1.0\n# pinned by hoist\n")
    );
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
        plan["steps"][1]["reason"].clone()
    };
    let reason = data_reason();
    assert_eq!(reason["kind"], "new-data", "{reason}");
    assert_eq!(reason["change"], serde_json::json!({"kind": "head-touches", "dump": ["dumps/*latest*"]}));

    // A dump at the repository's top is not the project's.
    repo.write("dumps/other_latest.csv", "not the project's data\n");
    repo.commit_all("data of another project");
    let reason = data_reason();
    assert_eq!(reason["change"]["kind"], "last-changed-in", "{reason}");

    // Several pathspecs: a commit touching any of them is new data.
    let config = repo.path().join("examples/nuremberg-mini/hoist.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace("dump = \"dumps/*latest*\"", "dump = [\"dumps/*latest*\", \"app/index.sh\"]");
    std::fs::write(&config, &text).unwrap();
    repo.commit_all("the index script triggers a regeneration too");
    assert_eq!(data_reason()["change"]["kind"], "last-changed-in");
    repo.write("examples/nuremberg-mini/app/index.sh", "#!/bin/sh\necho a new indexer\n");
    repo.commit_all("a new indexer");
    let reason = data_reason();
    assert_eq!(
        reason["change"],
        serde_json::json!({"kind": "head-touches", "dump": ["dumps/*latest*", "app/index.sh"]}),
        "{reason}"
    );

    // `regenerate = "always"`: every run, whatever git says.
    std::fs::write(&config, text.replace("[data-image]\n", "[data-image]\nregenerate = \"always\"\n")).unwrap();
    repo.commit_all("always regenerate");
    let reason = data_reason();
    assert_eq!(reason["kind"], "always-regenerate", "{reason}");
}

/// A data stage that unpacks the archive somewhere else builds green but holds no data: hoist
/// refuses the image (no tag left, nothing pushed) and says where the archive's paths start.
#[test]
fn a_data_image_without_data_is_refused() {
    let example = Example::new();
    let dockerfile = example.path("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, text.replace("tar xzf /tmp/var-solr.tgz -C /", "tar xzf /tmp/var-solr.tgz -C /var"))
        .unwrap();
    let stderr = example.hoist().args(["regen-solr-image"]).failure();
    let tag = format!("{}:v0.1.0-solr", example.repository());
    assert!(
        stderr.ends_with(&format!("error: the data image `{tag}` holds no file under `/var/solr`: stage `solr` unpacked the archive elsewhere; the archive holds `/var/solr` relative to `/` (`data-image.archive-from`), so unpack it with `tar xzf ARCHIVE -C /`\n")),
        "{stderr}"
    );
    assert!(!example.image_exists("v0.1.0-solr"), "the empty image keeps no tag");
    assert_eq!(example.registry.tags(&example.name), Vec::<String>::new(), "nothing pushed");
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
}

/// A host step drives compose itself (as an existing `init.sh` does), with the project's
/// compose files and name in its environment; exec steps and the archive can run as a user.
#[test]
fn host_steps_drive_compose_and_steps_run_as_a_user() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "[[data-image.steps]]\nservice = \"data\"\ncommand = [\"sh\", \"/app/commit.sh\"]",
            "[[data-image.steps]]\nhost = true\ncommand = [\"sh\", \"-c\", \"test \\\"$COMPOSE_PROJECT_NAME\\\" = \\\"$EXPECTED\\\" && docker-compose exec -T data sh /app/commit.sh && $HOIST_COMPOSE exec -T data test -s /var/solr/index/COMMITTED\"]",
        )
        .replace("data-path = \"/var/solr\"", "data-path = \"/var/solr\"\nuser = \"0\"")
        .replace("command = [\"sh\", \"/app/index.sh\", \"/dumps/documents_latest.csv\"]", "command = [\"sh\", \"/app/index.sh\", \"/dumps/documents_latest.csv\"]\nuser = \"0\"")
    });
    let plan = example.hoist().args(["regen-solr-image", "--no-push", "--dry-run"]).success();
    assert!(plan.contains("\nstep on the host: sh -c test "), "{plan}");
    assert!(plan.contains("\nstep in `loader` as user 0: sh /app/index.sh "), "{plan}");
    assert!(plan.contains(" in `data` as user 0: tar czf - -C / var/solr\n"), "{plan}");
    let out = example
        .hoist()
        .env("EXPECTED", &example.solr)
        .args(["regen-solr-image", "--no-push", "--progress", "plain"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("data step on the host: sh -c test"), "{}", out.stderr);
    let sh = Shell::new().unwrap();
    let tag = format!("{}:v0.1.0-solr", example.repository());
    let committed = cmd!(sh, "docker run --rm --network none {tag} cat /var/solr/index/COMMITTED").read().unwrap();
    assert_eq!(committed, "3");
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new());
}

/// Setup commands run in the service once the project is up, before the suites, with `user`
/// expanded from the environment; a failing one stops the target before any suite.
#[test]
fn setup_runs_before_the_suites_and_users_are_expanded() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "[[test.suites]]\nname = \"code\"",
            "[[test.setup]]\ncommand = [\"sh\", \"-c\", \"id -u > /tmp/setup-ran\"]\nuser = \"${UID}\"\n\n[[test.suites]]\nname = \"setup-ran\"\ncommand = [\"test\", \"-s\", \"/tmp/setup-ran\"]\n\n[[test.suites]]\nname = \"code\"",
        )
    });
    let sh = Shell::new().unwrap();
    let uid = cmd!(sh, "id -u").read().unwrap();
    let plan = example.hoist().args(["test", "--dry-run"]).success();
    assert!(plan.contains(&format!("\nsetup in `web` as user {uid}: sh -c id -u > /tmp/setup-ran\n")), "{plan}");
    let out = example.hoist().args(["test"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("passed  setup-ran\npassed  code\n"), "{}", out.stdout);

    example.edit_config(|text| text.replace("id -u > /tmp/setup-ran", "exit 5"));
    let stderr = example.hoist().args(["test"]).failure();
    assert!(stderr.ends_with("error: the setup command `sh -c exit 5` failed with exit code 5: its output is above; the suites did not run and the compose project was taken down\n"), "{stderr}");
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
}
