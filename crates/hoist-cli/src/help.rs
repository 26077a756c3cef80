//! The top-level help: every target with its one-line description and an example.

use std::ffi::OsString;

use clap::{Args, CommandFactory, FromArgMatches};

use crate::{Cli, Global, commands};

/// One example per target, shown in `--help`. A test checks that every target has one.
pub(crate) const EXAMPLES: &[(&str, &str)] = &[
    ("version", "version                 # v0.5.146, or v0.5.146-42 with prNum=42"),
    ("tag", "tag                     # registry.example.com/app:v0.5.146"),
    ("registry", "registry                # registry.example.com/app"),
    ("layers", "layers --json           # the Dockerfile's stages, with base images"),
    ("bump", "bump patch --dry-run    # diffs, new version, commit message and tag"),
    ("bump-my-version", "bump-my-version bump patch   # bump-my-version 1.8.1's own command line"),
    ("build", "build tester            # REGISTRY:VERSION-tester through BuildKit; --push to push"),
    ("push", "push                     # build `release` and push REGISTRY:VERSION and :last"),
    ("test", "test --keep             # tester image, compose project `ci` up, suites, down; their exit code"),
    ("regen-solr-image", "regen-solr-image --no-push   # load data, archive it, build stage `solr` as TAG-solr"),
    ("regen-requirements", "regen-requirements     # the lock command in its service; lists changed files"),
    ("ci", "ci --dry-run            # the CI flow's plan: bump, data image, tests, push, deploy; with reasons"),
    ("check", "check                   # hoist.toml against the compose files, the Dockerfile and the version parts"),
    (
        "init",
        "init --dry-run          # a commented hoist.toml from the justfile, compose files, Dockerfile, version config",
    ),
    ("doctor", "doctor                  # engine and why, BuildKit, logins, compose, git; what is missing"),
    ("exists", "exists \"$(hoist tag)-solr\"   # the digest if the registry has it, exit 1 if not"),
    ("compose", "compose ci up -d          # docker compose -f … -p ci up -d; also `ci-dc up -d`"),
    ("deploy", "deploy dev --dry-run     # gate on images + version tag, then move dev/deploy atomically"),
    ("rollback", "rollback prod            # point prod/deploy back at last/prod/deploy"),
    ("status", "status --json            # what each environment runs and ran, its releases/ENV branch, the versions"),
    ("release", "release prod --app metabase --dry-run   # channels/prod.yaml: kubectl/helm"),
    ("diff", "diff test --from candidates/main --to releases/test   # what merging changes, rendered, as markdown"),
    ("candidate", "candidate --dry-run      # candidates/BRANCH: HEAD with every channel's images pinned to digests"),
    ("promote", "promote main prod --body-file pr.md   # promotions/prod/main and the pull request's text"),
    ("gitops-release", "gitops-release staging --digest sha256:…   # commit staging/APP.yaml to the releases repo"),
    ("completions", "completions bash > /etc/bash_completion.d/hoist"),
];

/// Each target and the definition of its arguments, in the order of `Command` (a test checks
/// both against `Command`): a command line for one target is parsed with that target alone.
type Augment = fn(clap::Command) -> clap::Command;
const TARGETS: &[(&str, Augment)] = &[
    ("version", commands::naming::Version::augment_args),
    ("tag", commands::naming::Tag::augment_args),
    ("registry", commands::naming::Registry::augment_args),
    ("layers", commands::layers::Layers::augment_args),
    ("bump", commands::bump::Bump::augment_args),
    ("bump-my-version", commands::bump_my_version::BumpMyVersion::augment_args),
    ("build", commands::build::Build::augment_args),
    ("push", commands::build::Push::augment_args),
    ("test", commands::test::Test::augment_args),
    ("regen-solr-image", commands::data_image::RegenSolrImage::augment_args),
    ("regen-requirements", commands::requirements::RegenRequirements::augment_args),
    ("ci", commands::ci::Ci::augment_args),
    ("check", commands::check::Check::augment_args),
    ("init", commands::init::Init::augment_args),
    ("doctor", commands::doctor::Doctor::augment_args),
    ("exists", commands::exists::Exists::augment_args),
    ("compose", commands::compose::Compose::augment_args),
    ("deploy", commands::deploy::Deploy::augment_args),
    ("rollback", commands::deploy::Rollback::augment_args),
    ("status", commands::deploy::Status::augment_args),
    ("release", commands::channels::Release::augment_args),
    ("diff", commands::channels::Diff::augment_args),
    ("candidate", commands::candidate::Candidate::augment_args),
    ("promote", commands::promote::Promote::augment_args),
    ("gitops-release", commands::gitops::GitopsRelease::augment_args),
    ("completions", commands::completions::Completions::augment_args),
];

/// The target `args` name, when they name a built-in one (after the global options only).
fn target_named(args: &[OsString]) -> Option<(&'static str, Augment)> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let arg = arg.to_str()?;
        match arg {
            "-C" | "--project-dir" => {
                rest.next()?;
            }
            _ if arg.starts_with("--project-dir=") || (arg.starts_with("-C") && arg.len() > 2) => {}
            _ if arg.starts_with('-') => return None,
            _ => return TARGETS.iter().find(|(name, _)| *name == arg).copied(),
        }
    }
    None
}

/// Parses a command line for one built-in target with only that target defined: defining all
/// of them (bump-my-version's dozens of options included) and dropping them again was most of
/// a short command's own work. `None` when `args` name no built-in target or clap has
/// something to say (help, an error): then the whole command line parses them again, so every
/// message is the same.
pub(crate) fn parse_target(bin_name: &'static str, args: &[OsString]) -> Option<Cli> {
    let (name, augment) = target_named(args)?;
    let command = Global::augment_args(clap::Command::new(bin_name).bin_name(bin_name))
        .subcommand(augment(clap::Command::new(name)));
    let matches = command.try_get_matches_from(args).ok()?;
    Cli::from_arg_matches(&matches).ok()
}

/// The error for a target that is neither built in nor a compose shortcut of `hoist.toml`.
pub(crate) fn unknown_target(ctx: &crate::Ctx, name: &str) -> anyhow::Error {
    let mut known: Vec<String> = EXAMPLES.iter().map(|(t, _)| (*t).to_owned()).collect();
    if let Ok(config) = ctx.config() {
        known.extend(config.compose.values().filter_map(|p| p.shortcut.clone()));
    }
    match hoist_config::closest(name, &known) {
        Some(suggestion) => anyhow::Error::new(UsageError(format!(
            "unknown target `{name}`: did you mean `{suggestion}`? (`{} --help` lists the targets)",
            ctx.bin_name()
        ))),
        None => anyhow::Error::new(UsageError(format!(
            "unknown target `{name}`: `{} --help` lists the targets",
            ctx.bin_name()
        ))),
    }
}

/// A command line hoist does not understand: exit status 2, like clap's own errors.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The clap command, named `bin_name`, with the examples section.
pub(crate) fn command(bin_name: &'static str) -> clap::Command {
    let mut examples = String::from("Examples:\n");
    for (_, example) in EXAMPLES {
        examples.push_str(&format!("  {bin_name} {example}\n"));
    }
    examples.push_str(&format!(
        "\nhoist reads `hoist.toml` in the current directory or a parent; `{bin_name} -C DIR TARGET` runs it for another project.\nDocumentation: docs/README.md"
    ));
    Cli::command()
        .name(bin_name)
        .bin_name(bin_name)
        .about("Build, test, version and deploy container images from one typed pipeline")
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_an_example() {
        let command = command("hoist");
        let targets: Vec<&str> =
            command.get_subcommands().map(|c| c.get_name()).filter(|n| !["help", "external"].contains(n)).collect();
        let documented: Vec<&str> = EXAMPLES.iter().map(|(t, _)| *t).collect();
        assert_eq!(targets, documented, "EXAMPLES must list every target, in the order of `Command`");
        for sub in command.get_subcommands() {
            assert!(sub.get_about().is_some(), "target `{}` has no one-line description", sub.get_name());
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        command("hoist").debug_assert();
    }

    #[test]
    fn targets_alone_are_defined_as_in_the_whole_command() {
        let mut whole = command("hoist");
        whole.build();
        let names: Vec<&str> =
            whole.get_subcommands().map(|c| c.get_name()).filter(|n| !["help", "external"].contains(n)).collect();
        let alone: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, alone, "TARGETS must list every target, in the order of `Command`");
        for (name, augment) in TARGETS {
            let mut one = Global::augment_args(clap::Command::new("hoist").bin_name("hoist"))
                .subcommand(augment(clap::Command::new(*name)));
            one.build();
            let one = one.find_subcommand_mut(name).unwrap();
            let full = whole.find_subcommand_mut(name).unwrap();
            assert_eq!(one.render_long_help().to_string(), full.render_long_help().to_string(), "{name}");
            assert_eq!(one.render_usage().to_string(), full.render_usage().to_string(), "{name}");
        }
    }

    #[test]
    fn a_target_alone_parses_as_the_whole_command_line() {
        let lines: &[&[&str]] = &[
            &["version"],
            &["-C", "dir", "version"],
            &["-Cdir", "tag"],
            &["--project-dir=dir", "registry"],
            &["--project-dir", "dir", "bump", "patch", "--no-commit", "--no-tag"],
            &["bump", "-C", "dir", "patch", "--to", "3"],
            &["bump", "check", "--json"],
            &["bump-my-version", "bump", "patch", "--dry-run", "--allow-dirty"],
            &["exists", "r.example/app:v1", "--json"],
            &["build", "tester"],
            &["compose", "ci", "up", "-d"],
            &["deploy", "dev", "--dry-run"],
        ];
        for line in lines {
            let args: Vec<OsString> = std::iter::once("hoist").chain(line.iter().copied()).map(Into::into).collect();
            let alone = parse_target("hoist", &args).unwrap_or_else(|| panic!("{line:?} not parsed alone"));
            let whole = crate::parse("hoist", &args).unwrap();
            assert_eq!(format!("{alone:?}"), format!("{whole:?}"), "{line:?}");
        }
        for line in [&["--help"][..], &["help"], &["bump", "--help"], &["bump", "--bogus"], &["nope"], &["-V"], &[]] {
            let args: Vec<OsString> = std::iter::once("hoist").chain(line.iter().copied()).map(Into::into).collect();
            assert!(parse_target("hoist", &args).is_none(), "{line:?} is for the whole command line");
        }
    }
}
