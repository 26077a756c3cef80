//! `regen-requirements`: run the configured dependency-lock command in a service of a compose
//! project (`compose run --rm`), then say which of the configured files changed.

use std::path::PathBuf;

use hoist_compose::Compose;
use hoist_config::Config;
use serde::Serialize;

use crate::Pipeline;
use crate::error::PipelineError;
use crate::image::{self, Event, ImagePlan};
use crate::runner::{self, Output, Signals};
use crate::session::{self, ComposeEnv, Session, Teardown};

/// What `regen-requirements` will run.
#[derive(Clone, Debug, Serialize)]
pub struct RequirementsPlan {
    /// The image the service runs, and how it will be had.
    pub image: ImagePlan,
    /// The `[compose.NAME]` table.
    pub compose: String,
    /// The compose project name.
    pub project: String,
    /// The full command line.
    pub argv: Vec<String>,
    /// The files reported on.
    pub files: Vec<String>,
    #[serde(skip)]
    session: Session,
    #[serde(skip)]
    args: Vec<String>,
    #[serde(skip)]
    command: Vec<String>,
    #[serde(skip)]
    paths: Vec<PathBuf>,
}

/// What happened to one file.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FileChange {
    /// Same contents as before.
    Unchanged,
    /// Different contents.
    Changed,
    /// It did not exist before.
    Created,
    /// It existed before and does not now.
    Removed,
    /// It exists neither before nor after.
    Absent,
}

/// One file's change.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileReport {
    /// The file, as configured.
    pub file: String,
    /// What happened to it.
    pub change: FileChange,
}

/// What `regen-requirements` did.
#[derive(Clone, Debug, Serialize)]
pub struct RequirementsReport {
    /// The plan it carried out.
    pub plan: RequirementsPlan,
    /// The files.
    pub files: Vec<FileReport>,
}

/// Plans `regen-requirements` for `config` (`[requirements]`).
pub fn plan_requirements(
    config: &Config,
    compose: Compose,
    image: ImagePlan,
    env: ComposeEnv,
) -> Result<RequirementsPlan, PipelineError> {
    let req = &config.requirements;
    let command = req.command.clone().ok_or(PipelineError::NoRequirementsCommand)?;
    let project = session::project(config, &req.compose, "requirements.compose")?;
    let session = Session::new(compose, config.root(), project, env);
    let mut args: Vec<String> = ["run", "--rm", "--no-deps", "-T"].map(str::to_owned).to_vec();
    if let Some(user) = &req.user {
        args.extend(["-u".to_owned(), session::expand(user, "requirements.user")?]);
    }
    if let Some(entrypoint) = &req.entrypoint {
        // One argument, so that an empty value (clear the image's entrypoint) stays a value.
        args.push(format!("--entrypoint={entrypoint}"));
    }
    for (name, value) in &req.env {
        args.extend(["-e".to_owned(), format!("{name}={value}")]);
    }
    args.push(req.service.clone());
    args.extend(command.iter().cloned());
    let argv = session.argv(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
    Ok(RequirementsPlan {
        image,
        compose: req.compose.clone(),
        project: project.project.clone(),
        argv,
        files: req.files.iter().map(|f| f.display().to_string()).collect(),
        paths: req.files.iter().map(|f| config.root().join(f)).collect(),
        session,
        args,
        command,
    })
}

/// Carries out `plan`: has the image as planned, runs the command (output on stderr) and
/// compares the files.
pub fn regenerate_requirements(
    p: &Pipeline<'_>,
    plan: &RequirementsPlan,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RequirementsReport, PipelineError> {
    runner::install_interrupt_handler();
    image::execute_image(p, &plan.image, on_event)?;
    runner::check_interrupted()?;
    let read = |path: &PathBuf| match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PipelineError::Io { path: path.clone(), source }),
    };
    let before = plan.paths.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    // `run --rm` removes its container but not the network and volumes it created: a project
    // that was not up before is taken down afterwards, one that was is left as it was.
    let teardown = (!plan.session.has_containers()?).then(|| Teardown::new(&plan.session));
    on_event(Event::Note(&format!("running {}", plan.argv.join(" "))));
    let args: Vec<&str> = plan.args.iter().map(String::as_str).collect();
    let code = plan.session.status(&args, Output::Stderr, Signals::Forward)?;
    runner::check_interrupted()?;
    if code != 0 {
        return Err(PipelineError::LockFailed { command: plan.command.clone(), code });
    }
    if let Some(teardown) = teardown {
        teardown.finish()?;
    }
    let mut files = Vec::new();
    for ((file, path), before) in plan.files.iter().zip(&plan.paths).zip(before) {
        let change = match (before, read(path)?) {
            (None, None) => FileChange::Absent,
            (None, Some(_)) => FileChange::Created,
            (Some(_), None) => FileChange::Removed,
            (Some(a), Some(b)) if a == b => FileChange::Unchanged,
            (Some(_), Some(_)) => FileChange::Changed,
        };
        files.push(FileReport { file: file.clone(), change });
    }
    Ok(RequirementsReport { plan: plan.clone(), files })
}
