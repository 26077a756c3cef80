/*!
The pipeline targets of hoist, each split into a plan (decisions with reasons, no side
effects, what `--dry-run` prints and `--json` emits) and an executor that carries out exactly
that plan.
*/

mod build_plan;
mod error;
mod input_digest;

pub use build_plan::{BuildAction, Decision, Found, decide};
pub use error::PipelineError;
pub use input_digest::{InputDigest, LABEL, LABEL_ARGS, LABEL_CONTEXT, LABEL_DOCKERFILE, input_digest};
