//! The hoist binary, run the way users run it.

mod build;
mod bump;
mod bump_my_version;
mod bump_recovery;
mod candidate;
mod channels;
mod ci_flow;
mod compose;
mod deploy;
mod docs;
mod doctor;
mod engines;
mod errors;
mod example;
mod gitops;
mod help;
mod init;
mod layers;
mod naming;
mod promotion;
mod status;

use hoist_test_support::cli::{Hoist, Project};

/// `hoist` in `dir`.
fn hoist(dir: &std::path::Path) -> Hoist {
    Hoist::new(env!("CARGO_BIN_EXE_hoist"), dir)
}

const BUMPVERSION: &str = "[tool.bumpversion]\ncurrent_version = \"0.5.146\"\n";

/// A project shaped like the original: registry, version and a seven-stage Dockerfile.
fn original_project() -> Project {
    Project::with_files(&[
        (
            "hoist.toml",
            "registry = \"registry.example.com/nuremberg\"\ncache-registry = \"registry.example.com/cache/nuremberg\"\n",
        ),
        (".bumpversion.toml", BUMPVERSION),
        ("Dockerfile", include_str!("../../../hoist-dockerfile/tests/corpus/django-solr.Dockerfile")),
    ])
}
