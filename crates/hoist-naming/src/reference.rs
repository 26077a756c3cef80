//! Validation of image references, following the distribution project's grammar.

/// True when `tag` is a valid image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// True when `repository` is a valid repository name, optionally with a registry host:
/// `[host[:port]/]component(/component)*`, components lowercase alphanumerics joined by
/// `.`, `_`, `__` or runs of `-`.
pub fn is_valid_repository(repository: &str) -> bool {
    if repository.is_empty() || repository.len() > 255 {
        return false;
    }
    let mut parts: Vec<&str> = repository.split('/').collect();
    if parts.len() > 1 && is_host(parts[0]) {
        parts.remove(0);
    }
    !parts.is_empty() && parts.iter().all(|p| is_path_component(p))
}

fn is_host(part: &str) -> bool {
    // The first component is a host when it has a `.` or a `:`, or is `localhost`.
    if !(part.contains(['.', ':']) || part == "localhost") {
        return false;
    }
    let (host, port) = match part.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (part, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    port_ok && host_ok
}

fn is_path_component(part: &str) -> bool {
    let b = part.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__` or one or more `-`, always between alphanumerics.
        let start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == start || i >= b.len() || !is_alnum(b[i]) {
            return false;
        }
    }
    true
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        for ok in ["v0.5.146", "v0.5.146-42-tester", "last", "_x", "0"] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in ["", ".v1", "-v1", "v1+x", "v 1", &"a".repeat(129)] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn repositories() {
        for ok in [
            "registry.example.com/nuremberg",
            "registry.example.com/cache/nuremberg",
            "localhost:5000/hoist",
            "127.0.0.1:5000/a/b",
            "library/busybox",
            "busybox",
            "a__b/c--d/e.f",
        ] {
            assert!(is_valid_repository(ok), "{ok}");
        }
        for bad in ["", "Upper/case", "host:port/x", "a//b", "a/", "/a", "a_/b", "a.-b", "reg.io:/x", "a:b"] {
            assert!(!is_valid_repository(bad), "{bad}");
        }
    }
}
