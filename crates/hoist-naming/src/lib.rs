/*!
Image naming for hoist: which version string, which tag, which cache references.

Everything here is a pure function of a [`Naming`] value, which the CLI assembles from
`hoist.toml`, the version configuration and the environment. Nothing in this crate reads a
file, the environment or the network, so every rule is tested with plain data.

The rules are the ones the original justfile pipeline follows:

| what | rule | example |
|---|---|---|
| version | `PREFIX` + `current_version`, plus `-PR` in a pull request | `v0.5.146`, `v0.5.146-42` |
| tag | `REGISTRY:version` | `registry.example.com/app:v0.5.146` |
| image of the release step | `REGISTRY:VERSION`, also `REGISTRY:last`; `REGISTRY:VERSION-PR` alone in a PR | `registry.example.com/app:v0.5.146` |
| image of another step `S` | `REGISTRY:VERSION-S`, `REGISTRY:VERSION-PR-S` in a PR | `registry.example.com/app:v0.5.146-tester` |
| cache refs | read `CACHE:last` and `CACHE:c`, write `CACHE:c`; `c` is `VERSION[-PR]` for release, `last-[PR-]S` otherwise | `registry.example.com/cache/app:last-tester` |

```
use hoist_naming::Naming;

let naming = Naming::new("registry.example.com/app", "v", "0.5.146").unwrap();
assert_eq!(naming.version(), "v0.5.146");
assert_eq!(naming.tag(), "registry.example.com/app:v0.5.146");

let pr = naming.with_pr(Some("42")).unwrap();
assert_eq!(pr.version(), "v0.5.146-42");
assert_eq!(pr.step_image("tester").tags[0], "registry.example.com/app:v0.5.146-42-tester");
```
*/

mod error;
mod reference;

pub use error::NamingError;
pub use reference::{is_valid_repository, is_valid_tag};

/// The inputs of every naming rule: repository, version and pull-request number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    registry: String,
    cache_registry: Option<String>,
    prefix: String,
    version: String,
    pr: Option<String>,
    release_step: String,
}

/// The tags one build of a step receives, first the primary one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepImage {
    /// The Dockerfile stage this image is built from.
    pub step: String,
    /// Every tag the image gets; `tags[0]` is the primary tag (`REGISTRY:VERSION[-STEP]`).
    pub tags: Vec<String>,
}

/// Where BuildKit reads and writes its registry cache for one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheRefs {
    /// References to import cache from, in order.
    pub from: Vec<String>,
    /// Reference to export cache to, or `None` when writing is switched off.
    pub to: Option<String>,
}

impl Naming {
    /// Naming for `registry` (a repository such as `registry.example.com/app`) and the
    /// bare version `current_version` (as stored in `.bumpversion.toml`), shown with `prefix`.
    pub fn new(registry: &str, prefix: &str, current_version: &str) -> Result<Naming, NamingError> {
        if !is_valid_repository(registry) {
            return Err(NamingError::InvalidRepository { repository: registry.to_owned() });
        }
        let version = format!("{prefix}{current_version}");
        if !is_valid_tag(&version) {
            return Err(NamingError::InvalidVersion { version });
        }
        Ok(Naming {
            registry: registry.to_owned(),
            cache_registry: None,
            prefix: prefix.to_owned(),
            version: current_version.to_owned(),
            pr: None,
            release_step: "release".to_owned(),
        })
    }

    /// The same naming inside the pull request `pr` (`None` or an empty string: not a PR).
    pub fn with_pr(mut self, pr: Option<&str>) -> Result<Naming, NamingError> {
        self.pr = match pr {
            None | Some("") => None,
            Some(pr) => {
                let candidate = format!("{}-{pr}", self.version());
                if !is_valid_tag(&candidate) || pr.starts_with(['.', '-']) {
                    return Err(NamingError::InvalidPr { pr: pr.to_owned() });
                }
                Some(pr.to_owned())
            }
        };
        Ok(self)
    }

    /// The same naming (registry, prefix, pull request, cache, release step) for the bare
    /// version `current_version`: the names a run gives its images after a bump.
    pub fn with_version(&self, current_version: &str) -> Result<Naming, NamingError> {
        let version = format!("{}{current_version}", self.prefix);
        if !is_valid_tag(&version) {
            return Err(NamingError::InvalidVersion { version });
        }
        Ok(Naming { version: current_version.to_owned(), ..self.clone() })
    }

    /// The same naming with a registry repository for BuildKit's cache.
    pub fn with_cache_registry(mut self, cache: Option<&str>) -> Result<Naming, NamingError> {
        self.cache_registry = match cache {
            None | Some("") => None,
            Some(cache) if is_valid_repository(cache) => Some(cache.to_owned()),
            Some(cache) => {
                return Err(NamingError::InvalidRepository { repository: cache.to_owned() });
            }
        };
        Ok(self)
    }

    /// The same naming with `step` as the step whose image gets the bare version tag.
    pub fn with_release_step(mut self, step: &str) -> Naming {
        self.release_step = step.to_owned();
        self
    }

    /// The image repository, e.g. `registry.example.com/app`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The pull-request number, when there is one.
    pub fn pr(&self) -> Option<&str> {
        self.pr.as_deref()
    }

    /// The version without the pull-request suffix, e.g. `v0.5.146`.
    pub fn base_version(&self) -> String {
        format!("{}{}", self.prefix, self.version)
    }

    /// The version string: `v0.5.146`, or `v0.5.146-42` in pull request 42.
    pub fn version(&self) -> String {
        match &self.pr {
            None => self.base_version(),
            Some(pr) => format!("{}-{pr}", self.base_version()),
        }
    }

    /// The image tag: `REGISTRY:version`.
    pub fn tag(&self) -> String {
        format!("{}:{}", self.registry, self.version())
    }

    /// The step whose image gets the bare version tag.
    pub fn release_step(&self) -> &str {
        &self.release_step
    }

    /// The tags the image of `step` gets.
    ///
    /// The release step gets `REGISTRY:VERSION` and `REGISTRY:last`; any other step gets
    /// `REGISTRY:VERSION-STEP`. In a pull request every step carries the number: the release
    /// step gets `REGISTRY:VERSION-PR` alone (never `last`, never main's tag), another step
    /// `REGISTRY:VERSION-PR-STEP`, so nothing a pull request makes can overwrite main's images.
    pub fn step_image(&self, step: &str) -> StepImage {
        let tags = if step == self.release_step && self.pr.is_some() {
            vec![self.tag()]
        } else if step == self.release_step {
            vec![format!("{}:{}", self.registry, self.base_version()), format!("{}:last", self.registry)]
        } else {
            vec![format!("{}:{}-{}", self.registry, self.base_version(), self.step_suffix(step))]
        };
        StepImage { step: step.to_owned(), tags }
    }

    /// The cache references of `step`, or `None` without a cache registry.
    ///
    /// `write` is false when cache export is switched off (`NO_CACHE_TO`).
    pub fn cache_refs(&self, step: &str, write: bool) -> Option<CacheRefs> {
        let cache = self.cache_registry.as_deref()?;
        let own = if step == self.release_step { self.version() } else { format!("last-{}", self.step_suffix(step)) };
        let own = format!("{cache}:{own}");
        Some(CacheRefs { from: vec![format!("{cache}:last"), own.clone()], to: write.then_some(own) })
    }

    fn step_suffix(&self, step: &str) -> String {
        match &self.pr {
            None => step.to_owned(),
            Some(pr) => format!("{pr}-{step}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming() -> Naming {
        Naming::new("registry.example.com/nuremberg", "v", "0.5.146").unwrap()
    }

    #[test]
    fn version_tag_and_registry() {
        let n = naming();
        assert_eq!(n.version(), "v0.5.146");
        assert_eq!(n.tag(), "registry.example.com/nuremberg:v0.5.146");
        assert_eq!(n.registry(), "registry.example.com/nuremberg");
        let n = n.with_pr(Some("42")).unwrap();
        assert_eq!(n.version(), "v0.5.146-42");
        assert_eq!(n.tag(), "registry.example.com/nuremberg:v0.5.146-42");
    }

    #[test]
    fn empty_pr_is_no_pr() {
        let n = naming().with_pr(Some("")).unwrap();
        assert_eq!(n.version(), "v0.5.146");
        assert_eq!(n.pr(), None);
    }

    #[test]
    fn custom_prefix() {
        let n = Naming::new("r.example/app", "", "1.2.3-r4").unwrap();
        assert_eq!(n.version(), "1.2.3-r4");
    }

    #[test]
    fn step_images() {
        let n = naming();
        assert_eq!(
            n.step_image("release").tags,
            ["registry.example.com/nuremberg:v0.5.146", "registry.example.com/nuremberg:last"]
        );
        assert_eq!(n.step_image("tester").tags, ["registry.example.com/nuremberg:v0.5.146-tester"]);
        let pr = n.with_pr(Some("7")).unwrap();
        assert_eq!(pr.step_image("tester").tags, ["registry.example.com/nuremberg:v0.5.146-7-tester"]);
        assert_eq!(
            pr.step_image("release").tags,
            ["registry.example.com/nuremberg:v0.5.146-7"],
            "no `last`, not main's tag"
        );
    }

    #[test]
    fn other_release_step() {
        let n = naming().with_release_step("runtime");
        assert_eq!(n.step_image("runtime").tags[0], "registry.example.com/nuremberg:v0.5.146");
        assert_eq!(n.step_image("release").tags[0], "registry.example.com/nuremberg:v0.5.146-release");
    }

    #[test]
    fn cache_refs() {
        let n = naming();
        assert_eq!(n.cache_refs("tester", true), None);
        let n = n.with_cache_registry(Some("registry.example.com/cache/nuremberg")).unwrap();
        let c = n.cache_refs("release", true).unwrap();
        assert_eq!(
            c.from,
            ["registry.example.com/cache/nuremberg:last", "registry.example.com/cache/nuremberg:v0.5.146"]
        );
        assert_eq!(c.to.as_deref(), Some("registry.example.com/cache/nuremberg:v0.5.146"));
        let c = n.clone().with_pr(Some("42")).unwrap().cache_refs("tester", false).unwrap();
        assert_eq!(c.from[1], "registry.example.com/cache/nuremberg:last-42-tester");
        assert_eq!(c.to, None);
        let c = n.with_pr(Some("42")).unwrap().cache_refs("release", true).unwrap();
        assert_eq!(c.to.as_deref(), Some("registry.example.com/cache/nuremberg:v0.5.146-42"), "never main's cache");
    }

    #[test]
    fn invalid_inputs() {
        assert_eq!(
            Naming::new("Registry.example.com/App", "v", "1.0.0").unwrap_err().to_string(),
            "`Registry.example.com/App` is not a valid image repository: use lowercase letters, digits and `.`, `_`, `-`, `/` separators, with an optional `host[:port]/` first"
        );
        assert!(matches!(naming().with_pr(Some("4 2")), Err(NamingError::InvalidPr { .. })));
        assert!(matches!(naming().with_pr(Some("-x")), Err(NamingError::InvalidPr { .. })));
        assert!(matches!(Naming::new("r/app", "v", "1.0.0+build"), Err(NamingError::InvalidVersion { .. })));
    }
}
