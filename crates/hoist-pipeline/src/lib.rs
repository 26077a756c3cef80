/*!
The pipeline targets of hoist: `build`, `push`, `test`, `regen-solr-image`,
`regen-requirements` and `ci`. Each is a plan (decisions with typed reasons, no side effects:
what `--dry-run` prints and `--json` emits) and an executor that carries out exactly that plan
and decides nothing.

Everything runs against one [`Pipeline`]: the configuration, the registry client and the
engine (connected on first use, so a plan that needs no engine never connects).

- [`plan_image`] / [`execute_image`]: the one image-decision model (input digest, what is here
  and in the registry, build / pull / push / skip);
- [`plan_test`] / [`run_tests`], [`plan_data_image`] / [`regenerate_data_image`],
  [`plan_requirements`] / [`regenerate_requirements`]: compose-driven targets;
- [`plan_ci`] / [`execute_ci`]: the whole CI flow, every nested decision made first;
- [`plan_init`] / [`write_init`]: a commented `hoist.toml` inferred from the project's files;
- [`diagnose`]: what `hoist doctor` says: the engine and why, its version and BuildKit, the
  registry logins, compose, git and the remote, and what is missing, each with its fix.
*/

mod check;
mod ci;
mod data_image;
mod doctor;
mod error;
mod image;
mod init;
mod input_digest;
mod reason;
mod requirements;
mod runner;
mod session;
mod test_run;

use std::sync::OnceLock;

pub use check::{
    ComposeWarning, ConfigProblem, FixedImage, RemoteBindMount, check_config, compose_warnings, fixed_images,
};
pub use ci::{
    BumpStep, CiContext, CiEvent, CiFlags, CiInputs, CiPlan, CiProblem, CiReason, CiStep, DataDecision, DataPush,
    DeployStep, Done, DumpChange, GitHead, GithubEnv, MergedFrom, PlannedBump, PushGitStep, RetagStep, SCHEMA_VERSION,
    StepAction, StepResult, TagFound, bump_part, decide_data, detect_context, dump_changed, execute_ci,
    nothing_since_tag, outputs, plan_ci, suite_line,
};
pub use data_image::{
    DataImagePlan, DataImageReport, PlannedArchive, PlannedDataStep, WaitFor, plan_data_image, regenerate_data_image,
};
pub use doctor::{
    ComposeFacts, Diagnosis, DoctorInputs, DoctorProblem, EngineFacts, GitFacts, RegistryLogin, diagnose, diagnose_with,
};
pub use error::PipelineError;
pub use image::{
    BuildAction, Decision, Event, Found, ImageOutcome, ImagePlan, ImageRequest, Made, Pushed, decide_build,
    execute_image, plan_image,
};
pub use init::{
    Inferred, InitError, InitPlan, LineProblem, NotInferred, Source, Written, check_target, plan_init, write_init,
};
pub use input_digest::{
    InputDigest, LABEL, LABEL_ARGS, LABEL_CONTEXT, LABEL_DOCKERFILE, Overlay, input_digest, input_digest_with,
};
pub use reason::{ImageReason, InputChange, RegistryHas, short_digest};
pub use requirements::{
    FileChange, FileReport, RequirementsPlan, RequirementsReport, plan_requirements, regenerate_requirements,
};
pub use runner::{install_interrupt_handler, interrupted};
pub use session::{ComposeEnv, Session};
pub use test_run::{PlannedSetup, PlannedSuite, SuiteOutcome, SuiteResult, TestPlan, TestReport, plan_test, run_tests};

/// What every pipeline target runs against: one configuration, one registry client, one
/// engine connection (made on first use), passed down to every planner and executor.
pub struct Pipeline<'a> {
    /// The project's `hoist.toml`.
    pub config: &'a hoist_config::Config,
    /// The registry client (credentials from the Docker config).
    pub registry: &'a hoist_image::RegistryClient,
    /// `--engine`, when given: wins over the environment and the docker contexts.
    engine_choice: Option<String>,
    link: OnceLock<std::sync::Arc<hoist_image::EngineLink>>,
    engine: OnceLock<hoist_image::Engine>,
    /// What the registry answered while planning, by reference: one question per image per
    /// run. Executors (the deploy gate after the pushes) ask the registry itself.
    asked: std::sync::Mutex<std::collections::HashMap<String, Result<Option<hoist_image::RemoteImage>, String>>>,
}

impl<'a> Pipeline<'a> {
    /// A pipeline for `config`, asking the registry through `registry`.
    pub fn new(config: &'a hoist_config::Config, registry: &'a hoist_image::RegistryClient) -> Pipeline<'a> {
        Pipeline {
            config,
            registry,
            engine_choice: None,
            link: OnceLock::new(),
            engine: OnceLock::new(),
            asked: Default::default(),
        }
    }

    /// This pipeline with the engine `choice` (an address or a docker context name, what
    /// `--engine` gives) instead of the one the environment chooses.
    pub fn with_engine_choice(mut self, choice: Option<String>) -> Pipeline<'a> {
        self.engine_choice = choice;
        self
    }

    /// The engine this pipeline uses, chosen and opened on first use: hoist's own client and
    /// every compose command reach it.
    pub fn engine_link(&self) -> Result<&std::sync::Arc<hoist_image::EngineLink>, hoist_image::ImageError> {
        if let Some(link) = self.link.get() {
            return Ok(link);
        }
        let target = hoist_image::EngineTarget::resolve(self.engine_choice.as_deref())?;
        let link = std::sync::Arc::new(hoist_image::EngineLink::open(target)?);
        Ok(self.link.get_or_init(|| link))
    }

    /// The compose variables for a target that ensured `image` (see [`ComposeEnv::for_image`]),
    /// with this pipeline's engine.
    pub fn compose_env(&self, naming: &hoist_naming::Naming, image: &str) -> Result<ComposeEnv, PipelineError> {
        ComposeEnv::for_image(self.config, naming, image, self.engine_link()?)
    }

    /// The builder `hoist.toml` chooses.
    pub fn builder(&self) -> hoist_image::Builder {
        match self.config.builder {
            hoist_config::Builder::Buildkit => hoist_image::Builder::Buildkit,
            hoist_config::Builder::Classic => hoist_image::Builder::Classic,
            hoist_config::Builder::Buildx => hoist_image::Builder::Buildx,
        }
    }

    /// The digest and labels of `reference` in its registry, as planners see it: asked once per
    /// run, the answer kept (`Err`: why the registry could not be asked, in a line).
    pub fn remote(&self, reference: &str) -> Result<Option<hoist_image::RemoteImage>, String> {
        let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(answer) = asked.get(reference) {
            return answer.clone();
        }
        let answer = self.registry.labels(reference).map_err(|e| hoist_git::first_error_line(&e.to_string()));
        asked.insert(reference.to_owned(), answer.clone());
        answer
    }

    /// The engine, connected on first use.
    pub fn engine(&self) -> Result<&hoist_image::Engine, hoist_image::ImageError> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine);
        }
        let engine = hoist_image::Engine::connect(&hoist_image::EngineConfig {
            link: Some(std::sync::Arc::clone(self.engine_link()?)),
            builder: self.builder(),
            ..hoist_image::EngineConfig::default()
        })?;
        Ok(self.engine.get_or_init(|| engine))
    }
}

/// Fails unless `step` (named by the key `key`) is a stage of the project's Dockerfile.
pub fn check_stage(config: &hoist_config::Config, step: &str, key: &str) -> Result<(), PipelineError> {
    let path = config.dockerfile_path();
    let dockerfile = hoist_dockerfile::parse_file(&path)?;
    if dockerfile.stage(step).is_some() {
        return Ok(());
    }
    Err(PipelineError::NotAStage {
        step: step.to_owned(),
        key: key.to_owned(),
        dockerfile: config.dockerfile.clone(),
        stages: dockerfile.stages.iter().map(|s| s.display_name()).collect(),
    })
}
