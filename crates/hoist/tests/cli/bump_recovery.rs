//! A bump killed at any point ends fully old or fully new: the next hoist command says one
//! sentence about the interrupted bump, and `bump --abort` / `bump --continue` finish the story.
//!
//! The kill points are deterministic: `HOIST_TEST_KILL_AT_STEP=N` sends hoist `SIGKILL` at its
//! Nth step (every journal write, file write, git command and hook run is one), for every N
//! until the bump runs through. A second test kills the whole process group (git children
//! too) at pseudo-random moments, as `timeout -s KILL` or a cancelled CI job does.

use std::path::Path;
use std::process::Command;

use hoist_test_support::cli::Hoist;
use hoist_test_support::git::GitRepo;

const STEP: &str = "HOIST_TEST_KILL_AT_STEP";

const FILES: [(&str, &str, &str); 6] = [
    ("VERSION", "1.2.3\n", "1.2.4\n"),
    ("Dockerfile", "FROM scratch\nLABEL version=\"1.2.3\"\n", "FROM scratch\nLABEL version=\"1.2.4\"\n"),
    ("app/__init__.py", "__version__ = \"1.2.3\"\n", "__version__ = \"1.2.4\"\n"),
    ("chart/Chart.yaml", "appVersion: 1.2.3\n", "appVersion: 1.2.4\n"),
    ("docs/conf.py", "release = '1.2.3'\n", "release = '1.2.4'\n"),
    ("README.md", "Version 1.2.3.\n", "Version 1.2.4.\n"),
];

fn config(version: &str) -> String {
    let mut text = format!(
        "[tool.bumpversion]\ncurrent_version = \"{version}\"\ncommit = true\ntag = true\npush_tag = true\nmoveable_tags = [\"latest\"]\npre_commit_hooks = [\"true\"]\npost_commit_hooks = [\"true\"]\n"
    );
    for (name, _, _) in FILES {
        text.push_str(&format!("\n[[tool.bumpversion.files]]\nfilename = \"{name}\"\n"));
    }
    text
}

/// A repository at 1.2.3 with six versioned files, a bare `origin` and a `latest` tag there.
fn project() -> (GitRepo, String) {
    let repo = GitRepo::new();
    repo.write(".bumpversion.toml", &config("1.2.3"));
    for (name, old, _) in FILES {
        repo.write(name, old);
    }
    let head = repo.commit_all("project");
    repo.git(&["tag", "latest"]);
    repo.git(&["push", "--quiet", "origin", "main", "latest"]);
    (repo, head)
}

fn hoist(dir: &Path) -> Hoist {
    Hoist::new(env!("CARGO_BIN_EXE_hoist"), dir)
}

/// What an interrupted bump left that neither state may hold: temporary files, the journal,
/// git lock files.
fn leftovers(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                walk(&path, found);
            } else if name.starts_with(".hoist-bump") || name.contains("hoist-bump-journal") || name.ends_with(".lock")
            {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, &mut found);
    found
}

fn remote_tag(repo: &GitRepo, tag: &str) -> String {
    let out = repo.remote_git(&["tag", "--list", tag]);
    if out.is_empty() { String::new() } else { repo.remote_git(&["rev-parse", &format!("refs/tags/{tag}^{{commit}}")]) }
}

/// The repository is exactly as before the bump.
fn assert_fully_old(repo: &GitRepo, head: &str, context: &str) {
    let dir = repo.path();
    assert_eq!(std::fs::read_to_string(dir.join(".bumpversion.toml")).unwrap(), config("1.2.3"), "{context}");
    for (name, old, _) in FILES {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), old, "{context}: {name}");
    }
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head, "{context}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "", "{context}");
    assert_eq!(repo.git(&["tag", "--list"]), "latest", "{context}");
    assert_eq!(repo.git(&["rev-parse", "latest^{commit}"]), head, "{context}");
    assert_eq!(remote_tag(repo, "v1.2.4"), "", "{context}");
    assert_eq!(remote_tag(repo, "latest"), head, "{context}");
    assert_eq!(leftovers(&dir), Vec::<String>::new(), "{context}");
}

/// The repository is exactly as after a bump that ran through.
fn assert_fully_new(repo: &GitRepo, head: &str, context: &str) {
    let dir = repo.path();
    assert_eq!(std::fs::read_to_string(dir.join(".bumpversion.toml")).unwrap(), config("1.2.4"), "{context}");
    for (name, _, new) in FILES {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), new, "{context}: {name}");
    }
    let new_head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(repo.git(&["rev-parse", "HEAD^"]), head, "{context}");
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Bump version: 1.2.3 → 1.2.4", "{context}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "", "{context}");
    assert_eq!(repo.git(&["tag", "--list"]), "latest\nv1.2.4", "{context}");
    assert_eq!(repo.git(&["rev-parse", "v1.2.4^{commit}"]), new_head, "{context}");
    assert_eq!(repo.git(&["rev-parse", "latest^{commit}"]), new_head, "{context}");
    assert_eq!(remote_tag(repo, "v1.2.4"), new_head, "{context}");
    assert_eq!(remote_tag(repo, "latest"), new_head, "{context}");
    assert_eq!(leftovers(&dir), Vec::<String>::new(), "{context}");
}

/// After an interruption: every other command refuses with the one sentence, then
/// `--abort` or `--continue` ends the bump (an abort after pushing began is refused, and
/// `--continue` finishes instead).
fn recover(repo: &GitRepo, head: &str, abort: bool, context: &str) {
    let dir = repo.path();
    if !dir.join(".git/hoist-bump-journal.json").exists() {
        // Killed before the journal was in place (nothing was changed; a temporary journal
        // file may be left, which the next bump removes), or after it was removed (the bump
        // was done).
        let temp = leftovers(&dir.join(".git"));
        for path in &temp {
            std::fs::remove_file(path).unwrap();
        }
        if repo.git(&["rev-parse", "HEAD"]) == head {
            assert!(temp.iter().all(|p| p.contains("/.git/.hoist-bump-tmp.")), "{context}: {temp:?}");
            assert_fully_old(repo, head, context);
        } else {
            assert!(temp.is_empty(), "{context}: {temp:?}");
            assert_fully_new(repo, head, context);
        }
        return;
    }
    for args in [&["bump-my-version", "show", "current_version"][..], &["bump", "patch", "--dry-run"]] {
        let err = hoist(&dir).args(args).failure();
        assert!(
            err.starts_with("error: a bump from 1.2.3 to 1.2.4 was interrupted (it began ")
                && err.ends_with("run `hoist bump --continue` to finish it or `hoist bump --abort` to undo it\n")
                && err.lines().count() == 1,
            "{context}: {args:?}: {err}"
        );
    }
    if abort {
        let out = hoist(&dir).args(["bump", "--abort"]).run();
        if out.code == 0 {
            assert_eq!(out.stdout, "1.2.3\n", "{context}");
            assert_fully_old(repo, head, context);
            return;
        }
        assert!(
            out.stderr.starts_with("error: the bump already began pushing its tag `v1.2.4` to `origin`"),
            "{context}: {}",
            out.stderr
        );
    }
    assert_eq!(hoist(&dir).args(["bump", "--continue"]).success(), "1.2.4\n", "{context}");
    assert_fully_new(repo, head, context);
}

fn killed(out: &hoist_test_support::cli::Output) -> bool {
    out.code == -1
}

#[test]
fn a_bump_killed_at_any_step_is_undone_or_finished() {
    let mut steps = 0;
    for step in 1.. {
        let (repo, head) = project();
        let out = hoist(&repo.path()).args(["bump", "patch"]).env(STEP, step.to_string()).run();
        if !killed(&out) {
            assert_eq!(out.code, 0, "step {step}: {}", out.stderr);
            assert_fully_new(&repo, &head, "ran through");
            steps = step - 1;
            break;
        }
        recover(&repo, &head, true, &format!("killed at step {step}, then --abort"));
        let (repo, head) = project();
        let out = hoist(&repo.path()).args(["bump", "patch"]).env(STEP, step.to_string()).run();
        assert!(killed(&out), "step {step}: {out:?}");
        recover(&repo, &head, false, &format!("killed at step {step}, then --continue"));
    }
    // Journal, 7 files (temporary file, rename), hooks, add, commit, tag, push, moveable tag…
    assert!(steps >= 20, "only {steps} steps were interrupted");
}

#[test]
fn abort_and_continue_killed_themselves_can_be_run_again() {
    // Killed after the commit (journal 1, 7 files × 2, pre-commit hook 16, mark 17, add 18,
    // commit 19): then the recovery itself is killed at each of its steps.
    for abort in [true, false] {
        for step in 1.. {
            let (repo, head) = project();
            let out = hoist(&repo.path()).args(["bump", "patch"]).env(STEP, "19").run();
            assert!(killed(&out));
            assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Bump version: 1.2.3 → 1.2.4");
            let action = if abort { "--abort" } else { "--continue" };
            let out = hoist(&repo.path()).args(["bump", action]).env(STEP, step.to_string()).run();
            if !killed(&out) {
                assert_eq!(out.code, 0, "{action} at step {step}: {}", out.stderr);
                if abort {
                    assert_fully_old(&repo, &head, "abort ran through");
                } else {
                    assert_fully_new(&repo, &head, "continue ran through");
                }
                assert!(step > 3, "{action} took only {} steps", step - 1);
                break;
            }
            recover(&repo, &head, abort, &format!("{action} killed at its step {step}"));
        }
    }
}

#[test]
fn a_bump_whose_process_group_is_killed_at_random_moments_is_undone_or_finished() {
    // A fixed sequence of delays from 0 to 100 ms (a bump here takes 50 to 150 ms) (a linear congruential generator), so a
    // failure can be replayed; the delays fall between and inside git's own runs.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut outcomes = [0; 3];
    for run in 0..40 {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let delay = std::time::Duration::from_micros((state >> 33) % 100_000);
        let (repo, head) = project();
        let mut child = {
            use std::os::unix::process::CommandExt as _;
            Command::new(env!("CARGO_BIN_EXE_hoist"))
                .args(["bump", "patch"])
                .current_dir(repo.path())
                .env_remove(STEP)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap()
        };
        std::thread::sleep(delay);
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let status = child.wait().unwrap();
        let journal = repo.path().join(".git/hoist-bump-journal.json");
        let context = format!("run {run}, killed after {delay:?}");
        if status.success() {
            outcomes[0] += 1;
            assert_fully_new(&repo, &head, &context);
        } else {
            outcomes[if journal.exists() { 2 } else { 1 }] += 1;
            recover(&repo, &head, run % 2 == 0, &context);
        }
    }
    // Ran through, killed outside the journal's life, killed while it was there.
    eprintln!("outcomes: {outcomes:?}");
    assert_eq!(outcomes.iter().sum::<i32>(), 40, "{outcomes:?}");
}
