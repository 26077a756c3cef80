//! A private registry per test: the reference `docker-registry`, on a free loopback port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use xshell::{Shell, cmd};

/// The user of an authenticated registry.
pub const USER: &str = "hoist";
/// The password of an authenticated registry. Base64 of it, at any alignment, has both `+`
/// and `/`: the characters that a standard-alphabet encoding breaks in `X-Registry-Auth`.
pub const PASSWORD: &str = "s3cr3t>>>???";

/// A running `docker-registry`, stopped and deleted on drop.
pub struct Registry {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    auth: bool,
}

impl Registry {
    /// Starts a registry without authentication.
    pub fn start() -> Registry {
        Registry::spawn(false)
    }

    /// Starts a registry that requires [`USER`] / [`PASSWORD`] (htpasswd, bcrypt).
    pub fn start_with_auth() -> Registry {
        Registry::spawn(true)
    }

    /// `127.0.0.1:PORT`: the registry part of image references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT/NAME`: a repository in this registry.
    pub fn repository(&self, name: &str) -> String {
        format!("{}/{name}", self.host())
    }

    /// Whether this registry requires credentials.
    pub fn has_auth(&self) -> bool {
        self.auth
    }

    /// The registry's log (access log and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// The tags of `repository` (a name inside this registry), asked over the HTTP API.
    pub fn tags(&self, repository: &str) -> Vec<String> {
        let (status, body) = self.get(&format!("/v2/{repository}/tags/list"));
        if status == 404 {
            return Vec::new();
        }
        assert_eq!(status, 200, "listing tags of {repository}: {body}");
        let Some(start) = body.find("\"tags\":[") else {
            return Vec::new();
        };
        let list = &body[start + 8..];
        let list = &list[..list.find(']').unwrap_or(0)];
        list.split(',').map(|t| t.trim().trim_matches('"').to_owned()).filter(|t| !t.is_empty()).collect()
    }

    /// The digest of `repository:tag` (`Docker-Content-Digest` of a manifest GET), or `None`
    /// when the registry does not have it.
    pub fn manifest_digest(&self, repository: &str, tag: &str) -> Option<String> {
        let accept = "Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json\r\n";
        let auth = self.auth.then(|| format!("Authorization: Basic {}\r\n", base64(&format!("{USER}:{PASSWORD}"))));
        let (status, headers, _) = http_request(
            self.port,
            &format!("/v2/{repository}/manifests/{tag}"),
            &format!("{accept}{}", auth.unwrap_or_default()),
        );
        if status != 200 {
            return None;
        }
        headers.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("docker-content-digest").then(|| value.trim().to_owned())
        })
    }

    /// Copies the local engine's image `local` into this registry as `repository:tag` (with
    /// skopeo, an independent client), and returns its digest there.
    pub fn push_local_image(&self, local: &str, repository: &str, tag: &str) -> String {
        let sh = Shell::new().unwrap();
        let source = format!("docker-daemon:{local}");
        let destination = format!("docker://{}/{repository}:{tag}", self.host());
        let mut args = vec!["copy".to_owned(), "--quiet".to_owned(), "--dest-tls-verify=false".to_owned()];
        if self.auth {
            args.push(format!("--dest-creds={USER}:{PASSWORD}"));
        }
        args.push(source);
        args.push(destination);
        let output = cmd!(sh, "skopeo {args...}")
            .quiet()
            .ignore_status()
            .output()
            .expect("cannot run `skopeo`: install it with `apt-get install skopeo` (`.ci/run` does)");
        assert!(output.status.success(), "skopeo copy failed: {}", String::from_utf8_lossy(&output.stderr));
        self.manifest_digest(repository, tag).expect("the copied image is not in the registry")
    }

    /// A GET request to the registry with its credentials; returns status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.get_as(path, self.auth.then_some((USER, PASSWORD)))
    }

    /// A GET request with the given credentials, or none; returns status and body.
    pub fn get_as(&self, path: &str, credentials: Option<(&str, &str)>) -> (u16, String) {
        let auth = credentials
            .map(|(user, password)| format!("Authorization: Basic {}\r\n", base64(&format!("{user}:{password}"))));
        http_get(self.port, path, auth.as_deref().unwrap_or(""))
    }

    fn spawn(auth: bool) -> Registry {
        let mut last_error = String::new();
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let config = config(&dir, port, auth);
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("cannot start `docker-registry`: install it with `apt-get install docker-registry` (`.ci/run` does)");
            let mut registry = Registry { child, dir, port, auth };
            match registry.wait_ready() {
                Ok(()) => return registry,
                Err(e) => {
                    last_error = e;
                    let _ = registry.child.kill();
                    let _ = registry.child.wait();
                }
            }
        }
        panic!("the test registry did not start: {last_error}");
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("docker-registry exited with {status}: {}", self.log()));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                let (status, _) = http_get(self.port, "/v2/", "");
                if status == 200 || status == 401 {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(format!("no answer on port {} after 20 s: {}", self.port, self.log()))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn config(dir: &tempfile::TempDir, port: u16, auth: bool) -> PathBuf {
    let root = dir.path().join("data");
    let mut yaml = format!(
        "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
        root.display()
    );
    if auth {
        let htpasswd = dir.path().join("htpasswd");
        let sh = Shell::new().unwrap();
        let line = cmd!(sh, "htpasswd -Bbn {USER} {PASSWORD}")
            .quiet()
            .read()
            .expect("cannot run `htpasswd`: install it with `apt-get install apache2-utils` (`.ci/run` does)");
        std::fs::write(&htpasswd, format!("{line}\n")).unwrap();
        yaml.push_str(&format!("auth:\n  htpasswd:\n    realm: hoist-test\n    path: {}\n", htpasswd.display()));
    }
    let path = dir.path().join("config.yml");
    std::fs::write(&path, yaml).unwrap();
    path
}

fn http_get(port: u16, path: &str, extra_headers: &str) -> (u16, String) {
    let (status, _, body) = http_request(port, path, extra_headers);
    (status, body)
}

/// A GET request; returns status, headers and body.
fn http_request(port: u16, path: &str, extra_headers: &str) -> (u16, String, String) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new(), String::new());
    };
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{extra_headers}\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return (0, String::new(), String::new());
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (headers, body) =
        response.split_once("\r\n\r\n").map(|(h, b)| (h.to_owned(), b.to_owned())).unwrap_or_default();
    (status, headers, body)
}

/// Standard base64, for the test's own Basic auth header.
pub fn base64(input: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
