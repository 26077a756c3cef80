//! Running a hoist binary the way a user does, and checking what it printed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variables hoist reads, which a test's process must not inherit from the
/// shell that started it.
pub const HOIST_ENV_VARS: &[&str] = &[
    "prNum",
    "CACHE_REGISTRY",
    "NO_CACHE_TO",
    "HOIST_PR",
    "HOIST_CACHE_REGISTRY",
    "HOIST_NO_CACHE_TO",
    "HOIST_REGISTRY",
    "HOIST_GITOPS_REPOSITORY",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_BASE_REF",
    "GITHUB_REF_NAME",
    "GITHUB_HEAD_REF",
    "HOIST_TEST_KILL_AT_STEP",
    "HOIST_ENGINE",
    "HOIST_SSH_COMMAND",
    "DOCKER_CONTEXT",
    "DOCKER_TLS",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
];

/// A hoist invocation: binary, directory, arguments and environment.
pub struct Hoist {
    command: Command,
}

/// What a finished invocation printed.
#[derive(Debug)]
pub struct Output {
    /// The exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Hoist {
    /// Runs `binary` (from `env!("CARGO_BIN_EXE_hoist")`) in `dir`, with an environment
    /// cleared of the variables hoist reads, so the caller's shell cannot leak into the test.
    pub fn new(binary: impl AsRef<Path>, dir: impl AsRef<Path>) -> Hoist {
        let mut command = Command::new(binary.as_ref());
        command.current_dir(dir.as_ref());
        for var in HOIST_ENV_VARS {
            command.env_remove(var);
        }
        Hoist { command }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Hoist
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Hoist {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Hoist {
        self.command.env_remove(key);
        self
    }

    /// Runs the command to completion.
    pub fn run(mut self) -> Output {
        let output = self.command.output().expect("cannot run the hoist binary");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs the command and asserts it succeeded; returns stdout.
    pub fn success(self) -> String {
        let out = self.run();
        assert_eq!(
            out.code, 0,
            "expected success, got exit {}\nstdout:\n{}\nstderr:\n{}",
            out.code, out.stdout, out.stderr
        );
        out.stdout
    }

    /// Runs the command and asserts it failed with exit code 1 and nothing on stdout; returns stderr.
    pub fn failure(self) -> String {
        let out = self.run();
        assert_eq!(out.code, 1, "expected exit 1, got {}\nstdout:\n{}\nstderr:\n{}", out.code, out.stdout, out.stderr);
        assert_eq!(out.stdout, "", "a failing command printed to stdout");
        out.stderr
    }
}

/// A temporary project directory, deleted on drop.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// An empty project directory.
    pub fn new() -> Project {
        Project { dir: tempfile::tempdir().unwrap() }
    }

    /// A project directory holding `files`.
    pub fn with_files(files: &[(&str, &str)]) -> Project {
        let project = Project::new();
        crate::write_files(project.path(), files);
        project
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `path` inside the project.
    pub fn join(&self, path: &str) -> PathBuf {
        self.dir.path().join(path)
    }
}

impl Default for Project {
    fn default() -> Self {
        Project::new()
    }
}
