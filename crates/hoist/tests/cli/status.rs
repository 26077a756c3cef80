//! `status`: the deploy tags, what each `releases/ENV` branch holds, and the remote's versions
//! newest first, against a real registry and a bare git remote.

use crate::hoist;
use hoist_test_support::{engine, git::GitRepo, registry::Registry};

const TEST_CHANNEL: &str = "releases:
  - name: web
    driver: kustomize
    kustomize_dir: deploy/web
";

struct Fixture {
    git: GitRepo,
    registry: Registry,
    repo: String,
}

/// A project with the deploy environment `dev` and the channel `test`, version 1.10.0; the
/// remote has `v1.2.0` on the first commit and both `v1.9.0` and `v1.10.0` on the second, and
/// the registry the release image `v1.10.0`.
fn fixture() -> Fixture {
    let registry = Registry::start();
    let repo = registry.repository("app");
    let git = GitRepo::new();
    git.write("hoist.toml", &format!("registry = \"{repo}\"\n[deploy.environments.dev]\n"));
    git.write("Dockerfile", "FROM scratch AS release\n");
    git.write("channels/test.yaml", TEST_CHANNEL);
    git.write("deploy/web/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n");
    git.write(
        "deploy/web/kustomization.yaml",
        &format!("resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: {repo}\n  newTag: v0.0.1\n"),
    );
    git.write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.0\"\n");
    git.commit_all("Bump version: → 1.2.0");
    git.git(&["tag", "-a", "-m", "1.2.0", "v1.2.0"]);
    git.write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.10.0\"\n");
    git.commit_all("Bump version: → 1.10.0");
    git.git(&["tag", "-a", "-m", "1.9.0", "v1.9.0"]);
    git.git(&["tag", "-a", "-m", "1.10.0", "v1.10.0"]);
    git.git(&["push", "--quiet", "--follow-tags", "origin", "main"]);
    registry.push_local_image(engine::base_image(), "app", "v1.10.0");
    Fixture { git, registry, repo }
}

impl Fixture {
    fn short(&self, rev: &str) -> String {
        self.git.git(&["rev-parse", "--short=12", rev])
    }
    /// Pushes the remote's `from` branch as `releases/ENV` (what merging it would give).
    fn release(&self, from: &str, environment: &str) -> String {
        self.git.git(&["fetch", "--quiet", "origin", from]);
        self.git.git(&["push", "--quiet", "origin", &format!("FETCH_HEAD:refs/heads/releases/{environment}")]);
        self.git.remote_git(&["rev-parse", &format!("releases/{environment}")])
    }
}

#[test]
fn status_shows_what_releases_branches_hold_and_versions_newest_first() {
    let f = fixture();
    let digest = f.registry.manifest_digest("app", "v1.10.0").unwrap();
    hoist(&f.git.path()).args(["deploy", "dev"]).success();
    hoist(&f.git.path()).args(["candidate"]).success();
    let tip = f.release("candidates/main", "test");
    let head = f.short("HEAD");

    let text = hoist(&f.git.path()).args(["status"]).success();
    let expected = format!(
        "dev
  current   1.10.0  {head}  images present (1)
  previous  (none)
  release   releases/dev  (none)
test
  release   releases/test  {}  candidate of main at {head} (v1.10.0)
  image     {}:v1.10.0  {digest}  present
versions (newest first)
  1.10.0  {head}  dev/deploy, releases/test
  1.9.0  {head}  dev/deploy
  1.2.0  {}
",
        &tip[..12],
        f.repo,
        f.short("HEAD^"),
    );
    assert_eq!(text, expected);

    let json: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).args(["status", "--json"]).success()).unwrap();
    assert_eq!(json["environments"][0]["environment"], "dev");
    assert_eq!(json["environments"][0]["current"]["version"], "1.10.0", "the newest of the commit's versions");
    let versions: Vec<&str> =
        json["versions"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["1.10.0", "1.9.0", "1.2.0"]);
    assert_eq!(json["versions"][2]["tag"], "v1.2.0");
    let releases = json["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 2, "{json}");
    assert_eq!((releases[0]["environment"].as_str(), releases[0]["commit"].as_str()), (Some("dev"), None));
    let test = &releases[1];
    assert_eq!(test["branch"], "releases/test");
    assert_eq!(test["commit"], tip.as_str());
    assert_eq!(test["problem"], serde_json::Value::Null);
    assert_eq!(test["candidate"]["source_branch"], "main");
    assert_eq!(test["candidate"]["source_commit"], f.git.git(&["rev-parse", "HEAD"]).as_str());
    assert_eq!(test["candidate"]["version"], "v1.10.0");
    let image = &test["candidate"]["images"][0];
    assert_eq!(image["reference"], format!("{}:v1.10.0", f.repo).as_str());
    assert_eq!(image["digest"], digest.as_str());
    assert_eq!(image["check"]["reference"], format!("{}@{digest}", f.repo).as_str(), "asked by digest");
    assert_eq!(image["check"]["digest"], digest.as_str());

    // The registry gone: the pinned image is UNKNOWN, not MISSING, and `status` fails.
    let Fixture { git, registry, repo } = f;
    drop(registry);
    let out = hoist(&git.path()).args(["status"]).run();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("  image     {repo}:v1.10.0  {digest}  UNKNOWN (the registry could not be asked)\n")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("MISSING"), "{}", out.stdout);
    assert!(out.stderr.starts_with("error: 2 image(s) could not be checked ("), "{}", out.stderr);
}

#[test]
fn status_shows_a_releases_branch_without_a_record_a_missing_image_and_an_unreadable_record() {
    let f = fixture();
    // `releases/dev` is `main` itself: no record. `releases/test` pins an image the registry
    // does not have.
    let dev = f.release("main", "dev");
    let absent = format!("sha256:{}", "0".repeat(64));
    let record = serde_json::json!({
        "schema": 1,
        "source_branch": "main",
        "source_commit": f.git.git(&["rev-parse", "HEAD"]),
        "version": "v1.10.0",
        "images": { format!("{}:v1.10.0", f.repo): absent },
    });
    f.git.git(&["checkout", "--quiet", "-b", "pinned"]);
    f.git.write(".hoist/candidate.json", &record.to_string());
    f.git.commit_all("A candidate by hand");
    f.git.git(&["push", "--quiet", "origin", "pinned"]);
    let test = f.release("pinned", "test");

    let text = hoist(&f.git.path()).args(["status"]).success();
    assert!(
        text.contains(&format!(
            "  release   releases/dev  {}  no candidate (no `.hoist/candidate.json` at its tip)\n",
            &dev[..12]
        )),
        "{text}"
    );
    assert!(text.contains(&format!("  image     {}:v1.10.0  {absent}  MISSING\n", f.repo)), "{text}");
    assert!(text.contains(&format!("  release   releases/test  {}  candidate of main at ", &test[..12])), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).args(["status", "--json"]).success()).unwrap();
    assert_eq!(json["releases"][0]["commit"], dev.as_str());
    assert_eq!(json["releases"][0]["candidate"], serde_json::Value::Null);
    assert_eq!(json["releases"][1]["candidate"]["images"][0]["check"]["digest"], serde_json::Value::Null);
    assert_eq!(json["releases"][1]["candidate"]["images"][0]["check"]["unknown"], serde_json::Value::Null);

    // A record that is not one: shown, and `status` fails.
    f.git.write(".hoist/candidate.json", "{\"schema\": 1}\n");
    f.git.commit_all("A broken record");
    f.git.git(&["push", "--quiet", "origin", "pinned"]);
    let broken = f.release("pinned", "test");
    let out = hoist(&f.git.path()).args(["status"]).run();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "  release   releases/test  {}  (a record hoist cannot read)\n  problem   the candidate record `.hoist/candidate.json` of commit {} cannot be read: missing field `source_branch`",
            &broken[..12],
            &broken[..12]
        )),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "error: 1 releases branch(es) hold a candidate record hoist cannot read (`releases/test` first): the status above is incomplete; see the `problem` lines above\n"
    );
}

#[test]
fn status_lists_ten_versions_and_says_how_many_more() {
    let f = fixture();
    for minor in 0..12 {
        f.git.git(&["tag", &format!("v2.{minor}.0")]);
    }
    f.git.git(&["push", "--quiet", "origin", "--tags"]);
    let text = hoist(&f.git.path()).args(["status"]).success();
    let listed: Vec<&str> = text
        .split("versions (newest first)\n")
        .nth(1)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["2.11.0", "2.10.0", "2.9.0", "2.8.0", "2.7.0", "2.6.0", "2.5.0", "2.4.0", "2.3.0", "2.2.0", "…"]
    );
    assert!(text.ends_with("  … 5 more (`status --json` lists all)\n"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).args(["status", "--json"]).success()).unwrap();
    assert_eq!(json["versions"].as_array().unwrap().len(), 15);
}
