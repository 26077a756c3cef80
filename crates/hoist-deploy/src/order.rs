//! The order of versions, newest last (so `max` is the newest and a reversed sort lists the
//! newest first).
//!
//! A version that parses as semver ([`semver::Version`]) is ordered by semver precedence:
//! `1.10.0` > `1.9.0`, `1.0.0` > `1.0.0-rc.1`, `1.0.0-rc.2` > `1.0.0-rc.1` (build metadata
//! does not count, except to break ties). Any other version (CalVer with zero-padded months,
//! `1.2`, `1.2.3.4`, `2024.09.3-42`) is read the same way, leniently: its leading dotted
//! numbers (`2024.09.3` → 2024, 9, 3) compared numerically, then a `-…` rest sorting before no
//! rest (a pre-release), then any other rest (`.post1`) after it, each rest split into its
//! numeric and non-numeric runs and compared run by run, numerically where both runs are
//! numbers.
//!
//! Semantic versions are **not** put before the others as a group: a project's versions follow
//! one scheme, and a scheme such as CalVer with zero-padded months has some versions that are
//! semver (`2024.10.1`) and some that are not (`2025.01.0`), which grouping would misorder.
//! Versions with the same numbers and both a `-…` rest are the one place the two kinds meet:
//! there the version that is not semver sorts before the one that is (a semver pre-release's
//! identifiers follow semver's rules, `rc10` < `rc9`; another version's runs, `rc9` < `rc10`). Every version gets
//! one key and keys compare field by field, so the order is total (sorting never sees `a < b <
//! c < a`), which comparing "semver if both parse, else by runs" would not be.

use std::cmp::Ordering;

/// Compares two bare versions (no tag prefix such as `v`): `Greater` when `a` is newer.
/// Equal only for the same text.
pub fn version_order(a: &str, b: &str) -> Ordering {
    Key::new(a).cmp(&Key::new(b))
}

/// A non-negative number of any length: compared by its digit count, then its digits
/// (leading zeros dropped).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Number {
    len: usize,
    digits: String,
}

impl Number {
    fn new(digits: &str) -> Number {
        let digits = digits.trim_start_matches('0');
        Number { len: digits.len(), digits: digits.to_owned() }
    }
}

/// One run of a rest: digits, or anything else.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Run {
    Number(Number),
    Text(String),
}

/// What follows the numbers, in the order of the variants.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// `-…`: before the version without it.
    PreRelease,
    /// Nothing (or only `+build`).
    Release,
    /// Anything else (`.post1`, `a1`): after the version without it.
    Other,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    numbers: Vec<Number>,
    kind: Kind,
    /// A semantic version's pre-release (`rc.1`), compared by semver's rules; `None` for a
    /// version that is not semver.
    pre: Option<semver::Prerelease>,
    /// Semver's build metadata, or the whole rest of another version, run by run.
    rest: Vec<Run>,
    /// The text itself, last: only the same text is equal.
    text: &'a str,
}

impl<'a> Key<'a> {
    fn new(text: &'a str) -> Key<'a> {
        if let Ok(v) = semver::Version::parse(text) {
            let numbers = [v.major, v.minor, v.patch].map(|n| Number::new(&n.to_string())).into();
            let (kind, pre) = if v.pre.is_empty() { (Kind::Release, None) } else { (Kind::PreRelease, Some(v.pre)) };
            return Key { numbers, kind, pre, rest: runs(v.build.as_str()), text };
        }
        // The leading dotted numbers: `2024.09.3` of `2024.09.3-42`.
        let mut numbers = Vec::new();
        let mut rest = text;
        loop {
            let len = rest.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                break;
            }
            numbers.push(Number::new(&rest[..len]));
            rest = &rest[len..];
            match rest.strip_prefix('.') {
                Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
                _ => break,
            }
        }
        let (main, build) = rest.split_once('+').unwrap_or((rest, ""));
        let kind = match main.strip_prefix('-') {
            Some(_) => Kind::PreRelease,
            None if main.is_empty() => Kind::Release,
            None => Kind::Other,
        };
        let mut rest = runs(main);
        rest.extend(runs(build));
        Key { numbers, kind, pre: None, rest, text }
    }
}

/// `text` split into its numeric and non-numeric runs.
fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let digit = first.is_ascii_digit();
        let len = rest.find(|c: char| c.is_ascii_digit() != digit).unwrap_or(rest.len());
        let (run, after) = rest.split_at(len);
        out.push(if digit { Run::Number(Number::new(run)) } else { Run::Text(run.to_owned()) });
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `versions` sorted newest first.
    fn newest_first(versions: &[&str]) -> Vec<String> {
        let mut sorted: Vec<&str> = versions.to_vec();
        sorted.sort_by(|a, b| version_order(b, a));
        sorted.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn semver_precedence_where_string_order_is_wrong() {
        // String order would give 1.9.0 > 1.2.0 > 1.10.0 and 1.0.0-rc.1 > 1.0.0.
        assert_eq!(newest_first(&["1.9.0", "1.10.0", "1.2.0"]), ["1.10.0", "1.9.0", "1.2.0"]);
        assert_eq!(version_order("1.0.0", "1.0.0-rc.1"), Ordering::Greater);
        assert_eq!(version_order("1.0.0-rc.10", "1.0.0-rc.9"), Ordering::Greater);
        assert_eq!(version_order("1.0.0-rc.1", "1.0.0-beta.11"), Ordering::Greater);
        assert_eq!(version_order("1.0.0-alpha.1", "1.0.0-alpha"), Ordering::Greater);
        assert_eq!(version_order("1.0.0-alpha.beta", "1.0.0-alpha.1"), Ordering::Greater);
        assert_eq!(version_order("10.0.0", "9.99.99"), Ordering::Greater);
        assert_eq!(version_order("1.2.3", "1.2.3"), Ordering::Equal);
    }

    #[test]
    fn agrees_with_semver_precedence_on_semantic_versions() {
        let versions = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.9.0",
            "1.10.0",
            "2.0.0-0",
            "2.0.0",
            "0.5.146-42",
            "0.5.146",
        ];
        for a in versions {
            for b in versions {
                let (va, vb) = (semver::Version::parse(a).unwrap(), semver::Version::parse(b).unwrap());
                assert_eq!(version_order(a, b), va.cmp_precedence(&vb), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn other_versions_by_their_runs() {
        // Zero-padded CalVer: `2024.09.3` and `2025.01.0` are not semver, `2024.10.1` is.
        assert_eq!(
            newest_first(&["2024.09.3", "2024.10.1", "2025.01.0", "2024.9.10"]),
            ["2025.01.0", "2024.10.1", "2024.9.10", "2024.09.3"]
        );
        assert_eq!(version_order("1.10", "1.9"), Ordering::Greater);
        assert_eq!(version_order("1.2.3.10", "1.2.3.9"), Ordering::Greater);
        assert_eq!(version_order("1.2.3.4", "1.2.3"), Ordering::Greater);
        assert_eq!(version_order("1.2", "1.2-rc10"), Ordering::Greater);
        assert_eq!(version_order("1.2-rc10", "1.2-rc9"), Ordering::Greater);
        assert_eq!(version_order("1.2.post1", "1.2"), Ordering::Greater);
        assert_eq!(version_order("2024.09.3-42", "2024.09.3"), Ordering::Less);
        assert_eq!(version_order("1.01", "1.1"), "1.01".cmp("1.1"), "equal numbers: the text decides");
        assert_eq!(version_order("99999999999999999999999.0", "9.0"), Ordering::Greater, "no overflow");
    }

    #[test]
    fn mixed_kinds_by_their_numbers_first() {
        // Semver 1.10.0 against non-semver 1.9 and 1.11: the numbers decide, not the kind.
        assert_eq!(newest_first(&["1.9", "1.10.0", "1.11", "1.10.0-rc.1"]), ["1.11", "1.10.0", "1.10.0-rc.1", "1.9"]);
        // The same numbers, both pre-releases: the one that is not semver's first.
        assert_eq!(version_order("1.0.0-rc.1", "1.0.0-"), Ordering::Greater);
        assert_eq!(version_order("1.0.0-rc.1", "1.0.0-rc_1"), Ordering::Greater);
    }

    #[test]
    fn the_order_is_total() {
        // The case a "semver when both parse, else by runs" comparison gets wrong: 1.0.0-rc.1
        // < 1.0.0 by semver, but 1.0.0 < 1.0.0- < 1.0.0-rc.1 by runs.
        let versions = [
            "1.0.0",
            "1.0.0-",
            "1.0.0-rc.1",
            "1.0.0-rc_1",
            "1.0",
            "1.0.0.0",
            "v1",
            "",
            "abc",
            "1.0.0+b.2",
            "1.0.0+b.10",
            "01.0.0",
            "1.0.0-01",
            "2024.09.3",
            "2024.9.3",
        ];
        for a in versions {
            assert_eq!(version_order(a, a), Ordering::Equal);
            for b in versions {
                assert_eq!(version_order(a, b), version_order(b, a).reverse(), "{a} vs {b}");
                for c in versions {
                    if version_order(a, b) == Ordering::Less && version_order(b, c) == Ordering::Less {
                        assert_eq!(version_order(a, c), Ordering::Less, "{a} < {b} < {c}");
                    }
                }
            }
        }
    }
}
