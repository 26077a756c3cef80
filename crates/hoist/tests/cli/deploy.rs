//! `deploy`, `rollback`, `status` and `exists` against a real registry and a bare git remote.

use crate::hoist;
use hoist_test_support::{engine, git::GitRepo, registry::Registry};

struct Fixture {
    git: GitRepo,
    registry: Registry,
}

fn fixture(images: &[&str]) -> Fixture {
    let registry = Registry::start();
    let git = GitRepo::new();
    git.write(
        "hoist.toml",
        &format!(
            "registry = \"{}\"\n[deploy.environments.dev]\n[deploy.environments.prod]\n",
            registry.repository("app")
        ),
    );
    for version in ["0.1.0", "0.2.0"] {
        git.write(".bumpversion.toml", &format!("[tool.bumpversion]\ncurrent_version = \"{version}\"\n"));
        git.commit_all(&format!("Bump version: → {version}"));
        git.git(&["tag", "-a", "-m", &format!("Bump version: → {version}"), &format!("v{version}")]);
    }
    git.git(&["push", "--quiet", "--follow-tags", "origin", "main"]);
    for tag in images {
        registry.push_local_image(engine::base_image(), "app", tag);
    }
    Fixture { git, registry }
}

impl Fixture {
    fn remote_tag(&self, tag: &str) -> String {
        self.git.remote_git(&["for-each-ref", "--format=%(objectname)", &format!("refs/tags/{tag}")])
    }
    fn commit(&self, version_tag: &str) -> String {
        self.git.git(&["rev-parse", &format!("{version_tag}^{{commit}}")])
    }
}

#[test]
fn deploy_dry_run_then_deploy_then_status() {
    let f = fixture(&["v0.1.0", "v0.2.0"]);
    let digest = f.registry.manifest_digest("app", "v0.2.0").unwrap();
    let plan = hoist(&f.git.path()).args(["deploy", "--dry-run"]).success();
    assert!(plan.starts_with("deploy `v0.2.0` to `dev` (remote `origin`)\n"), "{plan}");
    assert!(plan.contains(&format!("  image    {}:v0.2.0  {digest}\n", f.registry.repository("app"))), "{plan}");
    assert!(plan.contains("  move     dev/deploy  (none) → "), "{plan}");
    assert_eq!(f.remote_tag("dev/deploy"), "", "a dry run pushes nothing");

    let summary = tempfile::NamedTempFile::new().unwrap();
    let out = hoist(&f.git.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .args(["deploy", "dev", "--version", "0.1.0"])
        .success();
    assert_eq!(out, format!("dev/deploy: (none) → {}\n", &f.commit("v0.1.0")[..12]));
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(md.starts_with("### Deployed `v0.1.0` to `dev`\n"), "{md}");

    hoist(&f.git.path()).args(["deploy"]).success();
    assert_eq!(f.remote_tag("dev/deploy"), f.commit("v0.2.0"));
    assert_eq!(f.remote_tag("last/dev/deploy"), f.commit("v0.1.0"));

    let status: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).args(["status", "--json"]).success()).unwrap();
    assert_eq!(status["environments"][0]["environment"], "dev");
    assert_eq!(status["environments"][0]["current"]["version"], "0.2.0");
    assert_eq!(status["environments"][0]["current"]["images"][0]["digest"], digest.as_str());
    assert_eq!(status["environments"][0]["previous"]["version"], "0.1.0");
    assert_eq!(status["environments"][1]["current"], serde_json::Value::Null);
    let text = hoist(&f.git.path()).args(["status"]).success();
    assert!(text.contains("dev\n  current   0.2.0  "), "{text}");

    hoist(&f.git.path()).args(["rollback", "dev"]).success();
    assert_eq!(f.remote_tag("dev/deploy"), f.commit("v0.1.0"));
}

#[test]
fn a_missing_image_refuses_the_deploy() {
    let f = fixture(&["v0.1.0"]);
    let out = hoist(&f.git.path()).args(["deploy", "prod"]).run();
    assert_eq!(out.code, 1);
    let missing = format!("{}:v0.2.0", f.registry.repository("app"));
    assert!(out.stdout.contains(&format!("  image    {missing}  MISSING\n")), "{}", out.stdout);
    assert_eq!(
        out.stderr,
        format!(
            "error: refusing to deploy to `prod`, nothing was pushed: image `{missing}` is not in the registry: build and push it first\n"
        )
    );
    assert_eq!(f.remote_tag("prod/deploy"), "");
    let out = hoist(&f.git.path()).args(["deploy", "prod", "--dry-run", "--json"]).run();
    assert_eq!(out.code, 1);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["problems"].as_array().unwrap().len(), 1);
    assert_eq!(plan["images"][0]["digest"], serde_json::Value::Null);
}

#[test]
fn unknown_environment() {
    let f = fixture(&[]);
    let stderr = hoist(&f.git.path()).args(["deploy", "staging"]).failure();
    assert_eq!(
        stderr,
        "error: unknown environment `staging`: the configured ones are `dev`, `prod`; add `[deploy.environments.staging]` to `hoist.toml` to deploy there\n"
    );
}

#[test]
fn exists_prints_the_digest_or_fails() {
    let f = fixture(&["v0.1.0"]);
    let digest = f.registry.manifest_digest("app", "v0.1.0").unwrap();
    let present = format!("{}:v0.1.0", f.registry.repository("app"));
    assert_eq!(hoist(&f.git.path()).args(["exists", &present]).success(), format!("{digest}\n"));
    let absent = format!("{}:v9.9.9", f.registry.repository("app"));
    let out = hoist(&f.git.path()).args(["exists", &absent]).run();
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_eq!(out.stderr, format!("`{absent}` is not in the registry\n"));
    let json: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).args(["exists", "--json", &absent]).success()).unwrap();
    assert_eq!(json["digest"], serde_json::Value::Null);
}

#[test]
fn exists_with_an_unreachable_registry_says_so() {
    let f = fixture(&[]);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let stderr = hoist(&f.git.path()).args(["exists", &format!("127.0.0.1:{port}/app:v1")]).failure();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert_eq!(stderr.lines().count(), 2, "one sentence and a `help:` line: {stderr}");
    assert!(stderr.lines().nth(1).unwrap().starts_with("help: "), "{stderr}");
}

#[test]
fn hoist_registry_applies_to_the_deploy_gate_and_status() {
    let f = fixture(&["v0.2.0"]);
    // `hoist.toml` names a registry nobody runs; `HOIST_REGISTRY` points at the real one.
    f.git.write("hoist.toml", "registry = \"registry.invalid/app\"\n[deploy.environments.dev]\n");
    f.git.commit_all("Point the registry elsewhere");
    let repo = f.registry.repository("app");
    hoist(&f.git.path()).env("HOIST_REGISTRY", &repo).args(["deploy", "dev"]).success();
    assert_eq!(f.remote_tag("dev/deploy"), f.commit("v0.2.0"));
    let status = hoist(&f.git.path()).env("HOIST_REGISTRY", &repo).args(["status"]).success();
    assert!(status.contains("images present (1)"), "{status}");
    assert_eq!(hoist(&f.git.path()).env("HOIST_REGISTRY", &repo).args(["registry"]).success(), format!("{repo}\n"));
    let stderr = hoist(&f.git.path()).env("HOIST_REGISTRY", "Not/Valid").args(["tag"]).failure();
    assert_eq!(
        stderr,
        "error: `HOIST_REGISTRY=Not/Valid` is not an image repository such as `registry.example.com/app` (lowercase, no tag)\n"
    );
}

/// A registry that cannot be asked makes an image unknown, never missing: the dry run says so,
/// and `status` fails instead of reporting a status it could not check.
#[test]
fn an_unreachable_registry_makes_images_unknown_not_missing() {
    let f = fixture(&["v0.1.0", "v0.2.0"]);
    hoist(&f.git.path()).args(["deploy"]).success();
    let down = "127.0.0.1:9/app";
    let out = hoist(&f.git.path()).env("HOIST_REGISTRY", down).args(["deploy", "--dry-run"]).run();
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("  image    127.0.0.1:9/app:v0.2.0  UNKNOWN (the registry could not be asked)\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("MISSING"), "{}", out.stdout);
    let out = hoist(&f.git.path()).env("HOIST_REGISTRY", down).args(["status"]).run();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("images UNKNOWN (the registry could not be asked)"), "{}", out.stdout);
    assert!(out.stderr.starts_with("error: 1 image(s) could not be checked ("), "{}", out.stderr);
    assert!(
        out.stderr.ends_with(
            "): the status above is incomplete; check the registry and the credentials, then run `status` again\n"
        ),
        "{}",
        out.stderr
    );
    let json: serde_json::Value =
        serde_json::from_str(&hoist(&f.git.path()).env("HOIST_REGISTRY", down).args(["status", "--json"]).run().stdout)
            .unwrap();
    assert!(json["environments"][0]["current"]["images"][0]["unknown"].is_string(), "{json}");
}
