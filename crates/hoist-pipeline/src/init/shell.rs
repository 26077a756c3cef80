//! The commands of one shell line of a recipe, as far as `hoist init` needs them: words with
//! the shell's quoting removed, split at `&&`, `||`, `|`, `;` and `&`, leading `NAME=value`
//! assignments apart, redirections noted and left out. `$(…)` and `${…}` stay inside their
//! word as written. One pass over the characters.

/// How a command is joined to the one after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Joiner {
    /// `&&`.
    And,
    /// `||`.
    Or,
    /// `|`.
    Pipe,
    /// `;`, `&` or the end of the line.
    Then,
}

/// One simple command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Command {
    /// The leading `NAME=value` assignments.
    pub assignments: Vec<(String, String)>,
    /// The words, after the assignments, without redirections.
    pub words: Vec<String>,
    /// It had a redirection (`> /dev/null`, `>& /dev/null`, `2>&1`).
    pub redirected: bool,
}

/// The commands of `line`, each with how it is joined to the next; `None` when a quote is not
/// closed.
pub(crate) fn commands(line: &str) -> Option<Vec<(Command, Joiner)>> {
    let tokens = tokens(line)?;
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut redirected = false;
    let mut redirect_target = false;
    let finish = |words: &mut Vec<String>, redirected: &mut bool, joiner, out: &mut Vec<(Command, Joiner)>| {
        let mut command = Command { redirected: std::mem::take(redirected), ..Command::default() };
        let mut rest = std::mem::take(words).into_iter().peekable();
        while let Some(word) = rest.next_if(|w| is_assignment(w)) {
            let (name, value) = word.split_once('=').expect("an assignment has `=`");
            command.assignments.push((name.to_owned(), value.to_owned()));
        }
        command.words = rest.collect();
        if !command.words.is_empty() || !command.assignments.is_empty() {
            out.push((command, joiner));
        }
    };
    for token in tokens {
        match token {
            Token::Word(word) if redirect_target => {
                let _ = word;
                redirect_target = false;
            }
            Token::Word(word) => words.push(word),
            Token::Redirect { takes_target } => {
                redirected = true;
                redirect_target = takes_target;
            }
            Token::Op(joiner) => finish(&mut words, &mut redirected, joiner, &mut out),
        }
    }
    finish(&mut words, &mut redirected, Joiner::Then, &mut out);
    Some(out)
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else { return false };
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

enum Token {
    Word(String),
    Op(Joiner),
    /// `>`, `>>`, `<`, `>&`, `&>`, `2>&1`: `takes_target` when a file name follows.
    Redirect {
        takes_target: bool,
    },
}

fn tokens(line: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let end_word = |word: &mut String, in_word: &mut bool, tokens: &mut Vec<Token>| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => end_word(&mut word, &mut in_word, &mut tokens),
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                if i == chars.len() {
                    return None;
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) {
                        i += 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
                if i == chars.len() {
                    return None;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(&next) = chars.get(i + 1) {
                    word.push(next);
                    i += 1;
                }
            }
            '$' if matches!(chars.get(i + 1), Some('(' | '{')) => {
                // Kept as written, up to the matching bracket.
                let (open, close) = if chars[i + 1] == '(' { ('(', ')') } else { ('{', '}') };
                in_word = true;
                word.push('$');
                let mut depth = 0usize;
                i += 1;
                while i < chars.len() {
                    word.push(chars[i]);
                    if chars[i] == open {
                        depth += 1;
                    } else if chars[i] == close {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
                if i == chars.len() {
                    return None;
                }
            }
            '&' | '|' | ';' => {
                end_word(&mut word, &mut in_word, &mut tokens);
                let next = chars.get(i + 1).copied();
                let joiner = match (c, next) {
                    ('&', Some('&')) => {
                        i += 1;
                        Joiner::And
                    }
                    ('|', Some('|')) => {
                        i += 1;
                        Joiner::Or
                    }
                    ('&', Some('>')) => {
                        i += 1;
                        tokens.push(Token::Redirect { takes_target: true });
                        i += 1;
                        continue;
                    }
                    ('|', _) => Joiner::Pipe,
                    _ => Joiner::Then,
                };
                tokens.push(Token::Op(joiner));
            }
            '>' | '<' => {
                // A file descriptor number right before it belongs to the redirection.
                if in_word && word.chars().all(|c| c.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                end_word(&mut word, &mut in_word, &mut tokens);
                if chars.get(i + 1) == Some(&'>') {
                    i += 1;
                }
                let mut takes_target = true;
                if chars.get(i + 1) == Some(&'&') {
                    i += 1;
                    // `>&2`: a descriptor, no file.
                    if chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                        i += 1;
                        takes_target = false;
                    }
                }
                tokens.push(Token::Redirect { takes_target });
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
        i += 1;
    }
    end_word(&mut word, &mut in_word, &mut tokens);
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<(Vec<String>, Joiner)> {
        commands(line).unwrap().into_iter().map(|(c, j)| (c.words, j)).collect()
    }

    #[test]
    fn operators_quotes_and_redirections() {
        assert_eq!(
            words("just ci-dc exec -T -e pytest_report_title=\"Code\" -u$UID web pytest --verbose || exit 1"),
            [
                (
                    [
                        "just",
                        "ci-dc",
                        "exec",
                        "-T",
                        "-e",
                        "pytest_report_title=Code",
                        "-u$UID",
                        "web",
                        "pytest",
                        "--verbose"
                    ]
                    .map(String::from)
                    .to_vec(),
                    Joiner::Or
                ),
                (vec!["exit".into(), "1".into()], Joiner::Then),
            ]
        );
        let all =
            commands("SOLR_NO_RESTORE=1 SOLR_BUILD= ./init.sh >& /dev/null | wc -l && echo 'a b' 2>&1; true").unwrap();
        assert_eq!(
            all[0].0.assignments,
            [("SOLR_NO_RESTORE".into(), "1".into()), ("SOLR_BUILD".into(), String::new())]
        );
        assert_eq!(
            (all[0].0.words.clone(), all[0].0.redirected, all[0].1),
            (vec!["./init.sh".to_owned()], true, Joiner::Pipe)
        );
        assert_eq!((all[2].0.words.clone(), all[2].0.redirected), (vec!["echo".to_owned(), "a b".to_owned()], true));
        assert_eq!(all[3].0.words, ["true"]);
        assert_eq!(
            words("docker push $( just tag )-solr # push it"),
            [(vec!["docker".into(), "push".into(), "$( just tag )-solr".into()], Joiner::Then)]
        );
        assert_eq!(commands("echo 'open"), None);
    }
}
