//! The comparisons. Each prepares its own scratch project and returns its measurements, or
//! says why it could not run (a peer that is missing and cannot be installed).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use xshell::{Shell, cmd};

use super::report::CompileTimes;
use super::{Comparison, Goal, Options, Runner};

type CaseFn = fn(&Shell, &Path, &Options) -> Result<Vec<Comparison>, String>;

/// One named group of comparisons.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) run: CaseFn,
}

pub(crate) fn all() -> Vec<Case> {
    vec![
        Case { name: "startup", run: startup },
        Case { name: "bump", run: bump },
        Case { name: "exists", run: exists_check },
        Case { name: "build", run: build },
        Case { name: "tls-engine", run: tls_build },
        Case { name: "context", run: big_context },
        Case { name: "push", run: push },
        Case { name: "skip", run: skip_path },
        Case { name: "promotion-diff", run: promotion_diff },
    ]
}

/// `hoist version` against a `just version` recipe, both compiled binaries.
fn startup(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let just = peer_just(sh)?;
    let dir = tempfile_dir()?;
    std::fs::write(dir.join("hoist.toml"), "registry = \"registry.example.com/nuremberg\"\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(dir.join(".bumpversion.toml"), "[tool.bumpversion]\ncurrent_version = \"0.5.146\"\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("justfile"),
        "IMAGE_REGISTRY := 'registry.example.com/nuremberg'\nVERSION := 'v0.5.146'\nprNum := env_var_or_default('prNum', '')\n\nversion:\n    @[[ -n \"{{prNum}}\" ]] && echo {{VERSION}}-{{prNum}} || echo {{VERSION}}\n\nset shell := [\"/bin/bash\", \"-c\"]\n",
    )
    .map_err(|e| e.to_string())?;
    let runner = Runner { rounds: options.rounds * 5 };
    let (h, p) = runner
        .compare(|| Ok(()), &|| command(sh, &dir, hoist, &["version"]), &|| command(sh, &dir, &just, &["version"]))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![Comparison {
        name: "`version` start-up".into(),
        hoist: h,
        peer_name: "`just version`".into(),
        peer: p,
        goal: Goal::None,
    }])
}

/// A command for `program ARGS` in `dir`, built with `cmd!`.
pub(crate) fn command(sh: &Shell, dir: &Path, program: &Path, args: &[&str]) -> Command {
    let _guard = sh.push_dir(dir);
    let mut command: Command = cmd!(sh, "{program} {args...}").quiet().into();
    command.current_dir(dir);
    command
}

/// `just` from `PATH`, else installed from crates.io into `target/bench-tools`.
pub(crate) fn peer_just(sh: &Shell) -> Result<std::path::PathBuf, String> {
    if let Ok(path) = cmd!(sh, "sh -c 'command -v just'").quiet().read()
        && !path.is_empty()
    {
        return Ok(path.into());
    }
    let root = sh.current_dir().join("target/bench-tools");
    let just = root.join("bin/just");
    if !just.exists() {
        eprintln!("installing just from crates.io into {}", root.display());
        cmd!(sh, "cargo install --quiet --locked --root {root} just").run().map_err(|e| {
            format!("`just` is not installed and `cargo install just` failed ({e}): install it and run again")
        })?;
    }
    Ok(just)
}

pub(crate) fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("hoist-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// The cold compile of the xtask in an empty target directory, then the rebuild after
/// touching one library file.
pub(crate) fn compile_times(sh: &Shell, root: &Path) -> Result<CompileTimes, String> {
    let target = tempfile_dir()?;
    let _env = sh.push_env("CARGO_TARGET_DIR", &target);
    let time = |what: &str| -> Result<Duration, String> {
        let start = Instant::now();
        cmd!(sh, "cargo build --quiet --locked -p xtask").run().map_err(|e| format!("{what} build failed: {e}"))?;
        Ok(start.elapsed())
    };
    let cold = time("cold")?;
    let touched = "crates/hoist-naming/src/lib.rs";
    let file = std::fs::File::options().append(true).open(root.join(touched)).map_err(|e| e.to_string())?;
    file.set_modified(std::time::SystemTime::now()).map_err(|e| e.to_string())?;
    let incremental = time("incremental")?;
    let _ = std::fs::remove_dir_all(&target);
    Ok(CompileTimes { cold, incremental, touched: touched.into() })
}

/// A scratch project for image benchmarks: `hoist.toml`, `.bumpversion.toml` and `dockerfile`.
fn image_project(registry: &str, dockerfile: &str) -> Result<std::path::PathBuf, String> {
    let dir = tempfile_dir()?;
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).map_err(|e| e.to_string());
    write("hoist.toml", &format!("registry = \"{registry}\"\n"))?;
    write(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.0.0\"\n")?;
    write("Dockerfile", dockerfile)?;
    Ok(dir)
}

/// The remote exists-check: `hoist exists` against `skopeo inspect` and `docker manifest inspect`.
fn exists_check(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let registry = hoist_test_support::registry::Registry::start();
    registry.push_local_image(hoist_test_support::engine::base_image(), "app", "v1");
    let reference = format!("{}/app:v1", registry.host());
    let dir = tempfile_dir()?;
    let runner = Runner { rounds: options.rounds * 2 };
    let skopeo_ref = format!("docker://{reference}");
    let hoist_cmd = || command(sh, &dir, hoist, &["exists", &reference]);
    let (h1, skopeo) = runner.compare(|| Ok(()), &hoist_cmd, &|| {
        command(sh, &dir, Path::new("skopeo"), &["inspect", "--tls-verify=false", "--raw", &skopeo_ref])
    })?;
    let (h2, docker) = runner.compare(|| Ok(()), &hoist_cmd, &|| {
        command(sh, &dir, Path::new("docker"), &["manifest", "inspect", "--insecure", &reference])
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![
        Comparison {
            name: "registry exists-check (hit)".into(),
            hoist: h1,
            peer_name: "`skopeo inspect --raw`".into(),
            peer: skopeo,
            goal: Goal::FasterBy(5.0),
        },
        Comparison {
            name: "registry exists-check (hit)".into(),
            hoist: h2,
            peer_name: "`docker manifest inspect`".into(),
            peer: docker,
            goal: Goal::FasterBy(5.0),
        },
    ])
}

/// Building one stage, cold and cached: hoist (the engine's BuildKit) against `docker build`
/// with the classic builder, the only one the packaged docker CLI can drive.
fn build(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let base = hoist_test_support::engine::base_image();
    let name = hoist_test_support::unique_name("bench-build");
    let dockerfile = format!(
        "FROM {base} AS deps\nRUN for i in $(seq 1 2000); do echo line $i; done > /deps.txt\n\nFROM deps AS release\nCOPY app.txt /app/app.txt\nRUN sha256sum /deps.txt /app/app.txt > /app/sums\n"
    );
    let dir = image_project(&format!("localhost/{name}"), &dockerfile)?;
    std::fs::write(dir.join("app.txt"), "application\n").map_err(|e| e.to_string())?;
    let compared = compare_builds(sh, hoist, options, &dir, &name, &|_| {});
    let tags = [format!("localhost/{name}:peer"), format!("localhost/{name}:v1.0.0"), format!("localhost/{name}:last")];
    let _ = cmd!(sh, "docker image rm --force {tags...}").quiet().ignore_stdout().ignore_stderr().run();
    let _ = std::fs::remove_dir_all(&dir);
    let ((hc, pc), (hw, pw)) = compared?;
    let peer = "`docker build` (classic)";
    Ok(vec![
        comparison("build a stage, cold (`--no-cache`)", hc, peer, pc),
        comparison("build a stage, cached", hw, peer, pw),
    ])
}

/// Building one stage through a remote engine: a second `dockerd` on a loopback TLS port
/// (`hoist_test_support::remote`), hoist against `docker build` (classic) through the same
/// engine with the same `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`.
fn tls_build(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let engine = hoist_test_support::remote::SecondEngine::start();
    let name = hoist_test_support::unique_name("bench-tls");
    let dockerfile = "FROM scratch AS deps\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN for i in $(seq 1 2000); do echo line $i; done > /deps.txt\n\nFROM deps AS release\nCOPY app.txt /app/app.txt\nRUN sha256sum /deps.txt /app/app.txt > /app/sums\n";
    let dir = image_project(&format!("localhost/{name}"), dockerfile)?;
    std::fs::write(dir.join("app.txt"), "application\n").map_err(|e| e.to_string())?;
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or("no static busybox (`apt-get install busybox-static`)")?;
    std::fs::copy(busybox, dir.join("busybox")).map_err(|e| e.to_string())?;
    let tls = |command: &mut Command| {
        command
            .env("DOCKER_HOST", engine.tcp())
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", engine.certs().dir())
            .env_remove("DOCKER_CONTEXT");
    };
    let compared = compare_builds(sh, hoist, options, &dir, &name, &tls);
    let _ = std::fs::remove_dir_all(&dir);
    let ((hc, pc), (hw, pw)) = compared?;
    let peer = "`docker build` (classic), same engine";
    Ok(vec![
        comparison("build a stage through a TLS engine, cold (`--no-cache`)", hc, peer, pc),
        comparison("build a stage through a TLS engine, cached", hw, peer, pw),
    ])
}

type Pair = (super::Measurement, super::Measurement);

/// `hoist build release` against `docker build --target release` (classic) in `dir`, cold
/// (`--no-cache`) and cached; `engine` sets the engine variables of both commands.
fn compare_builds(
    sh: &Shell,
    hoist: &Path,
    options: &Options,
    dir: &Path,
    name: &str,
    engine: &dyn Fn(&mut Command),
) -> Result<(Pair, Pair), String> {
    let runner = Runner { rounds: options.rounds.min(5) };
    let peer_tag = format!("localhost/{name}:peer");
    let docker = |no_cache: bool| {
        let tag = peer_tag.clone();
        move || {
            let mut args = vec!["build", "--quiet", "--target", "release", "-t", &tag];
            if no_cache {
                args.push("--no-cache");
            }
            args.push(".");
            let mut c = command(sh, dir, Path::new("docker"), &args);
            c.env("DOCKER_BUILDKIT", "0");
            engine(&mut c);
            c
        }
    };
    let hoist_build = |no_cache: bool| {
        move || {
            let mut args = vec!["build", "release", "--progress", "quiet"];
            if no_cache {
                args.push("--no-cache");
            }
            let mut c = command(sh, dir, hoist, &args);
            engine(&mut c);
            c
        }
    };
    let cold = runner.compare(|| Ok(()), &hoist_build(true), &docker(true))?;
    let cached = runner.compare(|| Ok(()), &hoist_build(false), &docker(false))?;
    Ok((cold, cached))
}

/// A build comparison whose goal is hoist's time at most 1.05× the peer's.
fn comparison(name: &str, hoist: super::Measurement, peer_name: &str, peer: super::Measurement) -> Comparison {
    Comparison { name: name.into(), hoist, peer_name: peer_name.into(), peer, goal: Goal::AtMost(1.05) }
}

/// A 1 GiB context in 10,000 files of which `.dockerignore` excludes 90%: hoist streams the
/// tar; the docker CLI builds it first.
fn big_context(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let base = hoist_test_support::engine::base_image();
    let name = hoist_test_support::unique_name("bench-context");
    let dir = image_project(&format!("localhost/{name}"), &format!("FROM {base} AS release\nCOPY . /context\n"))?;
    std::fs::write(dir.join(".dockerignore"), "data/**/*.bin\n").map_err(|e| e.to_string())?;
    let chunk = vec![0x5au8; 107_374];
    for i in 0..10_000 {
        let sub = dir.join(format!("data/{:02}", i % 100));
        std::fs::create_dir_all(&sub).map_err(|e| e.to_string())?;
        let file = if i % 10 == 0 { sub.join(format!("{i}.txt")) } else { sub.join(format!("{i}.bin")) };
        std::fs::write(file, &chunk).map_err(|e| e.to_string())?;
    }
    let runner = Runner { rounds: options.rounds.min(3) };
    let peer_tag = format!("localhost/{name}:peer");
    let (h, p) = runner.compare(
        || Ok(()),
        &|| command(sh, &dir, hoist, &["build", "release", "--progress", "quiet"]),
        &|| {
            let mut c = command(sh, &dir, Path::new("docker"), &["build", "--quiet", "-t", &peer_tag, "."]);
            c.env("DOCKER_BUILDKIT", "0");
            c
        },
    )?;
    let tags = [peer_tag.clone(), format!("localhost/{name}:v1.0.0"), format!("localhost/{name}:last")];
    let _ = cmd!(sh, "docker image rm --force {tags...}").quiet().ignore_stdout().ignore_stderr().run();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![
        Comparison {
            name: "1 GiB context, 10,000 files, 90% ignored: time".into(),
            hoist: h.clone(),
            peer_name: "`docker build` (classic)".into(),
            peer: p.clone(),
            goal: Goal::AtMost(1.0),
        },
        Comparison {
            name: "1 GiB context, 10,000 files, 90% ignored: memory".into(),
            hoist: h,
            peer_name: "`docker build` (classic)".into(),
            peer: p,
            goal: Goal::PeakRssMib(64),
        },
    ])
}

/// Pushing a 50 MiB image to an empty registry: `hoist push` against `docker push`.
fn push(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let base = hoist_test_support::engine::base_image();
    let name = hoist_test_support::unique_name("bench-push");
    let registry = std::cell::RefCell::new(hoist_test_support::registry::Registry::start());
    let project = |host: &str| {
        image_project(
            &format!("{host}/{name}"),
            &format!("FROM {base} AS release\nRUN head -c 52428800 /dev/urandom > /payload\n"),
        )
    };
    let dir = project(&registry.borrow().host())?;
    cmd!(sh, "{hoist} -C {dir} build release --progress quiet")
        .quiet()
        .ignore_stdout()
        .run()
        .map_err(|e| e.to_string())?;
    let local = format!("{}/{name}:v1.0.0", registry.borrow().host());
    let runner = Runner { rounds: options.rounds.min(5) };
    // Every run pushes to a fresh, empty registry on the same port range; the image is
    // retagged for it before the run (not measured).
    let target = std::cell::RefCell::new(String::new());
    let prepare = || -> Result<(), String> {
        *registry.borrow_mut() = hoist_test_support::registry::Registry::start();
        let host = registry.borrow().host();
        std::fs::write(dir.join("hoist.toml"), format!("registry = \"{host}/{name}\"\n")).map_err(|e| e.to_string())?;
        let tagged = format!("{host}/{name}:v1.0.0");
        cmd!(sh, "docker tag {local} {tagged}").quiet().run().map_err(|e| e.to_string())?;
        *target.borrow_mut() = tagged;
        Ok(())
    };
    let (h, p) = runner.compare(
        prepare,
        // `hoist push` is the whole target: a (cached) build, then both tags of the release
        // step (`v1.0.0` and `last`, the same digest).
        &|| command(sh, &dir, hoist, &["push", "--progress", "quiet"]),
        &|| command(sh, &dir, Path::new("docker"), &["push", "--quiet", &target.borrow()]),
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![Comparison {
        name: "push 50 MiB to an empty registry (`hoist push`: cached build + 2 tags)".into(),
        hoist: h,
        peer_name: "`docker push`".into(),
        peer: p,
        goal: Goal::AtMost(1.05),
    }])
}

/// The bump benchmark's repository: shaped like the original project, six versioned files and
/// two serialize formats, with commit and tag on.
const BUMP_CONFIG: &str = r#"[tool.bumpversion]
current_version = "0.5.146"
parse = "(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)(-r(?P<build>\\d+))?"
serialize = ["{major}.{minor}.{patch}-r{build}", "{major}.{minor}.{patch}"]
commit = true
tag = true
allow_dirty = false

[tool.bumpversion.parts.build]
first_value = "0"

[[tool.bumpversion.files]]
filename = "Dockerfile"

[[tool.bumpversion.files]]
filename = "docker-compose.ci.yml"

[[tool.bumpversion.files]]
filename = "docker-compose.solr-build.yml"

[[tool.bumpversion.files]]
filename = "chart/Chart.yaml"

[[tool.bumpversion.files]]
filename = "justfile"

[[tool.bumpversion.files]]
filename = "web/nuremberg/__init__.py"
"#;

fn bump_repo(sh: &Shell) -> Result<std::path::PathBuf, String> {
    let dir = tempfile_dir()?;
    let files: [(&str, &str); 7] = [
        (".bumpversion.toml", BUMP_CONFIG),
        ("Dockerfile", "FROM python:3.10 AS release\nENV IMAGE_VERSION v0.5.146\n"),
        ("docker-compose.ci.yml", "services:\n  web:\n    image: registry.example.com/nuremberg:v0.5.146-tester\n"),
        (
            "docker-compose.solr-build.yml",
            "services:\n  solr:\n    image: registry.example.com/nuremberg:v0.5.146-solr\n",
        ),
        ("chart/Chart.yaml", "apiVersion: v2\nname: nuremberg\nversion: 0.5.146\nappVersion: v0.5.146\n"),
        ("justfile", "VERSION := 'v0.5.146'\n\nversion:\n    @echo {{VERSION}}\n"),
        ("web/nuremberg/__init__.py", "__version__ = \"0.5.146\"\n"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| e.to_string())?;
    }
    let _dir = sh.push_dir(&dir);
    let git = |args: &[&str]| cmd!(sh, "git {args...}").quiet().ignore_stdout().run().map_err(|e| e.to_string());
    git(&["init", "--quiet", "--initial-branch=main"])?;
    git(&["config", "user.name", "bench"])?;
    git(&["config", "user.email", "bench@hoist.invalid"])?;
    git(&["add", "--all"])?;
    git(&["commit", "--quiet", "-m", "Initial"])?;
    Ok(dir)
}

/// `bump patch` without git, and with commit and tag: hoist against bump-my-version, each in
/// its own copy of the same repository, reset before every run.
fn bump(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let bmv = peer_bump_my_version(sh)?;
    let (ours, theirs) = (bump_repo(sh)?, bump_repo(sh)?);
    let reset = || -> Result<(), String> {
        for dir in [&ours, &theirs] {
            let _dir = sh.push_dir(dir);
            let _ = cmd!(sh, "git tag -d v0.5.147").quiet().ignore_stdout().ignore_stderr().run();
            let initial = cmd!(sh, "git rev-list --max-parents=0 HEAD").quiet().read().map_err(|e| e.to_string())?;
            cmd!(sh, "git reset --quiet --hard {initial}").quiet().run().map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let runner = Runner { rounds: options.rounds };
    let (h1, p1) =
        runner.compare(reset, &|| command(sh, &ours, hoist, &["bump", "patch", "--no-commit", "--no-tag"]), &|| {
            command(sh, &theirs, &bmv, &["bump", "patch", "--no-commit", "--no-tag"])
        })?;
    let (h2, p2) = runner.compare(reset, &|| command(sh, &ours, hoist, &["bump", "patch"]), &|| {
        command(sh, &theirs, &bmv, &["bump", "patch"])
    })?;
    let _ = std::fs::remove_dir_all(&ours);
    let _ = std::fs::remove_dir_all(&theirs);
    Ok(vec![
        Comparison {
            name: "`bump patch --no-commit --no-tag` (6 files)".into(),
            hoist: h1,
            peer_name: "bump-my-version 1.8.1".into(),
            peer: p1,
            goal: Goal::FasterBy(200.0),
        },
        Comparison {
            name: "`bump patch` with commit + tag (6 files)".into(),
            hoist: h2,
            peer_name: "bump-my-version 1.8.1".into(),
            peer: p2,
            goal: Goal::FasterBy(40.0),
        },
    ])
}

/// bump-my-version 1.8.1 from `HOIST_BMV`, `/opt/bmv`, or installed there by `.ci/install-bump-my-version`.
pub(crate) fn peer_bump_my_version(sh: &Shell) -> Result<std::path::PathBuf, String> {
    if let Ok(path) = std::env::var("HOIST_BMV") {
        return Ok(path.into());
    }
    let venv = std::env::var("HOIST_BMV_VENV").unwrap_or_else(|_| "/opt/bmv".into());
    let bmv = Path::new(&venv).join("bin/bump-my-version");
    if !bmv.exists() {
        cmd!(sh, ".ci/install-bump-my-version")
            .run()
            .map_err(|e| format!("bump-my-version is not installed and `.ci/install-bump-my-version` failed ({e})"))?;
    }
    Ok(bmv)
}

/// `hoist build` when nothing changed (the skip path) against a cached `docker build`.
fn skip_path(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    let base = hoist_test_support::engine::base_image();
    let name = hoist_test_support::unique_name("bench-skip");
    let dockerfile = format!(
        "FROM {base} AS release\nRUN echo release > /r\n\nFROM release AS tester\nCOPY app.txt /app.txt\nRUN cat /app.txt\n"
    );
    let dir = image_project(&format!("localhost/{name}"), &dockerfile)?;
    std::fs::write(dir.join("app.txt"), "application\n").map_err(|e| e.to_string())?;
    cmd!(sh, "{hoist} -C {dir} build tester --progress quiet")
        .quiet()
        .ignore_stdout()
        .run()
        .map_err(|e| e.to_string())?;
    let peer_tag = format!("localhost/{name}:peer");
    let runner = Runner { rounds: options.rounds };
    let (h, p) = runner.compare(
        || Ok(()),
        &|| command(sh, &dir, hoist, &["build", "tester", "--progress", "quiet"]),
        &|| {
            let mut c = command(
                sh,
                &dir,
                Path::new("docker"),
                &["build", "--quiet", "--target", "tester", "-t", &peer_tag, "."],
            );
            c.env("DOCKER_BUILDKIT", "0");
            c
        },
    )?;
    let tags = [peer_tag, format!("localhost/{name}:v1.0.0-tester")];
    let _ = cmd!(sh, "docker image rm --force {tags...}").quiet().ignore_stdout().ignore_stderr().run();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![Comparison {
        name: "`build tester` with nothing changed (skip path)".into(),
        hoist: h,
        peer_name: "cached `docker build` (classic)".into(),
        peer: p,
        goal: Goal::FasterBy(5.0),
    }])
}

/// The peer of `hoist diff --from --to`: what a workflow step does by hand. Both sides into
/// `git worktree`s, each release rendered, one `diff -u` of each release's renderings.
const DIFF_BY_HAND: &str = r#"set -eu
tmp=$(mktemp -d)
git fetch --quiet origin releases/test candidates/main
git worktree add --quiet --detach "$tmp/old" origin/releases/test
git worktree add --quiet --detach "$tmp/new" origin/candidates/main
for side in old new; do
  kubectl kustomize "$tmp/$side/deploy/test" > "$tmp/$side-web.yaml"
  helm dependency update "$tmp/$side/charts/worker" > /dev/null
  helm template worker "$tmp/$side/charts/worker" --namespace worker-test --values "$tmp/$side/values/worker-test.yaml" > "$tmp/$side-worker.yaml"
done
{ diff -u "$tmp/old-web.yaml" "$tmp/new-web.yaml"; diff -u "$tmp/old-worker.yaml" "$tmp/new-worker.yaml"; } > "$tmp/diff.md" || true
git worktree remove --force "$tmp/old"
git worktree remove --force "$tmp/new"
rm -rf "$tmp"
"#;

/// `hoist diff test --from candidates/main --to releases/test` (a kustomize and a helm
/// release, both sides rendered and compared per resource) against the same by hand.
fn promotion_diff(sh: &Shell, hoist: &Path, options: &Options) -> Result<Vec<Comparison>, String> {
    for program in ["kubectl", "helm"] {
        let path = std::env::var_os("PATH").unwrap_or_default();
        if !std::env::split_paths(&path).any(|dir| dir.join(program).is_file()) {
            return Err(format!("`{program}` is not installed: `.ci/run` installs it"));
        }
    }
    let root = tempfile_dir()?;
    let (remote, work) = (root.join("remote.git"), root.join("work"));
    let git = |dir: &Path, args: &[&str]| -> Result<(), String> {
        let _guard = sh.push_dir(dir);
        cmd!(sh, "git {args...}").quiet().ignore_stdout().run().map_err(|e| e.to_string())
    };
    git(&root, &["init", "--quiet", "--bare", "--initial-branch=main", &remote.display().to_string()])?;
    git(&root, &["init", "--quiet", "--initial-branch=main", &work.display().to_string()])?;
    git(&work, &["remote", "add", "origin", &remote.display().to_string()])?;
    let write = |name: &str, text: &str| -> Result<(), String> {
        let path = work.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| e.to_string())
    };
    let repo = "registry.example.com/app";
    let side = |tag: &str| -> Result<(), String> {
        write("hoist.toml", &format!("registry = \"{repo}\"\n"))?;
        write(
            "channels/test.yaml",
            "releases:\n  - name: web\n    driver: kustomize\n    kustomize_dir: deploy/test\n  - name: worker\n    driver: helm\n    namespace: worker-test\n    helm_name: worker\n    helm_chart: charts/worker\n    helm_values:\n      - values/worker-test.yaml\n",
        )?;
        let mut resources = String::new();
        for n in 0..20 {
            write(
                &format!("deploy/test/app-{n}.yaml"),
                &format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{n}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app\n"
                ),
            )?;
            resources.push_str(&format!("- app-{n}.yaml\n"));
        }
        write(
            "deploy/test/kustomization.yaml",
            &format!(
                "namespace: web-test\nresources:\n{resources}images:\n- name: app\n  newName: {repo}\n  newTag: {tag}\n"
            ),
        )?;
        write("charts/worker/Chart.yaml", "apiVersion: v2\nname: worker\nversion: 0.1.0\n")?;
        write(
            "charts/worker/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n",
        )?;
        write("values/worker-test.yaml", &format!("image:\n  repository: {repo}\n  tag: {tag}\n"))?;
        git(&work, &["add", "--all"])?;
        git(&work, &["-c", "user.name=bench", "-c", "user.email=bench@hoist.invalid", "commit", "--quiet", "-m", tag])
    };
    side("v1.0.0")?;
    git(&work, &["push", "--quiet", "origin", "main:refs/heads/releases/test"])?;
    side("v1.1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")?;
    git(&work, &["push", "--quiet", "origin", "main:refs/heads/candidates/main"])?;
    git(&work, &["fetch", "--quiet", "origin"])?;
    let diff =
        format!("{} diff test --from candidates/main --to releases/test > /dev/null; test $? -eq 1", hoist.display());
    let runner = Runner { rounds: options.rounds };
    let (h, p) = runner.compare(|| Ok(()), &|| command(sh, &work, Path::new("sh"), &["-c", &diff]), &|| {
        command(sh, &work, Path::new("bash"), &["-c", DIFF_BY_HAND])
    })?;
    let _ = std::fs::remove_dir_all(&root);
    Ok(vec![Comparison {
        name: "`diff test --from candidates/main --to releases/test` (21 resources, kustomize + helm)".into(),
        hoist: h,
        peer_name: "worktrees + `kubectl kustomize` + `helm template` + `diff -u` in bash".into(),
        peer: p,
        goal: Goal::AtMost(1.1),
    }])
}
