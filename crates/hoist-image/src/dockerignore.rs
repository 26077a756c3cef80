//! `.dockerignore` with Docker's own semantics (moby's `patternmatcher` and the CLI's reader).
//!
//! The rules, as Docker applies them:
//! - one pattern per line; a line starting with `#` is a comment; lines are trimmed; empty lines
//!   are skipped;
//! - a leading `!` makes the pattern an exception that re-includes what earlier patterns excluded;
//!   patterns apply in order and the last one that matches decides;
//! - a pattern is cleaned like a path (`./a//b/` is `a/b`), a leading `/` is dropped, and it is
//!   matched against the whole path relative to the context, not against the base name
//!   (`*.log` only matches at the top, `**/*.log` everywhere);
//! - `*` matches any run of characters except `/`, `?` one character except `/`, `[…]` a class
//!   (`[^…]` or `[!…]` negated, `a-z` ranges), `\` escapes the next character, `**` any number
//!   of directories (`**/` also none), and a trailing `**` anything;
//! - a pattern that matches a directory excludes everything under it (a path is excluded when it
//!   or any of its parent directories matches).

use crate::error::ImageError;

/// The parsed patterns of a `.dockerignore` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dockerignore {
    patterns: Vec<Pattern>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    text: String,
    exception: bool,
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters without `/`.
    Star,
    /// `?`: one character that is not `/`.
    One,
    /// `**/` or `**` in the middle: zero or more whole directories, `(.*/)?`.
    AnyDirs,
    /// `**` at the end: anything, `.*`.
    AnyAll,
    /// `[…]`.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Dockerignore {
    /// Parses the text of a `.dockerignore` file.
    pub fn parse(text: &str) -> Result<Dockerignore, ImageError> {
        let mut patterns = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.strip_prefix('\u{feff}').unwrap_or(line);
            if line.starts_with('#') {
                continue;
            }
            let mut pattern = line.trim();
            if pattern.is_empty() {
                continue;
            }
            let exception = pattern.starts_with('!');
            if exception {
                pattern = pattern[1..].trim();
                if pattern.is_empty() {
                    return Err(ImageError::Dockerignore {
                        line: index + 1,
                        pattern: line.trim().to_owned(),
                        message: "`!` must be followed by a pattern".to_owned(),
                    });
                }
            }
            let mut cleaned = clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let tokens = compile(&cleaned).map_err(|message| ImageError::Dockerignore {
                line: index + 1,
                pattern: line.trim().to_owned(),
                message,
            })?;
            patterns.push(Pattern { text: cleaned, exception, tokens });
        }
        Ok(Dockerignore { patterns })
    }

    /// Adds an exception for `path` (relative to the context), as the Docker CLI does for the
    /// Dockerfile and `.dockerignore`, which always reach the engine.
    pub fn always_include(&mut self, path: &str) {
        let text = clean(path);
        let tokens = text.chars().map(Token::Char).collect();
        self.patterns.push(Pattern { text, exception: true, tokens });
    }

    /// True when nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// True when `path` (relative to the context, `/`-separated) is excluded: the last pattern
    /// that matches it or one of its parent directories is not an exception.
    pub fn is_excluded(&self, path: &str) -> bool {
        let mut excluded = false;
        for pattern in &self.patterns {
            // Only a pattern that can change the answer needs evaluating.
            if pattern.exception != excluded {
                continue;
            }
            if pattern.matches_path_or_parent(path) {
                excluded = !pattern.exception;
            }
        }
        excluded
    }

    /// True when the excluded directory `dir` must still be walked because an exception could
    /// re-include something below it. When false, the whole directory is skipped unread.
    pub fn may_include_below(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.patterns.iter().any(|p| p.exception && matches(&p.tokens, &prefix.chars().collect::<Vec<_>>(), true))
    }
}

impl Pattern {
    fn matches_path_or_parent(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        if matches(&self.tokens, &chars, false) {
            return true;
        }
        chars.iter().enumerate().any(|(i, &c)| c == '/' && matches(&self.tokens, &chars[..i], false))
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

fn compile(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                tokens.push(if i >= chars.len() { Token::AnyAll } else { Token::AnyDirs });
            }
            '*' => {
                tokens.push(Token::Star);
                i += 1;
            }
            '?' => {
                tokens.push(Token::One);
                i += 1;
            }
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err("the pattern ends with an escaping `\\`".to_owned());
                };
                tokens.push(Token::Char(next));
                i += 2;
            }
            '[' => {
                let (token, next) = class(&chars, i)?;
                tokens.push(token);
                i = next;
            }
            c => {
                tokens.push(Token::Char(c));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

/// Parses the class starting at `chars[start] == '['`; returns it and the index after `]`.
fn class(chars: &[char], start: usize) -> Result<(Token, usize), String> {
    let mut i = start + 1;
    let negated = matches!(chars.get(i), Some('^' | '!'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("a `[` character class is never closed with `]`".to_owned());
        };
        if c == ']' && !first {
            return Ok((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        let lo = if c == '\\' {
            i += 1;
            *chars.get(i).ok_or("the pattern ends with an escaping `\\`")?
        } else {
            c
        };
        i += 1;
        let hi = if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']') {
            let hi = chars[i + 1];
            i += 2;
            if hi < lo {
                return Err(format!("the range `{lo}-{hi}` is reversed"));
            }
            hi
        } else {
            lo
        };
        ranges.push((lo, hi));
    }
}

/// Matches `tokens` against all of `input`; with `prefix`, also succeeds when `input` runs out
/// first (some longer input could match).
fn matches(tokens: &[Token], input: &[char], prefix: bool) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return input.is_empty();
    };
    if input.is_empty() && prefix {
        return true;
    }
    match token {
        Token::Char(c) => input.first() == Some(c) && matches(rest, &input[1..], prefix),
        Token::One => input.first().is_some_and(|&c| c != '/') && matches(rest, &input[1..], prefix),
        Token::Class { negated, ranges } => {
            input.first().is_some_and(|&c| c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated)
                && matches(rest, &input[1..], prefix)
        }
        Token::Star => {
            for n in 0..=input.len() {
                if matches(rest, &input[n..], prefix) {
                    return true;
                }
                if input.get(n) == Some(&'/') {
                    break;
                }
            }
            false
        }
        Token::AnyAll => true,
        Token::AnyDirs => {
            // Zero directories, or any prefix ending in `/`.
            matches(rest, input, prefix)
                || input.iter().enumerate().any(|(i, &c)| c == '/' && matches(rest, &input[i + 1..], prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ignore: &str, excluded: &[&str], included: &[&str]) {
        let ignore = Dockerignore::parse(ignore).unwrap();
        for path in excluded {
            assert!(ignore.is_excluded(path), "`{path}` should be excluded by {ignore:?}");
        }
        for path in included {
            assert!(!ignore.is_excluded(path), "`{path}` should be included by {ignore:?}");
        }
    }

    #[test]
    fn patterns_are_relative_to_the_context_root() {
        check("*.log", &["a.log"], &["dir/a.log", "a.logx"]);
        check("/secret.txt\n./other//x/", &["secret.txt", "other/x", "other/x/y"], &["a/secret.txt"]);
        check("dir", &["dir", "dir/a", "dir/sub/b"], &["dirt", "x/dir"]);
    }

    #[test]
    fn double_star_spans_directories() {
        check("**/*.log", &["a.log", "x/a.log", "x/y/z.log"], &["a.txt"]);
        check("a/**/b", &["a/b", "a/x/b", "a/x/y/b", "a/x/b/c"], &["b", "a/xb"]);
        check("a/**", &["a/b", "a/b/c"], &["b"]);
        check("**", &["a", "a/b"], &[]);
    }

    #[test]
    fn exceptions_apply_in_order() {
        check("*.md\n!README.md", &["a.md"], &["README.md"]);
        check("!README.md\n*.md", &["a.md", "README.md"], &[]);
        check(
            "target\n!target/keep\ntarget/keep/drop",
            &["target/x", "target/keep/drop"],
            &["target/keep", "target/keep/y"],
        );
    }

    #[test]
    fn classes_escapes_and_question_marks() {
        check("file[0-9].txt\n[!a]b\nq?", &["file1.txt", "xb", "qa"], &["filea.txt", "ab", "q", "q/a", "qab"]);
        check("a\\*b", &["a*b"], &["axb"]);
        check("# comment\n\n  spaced  \n", &["spaced"], &["# comment"]);
        assert!(Dockerignore::parse("[a").is_err());
        assert!(Dockerignore::parse("!").is_err());
    }

    #[test]
    fn skipping_directories_respects_exceptions() {
        let ignore = Dockerignore::parse("data\n!data/keep/*.csv").unwrap();
        assert!(ignore.may_include_below("data"));
        assert!(ignore.may_include_below("data/keep"));
        assert!(!ignore.may_include_below("data/other"));
        let ignore = Dockerignore::parse("data\n!**/keep").unwrap();
        assert!(ignore.may_include_below("data/x/y"));
        let ignore = Dockerignore::parse("data").unwrap();
        assert!(!ignore.may_include_below("data"));
    }

    #[test]
    fn always_included_files_survive_exclusion() {
        let mut ignore = Dockerignore::parse("*\n").unwrap();
        ignore.always_include("Dockerfile");
        ignore.always_include(".dockerignore");
        assert!(!ignore.is_excluded("Dockerfile"));
        assert!(!ignore.is_excluded(".dockerignore"));
        assert!(ignore.is_excluded("src"));
    }

    #[test]
    fn cleaning_follows_go() {
        assert_eq!(clean("./a//b/"), "a/b");
        assert_eq!(clean("a/../b"), "b");
        assert_eq!(clean("/a/.."), "/");
        assert_eq!(clean("."), ".");
        assert_eq!(clean("../a"), "../a");
    }
}
