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
