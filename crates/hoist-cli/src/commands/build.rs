//! `build [STEP]` and `push [STEP]`: one Dockerfile stage, named and cached by the pipeline's
//! rules, built through the engine's BuildKit.

use std::io::Write;
use std::process::ExitCode;

use hoist_image::ProgressMode;
use hoist_pipeline::{BuildAction, ImageOutcome, ImagePlan, ImageRequest};

use crate::Ctx;
use crate::commands::test::{Drawer, print_plan};

/// How progress is shown.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Progress {
    /// A live view on a terminal, plain lines in CI.
    Auto,
    /// Plain prefixed lines.
    Plain,
    /// Only errors.
    Quiet,
}

impl Progress {
    /// The image engine's drawing mode for this choice.
    pub(crate) fn mode(self) -> ProgressMode {
        match self {
            Progress::Auto => ProgressMode::Auto,
            Progress::Plain => ProgressMode::Plain,
            Progress::Quiet => ProgressMode::Quiet,
        }
    }
}

/// Build a Dockerfile stage and tag it (`release` → `REGISTRY:VERSION` and `:last`, else `REGISTRY:VERSION-STEP`).
#[derive(Debug, clap::Args)]
pub(crate) struct Build {
    /// The Dockerfile stage to build (`hoist layers` lists them).
    #[arg(default_value = "release")]
    step: String,
    /// Push every tag to the registry after the build.
    #[arg(long, conflicts_with = "load")]
    push: bool,
    /// Keep the image in the local engine only (the default).
    #[arg(long)]
    load: bool,
    /// Build every step again, ignoring the build cache.
    #[arg(long)]
    no_cache: bool,
    /// Look for newer base images.
    #[arg(long)]
    pull: bool,
    /// Build even when an image with the same inputs exists here or in the registry.
    #[arg(long)]
    force: bool,
    /// A build argument (repeatable).
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    build_args: Vec<String>,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the plan (tags, cache references, builder) and build nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON.
    #[arg(long)]
    json: bool,
}

/// Build a Dockerfile stage and push its tags (`build STEP --push`).
#[derive(Debug, clap::Args)]
pub(crate) struct Push {
    /// The Dockerfile stage to build and push.
    #[arg(default_value = "release")]
    step: String,
    /// Build even when the registry has an image with the same inputs.
    #[arg(long)]
    force: bool,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    progress: Progress,
    /// Print the plan and build nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan, or the result, as JSON.
    #[arg(long)]
    json: bool,
}

impl Push {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        Build {
            step: self.step,
            push: true,
            load: false,
            no_cache: false,
            pull: false,
            force: self.force,
            build_args: Vec::new(),
            progress: self.progress,
            dry_run: self.dry_run,
            json: self.json,
        }
        .run(ctx)
    }
}

impl Build {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let naming = ctx.naming()?;
        let pipeline = ctx.pipeline()?;
        let mut request = ImageRequest::local(&self.step, &naming);
        request.push = self.push;
        request.force = self.force;
        request.no_cache = self.no_cache;
        request.pull = self.pull;
        request.build_args = parse_build_args(&self.build_args)?;
        request.write_cache = !ctx.overrides()?.no_cache_to;
        let plan = hoist_pipeline::plan_image(&pipeline, &request)?;
        if self.dry_run {
            return print_plan(self.json, &plan, write_plan);
        }
        let mut draw = Drawer::new(self.progress, &self.step);
        let result = hoist_pipeline::execute_image(&pipeline, &plan, &mut |e| draw.event(e));
        draw.finish();
        let result = result?;
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
        } else {
            for tag in &result.plan.tags {
                writeln!(out, "{}", image_line(&result, tag))?;
            }
        }
        ctx.summary(&summary(&result))?;
        let images: Vec<serde_json::Value> = result
            .plan
            .tags
            .iter()
            .map(|tag| {
                serde_json::json!({
                    "step": result.plan.step,
                    "tag": tag,
                    "digest": result.digest(tag),
                    "action": result.plan.action,
                    "reason": result.plan.reason.to_string(),
                })
            })
            .collect();
        ctx.outputs(&[
            ("version", result.plan.version.clone()),
            ("tag", result.plan.tags[0].clone()),
            ("images", serde_json::Value::Array(images).to_string()),
        ])?;
        Ok(ExitCode::SUCCESS)
    }
}

/// The word for what happened to an image (`built`, `pulled`, `skipped`).
fn verb(action: BuildAction) -> &'static str {
    match action {
        BuildAction::Build => "built",
        BuildAction::Pull => "pulled",
        BuildAction::Skip | BuildAction::Push => "skipped",
    }
}

/// `pushed TAG DIGEST`, or `built|pulled|skipped TAG ID-OR-DIGEST`.
pub(crate) fn image_line(result: &ImageOutcome, tag: &str) -> String {
    if let Some(p) = result.pushed.iter().find(|p| p.tag == tag) {
        return format!("pushed {tag} {}", p.digest);
    }
    let verb = verb(result.plan.action);
    match result.plan.in_registry.iter().find(|p| p.tag == tag) {
        Some(found) => format!("{verb} {tag} {}", found.digest),
        None => format!("{verb} {tag} {}", result.image_id.as_deref().unwrap_or("(in the registry)")),
    }
}

fn parse_build_args(pairs: &[String]) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let mut args = std::collections::BTreeMap::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=').filter(|(n, _)| !n.is_empty()) else {
            anyhow::bail!("`--build-arg {pair}` is not NAME=VALUE: write it as `--build-arg PYTHON=3.12`");
        };
        args.insert(name.to_owned(), value.to_owned());
    }
    Ok(args)
}

/// The plan of one image, as `build --dry-run` prints it.
pub(crate) fn write_plan(out: &mut dyn Write, plan: &ImagePlan) -> std::io::Result<()> {
    let action = if plan.push { "build and push" } else { "build" };
    writeln!(
        out,
        "{action} stage `{}` of `{}` (context `{}`, builder {})",
        plan.step, plan.dockerfile, plan.context, plan.builder
    )?;
    writeln!(out, "  decision    {}", plan.reason)?;
    writeln!(out, "  inputs      {} ({} context files)", plan.inputs.digest, plan.inputs.files)?;
    for tag in &plan.tags {
        writeln!(out, "  tag         {tag}")?;
    }
    if let Some(platform) = &plan.platform {
        writeln!(out, "  platform    {platform}")?;
    }
    for from in &plan.cache_from {
        writeln!(out, "  cache-from  {from}")?;
    }
    match &plan.cache_to {
        Some(to) => writeln!(out, "  cache-to    {to}")?,
        None if !plan.cache_from.is_empty() => {
            writeln!(out, "  cache-to    (none: {})", if plan.push { "NO_CACHE_TO is set" } else { "not pushing" })?
        }
        None => {}
    }
    Ok(())
}

fn summary(result: &ImageOutcome) -> String {
    let mut md = format!(
        "### Image `{}` ({})\n\n| step | tag | action | digest | reason |\n|---|---|---|---|---|\n",
        result.plan.step, result.plan.version
    );
    let action = verb(result.plan.action);
    for tag in &result.plan.tags {
        let (action, digest) = match result.pushed.iter().find(|p| &p.tag == tag) {
            Some(p) => (format!("{action}, pushed"), p.digest.clone()),
            None => match result.plan.in_registry.iter().find(|p| &p.tag == tag) {
                Some(found) => (action.to_owned(), found.digest.clone()),
                None => (action.to_owned(), result.image_id.clone().unwrap_or_default()),
            },
        };
        md.push_str(&format!("| {} | `{tag}` | {action} | `{digest}` | {} |\n", result.plan.step, result.plan.reason));
    }
    if result.plan.action == BuildAction::Build {
        md.push_str(&format!("\n{} of {} steps from the cache.\n", result.cached_steps, result.steps));
    }
    md
}
