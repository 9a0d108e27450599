#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Keeps training's step buffers in the heap instead of fresh mmap'ed pages.
///
/// A step allocates activation matrices of hundreds of KiB to a few MiB and frees them. glibc
/// maps blocks above its mmap threshold afresh each time and trims freed heap tops, so every
/// step paid page faults and zeroing: a third of a [256, 128] step, over half of a [64, 32]
/// one (measured with `famol bench gradient`). Blocks up to 32 MiB (glibc's ceiling) now come
/// from the heap and up to 256 MiB of freed heap is kept for reuse; peak memory is unchanged.
/// Called first thing by both executables; glibc reads MALLOC_* environment settings too, and
/// an explicit MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ is left to win.
public func tuneAllocatorForTraining() {
    #if canImport(Glibc)
    if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(M_MMAP_THRESHOLD, 32 << 20) }
    if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = mallopt(M_TRIM_THRESHOLD, 256 << 20) }
    #endif
}

/// Gives freed heap back to the system at once: after a rare, large allocation (a hostile
/// message read and discarded) the 256 MiB kept for training's reuse would otherwise stay.
public func returnFreedMemoryToTheSystem() {
    #if canImport(Glibc)
    _ = malloc_trim(0)
    #endif
}
