//! One module per target.

pub(crate) mod build;
pub(crate) mod bump;
pub(crate) mod bump_my_version;
pub(crate) mod candidate;
pub(crate) mod channels;
pub(crate) mod check;
pub(crate) mod ci;
pub(crate) mod completions;
pub(crate) mod compose;
pub(crate) mod data_image;
pub(crate) mod deploy;
pub(crate) mod doctor;
pub(crate) mod exists;
pub(crate) mod gitops;
pub(crate) mod init;
pub(crate) mod layers;
pub(crate) mod naming;
pub(crate) mod promote;
pub(crate) mod requirements;
pub(crate) mod test;

use std::io::Write;

/// Writes `text` and a newline to stdout, reporting a closed pipe as an error the caller can
/// recognise.
pub(crate) fn print_line(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")?;
    stdout.flush()
}

/// One image of a plan, as the registry answered: its digest, `MISSING` or `UNKNOWN`.
pub(crate) fn write_image_check(out: &mut impl Write, image: &hoist_deploy::ImageCheck) -> std::io::Result<()> {
    match (&image.digest, &image.unknown) {
        (Some(digest), _) => writeln!(out, "  image    {}  {digest}", image.reference),
        (None, Some(_)) => writeln!(out, "  image    {}  UNKNOWN (the registry could not be asked)", image.reference),
        (None, None) => writeln!(out, "  image    {}  MISSING", image.reference),
    }
}

/// A dry run's end: an error when the plan has problems, since the real run would refuse.
pub(crate) fn dry_run_end(problems: &[String], nothing_done: &str) -> anyhow::Result<std::process::ExitCode> {
    if !problems.is_empty() {
        anyhow::bail!("the plan has {} problem(s): a real run would refuse and {nothing_done}", problems.len());
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Shows a plan the way every planning target does: as JSON with `--json`; as text with
/// `--dry-run`, or when it has problems (the real run then refuses, and the text shows why).
/// `Some(exit status)` when the run ends here: a dry run, an error when it has problems.
pub(crate) fn show_plan<P: serde::Serialize, W: Write>(
    out: &mut W,
    plan: &P,
    problems: &[String],
    (json, dry_run): (bool, bool),
    nothing_done: &str,
    text: impl FnOnce(&mut W, &P) -> std::io::Result<()>,
) -> anyhow::Result<Option<std::process::ExitCode>> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(plan)?)?;
    } else if dry_run || !problems.is_empty() {
        text(out, plan)?;
    }
    out.flush()?;
    if dry_run {
        return dry_run_end(problems, nothing_done).map(Some);
    }
    Ok(None)
}

/// The candidate a tree holds, as plans show it.
pub(crate) fn write_record(out: &mut impl Write, record: &hoist_promotion::CandidateRecord) -> std::io::Result<()> {
    writeln!(out, "  candidate of `{}` at {} ({})", record.source_branch, record.source_commit.short(), record.version)
}

/// A candidate's image against an environment it must have gone through, as plans show it.
pub(crate) fn write_lineage(out: &mut impl Write, check: &hoist_promotion::LineageCheck) -> std::io::Result<()> {
    match &check.released {
        Some(r) => writeln!(
            out,
            "  lineage  {} released to `{}` in {} ({})",
            check.reference,
            check.required,
            r.commit.short(),
            r.version
        ),
        None => writeln!(out, "  lineage  {} NEVER released to `{}`", check.reference, check.required),
    }
}
