//! The C allocator's settings for a review, set once by each executable before any work.
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
