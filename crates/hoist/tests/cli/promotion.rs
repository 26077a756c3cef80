//! The promotion flow end to end, against a real registry, a bare git remote, kubectl's
//! kustomize and helm's `helm template`: candidate → diff on the pull request → promote →
//! merge → release, through two channels, with `prod` accepting only what went to `test`.
//! Only applying to a cluster cannot run here: `release` runs with FAKE `kubectl` and `helm`
//! that record their arguments.

use std::path::Path;

use crate::hoist;
use hoist_test_support::{
    engine::{self, ImageGuard},
    git::GitRepo,
    registry::Registry,
};
use xshell::{Shell, cmd};

/// Both channels: the web app through kustomize, the worker through a helm chart.
fn channel(name: &str) -> String {
    format!(
        "releases:
  - name: web
    driver: kustomize
    kustomize_dir: deploy/{name}
  - name: worker
    driver: helm
    namespace: worker-{name}
    helm_name: worker
    helm_chart: charts/worker
    helm_values:
      - values/worker-{name}.yaml
"
    )
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: app
";

const WORKER_TEMPLATE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
        - name: worker
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
";

/// FAKE kubectl: records argv to calls.log (no cluster here); namespaces exist.
const FAKE_KUBECTL: &str = "#!/bin/sh\n# FAKE kubectl for hoist's tests: records argv; no cluster here.\nline=kubectl; for arg in \"$@\"; do line=\"$line|$arg\"; done\nprintf '%s\\n' \"$line\" >> \"$(dirname \"$0\")/calls.log\"\nexit 0\n";
/// FAKE helm: records argv to calls.log (no cluster here).
const FAKE_HELM: &str = "#!/bin/sh\n# FAKE helm for hoist's tests: records argv; no cluster here.\nline=helm; for arg in \"$@\"; do line=\"$line|$arg\"; done\nprintf '%s\\n' \"$line\" >> \"$(dirname \"$0\")/calls.log\"\nexit 0\n";

struct Flow {
    git: GitRepo,
    registry: Registry,
    repo: String,
    fakes: tempfile::TempDir,
    _images: ImageGuard,
}

fn flow() -> Flow {
    let registry = Registry::start();
    let repo = registry.repository("app");
    let git = GitRepo::new();
    git.write("hoist.toml", &format!("registry = \"{repo}\"\n\n[channels.after]\nprod = [\"test\"]\n"));
    git.write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"0.1.0\"\n");
    git.write("Dockerfile", "FROM scratch AS release\n");
    for env in ["test", "prod"] {
        git.write(format!("channels/{env}.yaml"), &channel(env));
        git.write(format!("deploy/{env}/deployment.yaml"), DEPLOYMENT);
        git.write(
            format!("deploy/{env}/kustomization.yaml"),
            &format!("namespace: web-{env}\nresources:\n- deployment.yaml\nimages:\n- name: app\n  newName: {repo}\n  newTag: v0.0.1\n"),
        );
        git.write(format!("values/worker-{env}.yaml"), &format!("image:\n  repository: {repo}\n  tag: v0.0.1\n"));
    }
    git.write("charts/worker/Chart.yaml", "apiVersion: v2\nname: worker\nversion: 0.1.0\n");
    git.write("charts/worker/templates/deployment.yaml", WORKER_TEMPLATE);
    git.commit_all("A project with two channels");
    git.git(&["push", "--quiet", "origin", "main"]);
    // What each environment runs before hoist: the unpinned source.
    for env in ["test", "prod"] {
        git.git(&["push", "--quiet", "origin", &format!("main:refs/heads/releases/{env}")]);
    }
    let fakes = tempfile::tempdir().unwrap();
    for (name, text) in [("kubectl", FAKE_KUBECTL), ("helm", FAKE_HELM)] {
        let path = fakes.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).unwrap();
    }
    Flow { git, registry, repo, fakes, _images: ImageGuard::new(Vec::<String>::new()) }
}

impl Flow {
    /// Pushes an image for `version` whose digest is its own (a label tells them apart).
    fn push_image(&mut self, version: &str) -> String {
        let local = format!("hoist-test/promotion:{version}-{}", std::process::id());
        self._images.add(local.clone());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!("FROM {}\nLABEL hoist.test.version={version}\n", engine::base_image()),
        )
        .unwrap();
        let sh = Shell::new().unwrap();
        let context = dir.path();
        cmd!(sh, "docker build --quiet -t {local} {context}")
            .env("DOCKER_BUILDKIT", "0")
            .quiet()
            .ignore_stdout()
            .run()
            .unwrap();
        self.registry.push_local_image(&local, "app", version)
    }

    fn bump(&self, version: &str) {
        self.git.write(".bumpversion.toml", &format!("[tool.bumpversion]\ncurrent_version = \"{version}\"\n"));
        self.git.commit_all(&format!("Bump version: → {version}"));
        self.git.git(&["push", "--quiet", "origin", "main"]);
    }

    fn remote_branch(&self, name: &str) -> String {
        self.git.remote_git(&["for-each-ref", "--format=%(objectname)", &format!("refs/heads/{name}")])
    }

    /// Merges `promotions/ENV/main` into `releases/ENV` on the remote, as a pull request's
    /// merge button does (a merge commit), in a separate clone.
    fn merge_promotion(&self, env: &str) {
        let clone = tempfile::tempdir().unwrap();
        let sh = Shell::new().unwrap();
        let (remote, dir) = (self.git.remote(), clone.path().join("c"));
        cmd!(sh, "git clone --quiet {remote} {dir}").quiet().run().unwrap();
        sh.change_dir(&dir);
        let (base, head) = (format!("releases/{env}"), format!("origin/promotions/{env}/main"));
        cmd!(sh, "git -c user.name=t -c user.email=t@t.invalid checkout --quiet {base}").quiet().run().unwrap();
        cmd!(sh, "git -c user.name=t -c user.email=t@t.invalid merge --quiet --no-ff --no-edit {head}")
            .quiet()
            .run()
            .unwrap();
        cmd!(sh, "git push --quiet origin {base}").quiet().run().unwrap();
    }

    /// The work tree checked out at the remote's `releases/ENV`, as a workflow on the merge
    /// of a pull request into it checks it out.
    fn checkout_release(&self, env: &str) {
        self.git.git(&["fetch", "--quiet", "origin", &format!("releases/{env}")]);
        self.git.git(&["checkout", "--quiet", "--detach", "FETCH_HEAD"]);
    }

    fn with_fakes(&self) -> hoist_test_support::cli::Hoist {
        let path = format!("{}:{}", self.fakes.path().display(), std::env::var("PATH").unwrap_or_default());
        hoist(&self.git.path()).env("PATH", path)
    }

    /// The commands that write to the cluster (planning's `kubectl get namespace` only reads).
    fn calls(&self) -> String {
        let log = std::fs::read_to_string(self.fakes.path().join("calls.log")).unwrap_or_default();
        log.lines().filter(|l| !l.starts_with("kubectl|get|")).map(|l| format!("{l}\n")).collect()
    }
}

/// Runs a command that must refuse: exit 1, the plan on stdout, the sentence on stderr.
fn refused(command: hoist_test_support::cli::Hoist) -> String {
    let out = command.run();
    assert_eq!(out.code, 1, "expected a refusal\nstdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("  problem  "), "the plan shows the problem: {}", out.stdout);
    out.stderr
}

fn main_checkout(f: &Flow) {
    f.git.git(&["checkout", "--quiet", "main"]);
}

#[test]
fn candidate_diff_promote_merge_release_through_two_channels() {
    let mut f = flow();
    let v1 = f.push_image("v0.1.0");
    let summary = tempfile::NamedTempFile::new().unwrap();

    // 1. A push to main makes its candidate.
    hoist(&f.git.path()).args(["candidate"]).success();
    let candidate = f.remote_branch("candidates/main");
    assert!(!candidate.is_empty());

    // 2. The pull request's diff: what releasing the candidate to test changes, per resource.
    let out = hoist(&f.git.path())
        .args(["diff", "test", "--from", "candidates/main", "--to", "releases/test"])
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .run();
    assert_eq!(out.code, 1, "changes exit 1\n{}{}", out.stdout, out.stderr);
    let md = out.stdout;
    assert!(md.starts_with("### Manifest changes for `test`: `web`, `worker`\n"), "{md}");
    assert!(md.contains("- `web`: `Deployment web-test/web` changed\n"), "{md}");
    assert!(md.contains("- `worker`: `Deployment worker-test/worker` changed\n"), "{md}");
    assert!(md.contains(&format!("-      - image: {}:v0.0.1\n", f.repo)), "{md}");
    assert!(md.contains(&format!("+      - image: {}:v0.1.0@{v1}\n", f.repo)), "kustomize rendered the pin\n{md}");
    assert!(md.contains(&format!("-        image: {}:v0.0.1\n", f.repo)), "{md}");
    assert!(md.contains(&format!("+        image: {}:v0.1.0@{v1}\n", f.repo)), "helm rendered the pin\n{md}");
    assert!(!md.contains("replicas"), "only changed lines and their context: {md}");
    assert_eq!(std::fs::read_to_string(summary.path()).unwrap(), format!("{md}\n"), "the step summary has it too");
    let json: serde_json::Value = serde_json::from_str(
        &hoist(&f.git.path())
            .args(["diff", "test", "--from", "candidates/main", "--to", "releases/test", "--json", "--app", "web"])
            .run()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["releases"][0]["resources"][0]["resource"], "Deployment web-test/web");
    assert_eq!(json["releases"].as_array().unwrap().len(), 1, "--app narrows both sides");

    // 3. prod accepts only what went through test: refused, nothing pushed.
    let err = refused(hoist(&f.git.path()).args(["promote", "main", "prod"]));
    assert!(err.contains("refusing to promote `candidates/main` to `prod`, nothing was committed or pushed"), "{err}");
    assert!(err.contains(&format!("image `{}:v0.1.0` (`{v1}`) was never released to `test`", f.repo)), "{err}");
    assert_eq!(f.remote_branch("promotions/prod/main"), "");

    // 4. Promote to test: the branch for the pull request, its title and body.
    let body = f.git.path().join("../body.md");
    let output = tempfile::NamedTempFile::new().unwrap();
    let out = hoist(&f.git.path())
        .args(["promote", "candidates/main", "releases/test", "--body-file"])
        .args([&body])
        .env("GITHUB_OUTPUT", output.path())
        .success();
    let branch = f.remote_branch("promotions/test/main");
    assert_eq!(out, format!("created promotions/test/main {branch}\n"));
    let parents = f.git.remote_git(&["rev-parse", &format!("{branch}^1"), &format!("{branch}^2")]);
    assert_eq!(
        parents,
        format!("{}\n{candidate}", f.remote_branch("releases/test")),
        "releases tip, then the candidate"
    );
    assert_eq!(
        f.git.remote_git(&["rev-parse", &format!("{branch}^{{tree}}")]),
        f.git.remote_git(&["rev-parse", &format!("{candidate}^{{tree}}")]),
        "the candidate's tree"
    );
    let body = std::fs::read_to_string(&body).unwrap();
    assert!(body.contains("Promotes `candidates/main`"), "{body}");
    assert!(body.contains(&format!("| `{}:v0.1.0` | `{v1}` | - |", f.repo)), "{body}");
    assert!(body.contains("### Manifest changes for `test`"), "{body}");
    let outputs = std::fs::read_to_string(output.path()).unwrap();
    assert!(outputs.contains("branch=promotions/test/main\nbase=releases/test\ntitle=Release main at "), "{outputs}");
    // Again with nothing new: unchanged, nothing pushed.
    let out = hoist(&f.git.path()).args(["promote", "main", "test"]).success();
    assert_eq!(out, format!("unchanged promotions/test/main {branch}\n"));
    assert_eq!(f.remote_branch("promotions/test/main"), branch);

    // 5. The pull request merges; the diff is now empty and exits 0.
    f.merge_promotion("test");
    let out = hoist(&f.git.path()).args(["diff", "test", "--from", "candidates/main", "--to", "releases/test"]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("No manifest changes found for `test` between `releases/test ("), "{}", out.stdout);

    // 6. The merge's workflow releases test from the merged branch, after the gate.
    f.checkout_release("test");
    let plan = f.with_fakes().args(["release", "test", "--dry-run"]).success();
    assert!(plan.contains("  candidate of `main` at "), "{plan}");
    assert!(plan.contains(&format!("  image    {}:v0.1.0@{v1}  {v1}", f.repo)), "{plan}");
    assert_eq!(f.calls(), "", "a dry run applies nothing");
    f.with_fakes().args(["release", "test"]).success();
    let calls = f.calls();
    assert!(calls.contains("kubectl|apply|-k|"), "{calls}");
    assert!(calls.contains("helm|upgrade|--install|worker|"), "{calls}");

    // What each environment holds now.
    main_checkout(&f);
    let status = hoist(&f.git.path()).args(["status", "--json"]).success();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let releases = status["releases"].as_array().unwrap();
    let test = releases.iter().find(|r| r["environment"] == "test").unwrap();
    assert_eq!(test["candidate"]["version"], "v0.1.0", "{status}");
    assert_eq!(test["candidate"]["source_branch"], "main", "{status}");

    // 7. Now prod accepts it, with its lineage in the body.
    let out = hoist(&f.git.path()).args(["promote", "main", "prod", "--dry-run"]).success();
    assert!(out.contains(&format!("  lineage  {}:v0.1.0 released to `test` in ", f.repo)), "{out}");
    hoist(&f.git.path()).args(["promote", "main", "prod"]).success();
    f.merge_promotion("prod");
    f.checkout_release("prod");
    f.with_fakes().args(["release", "prod"]).success();

    // 8. A new version: the candidate updates, prod refuses it until test has it, and a
    // release of prod from a tree holding it is refused by the gate.
    main_checkout(&f);
    f.bump("0.2.0");
    let v2 = f.push_image("v0.2.0");
    assert_ne!(v1, v2);
    let out = hoist(&f.git.path()).args(["candidate"]).success();
    assert!(out.starts_with("updated candidates/main "), "{out}");
    let out = hoist(&f.git.path()).args(["diff", "prod", "--from", "candidates/main", "--to", "releases/prod"]).run();
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains(&format!("+      - image: {}:v0.2.0@{v2}\n", f.repo)), "{}", out.stdout);
    let err = refused(hoist(&f.git.path()).args(["promote", "main", "prod"]));
    assert!(err.contains(&format!("(`{v2}`) was never released to `test`")), "{err}");
    f.git.git(&["fetch", "--quiet", "origin", "candidates/main"]);
    f.git.git(&["checkout", "--quiet", "--detach", "FETCH_HEAD"]);
    let calls_before = f.calls();
    let err = refused(f.with_fakes().args(["release", "prod"]));
    assert!(err.contains("refusing to release channel `prod`, nothing was run"), "{err}");
    assert!(err.contains("was never released to `test`"), "{err}");
    assert_eq!(f.calls(), calls_before, "nothing was applied");
}

#[test]
fn the_release_gate_refuses_an_image_missing_from_the_registry() {
    let mut f = flow();
    let v1 = f.push_image("v0.1.0");
    hoist(&f.git.path()).args(["candidate"]).success();
    f.git.git(&["fetch", "--quiet", "origin", "candidates/main"]);
    f.git.git(&["checkout", "--quiet", "--detach", "FETCH_HEAD"]);
    // The test channel has no rules; its pins must still be in the registry.
    let missing = format!("sha256:{}", "0".repeat(64));
    let path = f.git.path().join("deploy/test/kustomization.yaml");
    let text = std::fs::read_to_string(&path).unwrap().replace(&v1, &missing);
    std::fs::write(&path, text).unwrap();
    let err = refused(f.with_fakes().args(["release", "test"]));
    assert!(err.contains(&format!("image `{}:v0.1.0@{missing}` is not in the registry", f.repo)), "{err}");
    assert_eq!(f.calls(), "", "nothing was applied");
    let out = f.with_fakes().args(["release", "test", "--dry-run"]).run();
    assert_ne!(out.code, 0);
    assert!(out.stdout.contains("MISSING"), "{}", out.stdout);
}

#[test]
fn diff_sides_and_promotions_that_cannot_be_are_one_sentence() {
    let f = flow();
    let err =
        hoist(&f.git.path()).args(["diff", "test", "--from", "candidates/nope", "--to", "releases/test"]).failure();
    assert_eq!(
        err,
        "error: `candidates/nope` is neither a branch of the remote `origin` nor a revision of this repository: name a branch such as `candidates/main` or `releases/test`\n"
    );
    let err = hoist(&f.git.path()).args(["diff", "staging", "--from", "main", "--to", "releases/test"]).failure();
    assert!(err.contains("neither `main` nor `releases/test` has the channel `staging`"), "{err}");
    let err = hoist(&f.git.path()).args(["diff", "test", "--from", "main"]).run();
    assert_eq!(err.code, 2, "--from needs --to: {}", err.stderr);
    let err = refused(hoist(&f.git.path()).args(["promote", "main", "test"]));
    assert!(err.contains("the remote `origin` has no `candidates/main`: make it with `hoist candidate`"), "{err}");
    assert!(Path::new(&f.git.path()).exists());
}

#[test]
fn a_shallow_checkout_makes_candidates_and_promotions() {
    let mut f = flow();
    f.push_image("v0.1.0");
    // actions/checkout's default: one commit deep.
    let clone = tempfile::tempdir().unwrap();
    let sh = Shell::new().unwrap();
    let (url, dir) = (format!("file://{}", f.git.remote().display()), clone.path().join("c"));
    cmd!(sh, "git clone --quiet --depth 1 --branch main {url} {dir}").quiet().run().unwrap();
    let out = hoist(&dir).args(["candidate"]).success();
    assert!(out.starts_with("created candidates/main "), "{out}");
    let out = hoist(&dir).args(["promote", "main", "test"]).success();
    assert!(out.starts_with("created promotions/test/main "), "{out}");
    f.merge_promotion("test");
    // The rule reads the history of releases/test, fetched into the shallow clone.
    let out = hoist(&dir).args(["promote", "main", "prod", "--dry-run"]).success();
    assert!(out.contains(&format!("  lineage  {}:v0.1.0 released to `test` in ", f.repo)), "{out}");
    let out = hoist(&dir).args(["diff", "test", "--from", "candidates/main", "--to", "releases/test"]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}
