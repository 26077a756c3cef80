//! Inputs bump-my-version crashes, hangs or misbehaves on: each is refused with one sentence
//! while planning, before anything is written.

use std::path::Path;

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
        assert!(matches!(&err, VersionError::Template { source: FormatError::TooWide { .. }, .. }), "{spec}: {err}");
        assert!(err.to_string().contains("use a width of at most 1000"), "{err}");
    }
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
