/*!
Promotion through branches, without a controller in the cluster or a forge API:

1. **Candidate** ([`plan_candidate`], [`execute`]): a branch's CI run makes or updates
   `candidates/BRANCH` on the remote: the source commit's tree with every image of every
   channel's releases pinned to the images this run built, at their registry digests, plus a
   record ([`CandidateRecord`], `.hoist/candidate.json`).
2. **Promotion** ([`plan_promote`], [`execute_promote`]): the branch
   `promotions/ENV/BRANCH`, the candidate's tree on the tip of `releases/ENV`, for a pull
   request whose title and body the plan holds; refused when an image is gone from the
   registry or the promotion rules (`[channels.after]`, checked by [`check_lineage`] against
   the records of `releases/OTHER`'s first-parent history) are not met.
3. **Diff** ([`diff_branches`]): both sides checked out into temporary directories, every
   selected release rendered without a cluster and compared per resource.
4. **Release gate** ([`release_gate`]): before `release CHANNEL` applies a tree, every image
   of the project it references is in the registry, and a candidate meets the rules.

Each step is planned first and executed second, like `hoist-deploy`; the registry is asked
through an injected [`ImageLookup`], git through `hoist-git`'s plumbing (temporary indexes,
lease-guarded pushes: the work tree, the index and the local refs are never touched).

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

mod branches;
mod error;
mod gate;
mod lineage;
pub mod pin;
mod plan;
mod promote;
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

pub use branches::{Side, diff_branches, resolve_sides};
pub use gate::{ReleaseGate, release_gate};
pub use hoist_deploy::{ImageCheck, ImageLookup};
pub use lineage::{HISTORY_LIMIT, LineageCheck, Released, check_lineage, released_digests};
pub use promote::{PromoteOutcome, PromotePlan, execute_promote, plan_promote, promotion_names};
