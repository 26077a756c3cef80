//! Engines that are not the local one, for the remote-engine tests: a second `dockerd` that
//! listens on a loopback TCP port with TLS (its own CA, server and client certificates, made
//! here with `openssl`) and on a private Unix socket, and an `sshd` on a loopback port that lets
//! a key made here in and points `docker` at that second engine. Both are real programs, stopped
//! and deleted on drop. They need root (a second `dockerd`, an `sshd`), as `.ci/run` runs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Panics with one line unless the process runs as root.
fn require_root(what: &str) {
    let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if !uid.is_ok_and(|uid| uid == "0") {
        panic!("{what} needs root (a second dockerd, an sshd): run the tests as root, as `.ci/run` does");
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(program: &str, args: &[&str], dir: &Path) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{program}`: {e} (`.ci/run` installs it)"));
    assert!(out.status.success(), "`{program} {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

/// A CA and certificates signed by it, in one directory: `ca.pem`, `ca-key.pem`, a server
/// certificate for `127.0.0.1` (`server-cert.pem`, `server-key.pem`) and a client certificate
/// (`cert.pem`, `key.pem`), the file names the docker CLI's `DOCKER_CERT_PATH` holds.
pub struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    /// A new CA, and server and client certificates it signed.
    pub fn new() -> Certificates {
        let dir = tempfile::Builder::new().prefix("hoist-certs-").tempdir().unwrap();
        let d = dir.path();
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=hoist test CA",
            ],
            d,
        );
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        let certs = Certificates { dir };
        certs.sign("server", "server-key.pem", "server-cert.pem", "server.ext");
        certs.sign("client", "key.pem", "cert.pem", "client.ext");
        certs
    }

    fn sign(&self, name: &str, key: &str, cert: &str, ext: &str) {
        let d = self.dir.path();
        let csr = format!("{name}.csr");
        run(
            "openssl",
            &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", &csr, "-subj", &format!("/CN={name}")],
            d,
        );
        run(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                cert,
                "-days",
                "2",
                "-extfile",
                ext,
            ],
            d,
        );
    }

    /// The directory: what `DOCKER_CERT_PATH` names for a client of this CA.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A `DOCKER_CERT_PATH` directory whose `ca.pem` is this CA's and whose client certificate
    /// is `other`'s (signed by another CA): the engine refuses it.
    pub fn with_client_of(&self, other: &Certificates) -> tempfile::TempDir {
        let dir = tempfile::Builder::new().prefix("hoist-certs-").tempdir().unwrap();
        std::fs::copy(self.dir().join("ca.pem"), dir.path().join("ca.pem")).unwrap();
        std::fs::copy(other.dir().join("cert.pem"), dir.path().join("cert.pem")).unwrap();
        std::fs::copy(other.dir().join("key.pem"), dir.path().join("key.pem")).unwrap();
        dir
    }
}

impl Default for Certificates {
    fn default() -> Certificates {
        Certificates::new()
    }
}

/// A second Docker engine on this machine: TLS on a loopback TCP port, and a Unix socket,
/// with its own data and bridge, so that nothing it does touches the local engine.
pub struct SecondEngine {
    child: Child,
    dir: tempfile::TempDir,
    certs: Certificates,
    port: u16,
    bridge: String,
}

impl SecondEngine {
    /// Starts the engine and waits until it answers on its socket.
    pub fn start() -> SecondEngine {
        require_root("a second Docker engine");
        let certs = Certificates::new();
        let dir = tempfile::Builder::new().prefix("hoist-engine2-").tempdir().unwrap();
        let d = dir.path();
        // Its own bridge: a second dockerd without one (`--bridge=none`) deletes the local
        // engine's `docker0`, and every RUN step of the local engine fails after that.
        // One per engine (tests run in parallel threads and processes); a name fits in 15 bytes.
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pid = std::process::id();
        let bridge = format!("hoist{}x{n}", pid % 1_000_000);
        let subnet = format!("10.{}.{}.1/24", 200 + n % 50, pid % 256);
        let _ = Command::new("ip").args(["link", "delete", &bridge]).stderr(Stdio::null()).status();
        run("ip", &["link", "add", &bridge, "type", "bridge"], d);
        run("ip", &["addr", "add", &subnet, "dev", &bridge], d);
        run("ip", &["link", "set", &bridge, "up"], d);
        let port = free_port();
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let socket = d.join("docker.sock");
        let c = certs.dir();
        let child = Command::new("dockerd")
            .arg("--host")
            .arg(format!("unix://{}", socket.display()))
            .arg("--host")
            .arg(format!("tcp://127.0.0.1:{port}"))
            .arg("--tlsverify")
            .arg("--tlscacert")
            .arg(c.join("ca.pem"))
            .arg("--tlscert")
            .arg(c.join("server-cert.pem"))
            .arg("--tlskey")
            .arg(c.join("server-key.pem"))
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            .arg(format!("--bridge={bridge}"))
            .args(["--iptables=false", "--ip-masq=false"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start `dockerd` (`.ci/run` installs docker.io)");
        let mut engine = SecondEngine { child, dir, certs, port, bridge };
        engine.wait_ready();
        engine
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let host = format!("unix://{}", self.socket().display());
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the second dockerd exited with {status}: {}", self.log());
            }
            if crate::engine::check(&host).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the second dockerd did not answer within 60 s: {}", self.log());
    }

    /// Its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default()
    }

    /// `tcp://127.0.0.1:PORT`, its TLS address.
    pub fn tcp(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Its Unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// Its certificates: `dir()` is a `DOCKER_CERT_PATH` for a client it accepts.
    pub fn certs(&self) -> &Certificates {
        &self.certs
    }

    /// `docker ARGS…` against this engine through its socket; stdout, trimmed.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new("docker")
            .env("DOCKER_HOST", format!("unix://{}", self.socket().display()))
            .env_remove("DOCKER_CONTEXT")
            .args(args)
            .output()
            .expect("cannot run `docker`");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Whether this engine has the image `reference`.
    pub fn has_image(&self, reference: &str) -> bool {
        !self.docker(&["image", "ls", "-q", reference]).is_empty()
    }
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        // TERM, so that it stops its containerd and unmounts its layers; KILL if it hangs.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("ip").args(["link", "delete", &self.bridge]).stderr(Stdio::null()).status();
        // Layers it left mounted (a KILL) would make the directory's removal fail.
        if let Ok(mounts) = std::fs::read_to_string("/proc/mounts") {
            let root = self.dir.path().display().to_string();
            for mount in mounts.lines().filter_map(|l| l.split(' ').nth(1)).filter(|m| m.starts_with(&root)) {
                let _ = Command::new("umount").args(["-l", mount]).status();
            }
        }
    }
}

/// An `sshd` on a loopback port that lets in one key made here (as root) and runs `docker`
/// against `DOCKER_HOST` (set for every session with `SetEnv`): the far end of `ssh://`.
pub struct Sshd {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Sshd {
    /// Starts `sshd` with sessions pointed at the engine `docker_host`.
    pub fn start(docker_host: &str) -> Sshd {
        require_root("an sshd");
        let dir = tempfile::Builder::new().prefix("hoist-sshd-").tempdir().unwrap();
        let d = dir.path();
        run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", "host_key"], d);
        run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", "client_key"], d);
        run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", "other_key"], d);
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        // sshd's privilege separation directory; Debian makes it at boot, a container may not.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let sshd = ["/usr/sbin/sshd", "/sbin/sshd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("no sshd: install `openssh-server` (`.ci/run` does)");
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let config = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nPidFile {d}/sshd.pid\nSetEnv DOCKER_HOST={docker_host}\n",
                d = d.display()
            );
            std::fs::write(d.join("sshd_config"), config).unwrap();
            let host_key = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
            let key: Vec<&str> = host_key.split_whitespace().take(2).collect();
            std::fs::write(d.join("known_hosts"), format!("[127.0.0.1]:{port} {}\n", key.join(" "))).unwrap();
            let mut child = Command::new(sshd)
                .args(["-D", "-e", "-f"])
                .arg(d.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
                .spawn()
                .expect("cannot start sshd");
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut listening = false;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    listening = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if listening {
                return Sshd { child, dir, port };
            }
            // The port was taken meanwhile, or sshd refused its configuration: try another.
            let _ = child.kill();
            let _ = child.wait();
            last = std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default();
        }
        panic!("sshd did not start: {last}");
    }

    /// Its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// `ssh://root@127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ssh://root@127.0.0.1:{}", self.port)
    }

    /// The `HOIST_SSH_COMMAND` that logs in with `key` (`client_key`, the accepted one, or
    /// `other_key`), trusting only this server's host key and reading no user configuration.
    pub fn ssh_command(&self, key: &str) -> String {
        let d = self.dir.path().display();
        format!(
            "ssh -F /dev/null -i {d}/{key} -o IdentitiesOnly=yes -o UserKnownHostsFile={d}/known_hosts -o StrictHostKeyChecking=yes"
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
