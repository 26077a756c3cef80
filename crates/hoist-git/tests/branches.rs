//! Branch plumbing used by promotion: merge commits, first-parent history, checkouts.

use hoist_git::{Oid, Repo, TreeFile};
use hoist_test_support::git::GitRepo;

fn oid(text: String) -> Oid {
    Oid::parse(&text).unwrap()
}

#[test]
fn a_file_is_read_along_the_first_parent_history_only() {
    let fixture = GitRepo::new();
    let repo = Repo::open(&fixture.path()).unwrap();
    let base = oid(fixture.git(&["rev-parse", "HEAD"]));
    fixture.write("record.json", "one\n");
    let one = oid(fixture.commit_all("one"));
    // A side branch with two commits, merged with a commit of its last tree.
    fixture.write("record.json", "side-a\n");
    let side_a = oid(fixture.commit_all("side a"));
    fixture.write("record.json", "side-b\n");
    let side_b = oid(fixture.commit_all("side b"));
    let tree = repo.tree_of(&side_b).unwrap();
    let merge = repo.commit_tree_with_parents(&tree, &[one.clone(), side_b.clone()], "merge").unwrap();
    assert_eq!(repo.parents(&merge).unwrap(), [one.clone(), side_b.clone()]);

    let history = repo.file_along_first_parent(&merge, "record.json", 10).unwrap();
    assert_eq!(
        history,
        [(merge.clone(), Some("side-b\n".into())), (one.clone(), Some("one\n".into())), (base.clone(), None)],
        "the side branch's own commits are not on the first-parent line"
    );
    assert!(history.iter().all(|(c, _)| c != &side_a && c != &side_b));
    assert_eq!(repo.file_along_first_parent(&merge, "record.json", 1).unwrap().len(), 1, "the limit holds");
    assert_eq!(
        repo.file_along_first_parent(&merge, "none.json", 10).unwrap().iter().filter(|(_, f)| f.is_some()).count(),
        0
    );
}

#[test]
fn checkout_to_writes_a_commit_without_touching_the_work_tree_or_index() {
    let fixture = GitRepo::new();
    fixture.write("a/b.txt", "b\n");
    let first = oid(fixture.commit_all("files"));
    let repo = Repo::open(&fixture.path()).unwrap();
    let tree = repo.write_tree(&first, &[TreeFile { path: "a/c.txt".into(), contents: b"c\n".to_vec() }]).unwrap();
    let second = repo.commit_tree(&tree, &first, "c").unwrap();
    fixture.write("dirty.txt", "not committed\n");
    let status = fixture.git(&["status", "--porcelain"]);
    let dir = tempfile::tempdir().unwrap();
    repo.checkout_to(&second, dir.path()).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("a/b.txt")).unwrap(), "b\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("a/c.txt")).unwrap(), "c\n");
    assert!(!dir.path().join("dirty.txt").exists());
    assert_eq!(fixture.git(&["status", "--porcelain"]), status, "the work tree and index are as they were");
    assert!(!fixture.path().join("a/c.txt").exists());
}

#[test]
fn branches_are_fetched_at_once_in_the_order_asked() {
    let fixture = GitRepo::new();
    let first = oid(fixture.git(&["rev-parse", "HEAD"]));
    let second = oid(fixture.commit_all("second"));
    fixture.git(&["push", "--quiet", "origin", &format!("{first}:refs/heads/releases/test")]);
    fixture.git(&["push", "--quiet", "origin", &format!("{second}:refs/heads/candidates/main")]);
    // Moved on the remote by someone else: the remote-tracking refs here are stale.
    let third = oid(fixture.commit_all("third"));
    fixture.git(&["push", "--quiet", "origin", &format!("{third}:refs/heads/candidates/main")]);
    fixture.git(&["update-ref", "refs/remotes/origin/candidates/main", second.as_str()]);
    let refs = fixture.git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
    let repo = Repo::open(&fixture.path()).unwrap();
    let tips = repo.fetch_branches("origin", &["candidates/main", "nope", "releases/test"]).unwrap();
    assert_eq!(tips, [Some(third.clone()), None, Some(first.clone())]);
    assert_eq!(repo.fetch_branches("origin", &["nope"]).unwrap(), [None]);
    assert_eq!(repo.fetch_branch("origin", "releases/test").unwrap(), Some(first));
    assert_eq!(fixture.git(&["for-each-ref", "--format=%(refname) %(objectname)"]), refs, "no ref moves");
}
