//! `candidate` against a real registry, a bare git remote and kubectl's kustomize.

use std::path::{Path, PathBuf};

use crate::hoist;
use hoist_test_support::{engine, git::GitRepo, registry::Registry};
use xshell::{Shell, cmd};

const TEST_CHANNEL: &str = "calitp:
  channel: test
  releases:
    - name: web
      driver: kustomize
      kustomize_dir: deploy/web
";

const PROD_CHANNEL: &str = "releases:
  - name: app
    driver: helm
    namespace: app
    helm_chart: charts/app
    helm_values:
      - values/app.yaml
  - name: web
    driver: kustomize
    kustomize_dir: deploy/web
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: app
        - name: tester
          image: tester
";

struct Fixture {
    git: GitRepo,
    registry: Registry,
    repo: String,
}

fn fixture() -> Fixture {
    let registry = Registry::start();
    let repo = registry.repository("app");
    let git = GitRepo::new();
    git.write("hoist.toml", &format!("registry = \"{repo}\"\n"));
    git.write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"0.1.0\"\n");
    git.write("Dockerfile", "FROM scratch AS release\nFROM scratch AS tester\n");
    git.write("channels/test.yaml", TEST_CHANNEL);
    git.write("channels/prod.yaml", PROD_CHANNEL);
    git.write("deploy/web/deployment.yaml", DEPLOYMENT);
    git.write(
        "deploy/web/kustomization.yaml",
        &format!(
            "resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: {repo}\n  newTag: v0.0.1\n- name: tester\n  newName: {repo}\n  newTag: v0.0.1-tester\n"
        ),
    );
    git.write("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n");
    git.write(
        "values/app.yaml",
        &format!("replicas: 1\nimage:\n  repository: {repo}\n  tag: v0.0.1\nother:\n  repository: r.example/other\n  tag: v1\n"),
    );
    git.commit_all("A project with two channels");
    git.git(&["push", "--quiet", "origin", "main"]);
    Fixture { git, registry, repo }
}

impl Fixture {
    fn push_images(&self, version: &str) {
        for tag in [version.to_owned(), format!("{version}-tester")] {
            self.registry.push_local_image(engine::base_image(), "app", &tag);
        }
    }
    fn digest(&self, tag: &str) -> String {
        self.registry.manifest_digest("app", tag).unwrap()
    }
    fn bump(&self, version: &str) -> String {
        self.git.write(".bumpversion.toml", &format!("[tool.bumpversion]\ncurrent_version = \"{version}\"\n"));
        self.git.commit_all(&format!("Bump version: → {version}"))
    }
    /// The remote's `candidates/main`, or "".
    fn tip(&self) -> String {
        self.git.remote_git(&["for-each-ref", "--format=%(objectname)", "refs/heads/candidates/main"])
    }
    fn show(&self, rev: &str, path: &str) -> String {
        self.git.remote_git(&["show", &format!("{rev}:{path}")])
    }
    /// What the user sees of the work tree, the index and the local branches and tags (a push
    /// updates the remote-tracking ref, as every `git push` does).
    fn local_state(&self) -> (String, String, String, String) {
        (
            self.git.git(&["status", "--porcelain", "--untracked-files=all"]),
            self.git.git(&["ls-files", "--stage"]),
            self.git.git(&["rev-parse", "HEAD"]),
            self.git.git(&["for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags"]),
        )
    }
}

fn yaml(text: &str) -> serde_yaml_ng::Value {
    serde_yaml_ng::from_str(text).unwrap()
}

#[test]
fn candidate_creates_pins_reruns_unchanged_and_updates() {
    let f = fixture();
    f.push_images("v0.1.0");
    let (release, tester) = (f.digest("v0.1.0"), f.digest("v0.1.0-tester"));
    let source = f.git.git(&["rev-parse", "HEAD"]);
    let before = f.local_state();

    // (a) created, pinned, recorded.
    let out = hoist(&f.git.path()).args(["candidate"]).success();
    let tip = f.tip();
    assert_eq!(out, format!("created candidates/main {tip}\n"));
    assert_eq!(f.local_state(), before, "the work tree, the index and the local refs are untouched");
    assert_eq!(f.git.remote_git(&["rev-parse", &format!("{tip}^")]), source, "the first parent is the source commit");
    let message = f.git.remote_git(&["log", "-1", "--format=%B", &tip]);
    assert!(message.starts_with(&format!("candidate of `main` at {} (v0.1.0)", &source[..12])), "{message}");

    let kustomization = yaml(&f.show(&tip, "deploy/web/kustomization.yaml"));
    assert_eq!(kustomization["images"][0]["newName"].as_str(), Some(f.repo.as_str()));
    assert_eq!(kustomization["images"][0]["newTag"], "v0.1.0");
    assert_eq!(kustomization["images"][0]["digest"].as_str(), Some(release.as_str()));
    assert_eq!(kustomization["images"][1]["newTag"], "v0.1.0-tester");
    assert_eq!(kustomization["images"][1]["digest"].as_str(), Some(tester.as_str()));
    assert_eq!(kustomization["resources"][0], "deployment.yaml");
    let values = yaml(&f.show(&tip, "values/app.yaml"));
    assert_eq!(values["image"]["tag"].as_str(), Some(format!("v0.1.0@{release}").as_str()));
    assert_eq!(values["other"]["tag"], "v1", "another repository is left alone");
    assert_eq!(values["replicas"], 1);
    assert_eq!(f.show(&tip, "deploy/web/deployment.yaml"), DEPLOYMENT.trim_end(), "other files are the source's");
    let record: serde_json::Value = serde_json::from_str(&f.show(&tip, ".hoist/candidate.json")).unwrap();
    assert_eq!(
        record,
        serde_json::json!({
            "schema": 1,
            "source_branch": "main",
            "source_commit": source,
            "version": "v0.1.0",
            "images": {
                format!("{}:v0.1.0", f.repo): release,
                format!("{}:v0.1.0-tester", f.repo): tester,
            },
        })
    );

    // kubectl renders the pinned overlay with digest-pinned references.
    let dir = tempfile::tempdir().unwrap();
    for file in ["kustomization.yaml", "deployment.yaml"] {
        std::fs::write(dir.path().join(file), f.show(&tip, &format!("deploy/web/{file}"))).unwrap();
    }
    let sh = Shell::new().unwrap();
    let overlay = dir.path();
    let rendered = cmd!(sh, "kubectl kustomize {overlay}").quiet().read().unwrap();
    for (tag, digest) in [("v0.1.0", &release), ("v0.1.0-tester", &tester)] {
        let pinned = format!("image: {}:{tag}@{digest}", f.repo);
        let bare = format!("image: {}@{digest}", f.repo);
        assert!(rendered.contains(&pinned) || rendered.contains(&bare), "{rendered}");
    }

    // (b) nothing new: no commit.
    let out = hoist(&f.git.path()).args(["candidate"]).success();
    assert_eq!(out, format!("unchanged candidates/main {tip}\n"));
    assert_eq!(f.tip(), tip);

    // (c) a new version: a commit on the old tip.
    f.bump("0.2.0");
    f.push_images("v0.2.0");
    let out = hoist(&f.git.path()).args(["candidate", "--branch", "main"]).success();
    let new_tip = f.tip();
    assert_eq!(out, format!("updated candidates/main {new_tip}\n"));
    assert_eq!(f.git.remote_git(&["rev-parse", &format!("{new_tip}^")]), tip, "the old tip is the parent");
    let values = yaml(&f.show(&new_tip, "values/app.yaml"));
    assert_eq!(values["image"]["tag"].as_str(), Some(format!("v0.2.0@{}", f.digest("v0.2.0")).as_str()));

    // (e) dry runs change nothing.
    f.bump("0.3.0");
    f.push_images("v0.3.0");
    let before = f.local_state();
    let plan = hoist(&f.git.path()).args(["candidate", "--dry-run"]).success();
    assert!(plan.starts_with("candidate `candidates/main` of `main` at "), "{plan}");
    assert!(plan.contains(&format!("  image    {}:v0.3.0  {}\n", f.repo, f.digest("v0.3.0"))), "{plan}");
    assert!(plan.contains("  write    .hoist/candidate.json\n"), "{plan}");
    assert!(plan.contains(&format!("  updated  a commit on {}, pushed with a lease\n", &new_tip[..12])), "{plan}");
    let json: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).args(["candidate", "--dry-run", "--json"]).success()).unwrap();
    assert_eq!(json["action"], "updated");
    assert_eq!(json["tip"].as_str(), Some(new_tip.as_str()));
    assert_eq!(json["record"]["version"], "v0.3.0");
    assert_eq!(json["pins"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(f.tip(), new_tip, "a dry run pushes nothing");
    assert_eq!(f.local_state(), before);
    assert_eq!(
        f.git.git(&["rev-parse", "origin/candidates/main"]),
        new_tip,
        "a dry run does not even update the remote-tracking ref"
    );

    // (d) an image missing from the registry: refused, nothing pushed.
    f.bump("0.4.0");
    f.registry.push_local_image(engine::base_image(), "app", "v0.4.0");
    let out = hoist(&f.git.path()).args(["candidate"]).run();
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr,
        format!(
            "error: refusing to make `candidates/main`, nothing was committed or pushed: image `{}:v0.4.0-tester` is not in the registry: push it first, then run `candidate` again\n",
            f.repo
        )
    );
    assert!(out.stdout.contains(&format!("  image    {}:v0.4.0-tester  MISSING\n", f.repo)), "{}", out.stdout);
    assert_eq!(f.tip(), new_tip, "the remote branch is unchanged");
    let out = hoist(&f.git.path()).args(["candidate", "--dry-run", "--json"]).run();
    assert_eq!(out.code, 1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["tree"], serde_json::Value::Null);
    assert_eq!(json["problems"].as_array().unwrap().len(), 1);
    assert_eq!(out.stderr, "error: the plan has 1 problem(s): a real run would refuse and commit nothing\n");
}

#[test]
fn a_detached_head_needs_a_branch() {
    let f = fixture();
    f.push_images("v0.1.0");
    f.git.git(&["checkout", "--quiet", "--detach"]);
    let stderr = hoist(&f.git.path()).args(["candidate", "--dry-run"]).failure();
    assert_eq!(
        stderr,
        "error: HEAD is detached and no branch was named: pass `--branch BRANCH` (in GitHub Actions, `GITHUB_HEAD_REF` or `GITHUB_REF_NAME` names it)\n"
    );
    let out = hoist(&f.git.path()).env("GITHUB_REF_NAME", "feature/x").args(["candidate"]).success();
    assert!(out.starts_with("created candidates/feature/x "), "{out}");
}

/// A clone of the fixture's remote at version `version`, committed (not pushed).
fn clone_at(f: &Fixture, dir: &Path, version: &str) -> PathBuf {
    let sh = Shell::new().unwrap();
    let (remote, work) = (f.git.remote(), dir.join(version));
    cmd!(sh, "git clone --quiet {remote} {work}").quiet().run().unwrap();
    sh.change_dir(&work);
    cmd!(sh, "git config user.name tests").quiet().run().unwrap();
    cmd!(sh, "git config user.email tests@hoist.invalid").quiet().run().unwrap();
    std::fs::write(work.join(".bumpversion.toml"), format!("[tool.bumpversion]\ncurrent_version = \"{version}\"\n"))
        .unwrap();
    cmd!(sh, "git commit --quiet -am {version}").quiet().run().unwrap();
    work
}

/// Two runs for the same branch at once, from two clones with different versions: the remote
/// ends with one run's tree at the tip, and every commit of its history is a whole candidate.
#[test]
fn two_runs_at_once_leave_a_consistent_branch() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    let mut clones = Vec::new();
    for version in ["1.0.0", "2.0.0"] {
        f.push_images(&format!("v{version}"));
        let work = clone_at(&f, dir.path(), version);
        let plan: serde_json::Value =
            serde_json::from_str(&hoist(&work).args(["candidate", "--dry-run", "--json"]).success()).unwrap();
        assert_eq!(plan["action"], "created");
        expected.push(plan["tree"].as_str().unwrap().to_owned());
        clones.push(work);
    }
    let runs: Vec<_> = clones
        .iter()
        .map(|work| {
            let work = work.clone();
            std::thread::spawn(move || hoist(&work).args(["candidate"]).run())
        })
        .collect();
    let outs: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    for out in &outs {
        let lost = out.code == 1 && out.stderr.contains("moved") && out.stderr.contains("run `candidate` again");
        assert!(out.code == 0 || lost, "{out:?}");
    }
    assert!(outs.iter().any(|o| o.code == 0), "{outs:?}");
    let tip = f.tip();
    let tree = |rev: &str| f.git.remote_git(&["rev-parse", &format!("{rev}^{{tree}}")]);
    assert!(expected.contains(&tree(&tip)), "the tip's tree is one run's: {expected:?}");
    // Every commit of the candidate's own history (not the source's) is one run's whole tree.
    let main = f.git.remote_git(&["rev-parse", "main"]);
    let history = f.git.remote_git(&["rev-list", "--topo-order", &tip, "--not", &main]);
    let candidates: Vec<&str> =
        history.lines().filter(|c| f.git.remote_git(&["cat-file", "-p", c]).contains("source-commit:")).collect();
    assert!(!candidates.is_empty() && candidates.len() <= 2, "{history}");
    for commit in &candidates {
        assert!(expected.contains(&tree(commit)), "{commit} is no run's candidate");
    }
    if candidates.len() == 2 {
        assert_ne!(tree(candidates[0]), tree(candidates[1]), "the later run committed on the earlier one's tip");
        assert_eq!(f.git.remote_git(&["rev-parse", &format!("{}^", candidates[0])]), candidates[1]);
    }
}

#[test]
fn an_older_commits_run_finishing_late_does_not_overwrite_a_newer_candidate() {
    let f = fixture();
    f.push_images("v0.1.0");
    let older = f.git.git(&["rev-parse", "HEAD"]);
    f.bump("0.2.0");
    f.push_images("v0.2.0");
    let newer = f.git.git(&["rev-parse", "HEAD"]);
    hoist(&f.git.path()).args(["candidate"]).success();
    let tip = f.tip();

    // The older commit's run (a rerun, or a slow job) comes last.
    f.git.git(&["checkout", "--quiet", "--detach", &older]);
    let plan = hoist(&f.git.path()).args(["candidate", "--branch", "main", "--dry-run"]).success();
    assert!(
        plan.contains(&format!(
            "  superseded: the tip {} is the candidate of {}, a newer commit",
            &tip[..12],
            &newer[..12]
        )),
        "{plan}"
    );
    let out = hoist(&f.git.path()).args(["candidate", "--branch", "main"]).run();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("superseded candidates/main {tip}\n"));
    assert!(
        out.stderr.contains(&format!("a newer commit than {}: nothing was pushed", &older[..12])),
        "{}",
        out.stderr
    );
    assert_eq!(f.tip(), tip, "the newer candidate stays");

    // A newer commit than the tip's still updates it.
    f.git.git(&["checkout", "--quiet", "main"]);
    f.bump("0.3.0");
    f.push_images("v0.3.0");
    let out = hoist(&f.git.path()).args(["candidate"]).success();
    assert!(out.starts_with("updated candidates/main "), "{out}");
}
