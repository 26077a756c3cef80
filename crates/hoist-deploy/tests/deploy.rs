//! Tag deploys against real bare remotes on disk and a real registry.

use std::path::Path;

use hoist_config::Config;
use hoist_deploy::{DeployError, Plan, execute, plan_deploy, plan_rollback, status};
use hoist_git::{GitError, Repo};
use hoist_test_support::{engine, git::GitRepo, registry::Registry};

struct Fixture {
    git: GitRepo,
    registry: Registry,
    config: Config,
}

impl Fixture {
    /// A repository whose remote has versions 0.1.0, 0.2.0 and 0.3.0 tagged (annotated, as
    /// bump-my-version tags them); images exist in the registry for the versions in `images`.
    fn new(images: &[&str]) -> Fixture {
        let registry = Registry::start();
        let git = GitRepo::new();
        let text = format!(
            "registry = \"{}\"\n[deploy.environments.dev]\n[deploy.environments.prod]\nimages = [\"release\", \"solr\"]\n",
            registry.repository("app")
        );
        git.write("hoist.toml", &text);
        let config = Config::parse(&text, &git.path().join("hoist.toml")).unwrap();
        for version in ["0.1.0", "0.2.0", "0.3.0"] {
            git.write("VERSION", version);
            git.commit_all(&format!("Bump version: → {version}"));
            git.git(&["tag", "-a", "-m", &format!("Bump version: → {version}"), &format!("v{version}")]);
        }
        git.git(&["push", "--quiet", "--follow-tags", "origin", "main"]);
        let base = engine::base_image();
        for tag in images {
            registry.push_local_image(base, "app", tag);
        }
        Fixture { git, registry, config }
    }

    fn repo(&self) -> Repo {
        Repo::open(&self.git.path()).unwrap()
    }

    fn lookup(&self) -> impl FnMut(&str) -> Result<Option<String>, String> + '_ {
        |reference: &str| {
            let (repository, tag) =
                reference.strip_prefix(&format!("{}/", self.registry.host())).unwrap().split_once(':').unwrap();
            Ok(self.registry.manifest_digest(repository, tag))
        }
    }

    fn plan(&self, env: &str, version: &str) -> Plan {
        plan_deploy(&self.repo(), &self.config, env, version, &mut self.lookup()).unwrap()
    }

    fn deploy(&self, env: &str, version: &str) {
        execute(&self.repo(), &self.plan(env, version)).unwrap();
    }

    fn remote_commit(&self, tag: &str) -> Option<String> {
        let out =
            self.git.remote_git(&["for-each-ref", "--format=%(objectname) %(objecttype)", &format!("refs/tags/{tag}")]);
        let (oid, kind) = out.split_once(' ')?;
        assert_eq!(kind, "commit", "`{tag}` must name a commit, not a tag object");
        Some(oid.to_owned())
    }

    fn commit_of(&self, version_tag: &str) -> String {
        self.git.git(&["rev-parse", &format!("{version_tag}^{{commit}}")])
    }
}

#[test]
fn first_deploy_then_second_keeps_the_previous() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    let plan = f.plan("dev", "0.1.0");
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.moves.len(), 1, "a first deploy moves only `dev/deploy`");
    assert_eq!(plan.images.len(), 1);
    assert!(plan.images[0].digest.as_deref().is_some_and(|d| d.starts_with("sha256:")));
    execute(&f.repo(), &plan).unwrap();
    assert_eq!(f.remote_commit("dev/deploy"), Some(f.commit_of("v0.1.0")));
    assert_eq!(f.remote_commit("last/dev/deploy"), None);

    f.deploy("dev", "0.2.0");
    assert_eq!(f.remote_commit("dev/deploy"), Some(f.commit_of("v0.2.0")));
    assert_eq!(f.remote_commit("last/dev/deploy"), Some(f.commit_of("v0.1.0")));
    // Only the deploy tags were pushed: no other local tag reached the remote.
    f.git.git(&["tag", "local-only"]);
    f.deploy("dev", "0.1.0");
    assert!(f.git.remote_git(&["tag", "--list", "local-only"]).is_empty());
}

#[test]
fn deploying_what_is_deployed_moves_nothing() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    f.deploy("dev", "0.1.0");
    f.deploy("dev", "0.2.0");
    let plan = f.plan("dev", "0.2.0");
    assert!(plan.is_up_to_date());
    execute(&f.repo(), &plan).unwrap();
    assert_eq!(
        f.remote_commit("last/dev/deploy"),
        Some(f.commit_of("v0.1.0")),
        "`last` must keep the real previous deploy"
    );
}

#[test]
fn a_missing_image_is_refused_and_nothing_is_pushed() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    let plan = f.plan("prod", "0.2.0");
    let missing = format!("{}:v0.2.0-solr", f.registry.repository("app"));
    assert_eq!(plan.problems, [format!("image `{missing}` is not in the registry: build and push it first")]);
    let error = execute(&f.repo(), &plan).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "refusing to deploy to `prod`, nothing was pushed: image `{missing}` is not in the registry: build and push it first"
        )
    );
    assert_eq!(f.remote_commit("prod/deploy"), None);
}

#[test]
fn a_missing_version_tag_is_refused() {
    let f = Fixture::new(&["v0.4.0"]);
    let plan = f.plan("dev", "0.4.0");
    assert_eq!(
        plan.problems,
        ["the version tag `v0.4.0` is not on the remote `origin`: push it first (`git push origin v0.4.0`)"]
    );
    assert!(matches!(execute(&f.repo(), &plan), Err(DeployError::Refused { .. })));
    assert_eq!(f.remote_commit("dev/deploy"), None);
}

#[test]
fn an_unreachable_registry_is_a_problem_not_a_pass() {
    let f = Fixture::new(&[]);
    let mut down = |_: &str| -> Result<Option<String>, String> { Err("connection refused".into()) };
    let plan = plan_deploy(&f.repo(), &f.config, "dev", "0.1.0", &mut down).unwrap();
    assert_eq!(
        plan.problems,
        [format!("cannot check image `{}:v0.1.0`: connection refused", f.registry.repository("app"))]
    );
}

fn other_clone(f: &Fixture) -> (tempfile::TempDir, Repo) {
    let other = tempfile::tempdir().unwrap();
    let sh = xshell::Shell::new().unwrap();
    let (remote, clone) = (f.git.remote(), other.path().join("clone"));
    xshell::cmd!(sh, "git clone --quiet {remote} {clone}").quiet().run().unwrap();
    let repo = Repo::open(&clone).unwrap();
    (other, repo)
}

#[test]
fn two_clones_racing_exactly_one_wins() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0", "v0.3.0"]);
    f.deploy("dev", "0.1.0");
    let (_dir, other) = other_clone(&f);

    // Both read the remote before either pushes; they deploy different versions.
    let ours = f.plan("dev", "0.2.0");
    let theirs = plan_deploy(&other, &f.config, "dev", "0.3.0", &mut f.lookup()).unwrap();
    execute(&other, &theirs).unwrap();
    let error = execute(&f.repo(), &ours).unwrap_err();
    assert!(matches!(error, DeployError::Git(GitError::LeaseRejected { .. })), "{error}");
    assert_eq!(f.remote_commit("dev/deploy"), Some(f.commit_of("v0.3.0")));
    assert_eq!(f.remote_commit("last/dev/deploy"), Some(f.commit_of("v0.1.0")));
}

#[test]
fn two_clones_racing_to_the_same_version_agree() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    f.deploy("dev", "0.1.0");
    let (_dir, other) = other_clone(&f);
    let ours = f.plan("dev", "0.2.0");
    let theirs = plan_deploy(&other, &f.config, "dev", "0.2.0", &mut f.lookup()).unwrap();
    execute(&other, &theirs).unwrap();
    // The remote already holds exactly what we would push: git reports it up to date.
    execute(&f.repo(), &ours).unwrap();
    assert_eq!(f.remote_commit("dev/deploy"), Some(f.commit_of("v0.2.0")));
    assert_eq!(f.remote_commit("last/dev/deploy"), Some(f.commit_of("v0.1.0")));
}

#[test]
fn a_stale_last_tag_lease_moves_nothing() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    f.deploy("dev", "0.1.0");
    let plan = f.plan("dev", "0.2.0");
    // Someone moves only `last/dev/deploy` after we planned.
    let head = f.git.git(&["rev-parse", "HEAD"]);
    f.git.git(&["push", "--quiet", "origin", &format!("{head}:refs/tags/last/dev/deploy")]);
    let error = execute(&f.repo(), &plan).unwrap_err();
    assert!(
        matches!(&error, DeployError::Git(GitError::LeaseRejected { refs, .. }) if refs.contains(&"last/dev/deploy".to_owned())),
        "{error}"
    );
    assert_eq!(
        f.remote_commit("dev/deploy"),
        Some(f.commit_of("v0.1.0")),
        "the atomic push must not move `dev/deploy` alone"
    );
}

#[test]
fn rollback_swaps_and_can_be_undone() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    let repo = f.repo();
    let plan = plan_rollback(&repo, &f.config, "dev", &mut f.lookup()).unwrap();
    assert_eq!(plan.problems.len(), 2, "{:?}", plan.problems);
    assert!(plan.problems[0].starts_with("`dev` was never deployed"));
    f.deploy("dev", "0.1.0");
    f.deploy("dev", "0.2.0");
    let plan = plan_rollback(&repo, &f.config, "dev", &mut f.lookup()).unwrap();
    assert_eq!(plan.version.as_deref(), Some("0.1.0"));
    execute(&repo, &plan).unwrap();
    assert_eq!(f.remote_commit("dev/deploy"), Some(f.commit_of("v0.1.0")));
    assert_eq!(f.remote_commit("last/dev/deploy"), Some(f.commit_of("v0.2.0")));
    execute(&repo, &plan_rollback(&repo, &f.config, "dev", &mut f.lookup()).unwrap()).unwrap();
    assert_eq!(f.remote_commit("dev/deploy"), Some(f.commit_of("v0.2.0")));
}

#[test]
fn status_reports_versions_and_images() {
    let f = Fixture::new(&["v0.1.0", "v0.2.0"]);
    f.deploy("dev", "0.1.0");
    f.deploy("dev", "0.2.0");
    let report = status(&f.repo(), &f.config, &mut f.lookup()).unwrap();
    assert_eq!(report.len(), 2);
    let dev = &report[0];
    assert_eq!(dev.environment, "dev");
    let current = dev.current.as_ref().unwrap();
    assert_eq!(current.version.as_deref(), Some("0.2.0"));
    assert_eq!(current.commit.as_str(), f.commit_of("v0.2.0"));
    assert!(current.images[0].digest.is_some());
    assert_eq!(dev.previous.as_ref().unwrap().version.as_deref(), Some("0.1.0"));
    assert_eq!(report[1].environment, "prod");
    assert_eq!(report[1].current, None);
}

#[test]
fn unknown_environment_lists_the_known_ones() {
    let f = Fixture::new(&[]);
    let error = plan_deploy(&f.repo(), &f.config, "staging", "0.1.0", &mut f.lookup()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown environment `staging`: the configured ones are `dev`, `prod`; add `[deploy.environments.staging]` to `hoist.toml` to deploy there"
    );
}

#[test]
fn unreachable_git_remote() {
    let f = Fixture::new(&[]);
    f.git.git(&["remote", "set-url", "origin", &Path::new("/nonexistent").join("remote.git").display().to_string()]);
    let error = plan_deploy(&f.repo(), &f.config, "dev", "0.1.0", &mut f.lookup()).unwrap_err();
    assert!(error.to_string().starts_with("cannot reach the git remote `origin`: "), "{error}");
}
