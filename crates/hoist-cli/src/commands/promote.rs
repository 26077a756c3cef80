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
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
        } else if self.dry_run || !plan.problems.is_empty() {
            write_plan(&mut out, &plan)?;
        }
        out.flush()?;
        if self.dry_run {
            return super::dry_run_end(&plan.problems, "commit nothing");
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
        github_output(&plan, outcome.action, self.body_file.as_deref())?;
        ctx.summary(&format!(
            "### Promotion to `{}`: {}\n\n{}\n",
            plan.environment,
            outcome.action.as_str(),
            plan.body
        ))?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Appends `branch`, `base`, `title`, `action` (and `body-file`) to `GITHUB_OUTPUT` when it
/// names a file, for the workflow's `gh pr create` step.
fn github_output(plan: &PromotePlan, action: Action, body_file: Option<&std::path::Path>) -> anyhow::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) else { return Ok(()) };
    let mut text = format!(
        "branch={}\nbase={}\ntitle={}\naction={}\n",
        plan.branch,
        plan.base,
        plan.title.replace(['\n', '\r'], " "),
        action.as_str()
    );
    if let Some(file) = body_file {
        text.push_str(&format!("body-file={}\n", file.display()));
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot append to `GITHUB_OUTPUT` (`{}`)", PathBuf::from(&path).display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot append to `GITHUB_OUTPUT` (`{}`)", PathBuf::from(&path).display()))?;
    Ok(())
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
        writeln!(
            out,
            "  candidate of `{}` at {} ({})",
            record.source_branch,
            record.source_commit.short(),
            record.version
        )?;
    }
    for image in &plan.images {
        super::write_image_check(out, image)?;
    }
    for check in &plan.lineage {
        match &check.released {
            Some(r) => writeln!(
                out,
                "  lineage  {} released to `{}` in {} ({})",
                check.reference,
                check.required,
                r.commit.short(),
                r.version
            )?,
            None => writeln!(out, "  lineage  {} NEVER released to `{}`", check.reference, check.required)?,
        }
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
