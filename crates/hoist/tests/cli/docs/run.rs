//! The fixtures of the `<!-- doc-test: run FIXTURE -->` blocks, and the tests that run them.
//!
//! A fixture is the project a page's commands run in: the files the page shows (its blocks
//! whose info string names a file) plus whatever the page takes as given, and the registry and
//! engine the commands need. The fixture maps what differs from the page back to what the page
//! shows (a test registry's `127.0.0.1:PORT/NAME` to `registry.example.com/app`).

use hoist_test_support::cli::Project;
use hoist_test_support::engine::{self, ImageGuard};
use hoist_test_support::git::GitRepo;
use hoist_test_support::registry::Registry;
use hoist_test_support::{unique_name, write_files};

use super::markdown::{self, Page};
use super::transcript::Session;

/// `(page, fixture, test)`: every fixture a page's markers name, and the test that runs it.
pub const RUNNERS: &[(&str, &str, &str)] = &[
    ("docs/getting-started.md", "getting-started", "getting_started_runs"),
    ("README.md", "original", "readme_runs"),
    ("docs/targets.md", "original", "targets_run"),
    ("docs/targets.md", "example", "targets_run_on_the_example"),
    ("docs/bump.md", "bump", "bump_runs"),
    ("docs/migrating.md", "migrate", "migrating_runs"),
    ("docs/deploy.md", "deploy", "deploy_runs"),
    ("docs/walkthrough.md", "walkthrough", "walkthrough_runs"),
];

/// The files `page` shows: its blocks whose info string names a file (not fragments or
/// examples of invalid files).
fn files_of(page: &Page) -> Vec<(String, String)> {
    page.blocks
        .iter()
        .filter(|b| b.lang != "console" && !b.has("fragment") && !b.has("invalid"))
        .filter_map(|b| b.file().map(|f| (f.to_owned(), b.body.clone())))
        .collect()
}

/// A registry repository for the page's `registry.example.com/NAME` (and its cache,
/// `registry.example.com/cache/NAME`), with the replacements back.
fn point_at(session: Session, registry: &Registry, shown: &str, name: &str) -> Session {
    let (repo, cache) = (registry.repository(name), registry.repository(&format!("cache/{name}")));
    session
        .env("HOIST_REGISTRY", &repo)
        .env("HOIST_CACHE_REGISTRY", &cache)
        .replace(&cache, format!("registry.example.com/cache/{shown}"))
        .replace(&repo, format!("registry.example.com/{shown}"))
}

#[test]
fn getting_started_runs() {
    let page = markdown::page("docs/getting-started.md");
    let base = engine::base_image();
    let registry = Registry::start();
    let name = unique_name("getting-started");
    let project = Project::new();
    for (file, text) in files_of(&page) {
        // Debian's image cannot be pulled here; the busybox test image runs the same shell steps.
        write_files(project.path(), &[(&file, &text.replace("debian:bookworm-slim", base))]);
    }
    assert!(project.join("Dockerfile").is_file() && project.join(".bumpversion.toml").is_file());
    write_files(
        project.path(),
        &[("app/hello.sh", "#!/bin/sh\necho hello\n"), ("tests/check.sh", "sh /app/hello.sh | grep -q hello\n")],
    );
    let repo = registry.repository(&name);
    let _images = ImageGuard::new(["v0.1.0-tester", "v0.1.0", "last"].map(|t| format!("{repo}:{t}")));
    let session = point_at(Session::new(project.path()), &registry, "app", &name);
    session.run_page(&page, "getting-started");
}

/// The walkthrough's project: every file is on the page; only the base image is replaced.
#[test]
fn walkthrough_runs() {
    let page = markdown::page("docs/walkthrough.md");
    let base = engine::base_image();
    let registry = Registry::start();
    let name = unique_name("walkthrough");
    let project = Project::new();
    for (file, text) in files_of(&page) {
        write_files(project.path(), &[(&file, &text.replace("debian:bookworm-slim", base))]);
    }
    for file in ["Dockerfile", "hoist.toml", "docker-compose.solr-build.yml", "app/index.sh", "tests/run.sh"] {
        assert!(project.join(file).is_file(), "the page shows `{file}`");
    }
    let repo = registry.repository(&name);
    let _images = ImageGuard::new(["v0.1.0-tester", "v0.1.0", "v0.1.0-solr"].map(|t| format!("{repo}:{t}")));
    let session = point_at(Session::new(project.path()), &registry, "app", &name)
        .replace(project.path().display().to_string(), "/home/me/app");
    session.run_page(&page, "walkthrough");
}

/// The original project: the README's `hoist.toml`, version 0.5.146, the original's
/// seven-stage Dockerfile, and the context files its `tester` stage reads.
fn original(registry: &Registry) -> (Project, Session, String) {
    let project = crate::original_project();
    write_files(
        project.path(),
        &[
            ("web/nuremberg/__init__.py", ""),
            ("web/nuremberg/settings.py", "DEBUG = False\n"),
            ("web/requirements.in", "django\n"),
            ("web/requirements.prod.txt", "django==4.2\n"),
        ],
    );
    let name = unique_name("original");
    let session = point_at(Session::new(project.path()), registry, "nuremberg", &name);
    (project, session, name)
}

#[test]
fn readme_runs() {
    let registry = Registry::start();
    let (_project, session, _) = original(&registry);
    session.run_page(&markdown::page("README.md"), "original");
}

#[test]
fn targets_run() {
    let registry = Registry::start();
    let (_project, session, name) = original(&registry);
    // The data image of the version, for `hoist exists`.
    registry.push_local_image(engine::base_image(), &name, "v0.5.146-solr");
    session.run_page(&markdown::page("docs/targets.md"), "original");
}

#[test]
fn targets_run_on_the_example() {
    let registry = Registry::start();
    let repository = registry.repository(&unique_name("example"));
    let repo = GitRepo::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nuremberg-mini");
    crate::example::copy_dir(&example, &repo.path().join("examples/nuremberg-mini"));
    repo.commit_all("the example");
    repo.git(&["push", "--quiet", "origin", "main"]);
    Session::new(repo.path())
        .env("HOIST_REGISTRY", &repository)
        .replace(&repository, "localhost:5000/nuremberg-mini")
        .run_page(&markdown::page("docs/targets.md"), "example");
}

#[test]
fn bump_runs() {
    let page = markdown::page("docs/bump.md");
    let repo = GitRepo::new();
    for (file, text) in files_of(&page) {
        repo.write(&file, &text);
    }
    repo.commit_all("the files of docs/bump.md");
    Session::new(repo.path()).run_page(&page, "bump");
}

#[test]
fn migrating_runs() {
    let page = markdown::page("docs/migrating.md");
    let project = Project::new();
    for (file, text) in files_of(&page) {
        write_files(project.path(), &[(&file, &text)]);
    }
    Session::new(project.path()).run_page(&page, "migrate");
}

#[test]
fn deploy_runs() {
    let page = markdown::page("docs/deploy.md");
    let deploy = page.blocks.iter().find(|b| b.lang == "toml" && b.body.starts_with("[deploy]")).expect("[deploy]");
    engine::base_image();
    let registry = Registry::start();
    let name = unique_name("deploy");
    // Three released versions, each tagged and pushed with its release image; `dev` deployed
    // twice, so that it has a previous deploy.
    let repo = GitRepo::new();
    repo.write("hoist.toml", &format!("registry = \"registry.example.com/nuremberg\"\n{}", deploy.body));
    for version in ["0.5.144", "0.5.145", "0.5.146"] {
        repo.write(".bumpversion.toml", &format!("[tool.bumpversion]\ncurrent_version = \"{version}\"\n"));
        repo.commit_all(&format!("Bump version: {version}"));
        repo.git(&["tag", "-a", &format!("v{version}"), "-m", &format!("Bump version: {version}")]);
        registry.push_local_image(engine::BASE_IMAGE, &name, &format!("v{version}"));
    }
    repo.git(&["push", "--quiet", "origin", "main", "--tags"]);
    let session = point_at(Session::new(repo.path()), &registry, "nuremberg", &name);
    for version in ["0.5.144", "0.5.145"] {
        let (code, _, stderr) = session.run(&format!("hoist deploy dev --version {version}"));
        assert_eq!(code, 0, "{stderr}");
    }
    session.run_page(&page, "deploy");
}
