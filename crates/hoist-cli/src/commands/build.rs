//! `build [STEP]` and `push [STEP]`: one Dockerfile stage, named and cached by the pipeline's
//! rules, built through the engine's BuildKit.

use std::io::Write;
use std::process::ExitCode;

use hoist_image::{BuildRequest, Engine, EngineConfig, ProgressMode, ProgressView};
use serde::Serialize;

use crate::Ctx;

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

/// What a build will do, decided before the engine is asked to do anything.
#[derive(Debug, Serialize)]
struct BuildPlan {
    step: String,
    version: String,
    tags: Vec<String>,
    builder: String,
    platform: Option<String>,
    cache_from: Vec<String>,
    cache_to: Option<String>,
    push: bool,
    dockerfile: String,
    context: String,
}

/// What a build did.
#[derive(Debug, Serialize)]
struct BuildResult {
    #[serde(flatten)]
    plan: BuildPlan,
    image_id: String,
    steps: usize,
    cached_steps: usize,
    pushed: Vec<Pushed>,
}

#[derive(Debug, Serialize)]
struct Pushed {
    tag: String,
    digest: String,
}

impl Push {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        Build {
            step: self.step,
            push: true,
            load: false,
            no_cache: false,
            pull: false,
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
        let config = ctx.config()?;
        let naming = ctx.naming()?;
        let overrides = ctx.overrides()?;
        let dockerfile = hoist_dockerfile::parse_file(&config.dockerfile_path())?;
        if dockerfile.stage(&self.step).is_none() {
            let stages: Vec<String> = dockerfile.stages.iter().map(|s| format!("`{}`", s.display_name())).collect();
            anyhow::bail!(
                "`{}` is not a stage of `{}`: the stages are {}",
                self.step,
                config.dockerfile.display(),
                stages.join(", ")
            );
        }
        let cache = naming.cache_refs(&self.step, self.push && !overrides.no_cache_to);
        let builder = match config.builder {
            hoist_config::Builder::Buildkit => hoist_image::Builder::Buildkit,
            hoist_config::Builder::Classic => hoist_image::Builder::Classic,
            hoist_config::Builder::Buildx => hoist_image::Builder::Buildx,
        };
        let plan = BuildPlan {
            step: self.step.clone(),
            version: naming.version(),
            tags: naming.step_image(&self.step).tags,
            builder: format!("{builder:?}").to_lowercase(),
            platform: config.platform.clone(),
            cache_from: cache.as_ref().map(|c| c.from.clone()).unwrap_or_default(),
            cache_to: cache.as_ref().and_then(|c| c.to.clone()),
            push: self.push,
            dockerfile: config.dockerfile.display().to_string(),
            context: config.context.display().to_string(),
        };
        if self.dry_run {
            let mut out = std::io::stdout().lock();
            if self.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
            } else {
                write_plan(&mut out, &plan)?;
            }
            return Ok(ExitCode::SUCCESS);
        }

        let mut request = BuildRequest::new(config.context_path(), &naming.version());
        request.dockerfile = config.dockerfile_path();
        request.target = Some(self.step.clone());
        request.tags = plan.tags.clone();
        request.platform = plan.platform.clone();
        request.cache_from = plan.cache_from.clone();
        request.inline_cache = self.push && plan.cache_to.is_some();
        request.cache_to = if builder == hoist_image::Builder::Buildx { plan.cache_to.clone() } else { None };
        request.no_cache = self.no_cache;
        request.pull = self.pull;
        for pair in &self.build_args {
            let Some((name, value)) = pair.split_once('=').filter(|(n, _)| !n.is_empty()) else {
                anyhow::bail!("`--build-arg {pair}` is not NAME=VALUE: write it as `--build-arg PYTHON=3.12`");
            };
            request.build_args.insert(name.to_owned(), value.to_owned());
        }

        let engine = Engine::connect(&EngineConfig { builder, ..EngineConfig::default() })?;
        let mode = match self.progress {
            Progress::Auto => ProgressMode::Auto,
            Progress::Plain => ProgressMode::Plain,
            Progress::Quiet => ProgressMode::Quiet,
        };
        let mut view = ProgressView::new(mode, &self.step);
        let outcome = engine.build(&request, &mut |event| view.build_event(&event));
        view.finish();
        let outcome = outcome?;
        for failure in &outcome.cache_import_failures {
            eprintln!("warning: the registry cache `{failure}` could not be read; the build ran without it");
        }
        let mut pushed = Vec::new();
        if self.push {
            for tag in &plan.tags {
                let mut view = ProgressView::new(mode, &self.step);
                let digest = engine.push(tag, &mut |event| view.transfer_event(&event));
                view.finish();
                pushed.push(Pushed { tag: tag.clone(), digest: digest?.as_str().to_owned() });
            }
        }
        let result = BuildResult {
            plan,
            image_id: outcome.image_id,
            steps: outcome.steps,
            cached_steps: outcome.cached_steps,
            pushed,
        };
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
        } else {
            for tag in &result.plan.tags {
                match result.pushed.iter().find(|p| &p.tag == tag) {
                    Some(p) => writeln!(out, "pushed {tag} {}", p.digest)?,
                    None => writeln!(out, "built {tag} {}", result.image_id)?,
                }
            }
        }
        ctx.summary(&summary(&result))?;
        Ok(ExitCode::SUCCESS)
    }
}

fn write_plan(out: &mut impl Write, plan: &BuildPlan) -> std::io::Result<()> {
    let action = if plan.push { "build and push" } else { "build" };
    writeln!(
        out,
        "{action} stage `{}` of `{}` (context `{}`, builder {})",
        plan.step, plan.dockerfile, plan.context, plan.builder
    )?;
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

fn summary(result: &BuildResult) -> String {
    let mut md = format!(
        "### Image `{}` ({})\n\n| tag | action | digest |\n|---|---|---|\n",
        result.plan.step, result.plan.version
    );
    for tag in &result.plan.tags {
        match result.pushed.iter().find(|p| &p.tag == tag) {
            Some(p) => md.push_str(&format!("| `{tag}` | built, pushed | `{}` |\n", p.digest)),
            None => md.push_str(&format!("| `{tag}` | built | image `{}` |\n", result.image_id)),
        }
    }
    md.push_str(&format!("\n{} of {} steps from the cache.\n", result.cached_steps, result.steps));
    md
}
