/*!
Real parts for hoist's integration tests, never imitations:

- [`engine`]: the Docker engine the tests talk to; [`engine::require`] fails the test with one
  line saying how to start it when none answers (no test is skipped silently), and
  [`engine::base_image`] builds a `FROM scratch` + static busybox image once, so test
  Dockerfiles can `RUN` shell steps without pulling anything.
- [`registry`]: a private `docker-registry` per test on a free loopback port, without auth or
  with htpasswd auth ([`registry::PASSWORD`] encodes to base64 with `+` and `/`).
- [`remote`]: a second Docker engine (TLS on a loopback port, certificates made here) and an
  `sshd` in front of it, for the remote-engine tests (they need root, as `.ci/run` runs).
- [`git`]: throwaway git repositories with a bare remote on disk.
- [`cli`]: runs a hoist binary in a directory and checks what it printed.
- [`unique_name`]: names that parallel tests and parallel test processes never share.

Everything cleans up after itself on drop: registries are stopped, directories removed,
images tagged through [`engine::ImageGuard`] removed.
*/

pub mod cli;
pub mod engine;
pub mod git;
pub mod registry;
pub mod remote;

use std::sync::atomic::{AtomicUsize, Ordering};

/// A name no other test in any running process uses: `PREFIX-PID-N-NANOS`, lowercase, valid
/// in image repositories, tags, git refs and file names.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{}-{}-{n}-{nanos}", prefix.to_ascii_lowercase(), std::process::id())
}

/// Writes `files` (path relative to `dir`, contents) into `dir`, creating parent directories.
pub fn write_files(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// Copies the directory `from` to `to`, without `dist/` directories (what a run of the example
/// project leaves behind).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if entry.file_name() != "dist" {
                copy_dir(&entry.path(), &target)?;
            }
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
