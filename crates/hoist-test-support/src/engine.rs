//! The Docker engine the tests use.

use std::io::{Read, Write};
use std::sync::OnceLock;
use std::time::Duration;

use xshell::{Shell, cmd};

/// The tag of the busybox base image built by [`base_image`].
pub const BASE_IMAGE: &str = "hoist-test/busybox:1";

/// Where the engine is: `DOCKER_HOST`, or the default socket.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned())
}

/// Panics with one line saying how to start the engine, unless it answers `/_ping`.
pub fn require() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(message) = CHECKED.get_or_init(|| check(&docker_host())) {
        panic!("{message}");
    }
}

/// `Ok` when the engine at `host` (`unix://PATH` or `tcp://HOST:PORT`) answers `/_ping`, else
/// the one-line message [`require`] fails with.
pub fn check(host: &str) -> Result<(), String> {
    ping(host).map_err(|why| {
        format!(
            "no Docker engine answers at {host} ({why}): start one with `bash .ci/run` (installs and starts dockerd) or `sudo dockerd &`"
        )
    })
}

fn ping(host: &str) -> Result<(), String> {
    let request = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    let mut response = String::new();
    if let Some(path) = host.strip_prefix("unix://") {
        let mut stream = std::os::unix::net::UnixStream::connect(path).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        stream.write_all(request).map_err(|e| e.to_string())?;
        stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    } else if let Some(addr) = host.strip_prefix("tcp://") {
        let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        stream.write_all(request).map_err(|e| e.to_string())?;
        stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    } else {
        return Err(format!("unsupported DOCKER_HOST scheme in `{host}`"));
    }
    if response.starts_with("HTTP/1.") && response.contains(" 200 ") {
        Ok(())
    } else {
        Err(format!("unexpected answer: {}", response.lines().next().unwrap_or("(nothing)")))
    }
}

/// Builds (once per process) and returns [`BASE_IMAGE`]: `FROM scratch`, the static busybox of
/// the `busybox-static` package, and its applets installed in `/bin`.
pub fn base_image() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    require();
    BUILT.get_or_init(|| {
        let sh = Shell::new().unwrap();
        if cmd!(sh, "docker image inspect {BASE_IMAGE}").quiet().ignore_stdout().ignore_stderr().run().is_ok() {
            return;
        }
        let busybox = ["/bin/busybox", "/usr/bin/busybox"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("no static busybox: install it with `apt-get install busybox-static` (`.ci/run` does)");
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(busybox, dir.path().join("busybox")).unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN mkdir -p /tmp /root /etc && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd\nCMD [\"/bin/sh\"]\n",
        )
        .unwrap();
        let context = dir.path();
        let output = cmd!(sh, "docker build --quiet --network none -t {BASE_IMAGE} {context}")
            .env("DOCKER_BUILDKIT", "0")
            .quiet()
            .ignore_status()
            .output()
            .expect("cannot run `docker build`");
        assert!(output.status.success(), "building the busybox base image failed: {}", String::from_utf8_lossy(&output.stderr));
    });
    BASE_IMAGE
}

/// Removes every container, volume and network of compose project `project`, found by the
/// label compose gives them; errors are ignored (what is gone is gone).
pub fn remove_compose_project(project: &str) {
    let Ok(sh) = Shell::new() else { return };
    let label = format!("label=com.docker.compose.project={project}");
    let ids = cmd!(sh, "docker ps -a -q --filter {label}").quiet().read().unwrap_or_default();
    let ids: Vec<&str> = ids.lines().collect();
    if !ids.is_empty() {
        let _ = cmd!(sh, "docker rm -f {ids...}").quiet().ignore_stdout().ignore_stderr().run();
    }
    for kind in ["volume", "network"] {
        let ids = cmd!(sh, "docker {kind} ls -q --filter {label}").quiet().read().unwrap_or_default();
        let ids: Vec<&str> = ids.lines().collect();
        if !ids.is_empty() {
            let _ = cmd!(sh, "docker {kind} rm {ids...}").quiet().ignore_stdout().ignore_stderr().run();
        }
    }
}

/// Removes the image references it holds when dropped (`docker rmi -f`).
#[derive(Debug, Default)]
pub struct ImageGuard {
    references: Vec<String>,
}

impl ImageGuard {
    /// A guard for `references`.
    pub fn new(references: impl IntoIterator<Item = impl Into<String>>) -> ImageGuard {
        ImageGuard { references: references.into_iter().map(Into::into).collect() }
    }

    /// Also remove `reference` on drop.
    pub fn add(&mut self, reference: impl Into<String>) {
        self.references.push(reference.into());
    }
}

impl Drop for ImageGuard {
    fn drop(&mut self) {
        if self.references.is_empty() {
            return;
        }
        let Ok(sh) = Shell::new() else { return };
        let refs = &self.references;
        let _ = cmd!(sh, "docker image rm --force {refs...}").quiet().ignore_stdout().ignore_stderr().run();
    }
}
