use hoist_image::{DockerConfig, ImageError, RegistryClient, RegistryConfig, TransferEvent};
use hoist_test_support::{
    engine::ImageGuard,
    registry::{self, Registry},
    unique_name, write_files,
};
use xshell::{Shell, cmd};

use crate::{auth_config, collect, dockerfile, engine_with, request};

fn client(credentials: DockerConfig) -> RegistryClient {
    RegistryClient::new(&RegistryConfig { credentials: Some(credentials), ..RegistryConfig::default() }).unwrap()
}

/// Builds a small unique image tagged `reference`.
fn build_image(engine: &hoist_image::Engine, reference: &str) {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("Dockerfile", &dockerfile(&format!("RUN echo {} > /id\n", unique_name("content"))))]);
    let mut request = request(dir.path(), "v0");
    request.tags = vec![reference.to_owned()];
    engine.build(&request, &mut |_| {}).unwrap();
}

fn skopeo_digest(reference: &str, credentials: Option<(&str, &str)>) -> String {
    let sh = Shell::new().unwrap();
    let creds = credentials.map(|(u, p)| vec!["--creds".to_owned(), format!("{u}:{p}")]).unwrap_or_default();
    let target = format!("docker://{reference}");
    let format = "{{.Digest}}";
    cmd!(sh, "skopeo inspect --tls-verify=false {creds...} --format {format} {target}").quiet().read().unwrap()
}

#[test]
fn push_then_exists_reports_the_pushed_digest() {
    let registry = Registry::start();
    let engine = engine_with(hoist_image::Builder::Buildkit, DockerConfig::empty());
    let reference = format!("{}:v1", registry.repository(&unique_name("app")));
    let _guard = ImageGuard::new([reference.clone()]);
    build_image(&engine, &reference);

    let mut events = Vec::new();
    let digest = engine.push(&reference, &mut collect(&mut events)).unwrap();
    assert!(events.iter().any(|e| matches!(e, TransferEvent::Bytes { done, .. } if *done > 0)), "{events:?}");
    assert_eq!(skopeo_digest(&reference, None), digest.as_str(), "the registry holds what the engine reported");

    let client = client(DockerConfig::empty());
    assert_eq!(client.exists(&reference).unwrap(), Some(digest.clone()));
    let missing_tag = reference.replace(":v1", ":v2");
    assert_eq!(client.exists(&missing_tag).unwrap(), None);
    let missing_repo = format!("{}:v1", registry.repository("never-pushed"));
    assert_eq!(client.exists(&missing_repo).unwrap(), None);
    let info = engine.inspect(&reference).unwrap().unwrap();
    let repository = reference.rsplit_once(':').unwrap().0;
    assert_eq!(info.digest_in(repository), Some(digest), "{info:?}");
}

#[test]
fn a_second_exists_check_on_the_same_client_is_one_request() {
    let registry = Registry::start();
    let engine = engine_with(hoist_image::Builder::Buildkit, DockerConfig::empty());
    let reference = format!("{}:v1", registry.repository(&unique_name("one")));
    let _guard = ImageGuard::new([reference.clone()]);
    build_image(&engine, &reference);
    let digest = engine.push(&reference, &mut |_| {}).unwrap();
    let requests = || registry.log().lines().filter(|l| l.contains("\"HEAD ") || l.contains("\"GET ")).count();
    let before = wait_for_log(&registry, requests, 0);
    let client = client(DockerConfig::empty());
    assert_eq!(client.exists(&reference).unwrap(), Some(digest.clone()));
    let after_first = wait_for_log(&registry, requests, before + 1);
    assert_eq!(after_first - before, 1, "the first check on an open registry: {}", registry.log());
    assert_eq!(client.exists(&reference).unwrap(), Some(digest));
    let after_second = wait_for_log(&registry, requests, after_first + 1);
    assert_eq!(after_second - after_first, 1, "the second check: {}", registry.log());
}

/// Waits (up to 10 s) until `count` reaches at least `min` and then stops changing.
fn wait_for_log(registry: &Registry, count: impl Fn() -> usize, min: usize) -> usize {
    let _ = registry;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut last = count();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let now = count();
        if (now >= min && now == last) || std::time::Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

#[test]
fn an_authenticated_registry_works_with_a_password_whose_base64_has_plus_and_slash() {
    let registry = Registry::start_with_auth();
    let engine = engine_with(hoist_image::Builder::Buildkit, auth_config(&registry));
    let reference = format!("{}:v1", registry.repository(&unique_name("private")));
    let _guard = ImageGuard::new([reference.clone()]);
    build_image(&engine, &reference);
    let digest = engine.push(&reference, &mut |_| {}).unwrap();
    assert_eq!(skopeo_digest(&reference, Some((registry::USER, registry::PASSWORD))), digest.as_str());
    assert_eq!(client(auth_config(&registry)).exists(&reference).unwrap(), Some(digest));

    // Pull it back through the engine with the same credentials.
    engine.remove(&reference).unwrap();
    let pulled = engine.pull(&reference, &mut |_| {}).unwrap();
    assert!(pulled.tags.contains(&reference));
}

#[test]
fn credentials_are_read_from_the_docker_config_file() {
    let registry = Registry::start_with_auth();
    let dir = tempfile::tempdir().unwrap();
    let auth = registry::base64(&format!("{}:{}", registry::USER, registry::PASSWORD));
    std::fs::write(
        dir.path().join("config.json"),
        format!("{{\"auths\": {{\"http://{}\": {{\"auth\": \"{auth}\"}}}}}}", registry.host()),
    )
    .unwrap();
    let config = DockerConfig::load_dir(dir.path()).unwrap();
    let engine = engine_with(hoist_image::Builder::Buildkit, config.clone());
    let reference = format!("{}:v1", registry.repository(&unique_name("fromfile")));
    let _guard = ImageGuard::new([reference.clone()]);
    build_image(&engine, &reference);
    let digest = engine.push(&reference, &mut |_| {}).unwrap();
    assert_eq!(client(config).exists(&reference).unwrap(), Some(digest));
}

#[test]
fn without_credentials_an_authenticated_registry_says_how_to_log_in() {
    let registry = Registry::start_with_auth();
    let engine = engine_with(hoist_image::Builder::Buildkit, DockerConfig::empty());
    let reference = format!("{}:v1", registry.repository(&unique_name("denied")));
    let _guard = ImageGuard::new([reference.clone()]);
    build_image(&engine, &reference);
    let host = registry.host();
    let expected = format!(
        "the registry `{host}` refused anonymous access for `{reference}` (401 unauthorized)\nhelp: run `docker login {host}`"
    );
    let err = engine.push(&reference, &mut |_| {}).unwrap_err();
    assert_eq!(err.to_string(), expected);
    let err = client(DockerConfig::empty()).exists(&reference).unwrap_err();
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_wrong_password_is_refused_and_never_printed() {
    let registry = Registry::start_with_auth();
    let secret = "wr0ng+/pass>>>";
    let config = DockerConfig::empty()
        .with_credentials(&registry.host(), hoist_image::Credentials::basic(registry::USER, secret));
    let engine = engine_with(hoist_image::Builder::Buildkit, config.clone());
    let reference = format!("{}:v1", registry.repository(&unique_name("wrong")));
    let _guard = ImageGuard::new([reference.clone()]);
    build_image(&engine, &reference);
    let push = engine.push(&reference, &mut |_| {}).unwrap_err();
    let exists = client(config.clone()).exists(&reference).unwrap_err();
    for err in [&push, &exists] {
        assert!(matches!(err, ImageError::Unauthorized { had_credentials: true, .. }), "{err:?}");
        assert!(err.to_string().contains("refused the credentials of the Docker config"), "{err}");
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    for shown in [format!("{engine:?}"), format!("{config:?}"), format!("{:?}", client(config.clone()))] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn inline_cache_is_written_on_push_and_cache_from_is_read_or_reported() {
    let open = Registry::start();
    let engine = engine_with(hoist_image::Builder::Buildkit, DockerConfig::empty());
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("Dockerfile", &dockerfile(&format!("RUN echo {} > /id\n", unique_name("cache"))))]);
    let reference = format!("{}:cache", open.repository(&unique_name("cached")));
    let again = format!("{reference}-again");
    let _guard = ImageGuard::new([reference.clone(), again.clone()]);
    let mut build = request(dir.path(), "v0");
    build.tags = vec![reference.clone()];
    build.inline_cache = true;
    engine.build(&build, &mut |_| {}).unwrap();
    engine.push(&reference, &mut |_| {}).unwrap();
    let sh = Shell::new().unwrap();
    let target = format!("docker://{reference}");
    let config = cmd!(sh, "skopeo inspect --tls-verify=false --config --raw {target}").quiet().read().unwrap();
    assert!(config.contains("moby.buildkit.cache.v0"), "no inline cache metadata in the pushed config: {config}");

    // Reading the cache from the registry works and reports no failure.
    build.tags = vec![again.clone()];
    build.cache_from = vec![reference.clone()];
    let outcome = engine.build(&build, &mut |_| {}).unwrap();
    assert!(outcome.cache_import_failures.is_empty(), "{outcome:?}");

    // A cache source the build cannot read is reported, and the build goes on.
    let private = Registry::start_with_auth();
    build.cache_from = vec![format!("{}:nothing", private.repository("cache"))];
    let mut events = Vec::new();
    let outcome = engine.build(&build, &mut collect(&mut events)).unwrap();
    assert_eq!(outcome.cache_import_failures.len(), 1, "{outcome:?}");
    assert!(events.iter().any(|e| matches!(e, hoist_image::BuildEvent::CacheImportFailed { .. })));
}

/// A retag copies the manifest inside the registry: same digest, no pull, with and without
/// credentials, into another repository of the same registry too (its blobs mounted), and
/// the image there is whole (skopeo reads it).
#[test]
fn retag_copies_the_manifest_inside_the_registry() {
    for registry in [Registry::start(), Registry::start_with_auth()] {
        let name = unique_name("retag");
        let digest = registry.push_local_image(hoist_test_support::engine::base_image(), &name, "v1-solr");
        let credentials = if registry.has_auth() { auth_config(&registry) } else { DockerConfig::empty() };
        let client = client(credentials);
        let (source, target) =
            (format!("{}:v1-solr", registry.repository(&name)), format!("{}:v2-solr", registry.repository(&name)));
        let copied = client.retag(&source, &target).unwrap();
        assert_eq!(copied.as_str(), digest);
        assert_eq!(registry.manifest_digest(&name, "v2-solr").as_deref(), Some(digest.as_str()));

        let other = unique_name("retag-other");
        let elsewhere = format!("{}:copy", registry.repository(&other));
        assert_eq!(client.retag(&source, &elsewhere).unwrap().as_str(), digest);
        let creds = registry.has_auth().then_some((registry::USER, registry::PASSWORD));
        assert_eq!(skopeo_digest(&elsewhere, creds), digest, "the copy in another repository is readable");

        let missing = format!("{}:never", registry.repository(&name));
        let error = client.retag(&missing, &target).unwrap_err();
        assert!(matches!(error, ImageError::NotInRegistry { .. }), "{error}");
    }
}
