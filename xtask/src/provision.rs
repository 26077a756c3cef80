//! `cargo xtask provision-base-images`: make the base images that the top-level `Dockerfile`
//! names available on a machine that cannot pull them.
//!
//! On a normal machine the engine pulls `debian:bookworm-slim` and `rust:1.95-bookworm` from
//! Docker Hub and this command is not needed. Where no registry is reachable (this project's CI
//! machines reach Debian's package mirror and crates.io, nothing else), it builds stand-ins under
//! the same names from Debian's own packages, so the same `Dockerfile` builds unchanged:
//!
//! - `debian:SUITE-slim` / `debian:SUITE`: `debootstrap --variant=minbase SUITE` and
//!   `docker import`, trimmed of apt's caches and documentation;
//! - `rust:X.Y-SUITE`: the same, plus gcc, libc6-dev, git, pkg-config and ca-certificates, plus
//!   the Rust toolchain of this machine (`rustc --print sysroot`: `cargo`, `rustc`, `rustdoc`
//!   and their libraries), laid out like the official image (`CARGO_HOME=/usr/local/cargo`,
//!   `RUSTUP_HOME=/usr/local/rustup`, `cargo` on `PATH`). The toolchain must be version X.Y.
//!
//! Every image it makes carries the label `dev.hoist.provisioned` saying what it is, so
//! `docker image inspect` tells a stand-in from the Docker Hub image. Images already present
//! (pulled or provisioned earlier) are left alone unless `--force` is given.
//!
//! ```text
//! cargo xtask provision-base-images            # make the missing ones
//! cargo xtask provision-base-images --dry-run  # say what would be made, and how
//! cargo xtask provision-base-images --force    # make them again, even if present
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

/// The label every provisioned image carries.
const LABEL: &str = "dev.hoist.provisioned";
/// Debian's mirror, over HTTPS: this machine's network refuses plain HTTP.
const DEFAULT_MIRROR: &str = "https://deb.debian.org/debian";
/// What the Rust stand-in adds to the minimal Debian system: a C toolchain for the linker and
/// crates that build C, git for the tests, certificates for crates.io.
const RUST_PACKAGES: &str = "ca-certificates,gcc,libc6-dev,git,pkg-config";

/// Options of `cargo xtask provision-base-images`.
pub(crate) struct Provision {
    dry_run: bool,
    force: bool,
    mirror: String,
}

/// A base image this command knows how to make.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Recipe {
    /// `debian:bookworm-slim`, `debian:bookworm`.
    Debian { suite: String },
    /// `rust:1.95-bookworm`, `rust:1.95.0-bookworm`.
    Rust { version: String, suite: String },
}

struct Base {
    image: String,
    recipe: Recipe,
}

impl Provision {
    pub(crate) fn parse(args: &[std::ffi::OsString]) -> Result<Option<Provision>, String> {
        let mut provision = Provision {
            dry_run: false,
            force: false,
            mirror: std::env::var("HOIST_DEBIAN_MIRROR").unwrap_or_else(|_| DEFAULT_MIRROR.to_owned()),
        };
        for arg in args {
            match arg.to_string_lossy().as_ref() {
                "--dry-run" | "-n" => provision.dry_run = true,
                "--force" => provision.force = true,
                "-h" | "--help" => {
                    println!(
                        "cargo xtask provision-base-images [--dry-run] [--force]\n\n\
                         Makes the base images the top-level Dockerfile names (debian:bookworm-slim, rust:X.Y-bookworm)\n\
                         from Debian's packages with debootstrap and `docker import`, for machines that cannot pull them.\n\
                         Images already present are left alone unless --force is given. Needs root (debootstrap).\n\
                         HOIST_DEBIAN_MIRROR overrides the mirror ({DEFAULT_MIRROR}).\n\n\
                         Examples:\n  \
                         cargo xtask provision-base-images --dry-run   # what is missing, and how it would be made\n  \
                         cargo xtask provision-base-images             # make what is missing\n\n\
                         See docs/self-hosting.md."
                    );
                    return Ok(None);
                }
                other => {
                    return Err(format!(
                        "unknown option `{other}` for `cargo xtask provision-base-images`: see `cargo xtask provision-base-images --help`"
                    ));
                }
            }
        }
        Ok(Some(provision))
    }

    pub(crate) fn run(self, sh: &Shell, root: &Path) -> Result<(), String> {
        let bases = bases_of(&root.join("Dockerfile"))?;
        let server_version = "{{.Server.Version}}";
        if cmd!(sh, "docker version --format {server_version}").quiet().ignore_stdout().ignore_stderr().run().is_err() {
            return Err("no Docker engine answers (`docker version` failed): start dockerd (`bash .ci/run` does), then run this again".into());
        }
        let mut todo = Vec::new();
        for base in bases {
            let image = &base.image;
            let present =
                cmd!(sh, "docker image inspect {image}").quiet().ignore_stdout().ignore_stderr().run().is_ok();
            if present && !self.force {
                eprintln!("{}: present, left alone (`--force` makes it again)", base.image);
            } else {
                let state = if present { "present, made again" } else { "missing" };
                let verb = if self.dry_run { "would make it with" } else { "making it with" };
                eprintln!("{}: {state}: {verb} {}", base.image, base.recipe);
                todo.push(base);
            }
        }
        if todo.is_empty() || self.dry_run {
            return Ok(());
        }
        preflight(sh)?;
        let work = root.join("target/provision");
        std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
        let toolchain =
            if todo.iter().any(|b| matches!(b.recipe, Recipe::Rust { .. })) { Some(host_toolchain(sh)?) } else { None };
        // The debootstraps are mostly waiting on the mirror: run them side by side.
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = todo
                .iter()
                .map(|base| {
                    let work = &work;
                    let toolchain = toolchain.as_ref();
                    let mirror = self.mirror.as_str();
                    scope.spawn(move || {
                        let sh = Shell::new().map_err(|e| e.to_string())?;
                        make(&sh, base, work, mirror, toolchain)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("a provisioning thread panicked".into())))
                .collect()
        });
        let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
    }
}

impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipe::Debian { suite } => write!(f, "debootstrap --variant=minbase {suite}, then docker import"),
            Recipe::Rust { version, suite } => write!(
                f,
                "debootstrap --variant=minbase --include={RUST_PACKAGES} {suite}, this machine's Rust {version} toolchain, then docker import"
            ),
        }
    }
}

/// The images the Dockerfile's stages start from, with global `ARG` defaults expanded.
fn bases_of(dockerfile: &Path) -> Result<Vec<Base>, String> {
    let parsed = hoist_dockerfile::parse_file(dockerfile).map_err(|e| e.to_string())?;
    let args: Vec<(String, String)> = parsed
        .global_args
        .iter()
        .filter_map(|arg| arg.args.trim().split_once('=').map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned())))
        .collect();
    let mut bases: Vec<Base> = Vec::new();
    for stage in &parsed.stages {
        if stage.base_stage.is_some() || stage.base == "scratch" {
            continue;
        }
        let mut image = stage.base.clone();
        for (name, value) in &args {
            image = image.replace(&format!("${{{name}}}"), value).replace(&format!("${name}"), value);
        }
        if image.contains('$') {
            return Err(format!(
                "{}:{}: the base image `{}` uses an ARG without a default; give it one so provisioning knows which image to make",
                dockerfile.display(),
                stage.line,
                stage.base
            ));
        }
        if bases.iter().any(|b| b.image == image) {
            continue;
        }
        let recipe = recipe_for(&image).ok_or_else(|| {
            format!(
                "{}:{}: provisioning knows how to make debian:SUITE[-slim] and rust:X.Y-SUITE, not `{image}`; pull it (`docker pull {image}`) or load it (`docker load`)",
                dockerfile.display(),
                stage.line
            )
        })?;
        bases.push(Base { image, recipe });
    }
    Ok(bases)
}

fn recipe_for(image: &str) -> Option<Recipe> {
    let image = image.strip_prefix("docker.io/").unwrap_or(image);
    let image = image.strip_prefix("library/").unwrap_or(image);
    let (name, tag) = image.split_once(':')?;
    let is_suite = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase());
    match name {
        "debian" => {
            let suite = tag.strip_suffix("-slim").unwrap_or(tag);
            is_suite(suite).then(|| Recipe::Debian { suite: suite.to_owned() })
        }
        "rust" => {
            let (version, suite) = tag.split_once('-')?;
            let numeric = version.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            (numeric && version.contains('.') && is_suite(suite))
                .then(|| Recipe::Rust { version: version.to_owned(), suite: suite.to_owned() })
        }
        _ => None,
    }
}

/// What provisioning needs from the host, checked before anything is made.
fn preflight(sh: &Shell) -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(
            "provisioning runs debootstrap, which needs root: run it as root, or pull the images instead".into()
        );
    }
    if cmd!(sh, "debootstrap --version").quiet().ignore_stdout().ignore_stderr().run().is_err() {
        return Err("debootstrap is not installed: `apt-get install debootstrap`, then run this again".into());
    }
    Ok(())
}

/// The Rust toolchain of this machine: its sysroot and version (`1.95.0`).
struct Toolchain {
    sysroot: PathBuf,
    version: String,
}

fn host_toolchain(sh: &Shell) -> Result<Toolchain, String> {
    let sysroot = cmd!(sh, "rustc --print sysroot")
        .quiet()
        .read()
        .map_err(|e| format!("cannot ask rustc for its sysroot ({e}): is Rust installed?"))?;
    let version = cmd!(sh, "rustc --version").quiet().read().map_err(|e| e.to_string())?;
    let version = version.split_whitespace().nth(1).unwrap_or_default().to_owned();
    Ok(Toolchain { sysroot: PathBuf::from(sysroot), version })
}

fn make(sh: &Shell, base: &Base, work: &Path, mirror: &str, toolchain: Option<&Toolchain>) -> Result<(), String> {
    let image = &base.image;
    let slug: String = image.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let rootfs = work.join(&slug);
    let log = work.join(format!("{slug}.log"));
    let archive = work.join(format!("{slug}.tar"));
    let cache = work.join(format!("{slug}-debs"));
    remove(&rootfs)?;
    std::fs::create_dir_all(&cache).map_err(|e| format!("cannot create {}: {e}", cache.display()))?;

    // The host's toolchain, for a Rust image; `None` for a Debian one.
    let (suite, rust) = match &base.recipe {
        Recipe::Debian { suite } => (suite.as_str(), None),
        Recipe::Rust { version, suite } => {
            let toolchain = toolchain.expect("the toolchain is read when a Rust image is to be made");
            if !(toolchain.version == *version || toolchain.version.starts_with(&format!("{version}."))) {
                return Err(format!(
                    "{image}: this machine's rustc is {}, not {version}; change the Dockerfile's default to rust:{}-{suite} or install Rust {version}",
                    toolchain.version,
                    toolchain.version.rsplit_once('.').map_or(toolchain.version.as_str(), |(minor, _)| minor),
                ));
            }
            (suite.as_str(), Some(toolchain))
        }
    };
    eprintln!("{image}: debootstrap {suite} from {mirror} (log: {})", log.display());
    let cache_arg = format!("--cache-dir={}", cache.display());
    let include_arg = rust.map(|_| format!("--include={RUST_PACKAGES}"));
    let output = cmd!(sh, "debootstrap --variant=minbase {cache_arg} {include_arg...} {suite} {rootfs} {mirror}")
        .quiet()
        .ignore_status()
        .output()
        .map_err(|e| format!("{image}: cannot run debootstrap: {e}"))?;
    let mut text = output.stdout;
    text.extend_from_slice(&output.stderr);
    std::fs::write(&log, &text).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    if !output.status.success() {
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<&str> = text.lines().collect();
        return Err(format!(
            "{image}: debootstrap failed; its last lines follow (whole log: {}):\n{}",
            log.display(),
            lines[lines.len().saturating_sub(5)..].join("\n")
        ));
    }
    trim(&rootfs)?;
    let extra_trust = add_host_trust(&rootfs)?;

    let mut changes = vec![
        "CMD [\"bash\"]".to_owned(),
        format!(
            "LABEL {LABEL}=\"made by cargo xtask provision-base-images: debootstrap --variant=minbase {suite} from {mirror}{}{}; not the Docker Hub image\"",
            rust.map(|t| format!(", {RUST_PACKAGES}, Rust {} from the host", t.version)).unwrap_or_default(),
            match extra_trust {
                0 => String::new(),
                n => format!(", trusts {n} certificate authorities of the host beyond Debian's"),
            }
        ),
    ];
    if let Some(toolchain) = rust {
        install_toolchain(sh, toolchain, &rootfs)?;
        changes.extend([
            "ENV RUSTUP_HOME=/usr/local/rustup".to_owned(),
            "ENV CARGO_HOME=/usr/local/cargo".to_owned(),
            "ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned(),
            format!("ENV RUST_VERSION={}", toolchain.version),
        ]);
    }

    eprintln!("{image}: docker import");
    cmd!(sh, "tar --numeric-owner -C {rootfs} -cf {archive} .")
        .quiet()
        .run()
        .map_err(|e| format!("{image}: cannot archive the root file system: {e}"))?;
    let change_args: Vec<String> = changes.iter().flat_map(|c| ["--change".to_owned(), c.clone()]).collect();
    let imported = cmd!(sh, "docker import {change_args...} {archive} {image}").quiet().ignore_stdout().run();
    remove(&rootfs)?;
    let _ = std::fs::remove_file(&archive);
    imported.map_err(|e| format!("{image}: docker import failed: {e}"))?;

    // The image must do what a build will ask of it.
    let check = match &base.recipe {
        Recipe::Debian { .. } => {
            cmd!(sh, "docker run --rm --network none {image} cat /etc/debian_version").quiet().read()
        }
        Recipe::Rust { .. } => cmd!(sh, "docker run --rm --network none {image} cargo --version").quiet().read(),
    };
    let answer = check.map_err(|e| format!("{image}: made, but it does not run: {e}"))?;
    eprintln!("{image}: made ({})", answer.trim());
    Ok(())
}

/// What `-slim` leaves out and a build never reads: apt's caches, documentation, manual pages.
fn trim(rootfs: &Path) -> Result<(), String> {
    for dir in ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info"] {
        let dir = rootfs.join(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else if path.file_name().is_some_and(|n| n != "lock" && n != "partial") {
                std::fs::remove_file(&path)
            } else {
                Ok(())
            }
            .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Makes the image trust the certificate authorities this host trusts beyond Debian's own bundle
/// (a company or sandbox proxy that intercepts TLS, say): builds inside the image reach crates.io
/// and Debian's mirror through the same network as the host. Returns how many were added; none
/// on a host that trusts only Debian's bundle.
fn add_host_trust(rootfs: &Path) -> Result<usize, String> {
    let host_bundle = std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("/etc/ssl/certs/ca-certificates.crt"));
    let Ok(host) = std::fs::read_to_string(&host_bundle) else { return Ok(0) };
    let image_bundle = rootfs.join("etc/ssl/certs/ca-certificates.crt");
    let image = std::fs::read_to_string(&image_bundle).unwrap_or_default();
    let known: std::collections::HashSet<String> = pem_certificates(&image).map(|(_, body)| body).collect();
    let extra: Vec<String> =
        pem_certificates(&host).filter(|(_, body)| !known.contains(body)).map(|(pem, _)| pem).collect();
    if extra.is_empty() {
        return Ok(0);
    }
    let local = rootfs.join("usr/local/share/ca-certificates");
    std::fs::create_dir_all(&local).map_err(|e| format!("cannot create {}: {e}", local.display()))?;
    let mut bundle = image;
    for (n, pem) in extra.iter().enumerate() {
        // Kept where `update-ca-certificates` looks, so a later run in the image keeps them.
        let file = local.join(format!("hoist-host-{n}.crt"));
        std::fs::write(&file, pem).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        if !bundle.ends_with('\n') && !bundle.is_empty() {
            bundle.push('\n');
        }
        bundle.push_str(pem);
    }
    std::fs::write(&image_bundle, bundle).map_err(|e| format!("cannot write {}: {e}", image_bundle.display()))?;
    Ok(extra.len())
}

/// The certificates of a PEM bundle: each as (its PEM text, its base64 body without whitespace).
fn pem_certificates(bundle: &str) -> impl Iterator<Item = (String, String)> + '_ {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    bundle.split(BEGIN).skip(1).filter_map(|rest| {
        let (body, _) = rest.split_once(END)?;
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        Some((format!("{BEGIN}{body}{END}\n"), compact))
    })
}

/// Copies the host's toolchain into the image's root, where the official image keeps it.
fn install_toolchain(sh: &Shell, toolchain: &Toolchain, rootfs: &Path) -> Result<(), String> {
    let name = format!("{}-x86_64-unknown-linux-gnu", toolchain.version);
    let target = rootfs.join("usr/local/rustup/toolchains").join(&name);
    let bin = target.join("bin");
    let cargo_bin = rootfs.join("usr/local/cargo/bin");
    for dir in [&bin, &cargo_bin] {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let source = &toolchain.sysroot;
    let lib = source.join("lib");
    cmd!(sh, "cp -a {lib} {target}").quiet().run().map_err(|e| format!("cannot copy the toolchain: {e}"))?;
    for tool in ["cargo", "rustc", "rustdoc"] {
        let from = source.join("bin").join(tool);
        cmd!(sh, "cp -a {from} {bin}").quiet().run().map_err(|e| format!("cannot copy {tool}: {e}"))?;
        let link = cargo_bin.join(tool);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(format!("/usr/local/rustup/toolchains/{name}/bin/{tool}"), &link)
            .map_err(|e| format!("cannot link {}: {e}", link.display()))?;
    }
    Ok(())
}

fn remove(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_for_the_images_it_can_make() {
        assert_eq!(recipe_for("debian:bookworm-slim"), Some(Recipe::Debian { suite: "bookworm".into() }));
        assert_eq!(recipe_for("docker.io/library/debian:trixie"), Some(Recipe::Debian { suite: "trixie".into() }));
        assert_eq!(
            recipe_for("rust:1.95-bookworm"),
            Some(Recipe::Rust { version: "1.95".into(), suite: "bookworm".into() })
        );
        assert_eq!(
            recipe_for("rust:1.95.0-bookworm"),
            Some(Recipe::Rust { version: "1.95.0".into(), suite: "bookworm".into() })
        );
        for other in ["rust:latest", "rust:1-bookworm", "alpine:3", "debian", "rust:1.95-slim-bookworm", "nginx:1.27"] {
            assert_eq!(recipe_for(other), None, "{other}");
        }
    }

    #[test]
    fn host_trust_adds_only_certificates_the_image_lacks() {
        let cert = |body: &str| format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        let dir = std::env::temp_dir().join(format!("hoist-trust-{}", std::process::id()));
        let certs = dir.join("rootfs/etc/ssl/certs");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::write(certs.join("ca-certificates.crt"), cert("QUFB") + &cert("QkJC")).unwrap();
        // The host's bundle has the same two (one wrapped differently) plus one more.
        let host = dir.join("host.crt");
        std::fs::write(&host, cert("QkJC\n") + &cert("QUFB") + &cert("Q0ND")).unwrap();
        let found: Vec<String> = pem_certificates(&std::fs::read_to_string(&host).unwrap()).map(|(_, b)| b).collect();
        assert_eq!(found, ["QkJC", "QUFB", "Q0ND"]);
        // SAFETY: this test is the only one in the process reading SSL_CERT_FILE.
        unsafe { std::env::set_var("SSL_CERT_FILE", &host) };
        let added = add_host_trust(&dir.join("rootfs")).unwrap();
        unsafe { std::env::remove_var("SSL_CERT_FILE") };
        assert_eq!(added, 1);
        let bundle = std::fs::read_to_string(certs.join("ca-certificates.crt")).unwrap();
        assert_eq!(bundle, cert("QUFB") + &cert("QkJC") + &cert("Q0ND"));
        let local =
            std::fs::read_to_string(dir.join("rootfs/usr/local/share/ca-certificates/hoist-host-0.crt")).unwrap();
        assert_eq!(local, cert("Q0ND"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bases_expand_global_arg_defaults_and_skip_stages() {
        let dir = std::env::temp_dir().join(format!("hoist-provision-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dockerfile = dir.join("Dockerfile");
        std::fs::write(
            &dockerfile,
            "ARG RUST_IMAGE=rust:1.95-bookworm\nARG DEBIAN_IMAGE=\"debian:bookworm-slim\"\n\
             FROM ${RUST_IMAGE} AS builder\nRUN true\nFROM $DEBIAN_IMAGE AS release\nFROM builder AS tester\nFROM scratch\n",
        )
        .unwrap();
        let bases = bases_of(&dockerfile).unwrap();
        let images: Vec<&str> = bases.iter().map(|b| b.image.as_str()).collect();
        assert_eq!(images, ["rust:1.95-bookworm", "debian:bookworm-slim"]);

        std::fs::write(&dockerfile, "FROM alpine:3 AS x\n").unwrap();
        let error = bases_of(&dockerfile).err().unwrap();
        assert!(error.contains("not `alpine:3`; pull it (`docker pull alpine:3`)"), "{error}");

        std::fs::write(&dockerfile, "ARG BASE\nFROM ${BASE}\n").unwrap();
        let error = bases_of(&dockerfile).err().unwrap();
        assert!(error.contains("uses an ARG without a default"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
