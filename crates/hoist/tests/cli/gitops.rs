//! `gitops-release` against a bare releases repository on disk.

use crate::{BUMPVERSION, hoist};
use hoist_test_support::{cli::Project, git::GitRepo};

const TEMPLATE: &str = "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: {env}
spec:
  chart:
    spec:
      chart: charts/{name}
      sourceRef: {kind: GitRepository, name: {name}, namespace: flux-system}
  values:
    image: {image}@{digest}
    replicas: {values.replicas}
";

fn digest() -> String {
    format!("sha256:{}", "ab".repeat(32))
}

fn project(releases: &GitRepo) -> Project {
    Project::with_files(&[
        (
            "hoist.toml",
            &format!(
                "registry = \"registry.example.com/team/ui\"\n[gitops]\nrepository = \"{}\"\nenvironments = [\"staging\", \"production\"]\n[gitops.values]\nreplicas = \"1\"\n",
                releases.remote().display()
            ),
        ),
        (".bumpversion.toml", BUMPVERSION),
        (".flux.ci/helmrelease.yaml", TEMPLATE),
    ])
}

#[test]
fn dry_run_then_release_then_nothing_to_commit() {
    let releases = GitRepo::new();
    let project = project(&releases);
    let digest = digest();
    let out = hoist(project.path())
        .args(["gitops-release", "staging", "--digest", &digest, "--set", "replicas=2", "--dry-run"])
        .success();
    assert_eq!(
        out,
        format!(
            "gitops-release `staging` to {} (branch `main`)
  create   staging/ui.yaml  (`staging/ui.yaml` does not exist yet)
  message  release ui v0.5.146 to staging
--- staging/ui.yaml
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ui
  namespace: staging
spec:
  chart:
    spec:
      chart: charts/ui
      sourceRef: {{kind: GitRepository, name: ui, namespace: flux-system}}
  values:
    image: registry.example.com/team/ui:v0.5.146@{digest}
    replicas: 2
",
            releases.remote().display()
        )
    );
    let head = releases.remote_git(&["rev-parse", "main"]);

    let out = hoist(project.path()).args(["gitops-release", "staging", "--digest", &digest]).success();
    let new_head = releases.remote_git(&["rev-parse", "main"]);
    assert_ne!(new_head, head);
    assert_eq!(
        out,
        format!("staging/ui.yaml: committed {} to `main` of {}\n", &new_head[..12], releases.remote().display())
    );
    assert_eq!(
        releases.remote_git(&["log", "-1", "--format=%B", "main"]).trim_end(),
        format!("release ui v0.5.146 to staging\n\nimage: registry.example.com/team/ui:v0.5.146\ndigest: {digest}")
    );
    assert!(releases.remote_git(&["show", "main:staging/ui.yaml"]).contains("replicas: 1"));

    let out = hoist(project.path()).args(["gitops-release", "staging", "--digest", &digest]).success();
    assert_eq!(out, "staging/ui.yaml: already holds this release: nothing to commit\n");
    assert_eq!(releases.remote_git(&["rev-parse", "main"]), new_head, "no second commit");

    let json =
        hoist(project.path()).args(["gitops-release", "staging", "--digest", &digest, "--dry-run", "--json"]).success();
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(plan["action"], "unchanged");
    assert_eq!(plan["path"], "staging/ui.yaml");
}

#[test]
fn bad_input_is_one_sentence_and_changes_nothing() {
    let releases = GitRepo::new();
    let project = project(&releases);
    let head = releases.remote_git(&["rev-parse", "main"]);
    let stderr = hoist(project.path()).args(["gitops-release", "staging"]).failure();
    assert_eq!(
        stderr,
        "error: cannot reach the registry `registry.example.com`: the host name does not resolve\nhelp: check the address and that the registry is running\n",
        "without `--digest`, the digest is asked from the registry"
    );
    let stderr = hoist(project.path()).args(["gitops-release", "prod", "--digest", &digest()]).failure();
    assert_eq!(
        stderr,
        "error: unknown environment `prod`: the configured ones are `staging`, `production`; add it to `environments` in the `[gitops]` table of `hoist.toml`\n"
    );
    let stderr = hoist(project.path()).args(["gitops-release", "staging", "--digest", "latest"]).failure();
    assert_eq!(stderr, "error: `latest` is not an image digest: expected `sha256:` and 64 hexadecimal digits\n");
    // A template that is a FIFO is refused without being opened (it would block forever).
    let template = project.join(".flux.ci/helmrelease.yaml");
    std::fs::remove_file(&template).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&template).status().unwrap().success());
    let stderr = hoist(project.path()).args(["gitops-release", "staging", "--digest", &digest()]).failure();
    assert!(stderr.contains("it is not a regular file (a directory, FIFO, socket or device)"), "{stderr}");
    assert_eq!(releases.remote_git(&["rev-parse", "main"]), head);

    let unconfigured =
        Project::with_files(&[("hoist.toml", "registry = \"r.example/ui\"\n"), (".bumpversion.toml", BUMPVERSION)]);
    let stderr = hoist(unconfigured.path()).args(["gitops-release", "staging"]).failure();
    assert_eq!(
        stderr,
        "error: no releases repository is configured: set `repository` in the `[gitops]` table of `hoist.toml` (or `HOIST_GITOPS_REPOSITORY`)\n"
    );
}

#[test]
fn a_token_in_the_repository_url_is_never_printed() {
    let releases = GitRepo::new();
    let project = project(&releases);
    let stderr = hoist(project.path())
        .env("HOIST_GITOPS_REPOSITORY", "http://ci:t0ps3cret@127.0.0.1:9/releases.git")
        .args(["gitops-release", "staging", "--digest", &digest(), "--dry-run"])
        .failure();
    assert!(!stderr.contains("t0ps3cret"), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot reach the releases repository `http://***@127.0.0.1:9/releases.git`: "),
        "{stderr}"
    );
}
