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
    if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = mallopt(M_TRIM_THRESHOLD, trainingTrimThreshold) }
    #endif
}

/// Freed heap kept for training's reuse, unless the user set MALLOC_TRIM_THRESHOLD_.
private let trainingTrimThreshold: Int32 = 256 << 20

/// The trim threshold in effect: the user's MALLOC_TRIM_THRESHOLD_ (as far as mallopt's int
/// can hold it) or training's.
private func trimThresholdInEffect() -> Int32 {
    guard let given = getenv("MALLOC_TRIM_THRESHOLD_"), let bytes = UInt64(String(cString: given)) else { return trainingTrimThreshold }
    return Int32(clamping: bytes)
}

/// Runs `body`, which frees a rare, large allocation (a hostile message read and discarded),
/// and gives that memory back to the system instead of keeping it for training's reuse.
///
/// `malloc_trim` alone is not enough: libzmq's I/O thread allocates the frames in its own
/// arena, and glibc trims the top of a thread arena's heap only on a free and only beyond the
/// trim threshold, so up to one 64 MiB arena heap stayed resident after every such message.
/// With glibc's default threshold during `body` the frees themselves trim; other threads
/// freeing meanwhile only trim sooner than usual.
public func returningFreedMemoryToTheSystem<T>(_ body: () throws -> T) rethrows -> T {
    #if canImport(Glibc)
    _ = mallopt(M_TRIM_THRESHOLD, 128 << 10)
    defer {
        _ = mallopt(M_TRIM_THRESHOLD, trimThresholdInEffect())
        _ = malloc_trim(0)
    }
    #endif
    return try body()
}
