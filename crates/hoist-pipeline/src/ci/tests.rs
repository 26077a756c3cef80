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
        let c = detect_context(flags, env, *branch, "main", None).unwrap();
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
    let err =
        |flags: &CiFlags, env: &GithubEnv| detect_context(flags, env, None, "main", None).unwrap_err().to_string();
    assert_eq!(
        err(&CiFlags::default(), &gh("schedule", "", "", "")),
        "`GITHUB_EVENT_NAME=schedule` is neither a push nor a pull request: pass `--event push` or `--event pull-request`"
    );
    assert_eq!(
        err(&CiFlags { event: Some(CiEvent::PullRequest), ..CiFlags::default() }, &gh("", "", "", "")),
        "a pull request needs its base to find its commits: pass `--base origin/main` (GitHub sets `GITHUB_BASE_REF`)"
    );
}

fn facts(context: CiContext, ci: hoist_config::Ci, data: Option<DataFacts>) -> CiFacts {
    let (part, _) = bump_part(&context, &ci);
    CiFacts {
        bump: part.map(|p| (p, "0.2.0".into(), Some("v0.2.0".into()))),
        context,
        ci,
        version: "0.1.0".into(),
        data,
        test_step: "tester".into(),
        release_step: "release".into(),
        remote: "origin".into(),
        environment: "dev".into(),
    }
}

fn context(event: CiEvent, merged: bool, on_main: bool) -> CiContext {
    CiContext {
        event,
        branch: Some(if on_main { "main" } else { "feature" }.into()),
        base: (event == CiEvent::PullRequest).then(|| "origin/main".into()),
        merged_pr: merged,
        on_main,
        pr: None,
        source: "test".into(),
    }
}

fn data(changed: Option<bool>, exists: bool) -> DataFacts {
    DataFacts {
        changed: changed.map(|c| (c, if c { "HEAD touches `d`".into() } else { "`d` last changed in abc".into() })),
        source: "r/app:v0.1.0-solr".into(),
        source_digest: exists.then(|| "sha256:1".into()),
        source_unknown: None,
        tag: "r/app:v0.2.0-solr".into(),
    }
}

/// Renders a plan one line per step, as `ci --dry-run` does.
fn render(plan: &CiPlan) -> String {
    plan.steps
        .iter()
        .map(|s| {
            let action = serde_json::to_value(&s.action).unwrap();
            let mut a = action.as_object().unwrap().clone();
            let kind = a.remove("action").unwrap();
            let rest: Vec<String> = a.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{} {} [{}]: {}\n", s.name, kind.as_str().unwrap(), rest.join(" "), s.reason)
        })
        .collect()
}

#[test]
fn decisions() {
    let default = ci("");
    let plan =
        plan_ci(&facts(context(CiEvent::PullRequest, false, false), default.clone(), Some(data(Some(false), true))));
    assert_eq!(
        render(&plan),
        r#"bump skip []: a pull request never bumps
data-image data-image [data="pull-and-retag" push=false source="r/app:v0.1.0-solr" tag="r/app:v0.1.0-solr"]: no new data (`d` last changed in abc); `r/app:v0.1.0-solr` exists at sha256:1; kept local (not the main branch)
test test [step="tester"]: every run tests the tester image
push-git skip []: a pull request pushes nothing
push-image skip []: a pull request pushes nothing
deploy skip []: a pull request pushes nothing
"#
        .replace("tag=\"r/app:v0.1.0-solr\"", "tag=\"r/app:v0.2.0-solr\"")
    );
    assert_eq!(plan.new_version, "0.1.0");

    let plan = plan_ci(&facts(context(CiEvent::Push, true, true), default.clone(), Some(data(Some(true), true))));
    assert_eq!(
        render(&plan),
        r#"bump bump [from="0.1.0" part="patch" tag="v0.2.0" to="0.2.0"]: a merged pull request to `main` bumps `patch` (`ci.merged-pr-bump`)
data-image data-image [data="regenerate" push=true source=null tag="r/app:v0.2.0-solr"]: new data: HEAD touches `d`; pushed (main branch)
test test [step="tester"]: every run tests the tester image
push-git push-git [branch="main" remote="origin" tag="v0.2.0"]: publish the bump commit and its tag `v0.2.0` (atomically; no other tag)
push-image push-image [step="release"]: the main branch publishes the `release` image of 0.2.0
deploy deploy [environment="dev" version="0.2.0"]: `ci.deploy` deploys the main branch to `deploy.default-environment` `dev`
"#
    );

    let plan = plan_ci(&facts(context(CiEvent::Push, false, true), default.clone(), Some(data(None, false))));
    assert_eq!(plan.steps[0].reason, "a direct push to `main` bumps `build` (`ci.push-bump`)");
    assert_eq!(plan.steps[1].reason, "`r/app:v0.1.0-solr` is not in the registry; pushed (main branch)");

    let quiet = ci("[ci]\npush-bump = \"\"\ndeploy = false\n");
    let plan = plan_ci(&facts(context(CiEvent::Push, false, true), quiet, None));
    assert_eq!(
        render(&plan),
        r#"bump skip []: a direct push: `ci.push-bump` is empty, no bump
test test [step="tester"]: every run tests the tester image
push-git skip []: no bump: nothing to push
push-image push-image [step="release"]: the main branch publishes the `release` image of 0.1.0
deploy skip []: `ci.deploy = false`
"#
    );

    let plan = plan_ci(&facts(context(CiEvent::Push, false, false), default, None));
    assert_eq!(plan.steps[0].reason, "a push to `feature`, not to the main branch `main`");
    assert_eq!(plan.steps[4].reason, "not the main branch `main`");
}
