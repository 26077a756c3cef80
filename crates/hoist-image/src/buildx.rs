//! The `buildx` builder: `docker buildx build`, for what the engine's own BuildKit cannot do
//! through the API, namely `--cache-to type=registry,mode=max` (every stage's layers exported
//! to a cache image). This is the one place hoist runs the `docker` CLI, and only when the
//! user chose `builder = "buildx"`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::build::{BuildEvent, BuildOutcome, BuildRequest};
use crate::context::{Context, ContextStats};
use crate::engine::Builder;
use crate::error::ImageError;

/// True when `docker buildx` answers.
pub fn available() -> bool {
    Command::new("docker")
        .args(["buildx", "version"])
        .env_remove("DOCKER_CONTEXT")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub(crate) fn build(
    request: &BuildRequest,
    context: &Context,
    link: &crate::endpoint::EngineLink,
    on_event: &mut dyn FnMut(BuildEvent),
) -> Result<BuildOutcome, ImageError> {
    if !available() {
        return Err(ImageError::BuildxMissing);
    }
    on_event(BuildEvent::Started { builder: Builder::Buildx, target: request.target.clone() });
    let iid = tempfile_path();
    let mut command = Command::new("docker");
    // The engine hoist uses, whatever the environment says.
    link.apply(&mut command);
    command.args(["buildx", "build", "--progress", "plain", "--load", "--iidfile"]).arg(&iid);
    command.arg("--file").arg(context.dir().join(context.dockerfile_name()));
    if let Some(target) = &request.target {
        command.args(["--target", target]);
    }
    for tag in &request.tags {
        command.args(["--tag", tag]);
    }
    for (key, value) in &request.build_args {
        command.arg("--build-arg").arg(format!("{key}={value}"));
    }
    for (key, value) in request.all_labels() {
        command.arg("--label").arg(format!("{key}={value}"));
    }
    if let Some(platform) = &request.platform {
        command.args(["--platform", platform]);
    }
    for cache in &request.cache_from {
        command.arg("--cache-from").arg(format!("type=registry,ref={cache}"));
    }
    if let Some(cache) = &request.cache_to {
        command.arg("--cache-to").arg(format!("type=registry,ref={cache},mode=max"));
    } else if request.inline_cache {
        command.args(["--cache-to", "type=inline"]);
    }
    if request.no_cache {
        command.arg("--no-cache");
    }
    if request.pull {
        command.arg("--pull");
    }
    if let Some(network) = &request.network {
        command.args(["--network", network]);
    }
    command.arg(context.dir()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|_| ImageError::BuildxMissing)?;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            on_event(BuildEvent::Output { step: "buildx".to_owned(), line });
        }
    }
    let status = child.wait().map_err(|_| ImageError::BuildxMissing)?;
    let image_id = std::fs::read_to_string(&iid).unwrap_or_default().trim().to_owned();
    let _ = std::fs::remove_file(&iid);
    if !status.success() || image_id.is_empty() {
        return Err(ImageError::BuildxFailed { code: status.code().unwrap_or(-1) });
    }
    for tag in &request.tags {
        on_event(BuildEvent::Tagged(tag.clone()));
    }
    Ok(BuildOutcome {
        image_id,
        tags: request.tags.clone(),
        builder: Builder::Buildx,
        context: ContextStats::default(),
        steps: 0,
        cached_steps: 0,
        cache_import_failures: Vec::new(),
    })
}

fn tempfile_path() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!("hoist-buildx-{}-{nanos}.iid", std::process::id()))
}
