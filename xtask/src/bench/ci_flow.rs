//! The `ci` comparison: `hoist ci` against the same CI flow written by hand in the style hoist
//! replaces (`by-hand/justfile` and `by-hand/workflow.sh`: docker CLI, docker-compose,
//! bump-my-version, git), on copies of `examples/nuremberg-mini`, over five CI events.
//!
//! Each round makes two fresh copies of the example, each with its own bare git remote and its
//! own registry, and drives both through the same events: a squash-merged pull request with
//! new data, a direct push, a rerun with nothing new (the local version tag deleted, as in a
//! shallow checkout), a merged pull request (merge commit) with new data, and a pull request
//! with new data. Event by event the two flows run one after the other, the order alternating
//! from round to round so that neither always finds the other's build cache warm. After every
//! event the two copies must agree from outside (the last commit's subject, the remote's refs,
//! the registry's tags), or the comparison is refused: it measures the same work or nothing.
//! The registries' access logs give each event's request count and the bytes of blobs pulled.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hoist_test_support::registry::Registry;
use xshell::{Shell, cmd};

use super::Options;
use super::cases::{command, peer_bump_my_version, peer_just, tempfile_dir};
use super::measure::run_once;

const JUSTFILE: &str = include_str!("by-hand/justfile");
const WORKFLOW: &str = include_str!("by-hand/workflow.sh");

/// The five events, in the order they happen.
pub(crate) const EVENTS: [&str; 5] = [
    "merged PR (squash), new data",
    "direct push",
    "rerun, nothing new",
    "merged PR (merge commit), new data",
    "pull request, new data",
];

/// What one flow cost on one event, over the measured rounds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Costs {
    pub(crate) times: Vec<Duration>,
    pub(crate) requests: Vec<usize>,
    pub(crate) bytes_pulled: Vec<u64>,
    /// Images the engine pulled (manifest reads by the engine on a client's behalf).
    pub(crate) engine_pulls: Vec<usize>,
}

/// The comparison's results: per event, the hand flow's and hoist's costs.
#[derive(Debug)]
pub(crate) struct CiReport {
    pub(crate) rounds: usize,
    pub(crate) hand: Vec<Costs>,
    pub(crate) hoist: Vec<Costs>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Hoist,
    Hand,
}

/// One copy of the example with its remote and registry.
struct Flow {
    kind: Kind,
    dir: PathBuf,
    registry: Registry,
    name: String,
    path_env: String,
}

pub(crate) fn run(sh: &Shell, hoist: &Path, options: &Options) -> Result<CiReport, String> {
    hoist_test_support::engine::check(&hoist_test_support::engine::docker_host())?;
    hoist_test_support::engine::base_image();
    let just = peer_just(sh)?;
    let bmv = peer_bump_my_version(sh)?;
    let docker = buildkit_docker(sh)?;
    let tools =
        [Some(docker.as_path()), just.parent(), bmv.parent()].into_iter().flatten().map(|p| p.display().to_string());
    let path_env = tools.chain(std::env::var("PATH").ok()).collect::<Vec<_>>().join(":");
    // Each round is five events twice, about a minute: half the rounds of the quick comparisons.
    let rounds = options.rounds.div_ceil(2);
    let mut report = CiReport { rounds, hand: vec![Costs::default(); 5], hoist: vec![Costs::default(); 5] };
    for round in 0..=rounds {
        eprintln!("ci: round {round} of {rounds}{}", if round == 0 { " (warm-up)" } else { "" });
        let flows = [Flow::new(sh, Kind::Hoist, &path_env)?, Flow::new(sh, Kind::Hand, &path_env)?];
        let result = (|| {
            for (event, _) in EVENTS.iter().enumerate() {
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for i in order {
                    let flow = &flows[i];
                    flow.prepare(sh, event)?;
                    let before = flow.registry.log().len();
                    let (time, _) =
                        run_once(flow.command(sh, hoist, event)).map_err(|e| format!("event {}: {e}", event + 1))?;
                    let counts = access_log(&flow.registry.log()[before..]);
                    if round > 0 {
                        let costs = match flow.kind {
                            Kind::Hoist => &mut report.hoist[event],
                            Kind::Hand => &mut report.hand[event],
                        };
                        costs.times.push(time);
                        costs.requests.push(counts.requests);
                        costs.bytes_pulled.push(counts.blob_bytes);
                        costs.engine_pulls.push(counts.engine_pulls);
                    }
                }
                let (a, b) = (flows[0].outcome(sh)?, flows[1].outcome(sh)?);
                if a != b {
                    return Err(format!(
                        "after event {} ({}) `hoist ci` and the hand flow disagree: hoist {a:?}, by hand {b:?}",
                        event + 1,
                        EVENTS[event]
                    ));
                }
            }
            Ok(())
        })();
        for flow in &flows {
            flow.clean(sh);
        }
        result?;
    }
    Ok(report)
}

impl Flow {
    fn new(sh: &Shell, kind: Kind, path_env: &str) -> Result<Flow, String> {
        let dir = tempfile_dir()?;
        let name = hoist_test_support::unique_name(match kind {
            Kind::Hoist => "bench-ci-hoist",
            Kind::Hand => "bench-ci-hand",
        });
        let flow = Flow { kind, dir, registry: Registry::start(), name, path_env: path_env.to_owned() };
        let work = flow.work();
        let source = super::project_root().join("examples/nuremberg-mini");
        hoist_test_support::copy_dir(&source, &work).map_err(|e| e.to_string())?;
        let write = |file: &str, text: &str| std::fs::write(work.join(file), text).map_err(|e| e.to_string());
        write("justfile", JUSTFILE)?;
        write("workflow.sh", WORKFLOW)?;
        let config = std::fs::read_to_string(work.join("hoist.toml")).map_err(|e| e.to_string())?;
        // The original's image set (release, tester, data image), its push of a pull
        // request's new data image, and a direct push bumps `minor`, so that a merged pull
        // request taken for a direct push would show.
        let config = config
            .replace("project = \"nuremberg-mini-ci\"", &format!("project = \"{}\"", flow.ci_project()))
            .replace("project = \"nuremberg-mini-solrbld\"", &format!("project = \"{}\"", flow.solr_project()))
            .replace(
                "push-bump = \"patch\"",
                "push-bump = \"minor\"\npublish = [\"release\", \"tester\"]\npush-pr-data = true",
            );
        write("hoist.toml", &config)?;
        let bumpversion = std::fs::read_to_string(work.join(".bumpversion.toml")).map_err(|e| e.to_string())?;
        write(
            ".bumpversion.toml",
            &format!(
                "{bumpversion}\n[[tool.bumpversion.files]]\nfilename = \"justfile\"\nsearch = \"VERSION := 'v{{current_version}}'\"\nreplace = \"VERSION := 'v{{new_version}}'\"\n"
            ),
        )?;
        let remote = flow.dir.join("remote.git");
        let _dir = sh.push_dir(&work);
        cmd!(sh, "git init --quiet -b main").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git config user.name Bench").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git config user.email bench@example.com").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git add -A").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git commit --quiet -m 'The example'").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git init --quiet --bare {remote}").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git remote add origin {remote}").quiet().run().map_err(|e| e.to_string())?;
        cmd!(sh, "git push --quiet -u origin main").quiet().run().map_err(|e| e.to_string())?;
        Ok(flow)
    }

    fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    fn ci_project(&self) -> String {
        format!("{}-ci", self.name)
    }

    fn solr_project(&self) -> String {
        format!("{}-solrbld", self.name)
    }

    fn git(&self, sh: &Shell, args: &[&str]) -> Result<String, String> {
        let work = self.work();
        cmd!(sh, "git -C {work} {args...}").quiet().read().map_err(|e| e.to_string())
    }

    fn write(&self, file: &str, text: &str) -> Result<(), String> {
        std::fs::write(self.work().join(file), text).map_err(|e| e.to_string())
    }

    /// What happens before the CI run of `event` (not measured).
    fn prepare(&self, sh: &Shell, event: usize) -> Result<(), String> {
        match event {
            0 => {
                self.write(
                    "dumps/documents_latest.csv",
                    "id,title\n3,Ministries case\n1,Trial of the major war criminals\n2,Medical case\n4,Krupp case\n",
                )?;
                self.commit_and_push(sh, "Add the Krupp case (#1)")
            }
            1 => {
                self.write("app/www/index.html", "<h1>Nuremberg trials</h1>\n")?;
                self.commit_and_push(sh, "Change the start page")
            }
            2 => {
                // CI's own bump commit runs again, from a checkout without the version tag.
                for tag in self.git(sh, &["tag", "--points-at", "HEAD"])?.lines() {
                    if tag.starts_with('v') {
                        self.git(sh, &["tag", "-d", tag])?;
                    }
                }
                Ok(())
            }
            3 => {
                self.git(sh, &["checkout", "--quiet", "-b", "more-data"])?;
                self.write(
                    "dumps/documents_latest.csv",
                    "id,title\n3,Ministries case\n1,Trial of the major war criminals\n2,Medical case\n4,Krupp case\n5,Hostages case\n",
                )?;
                self.git(sh, &["commit", "--quiet", "-am", "More documents"])?;
                self.git(sh, &["checkout", "--quiet", "main"])?;
                self.git(
                    sh,
                    &["merge", "--quiet", "--no-ff", "more-data", "-m", "Merge pull request #2 from me/more-data"],
                )?;
                self.git(sh, &["push", "--quiet", "origin", "main"]).map(drop)
            }
            _ => {
                self.git(sh, &["checkout", "--quiet", "-b", "feature"])?;
                self.write("dumps/documents_latest.csv", "id,title\n6,Justice case\n")?;
                self.write("app/www/index.html", "<h1>Nuremberg trials archive</h1>\n")?;
                self.git(sh, &["commit", "--quiet", "-am", "Replace the documents"]).map(drop)
            }
        }
    }

    fn commit_and_push(&self, sh: &Shell, message: &str) -> Result<(), String> {
        self.git(sh, &["commit", "--quiet", "-am", message])?;
        self.git(sh, &["push", "--quiet", "origin", "main"]).map(drop)
    }

    /// The CI run of `event`, as a plain CI (no GitHub variable) starts it.
    fn command(&self, sh: &Shell, hoist: &Path, event: usize) -> Command {
        let pull_request = event == 4;
        let work = self.work();
        let mut command = match (self.kind, pull_request) {
            (Kind::Hoist, false) => command(sh, &work, hoist, &["ci", "--progress", "quiet"]),
            (Kind::Hoist, true) => command(
                sh,
                &work,
                hoist,
                &["ci", "--progress", "quiet", "--event", "pull-request", "--base", "origin/main"],
            ),
            (Kind::Hand, false) => command(sh, &work, Path::new("bash"), &["workflow.sh", "push"]),
            (Kind::Hand, true) => command(sh, &work, Path::new("bash"), &["workflow.sh", "pr"]),
        };
        command
            .env("PATH", &self.path_env)
            .env("HOIST_REGISTRY", self.registry.repository(&self.name))
            .env("CI_PROJECT", self.ci_project())
            .env("SOLR_PROJECT", self.solr_project())
            .env("prNum", if pull_request { "7" } else { "" })
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_NAME")
            .env_remove("CI");
        command
    }

    /// What the run left, seen from outside: the last commit's subject, the remote's refs, the
    /// registry's tags.
    fn outcome(&self, sh: &Shell) -> Result<(String, BTreeSet<String>, Vec<String>), String> {
        let subject = self.git(sh, &["log", "-1", "--format=%s"])?;
        let remote = self.dir.join("remote.git");
        let refs =
            cmd!(sh, "git -C {remote} for-each-ref --format=%(refname)").quiet().read().map_err(|e| e.to_string())?;
        Ok((subject, refs.lines().map(str::to_owned).collect(), self.registry.tags(&self.name)))
    }

    /// Removes the flow's containers, volumes, networks and images, and its directory.
    fn clean(&self, sh: &Shell) {
        for project in [self.ci_project(), self.solr_project()] {
            hoist_test_support::engine::remove_compose_project(&project);
        }
        let prefix = format!("{}:", self.registry.repository(&self.name));
        let format = "{{.Repository}}:{{.Tag}}";
        let images = cmd!(sh, "docker images --format {format}").quiet().read().unwrap_or_default();
        let ours: Vec<&str> = images.lines().filter(|i| i.starts_with(&prefix)).collect();
        if !ours.is_empty() {
            let _ = cmd!(sh, "docker image rm --force {ours...}").quiet().ignore_stdout().ignore_stderr().run();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A directory whose `docker` is a docker CLI that builds with BuildKit (`DOCKER_BUILDKIT=1
/// docker build`): the one on `PATH` when it has buildx, else Debian's 20.10 CLI, whose
/// BuildKit client is built in (later CLIs need buildx for it).
fn buildkit_docker(sh: &Shell) -> Result<PathBuf, String> {
    let dir = super::project_root().join("target/bench-tools/docker");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let link = dir.join("docker");
    let _ = std::fs::remove_file(&link);
    let on_path = cmd!(sh, "sh -c 'command -v docker'").quiet().read().unwrap_or_default();
    let has_buildx = cmd!(sh, "docker buildx version").quiet().ignore_stdout().ignore_stderr().run().is_ok();
    let chosen = if has_buildx && !on_path.is_empty() {
        PathBuf::from(on_path)
    } else {
        let debian = Path::new("/usr/bin/docker");
        let format = "{{.Client.Version}}";
        let version = cmd!(sh, "{debian} version --format {format}").quiet().read().unwrap_or_default();
        let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(u32::MAX);
        if major >= 23 {
            return Err("no docker CLI here builds with BuildKit: the one on PATH has no buildx and /usr/bin/docker is not a 20.10-era CLI; install buildx".into());
        }
        debian.to_owned()
    };
    std::os::unix::fs::symlink(&chosen, &link).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// What a slice of a registry's access log shows.
#[derive(Debug, Default, PartialEq, Eq)]
struct LogCounts {
    /// Every request.
    requests: usize,
    /// The bytes of the blobs served.
    blob_bytes: u64,
    /// Manifest reads by the engine on a client's behalf (`docker pull`, an engine pull
    /// through its API): the engine's user agent carries `UpstreamClient(…)`. BuildKit's
    /// cache lookups and the docker CLI's own `manifest inspect` are not pulls.
    engine_pulls: usize,
}

/// Counts the requests of a slice of a registry's access log.
fn access_log(log: &str) -> LogCounts {
    let mut counts = LogCounts::default();
    for line in log.lines() {
        // `HOST - - [TIME] "METHOD PATH HTTP/1.1" STATUS BYTES "REFERER" "AGENT"`
        let mut quoted = line.split('"');
        let (Some(head), Some(request), Some(tail)) = (quoted.next(), quoted.next(), quoted.next()) else { continue };
        if !head.trim_end().ends_with(']') {
            continue;
        }
        let mut words = request.split(' ');
        let (Some(method), Some(path)) = (words.next(), words.next()) else { continue };
        counts.requests += 1;
        let mut numbers = tail.split_whitespace();
        let (status, size) = (numbers.next().unwrap_or(""), numbers.next().and_then(|n| n.parse::<u64>().ok()));
        let agent = line.rsplit('"').nth(1).unwrap_or("");
        if method == "GET" && status == "200" && path.contains("/blobs/") {
            counts.blob_bytes += size.unwrap_or(0);
        }
        if method == "GET" && path.contains("/manifests/") && agent.contains("UpstreamClient(") {
            counts.engine_pulls += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_access_log_counts_requests_and_blob_bytes() {
        let log = concat!(
            "time=\"2026-12-02T05:00:00Z\" level=info msg=\"response completed\" http.request.method=GET\n",
            "127.0.0.1 - - [02/Dec/2026:05:00:00 +0000] \"GET /v2/ HTTP/1.1\" 200 2 \"\" \"docker/20.10\"\n",
            "127.0.0.1 - - [02/Dec/2026:05:00:00 +0000] \"HEAD /v2/a/manifests/v1 HTTP/1.1\" 200 0 \"\" \"hoist\"\n",
            "127.0.0.1 - - [02/Dec/2026:05:00:00 +0000] \"GET /v2/a/blobs/sha256:ab HTTP/1.1\" 200 1234 \"\" \"docker\"\n",
            "127.0.0.1 - - [02/Dec/2026:05:00:00 +0000] \"GET /v2/a/blobs/sha256:cd HTTP/1.1\" 404 19 \"\" \"docker\"\n",
            "127.0.0.1 - - [02/Dec/2026:05:00:00 +0000] \"GET /v2/a/manifests/v1 HTTP/1.1\" 200 9 \"\" \"docker/20.10 UpstreamClient(Docker-Client/28.2.2 \\\\(linux\\\\))\"\n",
            "127.0.0.1 - - [02/Dec/2026:05:00:00 +0000] \"GET /v2/a/manifests/v1 HTTP/1.1\" 200 9 \"\" \"containerd/1.6.20\"\n",
        );
        assert_eq!(super::access_log(log), super::LogCounts { requests: 6, blob_bytes: 1234, engine_pulls: 1 });
    }
}
