//! The legacy INI configuration (`.bumpversion.cfg`, `setup.cfg`), read as Python's
//! `configparser` does, with bump-my-version's `autocast` of values.

use std::path::Path;

use crate::config::Raw;
use crate::error::VersionError;

/// The sections of an INI file, in order: name and `(key, value)` pairs in order.
pub(crate) type Sections = Vec<(String, Vec<(String, String)>)>;

/// Parses INI text as `RawConfigParser` (or `ConfigParser` with `%` interpolation).
pub(crate) fn parse(path: &Path, text: &str, interpolate: bool) -> Result<Sections, VersionError> {
    let err =
        |line: usize, message: &str| VersionError::Ini { path: path.to_owned(), line, message: message.to_owned() };
    let mut sections: Sections = Vec::new();
    let mut defaults: Vec<(String, String)> = Vec::new();
    // Values are collected as lists of lines, joined at the end.
    let mut values: Vec<(usize, usize, Vec<String>)> = Vec::new(); // (section, option index, lines)
    let mut current: Option<usize> = None; // usize::MAX = DEFAULT
    let mut option: Option<usize> = None; // index into `values`
    let mut indent_level = 0usize;
    for (lineno, raw_line) in text.split('\n').enumerate() {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let stripped = line.trim();
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if is_comment { "" } else { stripped };
        if value.is_empty() {
            if !is_comment && let Some(o) = option {
                values[o].2.push(String::new());
            }
            continue;
        }
        let cur_indent = line.len() - line.trim_start().len();
        if current.is_some() && option.is_some() && cur_indent > indent_level {
            if let Some(o) = option {
                values[o].2.push(value.to_owned());
            }
            continue;
        }
        indent_level = cur_indent;
        if let Some(rest) = value.strip_prefix('[')
            && let Some(end) = rest.rfind(']')
            && end > 0
        {
            let name = &rest[..end];
            if name == "DEFAULT" {
                current = Some(usize::MAX);
            } else {
                if sections.iter().any(|(n, _)| n == name) {
                    return Err(err(lineno + 1, &format!("the section `[{name}]` appears twice")));
                }
                sections.push((name.to_owned(), Vec::new()));
                current = Some(sections.len() - 1);
            }
            option = None;
            continue;
        }
        let Some(section) = current else {
            return Err(err(lineno + 1, "a key before the first `[section]` header"));
        };
        let Some(delim) = value.find(['=', ':']) else {
            return Err(err(lineno + 1, "expected `key = value`"));
        };
        let key = value[..delim].trim_end().to_lowercase();
        if key.is_empty() {
            return Err(err(lineno + 1, "a value without a key"));
        }
        let val = value[delim + 1..].trim().to_owned();
        let options = if section == usize::MAX { &mut defaults } else { &mut sections[section].1 };
        if options.iter().any(|(k, _)| *k == key) {
            return Err(err(lineno + 1, &format!("the key `{key}` appears twice in its section")));
        }
        options.push((key, String::new()));
        values.push((section, options.len() - 1, vec![val]));
        option = Some(values.len() - 1);
    }
    for (section, index, lines) in values {
        let joined = lines.join("\n").trim_end().to_owned();
        let options = if section == usize::MAX { &mut defaults } else { &mut sections[section].1 };
        options[index].1 = joined;
    }
    for (_, options) in &mut sections {
        for (k, v) in &defaults {
            if !options.iter().any(|(key, _)| key == k) {
                options.push((k.clone(), v.clone()));
            }
        }
        if interpolate {
            let snapshot = options.clone();
            for (_, v) in options.iter_mut() {
                *v = interpolate_value(v, &snapshot);
            }
        }
    }
    Ok(sections)
}

/// `BasicInterpolation`: `%%` → `%`, `%(key)s` → the key's value.
fn interpolate_value(value: &str, options: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(")s")
        {
            let key = inner[..end].to_lowercase();
            match options.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => out.push_str(v),
                None => out.push_str(&rest[pos..pos + end + 4]),
            }
            rest = &inner[end + 2..];
        } else {
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// bump-my-version's `autocast_value`: bool, int, float, None, then lists (by newline or comma,
/// the first element choosing the type), else the string.
pub(crate) fn autocast(value: &str) -> Raw {
    if let Some(raw) = cast_scalar(value) {
        return raw;
    }
    let items: Vec<&str> = if value.contains('\n') {
        value.trim().split('\n').collect()
    } else if value.contains(',') {
        value.trim().split(',').collect()
    } else {
        return Raw::Str(value.to_owned());
    };
    let first = items.first().copied().unwrap_or("");
    let caster: fn(&str) -> Option<Raw> = if boolify(first).is_some() {
        |s| boolify(s).map(Raw::Bool)
    } else if py_int(first).is_some() {
        |s| py_int(s).map(Raw::Int)
    } else if py_float(first).is_some() {
        |s| py_float(s).map(Raw::Float)
    } else if first == "None" {
        |s| (s == "None").then_some(Raw::None)
    } else {
        |s| Some(Raw::Str(s.to_owned()))
    };
    match items.iter().map(|s| caster(s)).collect::<Option<Vec<Raw>>>() {
        Some(list) => Raw::List(list),
        // Python raises a TypeError here; keep the text so the key's own check reports it.
        None => Raw::Str(value.to_owned()),
    }
}

fn cast_scalar(value: &str) -> Option<Raw> {
    if let Some(b) = boolify(value) {
        return Some(Raw::Bool(b));
    }
    if let Some(i) = py_int(value) {
        return Some(Raw::Int(i));
    }
    if let Some(f) = py_float(value) {
        return Some(Raw::Float(f));
    }
    if value == "None" {
        return Some(Raw::None);
    }
    None
}

fn boolify(s: &str) -> Option<bool> {
    match s {
        "True" | "true" => Some(true),
        "False" | "false" => Some(false),
        _ => None,
    }
}

/// Removes `_` between digits, as Python's numeric literals allow; `None` if misplaced.
fn strip_underscores(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let ok = i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit();
            if !ok {
                return None;
            }
        }
    }
    Some(s.replace('_', ""))
}

/// Python's `int(str)`.
fn py_int(s: &str) -> Option<i64> {
    let t = strip_underscores(s.trim())?;
    let digits = t.strip_prefix(['+', '-']).unwrap_or(&t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Python's `float(str)`.
fn py_float(s: &str) -> Option<f64> {
    let t = strip_underscores(s.trim())?;
    let lower = t.to_ascii_lowercase();
    let body = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if matches!(body, "inf" | "infinity" | "nan") {
        return lower.replace("infinity", "inf").parse().ok();
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-')) {
        return None;
    }
    if !body.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Python's `repr(float)` / `str(float)`.
pub(crate) fn py_float_str(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Python: `1e+16`, `1.5e-05`.
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_configparser() {
        let text = "[bumpversion]\ncurrent_version = 0.5.146\nTag = True\nserialize =\n\t{major}.{minor}.{patch}-r{build}\n\n\t{major}.{minor}.{patch}\n# comment\n[bumpversion:file:a.txt]\nsearch: v{current_version}\n";
        let sections = parse(Path::new("x.cfg"), text, false).unwrap();
        assert_eq!(sections[0].0, "bumpversion");
        assert_eq!(
            sections[0].1,
            [
                ("current_version".to_owned(), "0.5.146".to_owned()),
                ("tag".to_owned(), "True".to_owned()),
                ("serialize".to_owned(), "\n{major}.{minor}.{patch}-r{build}\n\n{major}.{minor}.{patch}".to_owned()),
            ]
        );
        assert_eq!(
            sections[1],
            ("bumpversion:file:a.txt".to_owned(), vec![("search".to_owned(), "v{current_version}".to_owned())])
        );
        assert!(parse(Path::new("x.cfg"), "key = 1\n", false).is_err());
        assert!(parse(Path::new("x.cfg"), "[a]\nk=1\nk=2\n", false).is_err());
    }

    #[test]
    fn autocasts_like_bump_my_version() {
        assert_eq!(autocast("True"), Raw::Bool(true));
        assert_eq!(autocast("0"), Raw::Int(0));
        assert_eq!(autocast("1.10"), Raw::Float(1.1));
        assert_eq!(autocast("None"), Raw::None);
        assert_eq!(autocast("0.5.146"), Raw::Str("0.5.146".into()));
        assert_eq!(autocast("a,b"), Raw::List(vec![Raw::Str("a".into()), Raw::Str("b".into())]));
        assert_eq!(autocast("\ndev\nfinal"), Raw::List(vec![Raw::Str("dev".into()), Raw::Str("final".into())]));
        assert_eq!(py_float_str(1.1), "1.1");
        assert_eq!(py_float_str(2.0), "2.0");
        assert_eq!(py_float_str(1e16), "1e+16");
    }
}
