import CBLAS

/// Thin wrappers over OpenBLAS: every dense product in sslsan goes through `sgemm`.
///
/// OpenBLAS runs single-threaded (`ComputeBudget.apply`); the cores of a job are shared out by
/// sslsan itself: a large GEMM is cut into column blocks, one per worker, and a set of independent
/// GEMMs (Winograd's 16 or 36 positions) is dealt out whole (`independent`). Measured at batch 1
/// on 2 cores (`sslsan bench`, 6 alternating rounds of 9): the full pair 138 → 121 ms best and
/// 173 → 144 ms median, against OpenBLAS's own threads, which spin in `sched_yield` at every
/// call's hand-off and lose whole time slices when the VM deschedules one of them.
public enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions given. With
    /// `split` (the default) and several workers, a GEMM of at least `splitWork` multiply-adds is
    /// cut into column blocks computed side by side; each block is the same OpenBLAS call on
    /// fewer columns. The result equals the unsplit call to float32 rounding, not always bit for
    /// bit (OpenBLAS's kernels for a block's edge columns may order a sum differently; measured
    /// within 1 % of the rounding bound, `BLASSplitTests`), as OpenBLAS's own threads did.
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, split: Bool = true) {
        let w = split ? workers : 1
        guard w > 1, m * n * k >= splitWork, n >= 32 * w else {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Column blocks start on multiples of 16 floats (whole cache lines of B and C).
        let bb = SendableBox(b), cc = SendableBox(c)
        Parallel.chunks(w, costPerItem: 1 << 30) { r in
            for t in r {
                let lo = t == 0 ? 0 : (n * t / w) & ~15, hi = t == w - 1 ? n : (n * (t + 1) / w) & ~15
                guard lo < hi else { continue }
                // op(B)'s columns lo..<hi: B's columns (no transpose) or B's rows (transposed).
                let bBlock = transB ? bb.value + lo * ldb : bb.value + lo
                call(transA, transB, m, hi - lo, k, alpha, a, lda, bBlock, ldb, beta, cc.value + lo, ldc)
            }
        }
    }

    /// `count` independent GEMMs of `work` multiply-adds each (`body(i)` makes call i, with
    /// `split: false`), dealt out to the workers in contiguous runs: Winograd's positions, whose
    /// GEMMs all have one shape.
    @inline(__always)
    public static func independent(_ count: Int, work: Int, _ body: (Int) -> Void) {
        if workers <= 1 || count * work < splitWork {
            for i in 0..<count { body(i) }
        } else {
            Parallel.chunks(count, costPerItem: 1 << 30) { r in for i in r { body(i) } }
        }
    }

    /// Workers that share out GEMMs: the job's, or 1 when OpenBLAS's own threads do it.
    private static var workers: Int { openBLASThreads ? 1 : Parallel.workers }

    /// Multiply-adds below which a GEMM is not split (about 20 µs of one core: the hand-off to a
    /// second worker costs a few µs).
    static let splitWork = 1 << 20

    /// Whether OpenBLAS's own threads parallelise each GEMM instead (`sslsan bench
    /// --openblas-threads`, for comparison on other CPUs). Set only through `ComputeBudget`.
    nonisolated(unsafe) static var openBLASThreads = false

    /// OpenBLAS starts with one thread per core; sslsan's own split needs it single-threaded
    /// from the first call on, before any front door applies a budget (tests, library users).
    private static let singleThreadedAtFirstUse: Void = { openblas_set_num_threads(1) }()

    @inline(__always)
    private static func call(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        _ = singleThreadedAtFirstUse
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS may use inside one GEMM. Set only through `ComputeBudget.apply`.
    public internal(set) static var threads: Int {
        get { _ = singleThreadedAtFirstUse; return Int(openblas_get_num_threads()) }
        set { _ = singleThreadedAtFirstUse; openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel OpenBLAS picked at load time (depends on OPENBLAS_CORETYPE).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
