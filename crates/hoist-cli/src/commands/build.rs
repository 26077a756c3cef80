//! `build [STEP]` and `push [STEP]`: one Dockerfile stage, named and cached by the pipeline's
//! rules, built through the engine's BuildKit.

use std::io::Write;
use std::process::ExitCode;

use hoist_image::{BuildRequest, Context, Engine, EngineConfig, ProgressMode, ProgressView};
use hoist_pipeline::{BuildAction, InputDigest};
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

/// What a build will do, decided before the engine is asked to do anything.
#[derive(Debug, Serialize)]
pub(crate) struct BuildPlan {
    step: String,
    version: String,
    pub(crate) tags: Vec<String>,
    pub(crate) action: BuildAction,
    pub(crate) reason: String,
    inputs: InputDigest,
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
pub(crate) struct BuildResult {
    #[serde(flatten)]
    pub(crate) plan: BuildPlan,
    pub(crate) image_id: Option<String>,
    steps: usize,
    cached_steps: usize,
    pub(crate) pushed: Vec<Pushed>,
    /// When a push was skipped because the registry has the same inputs: each tag the
    /// registry has, with its digest there (what a push would have reported).
    pub(crate) in_registry: Vec<Pushed>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Pushed {
    pub(crate) tag: String,
    pub(crate) digest: String,
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

/// A build that ran, or only its plan (`--dry-run`).
pub(crate) enum Performed {
    Planned(BuildPlan),
    Built(BuildResult),
}

/// Builds (or reuses) `step` and pushes its tags, as `push STEP` does; prints nothing on stdout.
pub(crate) fn push_step(ctx: &Ctx, step: &str, progress: Progress) -> anyhow::Result<BuildResult> {
    let build = Build {
        step: step.to_owned(),
        push: true,
        load: false,
        no_cache: false,
        pull: false,
        force: false,
        build_args: Vec::new(),
        progress,
        dry_run: false,
        json: false,
    };
    match build.perform(ctx)? {
        Performed::Built(result) => Ok(result),
        Performed::Planned(_) => unreachable!("not a dry run"),
    }
}

impl Build {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let json = self.json;
        let result = match self.perform(ctx)? {
            Performed::Planned(plan) => {
                let mut out = std::io::stdout().lock();
                if json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
                } else {
                    write_plan(&mut out, &plan)?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            Performed::Built(result) => result,
        };
        let mut out = std::io::stdout().lock();
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
        } else {
            for tag in &result.plan.tags {
                let verb = match result.plan.action {
                    BuildAction::Build => "built",
                    BuildAction::Pull => "pulled",
                    BuildAction::Skip | BuildAction::Push => "skipped",
                };
                match result.pushed.iter().find(|p| &p.tag == tag) {
                    Some(p) => writeln!(out, "pushed {tag} {}", p.digest)?,
                    None if let Some(found) = result.in_registry.iter().find(|p| &p.tag == tag) => {
                        writeln!(out, "{verb} {tag} {}", found.digest)?
                    }
                    None => {
                        writeln!(out, "{verb} {tag} {}", result.image_id.as_deref().unwrap_or("(in the registry)"))?
                    }
                }
            }
        }
        ctx.summary(&summary(&result))?;
        let images: Vec<serde_json::Value> = result
            .plan
            .tags
            .iter()
            .map(|tag| {
                let digest =
                    result.pushed.iter().chain(&result.in_registry).find(|p| &p.tag == tag).map(|p| p.digest.clone());
                serde_json::json!({
                    "step": result.plan.step,
                    "tag": tag,
                    "digest": digest,
                    "action": result.plan.action,
                    "reason": result.plan.reason,
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

    /// Plans the build and, unless this is a dry run, carries it out.
    fn perform(self, ctx: &Ctx) -> anyhow::Result<Performed> {
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
        let stage = dockerfile.stage(&self.step).expect("checked above");
        let build_args = parse_build_args(&self.build_args)?;
        let context = Context::new(&config.context_path(), &config.dockerfile_path())?;
        let inputs = hoist_pipeline::input_digest(
            &dockerfile,
            stage,
            context.dir(),
            context.dockerignore(),
            &build_args,
            config.platform.as_deref(),
        )?;
        let cache = naming.cache_refs(&self.step, self.push && !overrides.no_cache_to);
        let builder = match config.builder {
            hoist_config::Builder::Buildkit => hoist_image::Builder::Buildkit,
            hoist_config::Builder::Classic => hoist_image::Builder::Classic,
            hoist_config::Builder::Buildx => hoist_image::Builder::Buildx,
        };
        let tags = naming.step_image(&self.step).tags;
        let primary = tags[0].clone();

        // What exists already, here and in the registry (the source of truth).
        let engine = Engine::connect(&EngineConfig { builder, ..EngineConfig::default() })?;
        let local_image = engine.inspect(&primary)?;
        let local = local_image.as_ref().map(|image| &image.labels);
        // Without `--push`, an image here with the same inputs settles it: no registry round trip.
        let local_is_current = local.and_then(|l| l.get(hoist_pipeline::LABEL)) == Some(&inputs.digest);
        let (remote, remote_digest, remote_unknown) = if local_is_current && !self.push {
            (None, None, None)
        } else {
            match ctx.registry()?.labels(&primary) {
                Ok(Some(image)) => (Some(image.labels), image.digest.map(|d| d.as_str().to_owned()), None),
                Ok(None) => (None, None, None),
                Err(error) => (None, None, Some(error.to_string().lines().next().unwrap_or_default().to_owned())),
            }
        };
        let decision = hoist_pipeline::decide_build(
            &self.step,
            &primary,
            &inputs,
            hoist_pipeline::Found { local, remote: remote.as_ref(), remote_unknown: remote_unknown.as_deref() },
            self.push,
            self.force || self.no_cache,
        );
        let plan = BuildPlan {
            step: self.step.clone(),
            version: naming.version(),
            tags,
            action: decision.action,
            reason: decision.reason,
            inputs,
            builder: format!("{builder:?}").to_lowercase(),
            platform: config.platform.clone(),
            cache_from: cache.as_ref().map(|c| c.from.clone()).unwrap_or_default(),
            cache_to: cache.as_ref().and_then(|c| c.to.clone()),
            push: self.push,
            dockerfile: config.dockerfile.display().to_string(),
            context: config.context.display().to_string(),
        };
        if self.dry_run {
            return Ok(Performed::Planned(plan));
        }

        let mode = self.progress.mode();
        if mode != ProgressMode::Quiet {
            eprintln!("{}: {}", self.step, plan.reason);
        }
        let (mut image_id, mut steps, mut cached_steps) = (None, 0, 0);
        match plan.action {
            BuildAction::Build => {
                let mut request = BuildRequest::new(config.context_path(), &naming.version());
                request.dockerfile = config.dockerfile_path();
                request.target = Some(self.step.clone());
                request.tags = plan.tags.clone();
                request.labels = plan.inputs.labels();
                request.platform = plan.platform.clone();
                request.cache_from = plan.cache_from.clone();
                request.inline_cache = self.push && plan.cache_to.is_some();
                request.cache_to = if builder == hoist_image::Builder::Buildx { plan.cache_to.clone() } else { None };
                request.no_cache = self.no_cache;
                request.pull = self.pull;
                request.build_args = build_args;
                let mut view = ProgressView::new(mode, &self.step);
                let outcome = engine.build(&request, &mut |event| view.build_event(&event));
                view.finish();
                let outcome = outcome?;
                for failure in &outcome.cache_import_failures {
                    eprintln!("warning: the registry cache `{failure}` could not be read; the build ran without it");
                }
                (image_id, steps, cached_steps) = (Some(outcome.image_id), outcome.steps, outcome.cached_steps);
            }
            BuildAction::Pull => {
                let mut view = ProgressView::new(mode, &self.step);
                let pulled = engine.pull(&primary, &mut |event| view.transfer_event(&event));
                view.finish();
                let pulled = pulled?;
                for tag in &plan.tags[1..] {
                    engine.tag(&primary, tag)?;
                }
                image_id = Some(pulled.id);
            }
            BuildAction::Push | BuildAction::Skip => {
                // The primary tag is current; make sure the others name the same image (the
                // engine was asked about it while planning).
                if let Some(image) = local_image {
                    for tag in &plan.tags[1..] {
                        engine.tag(&primary, tag)?;
                    }
                    image_id = Some(image.id);
                }
            }
        }
        // A push skipped because the registry has the same inputs reports the registry's
        // digests, as a push does (not the local image's ID, which is another hash).
        let mut in_registry = Vec::new();
        if self.push && plan.action == BuildAction::Skip {
            in_registry.extend(remote_digest.map(|digest| Pushed { tag: primary.clone(), digest }));
            for tag in &plan.tags[1..] {
                if let Some(digest) = ctx.registry()?.exists(tag)? {
                    in_registry.push(Pushed { tag: tag.clone(), digest: digest.as_str().to_owned() });
                }
            }
        }
        let mut pushed = Vec::new();
        if self.push && plan.action != BuildAction::Skip {
            for tag in &plan.tags {
                let mut view = ProgressView::new(mode, &self.step);
                let digest = engine.push(tag, &mut |event| view.transfer_event(&event));
                view.finish();
                pushed.push(Pushed { tag: tag.clone(), digest: digest?.as_str().to_owned() });
            }
        }
        Ok(Performed::Built(BuildResult { plan, image_id, steps, cached_steps, pushed, in_registry }))
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

fn write_plan(out: &mut impl Write, plan: &BuildPlan) -> std::io::Result<()> {
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

fn summary(result: &BuildResult) -> String {
    let mut md = format!(
        "### Image `{}` ({})\n\n| step | tag | action | digest | reason |\n|---|---|---|---|---|\n",
        result.plan.step, result.plan.version
    );
    let action = match result.plan.action {
        BuildAction::Build => "built",
        BuildAction::Pull => "pulled",
        BuildAction::Skip | BuildAction::Push => "skipped",
    };
    for tag in &result.plan.tags {
        let (action, digest) = match result.pushed.iter().find(|p| &p.tag == tag) {
            Some(p) => (format!("{action}, pushed"), p.digest.clone()),
            None => match result.in_registry.iter().find(|p| &p.tag == tag) {
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
