//! Python's `str.format` mini-language, to the extent bump-my-version templates use it:
//! `{name}`, `{name:spec}`, `{name!s}`, `{{`/`}}`, nested fields in the spec, format specs for
//! strings and integers (`{minor:02}`, `{patch:>4}`, `{n:x}`) and `strftime` specs for dates
//! (`{now:%Y-%m-%d}`).

use crate::error::FormatError;
use crate::time::DateTime;

/// The largest width or precision a format spec may ask for (`{patch:0>1000}`). Python allows
/// any that fits in memory; a version string never needs more than a handful of characters, and
/// a typo such as `{patch:>99999999999}` would otherwise allocate gigabytes.
pub const MAX_WIDTH: usize = 1000;

/// A value in a template context, with Python's formatting behaviour.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A Python `str`.
    Str(String),
    /// A version component: formatted as an integer when its value parses as one, else as is.
    Part(String),
    /// A Python `int`.
    Int(i64),
    /// A Python `bool`.
    Bool(bool),
    /// Python's `None`.
    None,
    /// A `datetime.datetime` (naive or UTC).
    DateTime(DateTime),
}

impl Value {
    /// `str(value)`.
    pub fn to_py_str(&self) -> String {
        match self {
            Value::Str(s) | Value::Part(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Value::None => "None".to_owned(),
            Value::DateTime(dt) => dt.to_py_str(),
        }
    }

    fn repr(&self) -> String {
        match self {
            Value::Str(s) => py_repr_str(s),
            Value::Part(s) => format!("<bumpversion.VersionPart:{s}>"),
            Value::DateTime(dt) => dt.to_py_repr(),
            other => other.to_py_str(),
        }
    }

    /// `format(value, spec)`.
    fn format(&self, spec: &str) -> Result<String, FormatError> {
        match self {
            Value::Str(s) => format_str(s, spec),
            Value::Part(s) => match parse_py_int(s) {
                Some(n) => format_int(&n, spec),
                None => Ok(s.clone()),
            },
            Value::Int(i) => format_int(&PyInt::from_i64(*i), spec),
            Value::Bool(b) if spec.is_empty() => Ok(self.to_py_str()),
            Value::Bool(b) => format_int(&PyInt::from_i64(i64::from(*b)), spec),
            Value::None if spec.is_empty() => Ok("None".to_owned()),
            Value::None => Err(FormatError::BadSpec { spec: spec.to_owned(), kind: "NoneType" }),
            Value::DateTime(dt) if spec.is_empty() => Ok(dt.to_py_str()),
            Value::DateTime(dt) => Ok(dt.strftime(spec)),
        }
    }
}

/// Python `repr()` of a string.
fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// One piece of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Literal(String),
    Field { name: &'a str, conversion: Option<char>, spec: &'a str },
}

/// Parses `template` the way Python's `string.Formatter().parse` does.
pub(crate) fn parse(template: &str) -> Result<Vec<Piece<'_>>, FormatError> {
    let bytes = template.as_bytes();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'{' {
            if bytes.get(i + 1) == Some(&b'{') {
                literal.push('{');
                i += 2;
                continue;
            }
            // Find the matching `}`, counting nested braces.
            let start = i + 1;
            let mut depth = 1;
            let mut j = start;
            while j < bytes.len() {
                match bytes[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= bytes.len() {
                return Err(FormatError::Syntax {
                    template: template.to_owned(),
                    message: "expected '}' before end of string",
                });
            }
            let field = &template[start..j];
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(parse_field(template, field)?);
            i = j + 1;
        } else if c == b'}' {
            if bytes.get(i + 1) == Some(&b'}') {
                literal.push('}');
                i += 2;
                continue;
            }
            return Err(FormatError::Syntax {
                template: template.to_owned(),
                message: "single '}' encountered in format string",
            });
        } else {
            let ch_len = utf8_len(c);
            literal.push_str(&template[i..i + ch_len]);
            i += ch_len;
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0..0x80 => 1,
        0xc0..0xe0 => 2,
        0xe0..0xf0 => 3,
        _ => 4,
    }
}

fn parse_field<'a>(template: &str, field: &'a str) -> Result<Piece<'a>, FormatError> {
    // The name ends at the first `!` or `:` outside brackets.
    let bytes = field.as_bytes();
    let mut end = bytes.len();
    let mut in_bracket = false;
    for (k, &b) in bytes.iter().enumerate() {
        match b {
            b'[' => in_bracket = true,
            b']' => in_bracket = false,
            b'!' | b':' if !in_bracket => {
                end = k;
                break;
            }
            _ => {}
        }
    }
    let name = &field[..end];
    let rest = &field[end..];
    let (conversion, spec) = if let Some(after) = rest.strip_prefix('!') {
        let mut chars = after.chars();
        let conv = chars.next().ok_or(FormatError::Syntax {
            template: template.to_owned(),
            message: "end of string while looking for conversion specifier",
        })?;
        let remaining = chars.as_str();
        let spec = if remaining.is_empty() {
            ""
        } else if let Some(spec) = remaining.strip_prefix(':') {
            spec
        } else {
            return Err(FormatError::Syntax {
                template: template.to_owned(),
                message: "expected ':' after conversion specifier",
            });
        };
        (Some(conv), spec)
    } else if let Some(spec) = rest.strip_prefix(':') {
        (None, spec)
    } else {
        (None, "")
    };
    Ok(Piece::Field { name, conversion, spec })
}

/// The field names of `template`, as `string.Formatter().parse` lists them (empty names left
/// out). A template that does not parse has no labels.
pub(crate) fn labels(template: &str) -> Vec<&str> {
    parse(template)
        .map(|pieces| {
            pieces
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Field { name, .. } if !name.is_empty() => Some(name),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Renders `template` with values from `lookup`, like `template.format(**context)`.
pub fn format(template: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<String, FormatError> {
    let mut out = String::new();
    for piece in parse(template)? {
        match piece {
            Piece::Literal(text) => out.push_str(&text),
            Piece::Field { name, conversion, spec } => {
                let value = resolve(template, name, lookup)?;
                let spec = if spec.contains('{') { format(spec, lookup)? } else { spec.to_owned() };
                let value = match conversion {
                    None => value,
                    Some('s') => Value::Str(value.to_py_str()),
                    Some('r') | Some('a') => Value::Str(value.repr()),
                    Some(other) => return Err(FormatError::UnknownConversion { conversion: other }),
                };
                out.push_str(&value.format(&spec)?);
            }
        }
    }
    Ok(out)
}

fn resolve(template: &str, name: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<Value, FormatError> {
    let first_len = name.find(['.', '[']).unwrap_or(name.len());
    if first_len == 0 || name[..first_len].bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatError::Positional { template: template.to_owned() });
    }
    let split = name.find(['.', '[']).unwrap_or(name.len());
    let (first, mut rest) = name.split_at(split);
    let mut value = lookup(first).ok_or_else(|| FormatError::MissingKey { key: first.to_owned() })?;
    while !rest.is_empty() {
        if let Some(attr) = rest.strip_prefix('.') {
            let end = attr.find(['.', '[']).unwrap_or(attr.len());
            let (attr_name, tail) = attr.split_at(end);
            value = match &value {
                Value::DateTime(dt) => dt.attribute(attr_name),
                _ => None,
            }
            .ok_or_else(|| FormatError::MissingAttribute { key: name.to_owned(), attribute: attr_name.to_owned() })?;
            rest = tail;
        } else {
            return Err(FormatError::MissingAttribute { key: name.to_owned(), attribute: rest.to_owned() });
        }
    }
    Ok(value)
}

/// A parsed format spec: `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Debug, Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alternate: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

fn parse_spec(spec: &str, kind: &'static str) -> Result<Spec, FormatError> {
    let bad = || FormatError::BadSpec { spec: spec.to_owned(), kind };
    let chars: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '=' | '^');
    if chars.len() >= 2 && is_align(chars[1]) {
        s.fill = Some(chars[0]);
        s.align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && is_align(chars[0]) {
        s.align = Some(chars[0]);
        i = 1;
    }
    if i < chars.len() && matches!(chars[i], '+' | '-' | ' ') {
        s.sign = Some(chars[i]);
        i += 1;
    }
    if i < chars.len() && chars[i] == 'z' {
        i += 1;
    }
    if i < chars.len() && chars[i] == '#' {
        s.alternate = true;
        i += 1;
    }
    if i < chars.len() && chars[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let start = i;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        s.width = bounded(spec, "width", &chars[start..i])?;
    }
    if i < chars.len() && matches!(chars[i], ',' | '_') {
        s.grouping = Some(chars[i]);
        i += 1;
    }
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
        s.precision = Some(bounded(spec, "precision", &chars[start..i])?);
    }
    if i < chars.len() {
        s.kind = Some(chars[i]);
        i += 1;
    }
    if i != chars.len() {
        return Err(bad());
    }
    Ok(s)
}

/// A width or precision (ASCII digits), refused above [`MAX_WIDTH`].
fn bounded(spec: &str, what: &'static str, digits: &[char]) -> Result<usize, FormatError> {
    let text: String = digits.iter().collect();
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_WIDTH => Ok(n),
        _ => Err(FormatError::TooWide { spec: spec.to_owned(), what, value: text, max: MAX_WIDTH }),
    }
}

fn pad(body: String, prefix: &str, spec: &Spec, default_align: char) -> String {
    let len = prefix.chars().count() + body.chars().count();
    if len >= spec.width {
        return format!("{prefix}{body}");
    }
    let (fill, align) = match (spec.fill, spec.align, spec.zero) {
        (fill, Some(align), _) => (fill.unwrap_or(' '), align),
        (None, None, true) => ('0', if default_align == '<' { '<' } else { '=' }),
        (fill, None, _) => (fill.unwrap_or(' '), default_align),
    };
    let n = spec.width - len;
    let fills = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{prefix}{body}{}", fills(n)),
        '>' => format!("{}{prefix}{body}", fills(n)),
        '^' => format!("{}{prefix}{body}{}", fills(n / 2), fills(n - n / 2)),
        _ => format!("{prefix}{}{body}", fills(n)),
    }
}

fn format_str(s: &str, spec: &str) -> Result<String, FormatError> {
    if spec.is_empty() {
        return Ok(s.to_owned());
    }
    let parsed = parse_spec(spec, "str")?;
    if parsed.sign.is_some() || parsed.alternate || parsed.grouping.is_some() || parsed.align == Some('=') {
        return Err(FormatError::BadSpec { spec: spec.to_owned(), kind: "str" });
    }
    if !matches!(parsed.kind, None | Some('s')) {
        return Err(FormatError::BadSpec { spec: spec.to_owned(), kind: "str" });
    }
    let body: String = match parsed.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_owned(),
    };
    Ok(pad(body, "", &parsed, '<'))
}

/// An integer as Python's `int()` reads it: sign and decimal digits, no leading zeros.
#[derive(Debug, PartialEq, Eq)]
struct PyInt {
    negative: bool,
    digits: String,
}

impl PyInt {
    fn from_i64(i: i64) -> PyInt {
        PyInt { negative: i < 0, digits: i.unsigned_abs().to_string() }
    }
}

/// `int(s)` for a string: surrounding whitespace, a sign, digits with single `_` between them.
fn parse_py_int(s: &str) -> Option<PyInt> {
    let t = s.trim_matches(|c: char| c.is_whitespace());
    let (negative, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    if !body.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let trimmed = digits.trim_start_matches('0');
    let digits = if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() };
    let negative = negative && digits != "0";
    Some(PyInt { negative, digits })
}

fn group(digits: &str, sep: char, every: usize) -> String {
    let mut out = String::new();
    let n = digits.len();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (n - k).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn format_int(n: &PyInt, spec: &str) -> Result<String, FormatError> {
    let sign_str = |parsed: &Spec| -> &'static str {
        match (n.negative, parsed.sign) {
            (true, _) => "-",
            (false, Some('+')) => "+",
            (false, Some(' ')) => " ",
            _ => "",
        }
    };
    if spec.is_empty() {
        return Ok(format!("{}{}", if n.negative { "-" } else { "" }, n.digits));
    }
    let parsed = parse_spec(spec, "int")?;
    if parsed.precision.is_some() {
        return Err(FormatError::BadSpec { spec: spec.to_owned(), kind: "int" });
    }
    let (body, base_prefix) = match parsed.kind {
        None | Some('d') | Some('n') => (n.digits.clone(), ""),
        Some(kind @ ('x' | 'X' | 'o' | 'b')) => {
            let value: u128 =
                n.digits.parse().map_err(|_| FormatError::BadSpec { spec: spec.to_owned(), kind: "int" })?;
            match kind {
                'x' => (format!("{value:x}"), "0x"),
                'X' => (format!("{value:X}"), "0X"),
                'o' => (format!("{value:o}"), "0o"),
                _ => (format!("{value:b}"), "0b"),
            }
        }
        Some(_) => return Err(FormatError::BadSpec { spec: spec.to_owned(), kind: "int" }),
    };
    let body = match parsed.grouping {
        Some(sep) => group(&body, sep, if matches!(parsed.kind, None | Some('d') | Some('n')) { 3 } else { 4 }),
        None => body,
    };
    let prefix = format!("{}{}", sign_str(&parsed), if parsed.alternate { base_prefix } else { "" });
    Ok(pad(body, &prefix, &parsed, '>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(name: &str) -> Option<Value> {
        match name {
            "major" => Some(Value::Part("1".into())),
            "minor" => Some(Value::Part("09".into())),
            "pre" => Some(Value::Part("rc".into())),
            "current_minor" => Some(Value::Str("5".into())),
            "name" => Some(Value::Str("abc".into())),
            "#" => Some(Value::Str("#".into())),
            "$HOME" => Some(Value::Str("/root".into())),
            "none" => Some(Value::None),
            "dirty" => Some(Value::Bool(false)),
            "distance" => Some(Value::Int(12)),
            "w" => Some(Value::Str("3".into())),
            _ => None,
        }
    }

    #[test]
    fn formats_like_python() {
        let cases = [
            ("{major}.{minor}", "1.9"),
            ("{major:02}.{minor:03}", "01.009"),
            ("{pre:05}", "rc"),
            ("{{literal}} {major}", "{literal} 1"),
            ("{current_minor:>3}|{name:<5}|{name:^7}|{name:.2}", "  5|abc  |  abc  |ab"),
            ("{current_minor:02}", "50"),
            ("{#}{$HOME}", "#/root"),
            ("{none} {dirty} {distance:04}", "None False 0012"),
            ("{name!r} {major!s}", "'abc' 1"),
            ("{major:{w}}", "  1"),
            ("{distance:x} {distance:#b} {distance:+}", "c 0b1100 +12"),
            ("{major:*^5}", "**1**"),
        ];
        for (template, expected) in cases {
            assert_eq!(format(template, &ctx).unwrap(), expected, "{template}");
        }
    }

    #[test]
    fn errors_like_python() {
        for template in ["{missing}", "{", "}", "{}", "{0}", "{name:d}", "{none:02}", "{major!x}", "{name.attr}"] {
            assert!(format(template, &ctx).is_err(), "{template} should fail");
        }
    }

    #[test]
    fn widths_and_precisions_are_bounded() {
        let big = |name: &str| match name {
            "big" => Some(Value::Str("100000000".into())),
            other => ctx(other),
        };
        for template in [
            "{major:0>100000000}",
            "{major:>99999999999}",
            "{major:099999999999999999999999}",
            "{name:.1001}",
            "{major:{big}}",
            "{distance:_>1001x}",
        ] {
            let err = format(template, &big).unwrap_err();
            assert!(matches!(err, FormatError::TooWide { max: MAX_WIDTH, .. }), "{template}: {err}");
        }
        assert_eq!(
            format("{major:0>100000000}", &ctx).unwrap_err().to_string(),
            "the format spec `0>100000000` asks for a width of 100000000, more than hoist allows: use a width of at most 1000"
        );
        assert_eq!(
            format("{name:.5000}", &ctx).unwrap_err().to_string(),
            "the format spec `.5000` asks for a precision of 5000, more than hoist allows: use a precision of at most 1000"
        );
        // The bound itself is allowed.
        assert_eq!(format("{major:0>1000}", &ctx).unwrap().len(), 1000);
        assert_eq!(format("{name:.1000}", &ctx).unwrap(), "abc");
    }

    #[test]
    fn labels_like_string_formatter() {
        assert_eq!(labels("{major}.{minor}-{pre}{{x}}{now:%Y}"), ["major", "minor", "pre", "now"]);
        assert_eq!(labels("{a.b}{}"), ["a.b"]);
        assert!(labels("{bad").is_empty());
    }

    #[test]
    fn python_int_parsing() {
        assert_eq!(parse_py_int(" 007 "), Some(PyInt { negative: false, digits: "7".into() }));
        assert_eq!(parse_py_int("1_000"), Some(PyInt { negative: false, digits: "1000".into() }));
        assert_eq!(parse_py_int("-0"), Some(PyInt { negative: false, digits: "0".into() }));
        for bad in ["", "r1", "1__0", "_1", "1.0", "0x1"] {
            assert_eq!(parse_py_int(bad), None, "{bad}");
        }
    }
}
