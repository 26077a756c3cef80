//! Running the `console` blocks marked `<!-- doc-test: run FIXTURE -->` and comparing what
//! hoist prints with what the block shows.
//!
//! Each `$ ` line runs with `sh -c` in the fixture's project directory, with the hoist binary
//! under test first on `PATH`, so pipes, `prNum=42 hoist …` and `$(hoist tag)` work as a
//! reader's shell runs them. The lines under a command are its standard output, or its
//! standard error when it fails. Before comparing, the fixture's own values (a test
//! registry's address, a temporary directory) are replaced by the ones the docs show, trailing
//! blank lines are dropped, and hashes are compared up to a consistent renaming: the docs may
//! write a digest as `sha256:1be1…` or a commit as `1a2b3c4d5e6f`, and the same hash must stand
//! for the same value wherever it appears in the block; `sha256:…` stands for any digest.

use std::path::PathBuf;
use std::process::Command;

use super::commands::shell_lines;
use super::markdown::{Block, Page};

/// Where and how the commands of a page's run blocks are run.
pub struct Session {
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
    /// `(what hoist prints here, what the docs show)`, applied to the output in order.
    pub replacements: Vec<(String, String)>,
}

impl Session {
    pub fn new(dir: impl Into<PathBuf>) -> Session {
        Session { dir: dir.into(), env: Vec::new(), replacements: Vec::new() }
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Session {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    pub fn replace(mut self, actual: impl Into<String>, shown: impl Into<String>) -> Session {
        self.replacements.push((actual.into(), shown.into()));
        self
    }

    /// Runs every block of `page` marked `doc-test: run FIXTURE`, in order, and panics with
    /// every difference. Returns how many commands ran.
    pub fn run_page(&self, page: &Page, fixture: &str) -> usize {
        let blocks: Vec<&Block> = page.blocks.iter().filter(|b| b.fixture() == Some(fixture)).collect();
        assert!(!blocks.is_empty(), "{} has no block marked `<!-- doc-test: run {fixture} -->`", page.name);
        let mut problems = Vec::new();
        let mut ran = 0;
        for block in blocks {
            let (n, block_problems) = self.run_block(page, block);
            ran += n;
            problems.extend(block_problems);
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
        ran
    }

    /// Runs the commands of `block`; returns how many ran and the differences.
    pub fn run_block(&self, page: &Page, block: &Block) -> (usize, Vec<String>) {
        assert_eq!(block.lang, "console", "{}:{}: only console blocks can be run", page.name, block.line);
        let lines = shell_lines(block);
        let mut problems = Vec::new();
        let mut renaming = Renaming::default();
        for shell_line in &lines {
            let (code, stdout, stderr) = self.run(&shell_line.command);
            let printed = if code == 0 { &stdout } else { &stderr };
            let actual = self.normalize(printed);
            let expected = trim_lines(&shell_line.output.join("\n"));
            if !renaming.matches(&expected, &actual) {
                problems.push(format!(
                    "{}:{}: `{}` (exit {code}) printed on {}:\n{actual}\n--- but the doc shows:\n{expected}\n--- (stderr:\n{})",
                    page.name,
                    shell_line.line,
                    shell_line.command,
                    if code == 0 { "stdout" } else { "stderr" },
                    self.normalize(&stderr),
                ));
            }
        }
        (lines.len(), problems)
    }

    /// Runs `command` with `sh -c`; returns the exit code, stdout and stderr.
    pub fn run(&self, command: &str) -> (i32, String, String) {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_hoist"));
        let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
        let mut process = Command::new("sh");
        process.arg("-c").arg(command).current_dir(&self.dir).env("PATH", path);
        for var in hoist_test_support::cli::HOIST_ENV_VARS {
            process.env_remove(var);
        }
        for (key, value) in &self.env {
            process.env(key, value);
        }
        let output = process.output().expect("cannot run sh");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn normalize(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (actual, shown) in &self.replacements {
            text = text.replace(actual, shown);
        }
        trim_lines(&text)
    }
}

/// `text` without trailing whitespace on each line and without trailing blank lines.
fn trim_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(0, |i| i + 1);
    lines[..end].join("\n")
}

/// A piece of output: text, or a hash (the key identifies it; `None` is the `sha256:…` wildcard).
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Hash(Option<String>),
}

/// Splits `text` into text and hashes: `sha256:HEX`, `sha256:HEX…`, `sha256:…`, and bare
/// hexadecimal runs of 12, 40 or 64 digits (or any length ending in `…`). A hash's key is its
/// first 12 digits, so a short and a long form of one digest are the same hash.
fn pieces(text: &str) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    let is_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let digest = chars[i..].starts_with(&['s', 'h', 'a', '2', '5', '6', ':']);
        let start = if digest { i + 7 } else { i };
        let boundary = digest || i == 0 || !is_word(chars[i - 1]);
        let hex = chars[start..].iter().take_while(|c| is_hex(**c)).count();
        let end = start + hex;
        let ellipsis = chars.get(end) == Some(&'…');
        let after_ok = ellipsis || chars.get(end).is_none_or(|c| !is_word(*c));
        let is_hash = boundary
            && after_ok
            && if digest { hex > 0 || ellipsis } else { matches!(hex, 12 | 40 | 64) || hex >= 4 && ellipsis };
        if is_hash {
            if !plain.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut plain)));
            }
            let key: String = chars[start..end].iter().take(12).collect();
            out.push(Piece::Hash(if key.is_empty() { None } else { Some(key) }));
            i = end + usize::from(ellipsis);
        } else {
            plain.push(chars[i]);
            i += 1;
        }
    }
    if !plain.is_empty() {
        out.push(Piece::Text(plain));
    }
    out
}

/// The hashes of the docs and those of the output, matched one to one across a block.
#[derive(Default)]
pub struct Renaming {
    shown_to_actual: Vec<(String, String)>,
}

impl Renaming {
    /// Whether `actual` is `expected` up to the renaming of hashes, which it extends.
    pub fn matches(&mut self, expected: &str, actual: &str) -> bool {
        let (expected, actual) = (pieces(expected), pieces(actual));
        if expected.len() != actual.len() {
            return false;
        }
        let mut added = Vec::new();
        for (e, a) in expected.iter().zip(&actual) {
            let ok = match (e, a) {
                (Piece::Text(e), Piece::Text(a)) => e == a,
                (Piece::Hash(None), Piece::Hash(_)) => true,
                (Piece::Hash(Some(e)), Piece::Hash(Some(a))) => {
                    let known = self.shown_to_actual.iter().chain(&added).find(|(s, x)| s == e || x == a);
                    match known {
                        Some((s, x)) => s == e && x == a,
                        None => {
                            added.push((e.clone(), a.clone()));
                            true
                        }
                    }
                }
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        self.shown_to_actual.extend(added);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_up_to_a_consistent_renaming() {
        let digest = "sha256:1be1841f3d7b7e0f7a285a0ae19d46a69595946dd154eb663bf79a5ab82ad820";
        let other = "sha256:02ac0b6968576fb37e25f6efca52a8b5eb4911271e0d7d0d27bc630ec188266e";
        let mut renaming = Renaming::default();
        assert!(renaming.matches("pushed r:v1 sha256:9a3e…", &format!("pushed r:v1 {digest}")));
        assert!(renaming.matches("pushed r:last sha256:9a3e…", &format!("pushed r:last {digest}")));
        assert!(!renaming.matches("pushed r:last sha256:9a3e…", &format!("pushed r:last {other}")), "9a3e is taken");
        assert!(!renaming.matches("x sha256:5d0c…", &format!("x {digest}")), "the digest has its name already");
        assert!(renaming.matches("x sha256:…", &format!("x {other}")), "`sha256:…` is any digest");
        assert!(renaming.matches("dev/deploy: 1a2b3c4d5e6f → 9f8e7d6c5b4a", "dev/deploy: 0123456789ab → ba9876543210"));
        assert!(renaming.matches("input digest sha256:00cc4edc50e4 (same)", "input digest sha256:fe12ab34cd56 (same)"));
        assert!(!renaming.matches("built r:v1", "built r:v2"));
        assert!(!renaming.matches("v0.5.146\n", "v0.5.146\nmore"));
        assert!(renaming.matches("decade faced 1234", "decade faced 1234"), "words and short numbers are text");
    }

    #[test]
    fn a_wrong_output_is_reported() {
        let page = super::super::markdown::parse(
            "docs/x.md",
            "<!-- doc-test: run t -->\n```console\n$ echo hello\nhello\n$ echo v1 && echo 'a b '\nv1\na b\n\n$ echo oops\nwhat the doc says\n$ sh -c 'echo failed >&2; exit 3'\nfailed\n```\n",
        );
        let (ran, problems) = Session::new(std::env::temp_dir()).run_block(&page, &page.blocks[0]);
        assert_eq!(ran, 4);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with(
                "docs/x.md:9: `echo oops` (exit 0) printed on stdout:\noops\n--- but the doc shows:\nwhat the doc says\n"
            ),
            "{problems:#?}"
        );
    }
}
