//! Inputs bump-my-version crashes, hangs or misbehaves on: each is refused with one sentence
//! while planning, before anything is written.

use hoist_version::VersionError;
use hoist_version::config;

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
