import XCTest
@testable import Core

/// `BLAS.sgemm`'s column blocks and `BLAS.independent`: sslsan shares a job's cores out itself
/// over single-threaded OpenBLAS. A split GEMM is the same product as the unsplit call, for every
/// transpose, leading dimension, alpha and beta, to float32 rounding: OpenBLAS's kernels for a
/// block's edge columns may order a sum differently, so the two are not always bit-identical.
final class BLASSplitTests: XCTestCase {
    var saved = ComputeBudget.current

    override func setUp() {
        saved = ComputeBudget.current
        // Two threads in one job even on a one-core machine, so the split really runs.
        ComputeBudget.apply(.oneJob(cores: 2))
    }

    override func tearDown() { ComputeBudget.apply(saved) }

    func testSplitGEMMEqualsTheUnsplitCallBitForBit() {
        var rng = ParameterRNG(seed: 7)
        // n is no multiple of 16 and every leading dimension is padded, so block offsets, the
        // last block's remainder and the strides are all exercised; m·n·k is above splitWork.
        let m = 37, n = 2_007, k = 300
        XCTAssertGreaterThanOrEqual(m * n * k, BLAS.splitWork)
        for transA in [false, true] {
            for transB in [false, true] {
                for (alpha, beta) in [(Float(1), Float(0)), (Float(0.7), Float(1.3))] {
                    let lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 3, ldc = n + 5
                    let a = Tensor(shape: [(transA ? k : m) * lda]); rng.fillNormal(a, std: 1)
                    let b = Tensor(shape: [(transB ? n : k) * ldb]); rng.fillNormal(b, std: 1)
                    let c0 = Tensor(shape: [m * ldc]); rng.fillNormal(c0, std: 1)
                    let split = Tensor(shape: c0.shape, values: c0.array), whole = Tensor(shape: c0.shape, values: c0.array)
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: lda,
                               b: b.data, ldb: ldb, beta: beta, c: split.data, ldc: ldc)
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: lda,
                               b: b.data, ldb: ldb, beta: beta, c: whole.data, ldc: ldc, split: false)
                    let label = "transA \(transA) transB \(transB) alpha \(alpha) beta \(beta)"
                    // Every element: two float32 evaluations of the same k-term sum each lie within
                    // γ = (k + 2)·2⁻²⁴ of Σ|terms| of the exact value (alpha and beta included), so
                    // they differ by at most 2γ·Σ|terms|; |A|·|B| gives Σ|terms| per element.
                    let absA = Tensor(shape: a.shape, values: a.array.map(abs)), absB = Tensor(shape: b.shape, values: b.array.map(abs))
                    let mag = Tensor(shape: c0.shape, values: c0.array.map { abs(beta * $0) })
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: abs(alpha), a: absA.data, lda: lda,
                               b: absB.data, ldb: ldb, beta: 1, c: mag.data, ldc: ldc, split: false)
                    let gamma = Float(k + 2) * 0x1p-24
                    var worst: Float = 0
                    for i in 0..<m {
                        for j in 0..<n {
                            let d = abs(split[i * ldc + j] - whole[i * ldc + j]), bound = 2 * gamma * mag[i * ldc + j]
                            worst = max(worst, d / bound)
                        }
                    }
                    XCTAssertLessThanOrEqual(worst, 1, "\(label): split and unsplit differ beyond float32 rounding")
                    print(String(format: "BLAS split vs unsplit, %@: worst difference %.2e of the rounding bound", label, worst))
                    // And the call is the product (a few entries against Double sums), so two
                    // equally wrong calls cannot pass: |error| ≤ k·2⁻²⁴·Σ|terms| bounds float32.
                    for (i, j) in [(0, 0), (m - 1, n - 1), (m / 2, 1_000), (5, 15), (5, 16)] {
                        var sum = 0.0, magnitude = 0.0
                        for p in 0..<k {
                            let av = Double(transA ? a[p * lda + i] : a[i * lda + p])
                            let bv = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                            sum += av * bv; magnitude += abs(av * bv)
                        }
                        let expect = Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j])
                        let bound = Double(k + 2) * 0x1p-24 * (abs(Double(alpha)) * magnitude + abs(Double(beta) * Double(c0[i * ldc + j])))
                        XCTAssertEqual(Double(split[i * ldc + j]), expect, accuracy: bound, "\(label) at (\(i), \(j))")
                    }
                    // Padding columns of C (between n and ldc) are not written.
                    XCTAssertEqual(split[n + 2], c0[n + 2], label)
                }
            }
        }
    }

    func testIndependentRunsEveryCallOnce() {
        let count = 36
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
        hits.initialize(repeating: 0, count: count)
        defer { hits.deallocate() }
        let box = SendableBox(hits)
        BLAS.independent(count, work: BLAS.splitWork) { i in box.value[i] += 1 }
        XCTAssertEqual((0..<count).map { hits[$0] }, [Int](repeating: 1, count: count))
    }
}
