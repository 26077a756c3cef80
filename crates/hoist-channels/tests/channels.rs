//! Channel releases and diffs against FAKE `kubectl` and `helm` (no cluster can run here):
//! small shell scripts on `PATH` that record their arguments and answer as configured.

use std::path::Path;

use hoist_channels::{ChannelError, Driver, Filter, diff, execute, load, plan_release};
use hoist_test_support::write_files;
use xshell::Shell;

/// FAKE `kubectl`: records its argv (one line per call, arguments separated by `|`) to
/// `calls.log` beside it; no cluster here.
/// - `get namespace NS`: succeeds when the file `ns-NS` exists beside it, else prints the
///   real NotFound message and exits 1 (`ns-unreachable` makes it fail like a dead cluster);
/// - `diff -k DIR`: exits with the number in `diff-exit` (default 0); on 1 prints a diff
///   naming DIR's last component and, for a rendered helm chart, its `manifest.yaml`; above 1
///   prints an error on stderr;
/// - anything else: exits with the number in `exit-<verb>` (default 0).
const FAKE_KUBECTL: &str = r#"#!/bin/sh
# FAKE kubectl for hoist's tests: records argv to calls.log; no cluster here.
here=$(dirname "$0")
line=kubectl; for arg in "$@"; do line="$line|$arg"; done
printf '%s\n' "$line" >> "$here/calls.log"
case "$1 $2" in
  "get namespace")
    if [ -e "$here/ns-unreachable" ]; then echo "The connection to the server localhost:8080 was refused" >&2; exit 1; fi
    if [ -e "$here/ns-$3" ]; then echo "namespace/$3"; exit 0; fi
    echo "Error from server (NotFound): namespaces \"$3\" not found" >&2; exit 1 ;;
  "diff -k")
    code=0; [ -e "$here/diff-exit" ] && code=$(cat "$here/diff-exit")
    if [ "$code" = 1 ]; then
      echo "diff -u -N /tmp/LIVE/$(basename "$3") /tmp/MERGED/$(basename "$3")"
      echo "+  replicas: 2"
      if [ -e "$3/manifest.yaml" ]; then sed 's/^/+/' "$3/manifest.yaml"; sed 's/^/+/' "$3/kustomization.yaml"; fi
    elif [ "$code" != 0 ]; then
      echo "error: unable to recognize: no matches for kind" >&2
    fi
    exit "$code" ;;
esac
code=0; [ -e "$here/exit-$1" ] && code=$(cat "$here/exit-$1")
[ "$code" != 0 ] && echo "error: $1 failed (fake)" >&2
exit "$code"
"#;

/// FAKE `helm`: records its argv like the fake `kubectl`; `template NAME CHART …` prints a
/// ConfigMap named NAME; anything else exits with the number in `helm-exit-<verb>` (default 0).
const FAKE_HELM: &str = r#"#!/bin/sh
# FAKE helm for hoist's tests: records argv to calls.log; no cluster here.
here=$(dirname "$0")
line=helm; for arg in "$@"; do line="$line|$arg"; done
printf '%s\n' "$line" >> "$here/calls.log"
if [ "$1" = template ]; then printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$2"; exit 0; fi
code=0; [ -e "$here/helm-exit-$1" ] && code=$(cat "$here/helm-exit-$1")
[ "$code" != 0 ] && echo "Error: $1 failed (fake)" >&2
exit "$code"
"#;

/// The channel the original repository's `ci/channels/test.yaml` holds, verbatim in form.
const TEST_CHANNEL: &str = "calitp:
  channel: test
  releases:
    - name: archiver
      driver: kustomize
      kustomize_dir: kubernetes/apps/overlays/archiver-test
      secrets:
        - archiver-test_feed-secrets
    - name: metabase
      driver: helm
      namespace: metabase-test
      helm_name: metabase-test
      helm_chart: kubernetes/apps/charts/metabase
      helm_values:
        - kubernetes/apps/values/metabase-test.yaml
    - name: postgresql-backup-metabase
      driver: helm
      namespace: metabase-test
      helm_name: postgresql-backup
      helm_chart: kubernetes/apps/charts/postgresql-backup
      helm_values:
        - kubernetes/apps/values/postgresql-backup-metabase.yaml:kubernetes/apps/values/postgresql backup test.yaml
";

struct World {
    project: tempfile::TempDir,
    fakes: tempfile::TempDir,
    sh: Shell,
}

impl World {
    fn new() -> World {
        let project = tempfile::tempdir().unwrap();
        write_files(
            project.path(),
            &[
                ("channels/test.yaml", TEST_CHANNEL),
                ("kubernetes/apps/overlays/archiver-test/kustomization.yaml", "resources: []\n"),
                ("kubernetes/apps/charts/metabase/Chart.yaml", "name: metabase\n"),
                ("kubernetes/apps/charts/postgresql-backup/Chart.yaml", "name: postgresql-backup\n"),
                ("kubernetes/apps/values/metabase-test.yaml", "{}\n"),
                ("kubernetes/apps/values/postgresql-backup-metabase.yaml", "{}\n"),
                ("kubernetes/apps/values/postgresql backup test.yaml", "{}\n"),
            ],
        );
        let fakes = tempfile::tempdir().unwrap();
        for (name, script) in [("kubectl", FAKE_KUBECTL), ("helm", FAKE_HELM)] {
            let path = fakes.path().join(name);
            std::fs::write(&path, script).unwrap();
            let mut permissions = std::fs::metadata(&path).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
            std::fs::set_permissions(&path, permissions).unwrap();
        }
        let sh = Shell::new().unwrap();
        let path = format!("{}:{}", fakes.path().display(), std::env::var("PATH").unwrap_or_default());
        sh.set_var("PATH", path);
        World { project, fakes, sh }
    }

    fn root(&self) -> &Path {
        self.project.path()
    }

    fn channel(&self) -> hoist_channels::Channel {
        load(&self.root().join("channels/test.yaml")).unwrap()
    }

    /// Sets a fake's answer file (`ns-metabase-test`, `diff-exit`, `helm-exit-install`).
    fn answer(&self, file: &str, contents: &str) {
        std::fs::write(self.fakes.path().join(file), contents).unwrap();
    }

    /// The recorded calls, with the project directory written as `ROOT`.
    fn calls(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.fakes.path().join("calls.log")).unwrap_or_default();
        let root = self.root().display().to_string();
        log.lines().map(|l| l.replace(&root, "ROOT")).collect()
    }

    fn clear_calls(&self) {
        let _ = std::fs::remove_file(self.fakes.path().join("calls.log"));
    }
}

fn all() -> Filter {
    Filter::default()
}

fn lines(plan: &hoist_channels::ReleasePlan, root: &Path) -> Vec<String> {
    plan.releases
        .iter()
        .flat_map(|r| r.commands.iter().map(move |c| format!("{}: {}", r.name, c.display())))
        .map(|l| l.replace(&root.display().to_string(), "ROOT"))
        .collect()
}

#[test]
fn release_creates_a_missing_namespace_once_and_installs() {
    let w = World::new();
    let plan = plan_release(&w.sh, w.root(), &w.channel(), &all()).unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(
        lines(&plan, w.root()),
        [
            "archiver: kubectl apply -k ROOT/kubernetes/apps/overlays/archiver-test",
            "metabase: helm dependency update ROOT/kubernetes/apps/charts/metabase",
            "metabase: kubectl create namespace metabase-test",
            "metabase: helm install metabase-test ROOT/kubernetes/apps/charts/metabase --namespace metabase-test --values ROOT/kubernetes/apps/values/metabase-test.yaml",
            "postgresql-backup-metabase: helm dependency update ROOT/kubernetes/apps/charts/postgresql-backup",
            "postgresql-backup-metabase: helm upgrade --install postgresql-backup ROOT/kubernetes/apps/charts/postgresql-backup --namespace metabase-test --values ROOT/kubernetes/apps/values/postgresql-backup-metabase.yaml --values 'ROOT/kubernetes/apps/values/postgresql backup test.yaml'",
        ]
    );
    assert_eq!(
        plan.releases[0].notes,
        [
            "secrets `archiver-test_feed-secrets` are not applied by hoist: apply them from your secret manager before the release"
        ]
    );
    // Planning asked the cluster once about the shared namespace, and changed nothing.
    assert_eq!(w.calls(), ["kubectl|get|namespace|metabase-test|--output=name"]);

    w.clear_calls();
    let report = execute(&w.sh, &plan, &mut |_| {}).unwrap();
    assert_eq!(report.applied, ["archiver", "metabase", "postgresql-backup-metabase"]);
    let calls = w.calls();
    assert_eq!(calls.len(), 6, "{calls:#?}");
    assert_eq!(calls[2], "kubectl|create|namespace|metabase-test");
    assert_eq!(
        calls[5],
        "helm|upgrade|--install|postgresql-backup|ROOT/kubernetes/apps/charts/postgresql-backup|--namespace|metabase-test|--values|ROOT/kubernetes/apps/values/postgresql-backup-metabase.yaml|--values|ROOT/kubernetes/apps/values/postgresql backup test.yaml",
        "each value is one argument, spaces and all"
    );
}

#[test]
fn release_upgrades_into_an_existing_namespace() {
    let w = World::new();
    w.answer("ns-metabase-test", "");
    let filter = Filter { driver: Some(Driver::Helm), app: Some("metabase".into()) };
    let plan = plan_release(&w.sh, w.root(), &w.channel(), &filter).unwrap();
    assert_eq!(
        lines(&plan, w.root()),
        [
            "metabase: helm dependency update ROOT/kubernetes/apps/charts/metabase",
            "metabase: helm upgrade --install metabase-test ROOT/kubernetes/apps/charts/metabase --namespace metabase-test --values ROOT/kubernetes/apps/values/metabase-test.yaml",
        ]
    );
    assert_eq!(
        plan.releases[0].commands[1].reason,
        "namespace `metabase-test` exists: upgrade the release (installing it if absent)"
    );
}

#[test]
fn driver_and_app_narrow_the_run() {
    let w = World::new();
    let kustomize = Filter { driver: Some(Driver::Kustomize), app: None };
    let plan = plan_release(&w.sh, w.root(), &w.channel(), &kustomize).unwrap();
    assert_eq!(plan.releases.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["archiver"]);
    assert!(w.calls().is_empty(), "no namespace question for kustomize releases");

    let error =
        plan_release(&w.sh, w.root(), &w.channel(), &Filter { driver: None, app: Some("metabse".into()) }).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no release `metabse` in channel `test`: did you mean `metabase`? (known: `archiver`, `metabase`, `postgresql-backup-metabase`)"
    );
    // An app of another driver selects nothing.
    let none = Filter { driver: Some(Driver::Kustomize), app: Some("metabase".into()) };
    assert!(plan_release(&w.sh, w.root(), &w.channel(), &none).unwrap().releases.is_empty());
}

#[test]
fn missing_paths_and_an_unreachable_cluster_refuse_before_anything_runs() {
    let w = World::new();
    std::fs::remove_dir_all(w.root().join("kubernetes/apps/charts/metabase")).unwrap();
    w.answer("ns-unreachable", "");
    let plan = plan_release(&w.sh, w.root(), &w.channel(), &all()).unwrap();
    let root = w.root().display().to_string();
    let problems: Vec<String> = plan.problems.iter().map(|p| p.replace(&root, "ROOT")).collect();
    assert_eq!(
        problems,
        [
            "release `metabase`: the chart directory `kubernetes/apps/charts/metabase` does not exist: fix the path in the channel file (paths are relative to `ROOT`)",
            "cannot ask the cluster whether namespace `metabase-test` exists (release `metabase`): `kubectl get namespace metabase-test --output=name` failed: The connection to the server localhost:8080 was refused",
            "cannot ask the cluster whether namespace `metabase-test` exists (release `postgresql-backup-metabase`): `kubectl get namespace metabase-test --output=name` failed: The connection to the server localhost:8080 was refused",
        ]
    );
    w.clear_calls();
    let error = execute(&w.sh, &plan, &mut |_| {}).unwrap_err();
    assert!(matches!(error, ChannelError::Refused { .. }), "{error}");
    assert!(w.calls().is_empty(), "nothing ran: {:?}", w.calls());
}

#[test]
fn a_failing_command_stops_the_run_and_says_what_was_applied() {
    let w = World::new();
    w.answer("helm-exit-install", "1");
    let plan = plan_release(&w.sh, w.root(), &w.channel(), &all()).unwrap();
    let error =
        execute(&w.sh, &plan, &mut |_| {}).unwrap_err().to_string().replace(&w.root().display().to_string(), "ROOT");
    assert_eq!(
        error,
        "release `metabase` failed: `helm install metabase-test ROOT/kubernetes/apps/charts/metabase --namespace metabase-test --values ROOT/kubernetes/apps/values/metabase-test.yaml` exited with status 1: Error: install failed (fake); already applied: `archiver`; fix the cause and run the release again (applying is idempotent)"
    );
    assert!(!w.calls().iter().any(|c| c.contains("postgresql-backup|ROOT")), "the run stopped");
}

#[test]
fn diff_without_changes_says_so() {
    let w = World::new();
    let result = diff(&w.sh, w.root(), &w.channel(), &all()).unwrap();
    assert!(!result.has_changes());
    assert_eq!(result.markdown(), "No manifest changes found for `test`.\n");
    let helm = diff(&w.sh, w.root(), &w.channel(), &Filter { driver: Some(Driver::Helm), app: None }).unwrap();
    assert_eq!(helm.markdown(), "No helm changes found for `test`.\n");
}

#[test]
fn diff_collects_changes_into_one_markdown_block() {
    let w = World::new();
    w.answer("diff-exit", "1");
    let result = diff(&w.sh, w.root(), &w.channel(), &Filter { driver: None, app: Some("metabase".into()) }).unwrap();
    let markdown = result.markdown();
    let mut lines = markdown.lines();
    assert_eq!(lines.next(), Some("### Manifest changes for `test`: `metabase`"));
    assert_eq!(lines.next(), Some(""));
    assert_eq!(lines.next(), Some("```diff"));
    assert!(lines.next().unwrap().starts_with("diff -u -N /tmp/LIVE/hoist-helm-diff-"));
    let rest: Vec<&str> = lines.collect();
    assert_eq!(
        rest,
        [
            "+  replicas: 2",
            "+apiVersion: v1",
            "+kind: ConfigMap",
            "+metadata:",
            "+  name: metabase-test",
            "+apiVersion: kustomize.config.k8s.io/v1beta1",
            "+kind: Kustomization",
            "+namespace: metabase-test",
            "+resources:",
            "+- manifest.yaml",
            "```",
        ],
        "the helm chart was rendered into a kustomization with the namespace"
    );
    let calls = w.calls();
    assert_eq!(calls[0], "helm|dependency|update|ROOT/kubernetes/apps/charts/metabase");
    assert_eq!(
        calls[1],
        "helm|template|metabase-test|ROOT/kubernetes/apps/charts/metabase|--namespace|metabase-test|--values|ROOT/kubernetes/apps/values/metabase-test.yaml"
    );
    assert!(calls[2].starts_with("kubectl|diff|-k|/"), "{}", calls[2]);

    let all_releases = diff(&w.sh, w.root(), &w.channel(), &all()).unwrap();
    assert!(all_releases.markdown().starts_with(
        "### Manifest changes for `test`: `archiver`, `metabase`, `postgresql-backup-metabase`\n\n```diff\ndiff -u -N /tmp/LIVE/archiver-test /tmp/MERGED/archiver-test\n+  replicas: 2\n"
    ));
    assert_eq!(all_releases.markdown().matches("```").count(), 2, "one block");
}

#[test]
fn diff_exit_codes_above_one_are_errors_not_changes() {
    let w = World::new();
    w.answer("diff-exit", "2");
    let filter = Filter { driver: Some(Driver::Kustomize), app: None };
    let error = diff(&w.sh, w.root(), &w.channel(), &filter).unwrap_err().to_string();
    assert_eq!(
        error.replace(&w.root().display().to_string(), "ROOT"),
        "cannot diff release `archiver`: `kubectl diff -k ROOT/kubernetes/apps/overlays/archiver-test` exited with status 2: error: unable to recognize: no matches for kind"
    );
}

#[test]
fn a_missing_program_is_named() {
    let w = World::new();
    w.sh.set_var("PATH", w.root().join("no-such-dir"));
    let error = diff(&w.sh, w.root(), &w.channel(), &all()).unwrap_err();
    assert!(matches!(&error, ChannelError::NoProgram { program, .. } if program == "kubectl"), "{error}");
    assert!(error.to_string().ends_with(": install it and put it on `PATH`"), "{error}");
}

#[test]
fn markdown_fences_outgrow_backticks_in_the_diff() {
    let w = World::new();
    let mut result =
        diff(&w.sh, w.root(), &w.channel(), &Filter { driver: Some(Driver::Kustomize), app: None }).unwrap();
    result.releases[0].diff = Some("+  note: \"```\"\n".into());
    assert_eq!(result.markdown(), "### Kustomize changes for `test`: `archiver`\n\n````diff\n+  note: \"```\"\n````\n");
}
