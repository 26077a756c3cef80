//! Mutations: libFuzzer's byte-level ones (flip, replace, insert, erase, copy, splice), plus the
//! ones that find the bugs of text parsers: dictionary tokens, multi-byte UTF-8 characters at
//! any offset, interesting numbers in place of a number, line shuffles, and a chunk repeated
//! many times (quadratic work, deep nesting). And the reverse: [`shrink`], which cuts a
//! crasher down while it still fails.

/// A small, fast, seedable generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that change the meaning of the formats fuzzed here.
const SPECIAL: &[u8] = b"{}[]()<>\\/:=.,-+*?|^$#!%\"'`\n\r\t 0189azAZ_~@&;";

/// Characters of 2, 3 and 4 bytes, a combining mark, a BOM, a zero-width joiner, U+FFFD.
const WIDE: &[&str] = &["é", "ß", "€", "—", "😀", "\u{301}", "\u{feff}", "\u{200d}", "\u{fffd}", "İ", "ǅ", "Ⅻ", "١"];

/// Numbers at the edges of the integer types and of hoist's own limits.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "00",
    "007",
    "9",
    "10",
    "99",
    "255",
    "256",
    "999",
    "1000",
    "1001",
    "4096",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999",
    "1e308",
    "1_000",
    "+5",
];

/// What a mutation may draw on besides the input itself.
pub struct Sources<'a> {
    /// The target's tokens.
    pub dictionary: &'a [&'a str],
    /// Another input of the corpus, for splicing.
    pub other: &'a [u8],
}

/// Applies one to eight stacked mutations to `data`, keeping it at most `max_len` bytes.
pub fn mutate(data: &mut Vec<u8>, rng: &mut Rng, sources: &Sources<'_>, max_len: usize) {
    let most = if rng.one_in(4) { 16 } else { 4 };
    let rounds = 1 + rng.below(most);
    for _ in 0..rounds {
        mutate_once(data, rng, sources, max_len);
    }
    data.truncate(max_len);
}

fn mutate_once(data: &mut Vec<u8>, rng: &mut Rng, sources: &Sources<'_>, max_len: usize) {
    let len = data.len();
    match rng.below(16) {
        // Flip a bit.
        0 if len > 0 => {
            let at = rng.below(len);
            data[at] ^= 1 << rng.below(8);
        }
        // A random byte, or a special one.
        1 if len > 0 => {
            let at = rng.below(len);
            data[at] = if rng.one_in(2) { rng.next() as u8 } else { *rng.pick(SPECIAL) };
        }
        // Insert special bytes.
        2 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(4);
            let bytes: Vec<u8> = (0..n).map(|_| *rng.pick(SPECIAL)).collect();
            insert(data, at, &bytes, max_len);
        }
        // Erase a range.
        3 if len > 0 => {
            let at = rng.below(len);
            let most = if rng.one_in(4) { len } else { 8 };
            let n = 1 + rng.below((len - at).min(most));
            data.drain(at..at + n);
        }
        // Copy a range over another place, or insert a copy.
        4 if len > 1 => {
            let (from, n) = range(rng, len);
            let chunk = data[from..from + n].to_vec();
            let to = rng.below(len + 1);
            if rng.one_in(2) {
                insert(data, to, &chunk, max_len);
            } else {
                let end = (to + n).min(len);
                data.splice(to..end, chunk);
            }
        }
        // A chunk repeated many times: quadratic work, deep nesting, long lines.
        5 if len > 0 => {
            let (from, n) = range(rng, len);
            let chunk = data[from..from + n.min(32)].to_vec();
            let most = if rng.one_in(4) { 1000 } else { 32 };
            let times = 2 + rng.below(most);
            let mut repeated = Vec::with_capacity(chunk.len() * times);
            for _ in 0..times {
                repeated.extend_from_slice(&chunk);
                if repeated.len() >= max_len {
                    break;
                }
            }
            insert(data, from, &repeated, max_len);
        }
        // A dictionary token, inserted or over existing bytes.
        6 | 7 if !sources.dictionary.is_empty() => {
            let token = rng.pick(sources.dictionary).as_bytes();
            let at = rng.below(len + 1);
            if rng.one_in(3) && at < len {
                let end = (at + token.len()).min(len);
                data.splice(at..end, token.iter().copied());
            } else {
                insert(data, at, token, max_len);
            }
        }
        // A multi-byte character at any byte offset (also inside another character).
        8 => {
            let at = rng.below(len + 1);
            let wide = rng.pick(WIDE).as_bytes();
            if rng.one_in(8) {
                // Part of a character: invalid UTF-8.
                insert(data, at, &wide[..1 + rng.below(wide.len())], max_len);
            } else {
                insert(data, at, wide, max_len);
            }
        }
        // A number replaced by an interesting one (or one inserted).
        9 => {
            let number = rng.pick(NUMBERS).as_bytes();
            match find_number(data, rng) {
                Some((at, n)) => {
                    data.splice(at..at + n, number.iter().copied());
                }
                None => insert(data, rng.below(len + 1), number, max_len),
            }
        }
        // Lines: swap two, duplicate one, drop one.
        10 | 11 => {
            let lines = line_spans(data);
            if lines.len() < 2 {
                return;
            }
            let a = *rng.pick(&lines);
            let b = *rng.pick(&lines);
            let line_a = data[a.0..a.1].to_vec();
            match rng.below(3) {
                0 if a.0 > b.0 => {
                    let line_b = data[b.0..b.1].to_vec();
                    data.splice(a.0..a.1, line_b);
                    data.splice(b.0..b.1, line_a);
                }
                1 => insert(data, b.0, &line_a, max_len),
                _ => {
                    data.drain(a.0..a.1);
                }
            }
        }
        // Splice a range of another input in.
        12 | 13 if !sources.other.is_empty() => {
            let (from, n) = range(rng, sources.other.len());
            let chunk = &sources.other[from..from + n];
            let at = rng.below(len + 1);
            if rng.one_in(2) {
                insert(data, at, chunk, max_len);
            } else {
                let end = (at + n).min(len);
                data.splice(at..end, chunk.iter().copied());
            }
        }
        // Crossover: this input's head, the other's tail.
        14 if !sources.other.is_empty() => {
            let cut = rng.below(len + 1);
            let other_cut = rng.below(sources.other.len());
            data.truncate(cut);
            data.extend_from_slice(&sources.other[other_cut..]);
        }
        // Arithmetic on a byte.
        _ if len > 0 => {
            let at = rng.below(len);
            let delta = 1 + rng.below(16) as u8;
            data[at] = if rng.one_in(2) { data[at].wrapping_add(delta) } else { data[at].wrapping_sub(delta) };
        }
        // An empty input (or a mutation that needs bytes): grow it.
        _ => {
            let byte = *rng.pick(SPECIAL);
            insert(data, rng.below(len + 1), &[byte], max_len);
        }
    }
}

/// A random non-empty range of a `len`-byte input, mostly short.
fn range(rng: &mut Rng, len: usize) -> (usize, usize) {
    let from = rng.below(len);
    let most = if rng.one_in(4) { len } else { 16 };
    let longest = (len - from).min(most);
    (from, 1 + rng.below(longest))
}

fn insert(data: &mut Vec<u8>, at: usize, bytes: &[u8], max_len: usize) {
    let room = max_len.saturating_sub(data.len());
    let bytes = &bytes[..bytes.len().min(room)];
    data.splice(at..at, bytes.iter().copied());
}

/// A run of ASCII digits (with a leading `-`), picked at random among the input's first 64.
fn find_number(data: &[u8], rng: &mut Rng) -> Option<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < data.len() && runs.len() < 64 {
        if data[i].is_ascii_digit() {
            let start = if i > 0 && data[i - 1] == b'-' { i - 1 } else { i };
            while i < data.len() && data[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i - start));
        } else {
            i += 1;
        }
    }
    (!runs.is_empty()).then(|| *rng.pick(&runs))
}

/// Each line's byte range, its `\n` included.
fn line_spans(data: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, b) in data.iter().enumerate() {
        if *b == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < data.len() {
        spans.push((start, data.len()));
    }
    spans
}

/// Deletes ever smaller chunks of `input` while `still_fails` says the rest fails the same way,
/// until no chunk of one byte can go or `budget` is spent; the smallest failing input found.
pub fn shrink<E>(
    input: Vec<u8>,
    budget: std::time::Duration,
    mut still_fails: impl FnMut(&[u8]) -> Result<bool, E>,
) -> Result<Vec<u8>, E> {
    let deadline = std::time::Instant::now() + budget;
    let mut best = input;
    let mut chunk = (best.len() / 2).max(1);
    while std::time::Instant::now() < deadline {
        let mut progress = false;
        let mut at = 0;
        while at + chunk <= best.len() && std::time::Instant::now() < deadline {
            let mut candidate = best.clone();
            candidate.drain(at..at + chunk);
            if still_fails(&candidate)? {
                best = candidate;
                progress = true;
            } else {
                at += chunk;
            }
        }
        if !progress {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_within_the_length_limit() {
        let mut rng = Rng::new(7);
        let sources = Sources { dictionary: &["FROM ", "{major}"], other: b"other input\nwith lines\n" };
        let mut data = b"FROM a AS b\nRUN 12\n".to_vec();
        let mut changed = 0;
        for _ in 0..20_000 {
            let before = data.clone();
            mutate(&mut data, &mut rng, &sources, 256);
            assert!(data.len() <= 256, "{} bytes", data.len());
            changed += usize::from(data != before);
            if data.is_empty() {
                data = before;
            }
        }
        assert!(changed > 15_000, "only {changed} of 20000 mutations changed the input");
    }

    #[test]
    fn the_generator_repeats_with_its_seed() {
        let (mut a, mut b, mut c) = (Rng::new(1), Rng::new(1), Rng::new(2));
        let (xs, ys, zs): (Vec<u64>, Vec<u64>, Vec<u64>) = (
            (0..8).map(|_| a.next()).collect(),
            (0..8).map(|_| b.next()).collect(),
            (0..8).map(|_| c.next()).collect(),
        );
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn shrink_keeps_what_still_fails_and_stops_at_one_byte() {
        let input = b"FROM a\nRUN x\nFROM \xff b\n".to_vec();
        let fails = |i: &[u8]| Ok::<bool, ()>(i.contains(&0xff) && i.contains(&b'R'));
        let best = shrink(input, std::time::Duration::from_secs(10), fails).unwrap();
        assert_eq!(best, b"R\xff");
        let err = shrink(b"ab".to_vec(), std::time::Duration::from_secs(10), |_| Err::<bool, &str>("replay failed"));
        assert_eq!(err, Err("replay failed"));
    }
}
