//! The environment variables that override `hoist.toml`.

use crate::Config;

/// Values taken from the environment, which win over `hoist.toml`.
///
/// Each has the original pipeline's name (for drop-in use in existing CI) and a `HOIST_*`
/// name; when both are set, the `HOIST_*` one wins. An empty value counts as unset, as in the
/// justfile's `[[ -n … ]]` tests.
///
/// | value | variables |
/// |---|---|
/// | image repository | `HOIST_REGISTRY` |
/// | cache registry | `HOIST_CACHE_REGISTRY`, `CACHE_REGISTRY` |
/// | no cache export | `HOIST_NO_CACHE_TO`, `NO_CACHE_TO` |
/// | pull-request number | `HOIST_PR`, then the variable named by `pr-variable` (`prNum`) |
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Overrides {
    /// The image repository, replacing `registry` (for a CI or test registry).
    pub registry: Option<String>,
    /// The cache registry repository, replacing `cache-registry`.
    pub cache_registry: Option<String>,
    /// Read the registry cache but do not write it.
    pub no_cache_to: bool,
    /// The pull-request number.
    pub pr: Option<String>,
}

impl Overrides {
    /// Reads the overrides for `config` through `lookup` (for example `std::env::var`).
    pub fn from_env(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Overrides {
        let get = |names: &[&str]| names.iter().find_map(|n| lookup(n).filter(|v| !v.is_empty()));
        Overrides {
            registry: get(&["HOIST_REGISTRY"]),
            cache_registry: get(&["HOIST_CACHE_REGISTRY", "CACHE_REGISTRY"]),
            no_cache_to: get(&["HOIST_NO_CACHE_TO", "NO_CACHE_TO"]).is_some(),
            pr: get(&["HOIST_PR", config.pr_variable.as_str()]),
        }
    }

    /// Reads the overrides for `config` from the process environment.
    pub fn from_process_env(config: &Config) -> Overrides {
        Overrides::from_env(config, |name| std::env::var(name).ok())
    }
}
