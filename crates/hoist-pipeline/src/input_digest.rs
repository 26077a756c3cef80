//! The input digest of a build step: what the image of a Dockerfile stage is made from.
//!
//! Three parts, each a SHA-256, combined into one:
//!
//! - **dockerfile**: the global `ARG`s and every stage the target needs — its `FROM` chain and
//!   the stages its `COPY --from` and `RUN --mount=…,from=` name — with their instructions and
//!   heredoc bodies, as written. Base images count by the reference written in `FROM` (a tag
//!   that moves in the registry is not noticed; `build --force` or `--pull` rebuilds);
//! - **context**: the files those stages read from the build context (`COPY`/`ADD` sources and
//!   `RUN --mount=type=bind` sources), after `.dockerignore`: path, executable bit and content
//!   (a symlink by its target);
//! - **args**: the build arguments and the platform.
//!
//! The digest is stored as labels on the image ([`LABEL`] and one per part), so the registry
//! itself remembers what an image was built from: a fresh CI runner needs no local cache file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use hoist_dockerfile::{Dockerfile, Instruction, Stage};
use hoist_image::{Context, EntryKind};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::PipelineError;

/// The label holding the combined input digest.
pub const LABEL: &str = "dev.hoist.inputs";
/// The label holding the Dockerfile part.
pub const LABEL_DOCKERFILE: &str = "dev.hoist.inputs.dockerfile";
/// The label holding the context part.
pub const LABEL_CONTEXT: &str = "dev.hoist.inputs.context";
/// The label holding the build-arguments part.
pub const LABEL_ARGS: &str = "dev.hoist.inputs.args";

/// The input digest of one step, and its parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputDigest {
    /// `sha256:…` over the three parts.
    pub digest: String,
    /// The Dockerfile part.
    pub dockerfile: String,
    /// The context part.
    pub context: String,
    /// The build-arguments part.
    pub args: String,
    /// Context files that count.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
}

impl InputDigest {
    /// The labels that record this digest on an image.
    pub fn labels(&self) -> BTreeMap<String, String> {
        [
            (LABEL, &self.digest),
            (LABEL_DOCKERFILE, &self.dockerfile),
            (LABEL_CONTEXT, &self.context),
            (LABEL_ARGS, &self.args),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }
}

/// Files as they will be once a planned change is written (a bump's edits), by absolute
/// path: the input digest of a tree that does not exist yet is computed from them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlay {
    files: BTreeMap<std::path::PathBuf, String>,
}

impl Overlay {
    /// An overlay of `files`: absolute path → the content it will have.
    pub fn new(files: impl IntoIterator<Item = (std::path::PathBuf, String)>) -> Overlay {
        let files = files.into_iter().map(|(path, text)| (fs::canonicalize(&path).unwrap_or(path), text)).collect();
        Overlay { files }
    }

    /// Whether nothing is overlaid.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The content `path` will have, if the overlay changes it.
    pub fn get(&self, path: &Path) -> Option<&str> {
        if self.files.is_empty() {
            return None;
        }
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        self.files.get(&path).map(String::as_str)
    }

    /// The overlaid files below `dir`, by path relative to it (`/`-separated).
    fn below(&self, dir: &Path) -> BTreeMap<String, &str> {
        let Ok(dir) = fs::canonicalize(dir) else { return BTreeMap::new() };
        self.files
            .iter()
            .filter_map(|(path, text)| {
                let relative = path.strip_prefix(&dir).ok()?;
                let parts: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                Some((parts.join("/"), text.as_str()))
            })
            .collect()
    }
}

/// Computes the input digest of `target` of `dockerfile`, built from `context`.
pub fn input_digest(
    dockerfile: &Dockerfile,
    target: &Stage,
    context: &Context,
    build_args: &BTreeMap<String, String>,
    platform: Option<&str>,
) -> Result<InputDigest, PipelineError> {
    input_digest_with(dockerfile, target, context, build_args, platform, &Overlay::default())
}

/// [`input_digest`] of the tree as it will be once `overlay` is written: overlaid context
/// files count with their new content (the caller parses an overlaid Dockerfile from it).
pub fn input_digest_with(
    dockerfile: &Dockerfile,
    target: &Stage,
    context: &Context,
    build_args: &BTreeMap<String, String>,
    platform: Option<&str>,
    overlay: &Overlay,
) -> Result<InputDigest, PipelineError> {
    let stages = needed_stages(dockerfile, target);

    let mut text = String::new();
    for arg in &dockerfile.global_args {
        push_instruction(&mut text, arg);
    }
    let mut sources = Vec::new();
    for stage in &stages {
        text.push_str(&format!(
            "FROM {} {} AS {}\n",
            stage.platform.as_deref().unwrap_or("-"),
            stage.base,
            stage.display_name()
        ));
        for instruction in &stage.instructions {
            push_instruction(&mut text, instruction);
            sources.extend(context_sources(instruction));
        }
    }
    let dockerfile_part = sha256(text.as_bytes());

    let (context_part, files, bytes) = hash_context(context, &sources, &overlay.below(context.dir()))?;

    let mut args = format!("platform {}\n", platform.unwrap_or("-"));
    for (name, value) in build_args {
        args.push_str(&format!("{name}={value}\n"));
    }
    let args_part = sha256(args.as_bytes());

    let digest = sha256(format!("hoist-inputs/1\n{dockerfile_part}\n{context_part}\n{args_part}\n").as_bytes());
    Ok(InputDigest { digest, dockerfile: dockerfile_part, context: context_part, args: args_part, files, bytes })
}

/// The input digest of the project's Dockerfile stage `step`, with `build_args` and the
/// configured platform, of the tree as `overlay` leaves it (the Dockerfile too, when the
/// overlay rewrites it).
pub(crate) fn step_digest(
    config: &hoist_config::Config,
    step: &str,
    build_args: &BTreeMap<String, String>,
    overlay: &Overlay,
) -> Result<InputDigest, PipelineError> {
    let path = config.dockerfile_path();
    let dockerfile = match overlay.get(&path) {
        Some(text) => hoist_dockerfile::parse(text)?,
        None => hoist_dockerfile::parse_file(&path)?,
    };
    let Some(target) = dockerfile.stage(step) else {
        return Err(PipelineError::UnknownStage {
            step: step.to_owned(),
            dockerfile: config.dockerfile.clone(),
            stages: dockerfile.stages.iter().map(|s| s.display_name()).collect(),
        });
    };
    let context = Context::new(&config.context_path(), &path)?;
    input_digest_with(&dockerfile, target, &context, build_args, config.platform.as_deref(), overlay)
}

fn push_instruction(text: &mut String, instruction: &Instruction) {
    text.push_str(&format!("{} {}\n", instruction.keyword, instruction.args));
    for (name, body) in &instruction.heredocs {
        text.push_str(&format!("<<{name}\n{body}{name}\n"));
    }
}

/// The target, its `FROM` chain, and every stage named by `--from` in them, in file order.
fn needed_stages<'a>(dockerfile: &'a Dockerfile, target: &'a Stage) -> Vec<&'a Stage> {
    let mut needed = BTreeSet::new();
    let mut queue = vec![target.index];
    while let Some(index) = queue.pop() {
        if !needed.insert(index) {
            continue;
        }
        let stage = &dockerfile.stages[index];
        if let Some(parent) = stage.base_stage {
            queue.push(parent);
        }
        for instruction in &stage.instructions {
            for name in from_references(instruction) {
                if let Some(other) = dockerfile.stages[..index].iter().find(|s| s.is_named(&name)) {
                    queue.push(other.index);
                }
            }
        }
    }
    needed.into_iter().map(|i| &dockerfile.stages[i]).collect()
}

/// The flags of an instruction: its leading `--name=value` words.
fn flags(instruction: &Instruction) -> Vec<&str> {
    instruction.args.split_whitespace().take_while(|w| w.starts_with("--")).collect()
}

/// Stage names or images an instruction reads from: `COPY --from=X`, `--mount=…,from=X`.
fn from_references(instruction: &Instruction) -> Vec<String> {
    let mut names = Vec::new();
    for flag in flags(instruction) {
        if let Some(from) = flag.strip_prefix("--from=") {
            names.push(from.to_owned());
        }
        if let Some(mount) = flag.strip_prefix("--mount=") {
            names.extend(mount.split(',').filter_map(|kv| kv.strip_prefix("from=")).map(str::to_owned));
        }
    }
    names
}

/// The context paths an instruction reads: `COPY`/`ADD` sources (unless `--from`) and the
/// sources of `RUN --mount=type=bind` without `from=` (default: the whole context).
fn context_sources(instruction: &Instruction) -> Vec<String> {
    let flags = flags(instruction);
    match instruction.keyword.as_str() {
        "copy" | "add" if !flags.iter().any(|f| f.starts_with("--from=")) => {
            let rest = instruction.args.split_whitespace().skip(flags.len()).collect::<Vec<_>>().join(" ");
            let words: Vec<String> = if rest.trim_start().starts_with('[') {
                serde_json::from_str(rest.trim()).unwrap_or_default()
            } else {
                rest.split_whitespace().map(str::to_owned).collect()
            };
            let Some((_, sources)) = words.split_last() else { return Vec::new() };
            sources.iter().filter(|s| !s.starts_with("<<") && !s.contains("://")).cloned().collect()
        }
        "run" => flags
            .iter()
            .filter_map(|f| f.strip_prefix("--mount="))
            .filter_map(|mount| {
                let options: BTreeMap<&str, &str> = mount.split(',').filter_map(|kv| kv.split_once('=')).collect();
                let kind = options.get("type").copied().unwrap_or("bind");
                (kind == "bind" && !options.contains_key("from"))
                    .then(|| options.get("source").or(options.get("src")).copied().unwrap_or(".").to_owned())
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The context part: the entries the tar sends ([`Context::walk`]) that a source covers, by
/// path, kind and content (an overlaid file by its new content).
fn hash_context(
    context: &Context,
    sources: &[String],
    overlay: &BTreeMap<String, &str>,
) -> Result<(String, usize, u64), PipelineError> {
    use std::os::unix::fs::PermissionsExt as _;
    let patterns: Vec<Source> = sources.iter().map(|s| Source::new(s)).collect();
    let mut entries = Vec::new();
    if !patterns.is_empty() {
        context.walk(&mut |entry| {
            if !patterns.iter().any(|s| s.covers(entry.name)) {
                return Ok(());
            }
            let name = entry.name.to_owned();
            match &entry.kind {
                EntryKind::Directory => {}
                EntryKind::Symlink { target } => entries.push((name, "link", 0, target.to_string_lossy().into_owned())),
                EntryKind::File => {
                    let kind = if entry.meta.permissions().mode() & 0o111 != 0 { "exec" } else { "file" };
                    if let Some(text) = overlay.get(entry.name) {
                        entries.push((name, kind, text.len() as u64, sha256(text.as_bytes())));
                    } else {
                        let content = fs::read(entry.path).map_err(|source| hoist_image::ImageError::ContextRead {
                            path: entry.path.to_owned(),
                            source,
                        })?;
                        entries.push((name, kind, entry.meta.len(), sha256(&content)));
                    }
                }
            }
            Ok(())
        })?;
    }
    entries.sort();
    let mut hasher = Sha256::new();
    let mut bytes = 0;
    for (path, kind, size, content) in &entries {
        hasher.update(format!("{path}\0{kind}\0{content}\n").as_bytes());
        bytes += size;
    }
    Ok((format!("sha256:{}", hex(&hasher.finalize())), entries.len(), bytes))
}

/// A `COPY` source: the whole context, a path (file or directory), or a glob.
enum Source {
    All,
    Path(String),
    Glob(Vec<String>),
}

impl Source {
    fn new(source: &str) -> Source {
        let trimmed = source.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
        if trimmed.is_empty() || trimmed == "." {
            Source::All
        } else if trimmed.contains(['*', '?', '[']) {
            Source::Glob(trimmed.split('/').map(str::to_owned).collect())
        } else {
            Source::Path(trimmed.to_owned())
        }
    }

    fn covers(&self, path: &str) -> bool {
        match self {
            Source::All => true,
            Source::Path(p) => path == p || path.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('/')),
            // A glob matches the file or one of its parent directories.
            Source::Glob(parts) => {
                let segments: Vec<&str> = path.split('/').collect();
                segments.len() >= parts.len() && parts.iter().zip(&segments).all(|(p, s)| glob_segment(p, s))
            }
        }
    }
}

/// Go's `filepath.Match` for one path segment: `*`, `?` and `[…]` classes.
fn glob_segment(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|i| go(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some('[') => {
                let Some(end) = p.iter().position(|&c| c == ']') else {
                    return t.first() == Some(&'[') && go(&p[1..], &t[1..]);
                };
                let Some(&c) = t.first() else { return false };
                let class = &p[1..end];
                let (negate, class) = match class.first() {
                    Some('^' | '!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[end + 1..], &t[1..])
            }
            Some('\\') if p.len() > 1 => t.first() == Some(&p[1]) && go(&p[2..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(&p, &t)
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(dir: &Path, dockerfile: &str, target: &str, ignore: &str) -> InputDigest {
        let file = hoist_dockerfile::parse(dockerfile).unwrap();
        let stage = file.stage(target).unwrap();
        input_digest(&file, stage, &context(dir, dockerfile, ignore), &BTreeMap::new(), None).unwrap()
    }

    /// The build context `dir` with `dockerfile` as its Dockerfile and `ignore` as its
    /// `.dockerignore`, both written there.
    fn context(dir: &Path, dockerfile: &str, ignore: &str) -> Context {
        fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
        fs::write(dir.join(".dockerignore"), ignore).unwrap();
        Context::new(dir, Path::new("Dockerfile")).unwrap()
    }

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    const DOCKERFILE: &str = "FROM base AS deps\nCOPY requirements.txt /r.txt\nRUN --mount=type=bind,source=lock.json,target=/l pip install\n\nFROM deps AS release\nCOPY app/ /app\n\nFROM release AS tester\nCOPY tests/*.py /tests/\n\nFROM base AS docs\nCOPY docs /docs\n";

    #[test]
    fn an_overlay_gives_the_digest_the_written_tree_will_have() {
        let dir = project(&[
            ("requirements.txt", "a==1\n"),
            ("lock.json", "{}"),
            ("app/main.py", "v1\n"),
            ("docs/index.md", "v1\n"),
        ]);
        let file = hoist_dockerfile::parse(DOCKERFILE).unwrap();
        let stage = file.stage("release").unwrap();
        let ctx = context(dir.path(), DOCKERFILE, "");
        let overlay = Overlay::new([
            (dir.path().join("app/main.py"), "v2\n".to_owned()),
            (dir.path().join("docs/index.md"), "v2\n".to_owned()),
        ]);
        let planned = input_digest_with(&file, stage, &ctx, &BTreeMap::new(), None, &overlay).unwrap();
        let now = input_digest(&file, stage, &ctx, &BTreeMap::new(), None).unwrap();
        assert_ne!(planned.digest, now.digest, "the overlaid file counts with its new content");
        fs::write(dir.path().join("app/main.py"), "v2\n").unwrap();
        fs::write(dir.path().join("docs/index.md"), "v2\n").unwrap();
        let written = input_digest(&file, stage, &ctx, &BTreeMap::new(), None).unwrap();
        assert_eq!(planned, written, "the planned digest is the digest of the written tree");
    }

    #[test]
    fn only_the_files_a_stage_reads_count() {
        let dir = project(&[
            ("requirements.txt", "a==1\n"),
            ("lock.json", "{}"),
            ("app/main.py", "print()\n"),
            ("tests/test_a.py", "assert 1\n"),
            ("tests/data.txt", "not copied\n"),
            ("docs/index.md", "# docs\n"),
        ]);
        let before = digest(dir.path(), DOCKERFILE, "tester", "");
        assert_eq!(before.files, 4, "requirements.txt, lock.json, app/main.py, tests/test_a.py");
        fs::write(dir.path().join("docs/index.md"), "# changed\n").unwrap();
        fs::write(dir.path().join("tests/data.txt"), "changed\n").unwrap();
        assert_eq!(digest(dir.path(), DOCKERFILE, "tester", ""), before, "files no stage reads do not count");
        fs::write(dir.path().join("lock.json"), "{\"changed\": 1}").unwrap();
        let after = digest(dir.path(), DOCKERFILE, "tester", "");
        assert_ne!(after.digest, before.digest, "a bind-mounted file counts");
        assert_eq!(after.dockerfile, before.dockerfile);
        assert_ne!(after.context, before.context);
    }

    #[test]
    fn dockerignore_excludes_and_the_dockerfile_part_tracks_the_stage_chain() {
        let dir = project(&[("app/main.py", "1"), ("app/secret.env", "x")]);
        let a = digest(dir.path(), DOCKERFILE, "release", "app/*.env\n");
        fs::write(dir.path().join("app/secret.env"), "y").unwrap();
        assert_eq!(digest(dir.path(), DOCKERFILE, "release", "app/*.env\n"), a);
        let changed_unrelated_stage = DOCKERFILE.replace("COPY docs /docs", "COPY docs /documentation");
        assert_eq!(
            digest(dir.path(), &changed_unrelated_stage, "release", "app/*.env\n"),
            a,
            "the docs stage is not needed"
        );
        let changed_parent = DOCKERFILE.replace("pip install", "pip install --no-deps");
        assert_ne!(digest(dir.path(), &changed_parent, "release", "app/*.env\n").dockerfile, a.dockerfile);
    }

    #[test]
    fn copy_from_pulls_in_the_named_stage_and_heredocs_count() {
        let file =
            "FROM base AS tools\nRUN <<EOF\necho one\nEOF\n\nFROM base AS release\nCOPY --from=tools /bin/x /bin/x\n";
        let dir = project(&[]);
        let a = digest(dir.path(), file, "release", "");
        let b = digest(dir.path(), &file.replace("echo one", "echo two"), "release", "");
        assert_ne!(a.dockerfile, b.dockerfile);
        assert_eq!(a.files, 0);
    }

    #[test]
    fn build_args_and_platform_count() {
        let dir = project(&[]);
        let file = hoist_dockerfile::parse("FROM base AS release\n").unwrap();
        let stage = file.stage("release").unwrap();
        let ctx = context(dir.path(), "FROM base AS release\n", "");
        let plain = input_digest(&file, stage, &ctx, &BTreeMap::new(), None).unwrap();
        let args = BTreeMap::from([("A".to_owned(), "1".to_owned())]);
        let with_arg = input_digest(&file, stage, &ctx, &args, None).unwrap();
        let with_platform = input_digest(&file, stage, &ctx, &BTreeMap::new(), Some("linux/amd64")).unwrap();
        assert_ne!(plain.args, with_arg.args);
        assert_ne!(plain.args, with_platform.args);
        assert_eq!(plain.dockerfile, with_arg.dockerfile);
    }

    #[test]
    fn globs() {
        assert!(glob_segment("*.py", "test_a.py"));
        assert!(!glob_segment("*.py", "data.txt"));
        assert!(glob_segment("file?.[a-c]", "file1.b"));
        assert!(!glob_segment("file?.[!a-c]", "file1.b"));
        assert!(Source::new("src/*/").covers("src/a/b.rs"));
        assert!(Source::new("./app").covers("app/x"));
        assert!(!Source::new("app").covers("application/x"));
        assert!(Source::new(".").covers("anything"));
    }
}
