/*!
Channel releases: a channel file (`channels/test.yaml`, `channels/prod.yaml`) lists the
Kubernetes releases of one environment, each with a driver, and hoist applies them or shows
what applying them would change.

- [`find_channel`] and [`load`] read a channel file in the original invoke format, as is:
  `calitp: {channel, releases: [...]}` with the keys `name`, `driver`, `kustomize_dir`,
  `namespace`, `helm_name`, `helm_chart`, `helm_values` and `secrets` (the `calitp:` wrapper
  is optional). A [`Channel`] holds typed [`Release`]s; a release lacking what its driver
  needs is a [`ChannelError`] naming the file, the release and the missing key.
- [`plan_release`] turns the releases a [`Filter`] selects (`--driver`, `--app`) into a
  [`ReleasePlan`]: the exact command lines per release, each with its reason, and every
  problem (a missing directory, a cluster that does not answer). It only reads: the files, and
  `kubectl get namespace` for helm releases. [`execute`] runs exactly those commands.
- [`diff()`] runs `kubectl diff` per release (helm charts are rendered with `helm template`
  into a temporary kustomization first) and [`ChannelDiff::markdown`] assembles one markdown
  block for a pull-request comment.

Every command goes through `xshell::cmd!`, one argument per value, never a shell string; the
programs are the `kubectl` and `helm` on `PATH`.

YAML is read with `serde_yaml_ng`: the maintained continuation of `serde_yaml` (serde derive,
so unknown keys are refused like in `hoist.toml`, and errors carry line and column), over
`unsafe-libyaml`; its dependency tree is four small crates. `serde_norway` is the same code
under another fork, and `yaml-rust2` has no serde support, which would mean hand-written
validation.
*/

mod channel;
mod diff;
mod error;
mod plan;
mod process;
mod render;

pub use channel::{Channel, Driver, Release, Source, channel_names, find_channel, load, parse};
pub use diff::{ChannelDiff, ReleaseDiff, Sides, diff};
pub use error::ChannelError;
pub use plan::{Filter, PlannedRelease, Progress, ReleasePlan, ReleaseReport, execute, plan_release, select};
pub use process::Command;
pub use render::{Change, ResourceChange, compare, render, render_commands, resources};
