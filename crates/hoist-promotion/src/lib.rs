/*!
Promotion, step 1: the **candidate** of a branch. A branch's CI run makes or updates the git
branch `candidates/BRANCH` on the remote: the source commit's tree with every image of every
channel's releases pinned to the images this run built, at their registry digests, plus a
record (`.hoist/candidate.json`). A pull request from `candidates/BRANCH` to `releases/ENV`
then shows, as a diff, what releasing would change (the later steps of the flow are not here).

Planned first, executed second, like `hoist-deploy`:

- [`plan_candidate`] reads the source commit (HEAD): its channel files, their kustomizations
  and helm values files; asks the registry, through an [`ImageLookup`], for the digest of
  every image a pin needs; fetches the remote's `candidates/BRANCH`; and returns a
  [`CandidatePlan`]: every pin, the record, the tree, the action (created, updated,
  unchanged) and every problem (an image not in the registry, a missing file).
- [`execute`] refuses a plan with problems, commits the tree with git plumbing in a
  temporary index (the work tree and the user's index are never touched), and pushes it with
  a lease on the tip it was planned against; a lost lease fetches the new tip and retries.

What is pinned ([`pin`]):

- a kustomization's `images:` entries whose `newName` (else `name`) is the project's
  repository get `newName: REPO`, `newTag: TAG` and `digest: sha256:…`;
- in a helm values file, every mapping with `repository: REPO` and a `tag:` gets
  `tag: TAG@sha256:…`, so a chart writing `{{ .repository }}:{{ .tag }}` renders a
  digest-pinned reference.

Which of the run's images a reference stands for is told by the suffix of its current tag
(`v1.2.2-tester` → the `tester` image), the release image when no suffix matches, as `check`
tells fixed compose images. A file with nothing to change keeps its bytes; a changed file is
written back through `serde_yaml_ng` (keys keep their order, comments do not survive).

What is released ([`releases_status`], shown by `hoist status`): for every environment (a
channel or an environment of `[deploy.environments]`), the remote's `releases/ENV` branch,
its tip, the candidate its record names (source branch, source commit, version) and whether
each recorded image is still in the registry, asked by its digest.
*/

mod error;
pub mod pin;
mod plan;
mod status;

pub use error::PromotionError;
pub use pin::{Pin, RunImage};
pub use plan::{
    Action, CandidatePlan, CandidateRecord, Outcome, RECORD_PATH, RETRIES, execute, plan_candidate, run_images,
    source_branch,
};
pub use status::{
    ReleaseStatus, ReleasedCandidate, ReleasedImage, digest_reference, release_branch, release_environments,
    released_candidate, releases_status,
};

pub use hoist_deploy::{ImageCheck, ImageLookup};
