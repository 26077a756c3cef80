//! Differential tests: every case runs once with the real bump-my-version 1.8.1 and once with
//! `hoist bump-my-version`, each in a fresh copy of the same git repository, and the resulting
//! trees (byte for byte), commits, tags (with their messages) and exit status must agree.
//!
//! bump-my-version is found through `HOIST_BMV` (the path of its `bump-my-version` script) or
//! at `/opt/bmv/bin/bump-my-version`; without it the test fails with the install command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use xshell::{Shell, cmd};

const FIXED_NOW: &str = "2024-03-15T10:20:30";

/// Runs bump-my-version with `datetime.now()` pinned to `BMV_FIXED_NOW`, as hoist pins it.
const BMV_SHIM: &str = r#"
import datetime, os, sys
fixed = os.environ.get("BMV_FIXED_NOW")
if fixed:
    base = datetime.datetime.fromisoformat(fixed)
    class FixedDateTime(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            if tz is None:
                return cls.fromisoformat(base.replace(tzinfo=None).isoformat())
            utc = base.astimezone(datetime.timezone.utc) if base.tzinfo else base.replace(tzinfo=datetime.timezone.utc)
            return cls.fromisoformat(utc.astimezone(tz).isoformat())
    datetime.datetime = FixedDateTime
sys.argv[0] = "bump-my-version"
from bumpversion.cli import cli
sys.exit(cli())
"#;

/// The bump-my-version 1.8.1 to compare with; fails the test when it is not installed.
fn bump_my_version() -> PathBuf {
    let path = std::env::var_os("HOIST_BMV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/bmv/bin/bump-my-version"));
    assert!(
        path.is_file(),
        "bump-my-version 1.8.1 is not installed at `{}`: run `python3 -m venv /opt/bmv && /opt/bmv/bin/pip install bump-my-version==1.8.1` (or `.ci/install-bump-my-version`), or set HOIST_BMV to its `bump-my-version` script",
        path.display()
    );
    path
}

/// The Python that runs `bmv`: the venv's `python` next to it, else the script's shebang.
fn python_of(bmv: &Path) -> PathBuf {
    let sibling = bmv.parent().unwrap().join("python");
    if sibling.exists() {
        return sibling;
    }
    let script = std::fs::read_to_string(bmv).unwrap_or_default();
    let shebang = script.lines().next().and_then(|l| l.strip_prefix("#!")).unwrap_or("python3");
    PathBuf::from(shebang.split_whitespace().next().unwrap_or("python3"))
}

/// A step run after the initial commit, before the command.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// `git tag NAME`.
    Tag(&'static str),
    /// Overwrite a tracked file without committing (a dirty tree).
    Modify(&'static str, &'static str),
    /// Write a file that is not committed.
    Untracked(&'static str, &'static str),
    /// Add a bare `origin` (inside `.git/`, so it is not part of the tree) and push `main`.
    Remote,
    /// Push a tag to `origin`.
    PushTag(&'static str),
}

/// What the two runs must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Same exit status (success or failure), same tree, same git history and tags.
    Same,
    /// As `Same`, and the same stdout.
    SameStdout,
    /// A documented difference (`docs/bump.md`, "Differences from bump-my-version"): the trees
    /// or git states differ, and hoist's result is checked by the named test.
    Differs(&'static str),
}

#[derive(Clone, Debug)]
struct Case {
    name: String,
    files: Vec<(&'static str, String)>,
    steps: Vec<Step>,
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
    /// Run in this subdirectory of the repository.
    subdir: Option<&'static str>,
    expect: Expect,
}

fn case(name: &str, files: &[(&'static str, &str)], args: &str, expect: Expect) -> Case {
    Case {
        name: name.to_owned(),
        files: files.iter().map(|(p, c)| (*p, (*c).to_owned())).collect(),
        steps: Vec::new(),
        args: args.split_whitespace().map(str::to_owned).collect(),
        env: Vec::new(),
        subdir: None,
        expect,
    }
}

impl Case {
    /// Runs the command in `dir` (a directory of the repository).
    fn in_dir(mut self, dir: &'static str) -> Case {
        self.subdir = Some(dir);
        self
    }

    /// An environment variable for both runs (`BUMPVERSION_*`).
    fn env(mut self, key: &'static str, value: &'static str) -> Case {
        self.env.push((key, value));
        self
    }

    fn steps(mut self, steps: &[Step]) -> Case {
        self.steps = steps.to_vec();
        self
    }

    /// Arguments with spaces (a message, a search string), added after the split ones.
    fn arg(mut self, value: &str) -> Case {
        self.args.push(value.to_owned());
        self
    }
}

const REVSYS_CFG: &str = r"[bumpversion]
current_version = 0.5.146
tag = True
commit = True
allow_dirty = False
parse = (?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(-r(?P<build>\d+))?
serialize =
	{major}.{minor}.{patch}-r{build}
	{major}.{minor}.{patch}

[bumpversion:part:build]
first_value = 0

[bumpversion:file:docker-compose.solr-build.yml]
parse = ^\s+image: [^:]+v(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(-r(?P<build>\d+))?
[bumpversion:file:docker-compose.ci.yml]
[bumpversion:file:Dockerfile]
[bumpversion:file:chart/Chart.yaml]
[bumpversion:file:justfile]
";

fn revsys(version: &str) -> Vec<(&'static str, String)> {
    vec![
        (".bumpversion.cfg", REVSYS_CFG.replace("0.5.146", version)),
        (
            "docker-compose.solr-build.yml",
            format!("services:\n  solr:\n    image: registry.example.com/solr:v{version}\n"),
        ),
        (
            "docker-compose.ci.yml",
            format!("services:\n  app:\n    image: registry.example.com/app:v{version}-tester\n"),
        ),
        ("Dockerfile", format!("FROM python:3.12\nENV IMAGE_VERSION v{version}\nLABEL version=\"{version}\"\n")),
        ("chart/Chart.yaml", format!("apiVersion: v2\nname: app\nversion: {version}\nappVersion: v{version}\n")),
        ("justfile", format!("VERSION := 'v{version}'\n\nbuild:\n    docker build -t app:{{{{VERSION}}}} .\n")),
    ]
}

fn revsys_case(name: &str, version: &str, args: &str, expect: Expect) -> Case {
    let files = revsys(version);
    Case {
        name: name.to_owned(),
        files,
        steps: Vec::new(),
        args: args.split_whitespace().map(str::to_owned).collect(),
        env: Vec::new(),
        subdir: None,
        expect,
    }
}

fn toml(body: &str) -> String {
    format!("[tool.bumpversion]\n{body}")
}

fn cases() -> Vec<Case> {
    use Expect::*;
    let mut cases = Vec::new();

    // The original project's shape: INI, two serialize formats, commit + tag.
    for (name, version, args) in [
        ("revsys-patch", "0.5.146", "bump patch"),
        ("revsys-build", "0.5.146", "bump build"),
        ("revsys-build-again", "0.5.146-r1", "bump build"),
        ("revsys-patch-from-build", "0.5.146-r3", "bump patch"),
        ("revsys-minor", "0.5.146-r3", "bump minor"),
        ("revsys-major", "0.5.146", "bump major"),
        ("revsys-no-commit-no-tag", "0.5.146", "bump patch --no-commit --no-tag"),
        ("revsys-no-tag", "0.5.146", "bump patch --no-tag"),
        ("revsys-dry-run", "0.5.146", "bump patch --dry-run"),
        ("revsys-dry-run-short", "0.5.146", "bump -n build"),
        ("revsys-new-version", "0.5.146", "bump --new-version 0.6.0-r2"),
        ("revsys-new-version-optional", "0.5.146", "bump --new-version 0.6.0-r0"),
        ("revsys-to", "0.5.146", "bump build --to 7"),
        ("revsys-to-patch", "0.5.146-r2", "bump patch --to 200"),
        ("revsys-unknown-part", "0.5.146", "bump nope"),
        ("revsys-no-part", "0.5.146", "bump"),
        ("revsys-tag-message", "0.5.146", "bump patch --tag-message release-{new_version}"),
        ("revsys-empty-tag-message", "0.5.146", "bump patch --tag-message="),
        ("revsys-tag-name", "0.5.146", "bump patch --tag-name release/{new_version}"),
        ("revsys-sign-off", "0.5.146", "bump patch --no-sign-tags"),
        ("revsys-current-version", "0.5.146", "bump patch --current-version 0.5.146"),
        ("revsys-commit-args", "0.5.146", "bump patch --commit-args=--no-verify"),
    ] {
        cases.push(revsys_case(name, version, args, Same));
    }
    cases.push(
        revsys_case("revsys-message", "0.5.146", "bump patch -m", Same)
            .arg("Release {new_version} (was {current_version})"),
    );
    cases.push(
        revsys_case("revsys-dirty", "0.5.146", "bump patch", Same).steps(&[Step::Modify("justfile", "changed\n")]),
    );
    cases.push(
        revsys_case("revsys-dirty-allowed", "0.5.146", "bump patch --allow-dirty --no-commit", Same)
            .steps(&[Step::Modify("chart/Chart.yaml", "apiVersion: v2\nversion: 0.5.146\n")]),
    );
    cases.push(
        revsys_case("revsys-env-flags", "0.5.146", "bump patch", Same)
            .steps(&[Step::Modify("justfile", "VERSION := 'v0.5.146'\n# local\n")])
            .env("BUMPVERSION_ALLOW_DIRTY", "true")
            .env("BUMPVERSION_TAG", "false")
            .env("BUMPVERSION_MESSAGE", "env says {new_version}"),
    );
    cases.push(
        revsys_case("revsys-env-new-version", "0.5.146", "bump --no-commit --no-tag", Same)
            .env("BUMPVERSION_NEW_VERSION", "1.0.0-r3"),
    );
    cases.push(
        revsys_case("revsys-untracked-ok", "0.5.146", "bump patch", Same).steps(&[Step::Untracked("notes.txt", "x\n")]),
    );
    cases.push(
        revsys_case("revsys-tag-exists", "0.5.146", "bump patch", Differs("tag-exists-detected-first"))
            .steps(&[Step::Tag("v0.5.147")]),
    );
    cases.push(revsys_case("revsys-old-tag", "0.5.146", "bump patch", Same).steps(&[Step::Tag("v0.5.146")]));
    cases.push(
        revsys_case("revsys-extra-file", "0.5.146", "bump patch --no-commit --no-tag notes.txt", Same)
            .steps(&[Step::Untracked("notes.txt", "v0.5.146\n")]),
    );
    cases.push(
        revsys_case(
            "revsys-no-configured-files",
            "0.5.146",
            "bump patch --no-commit --no-tag --no-configured-files notes.txt",
            Same,
        )
        .steps(&[Step::Untracked("notes.txt", "v0.5.146\n")]),
    );

    // TOML, default parse/serialize.
    let simple = |extra: &str| {
        vec![
            (
                ".bumpversion.toml",
                toml(&format!(
                    "current_version = \"1.2.3\"\n{extra}\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n\n[[tool.bumpversion.files]]\nfilename = \"src/app.py\"\nsearch = \"__version__ = \\\"{{current_version}}\\\"\"\nreplace = \"__version__ = \\\"{{new_version}}\\\"\"\n"
                )),
            ),
            ("VERSION", "1.2.3\n".to_owned()),
            ("src/app.py", "# app 1.2.3 is old\n__version__ = \"1.2.3\"\n".to_owned()),
        ]
    };
    for (name, extra, args) in [
        ("toml-patch", "", "bump patch"),
        ("toml-minor", "", "bump minor"),
        ("toml-major", "", "bump major"),
        ("toml-commit", "commit = true", "bump patch"),
        ("toml-commit-tag", "commit = true\ntag = true", "bump minor"),
        ("toml-tag-only", "tag = true", "bump patch"),
        ("toml-lightweight-tag", "commit = true\ntag = true\ntag_message = \"\"", "bump patch"),
        ("toml-custom-message", "commit = true\nmessage = \"release {new_version} on {now:%Y-%m-%d}\"", "bump patch"),
        (
            "toml-moveable-tags",
            "commit = true\ntag = true\nmoveable_tags = [\"latest\", \"v{new_major}\"]",
            "bump patch",
        ),
        ("toml-new-version", "", "bump --new-version 3.0.0"),
        ("toml-same-version", "", "bump --new-version 1.2.3"),
        ("toml-serialize-flag", "", "bump patch --serialize {major}.{minor}.{patch}-final"),
        ("toml-parse-flag", "", "bump minor --parse (?P<major>\\d+)\\.(?P<minor>\\d+)(\\.(?P<patch>\\d+))?"),
        ("toml-unparsable", "", "bump patch --current-version banana"),
        ("toml-commit-no-commit", "commit = true", "bump patch --no-commit"),
        (
            "toml-hooks",
            "commit = true\npre_commit_hooks = [\"touch pre-{new_version}.txt\"]\npost_commit_hooks = [\"touch post-{current_version}.txt\"]\nsetup_hooks = [\"touch setup.txt\"]",
            "bump patch",
        ),
        ("toml-env-template", "commit = true\nmessage = \"bump by {$BMV_TEST_USER} {#}{;}\"", "bump patch"),
    ] {
        cases.push(case(name, &[], args, Same).files_owned(simple(extra)));
    }
    cases.push(
        case("toml-shell-hook-refused", &[], "bump patch", Differs("hooks-checked-before-writing"))
            .files_owned(simple("pre_commit_hooks = [\"echo x > y.txt\"]")),
    );
    cases.push(
        case("toml-search-flag", &[], "bump patch --search", Same)
            .files_owned(simple(""))
            .arg("app {current_version} is")
            .arg("--replace")
            .arg("app {new_version} is"),
    );

    // Comments, quoting and order survive the config update.
    let commented = "# project version\n[tool.bumpversion]\n# the current one\ncurrent_version = '2.0.9' # keep me\nparse = '(?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)'\n\n[[tool.bumpversion.files]]\nfilename = 'VERSION' # the file\n";
    for (name, args) in [("toml-comments-patch", "bump patch"), ("toml-comments-major", "bump major")] {
        cases.push(case(name, &[(".bumpversion.toml", commented), ("VERSION", "2.0.9")], args, Same));
    }

    // Values lists, optional values, independent parts, depends_on.
    let release = toml(
        "current_version = \"1.0.0-dev\"\nparse = \"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)\\\\.(?P<patch>\\\\d+)(-(?P<release>[a-z]+))?(\\\\+(?P<build>\\\\d+))?\"\nserialize = [\"{major}.{minor}.{patch}-{release}+{build}\", \"{major}.{minor}.{patch}-{release}\", \"{major}.{minor}.{patch}+{build}\", \"{major}.{minor}.{patch}\"]\n\n[tool.bumpversion.parts.release]\nvalues = [\"dev\", \"rc\", \"final\"]\noptional_value = \"final\"\n\n[tool.bumpversion.parts.build]\nindependent = true\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
    );
    for (name, version, args) in [
        ("values-release", "1.0.0-dev", "bump release"),
        ("values-release-final", "1.0.0-rc", "bump release"),
        ("values-release-at-end", "1.0.0", "bump release"),
        ("values-patch", "1.0.0", "bump patch"),
        ("values-minor-from-dev", "1.0.0-dev", "bump minor"),
        ("values-build", "1.0.0-rc+4", "bump build"),
        ("values-minor-keeps-build", "1.0.0-rc+4", "bump minor"),
        ("values-to-rc", "1.0.0-dev", "bump release --to rc"),
        ("values-to-invalid", "1.0.0-dev", "bump release --to beta"),
    ] {
        let config = release.replace("1.0.0-dev", version);
        cases.push(case(name, &[(".bumpversion.toml", &config), ("VERSION", &format!("v{version}\n"))], args, Same));
    }
    let depends = toml(
        "current_version = \"1.2.3.4\"\nparse = \"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)\\\\.(?P<patch>\\\\d+)\\\\.(?P<dev>\\\\d+)\"\nserialize = [\"{major}.{minor}.{patch}.{dev}\"]\n\n[tool.bumpversion.parts.dev]\ndepends_on = \"minor\"\nfirst_value = \"1\"\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
    );
    for (name, args) in
        [("depends-on-patch", "bump patch"), ("depends-on-minor", "bump minor"), ("depends-on-dev", "bump dev")]
    {
        cases.push(case(name, &[(".bumpversion.toml", &depends), ("VERSION", "1.2.3.4\n")], args, Same));
    }
    let numeric = toml(
        "current_version = \"1.2-r3\"\nparse = \"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)(-(?P<rev>r\\\\d+))?\"\nserialize = [\"{major}.{minor}-{rev}\", \"{major}.{minor}\"]\n\n[tool.bumpversion.parts.rev]\nfirst_value = \"r1\"\noptional_value = \"r1\"\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n",
    );
    for (name, args) in [("alnum-rev", "bump rev"), ("alnum-minor", "bump minor")] {
        cases.push(case(name, &[(".bumpversion.toml", &numeric), ("VERSION", "1.2-r3\n")], args, Same));
    }
    cases.push(case(
        "alnum-major-padded",
        &[(".bumpversion.toml", &numeric), ("VERSION", "1.2-r3\n")],
        "bump major --serialize {major:03}.{minor:02}",
        Differs("config-current-version-always-updated"),
    ));

    // CalVer, with the clock pinned.
    let calver = toml(
        "current_version = \"2024.02.3\"\nparse = \"(?P<release>\\\\d{4}\\\\.\\\\d{2})\\\\.(?P<patch>\\\\d+)\"\nserialize = [\"{release}.{patch}\"]\n\n[tool.bumpversion.parts.release]\ncalver_format = \"{YYYY}.{0M}\"\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\nreplace = \"{new_version} ({now:%Y-%m-%d}, {utcnow:%H:%M} UTC)\"\n",
    );
    for (name, version, args) in [
        ("calver-new-month", "2024.02.3", "bump patch"),
        ("calver-same-month", "2024.03.3", "bump patch"),
        ("calver-release", "2024.02.3", "bump release"),
    ] {
        let config = calver.replace("2024.02.3", version);
        cases.push(case(name, &[(".bumpversion.toml", &config), ("VERSION", &format!("{version}\n"))], args, Same));
    }

    // Regex search, per-file serialize, several entries for one file, include/exclude bumps.
    let files_cfg = toml(
        "current_version = \"3.4.5\"\n\n[[tool.bumpversion.files]]\nfilename = \"chart.yaml\"\nsearch = \"^version: {current_version}$\"\nreplace = \"version: {new_version}\"\nregex = true\n\n[[tool.bumpversion.files]]\nfilename = \"chart.yaml\"\nserialize = [\"{major}.{minor}\"]\nsearch = \"appVersion: {current_version}\"\nreplace = \"appVersion: {new_version}\"\n\n[[tool.bumpversion.files]]\nfilename = \"major.txt\"\nserialize = [\"{major}\"]\ninclude_bumps = [\"major\"]\n\n[[tool.bumpversion.files]]\nfilename = \"no-patch.txt\"\nexclude_bumps = [\"patch\"]\n",
    );
    let files_tree: Vec<(&str, &str)> = vec![
        ("chart.yaml", "version: 3.4.5\nappVersion: 3.4\nother: 3.4.5\n"),
        ("major.txt", "major 3\n"),
        ("no-patch.txt", "3.4.5\n"),
    ];
    for (name, args) in [("files-patch", "bump patch"), ("files-minor", "bump minor"), ("files-major", "bump major")] {
        let mut tree = files_tree.clone();
        tree.push((".bumpversion.toml", &files_cfg));
        cases.push(case(name, &tree, args, Same));
    }
    let regex_cfg = toml(
        "current_version = \"1.0.0\"\nregex = true\nsearch = \"(?<=version=)\\\"{current_version}\\\"\"\nreplace = \"\\\"{new_version}\\\"\"\n\n[[tool.bumpversion.files]]\nfilename = \"setup.py\"\n\n[[tool.bumpversion.files]]\nfilename = \"other.py\"\nsearch = \"V_(\\\\d)_{current_minor}\"\nreplace = \"V_\\\\1_{new_minor}\"\n",
    );
    for (name, args) in [("regex-lookbehind-patch", "bump patch"), ("regex-backref-minor", "bump minor")] {
        cases.push(case(
            name,
            &[
                (".bumpversion.toml", &regex_cfg),
                ("setup.py", "setup(version=\"1.0.0\")\nx=\"1.0.0\"\n"),
                ("other.py", "V_1_0 = 1\n"),
            ],
            args,
            Differs("config-current-version-always-updated"),
        ));
    }

    // Globs.
    let glob_cfg = toml(
        "current_version = \"0.9.0\"\n\n[[tool.bumpversion.files]]\nglob = \"**/*.txt\"\nglob_exclude = [\"vendor/**\"]\n",
    );
    let glob_tree: Vec<(&str, &str)> =
        vec![("a.txt", "0.9.0\n"), ("docs/b.txt", "v0.9.0\n"), ("vendor/c.txt", "0.9.0\n"), ("d.md", "0.9.0\n")];
    let mut tree = glob_tree.clone();
    tree.push((".bumpversion.toml", &glob_cfg));
    cases.push(case("glob-patch", &tree, "bump patch", Same));
    cases.push(case("glob-minor", &tree, "bump minor", Same));
    let glob_none = toml("current_version = \"0.9.0\"\n\n[[tool.bumpversion.files]]\nglob = \"*.nothing\"\n");
    cases.push(case(
        "glob-matches-nothing",
        &[(".bumpversion.toml", &glob_none), ("a.txt", "0.9.0\n")],
        "bump patch",
        Same,
    ));
    let glob_ignored = toml(
        "current_version = \"0.9.0\"\n\n[[tool.bumpversion.files]]\nglob = \"*.nothing\"\nignore_missing_file = true\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n",
    );
    cases.push(case(
        "glob-matches-nothing-ignored",
        &[(".bumpversion.toml", &glob_ignored), ("a.txt", "0.9.0\n")],
        "bump patch",
        Same,
    ));

    // Missing files and versions.
    let missing = |extra: &str| {
        toml(&format!(
            "current_version = \"1.0.0\"\n\n[[tool.bumpversion.files]]\nfilename = \"gone.txt\"\n{extra}\n[[tool.bumpversion.files]]\nfilename = \"here.txt\"\n"
        ))
    };
    cases.push(case(
        "missing-file",
        &[(".bumpversion.toml", &missing("")), ("here.txt", "1.0.0\n")],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "missing-file-ignored",
        &[(".bumpversion.toml", &missing("ignore_missing_file = true")), ("here.txt", "1.0.0\n")],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "missing-file-flag",
        &[(".bumpversion.toml", &missing("")), ("here.txt", "1.0.0\n")],
        "bump patch --ignore-missing-files",
        Same,
    ));
    let noversion = |extra: &str| {
        toml(&format!(
            "current_version = \"1.0.0\"\n{extra}\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n\n[[tool.bumpversion.files]]\nfilename = \"b.txt\"\nsearch = \"v{{current_version}}\"\n"
        ))
    };
    cases.push(case(
        "version-not-found",
        &[(".bumpversion.toml", &noversion("")), ("a.txt", "1.0.0\n"), ("b.txt", "1.0.0\n")],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "version-not-found-ignored",
        &[
            (".bumpversion.toml", &noversion("ignore_missing_version = true")),
            ("a.txt", "1.0.0\n"),
            ("b.txt", "1.0.0\n"),
        ],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "version-not-found-flag",
        &[(".bumpversion.toml", &noversion("")), ("a.txt", "1.0.0\n"), ("b.txt", "1.0.0\n")],
        "bump patch --ignore-missing-version",
        Same,
    ));
    cases.push(case(
        "version-padded-original",
        &[
            (
                ".bumpversion.toml",
                &toml("current_version = \"1.02.3\"\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n"),
            ),
            ("a.txt", "1.02.3\n"),
        ],
        "bump patch",
        Differs("config-current-version-always-updated"),
    ));

    // Newlines: CRLF and mixed files keep (or normalise) as Python's text mode does.
    let crlf_cfg = toml(
        "current_version = \"1.0.0\"\n[[tool.bumpversion.files]]\nfilename = \"crlf.txt\"\n[[tool.bumpversion.files]]\nfilename = \"mixed.txt\"\n",
    );
    cases.push(case(
        "newlines",
        &[(".bumpversion.toml", &crlf_cfg), ("crlf.txt", "a\r\n1.0.0\r\nb\r\n"), ("mixed.txt", "1.0.0\r\nb\n")],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "crlf-config",
        &[(".bumpversion.toml", &crlf_cfg.replace('\n', "\r\n")), ("crlf.txt", "1.0.0\r\n"), ("mixed.txt", "1.0.0\n")],
        "bump minor",
        Same,
    ));

    // pyproject.toml and setup.cfg.
    let pyproject = "[project]\nname = \"demo\"\nversion = \"0.3.0\"\n\n[tool.bumpversion]\ncurrent_version = \"0.3.0\"\ncommit = true\n\n[[tool.bumpversion.files]]\nfilename = \"demo/__init__.py\"\n";
    cases.push(case(
        "pyproject-patch",
        &[("pyproject.toml", pyproject), ("demo/__init__.py", "__version__ = '0.3.0'\n")],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "pyproject-major",
        &[("pyproject.toml", pyproject), ("demo/__init__.py", "__version__ = '0.3.0'\n")],
        "bump major",
        Same,
    ));
    let setup_cfg = "[metadata]\nname = demo\n\n[bumpversion]\ncurrent_version = 2.1.0\ncommit = True\nmessage = Bump %%(x)s {new_version}\n\n[bumpversion:file:demo.py]\n";
    cases.push(case("setup-cfg-patch", &[("setup.cfg", setup_cfg), ("demo.py", "V = '2.1.0'\n")], "bump patch", Same));
    let legacy = "[bumpversion]\ncurrent_version = 1.10\nparse = (?P<major>\\d+)\\.(?P<minor>\\d+)\nserialize = {major}.{minor}\n\n[bumpversion:file:v.txt]\nsearch = v={current_version}, end\nreplace = v={new_version}, end\n";
    cases.push(case(
        "ini-float-version",
        &[(".bumpversion.cfg", legacy), ("v.txt", "v=1.1\nend\n")],
        "bump minor",
        Same,
    ));
    cases.push(case(
        "ini-glob",
        &[
            (".bumpversion.cfg", "[bumpversion]\ncurrent_version = 4.0.0\n\n[bumpversion:glob:pkg/*.py]\n"),
            ("pkg/a.py", "4.0.0\n"),
            ("pkg/b.py", "x = '4.0.0'\n"),
        ],
        "bump major",
        Same,
    ));

    // Configuration discovery: a nested directory, the search order.
    let nested = toml(
        "current_version = \"1.0.0\"\ncommit = true\ntag = true\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n\n[[tool.bumpversion.files]]\nglob = \"docs/*.md\"\n",
    );
    let nested_tree: Vec<(&str, &str)> = vec![
        (".bumpversion.toml", &nested),
        ("a.txt", "1.0.0\n"),
        ("docs/x.md", "v1.0.0\n"),
        ("sub/dir/keep.txt", "1.0.0\n"),
    ];
    cases.push(case("from-subdirectory", &nested_tree, "bump minor", Same).in_dir("sub/dir"));
    cases.push(case("from-subdirectory-extra-file", &nested_tree, "bump patch keep.txt", Same).in_dir("sub/dir"));
    cases.push(case(
        "discovery-order",
        &[
            (
                ".bumpversion.toml",
                &toml("current_version = \"1.0.0\"\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n"),
            ),
            ("setup.cfg", "[bumpversion]\ncurrent_version = 9.0.0\n\n[bumpversion:file:a.txt]\n"),
            ("a.txt", "1.0.0 9.0.0\n"),
        ],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "explicit-config-file",
        &[
            (
                "conf/bump.toml",
                &toml("current_version = \"1.0.0\"\n[[tool.bumpversion.files]]\nfilename = \"../a.txt\"\n"),
            ),
            ("a.txt", "1.0.0\n"),
        ],
        "bump patch --config-file conf/bump.toml",
        Same,
    ));
    cases.push(case("missing-config-file", &[("a.txt", "1.0.0\n")], "bump patch --config-file nope.toml", Same));
    cases.push(case("no-config", &[("a.txt", "1.0.0\n")], "bump patch --current-version 1.0.0 a.txt", Same));

    // Version from the latest tag, allow_dirty_files, regex flags, INI lists, {repo_root}.
    let from_tag = toml("commit = true\ntag = true\n\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n");
    cases.push(
        case("version-from-tag", &[(".bumpversion.toml", &from_tag), ("VERSION", "1.4.0\n")], "bump minor", Same)
            .steps(&[Step::Tag("v1.4.0")]),
    );
    cases.push(case(
        "no-version-anywhere",
        &[(".bumpversion.toml", &from_tag), ("VERSION", "1.4.0\n")],
        "bump minor",
        Same,
    ));
    let dirty_ok = toml(
        "current_version = \"1.0.0\"\ncommit = true\nallow_dirty_files = [\"*.lock\", \"docs/*\"]\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n",
    );
    let dirty_tree: Vec<(&str, &str)> = vec![
        (".bumpversion.toml", &dirty_ok),
        ("a.txt", "1.0.0\n"),
        ("Cargo.lock", "x\n"),
        ("docs/deep/b.md", "x\n"),
        ("c.txt", "x\n"),
    ];
    cases.push(
        case("allow-dirty-files", &dirty_tree, "bump patch", Same)
            .steps(&[Step::Modify("Cargo.lock", "y\n"), Step::Modify("docs/deep/b.md", "y\n")]),
    );
    cases.push(
        case("allow-dirty-files-other", &dirty_tree, "bump patch", Same)
            .steps(&[Step::Modify("Cargo.lock", "y\n"), Step::Modify("c.txt", "y\n")]),
    );
    let regex_flag = toml(
        "current_version = \"2.3.4\"\nsearch = \"v{current_version}(?=-)\"\nreplace = \"v{new_version}\"\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n",
    );
    cases.push(case(
        "regex-flag",
        &[(".bumpversion.toml", &regex_flag), ("a.txt", "v2.3.4-x v2.3.4\n")],
        "bump patch --regex",
        Differs("config-current-version-always-updated"),
    ));
    cases.push(case(
        "regex-flag-off",
        &[(".bumpversion.toml", &regex_flag), ("a.txt", "v2.3.4-x v2.3.4\n")],
        "bump patch --no-regex",
        Same,
    ));
    cases.push(case("regex-invalid-falls-back", &[(".bumpversion.toml", &toml("current_version = \"2.3.4\"\nregex = true\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\nsearch = \"([{current_version}\"\nreplace = \"({new_version}\"\n")), ("a.txt", "([2.3.4\n")], "bump patch", Same));
    cases.push(case("regex-multiline-anchor", &[(".bumpversion.toml", &toml("current_version = \"2.3.4\"\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\nregex = true\nsearch = \"^VERSION = {current_version}$\"\nreplace = \"VERSION = {new_version}\"\n")), ("a.txt", "X_VERSION = 2.3.4\nVERSION = 2.3.4\nVERSION = 2.3.45\n")], "bump minor", Same));
    let ini_list = "[bumpversion]\ncurrent_version = 3.1.0\ncommit = True\nmessage = Bump to {new_version}, was {current_version}\n\n[bumpversion:file:a.txt]\nsearch =\n\tname: demo\n\tversion: {current_version}\nreplace =\n\tname: demo\n\tversion: {new_version}\n";
    cases.push(case(
        "ini-multiline-search",
        &[(".bumpversion.cfg", ini_list), ("a.txt", "name: demo\nversion: 3.1.0\nname: other\nversion: 3.1.0\n")],
        "bump minor",
        Same,
    ));
    cases.push(case(
        "repo-root-token",
        &[
            (
                "config/.bumpversion.toml",
                &toml(
                    "current_version = \"0.0.1\"\n\n[[tool.bumpversion.files]]\nfilename = \"{repo_root}/VERSION\"\n",
                ),
            ),
            ("VERSION", "0.0.1\n"),
        ],
        "bump patch --config-file config/.bumpversion.toml",
        Same,
    ));
    cases.push(case("template-now-in-search", &[(".bumpversion.toml", &toml("current_version = \"1.0.0\"\n\n[[tool.bumpversion.files]]\nfilename = \"CHANGELOG.md\"\nsearch = \"## Unreleased\"\nreplace = \"## {new_version} ({now:%Y-%m-%d})\"\n")), ("CHANGELOG.md", "# Changes\n\n## Unreleased\n\n- thing\n")], "bump minor", Same));
    cases.push(case("independent-dollar-free-parts", &[(".bumpversion.toml", &toml("current_version = \"1.2.3\"\nserialize = [\"{major}.{minor}.{patch}\", \"{major}.{minor}\"]\n\n[tool.bumpversion.parts.minor]\nindependent = true\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n")), ("a.txt", "1.2.3\n")], "bump major", Same));
    cases.push(case("sign-tags-flag-unsigned-config", &[(".bumpversion.toml", &toml("current_version = \"1.2.3\"\ntag = true\ntag_name = \"{new_major}.{new_minor}.x/{new_version}\"\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n")), ("a.txt", "1.2.3\n")], "bump minor --no-sign-tags", Same));

    // Pushing tags and moving tags on a remote; hook environments.
    let push = toml(
        "current_version = \"1.0.0\"\ncommit = true\ntag = true\npush_tag = true\nmoveable_tags = [\"latest\", \"v{new_major}\"]\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n",
    );
    cases.push(
        case("push-and-move-tags", &[(".bumpversion.toml", &push), ("a.txt", "1.0.0\n")], "bump patch", Same)
            .steps(&[Step::Remote]),
    );
    cases.push(
        case("move-existing-remote-tag", &[(".bumpversion.toml", &push), ("a.txt", "1.0.0\n")], "bump minor", Same)
            .steps(&[Step::Remote, Step::Tag("latest"), Step::PushTag("latest")]),
    );
    cases.push(
        case(
            "no-push-tag-flag",
            &[(".bumpversion.toml", &push), ("a.txt", "1.0.0\n")],
            "bump patch --no-push-tag",
            Same,
        )
        .steps(&[Step::Remote]),
    );
    let hook_env = toml(
        "current_version = \"1.0.0\"\ncommit = true\ntag = true\nallow_shell_hooks = true\nsetup_hooks = [\"env | grep ^BVHOOK_ | sort > setup-env.txt\"]\npre_commit_hooks = [\"env | grep ^BVHOOK_ | sort > pre-env.txt\", \"echo {new_version} > pre-arg.txt\"]\npost_commit_hooks = [\"env | grep ^BVHOOK_ | grep -v SHA | sort > post-env.txt\"]\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n",
    );
    cases.push(
        case("hook-environment", &[(".bumpversion.toml", &hook_env), ("a.txt", "1.0.0\n")], "bump minor", Same)
            .steps(&[Step::Tag("v1.0.0")]),
    );
    let hook_fail = toml(
        "current_version = \"1.0.0\"\ncommit = true\npre_commit_hooks = [\"false\"]\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n",
    );
    cases.push(case(
        "pre-commit-hook-fails",
        &[(".bumpversion.toml", &hook_fail), ("a.txt", "1.0.0\n")],
        "bump minor",
        Differs("atomic-rollback"),
    ));

    // More failures: both must fail and leave everything as it was.
    let basic = toml("current_version = \"1.0.0\"\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n");
    cases.push(case(
        "to-with-new-version",
        &[(".bumpversion.toml", &basic), ("a.txt", "1.0.0\n")],
        "bump patch --to 3 --new-version 2.0.0",
        Same,
    ));
    cases.push(case("to-without-part", &[(".bumpversion.toml", &basic), ("a.txt", "1.0.0\n")], "bump --to 3", Same));
    cases.push(case(
        "invalid-toml",
        &[(".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.0.0\n"), ("a.txt", "1.0.0\n")],
        "bump patch",
        Same,
    ));
    cases.push(case(
        "invalid-parse-regex",
        &[
            (".bumpversion.toml", &toml("current_version = \"1.0.0\"\nparse = \"(?P<major>\\\\d+\"\n")),
            ("a.txt", "1.0.0\n"),
        ],
        "bump major",
        Same,
    ));
    cases.push(case("unknown-template-field", &[(".bumpversion.toml", &toml("current_version = \"1.0.0\"\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\nreplace = \"{new_version} {nope}\"\n")), ("a.txt", "1.0.0\n")], "bump major", Same));
    cases.push(case(
        "new-version-unparsable",
        &[(".bumpversion.toml", &basic), ("a.txt", "1.0.0\n")],
        "bump --new-version next",
        Same,
    ));
    cases.push(case(
        "ini-crlf",
        &[
            (".bumpversion.cfg", "[bumpversion]\r\ncurrent_version = 1.0.0\r\n\r\n[bumpversion:file:a.txt]\r\n"),
            ("a.txt", "1.0.0\r\n"),
        ],
        "bump patch",
        Same,
    ));
    cases.push(case("empty-file", &[(".bumpversion.toml", &basic), ("a.txt", "")], "bump patch", Same));
    cases.push(case(
        "empty-file-ignored",
        &[(".bumpversion.toml", &basic), ("a.txt", "")],
        "bump patch --ignore-missing-version",
        Same,
    ));

    // `replace`, `show`, `show-bump`, `sample-config`.
    let plain = toml(
        "current_version = \"5.6.7\"\n\n[[tool.bumpversion.files]]\nfilename = \"a.txt\"\n\n[tool.bumpversion.parts.patch]\nfirst_value = \"0\"\n",
    );
    let plain_tree: Vec<(&str, &str)> = vec![(".bumpversion.toml", &plain), ("a.txt", "5.6.7\n"), ("b.txt", "5.6.7\n")];
    cases.push(case("replace", &plain_tree, "replace --new-version 6.0.0", Same));
    cases.push(case("replace-extra-file", &plain_tree, "replace --new-version 6.0.0 b.txt", Same));
    cases.push(case("replace-dry-run", &plain_tree, "replace --new-version 6.0.0 --dry-run", Same));
    cases.push(case("replace-search", &plain_tree, "replace --new-version 6.0.0 --search 5.6 --replace 6.0", Same));
    cases.push(case("show-current", &plain_tree, "show current_version", SameStdout));
    cases.push(case("show-increment", &plain_tree, "show current_version new_version --increment minor", SameStdout));
    cases.push(case("show-json", &plain_tree, "show -f json current_version serialize files.0.filename", SameStdout));
    cases.push(case("show-yaml", &plain_tree, "show -f yaml current_version serialize files parts.patch", SameStdout));
    cases.push(case(
        "show-wrapped",
        &plain_tree,
        "show current_version parse serialize search replace tag_name message files.0",
        SameStdout,
    ));
    cases.push(case("show-all", &plain_tree, "show", SameStdout));
    cases.push(case("show-all-json", &plain_tree, "show -f json", SameStdout));
    cases.push(
        case("show-scm", &plain_tree, "show scm_info.branch_name scm_info.tool", SameStdout)
            .steps(&[Step::Tag("v5.6.7")]),
    );
    cases.push(case("show-bump", &plain_tree, "show-bump", SameStdout));
    cases.push(case("show-bump-ascii", &plain_tree, "show-bump --ascii 1.0.0", SameStdout));
    cases.push(case(
        "sample-config",
        &[("a.txt", "x\n")],
        "sample-config --no-prompt --destination .bumpversion.toml",
        Same,
    ));
    cases
}

impl Case {
    fn files_owned(mut self, files: Vec<(&'static str, String)>) -> Case {
        self.files = files;
        self
    }
}

/// What a run left behind.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    success: bool,
    stdout: String,
    tree: BTreeMap<String, Vec<u8>>,
    log: String,
    tags: String,
    status: String,
}

const GIT_ENV: [(&str, &str); 6] = [
    ("GIT_AUTHOR_NAME", "hoist tests"),
    ("GIT_AUTHOR_EMAIL", "tests@hoist.invalid"),
    ("GIT_COMMITTER_NAME", "hoist tests"),
    ("GIT_COMMITTER_EMAIL", "tests@hoist.invalid"),
    ("GIT_AUTHOR_DATE", "2024-03-15T10:20:30+00:00"),
    ("GIT_COMMITTER_DATE", "2024-03-15T10:20:30+00:00"),
];

fn setup_repo(dir: &Path, case: &Case) {
    let sh = Shell::new().unwrap();
    sh.change_dir(dir);
    for (k, v) in GIT_ENV {
        sh.set_var(k, v);
    }
    cmd!(sh, "git init --quiet --initial-branch=main").run().unwrap();
    for (key, value) in [
        ("user.name", "hoist tests"),
        ("user.email", "tests@hoist.invalid"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ] {
        cmd!(sh, "git config {key} {value}").run().unwrap();
    }
    for (path, contents) in &case.files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }
    cmd!(sh, "git add --all").run().unwrap();
    cmd!(sh, "git commit --quiet -m init").run().unwrap();
    for step in &case.steps {
        match step {
            Step::Tag(name) => cmd!(sh, "git tag {name}").run().unwrap(),
            Step::Modify(path, contents) | Step::Untracked(path, contents) => {
                std::fs::write(dir.join(path), contents).unwrap();
            }
            Step::Remote => {
                cmd!(sh, "git init --quiet --bare .git/remote.git").run().unwrap();
                cmd!(sh, "git remote add origin .git/remote.git").run().unwrap();
                cmd!(sh, "git push --quiet origin main").run().unwrap();
            }
            Step::PushTag(name) => cmd!(sh, "git push --quiet origin {name}").run().unwrap(),
        }
    }
}

fn snapshot(dir: &Path, success: bool, stdout: String) -> Outcome {
    fn walk(base: &Path, dir: &Path, tree: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name() == ".git" {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, tree);
            } else {
                tree.insert(path.strip_prefix(base).unwrap().display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut tree = BTreeMap::new();
    walk(dir, dir, &mut tree);
    let sh = Shell::new().unwrap();
    sh.change_dir(dir);
    let log = cmd!(sh, "git log --format=%H%n%s%n%b%n--").read().unwrap();
    let tags = cmd!(
        sh,
        "git for-each-ref refs/tags --format=%(refname) %(objecttype) %(*objectname) %(objectname) %(contents)"
    )
    .read()
    .unwrap();
    let mut status = cmd!(sh, "git status --porcelain").read().unwrap();
    if dir.join(".git/remote.git").exists() {
        let remote = cmd!(sh, "git ls-remote --tags origin").read().unwrap();
        status.push_str("\nremote tags:\n");
        status.push_str(&remote);
    }
    Outcome { success, stdout, tree, log, tags, status }
}

fn run(dir: &Path, program: &mut Command, env: &[(&str, &str)]) -> (bool, String, String) {
    program.current_dir(dir).env("BMV_FIXED_NOW", FIXED_NOW).env("BMV_TEST_USER", "tester").env("COLUMNS", "200");
    for (k, v) in GIT_ENV {
        program.env(k, v);
    }
    // The caller's `BUMPVERSION_*` variables must not leak in.
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("BUMPVERSION_")) {
        program.env_remove(var);
    }
    program.envs(env.iter().copied());
    let out = program.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `case` with both tools; `Err` describes a disagreement.
fn run_case(bmv: &Path, case: &Case) -> Result<(), String> {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    setup_repo(a.path(), case);
    setup_repo(b.path(), case);
    let before = snapshot(b.path(), true, String::new());
    let python = python_of(bmv);
    let sub = case.subdir.unwrap_or(".");
    let (ok_a, out_a, err_a) =
        run(&a.path().join(sub), Command::new(&python).arg("-c").arg(BMV_SHIM).args(&case.args), &case.env);
    let (ok_b, out_b, err_b) = run(
        &b.path().join(sub),
        Command::new(env!("CARGO_BIN_EXE_hoist")).arg("bump-my-version").args(&case.args),
        &case.env,
    );
    // The repositories live in different temporary directories.
    let normalise = |out: String, dir: &Path| {
        let real = std::fs::canonicalize(dir).unwrap();
        out.replace(&real.display().to_string(), "<repo>").replace(&dir.display().to_string(), "<repo>")
    };
    let expected = snapshot(a.path(), ok_a, normalise(out_a, a.path()));
    let got = snapshot(b.path(), ok_b, normalise(out_b, b.path()));
    let context = || {
        format!(
            "bump-my-version: success={ok_a}\n{err_a}\nhoist: success={ok_b}\n{err_b}\nbump-my-version stdout:\n{}\nhoist stdout:\n{}",
            expected.stdout, got.stdout
        )
    };
    if !got.success && got.tree != before.tree {
        return Err(format!("hoist failed but changed files\n{}", context()));
    }
    if !got.success && (got.log != before.log || got.tags != before.tags) {
        return Err(format!("hoist failed but changed git\n{}", context()));
    }
    let same = expected.success == got.success
        && expected.tree == got.tree
        && expected.log == got.log
        && expected.tags == got.tags
        && expected.status == got.status;
    match case.expect {
        Expect::Same | Expect::SameStdout => {
            if !same {
                let mut diffs = Vec::new();
                for (path, bytes) in &expected.tree {
                    match got.tree.get(path) {
                        Some(other) if other == bytes => {}
                        Some(other) => diffs.push(format!(
                            "{path}:\n  bump-my-version: {:?}\n  hoist:           {:?}",
                            String::from_utf8_lossy(bytes),
                            String::from_utf8_lossy(other)
                        )),
                        None => diffs.push(format!("{path}: missing in hoist's tree")),
                    }
                }
                for path in got.tree.keys().filter(|p| !expected.tree.contains_key(*p)) {
                    diffs.push(format!("{path}: only in hoist's tree"));
                }
                return Err(format!(
                    "outcomes differ\n{}\nlog:\n{}\nvs\n{}\ntags:\n{}\nvs\n{}\nstatus:\n{}\nvs\n{}\n{}",
                    diffs.join("\n"),
                    expected.log,
                    got.log,
                    expected.tags,
                    got.tags,
                    expected.status,
                    got.status,
                    context()
                ));
            }
            if case.expect == Expect::SameStdout && expected.stdout.trim_end() != got.stdout.trim_end() {
                return Err(format!("stdout differs:\n{:?}\nvs\n{:?}", expected.stdout, got.stdout));
            }
            Ok(())
        }
        Expect::Differs(difference) => {
            if same {
                return Err(format!(
                    "documented difference `{difference}` did not show: both tools agree\n{}",
                    context()
                ));
            }
            Ok(())
        }
    }
}

#[test]
fn bump_my_version_differential() {
    let bmv = bump_my_version();
    let cases = cases();
    assert!(cases.len() >= 80, "only {} differential cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");
    let only = std::env::var("HOIST_BMV_CASE").ok();
    let queue = std::sync::Mutex::new(
        cases.iter().filter(|c| only.as_deref().is_none_or(|o| c.name.contains(o))).collect::<Vec<_>>(),
    );
    let failures = std::sync::Mutex::new(Vec::new());
    let ran = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let Some(case) = queue.lock().unwrap().pop() else { break };
                    ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Err(message) = run_case(&bmv, case) {
                        failures.lock().unwrap().push(format!(
                            "case `{}` ({}):\n{message}",
                            case.name,
                            case.args.join(" ")
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let ran = ran.into_inner();
    eprintln!("{} differential cases: {} agreed, {} disagreed", ran, ran - failures.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n=====\n\n"));
}
