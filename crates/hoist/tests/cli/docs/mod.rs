//! The documentation, checked: `README.md` and every `docs/*.md` are plain Markdown, and every
//! command in them is parsed or run by these tests.
//!
//! - Every `hoist …` and `cargo xtask …` command line (in `console`, `sh` and `yaml` blocks,
//!   inside `$(…)` of other commands, and in inline code spans) parses with hoist's clap
//!   command ([`commands`]); other programs must be known ones.
//! - Every configuration block loads with hoist's own parser, and blocks marked `invalid` are
//!   refused ([`configs`]).
//! - The `console` blocks after `<!-- doc-test: run FIXTURE -->` are run against a real
//!   project (the engine and a private registry where they need them), and what they show is
//!   what hoist prints ([`transcript`]); [`run`] has the fixtures and the tests that run them.
//! - `docs/configuration.md` names every key hoist-config accepts and every environment
//!   override; `docs/troubleshooting.md` quotes only messages hoist has ([`messages`]);
//!   `docs/migrating.md` maps every recipe of the original justfile; `docs/ci.md` caches the
//!   compiled xtask.

mod commands;
mod configs;
mod markdown;
mod messages;
mod run;
mod transcript;

use std::collections::BTreeSet;

use markdown::read_docs;

use run::RUNNERS;

#[test]
fn every_command_in_the_docs_parses() {
    let pages = read_docs();
    let shortcuts = configs::shortcuts(&pages);
    assert!(shortcuts.contains("ci-dc"), "the compose shortcuts come from the docs' examples: {shortcuts:?}");
    let problems: Vec<String> = pages.iter().flat_map(|p| commands::check_page(p, &shortcuts)).collect();
    assert!(problems.is_empty(), "{} command lines in the docs do not parse:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_xtask_chores_are_the_ones_xtask_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let main = std::fs::read_to_string(root.join("xtask/src/main.rs")).unwrap();
    let dispatched: BTreeSet<&str> =
        main.split("a == \"").skip(1).filter_map(|rest| rest.split_once('"').map(|(name, _)| name)).collect();
    let listed: BTreeSet<&str> = commands::XTASK_CHORES.iter().copied().collect();
    assert_eq!(dispatched, listed, "XTASK_CHORES must list exactly what xtask/src/main.rs dispatches");
}

#[test]
fn every_other_program_is_used() {
    let used: BTreeSet<String> = read_docs().iter().flat_map(commands::programs).collect();
    for program in commands::OTHER_PROGRAMS {
        assert!(used.contains(*program), "no command of the docs runs `{program}`: remove it from OTHER_PROGRAMS");
    }
}

#[test]
fn code_spans_hold_no_stray_backticks() {
    let problems: Vec<String> = read_docs().iter().flat_map(markdown::split_spans).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_configuration_block_loads() {
    let problems: Vec<String> = read_docs().iter().flat_map(configs::check_page).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_marker_is_attached_and_run() {
    let mut problems = Vec::new();
    for page in read_docs() {
        for line in &page.stray_markers {
            problems.push(format!("{}:{line}: a `doc-test` marker that no fenced block follows", page.name));
        }
        for block in &page.blocks {
            let Some(marker) = &block.marker else { continue };
            match block.fixture() {
                Some(fixture) if block.lang == "console" && marker.len() == 2 => {
                    if !RUNNERS.iter().any(|(p, f, _)| *p == page.name && *f == fixture) {
                        problems.push(format!(
                            "{}:{}: no test runs fixture `{fixture}` of this page (RUNNERS in crates/hoist/tests/cli/docs/mod.rs)",
                            page.name, block.line
                        ));
                    }
                }
                _ => problems.push(format!(
                    "{}:{}: the marker is `<!-- doc-test: run FIXTURE -->` before a console block, not `{}`",
                    page.name,
                    block.line,
                    marker.join(" ")
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn configuration_md_names_every_key() {
    let page = markdown::page("docs/configuration.md");
    let documented = configs::documented_keys(&page);
    let keys = configs::config_keys();
    let missing: Vec<&String> = keys.iter().filter(|k| !documented.iter().any(|(_, d)| d == *k)).collect();
    assert!(missing.is_empty(), "docs/configuration.md's key tables do not describe {missing:?}");
    let unknown: Vec<String> = documented
        .iter()
        .filter(|(_, d)| !keys.contains(d))
        .map(|(line, d)| format!("docs/configuration.md:{line}: `{d}` is not a key of hoist.toml"))
        .collect();
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
}

#[test]
fn configuration_md_names_every_environment_override() {
    let page = markdown::page("docs/configuration.md");
    let section = page.text.split("## Environment overrides").nth(1).expect("an `Environment overrides` section");
    let section = section.split("\n## ").next().unwrap();
    for variable in configs::override_variables() {
        assert!(section.contains(&format!("`{variable}`")), "`{variable}` is not in docs/configuration.md's overrides");
    }
}

#[test]
fn tests_clear_every_environment_override() {
    for variable in configs::override_variables() {
        assert!(
            hoist_test_support::cli::HOIST_ENV_VARS.contains(&variable.as_str()),
            "`{variable}` overrides hoist.toml but tests do not clear it: add it to HOIST_ENV_VARS"
        );
    }
}

#[test]
fn troubleshooting_quotes_only_messages_hoist_has() {
    let page = markdown::page("docs/troubleshooting.md");
    let literals = messages::Literals::read();
    let quoted = messages::quoted_messages(&page);
    assert!(quoted.len() > 30, "{} quoted messages", quoted.len());
    let problems: Vec<String> = quoted
        .iter()
        .filter_map(|(line, message)| {
            literals.check(message).err().map(|why| format!("docs/troubleshooting.md:{line}: `{message}`: {why}"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn troubleshooting_has_every_message_hoist_can_print() {
    let page = markdown::page("docs/troubleshooting.md");
    let quoted: Vec<String> = messages::quoted_messages(&page).into_iter().map(|(_, m)| m).collect();
    let errors = messages::source_errors();
    assert!(errors.len() > 100, "{} error messages in the source", errors.len());
    let missing: Vec<String> = errors
        .iter()
        .filter_map(|e| {
            let opening = e.opening()?;
            (!quoted.iter().any(|q| q.contains(&opening)))
                .then(|| format!("{}:{}: `{}` (nothing quoted has `{opening}`)", e.file, e.line, e.template))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/troubleshooting.md has no row for {} messages:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn deploy_md_flux_objects_follow_the_deploy_tag() {
    // The tag deploys' Flux side: a GitRepository on the tag `hoist deploy` moves (the default
    // `deploy.tag` for `dev`), a Kustomization reconciling from it, a Receiver that wakes it.
    let page = markdown::page("docs/deploy.md");
    let config = hoist_config::Config::parse(configs::FRAGMENT_PREFIX, std::path::Path::new("hoist.toml")).unwrap();
    let tag = config.deploy.tag_for("dev");
    let mut objects: Vec<serde_yaml_ng::Value> = Vec::new();
    for block in page.blocks.iter().filter(|b| b.lang == "yaml") {
        for document in serde_yaml_ng::Deserializer::from_str(&block.body) {
            objects.push(<serde_yaml_ng::Value as serde::Deserialize>::deserialize(document).unwrap());
        }
    }
    let of_kind = |kind: &'static str| objects.iter().filter(move |o| o["kind"] == kind);
    let source = of_kind("GitRepository")
        .find(|o| o["spec"]["ref"]["tag"] == tag.as_str())
        .unwrap_or_else(|| panic!("docs/deploy.md has no GitRepository following the tag `{tag}`"));
    let name = &source["metadata"]["name"];
    assert!(
        of_kind("Kustomization").any(|k| k["spec"]["sourceRef"]["name"] == *name),
        "no Kustomization reconciles from the GitRepository {name:?}"
    );
    assert!(
        of_kind("Receiver").any(|r| r["spec"]["resources"]
            .as_sequence()
            .is_some_and(|res| res.iter().any(|x| x["kind"] == "GitRepository" && x["name"] == *name))),
        "no Receiver wakes the GitRepository {name:?}"
    );
    // The GitOps write-back: a GitRepository on the releases repository's branch.
    assert!(
        of_kind("GitRepository").any(|o| o["spec"]["ref"]["branch"] == config.gitops.branch.as_str()),
        "docs/deploy.md has no GitRepository following the releases branch `{}`",
        config.gitops.branch
    );
}

/// The recipes of the original justfile (`revsys/revsys-nuremberg`, at its 0.5.146 bump).
const ORIGINAL_RECIPES: &[&str] = &[
    "default",
    "shell",
    "rebuild",
    "layers",
    "version",
    "tag",
    "registry",
    "pip-compile",
    "pip-compile-upgrade",
    "_test-packages",
    "build",
    "push",
    "regen-solr-image",
    "solr-compose",
    "_solr-compose",
    "solr-dc",
    "ci-dc",
    "test",
    "bump",
    "deploy",
    "_make-bv",
    "_make-just",
    "_drop-just",
    "buildkit-up",
    "buildkit-down",
    "banner",
    "_figlet",
    "update-local-tags",
    "get-database",
    "update-db-dump",
    "force-solr-regen",
];

#[test]
fn migrating_md_maps_every_recipe_of_the_original_justfile() {
    let page = markdown::page("docs/migrating.md");
    let mapped: BTreeSet<String> = page
        .spans
        .iter()
        .filter(|s| s.first_cell)
        .flat_map(|s| s.text.split(" / ").map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|s| s.strip_prefix("just ").map(|r| r.split_whitespace().next().unwrap_or_default().to_owned()))
        .collect();
    let missing: Vec<&&str> = ORIGINAL_RECIPES.iter().filter(|r| !mapped.contains(**r)).collect();
    assert!(missing.is_empty(), "docs/migrating.md's recipe table has no row for `just {missing:?}`");
}

#[test]
fn ci_md_workflow_caches_the_compiled_xtask() {
    let page = markdown::page("docs/ci.md");
    let workflows: Vec<&markdown::Block> =
        page.blocks.iter().filter(|b| b.lang == "yaml" && b.body.contains("jobs:")).collect();
    assert!(!workflows.is_empty(), "docs/ci.md has no GitHub Actions workflow");
    for block in workflows {
        let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(&block.body).unwrap();
        let on = &workflow["on"];
        assert!(
            !on["pull_request"].is_null() || on.get("pull_request").is_some(),
            "line {}: not run for pull requests",
            block.line
        );
        let branches = &on["push"]["branches"];
        assert!(
            branches.as_sequence().is_some_and(|b| b.iter().any(|b| b == "main")),
            "line {}: not run on main",
            block.line
        );
        for (name, job) in workflow["jobs"].as_mapping().unwrap() {
            let steps = job["steps"].as_sequence().unwrap();
            let cache_step = steps.iter().find(|step| {
                let uses = step["uses"].as_str().unwrap_or_default();
                if uses.starts_with("Swatinem/rust-cache@") {
                    return true;
                }
                let path = step["with"]["path"].as_str().unwrap_or_default();
                let key = step["with"]["key"].as_str().unwrap_or_default();
                uses.starts_with("actions/cache@")
                    && path.lines().any(|l| l.trim() == "target")
                    && path.contains("~/.cargo")
                    && key.contains("hashFiles('Cargo.lock')")
            });
            let cache_index = cache_step.and_then(|c| steps.iter().position(|s| s == c));
            let xtask_index = steps.iter().position(|s| s["run"].as_str().is_some_and(|r| r.contains("cargo xtask")));
            assert!(
                cache_index.is_some() && cache_index < xtask_index,
                "docs/ci.md:{}: job `{}` does not cache `target/` and `~/.cargo` keyed on Cargo.lock before it runs `cargo xtask`",
                block.line,
                name.as_str().unwrap_or_default()
            );
        }
    }
}

/// docs/ci.md's way to run hoist in a repository without Rust copies the binary out of hoist's
/// release image: the path it copies is where this repository's Dockerfile puts it in the
/// `release` stage, a Debian (glibc) image, and the tag is this version's.
#[test]
fn ci_md_copies_hoist_from_where_the_release_image_holds_it() {
    let page = markdown::page("docs/ci.md");
    let block = page
        .blocks
        .iter()
        .find(|b| b.lang == "yaml" && b.body.contains("docker cp"))
        .expect("docs/ci.md copies hoist out of its release image");
    let copied = block.body.split("docker cp \"$id\":").nth(1).unwrap().split_whitespace().next().unwrap();
    let image = block.body.split("docker create ").nth(1).unwrap().split(')').next().unwrap();
    assert_eq!(image.rsplit_once(':').unwrap().1, format!("v{}", env!("CARGO_PKG_VERSION")), "{image}");
    let dockerfile = std::fs::read_to_string(markdown::root().join("Dockerfile")).unwrap();
    let release: Vec<&str> = dockerfile
        .split("\nFROM ")
        .find(|stage| stage.lines().next().is_some_and(|l| l.ends_with(" AS release")))
        .expect("a release stage")
        .lines()
        .collect();
    assert!(
        release.iter().any(|l| l.starts_with("COPY ") && l.split_whitespace().last() == Some(copied)),
        "the release stage does not put hoist at `{copied}`: {release:#?}"
    );
    let base = release[0].split_whitespace().next().unwrap();
    let arg = base.trim_start_matches("${").trim_end_matches('}');
    assert!(
        dockerfile.lines().any(|l| l.starts_with(&format!("ARG {arg}=")) && l.contains("debian")),
        "the release stage's base `{base}` is not Debian"
    );
}
