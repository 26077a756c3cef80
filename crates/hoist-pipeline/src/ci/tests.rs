use super::*;

fn ci(toml: &str) -> hoist_config::Ci {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hoist.toml"), format!("registry = \"r.example.com/app\"\n{toml}")).unwrap();
    hoist_config::Config::discover(dir.path()).unwrap().ci
}

fn gh(event: &str, ref_name: &str, base: &str, message: &str) -> GithubEnv {
    let s = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    GithubEnv {
        event_name: s(event),
        ref_name: s(ref_name),
        base_ref: s(base),
        head_ref: None,
        head_commit_message: s(message),
    }
}

/// One row: flags, GitHub's environment, git's branch → (event, branch, base, merged, on main).
#[test]
fn context_detection() {
    let push = |merged| CiFlags { event: Some(CiEvent::Push), merged_pr: merged, ..CiFlags::default() };
    let pr = CiFlags { event: Some(CiEvent::PullRequest), base: Some("origin/main".into()), ..CiFlags::default() };
    let none = CiFlags::default();
    #[rustfmt::skip]
    let rows: Vec<(CiFlags, GithubEnv, Option<&str>, &str)> = vec![
        (push(false), gh("", "", "", ""), Some("main"), "Push main - false true"),
        (push(true), gh("", "", "", ""), Some("main"), "Push main - true true"),
        (push(false), gh("", "", "", ""), Some("feature"), "Push feature - false false"),
        (pr.clone(), gh("", "", "", ""), Some("feature"), "PullRequest feature origin/main false false"),
        (none.clone(), gh("push", "main", "", "Merge pull request #12 from me/x\n\nbody"), None, "Push main - true true"),
        (none.clone(), gh("push", "main", "", "Fix the index (#31)"), None, "Push main - true true"),
        (none.clone(), gh("push", "main", "", "Fix the index (#x)"), None, "Push main - false true"),
        (none.clone(), gh("push", "main", "", "Committed by GitHub"), Some("other"), "Push main - false true"),
        (none.clone(), gh("push", "release", "", ""), Some("main"), "Push release - false false"),
        (none.clone(), gh("pull_request", "12/merge", "main", ""), None, "PullRequest - origin/main false false"),
        (none.clone(), gh("", "", "", ""), Some("main"), "Push main - false true"),
        (CiFlags { base: Some("origin/dev".into()), ..CiFlags::default() }, gh("", "", "", ""), None, "PullRequest - origin/dev false false"),
        // Flags win over the environment.
        (push(false), gh("pull_request", "", "main", ""), Some("main"), "Push main - false true"),
        (CiFlags { branch: Some("main".into()), ..push(false) }, gh("", "", "", ""), Some("x"), "Push main - false true"),
    ];
    for (i, (flags, env, branch, expected)) in rows.iter().enumerate() {
        let git = GitHead { branch: branch.map(str::to_owned), message: None };
        let c = detect_context(flags, env, &git, "main", None).unwrap();
        let got = format!(
            "{:?} {} {} {} {}",
            c.event,
            c.branch.as_deref().unwrap_or("-"),
            c.base.as_deref().unwrap_or("-"),
            c.merged_pr,
            c.on_main
        );
        assert_eq!(&got, expected, "row {i}: {flags:?} {env:?} {branch:?}");
    }
}

#[test]
fn context_errors() {
    let err = |flags: &CiFlags, env: &GithubEnv| {
        detect_context(flags, env, &GitHead::default(), "main", None).unwrap_err().to_string()
    };
    assert_eq!(
        err(&CiFlags::default(), &gh("schedule", "", "", "")),
        "`GITHUB_EVENT_NAME=schedule` is neither a push nor a pull request: pass `--event push` or `--event pull-request`"
    );
    assert_eq!(
        err(&CiFlags { event: Some(CiEvent::PullRequest), ..CiFlags::default() }, &gh("", "", "", "")),
        "a pull request needs its base to find its commits: pass `--base origin/main` (GitHub sets `GITHUB_BASE_REF`)"
    );
}

/// Without GitHub's payload, git's HEAD message says whether a push is a merged pull request;
/// with the payload, the payload says it.
#[test]
fn a_merged_pull_request_is_known_from_git_on_any_ci() {
    let git = |message: &str| GitHead { branch: Some("main".into()), message: Some(message.into()) };
    let push = CiFlags { event: Some(CiEvent::Push), ..CiFlags::default() };
    let c = detect_context(&push, &GithubEnv::default(), &git("Fix the index (#31)\n"), "main", None).unwrap();
    assert_eq!((c.merged_pr, c.merged_from), (true, Some(MergedFrom::HeadMessage)));
    assert!(c.source.ends_with(", HEAD's commit message"), "{}", c.source);
    let c = detect_context(&push, &GithubEnv::default(), &git("Merge pull request #4 from a/b\n\nx"), "main", None)
        .unwrap();
    assert!(c.merged_pr);
    let c = detect_context(&push, &GithubEnv::default(), &git("Bump version: 0.1.0 → 0.1.1"), "main", None).unwrap();
    assert!(!c.merged_pr);
    let c =
        detect_context(&CiFlags::default(), &gh("push", "main", "", "A direct push"), &git("Fix (#3)"), "main", None)
            .unwrap();
    assert!(!c.merged_pr, "the event payload wins over git");
}

fn context(event: CiEvent, merged: bool, on_main: bool) -> CiContext {
    CiContext {
        event,
        branch: Some(if on_main { "main" } else { "feature" }.into()),
        base: (event == CiEvent::PullRequest).then(|| "origin/main".into()),
        merged_pr: merged,
        merged_from: merged.then_some(MergedFrom::Flag),
        on_main,
        pr: (event == CiEvent::PullRequest).then(|| "12".into()),
        source: "test".into(),
    }
}

#[test]
fn bump_parts_and_their_reasons() {
    let default = ci("");
    let reason = |c: CiContext, config: &hoist_config::Ci| {
        let (part, why) = bump_part(&c, config);
        format!("{} — {why}", part.as_deref().unwrap_or("-"))
    };
    assert_eq!(reason(context(CiEvent::PullRequest, false, false), &default), "- — a pull request never bumps");
    assert_eq!(
        reason(context(CiEvent::Push, false, false), &default),
        "- — a push to `feature`, not to the main branch `main`"
    );
    assert_eq!(
        reason(context(CiEvent::Push, true, true), &default),
        "patch — a merged pull request (`--merged-pr`) to `main` bumps `patch` (`ci.merged-pr-bump`)"
    );
    assert_eq!(
        reason(context(CiEvent::Push, false, true), &default),
        "build — a direct push to `main` bumps `build` (`ci.push-bump`)"
    );
    let quiet = ci("[ci]\npush-bump = \"\"\n");
    assert_eq!(
        reason(context(CiEvent::Push, false, true), &quiet),
        "- — a direct push: `ci.push-bump` is empty, no bump"
    );
}

/// New data regenerates; otherwise the previous image is reused when the registry has it. A
/// pull request pushes only data it regenerated; another branch pushes nothing.
#[test]
fn data_decisions() {
    let head = || Some(DumpChange::HeadTouches { dump: vec!["d".into()] });
    let old = || Some(DumpChange::LastChangedIn { dump: vec!["d".into()], commit: "abc".into() });
    // With `ci.push-pr-data = true`; the default (`false`) is checked below.
    let decide = |c: CiContext, always: bool, change: Option<DumpChange>, digest: Result<Option<String>, String>| {
        let (decision, push, reason) = decide_data(&c, always, true, change, "r/app:v1-solr", digest, None);
        let what = match decision {
            DataDecision::Regenerate => "regenerate".to_owned(),
            DataDecision::Reuse { source, digest } => format!("reuse {source}@{digest}"),
        };
        format!("{what} push={push}: {reason}")
    };
    let row = |c: CiContext, change: Option<DumpChange>, digest: Result<Option<String>, String>| {
        decide(c, false, change, digest)
    };
    let main = || context(CiEvent::Push, false, true);
    let pr = || context(CiEvent::PullRequest, false, false);
    let feature = || context(CiEvent::Push, false, false);
    let exists = || Ok(Some("sha256:1".to_owned()));
    assert_eq!(row(main(), head(), exists()), "regenerate push=true: new data: HEAD touches `d`; pushed (main branch)");
    assert_eq!(
        row(main(), old(), exists()),
        "reuse r/app:v1-solr@sha256:1 push=true: no new data (`d` last changed in abc, not HEAD); `r/app:v1-solr` exists at sha256:1; pushed (main branch)"
    );
    assert_eq!(
        row(main(), old(), Ok(None)),
        "regenerate push=true: no new data (`d` last changed in abc, not HEAD), but `r/app:v1-solr` is not in the registry; pushed (main branch)"
    );
    assert_eq!(
        row(pr(), head(), Ok(None)),
        "regenerate push=true: new data: HEAD touches `d`; pushed under the pull request's name (`ci.push-pr-data = true`)"
    );
    // `ci.push-pr-data = false`, the default: the pull request's new data stays local.
    let (decision, push, reason) = decide_data(&pr(), false, false, head(), "r/app:v1-solr", Ok(None), None);
    assert_eq!(
        (decision == DataDecision::Regenerate, push, reason.to_string()),
        (true, false, "new data: HEAD touches `d`; kept local (a pull request's data image is pushed only with `ci.push-pr-data = true`)".to_owned())
    );
    // The pull request's own data image from an earlier run with the same dump files: reused,
    // only when it pushes its data image; never on main, never with `regenerate = "always"`.
    let own = || Some(("r/app:v1-7-solr".to_owned(), "sha256:2".to_owned()));
    let (decision, push, reason) = decide_data(&pr(), false, true, head(), "r/app:v1-solr", Ok(None), own());
    assert_eq!(
        (decision, push, reason.to_string()),
        (
            DataDecision::Reuse { source: "r/app:v1-7-solr".into(), digest: "sha256:2".into() },
            false,
            "new data: HEAD touches `d`; the pull request's own `r/app:v1-7-solr` exists at sha256:2, made by an earlier run from the same dump files: reused, not regenerated".to_owned()
        )
    );
    for (c, always, push_pr_data) in [(pr(), false, false), (pr(), true, true), (main(), false, true)] {
        let (decision, _, _) = decide_data(&c, always, push_pr_data, head(), "r/app:v1-solr", Ok(None), own());
        assert_eq!(decision, DataDecision::Regenerate, "{:?} always={always} push-pr-data={push_pr_data}", c.event);
    }
    let unnumbered = || CiContext { pr: None, ..pr() };
    assert_eq!(
        row(unnumbered(), head(), Ok(None)),
        "regenerate push=false: new data: HEAD touches `d`; kept local (not the main branch)",
        "without a number a pull request's image would carry main's name"
    );
    assert_eq!(
        row(pr(), old(), Ok(None)),
        "regenerate push=false: no new data (`d` last changed in abc, not HEAD), but `r/app:v1-solr` is not in the registry; kept local (not the main branch)"
    );
    assert_eq!(
        row(pr(), old(), exists()),
        "reuse r/app:v1-solr@sha256:1 push=false: no new data (`d` last changed in abc, not HEAD); `r/app:v1-solr` exists at sha256:1; kept local (not the main branch)"
    );
    assert_eq!(
        row(feature(), head(), exists()),
        "regenerate push=false: new data: HEAD touches `d`; kept local (not the main branch)"
    );
    assert_eq!(
        row(main(), None, Err("connection refused".into())),
        "regenerate push=true: the registry could not be asked about `r/app:v1-solr` (connection refused); pushed (main branch)"
    );
    // `regenerate = "always"`: every run, pushed as new data would be.
    assert_eq!(
        decide(main(), true, None, Ok(None)),
        "regenerate push=true: `data-image.regenerate = \"always\"`: every run regenerates the data image; pushed (main branch)"
    );
    assert_eq!(
        decide(pr(), true, None, Ok(None)),
        "regenerate push=true: `data-image.regenerate = \"always\"`: every run regenerates the data image; pushed under the pull request's name (`ci.push-pr-data = true`)"
    );
    // Several pathspecs read as one.
    let several = DumpChange::InRange {
        dump: vec!["dumps/*latest*".into(), "solr_conf/".into()],
        range: "b..HEAD".into(),
        commits: 2,
    };
    assert_eq!(several.to_string(), "2 commit(s) in `b..HEAD` touch `dumps/*latest*` or `solr_conf/`");
}
