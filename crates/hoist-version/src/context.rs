//! The template context: what `{…}` fields in search, replace, message and tag templates see.
//!
//! Layered as bump-my-version's `ChainMap`: `now`/`utcnow`, every environment variable as
//! `$NAME`, the SCM fields, `#` and `;`, then `current_version`, `current_<part>`,
//! `new_<part>` and, for files, `new_version`. Later layers win.

use std::collections::HashMap;

use crate::pyformat::{self, Value};
use crate::scm::ScmInfo;
use crate::time::Now;

/// The values a template may name.
#[derive(Clone, Debug, Default)]
pub struct Context {
    values: HashMap<String, Value>,
    env: bool,
}

/// The SCM field names a template may use; a plan reads git only when one is used.
pub const SCM_FIELDS: [&str; 9] = [
    "commit_sha",
    "short_commit_sha",
    "distance_to_latest_tag",
    "current_tag",
    "branch_name",
    "short_branch_name",
    "repository_root",
    "dirty",
    "tool",
];

impl Context {
    /// A context with nothing in it (for tests and serialize-only use).
    pub fn empty() -> Context {
        Context::default()
    }

    /// The base context: clocks, environment, SCM fields, `#` and `;`.
    pub fn base(now: &Now, scm: &ScmInfo) -> Context {
        let mut values = HashMap::new();
        values.insert("now".to_owned(), Value::DateTime(now.local));
        values.insert("utcnow".to_owned(), Value::DateTime(now.utc));
        let opt = |v: &Option<String>| v.clone().map_or(Value::None, Value::Str);
        values.insert("commit_sha".to_owned(), opt(&scm.commit_sha));
        values.insert("short_commit_sha".to_owned(), opt(&scm.short_commit_sha));
        values.insert("distance_to_latest_tag".to_owned(), Value::Int(scm.distance_to_latest_tag));
        values.insert("current_tag".to_owned(), opt(&scm.current_tag));
        values.insert("branch_name".to_owned(), opt(&scm.branch_name));
        values.insert("short_branch_name".to_owned(), opt(&scm.short_branch_name));
        values.insert(
            "repository_root".to_owned(),
            scm.repository_root.as_ref().map_or(Value::None, |p| Value::Str(p.display().to_string())),
        );
        values.insert("dirty".to_owned(), scm.dirty.map_or(Value::None, Value::Bool));
        values.insert("tool".to_owned(), Value::Str(if scm.is_git() { "Git" } else { "None" }.to_owned()));
        // The SCM's own `current_version` (from the latest tag) sits below the config's.
        values.insert("current_version".to_owned(), opt(&scm.current_version));
        values.insert("#".to_owned(), Value::Str("#".to_owned()));
        values.insert(";".to_owned(), Value::Str(";".to_owned()));
        Context { values, env: true }
    }

    /// Sets `key` (a later layer: it shadows earlier values).
    pub fn set(&mut self, key: impl Into<String>, value: Value) {
        self.values.insert(key.into(), value);
    }

    /// Sets `key` to a string.
    pub fn set_str(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.set(key, Value::Str(value.into()));
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        if let Some(value) = self.values.get(key) {
            return Some(value.clone());
        }
        if self.env
            && let Some(name) = key.strip_prefix('$')
        {
            return std::env::var(name).ok().map(Value::Str);
        }
        None
    }

    /// Does the context have `key`?
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Renders `template` against this context.
    pub fn render(&self, template: &str) -> Result<String, crate::VersionError> {
        pyformat::format(template, &|k| self.get(k))
            .map_err(|error| crate::VersionError::Template { template: template.to_owned(), error })
    }

    /// Renders `template` with every value passed through `re.escape` first (regex search).
    pub fn render_escaped(&self, template: &str) -> Result<String, crate::VersionError> {
        pyformat::format(template, &|k| self.get(k).map(|v| Value::Str(crate::pyregex::escape(&v.to_py_str()))))
            .map_err(|error| crate::VersionError::Template { template: template.to_owned(), error })
    }
}

/// Does any of `templates` use an SCM field (so git must be asked)?
pub fn uses_scm_fields<'a>(templates: impl IntoIterator<Item = &'a str>) -> bool {
    templates.into_iter().any(|t| {
        pyformat::labels(t).iter().any(|label| {
            let base = label.split(['.', '[']).next().unwrap_or("");
            SCM_FIELDS.contains(&base)
        })
    })
}
