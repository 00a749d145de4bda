import Foundation

/// Splits loops over channels (or samples) across the cores. Layers use it for the memory-bound
/// passes around the GEMMs (im2col, BatchNorm, pooling), which OpenBLAS does not parallelise.
public enum Parallel {
    /// Worker count for the element-wise passes. Defaults to the core count; set only through
    /// `ComputeBudget.apply`.
    nonisolated(unsafe) public internal(set) static var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Calls `body(range)` on disjoint contiguous chunks of `0..<n`, in parallel when the work
    /// (`n * costPerItem` elements) is large enough to pay for the thread hand-off.
    @inline(__always)
    public static func chunks(_ n: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let w = min(workers, n)
        if w <= 1 || n * costPerItem < 32_768 {
            if n > 0 { body(0..<n) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let box = SendableBox(escaping)
            DispatchQueue.concurrentPerform(iterations: w) { t in
                let lo = n * t / w, hi = n * (t + 1) / w
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

/// Carries a value (a closure, a buffer pointer) into `concurrentPerform` or another thread;
/// callers guarantee that what it points at is touched in disjoint parts or not at all.
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
