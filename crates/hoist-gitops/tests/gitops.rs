//! GitOps write-back against real git: bare releases repositories on disk.

use hoist_gitops::{Action, Event, GitopsError, Target, execute, plan};
use hoist_test_support::git::GitRepo;

const RELEASE_1: &str = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ui\nspec:\n  values:\n    image: registry.example.com/ui:v1.0.0\n";
const RELEASE_2: &str = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ui\nspec:\n  values:\n    image: registry.example.com/ui:v1.0.1\n";

fn target(releases: &GitRepo, retries: u32) -> Target {
    Target::new(releases.remote().display().to_string(), "main", retries)
}

fn release(target: &Target, env: &str, contents: &str) -> Result<hoist_gitops::Outcome, GitopsError> {
    let plan = plan(target, env, &format!("{env}/ui.yaml"), contents.into(), format!("release ui to {env}"))?;
    execute(&plan, &mut |_| {})
}

fn remote_head(releases: &GitRepo) -> String {
    releases.remote_git(&["rev-parse", "main"])
}

fn remote_file(releases: &GitRepo, path: &str) -> String {
    releases.remote_git(&["show", &format!("main:{path}")])
}

/// Pushes a commit touching `file` from the releases repository's own work tree: another
/// service's CI writing at the same time.
fn other_writer(releases: &GitRepo, file: &str) {
    releases.git(&["pull", "--quiet", "--ff-only", "origin", "main"]);
    releases.write(file, &format!("written by another writer: {file}\n"));
    releases.commit_all(&format!("release {file}"));
    releases.git(&["push", "--quiet", "origin", "main"]);
}

#[test]
fn first_release_creates_the_file_and_a_second_identical_one_commits_nothing() {
    let releases = GitRepo::new();
    let target = target(&releases, 3);
    let first =
        plan(&target, "staging", "staging/ui.yaml", RELEASE_1.into(), "release ui v1.0.0 to staging".into()).unwrap();
    assert_eq!(first.action, Action::Create);
    assert_eq!(first.reason, "`staging/ui.yaml` does not exist yet");
    let before = remote_head(&releases);
    assert_eq!(first.base.as_deref(), Some(before.as_str()));

    let outcome = execute(&first, &mut |_| {}).unwrap();
    assert!(outcome.pushed);
    assert_eq!(outcome.attempts, 1);
    let after = remote_head(&releases);
    assert_eq!(outcome.commit.as_deref(), Some(after.as_str()));
    assert_eq!(remote_file(&releases, "staging/ui.yaml"), RELEASE_1.trim_end());
    assert_eq!(releases.remote_git(&["log", "-1", "--format=%s", "main"]), "release ui v1.0.0 to staging");
    assert_eq!(releases.remote_git(&["rev-parse", "main^"]), before, "one commit on top of the old tip");

    // The same release again: planned as unchanged, and executing it pushes nothing.
    let again =
        plan(&target, "staging", "staging/ui.yaml", RELEASE_1.into(), "release ui v1.0.0 to staging".into()).unwrap();
    assert_eq!(again.action, Action::Unchanged);
    let outcome = execute(&again, &mut |_| {}).unwrap();
    assert!(!outcome.pushed);
    assert_eq!(outcome.attempts, 0);
    assert_eq!(remote_head(&releases), after, "no second commit");

    // Executing a stale plan whose file someone else already wrote is a no-op as well.
    let stale = first;
    assert!(!execute(&stale, &mut |_| {}).unwrap().pushed);
    assert_eq!(remote_head(&releases), after);
}

#[test]
fn a_new_release_updates_the_file() {
    let releases = GitRepo::new();
    let target = target(&releases, 3);
    release(&target, "prod", RELEASE_1).unwrap();
    let updated = plan(&target, "prod", "prod/ui.yaml", RELEASE_2.into(), "release ui to prod".into()).unwrap();
    assert_eq!(updated.action, Action::Update);
    assert!(execute(&updated, &mut |_| {}).unwrap().pushed);
    assert_eq!(remote_file(&releases, "prod/ui.yaml"), RELEASE_2.trim_end());
    assert_eq!(releases.remote_git(&["rev-list", "--count", "main"]), "3");
}

#[test]
fn a_non_fast_forward_is_fetched_reapplied_and_retried() {
    let releases = GitRepo::new();
    let target = target(&releases, 3);
    let plan = plan(&target, "staging", "staging/ui.yaml", RELEASE_1.into(), "release ui to staging".into()).unwrap();
    let mut log = Vec::new();
    let outcome = execute(&plan, &mut |event| {
        if let Event::Pushing { attempt: 1 } = event {
            other_writer(&releases, "staging/api.yaml");
        }
        log.push(format!("{event:?}"));
    })
    .unwrap();
    assert_eq!(log, ["Pushing { attempt: 1 }", "Retrying { attempt: 1, branch: \"main\" }", "Pushing { attempt: 2 }"]);
    assert!(outcome.pushed);
    assert_eq!(outcome.attempts, 2);
    assert_eq!(remote_file(&releases, "staging/ui.yaml"), RELEASE_1.trim_end());
    assert_eq!(remote_file(&releases, "staging/api.yaml"), "written by another writer: staging/api.yaml");
    assert_eq!(
        releases.remote_git(&["log", "--format=%s", "main"]),
        "release ui to staging\nrelease staging/api.yaml\nInitial commit",
        "the other writer's commit is kept, ours goes on top"
    );
}

#[test]
fn retries_are_bounded_and_nothing_is_pushed_when_they_run_out() {
    let releases = GitRepo::new();
    let target = target(&releases, 1);
    let plan = plan(&target, "staging", "staging/ui.yaml", RELEASE_1.into(), "release ui to staging".into()).unwrap();
    let mut n = 0;
    let error = execute(&plan, &mut |event| {
        if let Event::Pushing { .. } = event {
            n += 1;
            other_writer(&releases, &format!("staging/other-{n}.yaml"));
        }
    })
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the branch `main` of `{}` kept moving: 2 pushes were refused as non-fast-forward and nothing was pushed: run the command again, or raise `retries` in the `[gitops]` table of `hoist.toml`",
            releases.remote().display()
        )
    );
    assert!(!releases.remote_git(&["log", "--format=%s", "main"]).contains("release ui"));
}

#[test]
fn two_writers_at_once_both_land() {
    let releases = GitRepo::new();
    let target = target(&releases, 5);
    std::thread::scope(|s| {
        let a = s.spawn(|| release(&target, "staging", RELEASE_1));
        let b = s.spawn(|| release(&target, "prod", RELEASE_2));
        a.join().unwrap().unwrap();
        b.join().unwrap().unwrap();
    });
    assert_eq!(remote_file(&releases, "staging/ui.yaml"), RELEASE_1.trim_end());
    assert_eq!(remote_file(&releases, "prod/ui.yaml"), RELEASE_2.trim_end());
}

#[test]
fn an_empty_releases_repository_gets_its_branch() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("releases.git");
    let status = std::process::Command::new("git").args(["init", "--quiet", "--bare"]).arg(&bare).status().unwrap();
    assert!(status.success());
    let target = Target::new(bare.display().to_string(), "main", 3);
    let plan = plan(&target, "dev", "dev/ui.yaml", RELEASE_1.into(), "release ui to dev".into()).unwrap();
    assert_eq!(plan.action, Action::Create);
    assert_eq!(plan.base, None);
    assert_eq!(plan.reason, "the branch `main` does not exist yet");
    assert!(execute(&plan, &mut |_| {}).unwrap().pushed);
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&bare)
        .args(["show", "main:dev/ui.yaml"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), RELEASE_1);
}

#[test]
fn an_unreachable_repository_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-releases.git");
    let target = Target::new(missing.display().to_string(), "main", 3);
    let error = plan(&target, "dev", "dev/ui.yaml", RELEASE_1.into(), "m".into()).unwrap_err().to_string();
    assert!(error.starts_with(&format!("cannot reach the releases repository `{}`: ", missing.display())), "{error}");
    assert!(
        error.ends_with(
            ": check `repository` in the `[gitops]` table of `hoist.toml` and the credentials git uses for it"
        ),
        "{error}"
    );
}

#[test]
fn credentials_in_the_url_are_never_shown() {
    // Port 9 on loopback refuses at once; the token must appear nowhere.
    let target = Target::new("http://x-access-token:s3cr3t-token@127.0.0.1:9/team/releases.git", "main", 3);
    let error = plan(&target, "dev", "dev/ui.yaml", RELEASE_1.into(), "m".into()).unwrap_err().to_string();
    assert!(!error.contains("s3cr3t"), "{error}");
    assert!(
        error.starts_with("cannot reach the releases repository `http://***@127.0.0.1:9/team/releases.git`: "),
        "{error}"
    );
}

#[test]
fn bad_environments_are_refused_before_any_git() {
    let releases = GitRepo::new();
    let error = plan(&target(&releases, 3), "../prod", "../prod/ui.yaml", RELEASE_1.into(), "m".into()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`../prod` cannot name a directory of the releases repository: use letters, digits, `-`, `_` and `.`"
    );
}
