use hoist_image::{BuildEvent, Builder, DockerConfig, ImageError};
use hoist_test_support::{engine::ImageGuard, git::GitRepo, unique_name, write_files};

use crate::{collect, dockerfile, engine, engine_with, request, run_in};

const MULTI_STAGE: &str = "RUN echo base > /base\n\
FROM base AS build\n\
ARG GREETING=unset\n\
RUN echo \"$GREETING\" > /greeting\n\
FROM build AS tester\n\
RUN echo tester > /tester\n\
FROM base AS release\n\
RUN echo release > /release\n";

#[test]
fn builds_the_chosen_stage_of_a_multi_stage_dockerfile_with_tags_args_and_labels() {
    let repo = GitRepo::new();
    repo.write("Dockerfile", &dockerfile(MULTI_STAGE));
    let head = repo.commit_all("Dockerfile");
    let name = unique_name("hoist-image-multi");
    let (first, second) = (format!("{name}:one"), format!("{name}:two"));
    let _guard = ImageGuard::new([first.clone(), second.clone()]);

    let mut request = request(&repo.path(), "v1.2.3");
    let source = format!("https://ci:secret@git.example.com/{}", repo.remote().display());
    request.oci = hoist_image::OciLabels::new("v1.2.3", &head, &source);
    request.target = Some("build".into());
    request.tags = vec![first.clone(), second.clone()];
    request.build_args.insert("GREETING".into(), "hello".into());
    request.labels.insert("com.example.team".into(), "hoist".into());
    let mut events = Vec::new();
    let outcome = engine().build(&request, &mut collect(&mut events)).unwrap();

    assert_eq!(outcome.tags, [first.clone(), second.clone()]);
    assert_eq!(outcome.builder, Builder::Buildkit);
    assert!(events.contains(&BuildEvent::Tagged(second.clone())));
    let commands: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::StepStarted(s) if !s.internal => Some(s.command.as_str()),
            _ => None,
        })
        .collect();
    assert!(commands.iter().any(|c| c.contains("> /greeting")), "{commands:?}");
    let info = engine().inspect(&second).unwrap().expect("the second tag exists");
    assert_eq!(info.id, outcome.image_id);
    assert_eq!(info.labels["org.opencontainers.image.version"], "v1.2.3");
    assert_eq!(info.labels["org.opencontainers.image.revision"], head);
    assert_eq!(
        info.labels["org.opencontainers.image.source"],
        format!("https://git.example.com/{}", repo.remote().display()),
        "the credentials of the source URL are left out"
    );
    assert!(info.labels["org.opencontainers.image.created"].ends_with('Z'));
    assert_eq!(info.labels["com.example.team"], "hoist");
    assert_eq!(
        run_in(&first, "cat /greeting /base; ls /tester /release 2>&1 || true").lines().take(2).collect::<Vec<_>>(),
        ["hello", "base"]
    );
    assert!(!run_in(&first, "ls / ").contains("tester"), "the build stopped at `build`");
}

fn context_checks(builder: Builder) {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}/{}.txt", "d".repeat(80), "f".repeat(90));
    write_files(
        dir.path(),
        &[
            ("Dockerfile", &dockerfile("COPY . /ctx\n")),
            (".dockerignore", "secret.txt\n**/*.log\nbuild\n!build/keep.txt\n"),
            ("secret.txt", "must not reach the engine"),
            ("kept.txt", "kept"),
            ("sub/a.log", "log"),
            ("build/drop.txt", "drop"),
            ("build/keep.txt", "keep"),
            ("run.sh", "#!/bin/sh\necho run\n"),
            (&long, "long"),
        ],
    );
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::os::unix::fs::symlink("kept.txt", dir.path().join("link")).unwrap();
    std::fs::set_permissions(dir.path().join("run.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let tag = format!("{}:ctx", unique_name("hoist-image-context"));
    let _guard = ImageGuard::new([tag.clone()]);
    let mut request = request(dir.path(), "v0");
    request.tags = vec![tag.clone()];
    let outcome = engine_with(builder, DockerConfig::empty()).build(&request, &mut |_| {}).unwrap();
    assert!(outcome.context.excluded >= 3, "{:?}", outcome.context);

    let listing = run_in(&tag, "cd /ctx && find . | sort");
    let expected = [
        ".",
        "./.dockerignore",
        "./Dockerfile",
        "./build",
        "./build/keep.txt",
        &format!("./{}", "d".repeat(80)),
        &format!("./{long}"),
        "./empty",
        "./kept.txt",
        "./link",
        "./run.sh",
        "./sub",
    ];
    assert_eq!(listing.lines().collect::<Vec<_>>(), expected, "builder {builder:?}");
    assert_eq!(
        run_in(&tag, "readlink /ctx/link; /ctx/run.sh; cat /ctx/$(ls /ctx | grep ddd)/*"),
        "kept.txt\nrun\nlong"
    );
}

#[test]
fn the_context_honours_dockerignore_and_keeps_links_modes_empty_dirs_and_long_paths_buildkit() {
    context_checks(Builder::Buildkit);
}

#[test]
fn the_context_honours_dockerignore_and_keeps_links_modes_empty_dirs_and_long_paths_classic() {
    context_checks(Builder::Classic);
}

fn failing_step(builder: Builder) {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[("Dockerfile", &dockerfile("RUN echo first line && echo to stderr >&2 && echo last line && exit 42\n"))],
    );
    let tag = format!("{}:fail", unique_name("hoist-image-fail"));
    let _guard = ImageGuard::new([tag.clone()]);
    let mut request = request(dir.path(), "v0");
    request.tags = vec![tag.clone(), format!("{tag}-second")];
    let engine = engine_with(builder, DockerConfig::empty());
    let mut events = Vec::new();
    let err = engine.build(&request, &mut |event| events.push(event)).unwrap_err();
    if builder == Builder::Buildkit {
        // The step is reported as failed, never as done.
        let failing = |step: &hoist_image::Step| step.command.contains("exit 42");
        assert!(events.iter().any(|e| matches!(e, BuildEvent::StepFailed { step, .. } if failing(step))), "{events:?}");
        assert!(!events.iter().any(|e| matches!(e, BuildEvent::StepDone { step, .. } if failing(step))), "{events:?}");
    }
    let ImageError::StepFailed { exit_code, log, instruction, .. } = &err else {
        panic!("expected a failed step, got {err:?}")
    };
    assert_eq!(*exit_code, Some(42), "{err}");
    assert!(instruction.contains("echo first line"), "{instruction}");
    for line in ["first line", "to stderr", "last line"] {
        assert!(log.contains(line), "`{line}` missing from the log: {log}");
    }
    let text = err.to_string();
    assert!(text.contains("failed with exit code 42\nits output:\n  | "), "{text}");
    assert!(engine.inspect(&tag).unwrap().is_none(), "no tag is left behind");
}

#[test]
fn a_failing_run_step_reports_its_whole_log_and_exit_code_buildkit() {
    failing_step(Builder::Buildkit);
}

#[test]
fn a_failing_run_step_reports_its_whole_log_and_exit_code_classic() {
    failing_step(Builder::Classic);
}

#[test]
fn a_target_that_is_not_a_stage_lists_the_stages() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("Dockerfile", &dockerfile(MULTI_STAGE))]);
    let mut request = request(dir.path(), "v0");
    request.target = Some("nope".into());
    let err = engine().build(&request, &mut |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "`nope` is not a stage of `{}`; its stages are `base`, `build`, `tester` and `release`\nhelp: pass one of them as the target",
            dir.path().join("Dockerfile").display()
        )
    );
}

#[test]
fn a_missing_context_is_named() {
    let request = request(std::path::Path::new("/nonexistent/hoist-context"), "v0");
    let err = engine().build(&request, &mut |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the build context `/nonexistent/hoist-context` does not exist\nhelp: set `context` in `hoist.toml` to a directory of the project"
    );
}

#[test]
fn a_cached_rebuild_reports_cached_steps() {
    let dir = tempfile::tempdir().unwrap();
    let marker = unique_name("marker");
    write_files(dir.path(), &[("Dockerfile", &dockerfile(&format!("RUN echo {marker} > /m\n")))]);
    let tag = format!("{}:cache", unique_name("hoist-image-cache"));
    let _guard = ImageGuard::new([tag.clone()]);
    let mut request = request(dir.path(), "v0");
    request.tags = vec![tag.clone()];
    request.oci.created = "2024-01-01T00:00:00Z".into();
    let run_cached = |events: &[BuildEvent]| {
        events.iter().find_map(|e| match e {
            BuildEvent::StepDone { step, cached, .. } if step.command.starts_with("RUN echo marker") => Some(*cached),
            _ => None,
        })
    };
    let mut events = Vec::new();
    let first = engine().build(&request, &mut collect(&mut events)).unwrap();
    assert_eq!(run_cached(&events), Some(false), "{events:?}");
    let mut events = Vec::new();
    let second = engine().build(&request, &mut collect(&mut events)).unwrap();
    assert_eq!(run_cached(&events), Some(true), "{events:?}");
    assert_eq!((first.steps, first.cached_steps), (1, 0), "{first:?}");
    assert_eq!((second.steps, second.cached_steps), (1, 1), "{second:?}");
    assert_eq!(first.image_id, second.image_id, "same inputs and labels give the same image");
}
