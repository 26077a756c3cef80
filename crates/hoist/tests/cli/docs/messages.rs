//! The error messages the docs quote, held against what hoist really says.
//!
//! A quoted message (the first column of the tables of `docs/troubleshooting.md`) uses
//! placeholders in capitals (`FILE`, `KEY`, …, see [`PLACEHOLDERS`]) and `…` for the parts it
//! leaves out. It is checked against the code, first against the messages the tests assert
//! (string literals of the test files): a quoted message that matches a substring of one is
//! produced by a test. Otherwise each of its literal fragments must occur in a string literal of
//! the source (between the `{…}` arguments of a format string), so a reworded message is caught
//! either way.

use std::path::{Path, PathBuf};

use super::markdown::{Page, root};

/// The words that stand for a value in a quoted message.
pub const PLACEHOLDERS: &[&str] = &[
    "ACTION",
    "ATTRIBUTE",
    "BRANCH",
    "COL",
    "COMMAND",
    "DIGEST",
    "DIR",
    "ENV",
    "FILE",
    "FILES",
    "GLOB",
    "HOST",
    "INSTRUCTION",
    "KEY",
    "KIND",
    "KNOWN",
    "LINE",
    "N",
    "NAME",
    "PART",
    "REASON",
    "REF",
    "REPO",
    "SEARCH",
    "STEP",
    "TAG",
    "TARGET",
    "VALUE",
    "VAR",
    "VERSION",
    "WORD",
    "X",
];

/// The string literals of hoist's Rust files, unescaped: those of the tests (messages asserted
/// verbatim) and those of the rest of the source.
pub struct Literals {
    pub tests: Vec<String>,
    pub source: Vec<String>,
}

impl Literals {
    /// Reads every `.rs` file of the workspace, except the doc check's own.
    pub fn read() -> Literals {
        let root = root();
        let mut files = Vec::new();
        rust_files(&root.join("crates"), &mut files);
        rust_files(&root.join("xtask"), &mut files);
        let own = root.join("crates/hoist/tests/cli/docs");
        let mut literals = Literals { tests: Vec::new(), source: Vec::new() };
        for file in files.iter().filter(|f| !f.starts_with(&own)) {
            let text = std::fs::read_to_string(file).unwrap();
            let is_test = file.components().any(|c| c.as_os_str() == "tests")
                || file.file_name().is_some_and(|n| n == "tests.rs");
            let pool = if is_test { &mut literals.tests } else { &mut literals.source };
            pool.extend(string_literals(&text));
        }
        literals
    }

    /// How the code backs `message` (a quoted message, with placeholders), or why not.
    pub fn check(&self, message: &str) -> Result<&'static str, String> {
        let pattern = pattern(message);

        if self.tests.iter().any(|t| glob_contains(&pattern, t)) {
            return Ok("asserted by a test");
        }
        let pieces: Vec<String> = self.source.iter().flat_map(|s| format_pieces(s)).collect();
        for fragment in fragments(&pattern) {
            if !pieces.iter().any(|p| p.contains(&fragment)) {
                return Err(format!("no test asserts it, and no message of the source contains `{fragment}`"));
            }
        }
        Ok("its wording is in the source")
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// An error message of the source: where, and its first line as written (a format string).
#[derive(Debug)]
pub struct SourceError {
    pub file: String,
    pub line: usize,
    pub template: String,
}

impl SourceError {
    /// The words that open the message: the first literal piece of its first line (between
    /// format arguments, leading punctuation dropped) with four or more characters, up to its
    /// first `:` or `;`, trimmed.
    pub fn opening(&self) -> Option<String> {
        let first_line = self.template.lines().next().unwrap_or_default();
        format_pieces(first_line).iter().find_map(|piece| {
            let piece = piece.trim_start_matches(|c: char| " `:;,.()'\"?".contains(c));
            let head = piece.split([':', ';']).next().unwrap_or_default();
            let trimmed = head.trim_matches(|c: char| " `:;,.()'\"?".contains(c));
            (trimmed.chars().count() >= 4 && trimmed.chars().any(char::is_alphabetic)).then(|| trimmed.to_owned())
        })
    }
}

/// Every error message hoist can print, as the source words it: the `#[error("…")]` of the
/// library crates' error enums, and the `bail!`, `format_err!`, `anyhow!`, usage errors and
/// `context` of hoist-cli (test modules left out).
pub fn source_errors() -> Vec<SourceError> {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    let mut errors = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().display().to_string();
        if !relative.contains("/src/")
            || relative.ends_with("tests.rs")
            || relative.starts_with("crates/hoist-test-support")
        {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for opener in [
            "#[error(",
            "bail!(",
            "format_err!(",
            "anyhow!(",
            "UsageError(format!(",
            "context(|| format!(",
            ".context(",
            // An error whose `Display` is its message.
            "CiContext {",
        ] {
            for (at, _) in code.match_indices(opener) {
                let rest = code[at + opener.len()..].trim_start();
                let rest = rest.strip_prefix("message:").map_or(rest, str::trim_start);
                let rest = rest.strip_prefix("format!(").map_or(rest, str::trim_start);
                if !(rest.starts_with('"') || rest.starts_with("r#\"") || rest.starts_with("r\"")) {
                    continue;
                }
                let Some(template) = string_literals(rest).into_iter().next() else { continue };
                let line = code[..at].matches('\n').count() + 1;
                errors.push(SourceError { file: relative.clone(), line, template });
            }
        }
    }
    errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    errors
}

/// The quoted messages of `page`: the code spans in the first column of its tables.
pub fn quoted_messages(page: &Page) -> Vec<(usize, String)> {
    page.spans.iter().filter(|s| s.first_cell).map(|s| (s.line, s.text.clone())).collect()
}

#[derive(Debug, PartialEq)]
enum Part {
    Literal(char),
    Any,
}

/// A quoted message as a pattern: placeholders and `…` match anything.
fn pattern(message: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let chars: Vec<char> = message.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '…' {
            // An ellipsis leaves out words, and the spaces around them.
            while parts.last() == Some(&Part::Literal(' ')) {
                parts.pop();
            }
            parts.push(Part::Any);
            i += 1;
            while chars.get(i) == Some(&' ') {
                i += 1;
            }
            continue;
        }
        if chars[i].is_ascii_uppercase() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let len =
                chars[i..].iter().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == '_').count();
            let word: String = chars[i..i + len].iter().collect();
            let bounded = chars.get(i + len).is_none_or(|c| !c.is_ascii_alphanumeric());
            if bounded && PLACEHOLDERS.contains(&word.as_str()) {
                parts.push(Part::Any);
                i += len;
                continue;
            }
        }
        parts.push(Part::Literal(chars[i]));
        i += 1;
    }
    parts
}

/// Whether some substring of `text` matches `pattern` (glob matching, `Any` = `*`).
fn glob_contains(pattern: &[Part], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    // reachable[j]: the pattern so far can end right before text[j]; any start is allowed.
    let mut reachable = vec![true; text.len() + 1];
    for part in pattern {
        let mut next = vec![false; text.len() + 1];
        match part {
            Part::Any => {
                let mut on = false;
                for j in 0..=text.len() {
                    on |= reachable[j];
                    next[j] = on;
                }
            }
            Part::Literal(c) => {
                for j in 0..text.len() {
                    if reachable[j] && text[j] == *c {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reachable = next;
        if !reachable.contains(&true) {
            return false;
        }
    }
    true
}

/// The literal fragments of a pattern worth looking for: split at placeholders, trimmed of
/// punctuation, at least four characters with a letter.
fn fragments(pattern: &[Part]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for part in pattern.iter().chain(std::iter::once(&Part::Any)) {
        match part {
            Part::Literal(c) => current.push(*c),
            Part::Any => {
                let trimmed = current.trim_matches(|c: char| " `:;,.()'\"?".contains(c));
                if trimmed.chars().count() >= 4 && trimmed.chars().any(char::is_alphabetic) {
                    out.push(trimmed.to_owned());
                }
                current.clear();
            }
        }
    }
    out
}

/// The literal pieces of a format string, between its `{…}` arguments, with `{{` and `}}`
/// read as the braces they print.
fn format_pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('{', Some('{')) | ('}', Some('}')) => {
                piece.push(chars[i]);
                i += 2;
            }
            ('{', _) => {
                pieces.push(std::mem::take(&mut piece));
                i = chars[i..].iter().position(|c| *c == '}').map_or(chars.len(), |e| i + e + 1);
            }
            (c, _) => {
                piece.push(c);
                i += 1;
            }
        }
    }
    pieces.push(piece);
    pieces
}

/// The string literals of Rust source `src`, unescaped (comments skipped; raw and byte strings
/// included; `\` at a line end joins the lines as Rust does).
pub fn string_literals(src: &str) -> Vec<String> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            i = b[i..].iter().position(|c| *c == '\n').map_or(b.len(), |p| i + p);
        } else if c == '/' && next == Some('*') {
            i = (i + 2..b.len().saturating_sub(1)).find(|&j| b[j] == '*' && b[j + 1] == '/').map_or(b.len(), |j| j + 2);
        } else if c == 'r' && matches!(next, Some('"' | '#')) && (i == 0 || !ident(b[i - 1])) {
            let hashes = b[i + 1..].iter().take_while(|c| **c == '#').count();
            let open = i + 1 + hashes;
            if b.get(open) != Some(&'"') {
                i += 1;
                continue;
            }
            let closing: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let end = (open + 1..b.len()).find(|&j| b[j..].starts_with(&closing)).unwrap_or(b.len());
            out.push(b[open + 1..end].iter().collect());
            i = end + closing.len();
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                    match b.get(i) {
                        Some('n') => s.push('\n'),
                        Some('t') => s.push('\t'),
                        Some('r') => s.push('\r'),
                        Some('0') => s.push('\0'),
                        Some('\n') => {
                            while b.get(i + 1).is_some_and(|c| c.is_whitespace()) {
                                i += 1;
                            }
                        }
                        Some('u') => {
                            let end = b[i..].iter().position(|c| *c == '}').map_or(i, |p| i + p);
                            let hex: String = b[i + 2..end].iter().collect();
                            s.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                            i = end;
                        }
                        Some('x') => {
                            let hex: String = b[i + 1..(i + 3).min(b.len())].iter().collect();
                            s.extend(u8::from_str_radix(&hex, 16).ok().map(char::from));
                            i += 2;
                        }
                        Some(other) => s.push(*other),
                        None => {}
                    }
                } else {
                    s.push(b[i]);
                }
                i += 1;
            }
            out.push(s);
            i += 1;
        } else if c == '\'' {
            // A char literal (`'"'`, `'\''`) or a lifetime (`'a`).
            if next == Some('\\') {
                i = (i + 3..b.len()).find(|&j| b[j] == '\'').map_or(b.len(), |j| j + 1);
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_unescaped_and_comments_skipped() {
        let src = "// \"not this\"\nlet a = '\"'; let b: &'static str = \"one \\\"two\\\"\\n\\\n    three\";\n/* \"nor this\" */ let c = r#\"raw \"q\"\"#; let d = '\\'';";
        assert_eq!(string_literals(src), ["one \"two\"\nthree", "raw \"q\""]);
    }

    #[test]
    fn a_source_message_is_known_by_its_opening_words() {
        let opening =
            |template: &str| SourceError { file: String::new(), line: 0, template: template.into() }.opening();
        assert_eq!(opening("{}:{line}:{column}: unknown key `{key}`{}").as_deref(), Some("unknown key"));
        assert_eq!(opening("`{}` is not a stage of `{}`: the stages are {}").as_deref(), Some("is not a stage of"));
        assert_eq!(
            opening("the template uses `{{digest}}` but …").as_deref(),
            Some("the template uses `{digest}` but …")
        );
        assert_eq!(opening("{source}\nevery file was restored").as_deref(), None, "a wrapper has no words of its own");
        let errors = source_errors();
        assert!(
            errors.iter().any(|e| e.file == "crates/hoist-config/src/error.rs" && e.template.contains("missing key")),
            "the `#[error(…)]` of hoist-config are found"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.file == "crates/hoist-pipeline/src/error.rs" && e.template.starts_with("the `ci` step"))
        );
    }

    #[test]
    fn quoted_messages_match_placeholders_and_ellipses() {
        let literals = Literals {
            tests: vec![
                "error: /tmp/x/hoist.toml:2:1: unknown key `relase-step`: did you mean `release-step`?\n".into(),
            ],
            source: vec![
                "`{}` is not a stage of `{}`: the stages are {}".into(),
                "the registry `{registry}` does not speak TLS (it answered plain HTTP)".into(),
            ],
        };
        assert_eq!(literals.check("FILE:LINE:COL: unknown key `KEY`: did you mean `KNOWN`?"), Ok("asserted by a test"));
        assert_eq!(
            literals.check("`STEP` is not a stage of `FILE`: the stages are …"),
            Ok("its wording is in the source")
        );
        assert!(
            literals.check("`STEP` is not a stage of `Dockerfile`: the stages are …").is_err(),
            "a value where the source has an argument"
        );
        assert_eq!(
            literals.check("the registry `HOST` does not speak TLS (it answered HTTP)"),
            Err("no test asserts it, and no message of the source contains `does not speak TLS (it answered HTTP`"
                .into())
        );
        assert!(literals.check("FILE:LINE:COL: unknown field `KEY`").is_err());
    }
}
