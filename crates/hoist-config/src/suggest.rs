//! "Did you mean …?": the closest known name to a misspelt one.

/// The entry of `known` closest to `name` by edit distance, when it is close enough to be a typo
/// (at most a third of the longer name's length, at least one edit). Case and the difference
/// between `-` and `_` do not count, so `cache_registry` finds `cache-registry`.
pub fn closest(name: &str, known: &[impl AsRef<str>]) -> Option<String> {
    let normalized = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let target = normalized(name);
    known
        .iter()
        .map(AsRef::as_ref)
        .map(|k| (edit_distance(&target, &normalized(k)), k))
        .filter(|(d, k)| *d <= (k.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
