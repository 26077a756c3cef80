//! `ci` on `examples/nuremberg-mini` through five CI events, as on GitHub Actions and on any
//! other CI, judged only from outside: the bare remote's refs, the registry's tags and the
//! contents of its images, the containers left behind, the step summary file.
//!
//! The events: a squash-merged pull request with new data, a direct push, a rerun with nothing
//! new (CI's own bump commit), a merged pull request (merge commit) with new data, and a pull
//! request with new data.

use std::collections::BTreeMap;

use hoist_test_support::cli::Output;
use xshell::{Shell, cmd};

use crate::example::Example;

/// How CI starts `hoist ci`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Runner {
    /// GitHub Actions: its variables and event payload, a step summary the CI compose file mounts.
    Github,
    /// Any other CI (or a plain shell): no GitHub variable; git says what happened.
    Plain,
}

/// The event a run is for.
enum Event<'a> {
    /// A push to `main` whose head commit has `message`.
    Push { message: &'a str },
    /// A pull request from `head` onto `main`, number 7.
    PullRequest { head: &'a str },
}

struct Flow {
    example: Example,
    runner: Runner,
    dir: tempfile::TempDir,
    runs: usize,
}

impl Flow {
    fn new(runner: Runner) -> Flow {
        let example = Example::new();
        // The original's image set: release, tester and the data image, a pull request's data
        // image too. A direct push bumps `minor`, so a merged pull request (`patch`) taken for a
        // direct push shows.
        example.edit_config(|text| {
            text.replace(
                "push-bump = \"patch\"",
                "push-bump = \"minor\"\npublish = [\"release\", \"tester\"]\npush-pr-data = true",
            )
        });
        // Like the original's CI compose file: the step summary is bind-mounted into the service.
        let compose = example.path("docker-compose.ci.yml");
        let text = std::fs::read_to_string(&compose).unwrap();
        std::fs::write(
            &compose,
            format!("{text}    volumes:\n      - ${{GITHUB_STEP_SUMMARY:-/dev/null}}:/tmp/step-summary.md\n"),
        )
        .unwrap();
        example.repo.commit_all("CI configuration");
        example.repo.git(&["push", "--quiet", "origin", "main"]);
        let mut flow = Flow { example, runner, dir: tempfile::tempdir().unwrap(), runs: 0 };
        let repository = flow.example.repository();
        for tag in [
            "v0.1.1",
            "v0.1.1-tester",
            "v0.1.1-solr",
            "v0.2.0",
            "v0.2.0-tester",
            "v0.2.0-solr",
            "v0.2.1",
            "v0.2.1-tester",
            "v0.2.1-solr",
            "v0.2.1-7",
            "v0.2.1-7-tester",
            "v0.2.1-7-solr",
        ] {
            flow.example._images.add(format!("{repository}:{tag}"));
        }
        flow
    }

    /// Runs `hoist ci` for `event` as the runner starts it.
    fn ci(&mut self, event: Event<'_>) -> Output {
        self.runs += 1;
        let run_dir = self.dir.path().join(format!("run-{}", self.runs));
        std::fs::create_dir_all(&run_dir).unwrap();
        let mut hoist = self.example.hoist().env("prNum", "").args(["ci", "--progress", "plain"]);
        match (self.runner, &event) {
            (Runner::Github, Event::Push { message }) => {
                let payload = run_dir.join("event.json");
                std::fs::write(&payload, serde_json::json!({ "head_commit": { "message": message } }).to_string())
                    .unwrap();
                hoist = hoist
                    .env("GITHUB_ACTIONS", "true")
                    .env("GITHUB_EVENT_NAME", "push")
                    .env("GITHUB_REF_NAME", "main")
                    .env("GITHUB_EVENT_PATH", &payload);
            }
            (Runner::Github, Event::PullRequest { head }) => {
                hoist = hoist
                    .env("GITHUB_ACTIONS", "true")
                    .env("GITHUB_EVENT_NAME", "pull_request")
                    .env("GITHUB_BASE_REF", "main")
                    .env("GITHUB_HEAD_REF", head)
                    .env("prNum", "7");
            }
            (Runner::Plain, Event::Push { .. }) => {}
            (Runner::Plain, Event::PullRequest { .. }) => {
                hoist = hoist.env("prNum", "7").args(["--event", "pull-request", "--base", "origin/main"]);
            }
        }
        if self.runner == Runner::Github {
            // Named but not there yet, as on a runner: hoist makes the file before compose runs.
            hoist = hoist
                .env("GITHUB_STEP_SUMMARY", run_dir.join("summary.md"))
                .env("GITHUB_OUTPUT", run_dir.join("outputs.txt"));
        }
        let out = hoist.run();
        assert_eq!(out.code, 0, "run {}: stdout:\n{}\nstderr:\n{}", self.runs, out.stdout, out.stderr);
        assert_eq!(self.example.leftovers(&self.example.ci), Vec::<String>::new(), "run {}", self.runs);
        assert_eq!(self.example.leftovers(&self.example.solr), Vec::<String>::new(), "run {}", self.runs);
        if self.runner == Runner::Github {
            let summary = run_dir.join("summary.md");
            assert!(summary.is_file(), "run {}: the step summary is a file", self.runs);
            assert!(std::fs::read_to_string(&summary).unwrap().starts_with("### hoist ci\n"), "run {}", self.runs);
        }
        out
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("run-{}/outputs.txt", self.runs))).unwrap_or_default()
    }

    /// The remote's refs: name → commit (tags peeled).
    fn remote_refs(&self) -> BTreeMap<String, String> {
        let listed = self.example.repo.remote_git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
        listed
            .lines()
            .map(|line| {
                let (name, _) = line.split_once(' ').unwrap();
                (name.to_owned(), self.example.repo.remote_git(&["rev-parse", &format!("{name}^{{commit}}")]))
            })
            .collect()
    }

    /// The registry's tags of the example's repository, each with its digest.
    fn registry(&self) -> BTreeMap<String, String> {
        let name = &self.example.name;
        self.example
            .registry
            .tags(name)
            .into_iter()
            .map(|tag| {
                let digest = self.example.registry.manifest_digest(name, &tag).unwrap();
                (tag, digest)
            })
            .collect()
    }

    /// Runs `command` in the registry's image `tag` (pulled from the registry first).
    fn in_image(&self, tag: &str, command: &str) -> String {
        let sh = Shell::new().unwrap();
        let reference = format!("{}:{tag}", self.example.repository());
        cmd!(sh, "docker pull -q {reference}").quiet().ignore_stdout().run().unwrap();
        cmd!(sh, "docker run --rm --network none {reference} sh -c {command}").quiet().read().unwrap()
    }

    fn head(&self) -> String {
        self.example.repo.git(&["rev-parse", "HEAD"])
    }
}

fn five_events(runner: Runner) {
    let mut flow = Flow::new(runner);
    let repo = &flow.example.repo;
    let main = |refs: &BTreeMap<String, String>| refs["refs/heads/main"].clone();

    // 1. A squash-merged pull request with new data.
    repo.write(
        "dumps/documents_latest.csv",
        "id,title\n3,Ministries case\n1,Trial of the major war criminals\n2,Medical case\n4,Krupp case\n",
    );
    repo.commit_all("Add the Krupp case (#1)");
    repo.git(&["push", "--quiet", "origin", "main"]);
    let out = flow.ci(Event::Push { message: "Add the Krupp case (#1)" });
    let head = flow.head();
    assert_eq!(flow.example.repo.git(&["log", "-1", "--format=%s"]), "Bump version: 0.1.0 → 0.1.1", "{}", out.stderr);
    let refs = flow.remote_refs();
    assert_eq!(
        refs,
        BTreeMap::from([
            ("refs/heads/main".to_owned(), head.clone()),
            ("refs/tags/dev/deploy".to_owned(), head.clone()),
            ("refs/tags/v0.1.1".to_owned(), head.clone()),
        ])
    );
    let images = flow.registry();
    assert_eq!(images.keys().collect::<Vec<_>>(), ["last", "v0.1.1", "v0.1.1-solr", "v0.1.1-tester"]);
    assert_eq!(images["last"], images["v0.1.1"]);
    assert_eq!(flow.in_image("v0.1.1", "echo $IMAGE_VERSION"), "v0.1.1");
    assert_eq!(flow.in_image("v0.1.1-solr", "wc -l < /var/solr/index/documents.txt"), "4");
    assert!(flow.in_image("v0.1.1-tester", "cat /app/tests/run.sh").contains("search finds a title"));
    if runner == Runner::Github {
        let outputs = flow.outputs();
        assert!(
            outputs.starts_with(&format!(
                "version=v0.1.1\ntag={}:v0.1.1\ndata-image-rebuilt=true\n",
                flow.example.repository()
            )),
            "{outputs}"
        );
    }

    // 2. A direct push, no new data: `ci.push-bump`, and the data image is reused by digest.
    let repo = &flow.example.repo;
    repo.write("app/www/index.html", "<h1>Nuremberg trials</h1>\n");
    repo.commit_all("Change the start page");
    repo.git(&["push", "--quiet", "origin", "main"]);
    flow.ci(Event::Push { message: "Change the start page" });
    let first = refs["refs/tags/v0.1.1"].clone();
    let head = flow.head();
    assert_eq!(flow.example.repo.git(&["log", "-1", "--format=%s"]), "Bump version: 0.1.1 → 0.2.0");
    assert_eq!(
        flow.remote_refs(),
        BTreeMap::from([
            ("refs/heads/main".to_owned(), head.clone()),
            ("refs/tags/dev/deploy".to_owned(), head.clone()),
            ("refs/tags/last/dev/deploy".to_owned(), first.clone()),
            ("refs/tags/v0.1.1".to_owned(), first),
            ("refs/tags/v0.2.0".to_owned(), head.clone()),
        ])
    );
    let images = flow.registry();
    assert_eq!(images.len(), 7, "{images:?}");
    assert_eq!(images["last"], images["v0.2.0"]);
    assert_eq!(images["v0.2.0-solr"], images["v0.1.1-solr"], "the same data image under the new tag");
    assert_eq!(flow.in_image("v0.2.0", "echo $IMAGE_VERSION"), "v0.2.0");

    // 3. A rerun with nothing new (CI's own bump commit): nothing to do, nothing moves. The
    //    local version tag is gone, as in a shallow checkout: the remote's tag is asked.
    flow.example.repo.git(&["tag", "-d", "v0.2.0"]);
    let (refs_before, images_before) = (flow.remote_refs(), flow.registry());
    let out = flow.ci(Event::Push { message: "Bump version: 0.1.1 → 0.2.0" });
    assert!(out.stdout.starts_with("nothing to do: HEAD is `v0.2.0` (on the remote)"), "{}", out.stdout);
    assert_eq!(flow.remote_refs(), refs_before);
    assert_eq!(flow.registry(), images_before);
    assert_eq!(flow.head(), refs_before["refs/heads/main"], "no local bump commit either");
    flow.example.repo.git(&["fetch", "--quiet", "origin", "tag", "v0.2.0"]);

    // 4. A merged pull request (a merge commit) with new data.
    let repo = &flow.example.repo;
    repo.git(&["checkout", "--quiet", "-b", "more-data"]);
    repo.write("dumps/documents_latest.csv", "id,title\n3,Ministries case\n1,Trial of the major war criminals\n2,Medical case\n4,Krupp case\n5,Hostages case\n");
    repo.commit_all("More documents");
    repo.git(&["checkout", "--quiet", "main"]);
    repo.git(&["merge", "--quiet", "--no-ff", "more-data", "-m", "Merge pull request #2 from me/more-data"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    flow.ci(Event::Push { message: "Merge pull request #2 from me/more-data" });
    let head = flow.head();
    assert_eq!(flow.example.repo.git(&["log", "-1", "--format=%s"]), "Bump version: 0.2.0 → 0.2.1");
    let refs = flow.remote_refs();
    assert_eq!(
        (main(&refs), refs["refs/tags/v0.2.1"].clone(), refs["refs/tags/dev/deploy"].clone()),
        (head.clone(), head.clone(), head)
    );
    assert_eq!(refs["refs/tags/last/dev/deploy"], refs["refs/tags/v0.2.0"]);
    assert_eq!(refs.len(), 6, "{refs:?}");
    let images = flow.registry();
    assert_eq!(images.len(), 10, "{images:?}");
    assert_eq!(images["last"], images["v0.2.1"]);
    assert_eq!(flow.in_image("v0.2.1-solr", "wc -l < /var/solr/index/documents.txt"), "5");

    // 5. A pull request with new data: no bump, no git push, nothing under main's names; only
    //    its own data image is pushed, with its number (`ci.push-pr-data = true`).
    let repo = &flow.example.repo;
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.write("dumps/documents_latest.csv", "id,title\n6,Justice case\n");
    repo.write("app/www/index.html", "<h1>Nuremberg trials archive</h1>\n");
    repo.commit_all("Replace the documents");
    let head = flow.head();
    let (refs_before, images_before) = (flow.remote_refs(), flow.registry());
    let out = flow.ci(Event::PullRequest { head: "feature" });
    assert_eq!(flow.head(), head, "a pull request never bumps: {}", out.stderr);
    assert_eq!(flow.remote_refs(), refs_before);
    let images = flow.registry();
    let new: Vec<&String> = images.keys().filter(|t| !images_before.contains_key(*t)).collect();
    assert_eq!(new, ["v0.2.1-7-solr"]);
    for (tag, digest) in &images_before {
        assert_eq!(&images[tag], digest, "`{tag}` is untouched by the pull request");
    }
    assert_eq!(flow.in_image("v0.2.1-7-solr", "cat /var/solr/index/documents.txt"), "6\tJustice case");
    assert!(flow.example.image_exists("v0.2.1-7"), "the pull request's release image carries its number");
    assert!(flow.example.image_exists("v0.2.1-7-tester"));
}

#[test]
fn five_events_without_githubs_variables() {
    five_events(Runner::Plain);
}

#[test]
fn five_events_as_on_github_actions() {
    five_events(Runner::Github);
}

/// `ci --dry-run --json` shows every decision before anything runs: the bump with its files,
/// the nested image decisions for the post-bump version, the teardowns, the deferred deploy.
#[test]
fn the_dry_run_holds_every_decision_the_run_takes() {
    let example = Example::new();
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let out = example.hoist().args(["ci", "--dry-run", "--json", "--event", "push", "--branch", "main"]).success();
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let repository = example.repository();
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(plan["new_version"], "0.1.1");
    let names: Vec<&str> = plan["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bump", "data-image", "test", "push-git", "push-release", "deploy"]);
    let step = |name: &str| {
        let step = plan["steps"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
        (step["action"]["kind"].as_str().unwrap().to_owned(), step["action"]["plan"].clone(), step["reason"].clone())
    };
    let (kind, bump, _) = step("bump");
    assert_eq!(kind, "bump");
    assert_eq!(
        (bump["from"].as_str(), bump["to"].as_str(), bump["tag"].as_str()),
        (Some("0.1.0"), Some("0.1.1"), Some("v0.1.1"))
    );
    assert_eq!(bump["files"].as_array().unwrap().len(), 5, "{bump}");
    let (kind, data, reason) = step("data-image");
    assert_eq!((kind.as_str(), reason["kind"].as_str()), ("regenerate-data", Some("new-data")));
    assert_eq!(data["image"]["tags"][0], format!("{repository}:v0.1.1"), "the loader is the post-bump release image");
    assert_eq!(data["image"]["action"], "build");
    assert!(data["down"].as_array().unwrap().iter().any(|a| a == "--volumes"), "teardown is in the plan");
    let (kind, test, _) = step("test");
    assert_eq!(kind, "test");
    assert_eq!(test["image"]["tags"][0], format!("{repository}:v0.1.1-tester"));
    assert_eq!(test["image"]["reason"]["kind"], "missing");
    assert!(test["down"].as_array().unwrap().iter().any(|a| a == "--volumes"), "teardown is in the plan");
    let (kind, release, reason) = step("push-release");
    assert_eq!((kind.as_str(), reason["kind"].as_str()), ("push-image", Some("publish")));
    assert_eq!(release["tags"], serde_json::json!([format!("{repository}:v0.1.1"), format!("{repository}:last")]));
    // The release image the data step builds is pushed without a second build.
    assert_eq!(release["action"], "push");
    assert_eq!(release["reason"]["kind"], "push-without-building");
    assert_eq!(release["reason"]["made_by"], "data-image");
    let (kind, deploy, _) = step("deploy");
    assert_eq!(kind, "deploy");
    assert_eq!(deploy["deferred"], true);
    assert_eq!(deploy["images"], serde_json::json!([format!("{repository}:v0.1.1")]));

    // The post-bump input digest the plan computed is the label of the image the run builds.
    let planned_tester = test["image"]["inputs"]["digest"].as_str().unwrap().to_owned();
    let out = example.hoist().args(["ci", "--event", "push", "--branch", "main", "--progress", "plain"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sh = Shell::new().unwrap();
    let tester = format!("{repository}:v0.1.1-tester");
    let format = "{{index .Config.Labels \"dev.hoist.inputs\"}}";
    let label = cmd!(sh, "docker image inspect --format {format} {tester}").quiet().read().unwrap();
    assert_eq!(label, planned_tester);
    // The OCI labels come from git through hoist-git: the bump commit the image was built from.
    let format = "{{index .Config.Labels \"org.opencontainers.image.revision\"}}";
    let revision = cmd!(sh, "docker image inspect --format {format} {tester}").quiet().read().unwrap();
    assert_eq!(revision, example.repo.git(&["rev-parse", "HEAD"]), "built after the bump, from the bump commit");
    assert!(out.stderr.contains("pushed without building"), "{}", out.stderr);
}

/// A stale tester image is never used: a changed suite is built and run, and every image the
/// pipeline builds carries its input labels, so `push` does not rebuild it.
#[test]
fn a_changed_suite_rebuilds_the_tester_image() {
    let example = Example::new();
    example.hoist().args(["test"]).success();
    let run = example.path("tests/run.sh");
    let text = std::fs::read_to_string(&run).unwrap();
    std::fs::write(&run, text.replace("rm -f \"$fixture\"", "echo \"ok   the new check\"\nrm -f \"$fixture\""))
        .unwrap();
    let plan = example.hoist().args(["test", "--dry-run"]).success();
    assert!(
        plan.starts_with(&format!(
            "image {}:v0.1.0-tester: build (built: context files it copies changed)\n",
            example.repository()
        )),
        "{plan}"
    );
    let out = example.hoist().args(["test", "--progress", "plain"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("the new check"), "the new suite ran: {}", out.stderr);
    let push = example.hoist().args(["push", "tester", "--dry-run"]).success();
    assert!(push.contains("decision    pushed without building:"), "{push}");
}

/// A dirty tree: the dry run shows the plan and the problem, `--allow-dirty` accepts it; no
/// remote: the plan says so instead of printing a push to nowhere.
#[test]
fn dirty_trees_and_missing_remotes_are_problems_in_the_plan() {
    let example = Example::new();
    example.repo.write("app/NOTES", "draft\n");
    example.repo.git(&["add", "app/NOTES"]);
    let out = example.hoist().args(["ci", "--dry-run", "--event", "push", "--branch", "main"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("  note: uncommitted changes in app/NOTES\n"), "{}", out.stdout);
    assert!(out.stdout.contains("problems (a real run refuses and changes nothing):\n  - the working tree has uncommitted changes (app/NOTES)"), "{}", out.stdout);
    assert_eq!(out.stderr, "error: the plan has 1 problem(s): a real run would refuse and change nothing\n");
    example.hoist().args(["ci", "--dry-run", "--allow-dirty", "--event", "push", "--branch", "main"]).success();
    let refused = example.hoist().args(["ci", "--event", "push", "--branch", "main"]).failure();
    assert!(refused.ends_with("error: the plan has 1 problem(s) (listed above): nothing was changed\n"), "{refused}");
    assert_eq!(example.repo.git(&["log", "-1", "--format=%s"]), "the example", "nothing was bumped");

    example.repo.git(&["commit", "--quiet", "-m", "notes"]);
    example.repo.git(&["remote", "remove", "origin"]);
    let out = example.hoist().args(["ci", "--dry-run", "--event", "push", "--branch", "main"]).run();
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("  - there is no git remote `origin` to push the bump and deploy tags to: add it (`git remote add origin URL`) or name another with `deploy.remote`\n"), "{}", out.stdout);
}

/// Mistakes in `hoist.toml` that only a run would find are found first: `hoist check` lists
/// them, and `ci` puts them in its plan and changes nothing.
#[test]
fn configuration_mistakes_are_found_before_anything_runs() {
    let example = Example::new();
    assert_eq!(
        example.hoist().args(["check"]).success(),
        format!("`{}` matches the project\n", example.path("hoist.toml").display())
    );
    example.edit_config(|text| {
        text.replace("data-service = \"data\"", "data-service = \"solr\"")
            .replace("merged-pr-bump = \"patch\"", "merged-pr-bump = \"patchh\"")
            + "\n[deploy]\nimages = [\"release\", \"solr-data\"]\n"
    });
    example.repo.commit_all("mistakes");
    let out = example.hoist().args(["check"]).run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "- `deploy.images` in `hoist.toml`, line 66, names `solr-data`, which is not a stage of `Dockerfile`: name one of `base`, `release`, `tester`, `solr`\n\
         - `data-image.data-service` in `hoist.toml`, line 34, names the service `solr`, which the compose files of `[compose.solrbld]` do not define: name one of `data`, `loader`\n\
         - `ci.merged-pr-bump` in `hoist.toml`, line 61, is `patchh`, which is not a part of the version configuration: use one of `major`, `minor`, `patch` (or `\"\"` for no bump)\n"
    );
    assert_eq!(out.stderr, "error: `hoist.toml` has 3 problem(s): fix them before a target runs on it\n");
    let json: serde_json::Value =
        serde_json::from_str(&example.hoist().args(["check", "--json"]).run().stdout).unwrap();
    assert_eq!(json[1]["kind"], "unknown-service");

    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let out = example.hoist().args(["ci", "--event", "push", "--branch", "main", "--merged-pr"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("  - `ci.merged-pr-bump` in `hoist.toml`, line 61, is `patchh`"), "{}", out.stderr);
    assert!(
        out.stderr.ends_with("error: the plan has 3 problem(s) (listed above): nothing was changed\n"),
        "{}",
        out.stderr
    );
    assert_eq!(example.repo.git(&["log", "-1", "--format=%s"]), "mistakes", "nothing was bumped");
    assert_eq!(example.registry.tags(&example.name), Vec::<String>::new());
}

/// The data image and the tests run at the same time; when the tests fail, the data step is
/// stopped and tears its compose project down, nothing is pushed, and the failure named is the
/// tests'.
#[test]
fn a_failing_step_stops_the_others_and_everything_is_taken_down() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "command = [\"sh\", \"/app/tests/run.sh\"]",
            "command = [\"sh\", \"-c\", \"echo the suite fails; exit 3\"]",
        )
        .replace("wait-for = [\"test\", \"-e\", \"/tmp/ready\"]", "wait-for = [\"sh\", \"-c\", \"sleep 120\"]")
    });
    example.repo.commit_all("a failing suite (#5)");
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let refs = example.repo.remote_git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
    let plan =
        example.hoist().args(["ci", "--dry-run", "--event", "push", "--branch", "main", "--jobs", "2"]).success();
    assert!(plan.contains("  each step starts when the steps it runs after succeeded, at most 2 at once\n"), "{plan}");
    let out =
        example.hoist().args(["ci", "--event", "push", "--branch", "main", "--jobs", "2", "--progress", "plain"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("ci/data-image: waiting for the data service"), "the data step ran: {}", out.stderr);
    assert!(out.stderr.contains("\nci/test | the suite fails\n"), "a command's lines carry their step: {}", out.stderr);
    assert!(
        out.stderr.ends_with("error: the `ci` step `test` failed; the steps after it did not run, and those running beside it were stopped: the tests failed (exit code 3): failed  code (exit code 3); not run browser (reported only)\n"),
        "{}",
        out.stderr
    );
    assert_eq!(example.leftovers(&example.solr), Vec::<String>::new(), "the stopped data step took its project down");
    assert_eq!(example.leftovers(&example.ci), Vec::<String>::new());
    assert_eq!(example.registry.tags(&example.name), Vec::<String>::new(), "nothing pushed");
    assert_eq!(
        example.repo.remote_git(&["for-each-ref", "--format=%(refname) %(objectname)"]),
        refs,
        "the remote is untouched"
    );
}

/// hoist's own requests to the registry (oci-client's, in its access log), as `tag → count`
/// of manifest reads, and the number of `/v2/` pings.
fn hoist_requests(log: &str) -> (BTreeMap<String, usize>, usize) {
    let mut manifests = BTreeMap::new();
    let mut pings = 0;
    for line in log.lines().filter(|l| l.contains("oci-client/")) {
        let Some(request) = line.split('"').nth(1) else { continue };
        let mut words = request.split(' ');
        let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        if path == "/v2/" {
            pings += 1;
        } else if matches!(method, "GET" | "HEAD")
            && let Some((_, tag)) = path.split_once("/manifests/")
        {
            *manifests.entry(tag.to_owned()).or_insert(0) += 1;
        }
    }
    (manifests, pings)
}

/// One manifest check per image per run: planning asks the registry once for each image it
/// decides on, and an open registry is never pinged.
#[test]
fn planning_asks_the_registry_once_per_image() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace("push-bump = \"patch\"", "push-bump = \"patch\"\npublish = [\"release\", \"tester\"]")
    });
    example.repo.commit_all("CI configuration");
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let before = example.registry.log().len();
    example.hoist().args(["ci", "--dry-run", "--event", "push", "--branch", "main"]).success();
    let (manifests, pings) = hoist_requests(&example.registry.log()[before..]);
    assert_eq!(
        manifests,
        BTreeMap::from([("v0.1.0-solr".to_owned(), 1), ("v0.1.1".to_owned(), 1), ("v0.1.1-tester".to_owned(), 1)]),
        "the data image's source, the loader (= the release image pushed later) and the tester (= the tester pushed later)"
    );
    assert_eq!(pings, 0);

    let before = example.registry.log().len();
    let out = example.hoist().args(["ci", "--event", "push", "--branch", "main", "--json"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // `--json`: the result on stdout, and every event on stderr as one JSON object per line,
    // with its step; the commands' lines are events too.
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["failed"], serde_json::Value::Null);
    let events: Vec<serde_json::Value> =
        out.stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let has = |step: &str, event: &str, key: &str, value: &str| {
        events.iter().any(|e| e["step"] == step && e["event"] == event && e[key] == value)
    };
    assert!(has("test", "output", "line", "ok   search finds a title"), "{}", out.stderr);
    assert!(has("data-image", "output", "line", "committed 3 documents"), "{}", out.stderr);
    assert!(has("bump", "note", "message", "a direct push to `main` bumps `patch` (`ci.push-bump`)"), "{}", out.stderr);
    assert!(events.iter().any(|e| e["step"] == "push-release" && e["event"] == "transferred"), "{}", out.stderr);
    let (manifests, pings) = hoist_requests(&example.registry.log()[before..]);
    assert_eq!(pings, 0, "{manifests:?}");
    // Planning once each; then the copy of `v0.1.1` to `last` reads it, and the deploy gate
    // checks it after the push.
    assert_eq!(manifests.get("v0.1.1-tester"), Some(&1), "{manifests:?}");
    assert_eq!(manifests.get("v0.1.1"), Some(&3), "{manifests:?}");
}

/// `ci.test = false` leaves the tests out, loudly: the plan warns, the step is skipped with its
/// reason, and a published tester image is built by its push step, not taken from the tests.
#[test]
fn tests_left_out_are_said_loudly() {
    let example = Example::new();
    example.edit_config(|text| {
        text.replace(
            "push-bump = \"patch\"",
            "push-bump = \"patch\"\npublish = [\"release\", \"tester\"]\ntest = false",
        )
    });
    example.repo.commit_all("no tests");
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let args = ["ci", "--dry-run", "--event", "push", "--branch", "main"];
    let plan = example.hoist().args(args).success();
    assert!(
        plan.contains(
            "\n  warning: the tests are left out (`ci.test = false` in hoist.toml): this run tests nothing\n"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("\n  test         skip — NO TESTS RUN: `ci.test = false` leaves the tests out of this flow\n"),
        "{plan}"
    );
    let json: serde_json::Value = serde_json::from_str(&example.hoist().args(args).args(["--json"]).success()).unwrap();
    let step = |name: &str| json["steps"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(
        (step("test")["action"]["kind"].as_str(), step("test")["reason"]["kind"].as_str()),
        (Some("skip"), Some("tests-off"))
    );
    assert_eq!(step("push-tester")["action"]["plan"]["action"], "build", "{}", step("push-tester"));
}

/// A compose file that names the tester image by a fixed tag: a pull request's run, whose
/// tester image carries its number, warns and names the variable to write; a run on main, whose
/// bump moves the fixed tag to the new version, does not.
#[test]
fn a_fixed_image_tag_in_a_compose_file_is_warned_about() {
    let example = Example::new();
    let repository = example.repository();
    let compose = example.path("docker-compose.ci.yml");
    let text = std::fs::read_to_string(&compose).unwrap();
    let text = text.replace(
        "image: ${HOIST_IMAGE:-localhost:5000/nuremberg-mini:v0.1.0-tester}",
        &format!("image: {repository}:v0.1.0-tester"),
    );
    std::fs::write(&compose, text).unwrap();
    example.repo.commit_all("a fixed tester tag");
    example.repo.git(&["push", "--quiet", "origin", "main"]);
    let warning = format!(
        "warning: `docker-compose.ci.yml` gives service `web` the fixed image `{repository}:v0.1.0-tester`, but this run's image is `{repository}:v0.1.0-12-tester`: write `image: ${{HOIST_IMAGE_TESTER:-{repository}:v0.1.0-tester}}` so that compose runs the image hoist made"
    );
    let plan = example.hoist().env("prNum", "12").args(["test", "--dry-run"]).success();
    assert!(plan.contains(&format!("\n{warning}\n")), "{plan}");
    let plan = example
        .hoist()
        .env("prNum", "12")
        .args(["ci", "--dry-run", "--event", "pull-request", "--base", "origin/main"])
        .success();
    assert!(plan.contains(&format!("  {warning}\n")), "{plan}");
    let plan = example.hoist().args(["ci", "--dry-run", "--event", "push", "--branch", "main"]).success();
    assert!(!plan.contains("warning:"), "the bump moves the fixed tag to the run's version: {plan}");
    let plan = example.hoist().args(["test", "--dry-run"]).success();
    assert!(!plan.contains("warning:"), "{plan}");
}

/// A pull request with new data keeps its data image local unless `ci.push-pr-data = true`
/// pushes it under its number (opt-in: pull requests from forks hold no credentials).
#[test]
fn a_pull_requests_new_data_is_pushed_only_when_opted_in() {
    let example = Example::new();
    let repo = &example.repo;
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.write("dumps/documents_latest.csv", "id,title\n6,Justice case\n");
    repo.commit_all("Replace the documents");
    let data_step = |example: &Example| {
        let args = ["ci", "--dry-run", "--json", "--event", "pull-request", "--base", "origin/main"];
        let json: serde_json::Value =
            serde_json::from_str(&example.hoist().env("prNum", "7").args(args).success()).unwrap();
        let step = json["steps"].as_array().unwrap().iter().find(|s| s["name"] == "data-image").unwrap().clone();
        (
            step["action"]["kind"].as_str().map(str::to_owned),
            step["action"]["plan"]["push"].as_bool(),
            step["action"]["plan"]["tag"].as_str().map(str::to_owned),
            step["reason"]["push"].as_str().map(str::to_owned),
        )
    };
    let tag = format!("{}:v0.1.0-7-solr", example.repository());
    let plan = || {
        example
            .hoist()
            .env("prNum", "7")
            .args(["ci", "--dry-run", "--event", "pull-request", "--base", "origin/main"])
            .success()
    };
    assert_eq!(
        data_step(&example),
        (Some("regenerate-data".into()), Some(false), Some(tag.clone()), Some("pull-request-kept".into()))
    );
    assert!(
        plan().contains("kept local (a pull request's data image is pushed only with `ci.push-pr-data = true`)"),
        "{}",
        plan()
    );
    example.edit_config(|text| text.replace("[ci]\n", "[ci]\npush-pr-data = true\n"));
    repo.commit_all("push pull requests' data");
    assert_eq!(
        data_step(&example),
        (Some("regenerate-data".into()), Some(true), Some(tag.clone()), Some("pull-request-data".into()))
    );
    assert!(plan().contains("pushed under the pull request's name (`ci.push-pr-data = true`)"), "{}", plan());

    // A run pushes it labelled with the dump files it was made from; the pull request's next
    // run, with the same dump files, reuses it; new dump files regenerate it.
    example.edit_config(|text| text.replace("[ci]\n", "[ci]\ntest = false\n"));
    repo.commit_all("no tests in this one");
    let run = || {
        let args = ["ci", "--event", "pull-request", "--base", "origin/main", "--progress", "plain"];
        let out = example.hoist().env("prNum", "7").args(args).run();
        assert_eq!(out.code, 0, "{}", out.stderr);
    };
    run();
    assert_eq!(example.registry.tags(&example.name), ["v0.1.0-7-solr"]);
    let reason = |example: &Example| {
        let args = ["ci", "--dry-run", "--json", "--event", "pull-request", "--base", "origin/main"];
        let json: serde_json::Value =
            serde_json::from_str(&example.hoist().env("prNum", "7").args(args).success()).unwrap();
        let step = json["steps"].as_array().unwrap().iter().find(|s| s["name"] == "data-image").unwrap().clone();
        (step["action"]["kind"].as_str().unwrap().to_owned(), step["reason"]["kind"].as_str().unwrap().to_owned())
    };
    repo.write("app/www/index.html", "<h1>Nuremberg trials archive</h1>\n");
    repo.commit_all("a new page, the same dump");
    assert_eq!(reason(&example), ("retag-data".to_owned(), "reuse-pull-request-data".to_owned()));
    assert!(plan().contains(&format!("the pull request's own `{tag}` exists at sha256:")), "{}", plan());
    let pushed = example.registry.manifest_digest(&example.name, "v0.1.0-7-solr");
    run();
    assert_eq!(example.registry.manifest_digest(&example.name, "v0.1.0-7-solr"), pushed, "reused, not pushed again");
    assert!(example.image_exists("v0.1.0-7-solr"), "pulled for the run");
    repo.write("dumps/documents_latest.csv", "id,title\n7,Ministries case\n");
    repo.commit_all("Replace the documents again");
    assert_eq!(reason(&example), ("regenerate-data".to_owned(), "new-data".to_owned()));
}
