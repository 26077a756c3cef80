use std::os::unix::net::UnixListener;

use hoist_image::{DockerConfig, Engine, EngineConfig, RegistryClient, RegistryConfig};
use hoist_test_support::registry::Registry;

fn connect(host: &str) -> String {
    Engine::connect(&EngineConfig {
        host: Some(host.to_owned()),
        credentials: Some(DockerConfig::empty()),
        ..EngineConfig::default()
    })
    .unwrap_err()
    .to_string()
}

#[test]
fn a_missing_socket_says_how_to_start_the_engine() {
    assert_eq!(
        connect("unix:///nonexistent/docker.sock"),
        "cannot reach the Docker engine at `unix:///nonexistent/docker.sock`: the socket does not exist\n\
         help: start the engine (`sudo systemctl start docker`, or `sudo dockerd &`), or point `DOCKER_HOST` at a running one"
    );
}

#[test]
fn a_dead_socket_says_nothing_listens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dead.sock");
    drop(UnixListener::bind(&path).unwrap());
    let host = format!("unix://{}", path.display());
    assert_eq!(
        connect(&host),
        format!(
            "cannot reach the Docker engine at `{host}`: nothing is listening there\n\
             help: start the engine (`sudo systemctl start docker`, or `sudo dockerd &`), or point `DOCKER_HOST` at a running one"
        )
    );
}

/// `DOCKER_HOST` pointing at a dead socket: checked in a child process of this test binary,
/// so that no other test sees the changed environment.
#[test]
fn docker_host_at_a_dead_socket() {
    if let Ok(host) = std::env::var("HOIST_IMAGE_TEST_DEAD_HOST") {
        let err =
            Engine::connect(&EngineConfig { credentials: Some(DockerConfig::empty()), ..EngineConfig::default() })
                .unwrap_err()
                .to_string();
        assert!(
            err.starts_with(&format!("cannot reach the Docker engine at `{host}`: nothing is listening there")),
            "{err}"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dead.sock");
    drop(UnixListener::bind(&path).unwrap());
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "errors::docker_host_at_a_dead_socket", "--test-threads=1"])
        .env("DOCKER_HOST", format!("unix://{}", path.display()))
        .env("HOIST_IMAGE_TEST_DEAD_HOST", format!("unix://{}", path.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_unreachable_registry_is_named() {
    let client =
        RegistryClient::new(&RegistryConfig { credentials: Some(DockerConfig::empty()), ..RegistryConfig::default() })
            .unwrap();
    let err = client.exists("127.0.0.1:1/app:v1").unwrap_err().to_string();
    assert_eq!(
        err,
        "cannot reach the registry `127.0.0.1:1`: connection refused\nhelp: check the address and that the registry is running"
    );
}

#[test]
fn tls_to_a_plain_http_registry_says_to_mark_it_insecure() {
    let registry = Registry::start();
    let client = RegistryClient::new(&RegistryConfig {
        loopback_plain_http: false,
        credentials: Some(DockerConfig::empty()),
        ..RegistryConfig::default()
    })
    .unwrap();
    let host = registry.host();
    let err = client.exists(&format!("{host}/app:v1")).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "the registry `{host}` does not speak TLS (it answered plain HTTP)\nhelp: add `{host}` to `insecure-registries` in `hoist.toml`, and to the engine's `insecure-registries` in `/etc/docker/daemon.json`"
        )
    );
    let plain = RegistryClient::new(&RegistryConfig {
        loopback_plain_http: false,
        insecure: vec![host.clone()],
        credentials: Some(DockerConfig::empty()),
    })
    .unwrap();
    assert_eq!(plain.exists(&format!("{host}/app:v1")).unwrap(), None);
}
