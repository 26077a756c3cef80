//! `release` and `diff` with FAKE `kubectl` and `helm` on `PATH` (no cluster can run here):
//! scripts that record their arguments to `calls.log` and answer as configured.

use crate::hoist;
use hoist_test_support::cli::{Hoist, Project};

/// FAKE kubectl: records argv (`|`-separated) to calls.log; no cluster here. Namespaces do
/// not exist; `kubectl diff` exits with the number in `diff-exit` (default 0).
const FAKE_KUBECTL: &str = r#"#!/bin/sh
# FAKE kubectl for hoist's CLI tests: records argv to calls.log; no cluster here.
here=$(dirname "$0")
line=kubectl; for arg in "$@"; do line="$line|$arg"; done
printf '%s\n' "$line" >> "$here/calls.log"
case "$1 $2" in
  "get namespace") echo "Error from server (NotFound): namespaces \"$3\" not found" >&2; exit 1 ;;
  "diff -k")
    code=0; [ -e "$here/diff-exit" ] && code=$(cat "$here/diff-exit")
    [ "$code" = 1 ] && printf 'diff -u -N /tmp/LIVE/web /tmp/MERGED/web\n+  replicas: 2\n'
    [ "$code" -gt 1 ] && echo "error: the server could not find the requested resource" >&2
    exit "$code" ;;
esac
exit 0
"#;

/// FAKE helm: records argv to calls.log; `template` prints one ConfigMap.
const FAKE_HELM: &str = r#"#!/bin/sh
# FAKE helm for hoist's CLI tests: records argv to calls.log; no cluster here.
here=$(dirname "$0")
line=helm; for arg in "$@"; do line="$line|$arg"; done
printf '%s\n' "$line" >> "$here/calls.log"
[ "$1" = template ] && printf 'kind: ConfigMap\nmetadata:\n  name: %s\n' "$2"
exit 0
"#;

const CHANNEL: &str = "calitp:
  channel: test
  releases:
    - name: web
      driver: kustomize
      kustomize_dir: deploy/web
    - name: metabase
      driver: helm
      namespace: metabase-test
      helm_name: metabase-test
      helm_chart: charts/metabase
      helm_values:
        - values/metabase-test.yaml
";

fn project() -> Project {
    let project = Project::with_files(&[
        ("hoist.toml", "registry = \"r.example/app\"\n"),
        ("channels/test.yaml", CHANNEL),
        ("deploy/web/kustomization.yaml", "resources: []\n"),
        ("charts/metabase/Chart.yaml", "name: metabase\n"),
        ("values/metabase-test.yaml", "{}\n"),
        ("fakes/kubectl", FAKE_KUBECTL),
        ("fakes/helm", FAKE_HELM),
    ]);
    for fake in ["kubectl", "helm"] {
        let path = project.join(&format!("fakes/{fake}"));
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).unwrap();
    }
    project
}

fn with_fakes(project: &Project) -> Hoist {
    let path = format!("{}:{}", project.join("fakes").display(), std::env::var("PATH").unwrap_or_default());
    hoist(project.path()).env("PATH", path)
}

fn calls(project: &Project) -> Vec<String> {
    let root = std::path::absolute(project.path()).unwrap().display().to_string();
    std::fs::read_to_string(project.join("fakes/calls.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.replace(&root, "ROOT"))
        .collect()
}

#[test]
fn release_dry_run_prints_the_commands_and_runs_nothing_that_writes() {
    let project = project();
    let root = std::path::absolute(project.path()).unwrap().display().to_string();
    let out = with_fakes(&project).args(["release", "test", "--dry-run"]).success().replace(&root, "ROOT");
    assert_eq!(
        out,
        "release channel `test` (ROOT/channels/test.yaml)
  web (kustomize)
    run      kubectl apply -k ROOT/deploy/web
             because apply the kustomization
  metabase (helm)
    run      helm dependency update ROOT/charts/metabase
             because fetch the chart's dependencies
    run      kubectl create namespace metabase-test
             because namespace `metabase-test` does not exist
    run      helm install metabase-test ROOT/charts/metabase --namespace metabase-test --values ROOT/values/metabase-test.yaml
             because first release into a new namespace
"
    );
    assert_eq!(calls(&project), ["kubectl|get|namespace|metabase-test|--output=name"], "only a read");

    let json = with_fakes(&project).args(["release", "test", "--dry-run", "--json", "--app", "web"]).success();
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(plan["releases"][0]["commands"][0]["program"], "kubectl");
    assert_eq!(plan["releases"][0]["commands"][0]["args"][0], "apply");
    assert_eq!(plan["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn release_runs_the_planned_commands() {
    let project = project();
    let out = with_fakes(&project).args(["release", "test", "--driver", "helm"]).success();
    assert_eq!(out, "released `metabase` of channel `test`\n");
    assert_eq!(
        calls(&project),
        [
            "kubectl|get|namespace|metabase-test|--output=name",
            "helm|dependency|update|ROOT/charts/metabase",
            "kubectl|create|namespace|metabase-test",
            "helm|install|metabase-test|ROOT/charts/metabase|--namespace|metabase-test|--values|ROOT/values/metabase-test.yaml",
        ]
    );
}

#[test]
fn diff_writes_one_markdown_block_or_says_there_are_no_changes() {
    let project = project();
    let out = with_fakes(&project).args(["diff", "test"]).success();
    assert_eq!(out, "No manifest changes found for `test`.\n");

    std::fs::write(project.join("fakes/diff-exit"), "1").unwrap();
    let run = with_fakes(&project).args(["diff", "test", "--app", "web", "--outfile", "kdiff.md"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        std::fs::read_to_string(project.join("kdiff.md")).unwrap(),
        "### Manifest changes for `test`: `web`\n\n```diff\ndiff -u -N /tmp/LIVE/web /tmp/MERGED/web\n+  replicas: 2\n```\n"
    );

    std::fs::write(project.join("fakes/diff-exit"), "2").unwrap();
    let root = std::path::absolute(project.path()).unwrap().display().to_string();
    let stderr = with_fakes(&project).args(["diff", "test", "--driver", "kustomize"]).failure().replace(&root, "ROOT");
    assert_eq!(
        stderr,
        "error: cannot diff release `web`: `kubectl diff -k ROOT/deploy/web` exited with status 2: error: the server could not find the requested resource\n"
    );
}

#[test]
fn bad_channel_and_app_are_one_sentence() {
    let project = project();
    let root = std::path::absolute(project.path()).unwrap().display().to_string();
    let stderr = with_fakes(&project).args(["release", "prod"]).failure().replace(&root, "ROOT");
    assert_eq!(
        stderr,
        "error: no channel `prod`: neither `ROOT/channels/prod.yaml` nor `ROOT/channels/prod.yml` exists (known: `test`): create it, or set `[channels] dir` in `hoist.toml`\n"
    );
    let stderr = with_fakes(&project).args(["release", "test", "--app", "webb"]).failure();
    assert_eq!(stderr, "error: no release `webb` in channel `test`: did you mean `web`? (known: `web`, `metabase`)\n");
    assert!(calls(&project).is_empty());
}
