//! Remote engines, as the docker CLI reaches them: a second real `dockerd` on a loopback TLS
//! port (certificates made by the test), the same engine through a docker context, and through
//! `ssh://` to a real `sshd`. Each build must land in that engine and not in the local one, the
//! compose commands hoist runs must reach it too, and every refusal is one sentence.

use std::path::Path;

use crate::hoist;
use hoist_test_support::cli::{Hoist, Project};
use hoist_test_support::remote::{Certificates, SecondEngine, Sshd};
use hoist_test_support::{engine, registry::Registry, unique_name};

/// A project whose images need nothing from any engine: `FROM scratch` and busybox, with a
/// compose project and one test suite that runs in the tester image.
fn project(registry: &Registry) -> (Project, String) {
    let name = unique_name("engines");
    let project = Project::with_files(&[
        (
            "hoist.toml",
            &format!(
                "registry = \"{}\"\n[compose.ci]\nfiles = [\"docker-compose.yml\"]\nproject = \"{name}\"\n[test]\ncompose = \"ci\"\nservice = \"web\"\nstep = \"tester\"\n[[test.suites]]\nname = \"where\"\ncommand = [\"cat\", \"/app.txt\"]\n",
                registry.repository(&name)
            ),
        ),
        (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n"),
        (
            "Dockerfile",
            "FROM scratch AS release\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\nFROM release AS tester\nCOPY app.txt /app.txt\nRUN cat /app.txt\n",
        ),
        ("app.txt", "built remotely\n"),
        (
            "docker-compose.yml",
            "version: \"3\"\nservices:\n  web:\n    image: ${HOIST_IMAGE}\n    network_mode: none\n    command: [\"sleep\", \"300\"]\n",
        ),
    ]);
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("no static busybox: install `busybox-static` (`.ci/run` does)");
    std::fs::copy(busybox, project.join("busybox")).unwrap();
    (project, name)
}

/// `hoist` with the TLS variables pointing at `engine` through `certs`.
fn tls(hoist: Hoist, engine: &SecondEngine, certs: &Path) -> Hoist {
    hoist.env("DOCKER_HOST", engine.tcp()).env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", certs)
}

/// Whether the local engine has `reference`.
fn local_has(reference: &str) -> bool {
    let out = std::process::Command::new("docker")
        .args(["image", "ls", "-q", reference])
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .output()
        .unwrap();
    !String::from_utf8_lossy(&out.stdout).trim().is_empty()
}

#[test]
fn a_tls_engine_builds_pushes_and_runs_compose_there_and_refuses_bad_certificates() {
    engine::require();
    let remote = SecondEngine::start();
    let registry = Registry::start();
    let (project, name) = project(&registry);
    let repo = registry.repository(&name);
    let tester = format!("{repo}:v1.2.3-tester");
    let certs = remote.certs().dir();

    let out = tls(hoist(project.path()), &remote, certs).args(["build", "tester", "--progress", "plain"]).success();
    assert!(out.starts_with(&format!("built {tester} sha256:")), "{out}");
    assert!(remote.has_image(&tester), "the image is not in the TLS engine: {}", remote.docker(&["image", "ls"]));
    assert!(!local_has(&tester), "the image was built in the local engine");

    // Pushed by that engine, to the registry.
    let out = tls(hoist(project.path()), &remote, certs).args(["push", "--progress", "quiet"]).success();
    let digest = registry.manifest_digest(&name, "v1.2.3").expect("pushed");
    assert!(out.starts_with(&format!("pushed {repo}:v1.2.3 {digest}")), "{out}");
    assert!(!local_has(&format!("{repo}:v1.2.3")));

    // The tests: compose, run by hoist, starts the project in that engine.
    let out = tls(hoist(project.path()), &remote, certs).args(["test"]).run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("where") && out.stdout.contains("passed"), "{}", out.stdout);
    assert_eq!(
        remote.docker(&["ps", "-a", "-q", "--filter", &format!("label=com.docker.compose.project={name}")]),
        "",
        "the compose project was not taken down in the TLS engine"
    );

    // A client certificate the engine's CA did not sign.
    let other = Certificates::new();
    let wrong_client = remote.certs().with_client_of(&other);
    let err = tls(hoist(project.path()), &remote, wrong_client.path()).args(["build", "tester"]).failure();
    let engine_at = format!("error: cannot reach the Docker engine at `{}`", remote.tcp());
    assert!(
        err.starts_with(&format!(
            "{engine_at}: it refused hoist's client certificate (`{}/cert.pem`, TLS alert: ",
            wrong_client.path().display()
        )),
        "{err}"
    );
    assert!(
        err.contains("\nhelp: use a client certificate (`cert.pem`, `key.pem`) signed by the CA the engine trusts"),
        "{err}"
    );
    // A server certificate hoist's CA did not sign.
    let err = tls(hoist(project.path()), &remote, other.dir()).args(["build", "tester"]).failure();
    assert_eq!(
        err,
        format!(
            "{engine_at}: its TLS certificate is not trusted: it is not signed by the CA in `{}/ca.pem`\nhelp: use the CA that signed the engine's certificate as `ca.pem` (`DOCKER_CERT_PATH`, or the docker context), and a certificate valid for the address\n",
            other.dir().display()
        )
    );
    // Plain HTTP to the TLS port.
    let err = hoist(project.path()).env("DOCKER_HOST", remote.tcp()).args(["build", "tester"]).failure();
    assert_eq!(
        err,
        format!(
            "{engine_at}: the engine speaks TLS and hoist did not\nhelp: set `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` (or use a docker context with its TLS files)\n"
        )
    );
    // A missing file is named before anything connects.
    let empty = tempfile::tempdir().unwrap();
    let err = tls(hoist(project.path()), &remote, empty.path()).args(["build", "tester"]).failure();
    assert!(
        err.starts_with(&format!(
            "error: cannot use the TLS file `{}/ca.pem` for the Docker engine at `{}` (chosen by `DOCKER_HOST`): it does not exist\n",
            empty.path().display(),
            remote.tcp()
        )),
        "{err}"
    );
}

#[test]
fn a_docker_context_chooses_the_engine_as_it_does_for_the_docker_cli() {
    engine::require();
    let remote = SecondEngine::start();
    let registry = Registry::start();
    let (project, name) = project(&registry);
    let tester = format!("{}:v1.2.3-tester", registry.repository(&name));
    let certs = remote.certs().dir();
    let config = tempfile::tempdir().unwrap();
    let docker = |args: &[&str]| {
        let out = std::process::Command::new("docker")
            .args(args)
            .env("DOCKER_CONFIG", config.path())
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .output()
            .unwrap();
        assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let endpoint = format!(
        "host={},ca={},cert={},key={}",
        remote.tcp(),
        certs.join("ca.pem").display(),
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    docker(&["context", "create", "second", "--docker", &endpoint]);
    docker(&["context", "use", "second"]);
    let with_config = |hoist: Hoist| hoist.env("DOCKER_CONFIG", config.path()).env_remove("DOCKER_HOST");

    // The current context: where the docker CLI builds, hoist builds.
    with_config(hoist(project.path())).args(["build", "tester", "--progress", "quiet"]).success();
    assert!(remote.has_image(&tester), "the current context's engine has no image");
    assert!(!local_has(&tester), "hoist built in the local engine while the current context is another");
    assert_eq!(docker(&["image", "ls", "-q", &tester]), remote.docker(&["image", "ls", "-q", &tester]));
    remote.docker(&["image", "rm", &tester]);

    // `DOCKER_CONTEXT`, and `--engine NAME`, with no current context.
    docker(&["context", "use", "default"]);
    with_config(hoist(project.path())).env("DOCKER_CONTEXT", "second").args(["build", "tester"]).success();
    assert!(remote.has_image(&tester));
    remote.docker(&["image", "rm", &tester]);
    with_config(hoist(project.path())).args(["--engine", "second", "build", "tester"]).success();
    assert!(remote.has_image(&tester));
    assert!(!local_has(&tester));

    // An unknown context is refused, naming the known ones.
    let err = with_config(hoist(project.path())).env("DOCKER_CONTEXT", "nope").args(["build", "tester"]).failure();
    assert_eq!(
        err,
        "error: there is no docker context `nope`: the contexts are `default` and `second`\nhelp: create it with `docker context create`, or choose another with `DOCKER_CONTEXT` or `docker context use`\n"
    );
}

#[test]
fn an_ssh_engine_is_reached_through_docker_system_dial_stdio() {
    engine::require();
    let remote = SecondEngine::start();
    let sshd = Sshd::start(&format!("unix://{}", remote.socket().display()));
    let registry = Registry::start();
    let (project, name) = project(&registry);
    let tester = format!("{}:v1.2.3-tester", registry.repository(&name));
    let ssh =
        |hoist: Hoist, key: &str| hoist.env("DOCKER_HOST", sshd.url()).env("HOIST_SSH_COMMAND", sshd.ssh_command(key));

    // BuildKit's session (the context stream, the build) over the forwarded connections.
    let out = ssh(hoist(project.path()), "client_key").args(["build", "tester", "--progress", "plain"]).success();
    assert!(out.starts_with(&format!("built {tester} sha256:")), "{out}\nsshd: {}", sshd.log());
    assert!(remote.has_image(&tester), "the image is not in the engine behind ssh");
    assert!(!local_has(&tester), "the image was built in the local engine");

    // Compose, run by hoist, reaches the same engine through the same forwarding.
    let out = ssh(hoist(project.path()), "client_key").args(["test"]).run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("passed"), "{}", out.stdout);

    // A bind mount names a path on the engine's machine: the plan warns about it.
    let compose = std::fs::read_to_string(project.join("docker-compose.yml")).unwrap();
    std::fs::write(
        project.join("docker-compose.yml"),
        format!("{compose}    volumes:\n      - ./app.txt:/mounted.txt\n"),
    )
    .unwrap();
    let plan = ssh(hoist(project.path()), "client_key").args(["test", "--dry-run"]).success();
    assert!(
        plan.contains(&format!("warning: `docker-compose.yml` bind-mounts `./app.txt` into service `web`, and the engine `{}` runs on another machine", sshd.url())),
        "{plan}"
    );
    let local = hoist(project.path()).args(["test", "--dry-run"]).success();
    assert!(!local.contains("bind-mounts"), "{local}");

    // A key the server does not know: what ssh said, and what to check.
    let err = ssh(hoist(project.path()), "other_key").args(["build", "tester"]).failure();
    let port = sshd.url().rsplit(':').next().unwrap().to_owned();
    assert_eq!(
        err,
        format!(
            "error: cannot reach the Docker engine at `{}`: ssh said: root@127.0.0.1: Permission denied (publickey).\nhelp: check that `ssh -p {port} root@127.0.0.1 docker system dial-stdio` runs: the key (`ssh-add`, or `-i` in `HOIST_SSH_COMMAND`), the host key in `known_hosts`, and `docker` on the remote `PATH`\n",
            sshd.url()
        )
    );
    // An address ssh would read as an option is no address.
    let err =
        hoist(project.path()).env("DOCKER_HOST", "ssh://-oProxyCommand=touch%20x").args(["build", "tester"]).failure();
    assert!(err.starts_with("error: `ssh://-oProxyCommand=touch%20x` is not a Docker engine address\n"), "{err}");
    assert!(!project.join("x").exists());
}
