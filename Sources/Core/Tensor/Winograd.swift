import Foundation

/// Winograd F(2×2, 3×3) for 3×3, stride-1, pad-1 convolutions (Lavin & Gray 2016): each 2×2
/// output tile costs 16 multiplies instead of 36, so the GEMM work drops 2.25×. The input is cut
/// into overlapping 4×4 tiles, transformed (V = Bᵀ d B), multiplied per transform position ξ by
/// the transformed filters (M[ξ] = U[ξ] · V[ξ], 16 GEMMs Cout × Cin × tiles) and transformed back
/// (Y = Aᵀ M A). The transform constants are 0, ±½, ±1, so float32 error stays at a few ulps of
/// the direct convolution (checked against the golden tensors).
public enum Winograd {
    /// Working-set target of one block of tiles (transformed input + products); nil chooses by
    /// width. Measured (1 thread): 64-channel convs run fastest in ~1 MB blocks (they stay in L2),
    /// wider ones fastest unblocked, where the GEMMs get their widest N.
    nonisolated(unsafe) public static var blockBytes: Int? = nil

    static func blockBudget(channels ci: Int, outChannels co: Int) -> Int {
        blockBytes ?? (ci + co <= 128 ? 1 << 20 : 32 << 20)
    }

    /// U[ξ][co][ci] = (G g Gᵀ)[ξ] for weights (Cout, Cin, 3, 3) → 16·Cout·Cin floats.
    public static func transformWeights(_ w: Tensor) -> Tensor {
        let co = w.shape[0], ci = w.shape[1], n = co * ci
        let u = Tensor(shape: [16, co, ci])
        let src = w.data, dst = u.data
        Parallel.chunks(n, costPerItem: 64) { r in
            for p in r {
                let g = src + p * 9
                // t = G g (4×3), then t Gᵀ (4×4).
                var t = [Float](repeating: 0, count: 12)
                for j in 0..<3 {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    t[j] = g0
                    t[3 + j] = 0.5 * (g0 + g1 + g2)
                    t[6 + j] = 0.5 * (g0 - g1 + g2)
                    t[9 + j] = g2
                }
                for i in 0..<4 {
                    let a = t[i * 3], b = t[i * 3 + 1], c = t[i * 3 + 2]
                    dst[(i * 4 + 0) * n + p] = a
                    dst[(i * 4 + 1) * n + p] = 0.5 * (a + b + c)
                    dst[(i * 4 + 2) * n + p] = 0.5 * (a - b + c)
                    dst[(i * 4 + 3) * n + p] = c
                }
            }
        }
        return u
    }

    /// One image x (Cin, H, W) → y (Cout, H, W), with `u` from `transformWeights`. Tiles are
    /// processed in blocks of tile rows so the transformed input and products stay near cache.
    public static func forward(_ x: UnsafePointer<Float>, channels ci: Int, height H: Int, width W: Int,
                               u: Tensor, outChannels co: Int, into y: UnsafeMutablePointer<Float>) {
        let th = (H + 1) / 2, tw = (W + 1) / 2
        // Aim for the block budget of V + M per block, but at least 128 tiles wide for the GEMMs.
        let perTile = 16 * (ci + co) * 4
        let rowsPerBlock = max(1, min(th, max(128 / tw + 1, blockBudget(channels: ci, outChannels: co) / (perTile * tw))))
        let maxTiles = rowsPerBlock * tw
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * ci * maxTiles)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * co * maxTiles)
        defer { v.deallocate(); m.deallocate() }
        var ty0 = 0
        while ty0 < th {
            let ty1 = min(th, ty0 + rowsPerBlock), nt = (ty1 - ty0) * tw
            inputTransform(x, ci, H, W, tileRows: ty0..<ty1, tw: tw, into: v, stride: nt)
            for xi in 0..<16 {
                BLAS.sgemm(m: co, n: nt, k: ci, a: u.data + xi * co * ci, lda: ci,
                           b: v + xi * ci * nt, ldb: nt, c: m + xi * co * nt, ldc: nt)
            }
            outputTransform(m, co, H, W, tileRows: ty0..<ty1, tw: tw, stride: nt, into: y)
            ty0 = ty1
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for the 4×4 patch d at (2ty − 1, 2tx − 1), zero outside.
    /// Works a tile row at a time: the four zero-padded input rows are combined once (Bᵀ d,
    /// contiguous and vectorisable), then each tile's 4 columns (· B) are read from them.
    static func inputTransform(_ x: UnsafePointer<Float>, _ C: Int, _ H: Int, _ W: Int, tileRows: Range<Int>, tw: Int,
                               into v: UnsafeMutablePointer<Float>, stride nt: Int) {
        let plane = C * nt
        let pw = 2 * tw + 2   // padded row: input columns −1 … 2·tw
        Parallel.chunks(C, costPerItem: nt * 32) { cs in
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: 8 * pw)
            defer { rows.deallocate() }
            let d = rows, comb = rows + 4 * pw
            for c in cs {
                let xc = x + c * H * W
                for ty in tileRows {
                    // The four padded input rows d_r, r = 0…3, at input row 2ty − 1 + r.
                    for r in 0..<4 {
                        let iy = 2 * ty - 1 + r, dr = d + r * pw
                        dr.update(repeating: 0, count: pw)
                        if iy >= 0 && iy < H { (dr + 1).update(from: xc + iy * W, count: min(W, pw - 1)) }
                    }
                    // Bᵀ d: k0 = d0 − d2, k1 = d1 + d2, k2 = d2 − d1, k3 = d1 − d3.
                    let d0 = d, d1 = d + pw, d2 = d + 2 * pw, d3 = d + 3 * pw
                    let k0 = comb, k1 = comb + pw, k2 = comb + 2 * pw, k3 = comb + 3 * pw
                    for j in 0..<pw {
                        k0[j] = d0[j] - d2[j]; k1[j] = d1[j] + d2[j]; k2[j] = d2[j] - d1[j]; k3[j] = d1[j] - d3[j]
                    }
                    // (·) B on each tile's columns 2tx … 2tx+3, ξ = 4·row + col.
                    let base = v + c * nt + (ty - tileRows.lowerBound) * tw
                    for row in 0..<4 {
                        let k = comb + row * pw
                        let o0 = base + (row * 4) * plane, o1 = o0 + plane, o2 = o1 + plane, o3 = o2 + plane
                        for tx in 0..<tw {
                            let a = k[2 * tx], b = k[2 * tx + 1], e = k[2 * tx + 2], f = k[2 * tx + 3]
                            o0[tx] = a - e; o1[tx] = b + e; o2[tx] = e - b; o3[tx] = b - f
                        }
                    }
                }
            }
        }
    }

    /// y[co, 2ty + i, 2tx + j] = (Aᵀ m A)[i, j] for the 4×4 products m of each tile.
    static func outputTransform(_ m: UnsafePointer<Float>, _ C: Int, _ H: Int, _ W: Int, tileRows: Range<Int>, tw: Int,
                                stride nt: Int, into y: UnsafeMutablePointer<Float>) {
        let plane = C * nt
        Parallel.chunks(C, costPerItem: nt * 32) { cs in
            for c in cs {
                let yc = y + c * H * W
                for ty in tileRows {
                    for tx in 0..<tw {
                        let base = m + c * nt + (ty - tileRows.lowerBound) * tw + tx
                        @inline(__always) func e(_ i: Int) -> Float { base[i * plane] }
                        // Aᵀ m: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 (rows of 4).
                        let s00 = e(0) + e(4) + e(8), s01 = e(1) + e(5) + e(9), s02 = e(2) + e(6) + e(10), s03 = e(3) + e(7) + e(11)
                        let s10 = e(4) - e(8) - e(12), s11 = e(5) - e(9) - e(13), s12 = e(6) - e(10) - e(14), s13 = e(7) - e(11) - e(15)
                        let oy = 2 * ty, ox = 2 * tx
                        let o = yc + oy * W + ox
                        let right = ox + 1 < W, below = oy + 1 < H
                        o[0] = s00 + s01 + s02
                        if right { o[1] = s01 - s02 - s03 }
                        if below {
                            o[W] = s10 + s11 + s12
                            if right { o[W + 1] = s11 - s12 - s13 }
                        }
                    }
                }
            }
        }
    }
}
