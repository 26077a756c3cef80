//! The page the worker and its supervisor share: the worker's counters and the input it runs
//! right now. A file mapped `MAP_SHARED`, so what the worker wrote survives its death by a
//! signal (abort, stack overflow) or by a limit; the supervisor reads the file afterwards.

use std::path::Path;

/// The largest input the page holds (longer ones are kept cut to this length).
const CAPACITY: usize = 1 << 20;
const HEADER: usize = 6 * 8;
const MAGIC: u64 = 0x6869_7374_6675_7a7a; // "histfuzz"

/// The worker's counters, as the supervisor reads them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Inputs run.
    pub runs: u64,
    /// Edges the corpus reaches.
    pub edges: u64,
    /// Features (edge and hit-count bucket) the corpus reaches.
    pub features: u64,
    /// Inputs in the corpus.
    pub corpus: u64,
}

/// The worker's side: the mapped page.
pub struct Page {
    ptr: *mut u8,
}

impl Page {
    /// Creates (or empties) the file at `path` and maps it.
    pub fn create(path: &Path) -> Result<Page, String> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| format!("cannot create the shared page `{}`: {e}", path.display()))?;
        file.set_len((HEADER + CAPACITY) as u64).map_err(|e| format!("cannot size `{}`: {e}", path.display()))?;
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh shared mapping of a file of that length; it stays mapped for the
        // process's life (the fd may close: the mapping keeps the file).
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                HEADER + CAPACITY,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(format!("cannot map `{}`: {}", path.display(), std::io::Error::last_os_error()));
        }
        let page = Page { ptr: ptr.cast() };
        page.set(0, MAGIC);
        Ok(page)
    }

    fn set(&self, slot: usize, value: u64) {
        // SAFETY: `slot` < 6 is inside the header of the mapping.
        unsafe { std::ptr::write_volatile(self.ptr.add(slot * 8).cast::<u64>(), value) }
    }

    /// Publishes the counters.
    pub fn set_stats(&self, stats: Stats) {
        self.set(1, stats.runs);
        self.set(2, stats.edges);
        self.set(3, stats.features);
        self.set(4, stats.corpus);
    }

    /// Publishes the number of inputs run (cheap: once per input).
    pub fn set_runs(&self, runs: u64) {
        self.set(1, runs);
    }

    /// Records the input about to run.
    pub fn set_input(&self, input: &[u8]) {
        let n = input.len().min(CAPACITY);
        // SAFETY: `n` bytes fit after the header.
        unsafe { std::ptr::copy_nonoverlapping(input.as_ptr(), self.ptr.add(HEADER), n) };
        self.set(5, n as u64);
    }
}

/// The supervisor's side: the counters and the last input, read from the file.
pub fn read(path: &Path) -> Option<(Stats, Vec<u8>)> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < HEADER {
        return None;
    }
    let word = |slot: usize| u64::from_ne_bytes(bytes[slot * 8..slot * 8 + 8].try_into().expect("8 bytes"));
    if word(0) != MAGIC {
        return None;
    }
    let stats = Stats { runs: word(1), edges: word(2), features: word(3), corpus: word(4) };
    let n = (word(5) as usize).min(bytes.len() - HEADER);
    Some((stats, bytes[HEADER..HEADER + n].to_vec()))
}
