/*!
docker compose projects, as `hoist.toml` names them (`[compose.NAME]`: files and a project
name), run with whichever compose the machine has: the `docker compose` v2 plugin when it
exists, else the v1 `docker-compose` program.

```no_run
use hoist_compose::Compose;

let sh = xshell::Shell::new().unwrap();
let compose = Compose::detect(&sh).unwrap();
let config = hoist_config::Config::discover(".".as_ref()).unwrap();
let ci = &config.compose["ci"];
compose.run(&sh, config.root(), ci, &["up", "-d"]).unwrap();
```
*/

use std::path::Path;

use hoist_config::ComposeProject;
use thiserror::Error;
use xshell::{Shell, cmd};

/// Which compose program runs projects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compose {
    /// `docker compose` (v2, a docker CLI plugin).
    Plugin,
    /// `docker-compose` (v1, a program of its own).
    Standalone,
}

/// A compose command that could not run or failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ComposeError {
    /// Neither `docker compose` nor `docker-compose` is installed.
    #[error(
        "neither `docker compose` nor `docker-compose` is installed: install the compose plugin (https://docs.docker.com/compose/install/) or `apt-get install docker-compose`"
    )]
    NotInstalled,
    /// A compose file of the project does not exist.
    #[error("the compose file `{}` of project `{project}` does not exist: fix `compose.*.files` in `hoist.toml`", file.display())]
    MissingFile { project: String, file: std::path::PathBuf },
    /// The compose command ran and failed.
    #[error("`{command}` failed with exit code {code}")]
    Failed { command: String, code: i32 },
    /// The compose command could not be started.
    #[error("cannot run `{command}`: {message}")]
    Spawn { command: String, message: String },
}

/// Whether `program` is an executable file in one of the directories of `path` (`PATH`).
fn on_path(path: &std::ffi::OsStr, program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(path).any(|dir| {
        std::fs::metadata(dir.join(program)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

impl Compose {
    /// Finds the compose program: the v2 plugin first (`docker compose version` answers), then
    /// v1 (`docker-compose` is on `PATH`).
    pub fn detect(sh: &Shell) -> Result<Compose, ComposeError> {
        if cmd!(sh, "docker compose version").quiet().ignore_stdout().ignore_stderr().run().is_ok() {
            return Ok(Compose::Plugin);
        }
        // Found, not run: `docker-compose version` is a Python start-up, half a second on a
        // small machine, and a broken installation says so at its first real command.
        if std::env::var_os("PATH").is_some_and(|path| on_path(&path, "docker-compose")) {
            return Ok(Compose::Standalone);
        }
        Err(ComposeError::NotInstalled)
    }

    /// The program and leading arguments, e.g. `["docker", "compose"]`.
    pub fn program(self) -> &'static [&'static str] {
        match self {
            Compose::Plugin => &["docker", "compose"],
            Compose::Standalone => &["docker-compose"],
        }
    }

    /// The first line `version` prints (`Docker Compose version v2.29.7`, `docker-compose
    /// version 1.29.2, build …`): a v1 `docker-compose` found on `PATH` runs for the first
    /// time here.
    pub fn version(self, sh: &Shell) -> Result<String, ComposeError> {
        let (program, rest) = self.program().split_first().expect("a compose program");
        let command = format!("{} version", self.program().join(" "));
        let output = cmd!(sh, "{program} {rest...} version")
            .quiet()
            .ignore_status()
            .output()
            .map_err(|e| ComposeError::Spawn { command: command.clone(), message: e.to_string() })?;
        if !output.status.success() {
            return Err(ComposeError::Failed { command, code: output.status.code().unwrap_or(128 + 9) });
        }
        let text = String::from_utf8_lossy(&output.stdout);
        Ok(text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default().to_owned())
    }

    /// The full argument list for `args` on `project`, whose files are relative to `root`.
    pub fn argv(self, root: &Path, project: &ComposeProject, args: &[&str]) -> Result<Vec<String>, ComposeError> {
        let mut argv: Vec<String> = self.program().iter().map(|s| (*s).to_owned()).collect();
        for file in &project.files {
            let path = root.join(file);
            if !path.is_file() {
                return Err(ComposeError::MissingFile { project: project.project.clone(), file: path });
            }
            argv.push("-f".into());
            argv.push(path.display().to_string());
        }
        argv.push("-p".into());
        argv.push(project.project.clone());
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        Ok(argv)
    }

    /// Runs `args` on `project` in `root` with the terminal attached; fails on a non-zero exit.
    pub fn run(self, sh: &Shell, root: &Path, project: &ComposeProject, args: &[&str]) -> Result<(), ComposeError> {
        match self.status(sh, root, project, args, &[])? {
            0 => Ok(()),
            code => Err(ComposeError::Failed { command: self.argv(root, project, args)?.join(" "), code }),
        }
    }

    /// Runs `args` on `project` in `root` with the terminal attached, with `env` set (`None`:
    /// removed); returns the exit code.
    pub fn status(
        self,
        sh: &Shell,
        root: &Path,
        project: &ComposeProject,
        args: &[&str],
        env: &[(&str, Option<std::ffi::OsString>)],
    ) -> Result<i32, ComposeError> {
        let argv = self.argv(root, project, args)?;
        let (program, rest) = argv.split_first().expect("argv has a program");
        let _dir = sh.push_dir(root);
        // Built with `cmd!` (one argument per value), run as a std Command to keep the exit code
        // and the terminal.
        let mut command: std::process::Command = cmd!(sh, "{program} {rest...}").quiet().into();
        for (key, value) in env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let status =
            command.status().map_err(|e| ComposeError::Spawn { command: argv.join(" "), message: e.to_string() })?;
        Ok(status.code().unwrap_or(128 + 9))
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    #[test]
    fn a_program_is_found_as_an_executable_file_on_the_path() {
        assert!(super::on_path(OsStr::new("/nonexistent:/bin"), "sh"));
        assert!(!super::on_path(OsStr::new("/bin"), "hoist-no-such-program"));
        assert!(!super::on_path(OsStr::new("/"), "bin"), "a directory is no program");
        assert!(!super::on_path(OsStr::new("/etc"), "passwd"), "a file that is not executable is no program");
    }
}
