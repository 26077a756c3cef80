//! `exists REF`: is an image in its registry, and at which digest.

use std::process::ExitCode;

use crate::Ctx;
use crate::commands::print_line;

/// Check that an image is in its registry without pulling it; prints its digest (exit 1 if absent).
#[derive(Debug, clap::Args)]
pub(crate) struct Exists {
    /// The image reference, `REGISTRY/REPO:TAG` (e.g. `"$(hoist tag)-solr"`).
    reference: String,
    /// Print `{"reference": …, "digest": … | null}` and exit 0 either way.
    #[arg(long)]
    json: bool,
}

impl Exists {
    pub(crate) fn run(self, ctx: &Ctx) -> anyhow::Result<ExitCode> {
        let digest = ctx.registry()?.exists(&self.reference)?;
        if self.json {
            let value =
                serde_json::json!({ "reference": self.reference, "digest": digest.as_ref().map(|d| d.as_str()) });
            print_line(&value.to_string())?;
            return Ok(ExitCode::SUCCESS);
        }
        match digest {
            Some(digest) => {
                print_line(digest.as_str())?;
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("`{}` is not in the registry", self.reference);
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
