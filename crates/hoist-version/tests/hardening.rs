//! Inputs bump-my-version crashes, hangs or misbehaves on: each is refused with one sentence
//! while planning, before anything is written.

use std::path::Path;
use std::time::Duration;

use hoist_version::bump::{self, BumpRequest, Env};
use hoist_version::config::{self, Overrides};
use hoist_version::{FormatError, Now, VersionError};

fn now() -> Now {
    Now::parse_fixed("2024-03-15T10:20:30").unwrap()
}

/// Plans `bump patch` with the configuration file `name` holding `text`, among `files`.
fn plan_patch(name: &str, text: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, Result<bump::Plan, VersionError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    for (file, contents) in files {
        std::fs::write(dir.path().join(file), contents).unwrap();
    }
    let result = plan_in(dir.path());
    (dir, result)
}

fn plan_in(dir: &Path) -> Result<bump::Plan, VersionError> {
    let path = config::find_config_file(dir)?.expect("a configuration file");
    let config = config::load(Some(&path), &Overrides::default(), dir)?;
    let sh = xshell::Shell::new().unwrap();
    sh.change_dir(dir);
    let env = Env { sh: &sh, cwd: dir, now: now() };
    bump::plan(&env, &config, &BumpRequest { part: Some("patch".into()), ..BumpRequest::default() })
}

#[test]
fn a_huge_format_width_is_refused_not_allocated() {
    for spec in ["{patch:>99999999999}", "{patch:0>100000000}"] {
        let toml = format!(
            "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\nserialize = [\"{{major}}.{{minor}}.{spec}\"]\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n"
        );
        let (_dir, result) = plan_patch(".bumpversion.toml", &toml, &[("VERSION", "1.2.3\n")]);
        let err = result.unwrap_err();
        assert!(matches!(&err, VersionError::Template { error: FormatError::TooWide { .. }, .. }), "{spec}: {err}");
        assert!(err.to_string().contains("use a width of at most 1000"), "{err}");
        // The cause is in the message only: a printer of the chain (`{:#}`) says it once.
        assert!(std::error::Error::source(&err).is_none(), "{err}");
    }
}

#[test]
fn a_subroutine_call_in_parse_is_refused_not_expanded() {
    // Found by `cargo xtask fuzz version-format`: fancy-regex expands `\g<0>`, `\g1` and
    // `(?P>name)` in place, so a recursive call such as `(?P<a>x|y(?P>a)(?P>a)(?P>a)(?P>a))`
    // took every byte of memory; Python's `re` has no subroutine calls.
    let toml = "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\nparse = '(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(?P>patch)?'\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n";
    let (_dir, result) = plan_patch(".bumpversion.toml", toml, &[("VERSION", "1.2.3\n")]);
    let err = result.unwrap_err();
    assert!(matches!(err, VersionError::BadParse { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "the `parse` pattern `(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(?P>patch)?` is not a valid regular expression: `(?P>` calls a group as a subroutine, which Python's `re` does not do: remove it, or match the group's text again with `(?P=NAME)`"
    );
}

#[test]
fn a_version_longer_than_the_bound_is_refused_before_a_pattern_is_built_from_it() {
    // Found by `cargo xtask fuzz bump-config`: a 3.8 KB `current_version` holding `+` became
    // part of the INI update's regular expression, whose tables took seconds to build (and
    // grew quadratically with the length).
    let long = format!("1.2.3+{}", "1".repeat(3800));
    let cfg = format!(
        "[bumpversion]\ncurrent_version = {long}\nparse = (?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+).*\nserialize = {{major}}.{{minor}}.{{patch}}\n[bumpversion:file:VERSION]\n"
    );
    let (_dir, result) = plan_patch(".bumpversion.cfg", &cfg, &[("VERSION", &format!("{long}\n"))]);
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the current version is 3806 bytes long, more than hoist allows: make it at most 256 bytes (`current_version`, `serialize` or `--new-version`)"
    );
    // At the bound, it plans.
    let at_bound = format!("1.2.3+{}", "1".repeat(bump::MAX_VERSION_LEN - 6));
    let cfg = cfg.replace(&long, &at_bound);
    let (_dir, result) = plan_patch(".bumpversion.cfg", &cfg, &[("VERSION", &format!("{at_bound}\n"))]);
    assert_eq!(result.unwrap().new_version, "1.2.4");
    // A new version over the bound (a wide `serialize` field) is refused too.
    let toml = "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\nserialize = [\"{major}.{minor}.{patch:0>300}\"]\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n";
    let (_dir, result) = plan_patch(".bumpversion.toml", toml, &[("VERSION", "1.2.3\n")]);
    assert!(result.unwrap_err().to_string().starts_with("the new version is 304 bytes long"));
}

#[test]
fn an_empty_serialize_format_is_refused_while_planning() {
    let cases = [
        (
            ".bumpversion.toml",
            "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\nserialize = [\"\"]\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
        ),
        (".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\nserialize =\n\n[bumpversion:file:VERSION]\n"),
        // A file's own format that renders nothing.
        (
            ".bumpversion.toml",
            "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\nserialize = [\"\"]\n",
        ),
    ];
    for (name, text) in cases {
        let (_dir, result) = plan_patch(name, text, &[("VERSION", "1.2.3\n")]);
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the `serialize` format \"\" renders an empty version: write the version's parts into it, e.g. `{major}.{minor}.{patch}`",
            "{text}"
        );
    }
}

#[test]
fn a_toml_syntax_error_is_reported_with_its_line_and_column() {
    for name in [".bumpversion.toml", "pyproject.toml"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ncommit = tru\n").unwrap();
        let err = config::find_config_file(dir.path()).unwrap_err();
        assert!(matches!(err, VersionError::Toml { line: 3, column: 10, .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("`{}` is not valid TOML at line 3, column 10: ", path.display())),
            "{message}"
        );
        assert!(message.ends_with("; fix the syntax there"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let err = hoist_version::current_version(dir.path()).unwrap_err();
        assert!(matches!(err, VersionError::Toml { .. }), "{err}");
    }
    // Columns count characters, not bytes.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".bumpversion.toml"), "[tool.bumpversion]\nmessage = \"é\" x\n").unwrap();
    let err = config::find_config_file(dir.path()).unwrap_err();
    assert!(matches!(err, VersionError::Toml { line: 2, column: 15, .. }), "{err}");
}

#[test]
fn a_pyproject_without_a_bumpversion_table_is_still_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\ndynamic = [\"version\"]\n").unwrap();
    assert_eq!(config::find_config_file(dir.path()).unwrap(), None);
    assert!(matches!(hoist_version::current_version(dir.path()), Err(VersionError::NoConfig { .. })));
    // With a static version it is the last resort, as before.
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\nversion = \"1.0\"\n").unwrap();
    assert_eq!(config::find_config_file(dir.path()).unwrap(), Some(dir.path().join("pyproject.toml")));
}

const WITH_ENTRY: &str = "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n[[tool.bumpversion.files]]\nfilename = \"ENTRY\"\nignore_missing_file = true\n";

#[test]
fn a_directory_as_filename_is_called_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".bumpversion.toml"), WITH_ENTRY).unwrap();
    std::fs::create_dir(dir.path().join("ENTRY")).unwrap();
    let err = plan_in(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file `ENTRY` is a directory: name a file in it, or match its files with a `glob` entry"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_filename_or_config_file_is_refused_without_opening_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".bumpversion.toml"), WITH_ENTRY).unwrap();
    let fifo = dir.path().join("ENTRY");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    // Opening the FIFO for reading blocks until a writer comes, which never happens: the
    // planning runs in a thread so that a hang fails the test instead of stalling it.
    let (send, receive) = std::sync::mpsc::channel();
    let cwd = dir.path().to_owned();
    std::thread::spawn(move || {
        let planned = plan_in(&cwd).map(|_| ()).map_err(|e| e.to_string());
        let loaded =
            config::load(Some(&cwd.join("ENTRY")), &Overrides::default(), &cwd).map(|_| ()).map_err(|e| e.to_string());
        let _ = send.send((planned, loaded));
    });
    let (planned, loaded) = receive.recv_timeout(Duration::from_secs(20)).expect("planning hung on the FIFO");
    let expected = |name: &str| {
        format!(
            "the file `{name}` is a FIFO, not a regular file: name a regular file; hoist reads no FIFOs, sockets or devices"
        )
    };
    assert_eq!(planned.unwrap_err(), expected("ENTRY"));
    assert_eq!(loaded.unwrap_err(), expected(&fifo.display().to_string()));
    // A FIFO named like a configuration file is passed over by the discovery.
    let other = tempfile::tempdir().unwrap();
    assert!(
        std::process::Command::new("mkfifo").arg(other.path().join(".bumpversion.toml")).status().unwrap().success()
    );
    let (send, receive) = std::sync::mpsc::channel();
    let cwd = other.path().to_owned();
    std::thread::spawn(move || {
        let _ = send.send(config::find_config_file(&cwd).map_err(|e| e.to_string()));
    });
    assert_eq!(receive.recv_timeout(Duration::from_secs(20)).expect("discovery hung on the FIFO"), Ok(None));
}
