//! `candidate`: the branch `candidates/BRANCH`, the source commit with every channel's images
//! pinned to this run's digests.

use std::io::Write;
use std::process::ExitCode;

use hoist_git::Repo;
use hoist_promotion::{Action, CandidatePlan};

use crate::Ctx;

/// Make or update `candidates/BRANCH` on the remote: the source commit with every channel's images pinned to this run's registry digests.
#[derive(Debug, clap::Args)]
pub(crate) struct Candidate {
    /// The source branch (default: `GITHUB_HEAD_REF`, `GITHUB_REF_NAME`, else the branch HEAD is on); the commit is HEAD.
    #[arg(long, value_name = "BRANCH")]
    branch: Option<String>,
    /// Print the plan (pins, digests, the branch's action) and commit and push nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

impl Candidate {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let naming = ctx.naming()?;
        let repo = Repo::open(config.root())?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let named = self.branch.or_else(|| env("GITHUB_HEAD_REF")).or_else(|| env("GITHUB_REF_NAME"));
        let branch = hoist_promotion::source_branch(&repo, named.as_deref())?;
        let images = hoist_promotion::run_images(config, &naming)?;
        let mut lookup = ctx.image_lookup()?;
        let plan = hoist_promotion::plan_candidate(&repo, config, &naming, &images, &branch, &mut lookup)?;
        let mut out = std::io::stdout().lock();
        let modes = (self.json, self.dry_run);
        if let Some(exit) = super::show_plan(&mut out, &plan, &plan.problems, modes, "commit nothing", write_plan)? {
            return Ok(exit);
        }
        let outcome = hoist_promotion::execute(&repo, &plan)?;
        if !self.json {
            writeln!(out, "{} {} {}", outcome.action.as_str(), plan.candidate, outcome.commit)?;
        }
        if let (Action::Superseded, Some(newer)) = (outcome.action, &plan.superseded_by) {
            eprintln!(
                "note: `{}` holds the candidate of {}, a newer commit than {}: nothing was pushed",
                plan.candidate,
                newer.short(),
                plan.source_commit.short()
            );
        }
        if outcome.attempts > 1 {
            eprintln!(
                "note: `{}` moved while hoist pushed (another candidate run); committed on its new tip after {} pushes",
                plan.candidate, outcome.attempts
            );
        }
        ctx.summary(&format!(
            "### Candidate `{}`: {}\n\n`{}` at {} ({}): {}\n",
            plan.candidate,
            outcome.action.as_str(),
            plan.source_branch,
            plan.source_commit.short(),
            plan.version,
            outcome.commit.short()
        ))?;
        Ok(ExitCode::SUCCESS)
    }
}

fn write_plan(out: &mut impl Write, plan: &CandidatePlan) -> std::io::Result<()> {
    writeln!(
        out,
        "candidate `{}` of `{}` at {} ({}) on the remote `{}`",
        plan.candidate,
        plan.source_branch,
        plan.source_commit.short(),
        plan.version,
        plan.remote
    )?;
    for image in &plan.images {
        super::write_image_check(out, image)?;
    }
    for pin in &plan.pins {
        writeln!(out, "  pin      {} {}  {} → {}", pin.file, pin.at, pin.from, pin.to.as_deref().unwrap_or("?"))?;
    }
    for file in &plan.files {
        writeln!(out, "  write    {file}")?;
    }
    match (plan.action, &plan.tip, &plan.parent) {
        (Some(Action::Unchanged), Some(tip), _) => {
            writeln!(out, "  unchanged: the tip {} already has this tree", tip.short())?
        }
        (Some(Action::Superseded), Some(tip), _) => writeln!(
            out,
            "  superseded: the tip {} is the candidate of {}, a newer commit: nothing is pushed",
            tip.short(),
            plan.superseded_by.as_ref().map_or("?", |o| o.short())
        )?,
        (Some(action), _, Some(parent)) => {
            writeln!(out, "  {}  a commit on {}, pushed with a lease", action.as_str(), parent.short())?
        }
        _ => {}
    }
    for problem in &plan.problems {
        writeln!(out, "  problem  {problem}")?;
    }
    Ok(())
}
