/*!
The pipeline targets of hoist, each split into a plan (decisions with reasons, no side
effects, what `--dry-run` prints and `--json` emits) and an executor that carries out exactly
that plan.
*/

mod build_plan;
mod ci;
mod data_image;
mod error;
mod image;
mod input_digest;
mod requirements;
mod runner;
mod session;
mod test_run;

pub use build_plan::{BuildAction, Decision, Found, decide_build};
pub use ci::{
    CiContext, CiEvent, CiFacts, CiFlags, CiPlan, CiStep, DataAction, DataFacts, GithubEnv, StepAction, bump_part,
    detect_context, dump_changed, plan_ci,
};
pub use data_image::{DataImagePlan, DataImageReport, PlannedArchive, WaitFor, plan_data_image, regenerate_data_image};
pub use error::PipelineError;
pub use image::{Event, ImageAction, ImageFacts, ImageStep, decide, image_facts};
pub use input_digest::{InputDigest, LABEL, LABEL_ARGS, LABEL_CONTEXT, LABEL_DOCKERFILE, input_digest};
pub use requirements::{
    FileChange, FileReport, RequirementsPlan, RequirementsReport, plan_requirements, regenerate_requirements,
};
pub use runner::{install_interrupt_handler, interrupted};
pub use session::{ComposeEnv, Session};
pub use test_run::{PlannedSuite, SuiteOutcome, SuiteResult, TestPlan, TestReport, plan_test, run_tests};

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
