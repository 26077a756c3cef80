//! Python `re` patterns on top of `fancy-regex` (which brings lookaround and backreferences):
//! the syntax differences are translated, `re.escape`, and `re.sub` with a Python replacement
//! template (`\1`, `\g<name>`, `\n`).

use fancy_regex::{Regex, RegexOptionsBuilder};

use crate::error::RegexError;

/// Flags as in Python's `re` module.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Flags {
    pub verbose: bool,
    pub multiline: bool,
    pub dotall: bool,
    /// Compile `\d` as `[0-9]`: only for patterns matched against ASCII text, where both
    /// match the same characters, and a Unicode class is costly to compile.
    pub ascii_digits: bool,
    /// Matched only against short strings (versions, tags, a configuration file): build no
    /// prefilter (the literal scanners that speed up a search through a long text). Building
    /// one is most of compiling a `parse` pattern; matches are the same with or without.
    pub short: bool,
}

type Cache = std::collections::HashMap<(String, bool, bool, bool, bool, bool), Result<Regex, RegexError>>;

/// The most compiled patterns [`compile`] keeps.
const CACHE_SIZE: usize = 256;

/// Compiles a Python regular expression (each pattern once per process, up to [`CACHE_SIZE`]).
pub(crate) fn compile(pattern: &str, flags: Flags) -> Result<Regex, RegexError> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<Cache>> = std::sync::OnceLock::new();
    let key = (pattern.to_owned(), flags.verbose, flags.multiline, flags.dotall, flags.ascii_digits, flags.short);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return found;
    }
    let compiled = compile_uncached(pattern, flags);
    if let Ok(mut c) = cache.lock() {
        // A run uses a handful of patterns; a process that compiles many (the fuzzer, millions)
        // must not keep them all.
        if c.len() >= CACHE_SIZE {
            c.clear();
        }
        c.insert(key, compiled.clone());
    }
    compiled
}

fn compile_uncached(pattern: &str, flags: Flags) -> Result<Regex, RegexError> {
    let translated = translate(pattern, flags.verbose, flags.ascii_digits)
        .map_err(|message| RegexError { pattern: pattern.to_owned(), message })?;
    let mut builder = RegexOptionsBuilder::new();
    builder.verbose_mode(flags.verbose).multi_line(flags.multiline).dot_matches_new_line(flags.dotall);
    builder.backtrack_limit(1_000_000);
    builder.build_delegate_prefilter(!flags.short);
    // `translate` refuses the subroutine calls it sees, but fancy-regex reads more syntax than
    // Python (`(?#…)` comments, an inline `(?x)`, names of any characters) and could find a call
    // where `translate` saw a class or a comment: ask its parser, which `build` runs anyway.
    let tree = if flags.verbose { format!("(?x){translated}") } else { translated.clone() };
    if fancy_regex::Expr::parse_tree(&tree).is_ok_and(|tree| tree.contains_subroutines) {
        return Err(RegexError { pattern: pattern.to_owned(), message: SUBROUTINE_SOMEWHERE.to_owned() });
    }
    builder.build(translated).map_err(|e| RegexError { pattern: pattern.to_owned(), message: e.to_string() })
}

/// Why a pattern with a call [`translate`] did not see is refused.
const SUBROUTINE_SOMEWHERE: &str = "the pattern calls a group as a subroutine (`\\g<…>`, `(?P>…)`), which Python's `re` does not do: remove the call, or match the group's text again with `(?P=NAME)`";

/// Why a subroutine call `construct` is refused, and what to write instead.
fn subroutine_message(construct: &str) -> String {
    format!(
        "`{construct}` calls a group as a subroutine, which Python's `re` does not do: remove it, or match the group's text again with `(?P=NAME)`"
    )
}

/// The group-name constructs at the start of `chars`: the length of the opener and the
/// character that closes the name (`(?P<name>`, `(?P=name)`, and fancy-regex's `(?<name>`,
/// `(?'name'`; not the lookbehinds `(?<=`, `(?<!`).
fn group_name_syntax(chars: &[char]) -> Option<(usize, char)> {
    if chars.starts_with(&['(', '?', 'P', '<']) || chars.starts_with(&['(', '?', 'P', '=']) {
        Some((4, if chars[3] == '<' { '>' } else { ')' }))
    } else if chars.starts_with(&['(', '?', '<']) && !matches!(chars.get(3), Some('=' | '!')) {
        Some((3, '>'))
    } else if chars.starts_with(&['(', '?', '\'']) {
        Some((3, '\''))
    } else {
        None
    }
}

/// A group name Python accepts (`str.isidentifier`): letters, digits and `_`, not starting
/// with a digit.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Rewrites the parts of Python syntax that the Rust engines read differently: `\Z` (end of
/// string), `{` that starts no repetition (a literal in Python) and `}`.
///
/// Refuses subroutine calls (`\g<0>`, `\g1`, `(?P>name)`): Python's `re` has none (it calls
/// `\g` a bad escape), and fancy-regex expands each call in place, so a recursive one such as
/// `(?P<a>x|y(?P>a)(?P>a))` takes time and memory exponential in the calls (gigabytes from a
/// `parse` pattern of 30 characters).
///
/// Refuses a group name that is not a Python identifier, as Python does: fancy-regex takes any
/// characters up to the closing `>`, so a name such as `[` would otherwise be read here as a
/// class and hide what follows it.
fn translate(pattern: &str, verbose: bool, ascii_digits: bool) -> Result<String, String> {
    let subroutine = subroutine_message;
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let next = chars[i + 1];
                if next == 'g' && !in_class {
                    return Err(subroutine("\\g"));
                } else if next == 'Z' && !in_class {
                    out.push_str("\\z");
                } else if next == 'd' && ascii_digits {
                    out.push_str(if in_class { "0-9" } else { "[0-9]" });
                } else {
                    out.push('\\');
                    out.push(next);
                }
                i += 2;
                continue;
            }
            '(' if !in_class && chars[i + 1..].starts_with(&['?', 'P', '>']) => {
                return Err(subroutine("(?P>"));
            }
            '(' if !in_class && group_name_syntax(&chars[i..]).is_some() => {
                let (opener, close) = group_name_syntax(&chars[i..]).unwrap_or((1, ')'));
                let opening: String = chars[i..i + opener].iter().collect();
                let start = i + opener;
                let Some(length) = chars[start..].iter().position(|c| *c == close) else {
                    return Err(format!("the group name after `{opening}` is not closed with `{close}`"));
                };
                let name: String = chars[start..start + length].iter().collect();
                if !is_identifier(&name) {
                    return Err(format!(
                        "the group name `{name}` is not a Python identifier: name a group with letters, digits and `_`, not starting with a digit"
                    ));
                }
                out.push_str(&opening);
                out.push_str(&name);
                out.push(close);
                i = start + length + 1;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` or `^]` right after the opening bracket is literal in both engines.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' if in_class => out.push_str("\\["),
            '#' if verbose && !in_class => {
                // A comment runs to the end of the line.
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '{' if !in_class => {
                let rest: String = chars[i..].iter().take(24).collect();
                if i > 0 && is_repetition(&rest) {
                    // Copy the repetition through its `}`; Python's `{,m}` is `{0,m}`.
                    out.push('{');
                    if chars.get(i + 1) == Some(&',') {
                        out.push('0');
                    }
                    i += 1;
                    while i < chars.len() && chars[i] != '}' {
                        out.push(chars[i]);
                        i += 1;
                    }
                    out.push('}');
                } else {
                    out.push_str("\\{");
                }
            }
            '}' if !in_class => out.push_str("\\}"),
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// `{n}`, `{n,}`, `{,m}`, `{n,m}` (Python's quantifier forms).
fn is_repetition(s: &str) -> bool {
    let Some(end) = s.find('}') else { return false };
    let body = &s[1..end];
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    match hi {
        None => !lo.is_empty() && digits(lo),
        Some(hi) => digits(lo) && digits(hi) && !(lo.is_empty() && hi.is_empty()),
    }
}

/// `re.escape`, producing an escape both Python and the Rust engines read as the literal.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '(' | ')' | '[' | ']' | '{' | '}' | '?' | '*' | '+' | '-' | '|' | '^' | '$' | '\\' | '.' | '&' | '~'
            | '#' => {
                out.push('\\');
                out.push(c);
            }
            ' ' => out.push_str("\\x20"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0b' => out.push_str("\\x0b"),
            '\x0c' => out.push_str("\\x0c"),
            c => out.push(c),
        }
    }
    out
}

/// One part of a parsed replacement template.
#[derive(Debug, PartialEq, Eq)]
enum Repl {
    Literal(String),
    Group(usize),
}

/// Parses a Python `re.sub` replacement template against `regex`'s groups.
fn parse_template(template: &str, regex: &Regex) -> Result<Vec<Repl>, RegexError> {
    let names: Vec<Option<&str>> = regex.capture_names().collect();
    parse_template_for(template, regex.captures_len(), &names)
}

fn parse_template_for(template: &str, group_count: usize, names: &[Option<&str>]) -> Result<Vec<Repl>, RegexError> {
    let err = |message: String| RegexError { pattern: template.to_owned(), message };
    let group_by_name = |name: &str| -> Result<usize, RegexError> {
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            let n: usize = name.parse().map_err(|_| err(format!("invalid group reference {name}")))?;
            if n >= group_count {
                return Err(err(format!("invalid group reference {n}")));
            }
            return Ok(n);
        }
        names.iter().position(|n| *n == Some(name)).ok_or_else(|| err(format!("unknown group name '{name}'")))
    };
    let chars: Vec<char> = template.chars().collect();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            literal.push(c);
            i += 1;
            continue;
        }
        let Some(&next) = chars.get(i + 1) else {
            return Err(err("bad escape (end of pattern)".to_owned()));
        };
        i += 2;
        let group = match next {
            'g' => {
                if chars.get(i) != Some(&'<') {
                    return Err(err("missing <".to_owned()));
                }
                let end = chars[i..].iter().position(|c| *c == '>').ok_or_else(|| err("missing >".to_owned()))?;
                let name: String = chars[i + 1..i + end].iter().collect();
                i += end + 1;
                Some(group_by_name(&name)?)
            }
            '0' => {
                // Octal escape: up to three octal digits.
                let mut value = 0u32;
                let mut k = 0;
                while k < 2 && chars.get(i).is_some_and(|c| c.is_digit(8)) {
                    value = value * 8 + chars[i].to_digit(8).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                literal.push(char::from_u32(value).unwrap_or('\0'));
                None
            }
            '1'..='9' => {
                let mut digits = String::from(next);
                if chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
                    let third = chars.get(i + 1).copied();
                    if next <= '7' && chars[i] <= '7' && third.is_some_and(|c| ('0'..='7').contains(&c)) {
                        let octal: String = [next, chars[i], third.unwrap_or('0')].iter().collect();
                        i += 2;
                        let value = u32::from_str_radix(&octal, 8).unwrap_or(0);
                        if value > 0o377 {
                            return Err(err(format!("octal escape value \\{octal} outside of range 0-0o377")));
                        }
                        literal.push(char::from_u32(value).unwrap_or('\0'));
                        continue;
                    }
                    digits.push(chars[i]);
                    i += 1;
                }
                Some(group_by_name(&digits)?)
            }
            'n' => {
                literal.push('\n');
                None
            }
            't' => {
                literal.push('\t');
                None
            }
            'r' => {
                literal.push('\r');
                None
            }
            'a' => {
                literal.push('\x07');
                None
            }
            'b' => {
                literal.push('\x08');
                None
            }
            'f' => {
                literal.push('\x0c');
                None
            }
            'v' => {
                literal.push('\x0b');
                None
            }
            '\\' => {
                literal.push('\\');
                None
            }
            c if c.is_ascii_alphabetic() => return Err(err(format!("bad escape \\{c}"))),
            c => {
                literal.push('\\');
                literal.push(c);
                None
            }
        };
        if let Some(group) = group {
            if !literal.is_empty() {
                parts.push(Repl::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Repl::Group(group));
        }
    }
    if !literal.is_empty() {
        parts.push(Repl::Literal(literal));
    }
    Ok(parts)
}

/// `regex.sub(template, text)`: every match replaced, the template read as Python does.
pub(crate) fn sub(regex: &Regex, template: &str, text: &str) -> Result<String, RegexError> {
    let parts = parse_template(template, regex)?;
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in regex.captures_iter(text) {
        let caps = caps.map_err(|e| RegexError { pattern: regex.as_str().to_owned(), message: e.to_string() })?;
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&text[last..whole.start()]);
        for part in &parts {
            match part {
                Repl::Literal(s) => out.push_str(s),
                Repl::Group(n) => out.push_str(caps.get(*n).map_or("", |m| m.as_str())),
            }
        }
        last = whole.end();
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// `re.compile(re.escape(needle)).sub(template, text)` without a regex: every occurrence of
/// `needle`, left to right, replaced by the expanded template (`\g<0>` is the needle).
pub(crate) fn literal_sub(needle: &str, template: &str, text: &str) -> Result<String, RegexError> {
    let parts = parse_template_for(template, 1, &[None])?;
    let mut replacement = String::new();
    for part in &parts {
        match part {
            Repl::Literal(s) => replacement.push_str(s),
            Repl::Group(_) => replacement.push_str(needle),
        }
    }
    Ok(text.replace(needle, &replacement))
}

/// Does `regex` match anywhere in `text`?
pub(crate) fn is_match(regex: &Regex, text: &str) -> bool {
    regex.is_match(text).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub_check(pattern: &str, template: &str, text: &str) -> Result<String, RegexError> {
        let regex = compile(pattern, Flags { multiline: true, dotall: true, ..Flags::default() }).unwrap();
        sub(&regex, template, text)
    }

    #[test]
    fn python_replacement_templates() {
        let cases = [
            (r"(?P<v>\d+)\.(\d+)", r"<\g<v>|\2|\g<0>>", "a 1.2 b 3.4", "a <1|2|1.2> b <3|4|3.4>"),
            (r"x", r"\n\t\\", "x", "\n\t\\"),
            (r"x", r"a\.b\&", "x", r"a\.b\&"),
            (r"(a)|(b)", r"[\2]", "ab", "[][b]"),
            (r"(?<=v)1\.0", "2.0", "v1.0 1.0", "v2.0 1.0"),
            (r"(\w)\1", "=", "aabc", "=bc"),
        ];
        for (pattern, template, text, expected) in cases {
            assert_eq!(sub_check(pattern, template, text).unwrap(), expected, "{pattern} / {template}");
        }
        for (pattern, template) in [("x", r"\q"), ("x", r"\1"), ("x", r"\g<name>"), ("x", "\\")] {
            assert!(sub_check(pattern, template, "x").is_err(), "{template}");
        }
    }

    #[test]
    fn python_syntax_is_translated() {
        let m = |pattern: &str, text: &str| {
            is_match(&compile(pattern, Flags { verbose: true, ..Flags::default() }).unwrap(), text)
        };
        assert!(m(r"a{", "a{"));
        assert!(m(r"a{2}\Z", "aa"));
        assert!(!m(r"a\Z", "a\n"));
        assert!(m(r"x{,2}y", "xxy"));
        assert!(m("(?P<major>\\d+) # the major part\n \\.", "1."));
        assert!(m(r"[]a]", "]"));
        assert!(m(r"version = {x}", "version=x") || m(r"version = \{x\}", "version={x}"));
    }

    #[test]
    fn literal_sub_matches_regex_sub() {
        for (needle, template, text) in
            [("1.2", "1.3", "a 1.2 1.2x"), ("a.b", r"[\g<0>]\n", "a.b ab"), ("x", r"\\", "x")]
        {
            let regex = compile(&escape(needle), Flags { multiline: true, dotall: true, ..Flags::default() }).unwrap();
            assert_eq!(literal_sub(needle, template, text).unwrap(), sub(&regex, template, text).unwrap());
        }
        assert!(literal_sub("x", r"\1", "x").is_err());
    }

    #[test]
    fn ascii_digits_only_change_the_class() {
        let flags = Flags { verbose: true, ascii_digits: true, ..Flags::default() };
        assert_eq!(translate(r"(?P<a>\d+)[\d.]\\d", true, true).unwrap(), r"(?P<a>[0-9]+)[0-9.]\\d");
        assert!(is_match(&compile(r"^\d+\.[\d]$", flags).unwrap(), "12.3"));
    }

    #[test]
    fn subroutine_calls_are_refused() {
        // Python's `re` refuses them all; fancy-regex would expand each call in place.
        for pattern in [r"(a)\g1", r"(a)\g<1>", r"(a)\g'1'", r"(?P<a>x)(?P>a)", r"|a\g0\g0"] {
            let err = compile(pattern, Flags::default()).unwrap_err();
            assert!(err.message.contains("calls a group as a subroutine"), "{pattern}: {}", err.message);
        }
        // Found by `cargo xtask fuzz version-format`: a group name fancy-regex takes and Python
        // refuses (`[`) hid the call behind what looked like a class; `(?#…)` and an inline
        // `(?x)` are read by fancy-regex only.
        for pattern in [r"(?<[>a)\g<1>", r"(?P<[>a)\g<1>", r"(?'[a'a)\g<1>"] {
            let err = compile(pattern, Flags::default()).unwrap_err();
            assert!(err.message.contains("is not a Python identifier"), "{pattern}: {}", err.message);
        }
        for pattern in ["(?#[)(a)\\g<1>", "(?x)#[\n(a)\\g<1>"] {
            let err = compile(pattern, Flags::default()).unwrap_err();
            assert!(err.message.contains("calls a group as a subroutine"), "{pattern}: {}", err.message);
        }
        // A backreference, and `\g` in a verbose comment, stay valid.
        for pattern in [r"(?P<a>x)(?P=a)", r"(a)\1", "a # \\g<0>\n", r"(?P<ma_1>x)(?<=x)(?<!y)(?P=ma_1)"] {
            assert!(compile(pattern, Flags { verbose: true, ..Flags::default() }).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn escape_is_literal() {
        let text = "a.b*c (d) [e] {f} $^ | + ? \\ # & ~ - \t\nz é";
        let regex = compile(&escape(text), Flags { verbose: true, ..Flags::default() }).unwrap();
        assert!(is_match(&regex, text));
        assert!(!is_match(&regex, "a-b*c"));
    }
}
