//! `gitops-release ENV`: fill the HelmRelease template and commit it to the releases repository.

use std::io::Write;
use std::process::ExitCode;

use hoist_gitops::{Action, Event, GitopsError, Inputs, Plan, Target};

use crate::Ctx;

/// Fill the HelmRelease template and commit it under ENV/ in the releases repository (Flux applies it).
#[derive(Debug, clap::Args)]
pub(crate) struct GitopsRelease {
    /// The environment: the directory of the releases repository Flux watches for it.
    environment: String,
    /// The image's digest (`sha256:…`) for `{digest}` in the template; default: asked from the registry.
    #[arg(long, value_name = "sha256:…")]
    digest: Option<String>,
    /// A chart value for `{values.KEY}`, over `[gitops.values]` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print the plan (file, action, reason, filled template) and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

impl GitopsRelease {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let config = ctx.config()?;
        let gitops = &config.gitops;
        let repository = std::env::var("HOIST_GITOPS_REPOSITORY")
            .ok()
            .filter(|r| !r.is_empty())
            .or_else(|| gitops.repository.clone())
            .ok_or(GitopsError::NoRepository)?;
        let environment = self.environment;
        hoist_gitops::check_environment(&environment)?;
        if !gitops.environments.is_empty() && !gitops.environments.contains(&environment) {
            return Err(GitopsError::UnknownEnvironment {
                environment,
                suggestion: None,
                known: gitops.environments.clone(),
            }
            .into());
        }
        if let Some(digest) = &self.digest {
            hoist_gitops::check_digest(digest)?;
        }
        let mut values = gitops.values.clone();
        for pair in &self.set {
            let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                anyhow::bail!("`--set {pair}` is not KEY=VALUE: write it as `--set replicas=2`");
            };
            values.insert(key.to_owned(), value.to_owned());
        }
        let version = ctx.current_version()?;
        let naming = hoist_naming::Naming::new(&config.registry, &config.version_prefix, &version)?;
        let mut inputs = Inputs::default();
        inputs.env = environment.clone();
        inputs.name = gitops.name.clone();
        inputs.version = version;
        inputs.tag = naming.base_version();
        inputs.registry = config.registry.clone();
        inputs.digest = self.digest.clone();
        inputs.values = values;

        let template_path = config.root().join(&gitops.template);
        // Only a regular file is read: a FIFO would block hoist forever.
        let template = if std::fs::metadata(&template_path).is_ok_and(|m| !m.is_file()) {
            Err(std::io::Error::other("it is not a regular file (a directory, FIFO, socket or device)"))
        } else {
            std::fs::read_to_string(&template_path)
        }
        .map_err(|source| GitopsError::Template { path: template_path.display().to_string(), source })?;
        if inputs.digest.is_none() && template.contains("{digest}") {
            let image = inputs.image();
            let digest = ctx.registry()?.exists(&image)?.ok_or_else(|| {
                anyhow::format_err!("image `{image}` is not in the registry, so its digest cannot fill `{{digest}}`: push it first, or pass `--digest`")
            })?;
            inputs.digest = Some(digest.as_str().to_owned());
        }
        let contents = hoist_gitops::render(&template, &inputs, &gitops.template.display().to_string())?;
        let path = hoist_gitops::render(&gitops.path, &inputs, "`gitops.path` in hoist.toml")?;
        let subject = hoist_gitops::render(&gitops.message, &inputs, "`gitops.message` in hoist.toml")?;
        let mut message = format!("{subject}\n\nimage: {}\n", inputs.image());
        if let Some(digest) = &inputs.digest {
            message.push_str(&format!("digest: {digest}\n"));
        }

        let target = Target::new(repository, gitops.branch.clone(), gitops.retries);
        let plan = hoist_gitops::plan(&target, &environment, &path, contents, message)?;
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
        } else if self.dry_run {
            write_plan(&mut out, &plan)?;
        }
        out.flush()?;
        if self.dry_run {
            return Ok(ExitCode::SUCCESS);
        }
        let outcome = hoist_gitops::execute(&plan, &mut |event| match event {
            Event::Pushing { attempt } if attempt > 1 => eprintln!("pushing again (attempt {attempt})"),
            Event::Retrying { branch, .. } => {
                eprintln!("`{branch}` moved while hoist pushed: fetching it and applying the release again")
            }
            _ => {}
        })?;
        let short = |c: &Option<String>| c.as_deref().map_or("(none)".to_owned(), |c| c[..12.min(c.len())].to_owned());
        if !self.json {
            if outcome.pushed {
                writeln!(
                    out,
                    "{}: committed {} to `{}` of {}",
                    plan.path,
                    short(&outcome.commit),
                    plan.branch,
                    hoist_gitops::redact(&plan.repository)
                )?;
            } else {
                writeln!(out, "{}: already holds this release: nothing to commit", plan.path)?;
            }
        }
        let md = if outcome.pushed {
            format!(
                "### Released `{}` to `{}` (GitOps)\n\n`{}` committed as {} on `{}`.\n",
                plan.environment,
                plan.path,
                plan.path,
                short(&outcome.commit),
                plan.branch
            )
        } else {
            format!("### `{}` already runs this release (GitOps)\n\nNothing to commit.\n", plan.environment)
        };
        ctx.summary(&md)?;
        Ok(ExitCode::SUCCESS)
    }
}

fn write_plan(out: &mut impl Write, plan: &Plan) -> std::io::Result<()> {
    let action = match plan.action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Unchanged => "keep",
    };
    writeln!(
        out,
        "gitops-release `{}` to {} (branch `{}`)",
        plan.environment,
        hoist_gitops::redact(&plan.repository),
        plan.branch
    )?;
    writeln!(out, "  {action:<8} {}  ({})", plan.path, plan.reason)?;
    if plan.action != Action::Unchanged {
        writeln!(out, "  message  {}", plan.message.lines().next().unwrap_or(""))?;
    }
    writeln!(out, "--- {}", plan.path)?;
    write!(out, "{}", plan.contents)?;
    Ok(())
}
