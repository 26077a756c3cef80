//! A corpus of Dockerfiles in the shapes real projects use, each with its expected stages
//! (`tests/corpus/NAME.stages`: `index name base` per stage, `-` for an unnamed stage), plus
//! the same files with CRLF line ends and a byte order mark.

use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "the corpus went missing from {}", dir.display());
    files
}

fn stages(text: &str) -> String {
    let file = hoist_dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    file.stages.iter().map(|s| format!("{} {} {}\n", s.index, s.name.as_deref().unwrap_or("-"), s.base)).collect()
}

#[test]
fn every_corpus_file_has_its_expected_stages() {
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = std::fs::read_to_string(path.with_extension("stages")).unwrap();
        assert_eq!(stages(&text), expected, "{}", path.display());
    }
}

#[test]
fn crlf_and_bom_change_nothing() {
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        assert_eq!(stages(&windows), stages(&text), "{}", path.display());
    }
}

#[test]
fn the_original_shape_has_seven_stages_whatever_the_case_of_as() {
    // The original pipeline's `sed` on ` as ` found one stage of these seven.
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/django-solr.Dockerfile"))
            .unwrap();
    let file = hoist_dockerfile::parse(&text).unwrap();
    assert_eq!(file.stages.len(), 7);
    let tester = file.stage("TESTER").unwrap();
    let chain: Vec<String> = file.chain(tester).iter().map(|s| s.display_name()).collect();
    assert_eq!(chain, ["runner", "release", "tester"]);
}

#[test]
fn heredoc_bodies_are_kept_and_never_instructions() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/node-heredocs.Dockerfile"))
            .unwrap();
    let file = hoist_dockerfile::parse(&text).unwrap();
    let build = file.stage("build").unwrap();
    let heredocs: Vec<&str> =
        build.instructions.iter().flat_map(|i| i.heredocs.iter().map(|(name, _)| name.as_str())).collect();
    assert_eq!(heredocs, ["EOT", "BUILD", "CONF"]);
    assert_eq!(build.instructions[1].heredocs[1].1, "mode=production\nFROM nope\n");
}

#[test]
fn escape_directive_and_lines() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/windows-escape.Dockerfile"))
            .unwrap();
    let file = hoist_dockerfile::parse(&text).unwrap();
    assert_eq!(file.escape, '`');
    assert_eq!(file.stages[0].line, 4);
    assert_eq!(file.stages[0].instructions[1].args, "New-Item -ItemType Directory C:\\app ;     Set-Location C:\\app");
    assert_eq!(file.stages[1].line, 11);
}

#[track_caller]
fn check_error(text: &str, expected: &str) {
    assert_eq!(hoist_dockerfile::parse(text).unwrap_err().to_string(), expected);
}

#[test]
fn refused_dockerfiles() {
    check_error("", "the Dockerfile is empty: add a `FROM IMAGE AS NAME` line");
    check_error("# only a comment\n\n", "the Dockerfile is empty: add a `FROM IMAGE AS NAME` line");
    check_error(
        "ARG A=1\n",
        "the Dockerfile has no `FROM` instruction, so it has no build stage: start a stage with `FROM IMAGE AS NAME`",
    );
    check_error(
        "FROM a AS one\nFROM b as ONE\n",
        "line 2: duplicate stage name `one` (first at line 1): give every stage its own name",
    );
    check_error(
        "RUN echo hi\nFROM a\n",
        "line 1: `RUN` before the first `FROM`: only `ARG` may come before it; start a stage with `FROM IMAGE`",
    );
    check_error("FROM\n", "line 1: `FROM` needs an image: write `FROM IMAGE [AS NAME]`");
    check_error("FROM a AS\n", "line 1: `FROM a AS` is not `FROM IMAGE [AS NAME]`");
    check_error("FROM a b c\n", "line 1: `FROM a b c` is not `FROM IMAGE [AS NAME]`");
    check_error(
        "FROM a AS 1st\n",
        "line 1: invalid stage name `1st`: a name starts with a letter and has only letters, digits, `-`, `_` and `.`",
    );
    check_error("FROM a\nRUN <<EOF\necho\n", "line 2: the heredoc `<<EOF` is never closed: add a line `EOF`");
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, "FROM a AS x\nFROM b AS x\n").unwrap();
    let error = hoist_dockerfile::parse_file(&path).unwrap_err().to_string();
    assert_eq!(
        error,
        format!("{}:2: duplicate stage name `x` (first at line 1): give every stage its own name", path.display())
    );
    let missing = dir.path().join("nope");
    let error = hoist_dockerfile::parse_file(&missing).unwrap_err().to_string();
    assert!(error.starts_with(&format!("cannot read the Dockerfile `{}`", missing.display())), "{error}");
}

/// A comment that is not UTF-8 (Latin-1) does not stop the file from being read, as BuildKit
/// reads it.
#[test]
fn a_dockerfile_that_is_not_utf8_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, b"# caf\xe9 au lait\nFROM a AS one\nRUN echo \xe9\nFROM one AS two\n").unwrap();
    let file = hoist_dockerfile::parse_file(&path).unwrap();
    assert_eq!(file.stages.iter().map(|s| s.display_name()).collect::<Vec<_>>(), ["one", "two"]);
}

/// A FIFO (or any file that is not a regular one) is refused without being opened, so hoist
/// cannot block on it.
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    let status = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success());
    let error = hoist_dockerfile::parse_file(&path).unwrap_err().to_string();
    assert!(error.contains("it is not a regular file"), "{error}");
    let error = hoist_dockerfile::parse_file(dir.path()).unwrap_err().to_string();
    assert!(error.contains("it is not a regular file"), "{error}");
}

/// Tens of thousands of stages, each built on the one before: every `FROM` finds its base
/// stage by name in one lookup, so the file is read in linear time.
#[test]
fn many_stages_are_read() {
    let mut text = String::from("FROM scratch AS s0\n");
    for i in 1..30_000 {
        text.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
    }
    let file = hoist_dockerfile::parse(&text).unwrap();
    assert_eq!(file.stages.len(), 30_000);
    assert_eq!(file.stages[29_999].base_stage, Some(29_998));
    assert!(hoist_dockerfile::parse("FROM a AS x\nFROM b AS x\n").is_err(), "a duplicate name is still refused");
}
