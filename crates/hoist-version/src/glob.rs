//! Globs for `files` entries (wcmatch's `GLOBSTAR | SPLIT` as bump-my-version uses it: `**`
//! spans directories, `|` separates patterns, `*` and `?` do not match a leading `.`) and
//! Python's `fnmatch` for `allow_dirty_files`.

use std::path::{Path, PathBuf};

/// Python's `fnmatch.fnmatch` on POSIX: `*` matches anything (also `/`), `?` one character,
/// `[seq]` / `[!seq]` a class. Case-sensitive.
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_segment(&p, &n, false)
}

/// Matches one path segment (or a whole name with `cross_slash`-free semantics).
fn match_segment(p: &[char], n: &[char], hide_dot: bool) -> bool {
    if hide_dot && n.first() == Some(&'.') && p.first() != Some(&'.') {
        return false;
    }
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, len)) = match_class(&p[pi..], n[ni]) {
                        if matched {
                            pi += len;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == '[' {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                c if c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Matches `c` against the class at the start of `p`; `None` when `p` holds no closed class.
fn match_class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!'));
    if negate {
        i += 1;
    }
    let start = i;
    let mut matched = false;
    while i < p.len() {
        if p[i] == ']' && i > start {
            return Some((matched != negate, i + 1));
        }
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// The files matching `pattern` (relative to `cwd` unless absolute), minus those matching
/// any of `exclude`; sorted.
pub fn glob(cwd: &Path, pattern: &str, exclude: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for single in pattern.split('|') {
        if single.is_empty() {
            continue;
        }
        let absolute = single.starts_with('/');
        let segments: Vec<&str> = single.split('/').filter(|s| !s.is_empty()).collect();
        let (base, prefix) =
            if absolute { (PathBuf::from("/"), "/".to_owned()) } else { (cwd.to_path_buf(), String::new()) };
        walk(&base, &prefix, &segments, &mut found);
    }
    found.sort();
    found.dedup();
    found.retain(|f| !exclude.iter().any(|e| path_matches(e.strip_prefix('!').unwrap_or(e), f)));
    found
}

fn is_magic(segment: &str) -> bool {
    segment.contains(['*', '?', '['])
}

fn walk(dir: &Path, prefix: &str, segments: &[&str], found: &mut Vec<String>) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let join = |name: &str| {
        if prefix.is_empty() || prefix.ends_with('/') { format!("{prefix}{name}") } else { format!("{prefix}/{name}") }
    };
    if *first == "**" {
        // Zero directories…
        walk(dir, prefix, rest, found);
        // …or any number of (non-hidden) directories.
        for (name, is_dir) in entries(dir) {
            if is_dir && !name.starts_with('.') {
                walk(&dir.join(&name), &join(&name), segments, found);
            }
        }
        return;
    }
    if !is_magic(first) {
        let unescaped = unescape(first);
        let path = dir.join(&unescaped);
        if rest.is_empty() {
            if path.is_file() {
                found.push(join(&unescaped));
            }
        } else if path.is_dir() {
            walk(&path, &join(&unescaped), rest, found);
        }
        return;
    }
    let pattern: Vec<char> = first.chars().collect();
    for (name, is_dir) in entries(dir) {
        let chars: Vec<char> = name.chars().collect();
        if !match_segment(&pattern, &chars, true) {
            continue;
        }
        if rest.is_empty() {
            if !is_dir {
                found.push(join(&name));
            }
        } else if is_dir {
            walk(&dir.join(&name), &join(&name), rest, found);
        }
    }
}

/// `glob.escape` undone: `[*]` → `*`.
fn unescape(segment: &str) -> String {
    segment.replace("[*]", "*").replace("[?]", "?").replace("[[]", "[")
}

fn entries(dir: &Path) -> Vec<(String, bool)> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(String, bool)> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let is_dir = e.path().is_dir();
            Some((name, is_dir))
        })
        .collect();
    out.sort();
    out
}

/// Matches a whole relative path against a glob (segment-wise, `**` spanning directories).
fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let n: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments_match(&p, &n)
}

fn segments_match(p: &[&str], n: &[&str]) -> bool {
    match p.split_first() {
        None => n.is_empty(),
        Some((&"**", rest)) => (0..=n.len()).any(|k| segments_match(rest, &n[k..])),
        Some((first, rest)) => match n.split_first() {
            Some((name, names)) => {
                let pc: Vec<char> = first.chars().collect();
                let nc: Vec<char> = name.chars().collect();
                match_segment(&pc, &nc, true) && segments_match(rest, names)
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_like_python() {
        let cases = [
            ("*.lock", "Cargo.lock", true),
            ("*.lock", "sub/Cargo.lock", true),
            ("docs/*", "docs/a/b.md", true),
            ("?.txt", "ab.txt", false),
            ("[ab].txt", "b.txt", true),
            ("[!ab].txt", "b.txt", false),
            ("[a-c]x", "cx", true),
            ("CHANGELOG.md", "CHANGELOG.md", true),
            ("CHANGELOG.md", "changelog.md", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(fnmatch(pattern, name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn globs_files() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.txt", "b.md", "sub/c.txt", "sub/deep/d.txt", ".hidden.txt", "sub/.e.txt"] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let g = |pattern: &str, exclude: &[&str]| {
            glob(dir.path(), pattern, &exclude.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(g("*.txt", &[]), ["a.txt"]);
        assert_eq!(g("**/*.txt", &[]), ["a.txt", "sub/c.txt", "sub/deep/d.txt"]);
        assert_eq!(g("**/*.txt", &["sub/deep/*"]), ["a.txt", "sub/c.txt"]);
        assert_eq!(g("*.md|sub/*.txt", &[]), ["b.md", "sub/c.txt"]);
        assert_eq!(g("nothing*", &[]), Vec::<String>::new());
        assert_eq!(g("sub/c.txt", &[]), ["sub/c.txt"]);
    }
}
