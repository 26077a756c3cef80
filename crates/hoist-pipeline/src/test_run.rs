//! `test`: the tester image, the CI compose project up, the suites run in a service, the
//! project down again (on failure and on Ctrl-C too), the tests' exit status.

use hoist_compose::Compose;
use hoist_config::Config;
use serde::Serialize;

use crate::Pipeline;
use crate::error::PipelineError;
use crate::image::{self, Event, ImagePlan};
use crate::runner::{self, Output};
use crate::session::{self, ComposeEnv, ServiceExec, Session, Teardown};

/// Everything `test` will do, decided before anything is started.
#[derive(Clone, Debug, Serialize)]
pub struct TestPlan {
    /// The tester image and how it will be had.
    pub image: ImagePlan,
    /// The `[compose.NAME]` table.
    pub compose: String,
    /// The compose project name.
    pub project: String,
    /// The service the suites run in.
    pub service: String,
    /// The variables compose gets.
    pub env: ComposeEnv,
    /// `compose … up -d`.
    pub up: Vec<String>,
    /// The setup commands, run before the suites.
    pub setup: Vec<PlannedSetup>,
    /// The suites, in order.
    pub suites: Vec<PlannedSuite>,
    /// `compose … down …`, or `None` with `--keep`.
    pub down: Option<Vec<String>>,
    /// Services of the project that name one of the run's images by another, fixed tag.
    pub warnings: Vec<crate::ComposeWarning>,
    #[serde(skip)]
    session: Session,
}

/// One setup command as it will run.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedSetup {
    /// The command as configured.
    pub command: Vec<String>,
    /// How it runs: in the test service's container.
    pub exec: ServiceExec,
}

/// One suite as it will run.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedSuite {
    /// Its name.
    pub name: String,
    /// Its result is reported but does not fail the target.
    pub reported_only: bool,
    /// How it runs: in the test service's container.
    pub exec: ServiceExec,
}

/// How a suite ended.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SuiteOutcome {
    /// Exit code 0.
    Passed,
    /// Any other exit code.
    Failed,
    /// Not run, because an earlier suite that counts failed.
    NotRun,
}

/// One suite's result.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SuiteResult {
    /// Its name.
    pub name: String,
    /// Whether it can fail the target.
    pub reported_only: bool,
    /// How it ended.
    pub outcome: SuiteOutcome,
    /// Its exit code, when it ran.
    pub code: Option<i32>,
}

/// What `test` did.
#[derive(Clone, Debug, Serialize)]
pub struct TestReport {
    /// The plan it carried out.
    pub plan: TestPlan,
    /// The tester image's id.
    pub image_id: Option<String>,
    /// The suites.
    pub suites: Vec<SuiteResult>,
    /// Whether the project was left up (`--keep`).
    pub kept: bool,
    /// The target's exit status: the first counted failure's exit code, else 0.
    pub exit_code: i32,
}

/// Plans `test` for `config`: the suites of `[test]` in the project `test.compose`, whose
/// compose files are read as `overlay` will leave them (a `ci` run's bump).
pub fn plan_test(
    config: &Config,
    compose: Compose,
    image: ImagePlan,
    env: ComposeEnv,
    keep: bool,
    overlay: &crate::Overlay,
) -> Result<TestPlan, PipelineError> {
    let test = &config.test;
    if test.suites.is_empty() {
        return Err(PipelineError::NoSuites);
    }
    let project = session::project(config, &test.compose, "test.compose")?;
    let session = Session::new(compose, config.root(), project, env.clone());
    let mut suites = Vec::new();
    let planned =
        |command: &[String], user: Option<&str>, env: &std::collections::BTreeMap<String, String>, key: &str| {
            let user = user.map(|u| session::expand(u, key)).transpose()?;
            let env_pairs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Ok::<_, PipelineError>(ServiceExec::new(&test.service, user.as_deref(), env_pairs, command))
        };
    for suite in &test.suites {
        let exec = planned(&suite.command, suite.user.as_deref(), &suite.env, "test.suites.user")?;
        suites.push(PlannedSuite { name: suite.name.clone(), reported_only: suite.reported_only, exec });
    }
    let mut setup = Vec::new();
    for step in &test.setup {
        let exec = planned(&step.command, step.user.as_deref(), &step.env, "test.setup.user")?;
        setup.push(PlannedSetup { command: step.command.clone(), exec });
    }
    let warnings = crate::compose_warnings(config, &test.compose, &env, overlay);
    Ok(TestPlan {
        warnings,
        image,
        compose: test.compose.clone(),
        project: project.project.clone(),
        service: test.service.clone(),
        env,
        up: session.argv(&["up", "-d"])?,
        setup,
        suites,
        down: if keep { None } else { Some(session.argv(&["down", "--volumes", "--remove-orphans"])?) },
        session,
    })
}

/// Carries out `plan`: has the tester image as planned, brings the project up, runs the
/// suites with their output on stderr, and takes the project down.
pub fn run_tests(
    p: &Pipeline<'_>,
    plan: &TestPlan,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<TestReport, PipelineError> {
    runner::install_interrupt_handler();
    let image_id = image::execute_image(p, &plan.image, on_event)?.image_id;
    runner::check_interrupted()?;
    let session = &plan.session;
    let teardown = Teardown::new(session);
    on_event(Event::Note(&format!("starting compose project `{}`", session.name())));
    session.check(&["up", "-d"])?;
    for step in &plan.setup {
        on_event(Event::Note(&format!("setup {}", step.exec)));
        let code = session.exec(p.engine()?, &step.exec, Output::Stderr)?;
        runner::check_interrupted()?;
        if code != 0 {
            return Err(PipelineError::SetupFailed { command: step.command.clone(), code });
        }
    }
    let mut results = Vec::new();
    let mut exit_code = 0;
    for suite in &plan.suites {
        if exit_code != 0 {
            results.push(SuiteResult {
                name: suite.name.clone(),
                reported_only: suite.reported_only,
                outcome: SuiteOutcome::NotRun,
                code: None,
            });
            continue;
        }
        on_event(Event::Note(&format!("suite `{}` {}", suite.name, suite.exec)));
        let code = session.exec(p.engine()?, &suite.exec, Output::Stderr)?;
        runner::check_interrupted()?;
        let outcome = if code == 0 { SuiteOutcome::Passed } else { SuiteOutcome::Failed };
        let note = match (outcome, suite.reported_only) {
            (SuiteOutcome::Passed, _) => format!("suite `{}` passed", suite.name),
            (_, true) => format!("suite `{}` failed with exit code {code} (reported only)", suite.name),
            (_, false) => format!("suite `{}` failed with exit code {code}", suite.name),
        };
        on_event(Event::Note(&note));
        if code != 0 && !suite.reported_only {
            exit_code = code;
        }
        results.push(SuiteResult {
            name: suite.name.clone(),
            reported_only: suite.reported_only,
            outcome,
            code: Some(code),
        });
    }
    let kept = plan.down.is_none();
    if kept {
        on_event(Event::Note(&format!("leaving compose project `{}` up (--keep)", session.name())));
        teardown.keep();
    } else {
        teardown.finish()?;
    }
    Ok(TestReport { plan: plan.clone(), image_id, suites: results, kept, exit_code })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::image::BuildAction;
    use crate::reason::ImageReason;

    /// A project with compose files and `hoist.toml` text `extra`, parsed.
    pub(crate) fn project(extra: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        for file in ["docker-compose.yml", "docker-compose.ci.yml", "docker-compose.solr-build.yml"] {
            std::fs::write(dir.path().join(file), "services: {}\n").unwrap();
        }
        let text = format!(
            "registry = \"r.example/app\"\n[compose.ci]\nfiles = [\"docker-compose.yml\", \"docker-compose.ci.yml\"]\n[compose.solrbld]\nfiles = [\"docker-compose.solr-build.yml\"]\n{extra}"
        );
        let config = Config::parse(&text, &dir.path().join("hoist.toml")).unwrap();
        (dir, config)
    }

    pub(crate) fn env() -> ComposeEnv {
        ComposeEnv {
            registry: "r.example/app".into(),
            version: "v1.2.3".into(),
            tag: "r.example/app:v1.2.3".into(),
            image: "r.example/app:v1.2.3-tester".into(),
            images: Default::default(),
            engine: Vec::new(),
            remote_engine: None,
        }
    }

    pub(crate) fn image(step: &str) -> ImagePlan {
        let tag = format!("r.example/app:v1.2.3-{step}");
        ImagePlan {
            step: step.into(),
            version: "v1.2.3".into(),
            tags: vec![tag.clone()],
            action: BuildAction::Build,
            reason: ImageReason::Missing { tag, registry_unknown: None },
            inputs: crate::InputDigest {
                digest: "sha256:0".into(),
                dockerfile: "sha256:1".into(),
                context: "sha256:2".into(),
                args: "sha256:3".into(),
                files: 0,
                bytes: 0,
            },
            builder: "buildkit".into(),
            platform: None,
            cache_from: Vec::new(),
            cache_to: None,
            push: false,
            no_cache: false,
            pull: false,
            build_args: Default::default(),
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            in_registry: Vec::new(),
        }
    }

    /// The argv with the compose prefix (program, files, project) cut off.
    pub(crate) fn tail(argv: &[String]) -> String {
        let at = argv.iter().position(|a| a == "-p").expect("a project name") + 2;
        argv[at..].join(" ")
    }

    #[test]
    fn suites_run_with_exec_in_the_service() {
        let (_dir, config) = project(
            "[test]\nservice = \"app\"\n[[test.suites]]\nname = \"code\"\ncommand = [\"pytest\", \"-k\", \"not slow\"]\nuser = \"0\"\nenv = { TITLE = \"Code\", B = \"x y\" }\n[[test.suites]]\nname = \"browser\"\ncommand = [\"pytest\", \"browser.py\"]\nreported-only = true\n",
        );
        let plan = plan_test(&config, Compose::Standalone, image("tester"), env(), false, &Default::default()).unwrap();
        assert_eq!(plan.up[0], "docker-compose");
        assert_eq!(tail(&plan.up), "up -d");
        let code = &plan.suites[0].exec;
        assert_eq!(code.to_string(), "in `app` as user 0 with B=x y TITLE=Code: pytest -k not slow");
        assert_eq!((code.service.as_str(), code.user.as_deref()), ("app", Some("0")));
        assert_eq!(code.env, ["B=x y", "TITLE=Code"], "one value per variable");
        assert_eq!(code.command, ["pytest", "-k", "not slow"], "one argument per value");
        assert_eq!(plan.suites[1].exec.to_string(), "in `app`: pytest browser.py");
        assert!(plan.suites[1].reported_only);
        assert_eq!(tail(plan.down.as_ref().unwrap()), "down --volumes --remove-orphans");
        let kept = plan_test(&config, Compose::Plugin, image("tester"), env(), true, &Default::default()).unwrap();
        assert_eq!(kept.down, None);
        assert_eq!(kept.up[..2], ["docker", "compose"]);
    }

    #[test]
    fn users_are_expanded_and_setup_runs_first() {
        let (_dir, config) = project(
            "[test]\nservice = \"app\"\n[[test.setup]]\ncommand = [\"chown\", \"-R\", \"app\", \"/src\"]\nuser = \"0\"\n[[test.suites]]\nname = \"code\"\ncommand = [\"pytest\"]\nuser = \"${UID}:$$x\"\n",
        );
        let plan = plan_test(&config, Compose::Standalone, image("tester"), env(), false, &Default::default()).unwrap();
        assert_eq!(plan.setup[0].exec.to_string(), "in `app` as user 0: chown -R app /src");
        let uid = unsafe { libc::getuid() };
        let expected = std::env::var("UID").unwrap_or_else(|_| uid.to_string());
        assert_eq!(plan.suites[0].exec.user, Some(format!("{expected}:$x")));
        let (_dir, config) = project(
            "[test]\n[[test.suites]]\nname = \"code\"\ncommand = [\"pytest\"]\nuser = \"${HOIST_TEST_NEVER_SET}\"\n",
        );
        let error =
            plan_test(&config, Compose::Standalone, image("tester"), env(), false, &Default::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`test.suites.user` names the environment variable `HOIST_TEST_NEVER_SET`, which is not set: set it, or write the value itself"
        );
    }

    #[test]
    fn refusals_say_what_to_add() {
        let (_dir, config) = project("");
        let error =
            plan_test(&config, Compose::Standalone, image("tester"), env(), false, &Default::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no test suites are configured: add one to `hoist.toml`, for example `[[test.suites]]` with `name = \"code\"` and `command = [\"pytest\"]`"
        );
        let (_dir, config) =
            project("[test]\ncompose = \"tests\"\n[[test.suites]]\nname = \"a\"\ncommand = [\"true\"]\n");
        let error =
            plan_test(&config, Compose::Standalone, image("tester"), env(), false, &Default::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no compose project `tests` (from `test.compose`) in `hoist.toml`: the configured ones are `ci`, `solrbld`; add `[compose.tests]` or name one of them"
        );
    }
}
