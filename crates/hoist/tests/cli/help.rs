use crate::hoist;
use hoist_test_support::cli::Project;

#[test]
fn help_lists_every_target_with_an_example() {
    let project = Project::new();
    let out = hoist(project.path()).args(["--help"]).success();
    for target in
        ["version", "tag", "registry", "layers", "compose", "completions", "release", "diff", "gitops-release", "ci"]
    {
        assert!(out.lines().any(|l| l.trim_start().starts_with(target)), "`{target}` missing from --help:\n{out}");
        assert!(out.contains(&format!("hoist {target}")), "no example for `{target}`:\n{out}");
    }
    assert!(out.contains("-C, --project-dir <DIR>"), "{out}");
}

#[test]
fn completions_for_each_shell() {
    let project = Project::new();
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef hoist"), ("fish", "complete -c hoist")] {
        let out = hoist(project.path()).args(["completions", shell]).success();
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("layers"), "{shell} completions miss targets");
    }
}

#[test]
fn version_flag() {
    let project = Project::new();
    assert_eq!(hoist(project.path()).args(["--version"]).success(), format!("hoist {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_closed_stdout_ends_completions_quietly() {
    let project = Project::new();
    let bin = env!("CARGO_BIN_EXE_hoist");
    // `head -c1` closes the pipe long before the script is written.
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{bin}' completions bash | head -c1 >/dev/null"))
        .current_dir(project.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "", "hoist complained about the closed pipe");
}
