//! Property tests: parse → serialize round trips, and no panic on any input string or
//! configuration text.

use hoist_version::config::{self, Overrides};
use hoist_version::context::Context;
use hoist_version::pyformat::Value;
use hoist_version::time::DateTime;
use hoist_version::version::{self, PartSpec, VersionSpec};
use proptest::prelude::*;

fn today() -> DateTime {
    DateTime { year: 2024, month: 3, day: 15, hour: 10, minute: 20, second: 30, microsecond: 0, utc: false }
}

fn revsys_spec() -> VersionSpec {
    VersionSpec::new(
        vec![
            ("major".into(), PartSpec::default()),
            ("minor".into(), PartSpec::default()),
            ("patch".into(), PartSpec::default()),
            ("build".into(), PartSpec { first_value: Some("0".into()), ..PartSpec::default() }),
        ],
        today(),
    )
}

const REVSYS_PARSE: &str = r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(-r(?P<build>\d+))?";

fn formats() -> Vec<String> {
    vec!["{major}.{minor}.{patch}-r{build}".to_owned(), "{major}.{minor}.{patch}".to_owned()]
}

proptest! {
    #[test]
    fn parse_then_serialize_round_trips(
        major in 0u64..100_000,
        minor in 0u64..1000,
        patch in 0u64..100_000,
        build in proptest::option::of(1u64..1000),
    ) {
        let text = match build {
            Some(b) => format!("{major}.{minor}.{patch}-r{b}"),
            None => format!("{major}.{minor}.{patch}"),
        };
        let spec = revsys_spec();
        let parse = version::compile_parse(REVSYS_PARSE).unwrap();
        let values = version::parse_values(&parse, &text).unwrap();
        let parsed = spec.create(&values, Some(&text)).unwrap();
        prop_assert_eq!(version::serialize(&parsed, &formats(), &Context::empty()).unwrap(), text.clone());
        // Every bump serializes to a string that parses back to the same version.
        for part in ["major", "minor", "patch", "build"] {
            let next = parsed.bump(&spec, part).unwrap();
            let serialized = version::serialize(&next, &formats(), &Context::empty()).unwrap();
            let again = spec.create(&version::parse_values(&parse, &serialized).unwrap(), Some(&serialized)).unwrap();
            prop_assert_eq!(version::serialize(&again, &formats(), &Context::empty()).unwrap(), serialized);
        }
    }

    #[test]
    fn templates_never_panic(template in ".*", spec in "[<>^=+ #0-9,._a-zA-Z%-]{0,8}") {
        let lookup = |name: &str| match name {
            "a" => Some(Value::Part("007".into())),
            "b" => Some(Value::Str("x".into())),
            "now" => Some(Value::DateTime(today())),
            "n" => Some(Value::Int(-5)),
            _ => None,
        };
        let _ = hoist_version::pyformat::format(&template, &lookup);
        for name in ["a", "b", "now", "n"] {
            let _ = hoist_version::pyformat::format(&format!("{{{name}:{spec}}}"), &lookup);
        }
    }

    #[test]
    fn any_version_string_is_handled(text in ".*") {
        let spec = revsys_spec();
        let parse = version::compile_parse(REVSYS_PARSE).unwrap();
        if let Some(values) = version::parse_values(&parse, &text) {
            let parsed = spec.create(&values, Some(&text)).unwrap();
            for part in ["major", "minor", "patch", "build", "nope"] {
                if let Ok(next) = parsed.bump(&spec, part) {
                    let _ = version::serialize(&next, &formats(), &Context::empty());
                }
            }
        }
    }

    #[test]
    fn any_config_text_is_handled(
        ini in "(\\[[a-z:._]{0,20}\\]\n|[a-z_]{1,16} ?[=:] ?[^\n]{0,30}\n|\t[^\n]{0,20}\n|#[^\n]{0,10}\n|\n){0,12}",
        toml in "[\\[\\]a-z_=\" .\n{}0-9']{0,120}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join(".bumpversion.cfg");
        std::fs::write(&cfg, format!("[bumpversion]\n{ini}")).unwrap();
        let _ = config::load(Some(&cfg), &Overrides::default(), dir.path());
        let _ = hoist_version::migrate(&cfg);
        let path = dir.path().join(".bumpversion.toml");
        std::fs::write(&path, format!("[tool.bumpversion]\n{toml}")).unwrap();
        let _ = config::load(Some(&path), &Overrides::default(), dir.path());
    }

    #[test]
    fn any_parse_pattern_is_handled(parse in "[(?P<>a-z\\\\d.+*)|\\[\\]{}0-9^$-]{0,40}", text in "[0-9a-z.]{0,12}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".bumpversion.toml");
        let escaped = parse.replace('\\', "\\\\").replace('"', "\\\"");
        std::fs::write(&path, format!("[tool.bumpversion]\ncurrent_version = \"{text}\"\nparse = \"{escaped}\"\n")).unwrap();
        if let Ok(config) = config::load(Some(&path), &Overrides::default(), dir.path()) {
            let spec = VersionSpec::new(config.parts.clone(), today());
            if let Ok(regex) = version::compile_parse(&config.parse)
                && let Some(values) = version::parse_values(&regex, &text)
                && let Ok(v) = spec.create(&values, Some(&text))
            {
                for (name, _) in &config.parts {
                    if let Ok(next) = v.bump(&spec, name) {
                        let _ = version::serialize(&next, &config.serialize, &Context::empty());
                    }
                }
            }
        }
    }
}
