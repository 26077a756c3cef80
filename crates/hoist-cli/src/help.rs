//! The top-level help: every target with its one-line description and an example.

use clap::CommandFactory;

use crate::Cli;

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
    ("exists", "exists \"$(hoist tag)-solr\"   # the digest if the registry has it, exit 1 if not"),
    ("compose", "compose ci up -d          # docker compose -f … -p ci up -d; also `ci-dc up -d`"),
    ("deploy", "deploy dev --dry-run     # gate on images + version tag, then move dev/deploy atomically"),
    ("rollback", "rollback prod            # point prod/deploy back at last/prod/deploy"),
    ("status", "status --json            # what each environment runs, and its previous deploy"),
    ("release", "release prod --app metabase --dry-run   # channels/prod.yaml: kubectl/helm"),
    ("diff", "diff test --outfile kdiff.md   # kubectl diff of channel `test`, as markdown"),
    ("gitops-release", "gitops-release staging --digest sha256:…   # commit staging/APP.yaml to the releases repo"),
    ("completions", "completions bash > /etc/bash_completion.d/hoist"),
];

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
}
