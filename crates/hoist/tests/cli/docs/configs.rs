//! The configuration files and data the docs show, loaded by hoist's real parsers, and the
//! keys of `hoist.toml` as hoist-config itself reports them.
//!
//! A `toml` block names its file after the language: ```` ```toml hoist.toml ```` is a whole
//! `hoist.toml`, ```` ```toml hoist.toml fragment ```` a part of one (checked with a
//! `registry` line in front), ```` ```toml .bumpversion.toml ```` a bump-my-version
//! configuration (loaded by hoist-version, as `.bumpversion.cfg`/`setup.cfg` in `ini`
//! blocks). The word `invalid` marks a block that shows a configuration hoist refuses: the
//! check then requires that it is refused. `yaml` and `json` blocks must parse, and every
//! fenced block says its language (`text` for plain output).

use std::collections::BTreeSet;
use std::path::Path;

use hoist_config::{Config, ConfigError};

use super::markdown::{Block, Page};

/// The `registry` line put in front of a `hoist.toml fragment`.
pub const FRAGMENT_PREFIX: &str = "registry = \"registry.example.com/app\"\n";

/// Every problem of the configuration and data blocks of `page`, as `FILE:LINE: problem`.
pub fn check_page(page: &Page) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, block) in page.blocks.iter().enumerate() {
        if let Err(problem) = check_block(block) {
            problems.push(format!("{}:{}: {problem}", page.name, block.line));
        }
        // An invalid `hoist.toml` followed by a `text` block of `error: …`: the error hoist gives.
        if let (Some(text), true, Some(next)) = (hoist_toml(block), block.has("invalid"), page.blocks.get(n + 1))
            && next.lang == "text"
            && next.body.starts_with("error: ")
            && let Err(e) = Config::parse(&text, Path::new("/src/app/hoist.toml"))
            && format!("error: {e}") != next.body.trim_end()
        {
            problems.push(format!(
                "{}:{}: hoist-config's error for the block above is\nerror: {e}\nnot\n{}",
                page.name,
                next.line,
                next.body.trim_end()
            ));
        }
    }
    problems
}

/// The text `hoist.toml` has for `block`, when it is one.
pub fn hoist_toml(block: &Block) -> Option<String> {
    (block.lang == "toml" && block.file() == Some("hoist.toml"))
        .then(|| if block.has("fragment") { format!("{FRAGMENT_PREFIX}{}", block.body) } else { block.body.clone() })
}

fn check_block(block: &Block) -> Result<(), String> {
    let invalid = block.has("invalid");
    let result = match (block.lang.as_str(), block.file()) {
        ("", _) => return Err("a fenced block says its language (```text for plain output)".into()),
        ("toml", Some("hoist.toml")) => Config::parse(&hoist_toml(block).unwrap(), Path::new("/src/app/hoist.toml"))
            .map(drop)
            .map_err(|e| format!("hoist-config refuses it: {e}")),
        ("toml", Some(name @ (".bumpversion.toml" | "pyproject.toml")))
        | ("ini", Some(name @ (".bumpversion.cfg" | "setup.cfg"))) => load_version_config(name, &block.body),
        ("toml", Some(_)) => block.body.parse::<toml::Table>().map(drop).map_err(|e| format!("invalid TOML: {e}")),
        ("toml", None) => {
            return Err(
                "a toml block names its file: ```toml hoist.toml (add `fragment` for a part of one), ```toml .bumpversion.toml, …"
                    .into(),
            );
        }
        ("yaml", _) => {
            let mut result = Ok(());
            for document in serde_yaml_ng::Deserializer::from_str(&block.body) {
                if let Err(e) = <serde_yaml_ng::Value as serde::Deserialize>::deserialize(document) {
                    result = Err(format!("invalid YAML: {e}"));
                    break;
                }
            }
            result
        }
        ("json", _) => {
            serde_json::from_str::<serde_json::Value>(&block.body).map(drop).map_err(|e| format!("invalid JSON: {e}"))
        }
        _ if invalid => return Err(format!("`invalid` is for configuration blocks, not `{}`", block.lang)),
        _ => return Ok(()),
    };
    match (result, invalid) {
        (Ok(()), false) | (Err(_), true) => Ok(()),
        (Err(e), false) => Err(e),
        (Ok(()), true) => Err("the block is marked `invalid`, but it loads without an error".into()),
    }
}

/// Loads a bump-my-version configuration with hoist-version's loader.
fn load_version_config(name: &str, text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    hoist_version::config::load(Some(&path), &hoist_version::Overrides::default(), dir.path())
        .map(drop)
        .map_err(|e| format!("hoist-version refuses it: {e}"))
}

/// The compose shortcuts (`ci-dc`) of the `hoist.toml` blocks of `pages`.
pub fn shortcuts(pages: &[Page]) -> BTreeSet<String> {
    let mut shortcuts = BTreeSet::new();
    for block in pages.iter().flat_map(|p| &p.blocks) {
        if let Some(text) = hoist_toml(block)
            && let Ok(config) = Config::parse(&text, Path::new("/src/app/hoist.toml"))
        {
            shortcuts.extend(config.compose.values().filter_map(|p| p.shortcut.clone()));
        }
    }
    shortcuts
}

/// A valid start of `hoist.toml`, for the probes.
const BASE: &str = "registry = \"r.example/app\"\n";

/// Every key `hoist.toml` accepts, as the docs write them: `registry`, `compose.NAME` (a table
/// per name), `compose.NAME.files`, `test.suites` (an array of tables), `test.suites.name`.
///
/// Derived from hoist-config itself, not listed by hand: an unknown key makes hoist-config name
/// every key allowed in its table (`ConfigError::UnknownKey::known`), so the probe puts an
/// unknown key into each table, then tries each known key as a table, an array of tables and a
/// table of tables to find the nested ones.
pub fn config_keys() -> Vec<String> {
    let mut keys = Vec::new();
    walk("", "", "", &mut keys);
    keys
}

/// The keys allowed in the table that `prefix` opens.
fn known_keys(prefix: &str) -> Option<Vec<String>> {
    let text = format!("{BASE}{prefix}hoist-probe = 1\n");
    match Config::parse(&text, Path::new("hoist.toml")) {
        Err(ConfigError::UnknownKey { key, known, .. }) if key.ends_with("hoist-probe") => Some(known),
        _ => None,
    }
}

fn walk(prefix: &str, header: &str, doc_path: &str, keys: &mut Vec<String>) {
    let known = known_keys(prefix).unwrap_or_else(|| panic!("hoist-config does not name the keys of `{prefix}`"));
    let join = |a: &str, b: &str| if a.is_empty() { b.to_owned() } else { format!("{a}.{b}") };
    for key in known {
        let (header, doc_path) = (join(header, &key), join(doc_path, &key));
        let table = format!("{prefix}[{header}]\n");
        let array = format!("{prefix}[[{header}]]\n");
        let map = format!("{prefix}[{header}.hoist-name]\n");
        if known_keys(&table).is_some() {
            keys.push(doc_path.clone());
            walk(&table, &header, &doc_path, keys);
        } else if known_keys(&array).is_some() {
            keys.push(doc_path.clone());
            walk(&array, &header, &doc_path, keys);
        } else if known_keys(&map).is_some() {
            let doc_path = format!("{doc_path}.NAME");
            keys.push(doc_path.clone());
            walk(&map, &format!("{header}.hoist-name"), &doc_path, keys);
        } else {
            keys.push(doc_path);
        }
    }
}

/// The environment variables that override `hoist.toml`, as `Overrides::from_env` asks for
/// them (with the default `pr-variable`).
pub fn override_variables() -> Vec<String> {
    let config = Config::parse(BASE, Path::new("hoist.toml")).unwrap();
    let asked = std::cell::RefCell::new(Vec::new());
    hoist_config::Overrides::from_env(&config, |name| {
        asked.borrow_mut().push(name.to_owned());
        None
    });
    asked.into_inner()
}

/// The keys in the first column of the tables of `page` whose header starts with `| key |`,
/// with `[…]` and `[[…]]` removed, and the line of each.
pub fn documented_keys(page: &Page) -> Vec<(usize, String)> {
    let mut keys = Vec::new();
    let mut in_table = false;
    for (n, line) in page.text.lines().enumerate() {
        if line.starts_with("| key |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if in_table && !line.starts_with("|---") {
            let row = super::markdown::parse("row", line);
            if let Some(span) = row.spans.iter().find(|s| s.first_cell) {
                keys.push((n + 1, span.text.trim_start_matches('[').trim_end_matches(']').to_owned()));
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::markdown;

    #[test]
    fn the_probe_finds_nested_keys() {
        let keys = config_keys();
        for key in ["registry", "compose.NAME", "compose.NAME.files", "test.suites", "test.suites.env", "gitops.values"]
        {
            assert!(keys.iter().any(|k| k == key), "`{key}` not in {keys:?}");
        }
        assert!(
            keys.iter().any(|k| k == "deploy.environments.NAME.images"),
            "a table of tables inside a table: {keys:?}"
        );
        assert!(!keys.iter().any(|k| k.contains("hoist-")), "{keys:?}");
    }

    #[test]
    fn the_key_tables_end_at_a_blank_line() {
        let page = markdown::parse(
            "c.md",
            "| key | type |\n|---|---|\n| `registry` | string |\n| `[compose.NAME]` | table |\n\n| `[[test.suites]]` | x |\n",
        );
        let keys: Vec<String> = documented_keys(&page).into_iter().map(|(_, k)| k).collect();
        assert_eq!(keys, ["registry", "compose.NAME"], "after a blank line, rows are no longer a table");
    }

    #[test]
    fn blocks_that_do_not_load_are_reported() {
        let page = markdown::parse(
            "docs/broken.md",
            "```toml hoist.toml\nregistry = \"r.example/app\"\nrelase-step = \"x\"\n```\n\n```toml hoist.toml fragment\n[deploy]\nremote = \"origin\"\n```\n\n```toml hoist.toml invalid\nregistry = \"r.example/app\"\n```\n\n```toml .bumpversion.toml\n[tool.bumpversion]\nparse = \"(?P<major\"\n```\n\n```toml\na = 1\n```\n\n```\nplain\n```\n\n```yaml\na: [\n```\n",
        );
        let problems = check_page(&page);
        assert_eq!(
            problems[..3],
            [
                "docs/broken.md:1: hoist-config refuses it: /src/app/hoist.toml:2:1: unknown key `relase-step`: did you mean `release-step`?",
                "docs/broken.md:11: the block is marked `invalid`, but it loads without an error",
                "docs/broken.md:15: hoist-version refuses it: the `parse` pattern `(?P<major` is not a valid regular expression: the group name after `(?P<` is not closed with `>`",
            ],
            "{problems:#?}"
        );
        assert!(problems[3].starts_with("docs/broken.md:20: a toml block names its file"), "{problems:#?}");
        assert_eq!(problems[4], "docs/broken.md:24: a fenced block says its language (```text for plain output)");
        assert!(problems[5].starts_with("docs/broken.md:28: invalid YAML:"), "{problems:#?}");
        assert_eq!(problems.len(), 6, "{problems:#?}");
    }

    #[test]
    fn an_error_shown_under_an_invalid_block_is_the_error_hoist_gives() {
        let page = markdown::parse(
            "docs/errors.md",
            "```toml hoist.toml invalid\nregistry = 3\n```\n\n```text\nerror: /src/app/hoist.toml:1:12: bad value for `registry`: found integer `3`, expected a string\n```\n\n```toml hoist.toml invalid\nregistry = 3\n```\n\n```text\nerror: /src/app/hoist.toml:1:12: bad value for `registry`\n```\n",
        );
        assert_eq!(
            check_page(&page),
            [
                "docs/errors.md:13: hoist-config's error for the block above is\nerror: /src/app/hoist.toml:1:12: bad value for `registry`: found integer `3`, expected a string\nnot\nerror: /src/app/hoist.toml:1:12: bad value for `registry`"
            ]
        );
    }
}
