//! `regen-solr-image`: regenerate a data image. The data-build compose project starts clean,
//! the loader fills the data service, the data directory is archived into the project, a
//! Dockerfile stage bakes the archive in, and the image is tagged `TAG-SUFFIX` and pushed.
//! The project is taken down on success, on failure and on Ctrl-C.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hoist_compose::Compose;
use hoist_config::Config;
use serde::Serialize;

use crate::Pipeline;
use crate::error::PipelineError;
use crate::image::{self, Event, ImagePlan};
use crate::runner::{self, Output, Signals};
use crate::session::{self, ComposeEnv, ServiceExec, Session, Teardown};

/// Everything `regen-solr-image` will do, decided before anything is started.
#[derive(Clone, Debug, Serialize)]
pub struct DataImagePlan {
    /// The image the loader and data services run, and how it will be had.
    pub image: ImagePlan,
    /// The `[compose.NAME]` table.
    pub compose: String,
    /// The compose project name.
    pub project: String,
    /// The variables compose gets.
    pub env: ComposeEnv,
    /// First, when the engine holds anything of the project (a container, volume or
    /// network with its label), `compose … down --volumes`: a clean start.
    pub clean: Vec<String>,
    /// `compose … up -d LOADER DATA`.
    pub up: Vec<String>,
    /// The readiness check, tried until it succeeds.
    pub wait_for: Option<WaitFor>,
    /// The loading commands: in a service's container, or on the host.
    pub steps: Vec<PlannedDataStep>,
    /// The archive of the data directory.
    pub archive: PlannedArchive,
    /// `compose … down --volumes`, before the build.
    pub down: Vec<String>,
    /// The Dockerfile stage that bakes the archive in.
    pub stage: String,
    /// The image's tag, `TAG-SUFFIX`.
    pub tag: String,
    /// Whether the tag is pushed.
    pub push: bool,
    /// Services of the project that name one of the run's images by another, fixed tag.
    pub warnings: Vec<crate::ComposeWarning>,
    /// What the data is (`ci`: the digest of the dump files, [`crate::ci::dump_digest`]),
    /// recorded on the image as the label `dev.hoist.data`; `None`: no such label.
    pub data: Option<String>,
    #[serde(skip)]
    session: Session,
    #[serde(skip)]
    archive_path: PathBuf,
    #[serde(skip)]
    services: (String, String),
}

/// One loading command as it will run.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "runs", rename_all = "kebab-case")]
pub enum PlannedDataStep {
    /// In a service's container.
    InService {
        /// The command and its service.
        exec: ServiceExec,
    },
    /// On the host, in the project directory, with the compose command in its environment.
    OnHost {
        /// The command line.
        argv: Vec<String>,
    },
}

/// `in `SERVICE`: COMMAND…` or `on the host: COMMAND…`.
impl std::fmt::Display for PlannedDataStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlannedDataStep::InService { exec } => write!(f, "{exec}"),
            PlannedDataStep::OnHost { argv } => write!(f, "on the host: {}", argv.join(" ")),
        }
    }
}

/// The readiness check.
#[derive(Clone, Debug, Serialize)]
pub struct WaitFor {
    /// The command, in the data service's container.
    pub exec: ServiceExec,
    /// How many times it is tried, one second apart.
    pub attempts: u32,
}

/// How the archive is made.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedArchive {
    /// The directory in the data service.
    pub source: String,
    /// The directory the archive's paths start from (`/`: it holds `var/solr/…`).
    pub from: String,
    /// The file in the project.
    pub path: String,
    /// The command whose standard output hoist writes to `path`.
    pub exec: ServiceExec,
}

/// What `regen-solr-image` did.
#[derive(Clone, Debug, Serialize)]
pub struct DataImageReport {
    /// The plan it carried out.
    pub plan: DataImagePlan,
    /// The size of the archive in bytes.
    pub archive_bytes: u64,
    /// The data image's id.
    pub image_id: String,
    /// What the data image is made from (its labels): known once the archive is written.
    pub inputs: crate::InputDigest,
    /// The registry digest, when pushed.
    pub digest: Option<String>,
}

/// Plans `regen-solr-image` for `config` (`[data-image]`): `image` is the loader's image step,
/// `tag` the image's tag (`TAG-SUFFIX`); the compose files are read as `overlay` will leave
/// them (a `ci` run's bump).
pub fn plan_data_image(
    config: &Config,
    compose: Compose,
    image: ImagePlan,
    env: ComposeEnv,
    tag: String,
    push: bool,
    overlay: &crate::Overlay,
) -> Result<DataImagePlan, PipelineError> {
    let data = &config.data_image;
    let project = session::project(config, &data.compose, "data-image.compose")?;
    let session = Session::new(compose, config.root(), project, env.clone());
    let wait_for = data.wait_for.as_ref().map(|command| WaitFor {
        exec: ServiceExec::new(&data.data_service, None, Vec::new(), command),
        attempts: data.wait_attempts,
    });
    let mut steps = Vec::new();
    for step in &data.steps {
        if step.host {
            steps.push(PlannedDataStep::OnHost { argv: step.command.clone() });
        } else {
            let user = step.user.as_deref().map(|u| session::expand(u, "data-image.steps.user")).transpose()?;
            steps.push(PlannedDataStep::InService {
                exec: ServiceExec::new(&step.service, user.as_deref(), Vec::new(), &step.command),
            });
        }
    }
    // The archive holds the data directory relative to `archive-from` (by default `/`: its
    // full path, `var/solr/…`), which the configuration checked is above it.
    let from = data.archive_from.trim_end_matches('/');
    let inside = data.data_path[from.len()..].trim_start_matches('/').to_owned();
    let from = if from.is_empty() { "/" } else { from };
    let tar: Vec<String> = ["tar", "czf", "-", "-C", from, &inside].map(str::to_owned).to_vec();
    let user = data.user.as_deref().map(|u| session::expand(u, "data-image.user")).transpose()?;
    let archive = PlannedArchive {
        source: data.data_path.clone(),
        from: from.to_owned(),
        path: data.archive.display().to_string(),
        exec: ServiceExec::new(&data.data_service, user.as_deref(), Vec::new(), &tar),
    };
    let down = session.argv(&["down", "--volumes", "--remove-orphans"])?;
    let warnings = crate::compose_warnings(config, &data.compose, &env, overlay);
    Ok(DataImagePlan {
        warnings,
        data: None,
        image,
        compose: data.compose.clone(),
        project: project.project.clone(),
        env,
        clean: down.clone(),
        up: session.argv(&["up", "-d", &data.loader_service, &data.data_service])?,
        wait_for,
        steps,
        archive,
        down,
        stage: data.stage.clone(),
        tag,
        push,
        archive_path: config.root().join(&data.archive),
        services: (data.loader_service.clone(), data.data_service.clone()),
        session,
    })
}

/// Carries out `plan`: has the loader image as planned, loads, archives, and builds the data
/// stage with its input labels (computed once the archive is written) under the plan's tag.
pub fn regenerate_data_image(
    p: &Pipeline<'_>,
    plan: &DataImagePlan,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<DataImageReport, PipelineError> {
    runner::install_interrupt_handler();
    let session = &plan.session;
    // A clean start: what an earlier run left is taken down (asked of the engine, so that no
    // compose process starts when nothing is left).
    if p.engine()?.has_compose_project(session.name())? {
        on_event(Event::Note(&format!("removing what a previous run left in compose project `{}`", session.name())));
        session.down()?;
    }
    runner::check_interrupted()?;
    image::execute_image(p, &plan.image, on_event)?;
    runner::check_interrupted()?;

    let teardown = Teardown::new(session);
    let (loader, data) = (&plan.services.0, &plan.services.1);
    on_event(Event::Note(&format!("starting `{loader}` and `{data}`")));
    session.check(&["up", "-d", loader, data])?;
    if let Some(wait) = &plan.wait_for {
        wait_until_ready(p, session, wait, on_event)?;
    }
    for step in &plan.steps {
        on_event(Event::Note(&format!("data step {step}")));
        let (code, place, line) = match step {
            PlannedDataStep::InService { exec } => (
                session.exec(p.engine()?, exec, Output::Stderr)?,
                format!("in service `{}`", exec.service),
                exec.command.clone(),
            ),
            PlannedDataStep::OnHost { argv } => {
                let command = session.host_command(argv)?;
                (runner::run(command, Output::Stderr, Signals::Forward)?, "on the host".to_owned(), argv.clone())
            }
        };
        runner::check_interrupted()?;
        if code != 0 {
            return Err(PipelineError::StepFailed { place, command: line, code });
        }
    }
    on_event(Event::Note(&format!("archiving `{}` into `{}`", plan.archive.source, plan.archive.path)));
    let archive_bytes = write_archive(p, session, plan)?;
    teardown.finish()?;

    on_event(Event::Note(&format!("building stage `{}` as {}", plan.stage, plan.tag)));
    let inputs = crate::input_digest::step_digest(p.config, &plan.stage, &Default::default(), &Default::default())?;
    let mut request = image::build_request(p, &plan.image);
    request.target = Some(plan.stage.clone());
    request.tags = vec![plan.tag.clone()];
    request.labels = inputs.labels();
    if let Some(data) = &plan.data {
        request.labels.insert(crate::ci::LABEL_DATA.to_owned(), data.clone());
    }
    request.cache_to = None;
    request.inline_cache = false;
    let engine = p.engine()?;
    let outcome = engine.build(&request, &mut |e| on_event(Event::Build(&e)))?;
    runner::check_interrupted()?;
    // A stage that unpacks the archive elsewhere builds green and holds no data: say so, and
    // leave no tag on the empty image.
    if !engine.has_files_under(&plan.tag, &plan.archive.source)? {
        let _ = engine.remove(&plan.tag);
        return Err(PipelineError::EmptyDataImage {
            tag: plan.tag.clone(),
            path: plan.archive.source.clone(),
            from: plan.archive.from.clone(),
            stage: plan.stage.clone(),
        });
    }
    let digest = if plan.push {
        on_event(Event::Note(&format!("pushing {}", plan.tag)));
        Some(engine.push(&plan.tag, &mut |e| on_event(Event::Transfer(&e)))?.as_str().to_owned())
    } else {
        None
    };
    Ok(DataImageReport { plan: plan.clone(), archive_bytes, image_id: outcome.image_id, inputs, digest })
}

fn wait_until_ready(
    p: &Pipeline<'_>,
    session: &Session,
    wait: &WaitFor,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(), PipelineError> {
    on_event(Event::Note(&format!("waiting for the data service (at most {} attempts)", wait.attempts)));
    let engine = p.engine()?;
    for attempt in 1..=wait.attempts {
        // A container that is not running yet is not ready yet.
        match session.exec(engine, &wait.exec, Output::Null) {
            Ok(0) => return Ok(()),
            Ok(_) | Err(PipelineError::NoRunningContainer { .. }) => {}
            Err(e) => return Err(e),
        }
        runner::check_interrupted()?;
        if attempt < wait.attempts {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    Err(PipelineError::NotReady {
        service: wait.exec.service.clone(),
        command: wait.exec.command.clone(),
        attempts: wait.attempts,
    })
}

/// Streams the data directory into the archive file: a temporary file next to it, renamed
/// into place once the archive is complete.
fn write_archive(p: &Pipeline<'_>, session: &Session, plan: &DataImagePlan) -> Result<u64, PipelineError> {
    let path = &plan.archive_path;
    let fail = |message: String| PipelineError::Archive { path: path.clone(), message };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let mut partial = path.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial).map_err(|e| fail(e.to_string()))?;
    let code = session.exec(p.engine()?, &plan.archive.exec, Output::File(file));
    let result = match code {
        Ok(0) => std::fs::metadata(&partial).map(|m| m.len()).map_err(|e| fail(e.to_string())),
        Ok(code) => Err(fail(format!("`{}` failed with exit code {code}", plan.archive.exec.command.join(" ")))),
        Err(e) => Err(e),
    };
    let result = result.and_then(|bytes| {
        runner::check_interrupted()?;
        if bytes == 0 {
            return Err(fail("the archive is empty".into()));
        }
        std::fs::rename(&partial, path).map_err(|e| fail(e.to_string()))?;
        Ok(bytes)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_run::tests::{env, image, project, tail};

    #[test]
    fn the_sequence_of_the_original_without_shell_strings() {
        let (dir, config) = project(
            "[data-image]\nwait-for = [\"curl\", \"-f\", \"http://localhost:8983/\"]\nwait-attempts = 5\n[[data-image.steps]]\ncommand = [\"./init.sh\", \"--build\"]\n[[data-image.steps]]\nservice = \"data\"\ncommand = [\"solr\", \"commit\"]\n",
        );
        let plan = plan_data_image(
            &config,
            Compose::Standalone,
            image("release"),
            env(),
            "r.example/app:v1.2.3-solr".into(),
            true,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(tail(&plan.clean), "down --volumes --remove-orphans");
        assert_eq!(tail(&plan.up), "up -d loader data");
        let wait = plan.wait_for.as_ref().unwrap();
        assert_eq!((wait.exec.to_string(), wait.attempts), ("in `data`: curl -f http://localhost:8983/".to_owned(), 5));
        let steps: Vec<String> = plan.steps.iter().map(ToString::to_string).collect();
        assert_eq!(steps, ["in `loader`: ./init.sh --build", "in `data`: solr commit"]);
        assert_eq!(plan.archive.exec.to_string(), "in `data`: tar czf - -C / var/solr", "the full path by default");
        assert_eq!(plan.archive.path, "dist/var-solr.tgz");
        assert_eq!(plan.archive_path, dir.path().join("dist/var-solr.tgz"));
        assert_eq!((plan.stage.as_str(), plan.tag.as_str(), plan.push), ("solr", "r.example/app:v1.2.3-solr", true));
        assert_eq!(plan.project, "solrbld");

        let (_other, config) =
            project("[data-image]\narchive-from = \"/var\"\n[[data-image.steps]]\ncommand = [\"true\"]\n");
        let plan = plan_data_image(
            &config,
            Compose::Standalone,
            image("release"),
            env(),
            "t".into(),
            false,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(plan.archive.exec.to_string(), "in `data`: tar czf - -C /var solr");
    }
}
