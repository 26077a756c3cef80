//! The bump journal: before a bump writes anything, it records what it is about to do in one
//! file beside git's own state (`.git/hoist-bump-journal.json`; outside git,
//! `.hoist-bump-journal.json` in the directory the bump runs in). The file is held locked (an
//! advisory `flock`) while the bump runs and removed when it ends, so a journal that exists and
//! is not locked is a bump that was killed: the next hoist command says so, and
//! `hoist bump --abort` or `--continue` finishes the story from what the journal says.
//!
//! The format: the first line is the [`Record`] as JSON; each later line names a
//! [`Mark`] reached. A line is appended with one `write` and synced; a last line without its
//! line break (a kill mid-append) is ignored.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CommitPlan, FileEdit, Hook, Plan, TagPlan};
use crate::error::VersionError;

/// The journal's name inside the git directory.
const IN_GIT_DIR: &str = "hoist-bump-journal.json";
/// The journal's name outside git, in the directory the bump runs in.
const OUTSIDE_GIT: &str = ".hoist-bump-journal.json";
/// The prefix of the temporary files a bump makes (files it writes, the journal itself).
pub(crate) const TEMP_PREFIX: &str = ".hoist-bump-tmp.";
/// The journal format this hoist writes and reads.
const FORMAT: u32 = 1;

/// A milestone a bump passed, appended to the journal when reached.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Mark {
    /// The pre-commit hooks ran to their end.
    PreCommitHooksRun,
    /// Pushing to `origin` began (the tag, the moveable tags): from here on the bump can only
    /// be finished, not undone.
    Publishing,
    /// The post-commit hooks ran to their end.
    PostCommitHooksRun,
}

/// A hook with its environment (which a plan's JSON leaves out).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct HookRecord {
    command: String,
    shell: bool,
    env: Vec<(String, String)>,
}

impl HookRecord {
    fn of(hook: &Hook) -> HookRecord {
        HookRecord { command: hook.command.clone(), shell: hook.shell, env: hook.env.clone() }
    }

    fn hook(self) -> Hook {
        Hook { command: self.command, shell: self.shell, env: self.env }
    }
}

/// What a bump is about to do: everything needed to undo it or to finish it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Record {
    hoist_bump_journal: u32,
    /// The process that ran the bump.
    pid: u32,
    /// When it began, in seconds since the Unix epoch.
    started: i64,
    /// The directory git and the hooks ran in.
    cwd: PathBuf,
    current_version: String,
    new_version: String,
    part: Option<String>,
    /// `HEAD` before the bump.
    head: Option<String>,
    edits: Vec<FileEdit>,
    commit: Option<CommitPlan>,
    tag: Option<TagPlan>,
    moveable_tags: Vec<String>,
    pre_commit_hooks: Vec<HookRecord>,
    post_commit_hooks: Vec<HookRecord>,
}

/// Where the journal of a bump run in `cwd` lives.
pub(crate) fn path_for(cwd: &Path) -> PathBuf {
    match hoist_git::GitDirs::find(cwd) {
        Some(dirs) => dirs.git_dir.join(IN_GIT_DIR),
        None => cwd.join(OUTSIDE_GIT),
    }
}

/// The journal that holds for commands started in `dir`: the git directory's, or outside git,
/// the nearest `.hoist-bump-journal.json` in `dir` or a parent.
fn find(dir: &Path) -> Option<PathBuf> {
    if let Some(dirs) = hoist_git::GitDirs::find(dir) {
        let path = dirs.git_dir.join(IN_GIT_DIR);
        return std::fs::symlink_metadata(&path).is_ok().then_some(path);
    }
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors().map(|d| d.join(OUTSIDE_GIT)).find(|p| std::fs::symlink_metadata(p).is_ok())
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> VersionError {
    let path = path.to_owned();
    move |source| VersionError::Io { action, path, source }
}

/// A bump's journal, open and locked by this process.
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    record: Record,
    marks: Vec<Mark>,
}

/// What the journal in a directory says.
pub(crate) enum Found {
    /// There is none.
    None,
    /// A bump is running now (another process holds the lock).
    Running { record: Box<RecordSummary> },
    /// A bump was interrupted; the journal is now locked by this process.
    Interrupted(Box<Journal>),
}

/// The facts of a journal that messages name.
pub(crate) struct RecordSummary {
    from: String,
    to: String,
    pid: u32,
}

impl RecordSummary {
    /// The sentence about the bump that holds the journal now.
    pub(crate) fn running(self) -> VersionError {
        VersionError::BumpRunning { from: self.from, to: self.to, pid: self.pid }
    }
}

impl Journal {
    /// Records `plan` (run in `cwd`) before anything is written, and holds the journal locked
    /// until [`Journal::finish`] removes it. Refuses when another journal is there.
    pub(crate) fn begin(cwd: &Path, plan: &Plan) -> Result<Journal, VersionError> {
        ensure_none(cwd)?;
        let path = path_for(cwd);
        let dir = path.parent().unwrap_or(Path::new("."));
        // A bump killed while it made its journal left the temporary file, and nothing else.
        remove_stale_temp_files(dir);
        let record = Record {
            hoist_bump_journal: FORMAT,
            pid: std::process::id(),
            started: jiff::Timestamp::now().as_second(),
            cwd: cwd.to_owned(),
            current_version: plan.current_version.clone(),
            new_version: plan.new_version.clone(),
            part: plan.part.clone(),
            head: plan.head.clone(),
            edits: plan.edits.clone(),
            commit: plan.commit.clone(),
            tag: plan.tag.clone(),
            moveable_tags: plan.moveable_tags.clone(),
            pre_commit_hooks: plan.pre_commit_hooks.iter().map(HookRecord::of).collect(),
            post_commit_hooks: plan.post_commit_hooks.iter().map(HookRecord::of).collect(),
        };
        let mut line = serde_json::to_string(&record).expect("a journal record serializes");
        line.push('\n');
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(io("create the bump journal in", dir))?;
        temp.as_file().lock().map_err(io("lock", temp.path()))?;
        temp.write_all(line.as_bytes()).map_err(io("write", temp.path()))?;
        temp.as_file().sync_all().map_err(io("write", temp.path()))?;
        let file = temp.persist_noclobber(&path).map_err(|e| VersionError::Io {
            action: "create",
            path: path.clone(),
            source: e.error,
        })?;
        sync_dir(dir);
        super::execute::checkpoint();
        Ok(Journal { path, file, record, marks: Vec::new() })
    }

    /// Opens the journal that holds for `dir`: none, one locked by a running bump, or an
    /// interrupted one (then locked by this process).
    pub(crate) fn open(dir: &Path) -> Result<Found, VersionError> {
        let Some(path) = find(dir) else { return Ok(Found::None) };
        let meta = std::fs::symlink_metadata(&path).map_err(io("inspect", &path))?;
        if !meta.is_file() {
            return Err(VersionError::BadJournal { path, message: "it is not a regular file".to_owned() });
        }
        let mut file = std::fs::OpenOptions::new().read(true).append(true).open(&path).map_err(io("open", &path))?;
        let locked = match file.try_lock() {
            Ok(()) => true,
            Err(std::fs::TryLockError::WouldBlock) => false,
            Err(std::fs::TryLockError::Error(source)) => return Err(VersionError::Io { action: "lock", path, source }),
        };
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text)
            .map_err(|e| VersionError::BadJournal { path: path.clone(), message: e.to_string() })?;
        let (record, marks) =
            parse(&text).map_err(|message| VersionError::BadJournal { path: path.clone(), message })?;
        if !locked {
            return Ok(Found::Running {
                record: Box::new(RecordSummary {
                    from: record.current_version,
                    to: record.new_version,
                    pid: record.pid,
                }),
            });
        }
        Ok(Found::Interrupted(Box::new(Journal { path, file, record, marks })))
    }

    /// The plan the journal records.
    pub(crate) fn plan(&self) -> Plan {
        let r = self.record.clone();
        Plan {
            current_for_env: (r.current_version.clone(), r.new_version.clone()),
            current_version: r.current_version,
            new_version: r.new_version,
            part: r.part,
            unchanged: false,
            edits: r.edits,
            commit: r.commit,
            tag: r.tag,
            moveable_tags: r.moveable_tags,
            pre_commit_hooks: r.pre_commit_hooks.into_iter().map(HookRecord::hook).collect(),
            post_commit_hooks: r.post_commit_hooks.into_iter().map(HookRecord::hook).collect(),
            head: r.head,
        }
    }

    /// The directory the bump ran git and its hooks in.
    pub(crate) fn cwd(&self) -> &Path {
        &self.record.cwd
    }

    /// Where the journal is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// When the bump began (seconds since the Unix epoch).
    pub(crate) fn started(&self) -> i64 {
        self.record.started
    }

    /// Whether the bump reached `mark`.
    pub(crate) fn reached(&self, mark: Mark) -> bool {
        self.marks.contains(&mark)
    }

    /// Records that the bump reached `mark`.
    pub(crate) fn mark(&mut self, mark: Mark) -> Result<(), VersionError> {
        if self.reached(mark) {
            return Ok(());
        }
        let mut line = serde_json::to_string(&mark).expect("a mark serializes");
        line.push('\n');
        self.file.write_all(line.as_bytes()).map_err(io("write", &self.path))?;
        self.file.sync_data().map_err(io("write", &self.path))?;
        self.marks.push(mark);
        super::execute::checkpoint();
        Ok(())
    }

    /// Removes the journal: the bump is over (done or undone).
    pub(crate) fn finish(self) -> Result<(), VersionError> {
        std::fs::remove_file(&self.path).map_err(io("remove", &self.path))?;
        if let Some(dir) = self.path.parent() {
            sync_dir(dir);
        }
        drop(self.file);
        Ok(())
    }
}

fn parse(text: &str) -> Result<(Record, Vec<Mark>), String> {
    let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    let first = lines.next().ok_or("it is empty")?;
    let record: Record =
        serde_json::from_str(first).map_err(|e| format!("its first line is not a bump record: {e}"))?;
    if record.hoist_bump_journal != FORMAT {
        return Err(format!("it is in format {}, this hoist reads format {FORMAT}", record.hoist_bump_journal));
    }
    let marks = lines
        .map(|line| serde_json::from_str(line).map_err(|e| format!("a line after the first is not a mark: {e}")))
        .collect::<Result<_, _>>()?;
    Ok((record, marks))
}

/// Removes the temporary journal files of bumps killed before their journal was in place.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes a rename or removal in `dir` durable (best effort: some file systems refuse).
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// `Ok` when no journal holds for `dir`; else the sentence about the running or interrupted
/// bump.
pub(crate) fn ensure_none(dir: &Path) -> Result<(), VersionError> {
    match Journal::open(dir)? {
        Found::None => Ok(()),
        Found::Running { record } => Err(record.running()),
        Found::Interrupted(journal) => Err(VersionError::BumpInterrupted {
            from: journal.record.current_version.clone(),
            to: journal.record.new_version.clone(),
            started: jiff::Timestamp::from_second(journal.record.started)
                .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_ignored_and_a_foreign_file_is_refused() {
        let plan_line = r#"{"hoist_bump_journal":1,"pid":7,"started":0,"cwd":"/x","current_version":"1","new_version":"2","part":null,"head":null,"edits":[],"commit":null,"tag":null,"moveable_tags":[],"pre_commit_hooks":[],"post_commit_hooks":[]}"#;
        let (record, marks) = parse(&format!("{plan_line}\n\"publishing\"\n\"post-comm")).unwrap();
        assert_eq!(record.pid, 7);
        assert_eq!(marks, vec![Mark::Publishing]);
        assert_eq!(parse("").unwrap_err(), "it is empty");
        assert!(parse("{}\n").unwrap_err().starts_with("its first line is not a bump record"));
        let other = plan_line.replace("\"hoist_bump_journal\":1", "\"hoist_bump_journal\":9");
        assert_eq!(parse(&format!("{other}\n")).unwrap_err(), "it is in format 9, this hoist reads format 1");
    }
}
