//! From text to logical instructions, with BuildKit's line rules.

use crate::error::{DockerfileError, ErrorKind};

/// One instruction as written: continuation lines joined, heredoc bodies attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawInstruction {
    /// The 1-based line the instruction starts on.
    pub(crate) line: usize,
    /// The joined text of the instruction, keyword included.
    pub(crate) text: String,
    /// The heredocs the instruction opens, with their bodies.
    pub(crate) heredocs: Vec<(String, String)>,
}

/// The result of lexing: directives and instructions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Lexed {
    pub(crate) directives: Vec<(String, String)>,
    pub(crate) escape: char,
    pub(crate) instructions: Vec<RawInstruction>,
}

const KNOWN_DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

pub(crate) fn lex(text: &str) -> Result<Lexed, DockerfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    // `split` yields one empty piece after a final newline; it is not a line.
    let count = if text.ends_with('\n') { lines.len() - 1 } else { lines.len() };
    let lines = &lines[..count];

    let mut lexed = Lexed { escape: '\\', ..Lexed::default() };
    let mut index = read_directives(lines, &mut lexed)?;
    while index < lines.len() {
        let start = index;
        let line = lines[index].trim_start();
        index += 1;
        if is_comment(line) || line.trim().is_empty() {
            continue;
        }
        let (first, mut complete) = trim_continuation(line, lexed.escape);
        let mut joined = first.to_owned();
        while !complete {
            // A continuation on the file's last line ends the instruction there, as in
            // BuildKit.
            let Some(next) = lines.get(index) else { break };
            index += 1;
            if is_comment(next.trim_start()) || next.trim().is_empty() {
                continue;
            }
            let (part, done) = trim_continuation(next, lexed.escape);
            joined.push_str(part);
            complete = done;
        }
        if joined.trim().is_empty() {
            continue;
        }
        let mut instruction = RawInstruction { line: start + 1, text: joined, heredocs: Vec::new() };
        if can_contain_heredoc(&instruction.text) {
            for (name, chomp) in heredoc_markers(&instruction.text) {
                let mut body = String::new();
                let mut closed = false;
                while let Some(next) = lines.get(index) {
                    index += 1;
                    let candidate = if chomp { next.trim_start_matches('\t') } else { next };
                    if candidate == name {
                        closed = true;
                        break;
                    }
                    body.push_str(next);
                    body.push('\n');
                }
                if !closed {
                    return Err(DockerfileError::at(start + 1, ErrorKind::UnterminatedHeredoc(name)));
                }
                instruction.heredocs.push((name, body));
            }
        }
        lexed.instructions.push(instruction);
    }
    Ok(lexed)
}

/// Reads the parser directives at the top of the file; returns the index of the first line
/// after them. Reading stops at the first line that is not a known directive.
fn read_directives(lines: &[&str], lexed: &mut Lexed) -> Result<usize, DockerfileError> {
    for (index, line) in lines.iter().enumerate() {
        // BuildKit strips leading whitespace before it looks for a directive.
        let Some((key, value)) = directive(line.trim_start()) else {
            return Ok(index);
        };
        if !KNOWN_DIRECTIVES.contains(&key.as_str()) {
            return Ok(index);
        }
        if lexed.directives.iter().any(|(k, _)| *k == key) {
            return Err(DockerfileError::at(index + 1, ErrorKind::DuplicateDirective(key)));
        }
        if key == "escape" {
            lexed.escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(DockerfileError::at(index + 1, ErrorKind::InvalidEscape(value)));
                }
            };
        }
        lexed.directives.push((key, value));
    }
    Ok(lines.len())
}

/// `# key = value` with a key of letters and digits, the form BuildKit recognises.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let key_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    let (key, rest) = rest.split_at(key_len);
    if key.is_empty() || !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest.trim_start().strip_prefix('=')?.trim();
    (!value.is_empty()).then(|| (key.to_ascii_lowercase(), value.to_owned()))
}

fn is_comment(trimmed_start: &str) -> bool {
    trimmed_start.starts_with('#')
}

/// Strips a trailing escape character (followed only by blanks); `true` when the line ends the
/// instruction. An escaped escape character (`\\` at the end) is no continuation, as in
/// BuildKit.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(rest) if !rest.ends_with(escape) => (rest, false),
        _ => (line, true),
    }
}

/// `RUN`, `COPY` and `ADD` open heredocs, and so does `ONBUILD` in front of one of them
/// (BuildKit's `heredocDirectives` and `heredocCompoundDirectives`).
fn can_contain_heredoc(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let mut keyword = words.next().unwrap_or_default();
    if keyword.eq_ignore_ascii_case("onbuild") {
        keyword = words.next().unwrap_or_default();
    }
    ["run", "copy", "add"].iter().any(|k| keyword.eq_ignore_ascii_case(k)) && text.contains("<<")
}

/// The heredocs a line opens, in order: each word `[N]<<[-]NAME`, the name unquoted.
fn heredoc_markers(text: &str) -> Vec<(String, bool)> {
    shell_words(text)
        .into_iter()
        .filter_map(|word| {
            let rest = word.trim_start_matches(|c: char| c.is_ascii_digit()).strip_prefix("<<")?;
            let (chomp, rest) = match rest.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            if rest.is_empty() || rest.contains('<') {
                return None;
            }
            let name: String = rest.chars().filter(|c| !matches!(c, '"' | '\'')).collect();
            (!name.is_empty()).then_some((name, chomp))
        })
        .collect()
}

/// Splits on blanks outside quotes, keeping quotes and escapes in the words.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, ' ' | '\t') => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                word.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                word.push(c);
            }
            (q, '\\') if q != Some('\'') => {
                word.push(c);
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<(usize, String)> {
        lex(src).unwrap().instructions.into_iter().map(|i| (i.line, i.text)).collect()
    }

    #[test]
    fn continuations_skip_comments_and_blank_lines() {
        let src = "FROM a\nRUN echo 1 \\\n  # a comment\n\n  && echo 2 \\  \n  && echo 3\nCMD x\n";
        assert_eq!(
            texts(src),
            [(1, "FROM a".into()), (2, "RUN echo 1   && echo 2   && echo 3".into()), (7, "CMD x".into())]
        );
    }

    /// Three cases held to the engine's BuildKit (`docker build --target` on each): a
    /// continuation on the last line, an escaped escape character at a line's end, a
    /// directive written with leading whitespace.
    #[test]
    fn line_rules_as_buildkit_reads_them() {
        assert_eq!(texts("FROM a AS x\nFROM x AS y \\"), [(1, "FROM a AS x".into()), (2, "FROM x AS y ".into())]);
        assert_eq!(
            texts("FROM a AS x\nLABEL v=y\\\\\nFROM x AS y\n"),
            [(1, "FROM a AS x".into()), (2, "LABEL v=y\\\\".into()), (3, "FROM x AS y".into())]
        );
        assert_eq!(texts("FROM a\nRUN x \\\n\\\nCMD y\n"), [(1, "FROM a".into()), (2, "RUN x CMD y".into())]);
        let lexed = lex("  # escape=`\nFROM a\nLABEL v=\\\nFROM b\n").unwrap();
        assert_eq!(lexed.escape, '`');
        assert_eq!(lexed.instructions.len(), 3);
    }

    #[test]
    fn escape_directive_changes_the_continuation_character() {
        let src = "# escape=`\nFROM a\nRUN dir c:\\ `\n  /b\n";
        let lexed = lex(src).unwrap();
        assert_eq!(lexed.escape, '`');
        assert_eq!(lexed.instructions[1].text, "RUN dir c:\\   /b");
    }

    #[test]
    fn directives_stop_at_the_first_other_line() {
        let lexed = lex("# syntax=docker/dockerfile:1\n\n# escape=`\nFROM a\n").unwrap();
        assert_eq!(lexed.directives, [("syntax".into(), "docker/dockerfile:1".into())]);
        assert_eq!(lexed.escape, '\\');
        let lexed = lex("# a comment\n# escape=`\nFROM a\n").unwrap();
        assert!(lexed.directives.is_empty());
    }

    #[test]
    fn bad_directives() {
        assert_eq!(
            lex("# escape=x\nFROM a\n").unwrap_err().to_string(),
            "line 1: invalid escape character `x` in the `# escape=` directive: use `\\` or `` ` ``"
        );
        assert!(lex("# escape=`\n# ESCAPE=\\\nFROM a\n").is_err());
    }

    #[test]
    fn heredocs() {
        let src = "FROM a\nRUN <<EOF cat <<-'TWO'\nFROM x\nEOF\n\t\tbody\n\tTWO\nfrom b\n";
        let lexed = lex(src).unwrap();
        assert_eq!(lexed.instructions.len(), 3);
        assert_eq!(
            lexed.instructions[1].heredocs,
            [("EOF".into(), "FROM x\n".into()), ("TWO".into(), "\t\tbody\n".into())]
        );
        assert_eq!(lexed.instructions[2].line, 7);
        assert!(lex("FROM a\nRUN <<EOF\nnever closed\n").is_err());
        // A quoted `<<` is not a heredoc, and ENV cannot open one.
        assert_eq!(lex("FROM a\nRUN echo \"<<EOF\"\nENV A=<<B\nFROM b\n").unwrap().instructions.len(), 4);
        // `ONBUILD RUN` opens one too: its body is no instruction (`FROM x` is not a stage).
        let onbuild = lex("FROM a\nonbuild  RUN <<EOF\nFROM x\nEOF\nONBUILD ENV A=<<B\nFROM b\n").unwrap();
        assert_eq!(onbuild.instructions.len(), 4);
        assert_eq!(onbuild.instructions[1].heredocs, [("EOF".into(), "FROM x\n".into())]);
    }

    #[test]
    fn bom_and_crlf() {
        assert_eq!(texts("\u{feff}FROM a \\\r\n AS b\r\n"), [(1, "FROM a  AS b".into())]);
    }
}
