/*!
The hoist command line. [`run`] parses the arguments with clap, builds a [`Ctx`] for the
project directory, runs the chosen command and turns its result into an exit code; errors are
printed once, on stderr, as `error: …`.

Each command is a clap `Args` struct in its own module under `commands/`, with
`fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode>`. Data goes to stdout, diagnostics to
stderr, so `$(hoist tag)` and `hoist layers --json | jq` work.

This crate is the CLI, not a library API: it gives no semver promise.
*/

mod commands;
mod ctx;
mod help;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use ctx::Ctx;

/// The clap definition of the command line, named `bin_name`, exactly as [`run`] parses it.
///
/// For checking command lines without running them (the documentation check parses every
/// `hoist …` line of the docs with it). A target that is not built in parses as an external
/// subcommand: at run time it must be a compose `shortcut` of `hoist.toml`, which the command
/// alone cannot know.
pub fn command(bin_name: &'static str) -> clap::Command {
    help::command(bin_name)
}

/// Runs hoist with `args` (the first is the program name) and returns the exit code.
///
/// `bin_name` is how the program is invoked, shown in help and errors: `hoist` for the
/// standalone binary, `cargo xtask` inside a Rust workspace.
pub fn run(bin_name: &'static str, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match help::parse_target(bin_name, &args) {
        Some(cli) => cli,
        None => match parse(bin_name, &args) {
            Ok(cli) => cli,
            Err(code) => return code,
        },
    };
    let ctx = Ctx::new(cli.global.project_dir, cli.global.engine, bin_name);
    match cli.command.run(&ctx) {
        Ok(code) => code,
        Err(error) => report(&error),
    }
}

/// Parses `args` with the whole command line (every target defined); prints help, the version
/// or the error and says the exit code when there is nothing to run.
fn parse(bin_name: &'static str, args: &[OsString]) -> Result<Cli, ExitCode> {
    let command = help::command(bin_name);
    let matches = match command.try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return Err(if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS });
        }
    };
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches).map_err(|error| {
        let _ = error.print();
        ExitCode::from(2)
    })
}

/// Prints `error` once, with its chain of causes, and picks the exit code.
fn report(error: &anyhow::Error) -> ExitCode {
    // A closed stdout (`hoist layers | head -1`) is not an error worth a message.
    if let Some(io) = error.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", escape_controls(&message(error)));
    if error.downcast_ref::<help::UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::FAILURE }
}

/// `text` with every control character but the line break and the tab written as an escape
/// (`\u{1b}`): a value from the input (a stage name, a file's line) can never move the cursor,
/// rewrite the terminal's title or clear the screen when hoist echoes it.
pub(crate) fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

/// The error and its causes in one line, each cause said once: a cause whose words the message
/// already holds (an error that prints its source, wrapped again) is left out.
fn message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// The command line: global options and one target.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    global: Global,

    #[command(subcommand)]
    command: Command,
}

/// The options every target takes.
#[derive(Debug, clap::Args)]
struct Global {
    /// Run as if started in DIR (like `git -C`): hoist looks for `hoist.toml` there and in its parents.
    #[arg(short = 'C', long = "project-dir", value_name = "DIR", global = true)]
    project_dir: Option<PathBuf>,

    /// The Docker engine: an address (`unix:///PATH`, `tcp://HOST:PORT`, `ssh://USER@HOST`) or a docker context's name. Default: `HOIST_ENGINE`, `DOCKER_HOST`, `DOCKER_CONTEXT`, the current docker context, the local socket (`hoist doctor` says which).
    #[arg(long = "engine", value_name = "ENGINE", global = true)]
    engine: Option<String>,
}

/// The targets. The order here is the order of `--help`.
#[derive(Debug, Subcommand)]
enum Command {
    Version(commands::naming::Version),
    Tag(commands::naming::Tag),
    Registry(commands::naming::Registry),
    Layers(commands::layers::Layers),
    Bump(commands::bump::Bump),
    BumpMyVersion(commands::bump_my_version::BumpMyVersion),
    Build(commands::build::Build),
    Push(commands::build::Push),
    Test(commands::test::Test),
    RegenSolrImage(commands::data_image::RegenSolrImage),
    RegenRequirements(commands::requirements::RegenRequirements),
    Ci(commands::ci::Ci),
    Check(commands::check::Check),
    Init(commands::init::Init),
    Doctor(commands::doctor::Doctor),
    Exists(commands::exists::Exists),
    Compose(commands::compose::Compose),
    Deploy(commands::deploy::Deploy),
    Rollback(commands::deploy::Rollback),
    Status(commands::deploy::Status),
    Release(commands::channels::Release),
    Diff(commands::channels::Diff),
    Candidate(commands::candidate::Candidate),
    Promote(commands::promote::Promote),
    GitopsRelease(commands::gitops::GitopsRelease),
    Completions(commands::completions::Completions),
    /// A compose shortcut named in `hoist.toml` (`ci-dc`), or an unknown target.
    #[command(external_subcommand)]
    External(Vec<String>),
}

impl Command {
    /// Whether the target reads or changes the project, so that a bump interrupted in it must
    /// be finished or undone first (`bump --abort` and `--continue` are how). `doctor` reports
    /// an interrupted bump as one of its problems instead.
    fn needs_whole_bump(&self) -> bool {
        !matches!(self, Command::Completions(_) | Command::Doctor(_))
            && !matches!(self, Command::Bump(bump) if bump.recovers())
    }

    fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        if self.needs_whole_bump() {
            hoist_version::bump::ensure_no_interrupted_bump(ctx.start_dir())?;
        }
        match self {
            Command::Version(cmd) => cmd.run(ctx),
            Command::Tag(cmd) => cmd.run(ctx),
            Command::Registry(cmd) => cmd.run(ctx),
            Command::Layers(cmd) => cmd.run(ctx),
            Command::Bump(cmd) => cmd.run(ctx),
            Command::BumpMyVersion(cmd) => cmd.run(ctx),
            Command::Build(cmd) => cmd.run(ctx),
            Command::Push(cmd) => cmd.run(ctx),
            Command::Test(cmd) => cmd.run(ctx),
            Command::RegenSolrImage(cmd) => cmd.run(ctx),
            Command::RegenRequirements(cmd) => cmd.run(ctx),
            Command::Ci(cmd) => cmd.run(ctx),
            Command::Check(cmd) => cmd.run(ctx),
            Command::Init(cmd) => cmd.run(ctx),
            Command::Doctor(cmd) => cmd.run(ctx),
            Command::Exists(cmd) => cmd.run(ctx),
            Command::Compose(cmd) => cmd.run(ctx),
            Command::Deploy(cmd) => cmd.run(ctx),
            Command::Rollback(cmd) => cmd.run(ctx),
            Command::Status(cmd) => cmd.run(ctx),
            Command::Completions(cmd) => cmd.run(ctx),
            Command::Release(cmd) => cmd.run(ctx),
            Command::Diff(cmd) => cmd.run(ctx),
            Command::Candidate(cmd) => cmd.run(ctx),
            Command::Promote(cmd) => cmd.run(ctx),
            Command::GitopsRelease(cmd) => cmd.run(ctx),
            Command::External(args) => {
                let (name, rest) = args.split_first().expect("clap gives the subcommand name");
                match commands::compose::shortcut(ctx, name) {
                    Some(project) => commands::compose::run_project(ctx, &project, rest),
                    None => Err(help::unknown_target(ctx, name)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_cause_is_said_once() {
        // An error that prints its source and also returns it as its cause.
        #[derive(Debug)]
        struct Wrapped(std::io::Error);
        impl std::fmt::Display for Wrapped {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "cannot read `x`: {}", self.0)
            }
        }
        impl std::error::Error for Wrapped {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let io = std::io::Error::other("stream did not contain valid UTF-8");
        let error = anyhow::Error::new(Wrapped(io)).context("`hoist.toml` is unusable");
        assert_eq!(
            super::message(&error),
            "`hoist.toml` is unusable: cannot read `x`: stream did not contain valid UTF-8"
        );
        let plain = anyhow::anyhow!("one").context("two");
        assert_eq!(super::message(&plain), "two: one");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            super::escape_controls("stage `\u{1b}]0;pwned\u{7}\u{1b}[2J` is odd\n"),
            "stage `\\u{1b}]0;pwned\\u{7}\\u{1b}[2J` is odd\n"
        );
    }
}
