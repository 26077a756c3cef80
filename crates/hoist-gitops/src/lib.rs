/*!
GitOps write-back: a service's CI fills the service's HelmRelease template and commits it into
a separate releases repository, under the environment's directory, where Flux applies it.
CI's commit is the deployment.

- [`render`] fills the template: plain `{placeholder}` substitution from [`Inputs`] (`{env}`,
  `{name}`, `{version}`, `{tag}`, `{registry}`, `{image}`, `{digest}`, `{values.KEY}`). Other
  braces (`{}`, `{{ .Values.x }}`, Flux's `${VAR}`) are left alone; an unknown name is an
  error. The output depends only on the template and the inputs.
- [`plan`] fetches the branch of the releases repository into a temporary checkout and
  compares: the [`Plan`] says whether the file is created, updated or already holds this
  release, with the filled contents and the commit message. `--dry-run` prints it.
- [`execute`] writes, commits and pushes (never forcing). When another writer pushed first
  (non-fast-forward), it fetches again, re-applies the same file and retries, at most
  `retries` times. When the branch already holds the file, nothing is committed, so
  releasing the same thing twice makes one commit.

Git runs as the `git` command line (the user's credentials and configuration apply). A
repository URL with credentials in it is never printed: every message and the JSON plan
show it redacted ([`redact`]).
*/

mod error;
mod git;
mod release;
mod template;

pub use error::GitopsError;
pub use git::redact;
pub use release::{Action, Event, Outcome, Plan, Target, check_environment, execute, plan};
pub use template::{Inputs, check_digest, render};
