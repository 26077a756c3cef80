//! Image references (`[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`) and digests, normalised the way
//! Docker does: no registry means Docker Hub, and a one-part Hub name lives in `library/`.

use std::fmt;

use crate::error::ImageError;

/// Docker Hub's registry host, as references are resolved against it.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
    explicit_registry: bool,
}

/// A content digest such as `sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parses `algorithm:hex`.
    pub fn parse(text: &str) -> Option<Digest> {
        let (algorithm, hex) = text.split_once(':')?;
        let ok = !algorithm.is_empty()
            && algorithm.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Digest(text.to_owned()))
    }

    /// The digest as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Reference {
    /// Parses a reference; a missing tag stays missing (see [`Reference::tag_or_latest`]).
    pub fn parse(text: &str) -> Result<Reference, ImageError> {
        let invalid =
            |reason: &str| ImageError::InvalidReference { reference: text.to_owned(), reason: reason.to_owned() };
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                (rest, Some(Digest::parse(digest).ok_or_else(|| invalid("the digest is not `sha256:HEX`"))?))
            }
            None => (text, None),
        };
        // A `:` after the last `/` starts the tag; one before it belongs to a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(tag) = tag
            && !hoist_naming::is_valid_tag(tag)
        {
            return Err(invalid("the tag has characters other than letters, digits, `_`, `.` and `-`"));
        }
        if !hoist_naming::is_valid_repository(name) {
            return Err(invalid(
                "the repository is not lowercase `component/component` (with an optional `host:port/`)",
            ));
        }
        let (registry, repository, explicit) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_owned(), rest.to_owned(), true)
            }
            _ => (DOCKER_HUB.to_owned(), name.to_owned(), false),
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        Ok(Reference { registry, repository, tag: tag.map(str::to_owned), digest, explicit_registry: explicit })
    }

    /// The registry host (with port), `docker.io` when none was written.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository inside the registry, e.g. `library/busybox`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if one was written.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The tag, or `latest` when there is neither a tag nor a digest (Docker's default).
    pub fn tag_or_latest(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// The digest, if one was written.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// `REGISTRY/REPOSITORY` as the engine names it (no `docker.io/library/` for Hub images).
    pub fn name(&self) -> String {
        if self.explicit_registry {
            format!("{}/{}", self.registry, self.repository)
        } else {
            self.repository.strip_prefix("library/").unwrap_or(&self.repository).to_owned()
        }
    }

    /// True when the registry is a loopback address (`localhost`, `127.0.0.0/8`, `[::1]`),
    /// which the engine and hoist reach over plain HTTP by default.
    pub fn is_loopback_registry(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

/// True for `localhost`, `127.x.y.z` and `[::1]`, with or without a port.
pub fn is_loopback_host(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        registry.rsplit_once(':').map_or(registry, |(host, _)| host)
    };
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<Reference, ImageError> {
        Reference::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let r = Reference::parse("127.0.0.1:5000/app/web:v1.2").unwrap();
        assert_eq!((r.registry(), r.repository(), r.tag()), ("127.0.0.1:5000", "app/web", Some("v1.2")));
        assert!(r.is_loopback_registry());
        assert_eq!(r.to_string(), "127.0.0.1:5000/app/web:v1.2");

        let r = Reference::parse("busybox").unwrap();
        assert_eq!((r.registry(), r.repository(), r.tag_or_latest()), ("docker.io", "library/busybox", Some("latest")));
        assert_eq!(r.name(), "busybox");

        let r = Reference::parse(
            "localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        )
        .unwrap();
        assert_eq!(r.tag_or_latest(), None);
        assert!(r.digest().is_some());

        let r = Reference::parse("registry.example.com/app").unwrap();
        assert!(!r.is_loopback_registry());
    }

    #[test]
    fn refuses_bad_references() {
        for bad in ["", "UPPER/x", "a:b:c", "x:", "x@sha256:zz", "host:5000/", "x:-tag"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["registry.example.com", "10.0.0.1:5000", "localhost.example.com"] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
