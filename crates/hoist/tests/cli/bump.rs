//! `hoist bump`: dry-run and JSON plans, check, migrate, atomicity, and the documented
//! differences from bump-my-version (docs/bump.md), each checked here by name.

use hoist_test_support::cli::Hoist;
use hoist_test_support::git::GitRepo;

fn hoist(repo: &GitRepo) -> Hoist {
    Hoist::new(env!("CARGO_BIN_EXE_hoist"), repo.path()).env("BMV_FIXED_NOW", "2024-03-15T10:20:30")
}

fn read(repo: &GitRepo, path: &str) -> String {
    std::fs::read_to_string(repo.path().join(path)).unwrap()
}

const CONFIG: &str = "[tool.bumpversion]\ncurrent_version = \"1.2.3\" # keep\ncommit = true\ntag = true\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n\n[[tool.bumpversion.files]]\nfilename = \"Dockerfile\"\nsearch = \"version=\\\"{current_version}\\\"\"\nreplace = \"version=\\\"{new_version}\\\"\"\n";

fn project() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(".bumpversion.toml", CONFIG);
    repo.write("VERSION", "1.2.3\n");
    repo.write("Dockerfile", "FROM scratch\nLABEL version=\"1.2.3\"\n");
    repo.commit_all("project");
    repo
}

#[test]
fn dry_run_prints_diffs_commit_and_tag_and_changes_nothing() {
    let repo = project();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let out = hoist(&repo).args(["bump", "patch", "--dry-run"]).success();
    assert_eq!(
        out,
        "would bump 1.2.3 → 1.2.4 (patch)\n--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-1.2.3\n+1.2.4\n--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n FROM scratch\n-LABEL version=\"1.2.3\"\n+LABEL version=\"1.2.4\"\n--- a/.bumpversion.toml\n+++ b/.bumpversion.toml\n@@ -1,5 +1,5 @@\n [tool.bumpversion]\n-current_version = \"1.2.3\" # keep\n+current_version = \"1.2.4\" # keep\n commit = true\n tag = true\n \ncommit: Bump version: 1.2.3 → 1.2.4\ntag: v1.2.4 (Bump version: 1.2.3 → 1.2.4)\n"
    );
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.git(&["tag", "--list"]), "");
}

#[test]
fn json_plan_is_the_same_data() {
    let repo = project();
    let out = hoist(&repo).args(["bump", "minor", "--dry-run", "--json"]).success();
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["new_version"], "1.3.0");
    assert_eq!(plan["current_version"], "1.2.3");
    assert_eq!(plan["files"].as_array().unwrap().len(), 3);
    assert_eq!(plan["commit"]["message"], "Bump version: 1.2.3 → 1.3.0");
    assert_eq!(plan["tag"]["name"], "v1.3.0");
    assert!(plan["report"].is_null());
}

#[test]
fn bump_commits_tags_and_prints_the_new_version() {
    let repo = project();
    let out = hoist(&repo).args(["bump", "major"]).success();
    assert_eq!(out, "2.0.0\n");
    assert_eq!(read(&repo, "VERSION"), "2.0.0\n");
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Bump version: 1.2.3 → 2.0.0");
    assert_eq!(repo.git(&["tag", "--list"]), "v2.0.0");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn no_commit_no_tag_only_writes() {
    let repo = project();
    hoist(&repo).args(["bump", "patch", "--no-commit", "--no-tag"]).success();
    assert_eq!(read(&repo, "VERSION"), "1.2.4\n");
    assert_eq!(repo.git(&["tag", "--list"]), "");
    assert_eq!(repo.git(&["status", "--porcelain"]), " M .bumpversion.toml\n M Dockerfile\n M VERSION");
}

#[test]
fn errors_are_sentences_and_change_nothing() {
    let repo = project();
    let cases: &[(&[&str], &str)] = &[
        (&["bump", "nope"], "error: the version has no part `nope`: the parts are `major`, `minor`, `patch`\n"),
        (
            &["bump", "patch", "--current-version", "banana"],
            "error: the version `banana` does not match the `parse` pattern `(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)`: fix `current_version` or `parse` so that the pattern's named groups match\n",
        ),
        (
            &["bump"],
            "error: nothing to bump: name a part to bump (one of `major`, `minor`, `patch`) or pass `--new-version`\n",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(hoist(&repo).args(*args).failure(), *expected, "{args:?}");
    }
    repo.write("Dockerfile", "FROM scratch\n");
    repo.commit_all("drop the label");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.starts_with("error: did not find `version=\"1.2.3\"` in `Dockerfile`"), "{err}");
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
    repo.write("VERSION", "dirty\n");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert_eq!(
        err,
        "error: the git working tree is dirty: M VERSION\nhelp: commit or stash them, or pass `--allow-dirty` (or list them in `allow_dirty_files`)\n"
    );
}

/// Difference `tag-exists-detected-first`: bump-my-version writes and commits, then fails on
/// `git tag`; hoist refuses before writing anything.
#[test]
fn tag_exists_detected_first() {
    let repo = project();
    repo.git(&["tag", "v1.2.4"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert_eq!(
        err,
        "error: the tag `v1.2.4` exists already: nothing was changed; delete it (`git tag -d v1.2.4`) or bump to another version\n"
    );
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
}

/// Difference `config-current-version-always-updated`: with a custom global `search`,
/// bump-my-version leaves `current_version` stale; hoist sets it to the new version.
#[test]
fn config_current_version_always_updated() {
    let repo = GitRepo::new();
    repo.write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.0.0\"\nsearch = \"version = \\\"{current_version}\\\"\"\nreplace = \"version = \\\"{new_version}\\\"\"\n\n[[tool.bumpversion.files]]\nfilename = \"pkg.toml\"\n");
    repo.write("pkg.toml", "version = \"1.0.0\"\n");
    repo.commit_all("project");
    hoist(&repo).args(["bump-my-version", "bump", "minor"]).success();
    assert_eq!(read(&repo, "pkg.toml"), "version = \"1.1.0\"\n");
    assert!(read(&repo, ".bumpversion.toml").starts_with("[tool.bumpversion]\ncurrent_version = \"1.1.0\"\n"));
}

/// Difference `hooks-checked-before-writing`: a hook with shell syntax (without
/// `allow_shell_hooks`) is refused before any file is written.
#[test]
fn hooks_checked_before_writing() {
    let repo = project();
    let config = CONFIG.replace("tag = true\n", "tag = true\npre_commit_hooks = [\"echo x > y.txt\"]\n");
    repo.write(".bumpversion.toml", &config);
    repo.commit_all("hook");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.contains("uses shell syntax"), "{err}");
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
}

/// Setup hooks run only for a bump that can go ahead: a missing file, or a part that does not
/// exist, is refused before the hook runs.
#[test]
fn setup_hooks_run_after_the_configuration_is_checked() {
    let repo = project();
    let config = CONFIG.replace("tag = true\n", "tag = true\nsetup_hooks = [\"touch hook-ran\"]\n");
    repo.write(".bumpversion.toml", &config);
    repo.commit_all("a setup hook");
    let err = hoist(&repo).args(["bump", "nosuchpart"]).failure();
    assert!(!repo.path().join("hook-ran").exists(), "the hook ran for an unknown part: {err}");
    std::fs::remove_file(repo.path().join("Dockerfile")).unwrap();
    repo.commit_all("no Dockerfile");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.contains("the file `Dockerfile` does not exist"), "{err}");
    assert!(!repo.path().join("hook-ran").exists(), "the hook ran before the missing file was found");
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
}

/// Files outside the project are never rewritten: a `../` path and a symbolic link that points
/// out are refused, in the dry run too, and nothing is written.
#[test]
fn files_outside_the_project_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("VERSION"), "1.2.3\n").unwrap();
    let repo = project();
    let escape = format!("{}/VERSION", outside.path().display());
    std::os::unix::fs::symlink(&escape, repo.path().join("LINKED")).unwrap();
    let config = format!("{CONFIG}\n[[tool.bumpversion.files]]\nfilename = \"LINKED\"\n");
    repo.write(".bumpversion.toml", &config);
    repo.commit_all("a link out");
    for args in [&["bump", "patch", "--dry-run"][..], &["bump", "patch"]] {
        let err = hoist(&repo).args(args).failure();
        assert!(err.contains("the file `LINKED` is outside the project `"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(outside.path().join("VERSION")).unwrap(), "1.2.3\n");
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");

    let relative = pathdiff(outside.path(), &repo.path());
    let config = format!("{CONFIG}\n[[tool.bumpversion.files]]\nfilename = \"{relative}/VERSION\"\n");
    repo.write(".bumpversion.toml", &config);
    repo.commit_all("a path out");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.contains("is outside the project `"), "{err}");
    assert_eq!(std::fs::read_to_string(outside.path().join("VERSION")).unwrap(), "1.2.3\n");
}

/// `target` relative to `base`, both absolute: `../..` up to their common ancestor, then down.
fn pathdiff(target: &std::path::Path, base: &std::path::Path) -> String {
    let (target, base) = (std::fs::canonicalize(target).unwrap(), std::fs::canonicalize(base).unwrap());
    let common = target.components().zip(base.components()).take_while(|(a, b)| a == b).count();
    let ups = base.components().count() - common;
    let downs: Vec<String> =
        target.components().skip(common).map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    std::iter::repeat_n("..".to_owned(), ups).chain(downs).collect::<Vec<_>>().join("/")
}

/// Atomicity: when the commit fails (a rejecting pre-commit git hook), every file is restored
/// and nothing is staged.
#[test]
fn failed_commit_restores_every_file() {
    let repo = project();
    let hook = repo.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho rejected >&2\nexit 1\n").unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&hook).status().unwrap();
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.contains("`git commit` failed"), "{err}");
    assert!(err.contains("every file was restored"), "{err}");
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
    assert_eq!(read(&repo, ".bumpversion.toml"), CONFIG);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(repo.git(&["tag", "--list"]), "");
}

#[test]
fn check_reports_drift() {
    let repo = project();
    let out = hoist(&repo).args(["bump", "check", "--json"]).success();
    assert!(out.contains("\"drift\": []"), "{out}");
    repo.write("Dockerfile", "FROM scratch\nLABEL version=\"1.2.2\"\n");
    let err = hoist(&repo).args(["bump", "check"]).failure();
    assert!(err.contains("Dockerfile: did not find `version=\"1.2.3\"` in `Dockerfile`"), "{err}");
    assert!(err.ends_with("error: 1 of 2 configured files disagree with `current_version` 1.2.3\n"), "{err}");
}

#[test]
fn migrate_converts_ini_to_an_equivalent_toml() {
    let repo = GitRepo::new();
    let cfg = "[bumpversion]\ncurrent_version = 0.5.146\ncommit = True\nparse = (?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(-r(?P<build>\\d+))?\nserialize =\n\t{major}.{minor}.{patch}-r{build}\n\t{major}.{minor}.{patch}\n\n[bumpversion:part:build]\nfirst_value = 0\n\n[bumpversion:file:Dockerfile]\nsearch = v{current_version}\nreplace = v{new_version}\n";
    repo.write(".bumpversion.cfg", cfg);
    repo.write("Dockerfile", "ENV IMAGE_VERSION v0.5.146\n");
    repo.commit_all("project");
    let toml = hoist(&repo).args(["bump", "migrate"]).success();
    assert_eq!(
        toml,
        "[tool.bumpversion]\ncurrent_version = \"0.5.146\"\ncommit = true\nparse = '(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(-r(?P<build>\\d+))?'\nserialize = [\"{major}.{minor}.{patch}-r{build}\", \"{major}.{minor}.{patch}\"]\n\n[tool.bumpversion.parts.build]\nfirst_value = 0\n\n[[tool.bumpversion.files]]\nfilename = \"Dockerfile\"\nsearch = \"v{current_version}\"\nreplace = \"v{new_version}\"\n"
    );
    hoist(&repo).args(["bump", "migrate", "--write"]).success();
    assert!(!repo.path().join(".bumpversion.cfg").exists());
    repo.commit_all("migrated");
    hoist(&repo).args(["bump", "build"]).success();
    assert_eq!(read(&repo, "Dockerfile"), "ENV IMAGE_VERSION v0.5.146-r1\n");
    assert!(read(&repo, ".bumpversion.toml").contains("current_version = \"0.5.146-r1\""));
}

#[test]
fn works_without_hoist_toml_from_a_subdirectory() {
    let repo = project();
    std::fs::create_dir_all(repo.path().join("sub")).unwrap();
    let out = Hoist::new(env!("CARGO_BIN_EXE_hoist"), repo.path().join("sub"))
        .args(["bump", "patch", "--dry-run", "--json"])
        .success();
    assert!(out.contains("\"new_version\": \"1.2.4\""), "{out}");
}

#[test]
fn hoist_toml_version_config_is_honoured() {
    let repo = GitRepo::new();
    repo.write("hoist.toml", "registry = \"registry.example.com/app\"\nversion-config = \"versions/bump.toml\"\n");
    repo.write(
        "versions/bump.toml",
        "[tool.bumpversion]\ncurrent_version = \"3.0.0\"\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
    );
    repo.write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"9.9.9\"\n");
    repo.write("versions/VERSION", "3.0.0\n");
    repo.commit_all("project");
    let out = hoist(&repo).args(["bump", "minor", "--dry-run", "--json"]).success();
    assert!(out.contains("\"new_version\": \"3.1.0\""), "{out}");
    assert!(out.contains("versions/VERSION"), "{out}");
}

/// This repository's own `.bumpversion.toml` on a copy of its tracked files: every versioned file
/// moves (crates, Cargo.lock, the Dockerfile label, the docs' install snippets), and the bumped
/// workspace still resolves with `--locked`.
#[test]
fn this_repository_bumps_every_versioned_file_and_stays_locked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let tracked = std::process::Command::new("git").arg("-C").arg(&root).args(["ls-files", "-z"]).output().unwrap();
    assert!(tracked.status.success(), "git ls-files failed in {}", root.display());
    let repo = GitRepo::new();
    for path in String::from_utf8(tracked.stdout).unwrap().split('\0').filter(|p| !p.is_empty()) {
        let (from, to) = (root.join(path), repo.path().join(path));
        if from.is_file() {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
    }
    repo.commit_all("this repository");
    let current = read(&repo, ".bumpversion.toml")
        .lines()
        .find_map(|l| l.strip_prefix("current_version = \"").map(|v| v.trim_end_matches('"').to_owned()))
        .unwrap();
    let next = {
        let mut parts: Vec<u64> = current.split('.').map(|p| p.parse().unwrap()).collect();
        parts[2] += 1;
        format!("{}.{}.{}", parts[0], parts[1], parts[2])
    };
    let before: Vec<(&str, String)> =
        ["Cargo.toml", "Cargo.lock", "Dockerfile", "docs/getting-started.md", "docs/self-hosting.md"]
            .into_iter()
            .map(|f| (f, read(&repo, f)))
            .collect();

    hoist(&repo).args(["bump", "patch"]).success();

    assert_eq!(hoist(&repo).args(["version"]).success(), format!("v{next}\n"));
    assert_eq!(repo.git(&["tag", "--list"]), format!("v{next}"));
    assert_eq!(repo.git(&["status", "--porcelain"]), "", "the bump commit holds every change");
    let expectations = [
        ("Cargo.toml", format!("[workspace.package]\nversion = \"{next}\"")),
        ("Cargo.lock", format!("name = \"hoist-cli\"\nversion = \"{next}\"")),
        ("Dockerfile", format!("org.opencontainers.image.version=\"{next}\"")),
        ("docs/getting-started.md", format!("git checkout v{next}\n")),
        ("docs/getting-started.md", format!("\nhoist {next}\n")),
        ("docs/self-hosting.md", format!("localhost:5000/hoist:v{next} bump patch")),
    ];
    for (file, expected) in &expectations {
        assert!(read(&repo, file).contains(expected.as_str()), "{file} lacks `{expected}`");
    }
    for (file, old) in &before {
        assert_ne!(&read(&repo, file), old, "{file} did not change");
    }
    // `--locked` fails when the manifests need a different lock file. Without `--filter-platform`,
    // `cargo metadata` wants every package of the lock file for every platform, which `cargo
    // test` never downloaded; filtered to the host it needs only what this test run was built
    // from, so it passes offline on a machine whose cargo cache holds nothing else.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = host_triple(&cargo);
    let metadata = std::process::Command::new(&cargo)
        .current_dir(repo.path())
        .args(["metadata", "--locked", "--offline", "--format-version", "1", "--filter-platform", &host])
        .env("CARGO_TARGET_DIR", repo.path().join("target"))
        .output()
        .unwrap();
    assert!(metadata.status.success(), "{}", String::from_utf8_lossy(&metadata.stderr));
    // The check can fail: a manifest that needs a new lock entry (a dependency between two
    // workspace crates, so no index is needed) is refused under `--locked` and accepted without.
    let manifest = repo.path().join("crates/hoist-naming/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let probe = "[dependencies]\nhoist-dockerfile = { path = \"../hoist-dockerfile\" }";
    std::fs::write(&manifest, text.replacen("[dependencies]", probe, 1)).unwrap();
    let run = |locked: bool| {
        let mut args = vec!["metadata", "--offline", "--format-version", "1", "--filter-platform", &host];
        if locked {
            args.push("--locked");
        }
        std::process::Command::new(&cargo)
            .current_dir(repo.path())
            .args(args)
            .env("CARGO_TARGET_DIR", repo.path().join("target"))
            .output()
            .unwrap()
    };
    let refused = run(true);
    assert!(!refused.status.success(), "a manifest the lock file does not cover passed `--locked`");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--locked"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let unlocked = run(false);
    assert!(unlocked.status.success(), "{}", String::from_utf8_lossy(&unlocked.stderr));
}

/// The host's target triple, as `rustc -vV` reports it (the platform `cargo test` built for).
fn host_triple(cargo: &str) -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| {
        std::path::Path::new(cargo).with_file_name("rustc").to_str().map_or("rustc".to_owned(), str::to_owned)
    });
    let rustc = if std::path::Path::new(&rustc).exists() { rustc } else { "rustc".to_owned() };
    let out = std::process::Command::new(rustc).arg("-vV").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host")
}

/// The state a refused bump must leave: the files, `HEAD` and the tags as they were.
fn unchanged(repo: &GitRepo, head: &str, files: &[(&str, &str)]) {
    for (file, contents) in files {
        assert_eq!(read(repo, file), *contents, "{file}");
    }
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.git(&["tag", "--list"]), "");
}

#[test]
fn a_huge_format_width_is_refused_with_one_sentence() {
    let repo = project();
    let config = CONFIG.replace("tag = true\n", "tag = true\nserialize = [\"{major}.{minor}.{patch:>99999999999}\"]\n");
    repo.write(".bumpversion.toml", &config);
    repo.commit_all("huge width");
    let err = hoist(&repo).args(["bump", "patch", "--dry-run"]).failure();
    assert_eq!(
        err,
        "error: cannot render `{major}.{minor}.{patch:>99999999999}`: the format spec `>99999999999` asks for a width of 99999999999, more than hoist allows: use a width of at most 1000\n"
    );
    let config = CONFIG.replace("tag = true\n", "tag = true\nserialize = [\"{major}.{minor}.{patch:0>100000000}\"]\n");
    repo.write(".bumpversion.toml", &config);
    repo.commit_all("large width");
    let err = hoist(&repo).args(["bump-my-version", "bump", "patch", "--dry-run"]).failure();
    assert!(
        err.ends_with("asks for a width of 100000000, more than hoist allows: use a width of at most 1000\n"),
        "{err}"
    );
}

#[test]
fn a_bad_fixed_clock_is_a_sentence_not_a_panic() {
    let repo = project();
    for value in ["2024-03-1é:00", "2024-03-15T10:2é"] {
        let err = hoist(&repo).env("BMV_FIXED_NOW", value).args(["bump-my-version", "show-bump"]).failure();
        assert_eq!(
            err,
            format!("error: `BMV_FIXED_NOW` is `{value}`, not an ISO 8601 date-time such as `2024-03-15T10:20:30`\n")
        );
    }
}

#[test]
fn an_empty_serialize_format_is_refused_and_nothing_is_written() {
    let repo = project();
    let toml = CONFIG.replace("tag = true\n", "tag = true\nserialize = [\"\"]\n");
    repo.write(".bumpversion.toml", &toml);
    repo.commit_all("empty serialize");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let expected = "error: the `serialize` format \"\" renders an empty version: write the version's parts into it, e.g. `{major}.{minor}.{patch}`\n";
    for args in [&["bump", "patch"][..], &["bump-my-version", "bump", "patch"]] {
        assert_eq!(hoist(&repo).args(args).failure(), expected, "{args:?}");
        unchanged(&repo, &head, &[(".bumpversion.toml", &toml), ("VERSION", "1.2.3\n")]);
    }
    let repo = GitRepo::new();
    let ini = "[bumpversion]\ncurrent_version = 1.2.3\ncommit = True\ntag = True\nserialize =\n\n[bumpversion:file:VERSION]\n";
    repo.write(".bumpversion.cfg", ini);
    repo.write("VERSION", "1.2.3\n");
    repo.commit_all("empty INI serialize");
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(hoist(&repo).args(["bump-my-version", "bump", "patch"]).failure(), expected);
    unchanged(&repo, &head, &[(".bumpversion.cfg", ini), ("VERSION", "1.2.3\n")]);
}

#[test]
fn a_toml_syntax_error_in_the_configuration_is_reported_where_it_is() {
    for name in [".bumpversion.toml", "pyproject.toml"] {
        let repo = GitRepo::new();
        repo.write(name, "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ncommit = tru\n");
        repo.commit_all("broken");
        let path = std::fs::canonicalize(repo.path()).unwrap().join(name);
        let expected = format!("error: `{}` is not valid TOML at line 3, column 10: ", path.display());
        for args in [&["bump", "patch"][..], &["bump-my-version", "show", "current_version"]] {
            let err = hoist(&repo).args(args).failure();
            assert!(err.starts_with(&expected), "{args:?}: {err}");
            assert!(err.ends_with("; fix the syntax there\n") && err.lines().count() == 1, "{args:?}: {err}");
        }
    }
    // A valid pyproject.toml without `[tool.bumpversion]` is still no configuration.
    let repo = GitRepo::new();
    repo.write("pyproject.toml", "[project]\nname = \"x\"\n");
    repo.commit_all("no table");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.starts_with("error: no bump-my-version configuration in "), "{err}");
    assert_eq!(hoist(&repo).args(["bump-my-version", "show", "current_version"]).success(), "None\n");
}

#[test]
fn a_directory_as_a_bump_file_is_called_a_directory() {
    let repo = project();
    std::fs::remove_file(repo.path().join("VERSION")).unwrap();
    repo.write("VERSION/keep", "");
    repo.commit_all("VERSION is a directory");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert_eq!(
        err,
        "error: the file `VERSION` is a directory: name a file in it, or match its files with a `glob` entry\n"
    );
    unchanged(&repo, &head, &[(".bumpversion.toml", CONFIG)]);
}

/// A moveable tag or tag name that git refuses is refused while planning, by the dry run too,
/// and the real run changes nothing (bump-my-version commits and tags, then fails on it).
#[test]
fn a_tag_name_git_refuses_is_refused_before_anything_is_written() {
    let repo = project();
    let config = read(&repo, ".bumpversion.toml");
    repo.write(".bumpversion.toml", &config.replace("tag = true\n", "tag = true\nmoveable_tags = [\"a..b\"]\n"));
    repo.commit_all("a moveable tag git refuses");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let expected = "error: `moveable_tags` gives the tag `a..b`, which git refuses (it holds `..`): fix `moveable_tags`; nothing was changed\n";
    assert_eq!(hoist(&repo).args(["bump", "patch", "--dry-run"]).failure(), expected);
    assert_eq!(hoist(&repo).args(["bump", "patch"]).failure(), expected);
    assert_eq!(read(&repo, "VERSION"), "1.2.3\n");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.git(&["tag", "--list"]), "");
}

/// A failing post-commit hook cannot undo the commit and the tag it runs after; the message
/// says they stay.
#[test]
fn a_failing_post_commit_hook_says_the_commit_and_tag_stay() {
    let repo = project();
    let config = read(&repo, ".bumpversion.toml");
    repo.write(".bumpversion.toml", &config.replace("tag = true\n", "tag = true\npost_commit_hooks = [\"false\"]\n"));
    repo.commit_all("a failing post-commit hook");
    let err = hoist(&repo).args(["bump", "patch"]).failure();
    assert!(err.starts_with("error: the post-commit hook `false` failed: it exited with exit status: 1"), "{err}");
    assert!(err.ends_with("; the bump's commit and tag stay, as post-commit hooks run after them\n"), "{err}");
    assert_eq!(repo.git(&["tag", "--list"]), "v1.2.4");
    assert_eq!(read(&repo, "VERSION"), "1.2.4\n");
}
