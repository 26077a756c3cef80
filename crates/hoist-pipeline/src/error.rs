use std::path::PathBuf;

use thiserror::Error;

/// A pipeline step that could not be planned or carried out.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A file of the build context cannot be read.
    #[error("cannot read `{}` of the build context: {source}", path.display())]
    Context { path: PathBuf, source: std::io::Error },
}
