//! Tag pushes against real bare remotes on disk.

use hoist_git::{GitError, Oid, Repo, TagUpdate};
use hoist_test_support::git::GitRepo;

fn oid(text: String) -> Oid {
    Oid::parse(&text).unwrap()
}

fn update(name: &str, expected: Option<&Oid>, new: Option<&Oid>) -> TagUpdate {
    TagUpdate { name: name.into(), expected: expected.cloned(), new: new.cloned() }
}

#[test]
fn reads_remote_tags_peeled_and_exact() {
    let fixture = GitRepo::new();
    let first = oid(fixture.git(&["rev-parse", "HEAD"]));
    fixture.git(&["tag", "-a", "-m", "Bump version: 0.1.0 → 0.1.1", "v0.1.1"]);
    fixture.git(&["tag", "last/dev/deploy"]);
    fixture.git(&["push", "--quiet", "origin", "v0.1.1", "last/dev/deploy"]);
    let repo = Repo::open(&fixture.path()).unwrap();
    let tags = repo.remote_tags("origin", &["v0.1.1", "dev/deploy"]).unwrap();
    assert_eq!(tags.commit("v0.1.1"), Some(&first));
    assert_ne!(tags.object("v0.1.1"), Some(&first), "an annotated tag's ref names the tag object");
    assert_eq!(tags.get("dev/deploy"), None, "`last/dev/deploy` must not match `dev/deploy`");
}

#[test]
fn atomic_push_moves_all_tags_and_first_deploy_works() {
    let fixture = GitRepo::new();
    let first = oid(fixture.git(&["rev-parse", "HEAD"]));
    let repo = Repo::open(&fixture.path()).unwrap();
    repo.push_tags_atomically("origin", &[update("dev/deploy", None, Some(&first))]).unwrap();
    assert_eq!(fixture.remote_git(&["rev-parse", "refs/tags/dev/deploy"]), first.as_str());

    let second = oid(fixture.commit_all("Second"));
    fixture.git(&["push", "--quiet", "origin", "main"]);
    repo.push_tags_atomically(
        "origin",
        &[update("dev/deploy", Some(&first), Some(&second)), update("last/dev/deploy", None, Some(&first))],
    )
    .unwrap();
    assert_eq!(fixture.remote_git(&["rev-parse", "refs/tags/dev/deploy"]), second.as_str());
    assert_eq!(fixture.remote_git(&["rev-parse", "refs/tags/last/dev/deploy"]), first.as_str());
}

#[test]
fn a_stale_lease_moves_nothing() {
    let fixture = GitRepo::new();
    let first = oid(fixture.git(&["rev-parse", "HEAD"]));
    let second = oid(fixture.commit_all("Second"));
    fixture.git(&["push", "--quiet", "origin", "main"]);
    let repo = Repo::open(&fixture.path()).unwrap();
    repo.push_tags_atomically("origin", &[update("dev/deploy", None, Some(&second))]).unwrap();

    // Expecting `dev/deploy` at `first` is stale: the remote has `second`.
    let error = repo
        .push_tags_atomically(
            "origin",
            &[update("dev/deploy", Some(&first), Some(&first)), update("last/dev/deploy", None, Some(&second))],
        )
        .unwrap_err();
    assert!(matches!(&error, GitError::LeaseRejected { refs, .. } if refs == &["dev/deploy".to_owned()]), "{error}");
    assert_eq!(
        error.to_string(),
        "the remote `origin` changed under us: `dev/deploy` moved since hoist read it (another deploy?); nothing was pushed: run the command again to deploy on top of the new state"
    );
    assert_eq!(fixture.remote_git(&["rev-parse", "refs/tags/dev/deploy"]), second.as_str());
    assert!(
        fixture.remote_git(&["tag", "--list", "last/dev/deploy"]).is_empty(),
        "the atomic push must not move the other tag"
    );
}

#[test]
fn missing_and_unreachable_remotes() {
    let fixture = GitRepo::new();
    let repo = Repo::open(&fixture.path()).unwrap();
    let error = repo.remote_tags("upstream", &["v1"]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the git remote `upstream` is not configured (known: `origin`): add it with `git remote add upstream URL`"
    );
    fixture.git(&["remote", "set-url", "origin", "/nonexistent/remote.git"]);
    let error = repo.remote_tags("origin", &["v1"]).unwrap_err();
    assert!(matches!(error, GitError::RemoteUnreachable { .. }), "{error}");
    assert!(error.to_string().starts_with("cannot reach the git remote `origin`: "), "{error}");
    let head = repo.head().unwrap();
    let error = repo.push_tags_atomically("origin", &[update("dev/deploy", None, Some(&head))]).unwrap_err();
    assert!(matches!(error, GitError::RemoteUnreachable { .. }), "{error}");
}

#[test]
fn not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let error = Repo::open(dir.path()).err().unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is not inside a git work tree: run hoist in the project's clone, or `git init` it",
            dir.path().display()
        )
    );
}
