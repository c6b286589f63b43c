//! The C allocator's settings for a review, set once by each executable before any work, and the memory it
//! keeps free given back when a review, or the app's work, is done.
//!
//! A review allocates and frees many arrays of a grid's length (a series aligned, a fit's scratch) on
//! several threads. With glibc's defaults the larger ones are mapped and unmapped one by one and the
//! heap is trimmed after frees, so the kernel spends as much time as the review's slowest stage: the
//! organisation-scale benchmark spent 8 of its 48 CPU seconds in the kernel. Keeping allocations under
//! 32 MB on the heap and trimming only past 64 MB free removes most of that (measured in
//! docs/BENCHMARKS.md) for a few tens of MB more resident memory, which [`release`] gives back once a
//! review is done (the desktop app keeps running beside it).
//!
//! [`release`] cannot give back all of it: glibc's `malloc_trim` returns the free top of the main arena only,
//! and every other arena keeps up to the trim threshold of free memory at its top until a large free there
//! trims it. glibc makes up to eight arenas a core, one for each thread that allocates at once (rayon's
//! workers, polars' pool, the loaders); after a review the app held 60–70 MB in arenas that held nothing.
//! So there are as many arenas as cores, one for each of the review's workers, which bounds that memory
//! by the cores, not by the threads.

/// Apply the settings (glibc on Linux; elsewhere nothing).
#[allow(unsafe_code)]
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes three of the allocator's parameters; it is called before the
    // executable starts any thread, and a refused setting leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
        // One set in the environment (`MALLOC_ARENA_MAX`, or glibc's tunables) is the user's: left as it is.
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() && std::env::var_os("GLIBC_TUNABLES").is_none() {
            libc::mallopt(libc::M_ARENA_MAX, arenas());
        }
    }
}

/// Arenas for the allocator: one for each core the process may use (rayon runs one worker a core).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn arenas() -> libc::c_int {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 64) as libc::c_int
}

/// Give the memory the allocator keeps free back to the system (glibc's `malloc_trim`; elsewhere nothing).
/// Called when a review is done: what it freed stays mapped otherwise, up to the trim threshold per arena.
#[allow(unsafe_code)]
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory at the top of the heaps and whole free pages inside them to
    // the system; it takes the allocator's own locks and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives the allocator's free memory back ([`release`]) once the process has been quiet for a while after
/// work. The desktop app keeps running between a review and the next: every command it answers (a chart, an
/// overview, a meeting's minutes) frees what it built, and with the review's trim threshold that memory stays
/// mapped until the next large free: measured, ~40 MB on a 10,000-series workspace after a few minutes of
/// use (docs/BENCHMARKS.md). Work is said with [`Quiet::busy`] (a moment of work) or [`Quiet::hold`] (work
/// under way, e.g. a review, never interrupted by a trim); once none is held and `after` has passed since the
/// last, the memory is given back, once per burst of work.
#[derive(Clone)]
pub struct Quiet {
    shared: std::sync::Arc<Shared>,
}

struct Shared {
    work: std::sync::Mutex<Work>,
    wake: std::sync::Condvar,
}

#[derive(Default)]
struct Work {
    /// Work under way (holds not yet dropped).
    holds: usize,
    /// When the last work ended, if memory was not given back since.
    ended: Option<std::time::Instant>,
}

/// Work under way for a [`Quiet`]: no trim while it is held; dropping it ends the work.
pub struct Hold(Quiet);

impl Drop for Hold {
    fn drop(&mut self) {
        self.0.change(|w| {
            w.holds = w.holds.saturating_sub(1);
            w.ended = Some(std::time::Instant::now());
        });
    }
}

impl Quiet {
    /// Start watching (a thread of its own, for the life of the process) with [`release`] as what is done.
    pub fn start(after: std::time::Duration) -> Quiet {
        Quiet::start_with(after, release)
    }

    /// [`Quiet::start`] doing `give_back` instead of [`release`] (for tests).
    fn start_with(after: std::time::Duration, give_back: fn()) -> Quiet {
        let shared = std::sync::Arc::new(Shared { work: std::sync::Mutex::default(), wake: std::sync::Condvar::new() });
        let watched = std::sync::Arc::downgrade(&shared);
        // Without the thread (the system refused one) memory is only given back after reviews, as before.
        let _ = std::thread::Builder::new().name("flywheel-quiet".into()).spawn(move || watch(&watched, after, give_back));
        Quiet { shared }
    }

    /// Work happened now: memory is given back `after` from now unless more work follows.
    pub fn busy(&self) {
        self.change(|w| w.ended = Some(std::time::Instant::now()));
    }

    /// Work under way until the returned [`Hold`] is dropped.
    pub fn hold(&self) -> Hold {
        self.change(|w| w.holds += 1);
        Hold(self.clone())
    }

    fn change(&self, f: impl FnOnce(&mut Work)) {
        // A panic elsewhere while the lock was held leaves plain counters: still usable.
        f(&mut self.shared.work.lock().unwrap_or_else(|p| p.into_inner()));
        self.shared.wake.notify_one();
    }
}

/// The watching thread: waits for work to end, then for `after` without work, then gives memory back. It
/// ends when the last [`Quiet`] is dropped (checked at each wake; a dropped one wakes it no more, so it also
/// looks every few seconds).
fn watch(shared: &std::sync::Weak<Shared>, after: std::time::Duration, give_back: fn()) {
    const LOOK: std::time::Duration = std::time::Duration::from_secs(5);
    loop {
        let Some(s) = shared.upgrade() else { return };
        let mut w = s.work.lock().unwrap_or_else(|p| p.into_inner());
        let wait = match (w.holds, w.ended) {
            (0, Some(ended)) => match after.checked_sub(ended.elapsed()) {
                Some(left) if !left.is_zero() => left,
                _ => {
                    w.ended = None;
                    drop(w);
                    give_back();
                    continue;
                }
            },
            _ => LOOK,
        };
        drop(s.wake.wait_timeout(w, wait.min(LOOK)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    static GIVEN_BACK: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        GIVEN_BACK.fetch_add(1, Ordering::SeqCst);
    }

    /// Waits (up to 10 s, for a loaded machine) until memory was given back `n` times in all.
    fn given_back(n: usize) -> bool {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if GIVEN_BACK.load(Ordering::SeqCst) >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    #[test]
    fn memory_is_given_back_once_after_each_burst_of_work_and_never_while_work_is_held() {
        let quiet = Quiet::start_with(Duration::from_millis(30), count);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(GIVEN_BACK.load(Ordering::SeqCst), 0, "no work yet, nothing to give back");
        quiet.busy();
        quiet.busy();
        assert!(given_back(1), "given back after a burst of work");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(GIVEN_BACK.load(Ordering::SeqCst), 1, "once a burst, not again while idle");

        let held = quiet.hold();
        quiet.busy();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(GIVEN_BACK.load(Ordering::SeqCst), 1, "never while work is under way");
        let second = quiet.hold();
        drop(held);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(GIVEN_BACK.load(Ordering::SeqCst), 1, "one of two holds dropped: still under way");
        drop(second);
        assert!(given_back(2), "given back once the work ended");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(GIVEN_BACK.load(Ordering::SeqCst), 2);
    }
}
