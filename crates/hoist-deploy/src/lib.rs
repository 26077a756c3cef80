/*!
Tag deploys, the way Flux CD watches them: an environment is deployed by pointing the git tag
`ENV/deploy` at a version's commit; `last/ENV/deploy` keeps where it pointed before, for
rollback.

Every operation is planned first and executed second:

- [`plan_deploy`] reads the remote (`git ls-remote`) and asks the registry for every image the
  environment needs, then returns a [`Plan`]: the tag moves with their reasons, the image
  digests, and every [`Plan::problems`] that forbids the deploy (a missing image, a version that
  was never tagged). `--dry-run` prints this plan and stops.
- [`execute`] refuses a plan with problems, then moves all tags in **one atomic push with a
  lease on each** — a concurrent deploy makes it fail cleanly instead of clobbering — and
  confirms with `ls-remote` that the remote holds what was pushed.
- [`plan_rollback`] swaps `ENV/deploy` and `last/ENV/deploy` under the same rules.
- [`status`] reports, per environment, the deployed and previous versions and whether their
  images are still in the registry; [`status_report`] adds the remote's versions, newest
  first by [`version_order`] (semver precedence where a version is semver).

The registry is asked through an [`ImageLookup`] the caller provides (the CLI uses the image
engine's registry client), so this crate does no network I/O of its own besides git.
*/

mod error;
mod order;
mod plan;
mod status;

pub use error::DeployError;
pub use order::version_order;
pub use plan::{ImageCheck, Plan, PlanKind, TagMove, execute, image_references, plan_deploy, plan_rollback};
pub use status::{Deployed, EnvironmentStatus, RemoteVersion, StatusReport, remote_versions, status, status_report};

/// Answers "is this image reference in the registry, and at which digest?".
///
/// `Ok(None)`: the registry answered that it is not there. `Err(message)`: the registry could
/// not be asked (unreachable, refused the credentials); the message says why.
pub trait ImageLookup {
    /// The digest of `reference` in its registry.
    fn digest(&mut self, reference: &str) -> Result<Option<String>, String>;
}

impl<F: FnMut(&str) -> Result<Option<String>, String>> ImageLookup for F {
    fn digest(&mut self, reference: &str) -> Result<Option<String>, String> {
        self(reference)
    }
}
