//! hoist-image against the real Docker engine and real registries (from hoist-test-support).
//! Every test fails with one line saying how to start the engine when none answers.

mod build;
mod errors;
mod registry;

use std::path::Path;

use hoist_image::{BuildRequest, Builder, Credentials, DockerConfig, Engine, EngineConfig};
use hoist_test_support::{engine as test_engine, registry as test_registry};
use xshell::{Shell, cmd};

/// An engine with no credentials but `extra`.
fn engine_with(builder: Builder, credentials: DockerConfig) -> Engine {
    test_engine::require();
    Engine::connect(&EngineConfig { builder, credentials: Some(credentials), ..EngineConfig::default() })
        .expect("connecting to the engine")
}

fn engine() -> Engine {
    engine_with(Builder::Buildkit, DockerConfig::empty())
}

/// Credentials for an authenticated test registry.
fn auth_config(registry: &test_registry::Registry) -> DockerConfig {
    DockerConfig::empty()
        .with_credentials(&registry.host(), Credentials::basic(test_registry::USER, test_registry::PASSWORD))
}

/// A build request for `dir` with fixed OCI labels.
fn request(dir: &Path, version: &str) -> BuildRequest {
    BuildRequest::new(dir, hoist_image::OciLabels::new(version, "", ""))
}

/// A Dockerfile over the busybox base image.
fn dockerfile(body: &str) -> String {
    format!("FROM {} AS base\n{body}", test_engine::base_image())
}

/// Runs `sh -c SCRIPT` in `image` (no network) and returns its stdout.
fn run_in(image: &str, script: &str) -> String {
    let sh = Shell::new().unwrap();
    cmd!(sh, "docker run --rm --network none {image} sh -c {script}").quiet().read().unwrap()
}

/// Collects events into a vector.
fn collect<T: Clone>(events: &mut Vec<T>) -> impl FnMut(T) + '_ {
    move |e| events.push(e)
}
