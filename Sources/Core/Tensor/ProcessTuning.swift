/// glibc's `mallopt` (declared in <malloc.h>, which Swift's Glibc module does not export).
@_silgen_name("mallopt") private func c_mallopt(_ param: Int32, _ value: Int32) -> Int32

/// Process-wide settings that only the executable's entry point (`SSLSaNCommand.main`) changes,
/// never library code: they affect everything else running in the process.
public enum ProcessTuning {
    /// Keeps large blocks in glibc's heap instead of mmap/munmap on every allocation
    /// (M_TRIM_THRESHOLD = -1 and M_MMAP_THRESHOLD = -3 raised to 1 GiB). A training step
    /// allocates and frees activations of tens of MiB each; through mmap every one of them
    /// page-faults anew.
    public static func keepLargeAllocations() {
        #if os(Linux)
        _ = c_mallopt(-1, 1 << 30)
        _ = c_mallopt(-3, 1 << 30)
        #endif
    }
}
