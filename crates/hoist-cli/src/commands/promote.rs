//! `promote FROM TO`: the branch `promotions/ENV/BRANCH` for a pull request into
//! `releases/ENV`, and the pull request's title and body.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_git::Repo;
use hoist_promotion::{Action, PromotePlan};

use crate::Ctx;

/// Prepare a pull request that promotes a candidate into `releases/ENV`: the branch `promotions/ENV/BRANCH`, its title and its body (images, lineage, the diff).
#[derive(Debug, clap::Args)]
pub(crate) struct Promote {
    /// The candidate: `candidates/main`, or the source branch `main`.
    from: String,
    /// The environment: `prod`, or `releases/prod`.
    to: String,
    /// Write the pull request's body (markdown) to FILE, for `gh pr create --body-file`.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// Print the plan (images, lineage, the diff, the branch's action) and commit and push nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

impl Promote {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let repo = Repo::open(config.root())?;
        let mut lookup = ctx.image_lookup()?;
        let plan = hoist_promotion::plan_promote(&repo, config, &self.from, &self.to, &mut lookup)?;
        let mut out = std::io::stdout().lock();
        let modes = (self.json, self.dry_run);
        if let Some(exit) = super::show_plan(&mut out, &plan, &plan.problems, modes, "commit nothing", write_plan)? {
            return Ok(exit);
        }
        let outcome = hoist_promotion::execute_promote(&repo, &plan)?;
        if let Some(path) = &self.body_file {
            std::fs::write(path, &plan.body).with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        if !self.json {
            writeln!(out, "{} {} {}", outcome.action.as_str(), plan.branch, outcome.commit)?;
        }
        if outcome.action == Action::Unchanged {
            eprintln!("nothing new to promote: `{}` or `{}` already holds this candidate", plan.base, plan.branch);
        } else {
            eprintln!(
                "open the pull request: gh pr create --base {} --head {} --title {:?}{}",
                plan.base,
                plan.branch,
                plan.title,
                self.body_file.as_ref().map(|p| format!(" --body-file {}", p.display())).unwrap_or_default()
            );
        }
        // For the workflow's `gh pr create` step.
        let mut outputs = vec![
            ("branch", plan.branch.clone()),
            ("base", plan.base.clone()),
            ("title", plan.title.clone()),
            ("action", outcome.action.as_str().to_owned()),
        ];
        if let Some(file) = &self.body_file {
            outputs.push(("body-file", file.display().to_string()));
        }
        ctx.outputs(&outputs)?;
        ctx.summary(&format!(
            "### Promotion to `{}`: {}\n\n{}\n",
            plan.environment,
            outcome.action.as_str(),
            plan.body
        ))?;
        Ok(ExitCode::SUCCESS)
    }
}

fn write_plan(out: &mut impl Write, plan: &PromotePlan) -> std::io::Result<()> {
    let short = |c: &Option<hoist_git::Oid>| c.as_ref().map_or("(none)".to_owned(), |c| c.short().to_owned());
    writeln!(
        out,
        "promote `{}` ({}) into `{}` ({}) on the remote `{}`",
        plan.candidate,
        short(&plan.candidate_commit),
        plan.base,
        short(&plan.base_commit),
        plan.remote
    )?;
    if let Some(record) = &plan.record {
        super::write_record(out, record)?;
    }
    for image in &plan.images {
        super::write_image_check(out, image)?;
    }
    for check in &plan.lineage {
        super::write_lineage(out, check)?;
    }
    if let Some(diff) = &plan.diff {
        let changed: Vec<String> = diff
            .releases
            .iter()
            .flat_map(|r| r.resources.iter().map(move |c| format!("{} {} ({})", r.name, c.resource, c.change.as_str())))
            .collect();
        if changed.is_empty() {
            writeln!(out, "  diff     no manifest changes")?;
        }
        for line in changed {
            writeln!(out, "  diff     {line}")?;
        }
    }
    match plan.action {
        Some(Action::Unchanged) => writeln!(out, "  unchanged: nothing new to promote")?,
        Some(action) => writeln!(
            out,
            "  {}  `{}`: the candidate's tree on `{}`, pushed with a lease",
            action.as_str(),
            plan.branch,
            plan.base
        )?,
        None => {}
    }
    writeln!(out, "  title    {}", plan.title)?;
    for problem in &plan.problems {
        writeln!(out, "  problem  {problem}")?;
    }
    Ok(())
}
