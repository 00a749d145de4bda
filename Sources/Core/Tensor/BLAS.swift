import CBLAS

/// Thin wrappers over OpenBLAS: every dense product in sslsan goes through `sgemm`.
public enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions given.
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS may use inside one GEMM. Set only through `ComputeBudget.apply`.
    public internal(set) static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel OpenBLAS picked at load time (depends on OPENBLAS_CORETYPE).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
