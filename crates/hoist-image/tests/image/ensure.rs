use hoist_image::{DockerConfig, EnsureAction, EnsureEvent, RegistryClient, RegistryConfig, ensure_image};
use hoist_test_support::{engine::ImageGuard, registry::Registry, unique_name, write_files};

use crate::{collect, dockerfile, engine, request};

#[test]
fn ensure_image_uses_local_then_registry_then_builds_and_says_why() {
    let registry = Registry::start();
    let engine = engine();
    let client =
        RegistryClient::new(&RegistryConfig { credentials: Some(DockerConfig::empty()), ..RegistryConfig::default() })
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("Dockerfile", &dockerfile(&format!("RUN echo {} > /id\n", unique_name("ensure"))))]);
    let reference = format!("{}:v1", registry.repository(&unique_name("ensure")));
    let _guard = ImageGuard::new([reference.clone()]);
    let build = request(dir.path(), "v1");

    // Neither local nor remote: built.
    let mut events = Vec::new();
    let built = ensure_image(&engine, &client, &reference, &build, &mut collect(&mut events)).unwrap();
    assert_eq!(built.action, EnsureAction::Built);
    assert_eq!(
        built.reason,
        format!("`{reference}` is present neither locally nor in the registry `{}`", registry.host())
    );
    assert!(matches!(&events[0], EnsureEvent::Decided { action: EnsureAction::Built, .. }));
    assert!(events.iter().any(|e| matches!(e, EnsureEvent::Build(_))));

    // Present locally: nothing to do.
    let local = ensure_image(&engine, &client, &reference, &build, &mut |_| {}).unwrap();
    assert_eq!(local.action, EnsureAction::Local);
    assert_eq!(local.image.id, built.image.id);

    // Pushed and removed locally: pulled.
    let digest = engine.push(&reference, &mut |_| {}).unwrap();
    assert!(engine.remove(&reference).unwrap());
    let pulled = ensure_image(&engine, &client, &reference, &build, &mut |_| {}).unwrap();
    assert_eq!(pulled.action, EnsureAction::Pulled);
    assert_eq!(pulled.digest, Some(digest.clone()));
    assert_eq!(
        pulled.reason,
        format!("`{reference}` is not present locally; the registry `{}` has it at {digest}", registry.host())
    );
    assert_eq!(pulled.image.id, built.image.id);
}
