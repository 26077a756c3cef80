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
    ("completions", "completions bash > /etc/bash_completion.d/hoist"),
];

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
        let targets: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).filter(|n| *n != "help").collect();
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
