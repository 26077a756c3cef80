//! Versions and their parts: parse with the `parse` regex, bump a part (with resets of the parts
//! that depend on it), serialize with the best-fitting `serialize` format.

use std::collections::BTreeSet;

use fancy_regex::Regex;

use crate::context::Context;
use crate::error::VersionError;
use crate::pyformat::{self, Value};
use crate::pyregex;
use crate::time::DateTime;

/// The configuration of one version part (`[tool.bumpversion.parts.NAME]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartSpec {
    /// `values`: the part iterates through this list.
    pub values: Option<Vec<String>>,
    /// `optional_value`: the value that may be left out when serializing.
    pub optional_value: Option<String>,
    /// `first_value`: the value after a reset.
    pub first_value: Option<String>,
    /// `independent`: never reset by other parts.
    pub independent: bool,
    /// `always_increment`: bumped on every bump.
    pub always_increment: bool,
    /// `calver_format`, e.g. `{YYYY}.{MM}`.
    pub calver_format: Option<String>,
    /// `depends_on`: the part whose bump resets this one.
    pub depends_on: Option<String>,
}

/// How a part's value moves.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Function {
    Numeric { first: String, optional: String },
    Values { values: Vec<String>, first: String, optional: String },
    CalVer { format: String, today: String },
}

/// A part of the version: its value and how it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    raw: Option<String>,
    function: Function,
    independent: bool,
}

impl Component {
    fn new(spec: &PartSpec, value: Option<&str>, today: &DateTime, name: &str) -> Result<Component, VersionError> {
        let invalid = |message: String| VersionError::InvalidPart { part: name.to_owned(), message };
        let function = match (&spec.values, &spec.calver_format) {
            (Some(values), _) if !values.is_empty() => {
                let optional = spec.optional_value.clone().unwrap_or_else(|| values[0].clone());
                if !values.contains(&optional) {
                    return Err(invalid(format!(
                        "`optional_value` `{optional}` is not one of its `values` {values:?}"
                    )));
                }
                let first = match &spec.first_value {
                    Some(f) if !f.is_empty() => f.clone(),
                    _ => values[0].clone(),
                };
                if !values.contains(&first) {
                    return Err(invalid(format!("`first_value` `{first}` is not one of its `values` {values:?}")));
                }
                Function::Values { values: values.clone(), first, optional }
            }
            (_, Some(format)) if !format.is_empty() => {
                let today = calver_today(format, today).map_err(|e| invalid(e.to_string()))?;
                Function::CalVer { format: format.clone(), today }
            }
            _ => {
                if let Some(first) = &spec.first_value
                    && first_number(first).is_none()
                {
                    return Err(invalid(format!("`first_value` `{first}` contains no digit")));
                }
                let first = match &spec.first_value {
                    Some(f) if !f.is_empty() => f.clone(),
                    _ => "0".to_owned(),
                };
                let optional = match &spec.optional_value {
                    Some(o) if !o.is_empty() => o.clone(),
                    _ => first.clone(),
                };
                Function::Numeric { first, optional }
            }
        };
        let mut raw = value.map(str::to_owned);
        if let Function::CalVer { today, .. } = &function
            && raw.as_deref().is_none_or(str::is_empty)
        {
            raw = Some(today.clone());
        }
        Ok(Component { raw, function, independent: spec.independent || spec.always_increment })
    }

    /// The part's value: the parsed one, or its optional value when that was empty.
    pub fn value(&self) -> &str {
        match self.raw.as_deref() {
            Some(v) if !v.is_empty() => v,
            _ => self.optional_value(),
        }
    }

    fn optional_value(&self) -> &str {
        match &self.function {
            Function::Numeric { optional, .. } | Function::Values { optional, .. } => optional,
            Function::CalVer { .. } => "There isn't an optional value for CalVer.",
        }
    }

    fn first_value(&self) -> &str {
        match &self.function {
            Function::Numeric { first, .. } | Function::Values { first, .. } => first,
            Function::CalVer { today, .. } => today,
        }
    }

    fn with_value(&self, value: String) -> Component {
        Component { raw: Some(value), ..self.clone() }
    }

    fn is_optional(&self) -> bool {
        self.value() == self.optional_value()
    }

    fn bump(&self, name: &str) -> Result<Component, VersionError> {
        let value = self.value();
        let next = match &self.function {
            Function::Numeric { first, .. } => {
                let (prefix, number, suffix) = first_number(value).ok_or_else(|| VersionError::BumpPart {
                    part: name.to_owned(),
                    message: format!("its value `{value}` contains no digit"),
                })?;
                let first_n = python_int(first).ok_or_else(|| VersionError::BumpPart {
                    part: name.to_owned(),
                    message: format!("its `first_value` `{first}` is not an integer (bump-my-version compares with `int(first_value)`)"),
                })?;
                if number < first_n {
                    return Err(VersionError::BumpPart {
                        part: name.to_owned(),
                        message: format!("its value `{value}` is lower than its `first_value` `{first}`"),
                    });
                }
                format!("{prefix}{}{suffix}", number + 1)
            }
            Function::Values { values, .. } => {
                let index = values.iter().position(|v| v == value);
                match index.and_then(|i| values.get(i + 1)) {
                    Some(next) => next.clone(),
                    None if index.is_some() => {
                        return Err(VersionError::BumpPart {
                            part: name.to_owned(),
                            message: format!(
                                "it is already at its last value `{value}` of {values:?}: bump the part it depends on instead, or add a value after `{value}`"
                            ),
                        });
                    }
                    None => {
                        return Err(VersionError::BumpPart {
                            part: name.to_owned(),
                            message: format!("its value `{value}` is not one of its `values` {values:?}"),
                        });
                    }
                }
            }
            Function::CalVer { today, .. } => today.clone(),
        };
        Ok(self.with_value(next))
    }

    fn bump_to(&self, name: &str, value: &str) -> Result<Component, VersionError> {
        let err = |message: String| VersionError::BumpPart { part: name.to_owned(), message };
        match &self.function {
            Function::Numeric { first, .. } => {
                let (_, number, _) =
                    first_number(value).ok_or_else(|| err(format!("the value `{value}` contains no digit")))?;
                let first_n =
                    python_int(first).ok_or_else(|| err(format!("its `first_value` `{first}` is not an integer")))?;
                if number < first_n {
                    return Err(err(format!("the value `{value}` is lower than its `first_value` `{first}`")));
                }
            }
            Function::Values { values, .. } => {
                if !values.iter().any(|v| v == value) {
                    return Err(err(format!("the value `{value}` is not one of its `values` {values:?}")));
                }
            }
            Function::CalVer { .. } => {
                return Err(err("it is a CalVer part, set from the date: it cannot be set to a value".to_owned()));
            }
        }
        Ok(self.with_value(value.to_owned()))
    }

    fn null(&self) -> Component {
        self.with_value(self.first_value().to_owned())
    }
}

/// `[^-0-9]*(-?\d+)(.*)`, searched: prefix, number, suffix.
fn first_number(value: &str) -> Option<(&str, i128, &str)> {
    // Python's `re.search` tries each start; the prefix class excludes `-` and digits, so the
    // match starts at the first position from which `[^-0-9]*-?\d+` matches.
    let bytes = value.as_bytes();
    for start in 0..=bytes.len() {
        if !value.is_char_boundary(start) {
            continue;
        }
        let mut i = start;
        while i < bytes.len() && bytes[i] != b'-' && !bytes[i].is_ascii_digit() {
            i += 1;
        }
        // Backtracking: the prefix may give back characters, but they are never `-` or digits,
        // so the number has to begin exactly at `i`.
        let number_start = i;
        let mut j = i;
        if j < bytes.len() && bytes[j] == b'-' {
            j += 1;
        }
        let digits_start = j;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > digits_start {
            let number: i128 = value[number_start..j].parse().ok()?;
            return Some((&value[start..number_start], number, &value[j..]));
        }
    }
    None
}

/// Python's `int(text)` for a decimal string.
fn python_int(text: &str) -> Option<i128> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    t.replace('_', "").parse().ok()
}

fn calver_today(format: &str, today: &DateTime) -> Result<String, crate::error::FormatError> {
    pyformat::format(format, &|name| today.calver_field(name).map(Value::Str))
}

/// The parts of a version, in `parse` group order, and how they depend on each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSpec {
    /// Part names in order, with their configuration.
    pub parts: Vec<(String, PartSpec)>,
    dependents: Vec<(String, Vec<String>)>,
    today: DateTime,
}

impl VersionSpec {
    /// The spec for `parts` (in order); `today` is the date CalVer parts use.
    pub fn new(parts: Vec<(String, PartSpec)>, today: DateTime) -> VersionSpec {
        let mut dependents: Vec<(String, Vec<String>)> = Vec::new();
        let mut add = |parent: &str, child: &str| {
            if let Some((_, list)) = dependents.iter_mut().find(|(p, _)| p == parent) {
                list.push(child.to_owned());
            } else {
                dependents.push((parent.to_owned(), vec![child.to_owned()]));
            }
        };
        if let Some((first, _)) = parts.first() {
            let mut previous = first.clone();
            for (name, spec) in parts.iter().skip(1) {
                if spec.independent {
                    continue;
                } else if let Some(parent) = &spec.depends_on {
                    add(parent, name);
                } else {
                    add(&previous, name);
                }
                previous = name.clone();
            }
        }
        VersionSpec { parts, dependents, today }
    }

    fn direct_dependents(&self, name: &str) -> &[String] {
        self.dependents.iter().find(|(p, _)| p == name).map_or(&[], |(_, list)| list.as_slice())
    }

    /// Every part reset when `name` changes (transitively).
    pub fn dependents(&self, name: &str) -> Vec<String> {
        let mut stack: Vec<String> = self.direct_dependents(name).to_vec();
        let mut visited: Vec<String> = Vec::new();
        while let Some(part) = stack.pop() {
            if !visited.contains(&part) {
                stack.extend(self.direct_dependents(&part).iter().cloned());
                visited.push(part);
            }
        }
        visited
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(n, _)| n.as_str())
    }

    /// Builds a version from parsed values (missing ones empty).
    pub fn create(&self, values: &[(String, String)], original: Option<&str>) -> Result<Version, VersionError> {
        let mut components = Vec::new();
        for (name, spec) in &self.parts {
            let value = values.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
            components.push((name.clone(), Component::new(spec, value, &self.today, name)?));
        }
        Ok(Version { components, original: original.map(str::to_owned) })
    }
}

/// A parsed version: the value of every part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    components: Vec<(String, Component)>,
    /// The string it was parsed from.
    pub original: Option<String>,
}

impl Version {
    /// The part values, in order.
    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.components.iter().map(|(n, c)| (n.as_str(), c.value()))
    }

    /// The value of part `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.component(name).map(Component::value)
    }

    fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    fn set(&mut self, name: &str, component: Component) {
        if let Some(slot) = self.components.iter_mut().find(|(n, _)| n == name) {
            slot.1 = component;
        }
    }

    /// Bumps part `name` (and the always-incrementing parts), resetting dependents.
    pub fn bump(&self, spec: &VersionSpec, name: &str) -> Result<Version, VersionError> {
        self.change(spec, name, &|c: &Component| c.bump(name))
    }

    /// Sets part `name` to `value`, resetting dependents (`--to`).
    pub fn bump_to(&self, spec: &VersionSpec, name: &str, value: &str) -> Result<Version, VersionError> {
        self.change(spec, name, &|c: &Component| c.bump_to(name, value))
    }

    fn change(
        &self,
        spec: &VersionSpec,
        name: &str,
        change: &dyn Fn(&Component) -> Result<Component, VersionError>,
    ) -> Result<Version, VersionError> {
        let Some(target) = self.component(name) else {
            return Err(VersionError::UnknownPart {
                part: name.to_owned(),
                known: spec.names().map(str::to_owned).collect(),
            });
        };
        let mut next = self.clone();
        let mut reset: BTreeSet<String> = BTreeSet::new();
        for (part, part_spec) in &spec.parts {
            if !part_spec.always_increment {
                continue;
            }
            let Some(current) = self.component(part) else { continue };
            let bumped = current.bump(part)?;
            if bumped.value() != current.value() {
                reset.extend(spec.dependents(part));
            }
            next.set(part, bumped);
        }
        if !reset.contains(name) {
            next.set(name, change(target)?);
            reset.extend(spec.dependents(name));
        }
        for part in &reset {
            if let Some(current) = self.component(part)
                && !current.independent
            {
                next.set(part, current.null());
            }
        }
        Ok(next)
    }

    fn required(&self) -> BTreeSet<&str> {
        self.components.iter().filter(|(_, c)| !c.is_optional()).map(|(n, _)| n.as_str()).collect()
    }
}

/// A checked `parse` pattern (`re.VERBOSE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsePattern {
    pattern: String,
}

impl ParsePattern {
    /// The pattern as configured.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

fn parse_flags(ascii_digits: bool) -> pyregex::Flags {
    pyregex::Flags { verbose: true, ascii_digits, short: true, ..Default::default() }
}

/// Checks a `parse` pattern (`re.VERBOSE`).
pub fn compile_parse(pattern: &str) -> Result<ParsePattern, VersionError> {
    pyregex::compile(pattern, parse_flags(true))
        .map_err(|e| VersionError::BadParse { pattern: pattern.to_owned(), message: e.message })?;
    Ok(ParsePattern { pattern: pattern.to_owned() })
}

/// `re.search(parse, text).groupdict(default="")`; `None` when nothing (or no group) matches.
pub fn parse_values(parse: &ParsePattern, text: &str) -> Option<Vec<(String, String)>> {
    if text.is_empty() {
        return None;
    }
    // On ASCII text `\d` and `[0-9]` match alike; the ASCII class compiles much faster.
    let regex: Regex = pyregex::compile(&parse.pattern, parse_flags(text.is_ascii())).ok()?;
    let caps = regex.captures(text).ok()??;
    let values: Vec<(String, String)> = regex
        .capture_names()
        .enumerate()
        .filter_map(|(i, name)| {
            name.map(|n| (n.to_owned(), caps.get(i).map_or(String::new(), |m| m.as_str().to_owned())))
        })
        .collect();
    if values.is_empty() { None } else { Some(values) }
}

/// Serializes `version` with the best of `formats` (bump-my-version's choice: formats that can
/// be rendered; those holding every required part first; then fewest fields; then list order).
pub fn serialize(version: &Version, formats: &[String], context: &Context) -> Result<String, VersionError> {
    let required = version.required();
    let mut candidates: Vec<(bool, usize, usize, &String)> = Vec::new();
    for (index, format) in formats.iter().enumerate() {
        let labels: BTreeSet<&str> = pyformat::labels(format).into_iter().collect();
        let renderable = labels.iter().all(|l| version.component(l).is_some() || context.contains(l));
        if !renderable {
            continue;
        }
        let has_required = required.iter().all(|r| labels.contains(r));
        candidates.push((has_required, labels.len(), index, format));
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let Some((_, _, _, chosen)) = candidates.first() else {
        return Err(VersionError::NoSerializeFormat {
            formats: formats.to_vec(),
            version: version.values().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", "),
        });
    };
    let rendered = pyformat::format(chosen, &|name| match version.component(name) {
        Some(c) => Some(Value::Part(c.value().to_owned())),
        None => context.get(name),
    })
    .map_err(|error| VersionError::Template { template: (*chosen).clone(), error })?;
    // bump-my-version writes an empty version, commits and tags it; nothing is that version.
    if rendered.is_empty() {
        return Err(VersionError::EmptyVersion { format: (*chosen).clone() });
    }
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> DateTime {
        DateTime { year: 2024, month: 3, day: 15, hour: 0, minute: 0, second: 0, microsecond: 0, utc: false }
    }

    fn part() -> PartSpec {
        PartSpec::default()
    }

    fn revsys() -> (VersionSpec, ParsePattern, Vec<String>) {
        let spec = VersionSpec::new(
            vec![
                ("major".into(), part()),
                ("minor".into(), part()),
                ("patch".into(), part()),
                ("build".into(), PartSpec { first_value: Some("0".into()), ..part() }),
            ],
            today(),
        );
        let parse = compile_parse(r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(-r(?P<build>\d+))?").unwrap();
        (spec, parse, vec!["{major}.{minor}.{patch}-r{build}".into(), "{major}.{minor}.{patch}".into()])
    }

    fn check(spec: &VersionSpec, parse: &ParsePattern, formats: &[String], current: &str, part: &str) -> String {
        let values = parse_values(parse, current).unwrap();
        let version = spec.create(&values, Some(current)).unwrap();
        match version.bump(spec, part) {
            Ok(next) => serialize(&next, formats, &Context::empty()).unwrap_or_else(|e| format!("error: {e}")),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn bumps_like_bump_my_version() {
        let (spec, parse, formats) = revsys();
        let cases = [
            ("0.5.146", "patch", "0.5.147"),
            ("0.5.146", "build", "0.5.146-r1"),
            ("0.5.146-r1", "build", "0.5.146-r2"),
            ("0.5.146-r3", "patch", "0.5.147"),
            ("0.5.146-r3", "minor", "0.6.0"),
            ("0.5.146", "major", "1.0.0"),
            ("1.09.3", "patch", "1.9.4"),
        ];
        for (current, part, expected) in cases {
            assert_eq!(check(&spec, &parse, &formats, current, part), expected, "{current} {part}");
        }
    }

    #[test]
    fn values_parts_and_independent_parts() {
        let release = PartSpec {
            values: Some(vec!["dev".into(), "rc".into(), "final".into()]),
            optional_value: Some("final".into()),
            ..part()
        };
        let spec = VersionSpec::new(
            vec![
                ("major".into(), part()),
                ("minor".into(), part()),
                ("release".into(), release),
                ("build".into(), PartSpec { independent: true, ..part() }),
            ],
            today(),
        );
        let parse = compile_parse(r"(?P<major>\d+)\.(?P<minor>\d+)(-(?P<release>[a-z]+))?(\+(?P<build>\d+))?").unwrap();
        let formats: Vec<String> = vec![
            "{major}.{minor}-{release}+{build}".into(),
            "{major}.{minor}-{release}".into(),
            "{major}.{minor}+{build}".into(),
            "{major}.{minor}".into(),
        ];
        let cases = [
            ("1.2", "minor", "1.3-dev"),
            ("1.3-dev", "release", "1.3-rc"),
            ("1.3-rc", "release", "1.3"),
            (
                "1.3",
                "release",
                "error: cannot bump the part `release`: it is already at its last value `final` of [\"dev\", \"rc\", \"final\"]: bump the part it depends on instead, or add a value after `final`",
            ),
            ("1.3-rc+4", "build", "1.3-rc+5"),
            ("1.3-rc+4", "minor", "1.4-dev+4"),
            (
                "1.3",
                "nope",
                "error: the version has no part `nope`: the parts are `major`, `minor`, `release`, `build`",
            ),
        ];
        for (current, part, expected) in cases {
            assert_eq!(check(&spec, &parse, &formats, current, part), expected, "{current} {part}");
        }
    }

    #[test]
    fn calver_always_increments() {
        let calver = PartSpec { calver_format: Some("{YYYY}.{0M}".into()), always_increment: true, ..part() };
        let spec = VersionSpec::new(vec![("release".into(), calver), ("patch".into(), part())], today());
        let parse = compile_parse(r"(?P<release>\d{4}\.\d{2})\.(?P<patch>\d+)").unwrap();
        let formats: Vec<String> = vec!["{release}.{patch}".into()];
        assert_eq!(check(&spec, &parse, &formats, "2024.02.7", "patch"), "2024.03.0");
        assert_eq!(check(&spec, &parse, &formats, "2024.03.7", "patch"), "2024.03.8");
    }

    #[test]
    fn a_format_that_renders_an_empty_version_is_refused() {
        let (spec, parse, _) = revsys();
        assert_eq!(
            check(&spec, &parse, &["".to_owned()], "1.2.3", "patch"),
            "error: the `serialize` format \"\" renders an empty version: write the version's parts into it, e.g. `{major}.{minor}.{patch}`"
        );
        // A format whose fields all render empty is refused too; one that renders text is not.
        let values = parse_values(&parse, "1.2.3").unwrap();
        let version = spec.create(&values, Some("1.2.3")).unwrap();
        let mut ctx = Context::empty();
        ctx.set_str("nothing", "");
        let err = serialize(&version, &["{nothing}".to_owned()], &ctx).unwrap_err();
        assert!(matches!(err, VersionError::EmptyVersion { .. }), "{err}");
        assert_eq!(serialize(&version, &["{major}{nothing}".to_owned()], &ctx).unwrap(), "1");
    }

    #[test]
    fn first_number_like_python() {
        assert_eq!(first_number("r3-001"), Some(("r", 3, "-001")));
        assert_eq!(first_number("abc"), None);
        assert_eq!(first_number("x-5y"), Some(("x", -5, "y")));
        assert_eq!(first_number("a-b7"), Some(("b", 7, "")));
    }
}
