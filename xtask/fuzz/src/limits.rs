//! The limits one input runs under: a memory cap (a counting global allocator) and a time limit
//! (a watchdog thread). Either ends the process at once with its own exit code, before the
//! machine runs out of memory or the run stalls; the supervisor reads the input from the shared
//! page and keeps it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The exit code of a worker whose input ran longer than the time limit.
pub const EXIT_TIMEOUT: i32 = 70;
/// The exit code of a worker whose input asked for more memory than the cap.
pub const EXIT_MEMORY: i32 = 71;

/// The system allocator, counting the bytes allocated and enforcing the cap.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// What was allocated when the current input started: its own allocations are the rest.
static BASE: AtomicUsize = AtomicUsize::new(0);
/// The cap in bytes; 0 until [`install`].
static LIMIT: AtomicUsize = AtomicUsize::new(0);

fn check(more: usize) {
    let limit = LIMIT.load(Ordering::Relaxed);
    if limit == 0 {
        return;
    }
    let live = LIVE.load(Ordering::Relaxed);
    if more > limit || (live + more).saturating_sub(BASE.load(Ordering::Relaxed)) > limit {
        die(b"\nxtask-fuzz: the input asks for more memory than the cap (--memory)\n", EXIT_MEMORY);
    }
}

/// Writes `message` without allocating and ends the process with `code`.
fn die(message: &[u8], code: i32) -> ! {
    // SAFETY: write(2) and _exit(2) are async-signal-safe and need no allocation.
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(code)
    }
}

// SAFETY: every call is forwarded to `System`; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded as is.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            check(new_size - layout.size());
        }
        // SAFETY: forwarded as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

fn clock() -> &'static Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now)
}

/// When the current input started, in milliseconds since [`clock`] (plus one); 0 between inputs.
static STARTED: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    clock().elapsed().as_millis() as u64 + 1
}

/// Turns the limits on: `memory` bytes per input, `timeout` per input (checked every tenth of it).
pub fn install(memory: usize, timeout: Duration) {
    clock();
    LIMIT.store(memory, Ordering::Relaxed);
    let timeout_ms = timeout.as_millis() as u64;
    let tick = (timeout / 10).clamp(Duration::from_millis(10), Duration::from_millis(200));
    std::thread::Builder::new()
        .name("watchdog".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(tick);
                let started = STARTED.load(Ordering::Relaxed);
                if started != 0 && now_ms().saturating_sub(started) > timeout_ms {
                    die(b"\nxtask-fuzz: the input runs longer than the time limit (--timeout)\n", EXIT_TIMEOUT);
                }
            }
        })
        .expect("starting the watchdog thread");
}

/// Marks the start of an input: its time and memory count from here.
pub fn begin() {
    BASE.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    STARTED.store(now_ms(), Ordering::Relaxed);
}

/// Marks the end of an input.
pub fn end() {
    STARTED.store(0, Ordering::Relaxed);
}
