use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::location::{Location, key_at, table_at};
use crate::suggest::closest;

/// A `hoist.toml` that cannot be used, with where and why.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No `hoist.toml` in the directory or its parents.
    #[error(
        "no `hoist.toml` in `{}` or any parent directory: create one (see docs/configuration.md) or pass `-C DIR` to name the project directory",
        start.display()
    )]
    NotFound { start: PathBuf },
    /// The file cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The text is not TOML.
    #[error("{}:{line}:{column}: invalid TOML: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    /// A key hoist does not know.
    #[error("{}:{line}:{column}: unknown key `{key}`{}", path.display(), suggestion_text(suggestion.as_deref(), known))]
    UnknownKey {
        path: PathBuf,
        line: usize,
        column: usize,
        /// The dotted path of the key, e.g. `compose.ci.file`.
        key: String,
        /// The closest known key, when one is close.
        suggestion: Option<String>,
        /// The keys allowed at that place.
        known: Vec<String>,
    },
    /// A required key is absent.
    #[error("{}:{line}:{column}: missing key `{key}`: add it, for example `{example}`", path.display())]
    Missing { path: PathBuf, line: usize, column: usize, key: String, example: String },
    /// A key has a value of the wrong type or an unusable value.
    #[error("{}:{line}:{column}: bad value for `{key}`: {message}", path.display())]
    Invalid { path: PathBuf, line: usize, column: usize, key: String, message: String },
}

fn suggestion_text(suggestion: Option<&str>, known: &[String]) -> String {
    match suggestion {
        Some(s) => format!(": did you mean `{s}`?"),
        None if known.is_empty() => ": this table takes no keys".to_owned(),
        None => format!(
            ": the keys known here are {}",
            known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Turns a deserialization error into the matching [`ConfigError`].
pub(crate) fn from_toml(text: &str, path: &Path, error: &toml::de::Error) -> ConfigError {
    let span = error.span().unwrap_or(0..0);
    let loc = Location::at(text, span.start);
    let (line, column, path) = (loc.line, loc.column, path.to_owned());
    let message = error.message().trim().to_owned();
    let ticked = backticked(&message);

    if let Some(rest) = message.strip_prefix("unknown field ") {
        let name = ticked.first().cloned().unwrap_or_default();
        let known: Vec<String> = if rest.contains("there are no fields") { Vec::new() } else { ticked[1..].to_vec() };
        let suggestion = closest(&name, &known);
        let key = key_at(text, &span).unwrap_or(name);
        return ConfigError::UnknownKey { path, line, column, key, suggestion, known };
    }
    if message.starts_with("missing field ") {
        let name = ticked.first().cloned().unwrap_or_default();
        let table = table_at(text, &span);
        let key = match table {
            Some(t) => format!("{t}.{name}"),
            None => name.clone(),
        };
        return ConfigError::Missing { path, line, column, example: example_for(&name), key };
    }
    match key_at(text, &span) {
        Some(key) if !is_syntax(&message) => {
            ConfigError::Invalid { path, line, column, key, message: soften(&message) }
        }
        _ => ConfigError::Syntax { path, line, column, message },
    }
}

fn is_syntax(message: &str) -> bool {
    !(message.starts_with("invalid type")
        || message.starts_with("unknown variant")
        || message.starts_with("invalid value"))
}

/// Rewords serde's "invalid type: integer `3`, expected a string" for a reader of TOML.
fn soften(message: &str) -> String {
    message
        .replace("invalid type: ", "found ")
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
        .replace("unknown variant", "unknown value")
}

fn example_for(key: &str) -> String {
    match key {
        "registry" => r#"registry = "registry.example.com/app""#.to_owned(),
        "files" => r#"files = ["docker-compose.yml"]"#.to_owned(),
        other => format!(r#"{other} = "…""#),
    }
}

fn backticked(message: &str) -> Vec<String> {
    message.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use crate::suggest::closest;

    #[test]
    fn closest_keys() {
        let known: Vec<String> = ["registry", "cache-registry", "release-step", "platform"].map(String::from).to_vec();
        assert_eq!(closest("registy", &known).as_deref(), Some("registry"));
        assert_eq!(closest("cache_registry", &known).as_deref(), Some("cache-registry"));
        assert_eq!(closest("releasestep", &known).as_deref(), Some("release-step"));
        assert_eq!(closest("zzz", &known), None);
    }
}
