//! The command lines of the docs, and the check that every `hoist …` and `cargo xtask …` among
//! them parses with hoist's real clap command.
//!
//! Command lines come from `console` blocks (lines starting with `$ `), `sh`/`bash`/`shell`
//! blocks (every line), the `run:` steps of `yaml` blocks, and inline code spans that start
//! with `hoist ` or `cargo xtask ` (there `[…]` around optional parts, `a|b` alternatives and
//! `…` are read as the synopsis they are). Each line is split the way a shell splits it: `#`
//! comments, `VAR=value` prefixes, pipes, `&&`, `;`, redirections and quotes; every
//! `$(…)` inside is a command line of its own, so `docker pull "$(hoist tag)"` checks
//! `hoist tag`. Other programs are not run, but must be in [`OTHER_PROGRAMS`], so a misspelt
//! `hoist` cannot hide as an unknown program.

use std::collections::BTreeSet;

use clap::error::ErrorKind;

use super::markdown::{Block, Page, Span};

/// The programs other than hoist that the docs show. A test checks that each is used.
pub const OTHER_PROGRAMS: &[&str] = &[
    "bash", "cargo", "cat", "cd", "docker", "dockerd", "echo", "export", "gh", "git", "grep", "head", "jq", "mkdir",
    "mktemp", "tail", "test", "xargs",
];

/// The chores of this repository's own xtask that are not hoist targets (`xtask/src/main.rs`).
pub const XTASK_CHORES: &[&str] = &["bench", "fuzz", "provision-base-images"];

/// A command line of a block, with the output shown under it (`console` blocks only).
#[derive(Debug)]
pub struct ShellLine {
    pub line: usize,
    pub command: String,
    pub output: Vec<String>,
}

/// The command lines of `block` (none for languages that hold no commands).
pub fn shell_lines(block: &Block) -> Vec<ShellLine> {
    let mut out: Vec<ShellLine> = Vec::new();
    let mut continued = false;
    match block.lang.as_str() {
        "console" => {
            for (line, text) in block.lines() {
                if continued {
                    continue_with(&mut out.last_mut().expect("a continued command").command, text);
                    continued = text.ends_with('\\');
                } else if let Some(command) = text.strip_prefix("$ ") {
                    out.push(ShellLine { line, command: command.to_owned(), output: Vec::new() });
                    continued = command.ends_with('\\');
                } else if let Some(last) = out.last_mut() {
                    last.output.push(text.to_owned());
                }
            }
        }
        "sh" | "bash" | "shell" => {
            for (line, text) in block.lines() {
                if continued {
                    continue_with(&mut out.last_mut().expect("a continued command").command, text);
                } else if !text.trim().is_empty() && !text.trim_start().starts_with('#') {
                    out.push(ShellLine { line, command: text.trim().to_owned(), output: Vec::new() });
                }
                continued = text.ends_with('\\');
            }
        }
        "yaml" => {
            let mut script_indent: Option<usize> = None;
            for (line, text) in block.lines() {
                let indent = text.len() - text.trim_start().len();
                if let Some(key_indent) = script_indent {
                    if text.trim().is_empty() || indent > key_indent {
                        if !text.trim().is_empty() {
                            out.push(ShellLine { line, command: text.trim().to_owned(), output: Vec::new() });
                        }
                        continue;
                    }
                    script_indent = None;
                }
                let key = text.trim_start().trim_start_matches("- ");
                if let Some(value) = key.strip_prefix("run:") {
                    let value = value.trim();
                    if value.starts_with('|') || value.starts_with('>') {
                        script_indent = Some(indent + (text.trim_start().len() - key.len()));
                    } else if !value.is_empty() {
                        // A quoted YAML scalar loses its quotes; a plain one is the command as is.
                        let value =
                            ['"', '\''].iter().find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q)).unwrap_or(value);
                        out.push(ShellLine { line, command: value.to_owned(), output: Vec::new() });
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// Appends a continuation line to a command that ended with `\`.
fn continue_with(command: &mut String, text: &str) {
    command.truncate(command.trim_end().trim_end_matches('\\').trim_end().len());
    command.push(' ');
    command.push_str(text.trim());
}

/// How strictly a command line is checked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// A command of a block: every program must be known; hoist's arguments must be complete.
    Block,
    /// A code span in prose: only hoist is checked, and a synopsis may leave out required arguments.
    Inline,
}

/// The problems of one command line: unknown programs and hoist command lines clap refuses.
/// `shortcuts` are the compose shortcuts the docs configure (`ci-dc`).
pub fn check_line(text: &str, mode: Mode, shortcuts: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let tokens = match tokenize(text) {
        Ok(tokens) => tokens,
        Err(e) => return vec![format!("cannot split `{text}` like a shell: {e}")],
    };
    let mut command: Vec<&Word> = Vec::new();
    let mut redirect = false;
    let mut commands: Vec<Vec<&Word>> = Vec::new();
    for token in &tokens {
        match token {
            Token::Word(word) => {
                for inner in &word.substitutions {
                    problems.extend(check_line(inner, mode, shortcuts));
                }
                if redirect {
                    redirect = false;
                } else {
                    command.push(word);
                }
            }
            Token::Redirect => redirect = true,
            Token::Separator => commands.push(std::mem::take(&mut command)),
        }
    }
    commands.push(command);
    for words in commands {
        let mut words: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        while words.first().is_some_and(|w| is_assignment(w)) {
            words.remove(0);
        }
        if words.first() == Some(&"sudo") {
            words.remove(0);
        }
        let Some(program) = words.first() else { continue };
        let args: Vec<&str> = match (*program, words.get(1)) {
            ("cargo", Some(&"xtask")) if words.get(2).is_some_and(|w| XTASK_CHORES.contains(w)) => continue,
            ("hoist", _) => words[1..].to_vec(),
            ("cargo", Some(&"xtask")) => words[2..].to_vec(),
            _ => {
                if mode == Mode::Block && !OTHER_PROGRAMS.contains(program) {
                    problems.push(format!(
                        "`{program}` is neither hoist nor one of the other programs the docs may show (`OTHER_PROGRAMS` in crates/hoist/tests/cli/docs/commands.rs)"
                    ));
                }
                continue;
            }
        };
        if let Err(e) = check_hoist(&args, mode, shortcuts) {
            problems.push(format!("`{}` does not parse: {e}", words.join(" ")));
        }
    }
    problems
}

/// Parses `args` (after `hoist`) with hoist's clap command.
pub fn check_hoist(args: &[&str], mode: Mode, shortcuts: &BTreeSet<String>) -> Result<(), String> {
    let command = hoist_cli::command("hoist");
    match command.clone().try_get_matches_from(std::iter::once("hoist").chain(args.iter().copied())) {
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => Ok(()),
        Err(e)
            if mode == Mode::Inline
                && matches!(
                    e.kind(),
                    ErrorKind::MissingRequiredArgument
                        | ErrorKind::MissingSubcommand
                        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                ) =>
        {
            Ok(())
        }
        Err(e) => Err(e.render().to_string().trim().to_owned()),
        Ok(matches) => match matches.subcommand() {
            Some((name, _)) if command.find_subcommand(name).is_none() => {
                if shortcuts.contains(name) || is_placeholder(name) {
                    Ok(())
                } else {
                    Err(format!(
                        "`{name}` is not a target, nor a compose shortcut of the docs' `hoist.toml` examples ({})",
                        shortcuts.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                    ))
                }
            }
            _ => Ok(()),
        },
    }
}

/// The command line an inline code span shows, when it is a hoist command: `[` and `]` of
/// optional parts and `…` words removed.
pub fn inline_command(span: &Span) -> Option<String> {
    let text = span.text.trim();
    let mut words = text.split_whitespace().skip_while(|w| is_assignment(w));
    let first = words.next()?;
    let is_hoist = first == "hoist" && words.next().is_some()
        || first == "cargo" && words.next() == Some("xtask")
        || text.contains("$(hoist ");
    if !is_hoist {
        return None;
    }
    let cleaned: Vec<String> = text
        .split_whitespace()
        .filter(|w| !matches!(*w, "…" | "..." | "[…]"))
        .map(|w| w.replace(['[', ']'], ""))
        .filter(|w| !w.is_empty())
        .collect();
    Some(cleaned.join(" "))
}

/// Every problem of the commands of `page`, as `FILE:LINE: problem`.
pub fn check_page(page: &Page, shortcuts: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for block in &page.blocks {
        for shell_line in shell_lines(block) {
            for problem in check_line(&shell_line.command, Mode::Block, shortcuts) {
                problems.push(format!("{}:{}: {problem}", page.name, shell_line.line));
            }
        }
    }
    for span in &page.spans {
        if let Some(command) = inline_command(span) {
            for problem in check_line(&command, Mode::Inline, shortcuts) {
                problems.push(format!("{}:{}: {problem}", page.name, span.line));
            }
        }
    }
    problems
}

/// The programs the command lines of `page` run (hoist included), for the check that
/// [`OTHER_PROGRAMS`] holds no program the docs do not use.
pub fn programs(page: &Page) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for block in &page.blocks {
        for shell_line in shell_lines(block) {
            collect_programs(&shell_line.command, &mut found);
        }
    }
    found
}

fn collect_programs(text: &str, found: &mut BTreeSet<String>) {
    let Ok(tokens) = tokenize(text) else { return };
    let mut at_start = true;
    let mut redirect = false;
    for token in &tokens {
        match token {
            Token::Word(word) => {
                for inner in &word.substitutions {
                    collect_programs(inner, found);
                }
                if redirect {
                    redirect = false;
                } else if at_start && !is_assignment(&word.text) {
                    found.insert(word.text.clone());
                    at_start = word.text == "sudo";
                }
            }
            Token::Redirect => redirect = true,
            Token::Separator => at_start = true,
        }
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// A placeholder of a synopsis: `TARGET`, `NAME`.
fn is_placeholder(word: &str) -> bool {
    word.len() >= 2 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c == '-')
}

#[derive(Debug)]
enum Token {
    Word(Word),
    /// `>`, `>>`, `<`: the next word is a file, not an argument.
    Redirect,
    /// `|`, `||`, `&&`, `;`, `&`.
    Separator,
}

#[derive(Debug, Default)]
struct Word {
    /// The word after quote removal; a `$(…)` in it stands as `X`.
    text: String,
    /// The command lines of its `$(…)`.
    substitutions: Vec<String>,
}

/// Splits a command line into words and operators the way a POSIX shell does, enough for the
/// docs: quotes, backslashes, `$(…)`, comments, `|`, `&&`, `||`, `;`, `&` and redirections
/// (`>`, `>>`, `2>&1`, `<`).
fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut word = Word::default();
    let mut in_word = false;
    let mut i = 0;
    let finish = |word: &mut Word, in_word: &mut bool, tokens: &mut Vec<Token>| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                finish(&mut word, &mut in_word, &mut tokens);
                i += 1;
            }
            '#' if !in_word => break,
            '\'' => {
                let end = chars[i + 1..].iter().position(|c| *c == '\'').ok_or("an unclosed `'`")? + i + 1;
                word.text.extend(&chars[i + 1..end]);
                in_word = true;
                i = end + 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("an unclosed `\"`".into()),
                        Some('"') => break,
                        Some('\\') if chars.get(i + 1).is_some_and(|c| matches!(c, '"' | '\\' | '$' | '`')) => {
                            word.text.push(chars[i + 1]);
                            i += 2;
                        }
                        Some('$') if chars.get(i + 1) == Some(&'(') => {
                            let (inner, end) = substitution(&chars, i + 2)?;
                            word.substitutions.push(inner);
                            word.text.push('X');
                            i = end + 1;
                        }
                        Some(c) => {
                            word.text.push(*c);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    word.text.push(*next);
                }
                in_word = true;
                i += 2;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                let (inner, end) = substitution(&chars, i + 2)?;
                word.substitutions.push(inner);
                word.text.push('X');
                in_word = true;
                i = end + 1;
            }
            '|' | '&' | ';' => {
                if c == '&' && chars.get(i + 1) == Some(&'>') {
                    // `&>FILE`: stdout and stderr to FILE.
                    finish(&mut word, &mut in_word, &mut tokens);
                    tokens.push(Token::Redirect);
                    i += 2;
                    continue;
                }
                finish(&mut word, &mut in_word, &mut tokens);
                tokens.push(Token::Separator);
                i += if chars.get(i + 1) == Some(&c) { 2 } else { 1 };
            }
            '>' | '<' => {
                // A file descriptor number right before belongs to the redirection (`2>`).
                if in_word && !word.text.is_empty() && word.text.chars().all(|c| c.is_ascii_digit()) {
                    word = Word::default();
                    in_word = false;
                }
                finish(&mut word, &mut in_word, &mut tokens);
                i += 1;
                if chars.get(i) == Some(&'>') {
                    i += 1;
                }
                if chars.get(i) == Some(&'&') {
                    // `>&2`, `2>&1`: a duplication, no file.
                    i += 1;
                    while chars.get(i).is_some_and(char::is_ascii_digit) {
                        i += 1;
                    }
                } else {
                    tokens.push(Token::Redirect);
                }
            }
            _ => {
                word.text.push(c);
                in_word = true;
                i += 1;
            }
        }
    }
    finish(&mut word, &mut in_word, &mut tokens);
    Ok(tokens)
}

/// The text of the `$(…)` whose body starts at `start`, and the index of its `)`.
fn substitution(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut depth = 1;
    let mut i = start;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => i += 1,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Ok((chars[start..i].iter().collect(), i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err("an unclosed `$(`".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::markdown;

    fn words(text: &str) -> Vec<String> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| match t {
                Token::Word(w) => format!("{}{}", w.text, if w.substitutions.is_empty() { "" } else { "$" }),
                Token::Redirect => ">".into(),
                Token::Separator => "|".into(),
            })
            .collect()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(words("prNum=42 hoist version   # a comment"), ["prNum=42", "hoist", "version"]);
        assert_eq!(words(r#"docker pull "$(hoist tag)-solr""#), ["docker", "pull", "X-solr$"]);
        assert_eq!(
            words("hoist completions bash > /etc/x 2>&1 && echo a\\ b"),
            ["hoist", "completions", "bash", ">", "/etc/x", "|", "echo", "a b"]
        );
        assert_eq!(words("hoist -m 'Release {new_version}' x"), ["hoist", "-m", "Release {new_version}", "x"]);
    }

    #[test]
    fn reports_what_does_not_parse() {
        let shortcuts: BTreeSet<String> = ["ci-dc".to_owned()].into();
        assert_eq!(check_line("prNum=42 hoist version # v0.5.146-42", Mode::Block, &shortcuts), Vec::<String>::new());
        assert_eq!(check_line("hoist ci-dc exec -T web pytest", Mode::Block, &shortcuts), Vec::<String>::new());
        let problems = check_line(r#"docker pull "$(hoist tagg)" && hoist build --pushh"#, Mode::Block, &shortcuts);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].starts_with("`hoist tagg` does not parse: `tagg` is not a target"), "{problems:#?}");
        assert!(
            problems[1].starts_with("`hoist build --pushh` does not parse: error: unexpected argument '--pushh'"),
            "{problems:#?}"
        );
        assert_eq!(
            check_line("hoits tag", Mode::Block, &shortcuts),
            [
                "`hoits` is neither hoist nor one of the other programs the docs may show (`OTHER_PROGRAMS` in crates/hoist/tests/cli/docs/commands.rs)"
            ]
        );
        assert_eq!(check_line("cargo xtask bump patch --dry-runn", Mode::Block, &shortcuts).len(), 1);
        assert_eq!(check_line("hoist exists", Mode::Block, &shortcuts).len(), 1, "a block's command must be complete");
        assert_eq!(check_line("hoist exists", Mode::Inline, &shortcuts), Vec::<String>::new(), "a mention may not be");
    }

    #[test]
    fn a_broken_page_is_reported_with_file_and_line() {
        let page = markdown::parse(
            "docs/broken.md",
            "Run `hoist deploy [ENV] [--dry-run]` or `hoist deploy [--dryrun]`.\n\n```console\n$ hoist tag\nr:v1\n$ hoist layer\n```\n\n```yaml\nsteps:\n  - run: cargo xtask ci --dry-run\n  - run: |\n      git config user.name x\n      cargo xtask ci --progrss plain\n```\n",
        );
        let problems = check_page(&page, &BTreeSet::new());
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].starts_with("docs/broken.md:6: `hoist layer` does not parse: `layer` is not a target"));
        assert!(problems[1].starts_with("docs/broken.md:14: `cargo xtask ci --progrss plain` does not parse:"));
        assert!(problems[2].starts_with("docs/broken.md:1: `hoist deploy --dryrun` does not parse:"));
    }
}
