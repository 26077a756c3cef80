//! Carrying out a plan, crash-safe. [`execute`] records the plan in the journal first
//! (`journal.rs`), then takes each step in a way that can be taken again: a step looks at the
//! repository (a file's text, `HEAD`, the tag) to see whether it is done. So a bump killed at
//! any point can be finished from the journal ([`Recovery::Continue`]: the same steps, which skip
//! what is done) or undone ([`Recovery::Abort`]: each step's effect taken back, newest first),
//! and either ends with the repository fully at the new version or fully at the old one.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use xshell::Shell;

use super::journal::{Found, Journal, Mark, TEMP_PREFIX};
use super::{FileEdit, Plan, run_hooks};
use crate::error::VersionError;
use crate::scm;

/// The environment variable that kills hoist (`SIGKILL`, as `kill -9` does) when a bump
/// reaches its Nth step: how the tests interrupt a bump at every point.
pub const KILL_AT_STEP_VARIABLE: &str = "HOIST_TEST_KILL_AT_STEP";

/// Counts the steps of a bump, and kills the process at the step [`KILL_AT_STEP_VARIABLE`]
/// names. Every journal write, file write, git command and hook run of a bump is one step.
pub(crate) fn checkpoint() {
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static STEP: AtomicU64 = AtomicU64::new(0);
    let limit = *LIMIT.get_or_init(|| std::env::var(KILL_AT_STEP_VARIABLE).ok().and_then(|v| v.trim().parse().ok()));
    if let Some(limit) = limit
        && STEP.fetch_add(1, Ordering::SeqCst) + 1 == limit
    {
        // SAFETY: `kill` with this process's own id and a valid signal has no memory effects.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// What executing a plan did.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Report {
    /// The files written.
    pub written: Vec<PathBuf>,
    /// Whether a commit was made.
    pub committed: bool,
    /// The tag created, if any.
    pub tagged: Option<String>,
}

/// Why a step stopped the bump, and what that leaves to do.
enum Stop {
    /// Before anything left the machine: undo every step taken.
    Undo(VersionError),
    /// While pushing: the commit and the tag stay, the journal too, for `--continue`.
    Keep(VersionError),
    /// A post-commit hook: the bump is done, the hook's failure is reported.
    Done(VersionError),
}

/// Carries out `plan`, in the shell's directory: records it in the bump journal, writes every
/// file (temporary file + rename), runs the pre-commit hooks, commits, tags, pushes and moves
/// tags, runs the post-commit hooks, and removes the journal. If a step fails before pushing,
/// every step taken is undone (files, index, commit, tag) and the error says so; if pushing
/// fails, the commit and the tag stay and `hoist bump --continue` pushes again; if the process
/// is killed, the next hoist command in the repository says so (see [`recover`]).
pub fn execute(sh: &Shell, plan: &Plan) -> Result<Report, VersionError> {
    let mut report = Report::default();
    if plan.unchanged {
        return Ok(report);
    }
    let mut journal = Journal::begin(&sh.current_dir(), plan)?;
    match forward(sh, &mut journal, plan, &mut report) {
        Ok(()) => {
            journal.finish()?;
            Ok(report)
        }
        Err(Stop::Undo(error)) => match backward(sh, &journal, plan, Scope::OwnWrites) {
            Ok(()) => {
                journal.finish()?;
                Err(VersionError::RolledBack { source: Box::new(error) })
            }
            Err(cause) => Err(VersionError::RollbackFailed { source: Box::new(error), cause: Box::new(cause) }),
        },
        Err(Stop::Keep(error)) => Err(VersionError::PushFailed { source: Box::new(error) }),
        Err(Stop::Done(error)) => {
            journal.finish()?;
            Err(error)
        }
    }
}

/// What to do with an interrupted bump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recovery {
    /// Undo it: every file back to its old text, the index, `HEAD` and the tags as before.
    Abort,
    /// Finish it: the steps it did not take, taken.
    Continue,
}

/// What [`recover`] did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Recovered {
    /// What was asked.
    pub action: Recovery,
    /// The version the bump started from.
    pub from: String,
    /// The version it was bumping to.
    pub to: String,
    /// Temporary files and git lock files the interrupted bump left, removed.
    pub removed: Vec<PathBuf>,
    /// With [`Recovery::Continue`], what finishing did.
    pub report: Option<Report>,
}

/// `Ok` when no bump is running or interrupted in the repository holding `dir`; else the
/// sentence that says which bump, and how to finish or undo it.
pub fn ensure_no_interrupted_bump(dir: &Path) -> Result<(), VersionError> {
    super::journal::ensure_none(dir)
}

/// Finishes or undoes the bump that was interrupted in the repository holding `dir`, from its
/// journal: after it, the repository is fully at the new version or fully at the old one, the
/// temporary files and git lock files the bump left are gone, and so is the journal. Run it
/// when no other git command runs in the repository (a lock file younger than the bump is
/// taken for the bump's).
pub fn recover(dir: &Path, action: Recovery) -> Result<Recovered, VersionError> {
    let mut journal = match Journal::open(dir)? {
        Found::None => return Err(VersionError::NoInterruptedBump { dir: dir.to_owned() }),
        Found::Running { record } => return Err(record.running()),
        Found::Interrupted(journal) => journal,
    };
    let plan = journal.plan();
    let sh = Shell::new().map_err(|e| VersionError::Git { command: "status".to_owned(), message: e.to_string() })?;
    sh.change_dir(journal.cwd());
    let removed = remove_leftovers(&journal, &plan)?;
    let blocked = |error| VersionError::RecoveryBlocked { source: Box::new(error) };
    let mut recovered =
        Recovered { action, from: plan.current_version.clone(), to: plan.new_version.clone(), removed, report: None };
    match action {
        Recovery::Abort => {
            backward(&sh, &journal, &plan, Scope::Everything).map_err(blocked)?;
            journal.finish()?;
        }
        Recovery::Continue => {
            let mut report = Report::default();
            match forward(&sh, &mut journal, &plan, &mut report) {
                Ok(()) => journal.finish()?,
                Err(Stop::Undo(error) | Stop::Keep(error)) => return Err(blocked(error)),
                Err(Stop::Done(error)) => {
                    journal.finish()?;
                    return Err(error);
                }
            }
            recovered.report = Some(report);
        }
    }
    Ok(recovered)
}

/// Where a file is, against the plan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileState {
    /// It holds the text from before the bump.
    Old,
    /// It holds the bump's text.
    New,
    /// Neither: someone else changed it.
    Other,
}

fn file_state(edit: &FileEdit) -> FileState {
    match std::fs::read(&edit.path) {
        Ok(bytes) if bytes == edit.after.as_bytes() => FileState::New,
        Ok(bytes) if bytes == edit.before.as_bytes() => FileState::Old,
        _ => FileState::Other,
    }
}

fn changed_file(edit: &FileEdit) -> VersionError {
    VersionError::Changed {
        what: format!("`{}` changed (it holds neither its text before the bump nor the bump's)", edit.name),
    }
}

/// Whether the bump's commit is made: `HEAD` is where the bump started (not yet), or a
/// commit on it with the bump's message (made); anything else is someone else's doing.
fn commit_made(sh: &Shell, plan: &Plan, message: &str) -> Result<bool, VersionError> {
    let head = scm::head(sh);
    if head == plan.head {
        return Ok(false);
    }
    if let Some(head) = &head
        && scm::parent(sh, head) == plan.head
        && scm::message(sh, head).is_some_and(|m| m.trim() == message.trim())
    {
        return Ok(true);
    }
    Err(VersionError::Changed {
        what: "`HEAD` moved (it is neither the commit the bump started from nor the bump's commit)".to_owned(),
    })
}

/// The steps, each taken only when not yet done.
fn forward(sh: &Shell, journal: &mut Journal, plan: &Plan, report: &mut Report) -> Result<(), Stop> {
    let states: Vec<FileState> = plan.edits.iter().map(file_state).collect();
    if let Some((edit, _)) = plan.edits.iter().zip(&states).find(|(_, s)| **s == FileState::Other) {
        return Err(Stop::Undo(changed_file(edit)));
    }
    for (edit, state) in plan.edits.iter().zip(&states) {
        if *state == FileState::Old {
            write_atomic(&edit.path, &edit.after).map_err(Stop::Undo)?;
            checkpoint();
        }
        report.written.push(edit.path.clone());
    }
    if !journal.reached(Mark::PreCommitHooksRun) {
        run_hooks(sh, "pre-commit", &plan.pre_commit_hooks).map_err(Stop::Undo)?;
        checkpoint();
        journal.mark(Mark::PreCommitHooksRun).map_err(Stop::Undo)?;
    }
    if let Some(commit) = &plan.commit {
        if !commit_made(sh, plan, &commit.message).map_err(Stop::Undo)? {
            scm::add(sh, &commit.files).map_err(Stop::Undo)?;
            checkpoint();
            scm::commit(sh, &commit.message, &commit.args, &plan.current_for_env.0, &plan.current_for_env.1)
                .map_err(Stop::Undo)?;
            checkpoint();
        }
        report.committed = true;
    }
    if let Some(tag) = &plan.tag {
        let head = scm::head(sh);
        match scm::tag_commit(sh, &tag.name) {
            None => {
                scm::tag(sh, &tag.name, tag.sign, &tag.message).map_err(Stop::Undo)?;
                checkpoint();
            }
            Some(commit) if Some(&commit) == head.as_ref() => {}
            Some(_) => {
                return Err(Stop::Undo(VersionError::Changed {
                    what: format!("the tag `{}` was made on another commit", tag.name),
                }));
            }
        }
        report.tagged = Some(tag.name.clone());
        if tag.push || !plan.moveable_tags.is_empty() {
            journal.mark(Mark::Publishing).map_err(Stop::Undo)?;
            if tag.push {
                scm::push_tag(sh, &tag.name).map_err(Stop::Keep)?;
                checkpoint();
            }
            for name in &plan.moveable_tags {
                scm::move_tag(sh, name).map_err(Stop::Keep)?;
            }
        }
    }
    if !journal.reached(Mark::PostCommitHooksRun) {
        // After the commit and the tag: a failing post-commit hook cannot undo them
        // (bump-my-version behaves the same), and says so.
        run_hooks(sh, "post-commit", &plan.post_commit_hooks).map_err(|error| {
            Stop::Done(match error {
                VersionError::Hook { kind, hook, message } => VersionError::Hook {
                    kind,
                    hook,
                    message: format!("{message}; the bump's commit and tag stay, as post-commit hooks run after them"),
                },
                other => other,
            })
        })?;
        checkpoint();
        journal.mark(Mark::PostCommitHooksRun).map_err(Stop::Done)?;
    }
    Ok(())
}

/// Which files undoing may put back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Right after a failed step in this process: the files holding the bump's text (a file
    /// someone else changed meanwhile is what stopped the bump, and stays as it is).
    OwnWrites,
    /// Recovering a killed bump: every file must hold the old or the new text, or nothing is
    /// undone.
    Everything,
}

/// Each step's effect taken back, newest first; everything checked before anything changes.
fn backward(sh: &Shell, journal: &Journal, plan: &Plan, scope: Scope) -> Result<(), VersionError> {
    if journal.reached(Mark::Publishing) {
        return Err(VersionError::AlreadyPublished {
            tag: plan.tag.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        });
    }
    let states: Vec<FileState> = plan.edits.iter().map(file_state).collect();
    if scope == Scope::Everything
        && let Some((edit, _)) = plan.edits.iter().zip(&states).find(|(_, s)| **s == FileState::Other)
    {
        return Err(changed_file(edit));
    }
    let committed = match &plan.commit {
        Some(commit) => commit_made(sh, plan, &commit.message)?,
        None => false,
    };
    // The tag did not exist when the bump was planned: if it does now, it is the bump's.
    if let Some(tag) = &plan.tag
        && scm::tag_commit(sh, &tag.name).is_some()
    {
        scm::delete_tag(sh, &tag.name)?;
        checkpoint();
    }
    if committed {
        match &plan.head {
            Some(head) => scm::reset_soft(sh, head)?,
            None => scm::delete_head(sh)?,
        }
        checkpoint();
    }
    if let Some(commit) = &plan.commit
        && plan.head.is_some()
    {
        scm::unstage(sh, &commit.files)?;
        checkpoint();
    }
    for (edit, state) in plan.edits.iter().zip(&states).rev() {
        if *state == FileState::New {
            write_atomic(&edit.path, &edit.before)?;
            checkpoint();
        }
    }
    Ok(())
}

/// Removes what a killed bump left: its temporary files (next to the files it writes, and
/// the journal's), and the git lock files younger than the bump.
fn remove_leftovers(journal: &Journal, plan: &Plan) -> Result<Vec<PathBuf>, VersionError> {
    let mut dirs: Vec<&Path> = plan.edits.iter().filter_map(|e| e.path.parent()).collect();
    dirs.extend(journal.path().parent());
    dirs.sort();
    dirs.dedup();
    let mut removed = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(TEMP_PREFIX) && entry.file_type().is_ok_and(|t| t.is_file()) {
                let path = entry.path();
                remove(&path)?;
                removed.push(path);
            }
        }
    }
    if let Some(dirs) = hoist_git::GitDirs::find(journal.cwd()) {
        for lock in dirs.lock_files() {
            let young = std::fs::symlink_metadata(&lock)
                .ok()
                .filter(|m| m.is_file())
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|t| t.as_secs() as i64 >= journal.started());
            if young {
                remove(&lock)?;
                removed.push(lock);
            }
        }
    }
    Ok(removed)
}

fn remove(path: &Path) -> Result<(), VersionError> {
    std::fs::remove_file(path).map_err(|source| VersionError::Io { action: "remove", path: path.to_owned(), source })
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename,
/// keeping the file's permissions.
fn write_atomic(path: &Path, contents: &str) -> Result<(), VersionError> {
    let io = |action: &'static str| move |source| VersionError::Io { action, path: path.to_owned(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(path).map(|m| m.permissions()).ok();
    let mut temp =
        tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(dir).map_err(io("create a temporary file next to"))?;
    std::io::Write::write_all(&mut temp, contents.as_bytes()).map_err(io("write"))?;
    if let Some(permissions) = permissions {
        std::fs::set_permissions(temp.path(), permissions).map_err(io("set permissions of"))?;
    }
    temp.as_file().sync_all().map_err(io("write"))?;
    checkpoint();
    temp.persist(path).map_err(|e| VersionError::Io { action: "replace", path: path.to_owned(), source: e.error })?;
    Ok(())
}
