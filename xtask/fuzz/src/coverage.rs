//! Edge coverage from LLVM's SanitizerCoverage, as `cargo xtask fuzz` compiles the fuzzer:
//! `-C passes=sancov-module` with `-sanitizer-coverage-level=3` (edges) and
//! `-sanitizer-coverage-inline-8bit-counters`. Every edge of every instrumented crate (hoist's
//! and its dependencies, this binary too; not the precompiled standard library) gets a byte
//! counter that the compiled code increments inline; each module registers its counters here
//! at start-up through [`__sanitizer_cov_8bit_counters_init`]. No callback runs per edge, so
//! nothing here is itself traced.
//!
//! A feature is an edge with a hit count in one of AFL's buckets (1, 2, 3, 4–7, 8–15, 16–31,
//! 32–127, 128+): an input that reaches a new feature is kept.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// Counter ranges registered so far (one per instrumented module that has any; on ELF the
/// linker merges them into one section, so every module passes the same range).
const MAX_REGIONS: usize = 256;

static STARTS: [AtomicPtr<u8>; MAX_REGIONS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; MAX_REGIONS];
static LENS: [AtomicUsize; MAX_REGIONS] = [const { AtomicUsize::new(0) }; MAX_REGIONS];
static REGIONS: AtomicUsize = AtomicUsize::new(0);

/// Called by the instrumented code's module constructors, before `main`.
///
/// # Safety
/// `start..stop` is a range of counters that lives as long as the program, as LLVM passes it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __sanitizer_cov_8bit_counters_init(start: *mut u8, stop: *mut u8) {
    let len = (stop as usize).saturating_sub(start as usize);
    if len == 0 {
        return;
    }
    let known = REGIONS.load(Ordering::Acquire);
    if (0..known).any(|i| STARTS[i].load(Ordering::Relaxed) == start) {
        return;
    }
    if known < MAX_REGIONS {
        STARTS[known].store(start, Ordering::Relaxed);
        LENS[known].store(len, Ordering::Relaxed);
        REGIONS.store(known + 1, Ordering::Release);
    }
}

fn regions() -> impl Iterator<Item = (*mut u8, usize)> {
    (0..REGIONS.load(Ordering::Acquire)).map(|i| (STARTS[i].load(Ordering::Relaxed), LENS[i].load(Ordering::Relaxed)))
}

/// The number of edge counters (0 when the binary was built without instrumentation).
pub fn counters() -> usize {
    regions().map(|(_, len)| len).sum()
}

/// Sets every counter to zero, before an input runs.
pub fn reset() {
    for (start, len) in regions() {
        // SAFETY: the range was registered by LLVM's constructor and lives for the whole program;
        // other threads only increment counters (a lost increment is harmless).
        unsafe { std::ptr::write_bytes(start, 0, len) };
    }
}

/// AFL's hit-count buckets, as one bit per bucket.
const fn bucket(count: u8) -> u8 {
    match count {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 4,
        4..=7 => 8,
        8..=15 => 16,
        16..=31 => 32,
        32..=127 => 64,
        _ => 128,
    }
}

const BUCKETS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = bucket(i as u8);
        i += 1;
    }
    table
};

/// The features every kept input reached so far: one bucket bit set per edge and hit count.
pub struct Seen {
    bits: Vec<u8>,
}

impl Seen {
    /// Nothing seen yet.
    pub fn new() -> Seen {
        Seen { bits: vec![0; counters()] }
    }

    /// How many features of the last run are new; with `commit`, they count as seen from now on.
    pub fn observe(&mut self, commit: bool) -> usize {
        let mut new = 0;
        let mut offset = 0;
        for (start, len) in regions() {
            // SAFETY: as in `reset`; reads race only with increments by other threads.
            let counters = unsafe { std::slice::from_raw_parts(start as *const u8, len) };
            let bits = &mut self.bits[offset..offset + len];
            let mut chunks = counters.chunks_exact(8);
            let mut at = 0;
            for chunk in chunks.by_ref() {
                if u64::from_ne_bytes(chunk.try_into().expect("8 bytes")) != 0 {
                    new += observe_bytes(chunk, &mut bits[at..at + 8], commit);
                }
                at += 8;
            }
            new += observe_bytes(chunks.remainder(), &mut bits[at..], commit);
            offset += len;
        }
        new
    }

    /// Edges reached by some kept input.
    pub fn edges(&self) -> usize {
        self.bits.iter().filter(|b| **b != 0).count()
    }

    /// Features (edge and hit-count bucket) reached by some kept input.
    pub fn features(&self) -> usize {
        self.bits.iter().map(|b| b.count_ones() as usize).sum()
    }
}

fn observe_bytes(counters: &[u8], bits: &mut [u8], commit: bool) -> usize {
    let mut new = 0;
    for (count, seen) in counters.iter().zip(bits.iter_mut()) {
        let bit = BUCKETS[usize::from(*count)];
        if bit & !*seen != 0 {
            new += 1;
            if commit {
                *seen |= bit;
            }
        }
    }
    new
}
