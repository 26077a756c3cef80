//! The test support's own parts work against the real engine, registry and git.

use hoist_test_support::{
    engine,
    git::GitRepo,
    registry::{self, Registry},
    unique_name,
};

#[test]
fn registry_without_auth_answers() {
    let registry = Registry::start();
    assert_eq!(registry.get("/v2/").0, 200);
    assert!(registry.tags("nothing/here").is_empty());
}

#[test]
fn registry_with_auth_refuses_anonymous_and_accepts_the_password() {
    let registry = Registry::start_with_auth();
    assert!(registry.has_auth());
    assert_eq!(registry.get_as("/v2/", None).0, 401);
    assert_eq!(registry.get_as("/v2/", Some((registry::USER, "wrong"))).0, 401);
    assert_eq!(registry.get("/v2/").0, 200, "the test credentials must be accepted");
    let log_before = registry.log();
    assert!(!log_before.contains(registry::PASSWORD), "the registry log must not hold the password");
}

#[test]
fn password_base64_has_plus_and_slash_at_every_alignment() {
    for prefix in ["", "a", "ab"] {
        let encoded = registry::base64(&format!("{prefix}{}", registry::PASSWORD));
        assert!(encoded.contains('+') && encoded.contains('/'), "{prefix}: {encoded}");
    }
    assert_eq!(registry::base64("hoist:pw"), "aG9pc3Q6cHc=");
}

#[test]
fn base_image_runs_shell_steps() {
    let image = engine::base_image();
    let sh = xshell::Shell::new().unwrap();
    let name = unique_name("support-run");
    let out =
        xshell::cmd!(sh, "docker run --rm --network none --name {name} {image} sh -c 'echo $((6*7))'").read().unwrap();
    assert_eq!(out, "42");
}

#[test]
fn git_repo_has_a_bare_remote() {
    let repo = GitRepo::new();
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(repo.remote_git(&["rev-parse", "main"]), head);
    repo.write("a.txt", "a\n");
    let second = repo.commit_all("Add a");
    assert_ne!(second, head);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn unique_names_differ() {
    assert_ne!(unique_name("x"), unique_name("x"));
}

#[test]
fn engine_check_says_how_to_start_the_engine() {
    assert_eq!(engine::check(&engine::docker_host()), Ok(()));
    let dir = tempfile::tempdir().unwrap();
    let dead = format!("unix://{}/docker.sock", dir.path().display());
    let message = engine::check(&dead).unwrap_err();
    assert!(message.starts_with(&format!("no Docker engine answers at {dead} (")), "{message}");
    assert!(
        message.ends_with("start one with `bash .ci/run` (installs and starts dockerd) or `sudo dockerd &`"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
}

#[test]
fn images_can_be_copied_into_both_registries() {
    let image = engine::base_image();
    for registry in [Registry::start(), Registry::start_with_auth()] {
        assert_eq!(registry.manifest_digest("app", "v1"), None);
        let digest = registry.push_local_image(image, "app", "v1");
        assert!(digest.starts_with("sha256:"), "{digest}");
        assert_eq!(registry.manifest_digest("app", "v1").as_deref(), Some(digest.as_str()));
        assert_eq!(registry.tags("app"), ["v1"]);
    }
}
