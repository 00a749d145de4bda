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

    /// Samples of a batch whose tiles share one set of 16 GEMMs: a small plane (14×14 → 49
    /// tiles) gives GEMMs too narrow for OpenBLAS to run at speed, so several samples' tiles are
    /// laid side by side, up to `groupTiles` tiles and the block budget. Measured at batch 16
    /// (best of 6, 2 threads): the image encoder 731–760 ms ungrouped, 673 ms with 256 tiles
    /// (5 samples of 14×14); 512 tiles gained nothing more and doubles the scratch.
    nonisolated(unsafe) public static var groupTiles = 256

    /// Images x (B, Cin, H, W) → y (B, Cout, H, W), with `u` from `transformWeights`. A large
    /// plane is processed a block of tile rows at a time so the transformed input and products
    /// stay near cache; small planes of several samples share their GEMMs (`groupTiles`).
    public static func forward(_ x: UnsafePointer<Float>, batch B: Int = 1, channels ci: Int, height H: Int, width W: Int,
                               u: Tensor, outChannels co: Int, into y: UnsafeMutablePointer<Float>) {
        let th = (H + 1) / 2, tw = (W + 1) / 2, tiles = th * tw
        let inStride = ci * H * W, outStride = co * H * W
        // Aim for the block budget of V + M per block, but at least 128 tiles wide for the GEMMs.
        let perTile = 16 * (ci + co) * 4
        let budget = blockBudget(channels: ci, outChannels: co)
        let rowsPerBlock = max(1, min(th, max(128 / tw + 1, budget / (perTile * tw))))
        let group = rowsPerBlock < th ? 1 : max(1, min(B, groupTiles / tiles, budget / (perTile * tiles)))
        let maxTiles = group > 1 ? group * tiles : rowsPerBlock * tw
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * ci * maxTiles)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * co * maxTiles)
        defer { v.deallocate(); m.deallocate() }
        func products(_ nt: Int) { Winograd.products(16, u: u, v: v, m: m, channels: ci, outChannels: co, tiles: nt) }
        var b0 = 0
        while b0 < B {
            let nb = min(group, B - b0)
            if nb > 1 {
                // Whole samples side by side: sample s's tiles are columns s·tiles ..< (s+1)·tiles.
                let nt = nb * tiles
                for s in 0..<nb { inputTransform(x + (b0 + s) * inStride, ci, H, W, tileRows: 0..<th, tw: tw, into: v + s * tiles, stride: nt) }
                products(nt)
                for s in 0..<nb { outputTransform(m + s * tiles, co, H, W, tileRows: 0..<th, tw: tw, stride: nt, into: y + (b0 + s) * outStride) }
            } else {
                let xs = x + b0 * inStride, ys = y + b0 * outStride
                var ty0 = 0
                while ty0 < th {
                    let ty1 = min(th, ty0 + rowsPerBlock), nt = (ty1 - ty0) * tw
                    inputTransform(xs, ci, H, W, tileRows: ty0..<ty1, tw: tw, into: v, stride: nt)
                    products(nt)
                    outputTransform(m, co, H, W, tileRows: ty0..<ty1, tw: tw, stride: nt, into: ys)
                    ty0 = ty1
                }
            }
            b0 += nb
        }
    }

    /// M[ξ] = U[ξ] · V[ξ] for each of the `positions` transform positions (16 for F(2×2), 36 for
    /// F(4×4)): Cout × Cin times Cin × `tiles`, one GEMM per position, dealt out to the workers.
    static func products(_ positions: Int, u: Tensor, v: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                         channels ci: Int, outChannels co: Int, tiles nt: Int) {
        BLAS.independent(positions, work: co * nt * ci) { xi in
            BLAS.sgemm(m: co, n: nt, k: ci, a: u.data + xi * co * ci, lda: ci,
                       b: v + xi * ci * nt, ldb: nt, c: m + xi * co * nt, ldc: nt, split: false)
        }
    }

    /// Input rows `first ..< first + count` of one H×W plane, each copied into a row of `width`
    /// floats at column 1 (column 0 is the left padding), zero outside the plane: the patches
    /// both tile sizes transform.
    @inline(__always)
    static func paddedRows(_ xc: UnsafePointer<Float>, _ H: Int, _ W: Int, from first: Int, count: Int,
                           into d: UnsafeMutablePointer<Float>, width pw: Int) {
        for r in 0..<count {
            let iy = first + r, dr = d + r * pw
            dr.update(repeating: 0, count: pw)
            if iy >= 0 && iy < H { (dr + 1).update(from: xc + iy * W, count: min(W, pw - 1)) }
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
                    paddedRows(xc, H, W, from: 2 * ty - 1, count: 4, into: d, width: pw)
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

// MARK: - F(4×4, 3×3)

/// Winograd F(4×4, 3×3) (Lavin & Gray 2016, interpolation points 0, ±1, ±2, ∞): each 4×4 output
/// tile costs 36 multiplies instead of 144, 2.25 per output against F(2×2)'s 4, so the GEMM work
/// drops another 1.78× where the plane tiles well. The price is accuracy: the transforms carry
/// constants up to 8 (Aᵀ) and 1/24 (G), so rounding grows to about ten times F(2×2)'s — still
/// an order of magnitude inside the golden tolerances (1e-5 of each tensor's absmax; checked by
/// the golden tests and `WinogradTests`). The output transform applies the convolution's
/// epilogue (BN, residual, ReLU) as it writes each row, so no pass over the output is left.
extension Winograd {
    /// Tile sizes the forward can use.
    public enum Tile: Int, Sendable, CaseIterable {
        case f2 = 2, f4 = 4
    }

    /// Forces one tile size for every eligible convolution (bench comparisons); nil chooses per
    /// layer with `tile(height:width:)`.
    nonisolated(unsafe) public static var forcedTile: Tile? = nil

    /// The tile for a convolution of `ci` → `co` channels on an H×W plane: F(4×4) where its GEMM
    /// work (36 per tile, tiles padded to multiples of 4) is at most 3/4 of F(2×2)'s (16 per tile),
    /// and either the transformed filters stay small (at most 128 channels either side:
    /// 36·128·128·4 B = 2.4 MB) or, at 512 channels, the plane gives each GEMM at least 48 tiles
    /// to reuse the filters it packs. Measured at batch 1 on 2 cores (`sslsan bench --profile-layers
    /// --winograd-tile 2|4`, best of 9, each GEMM on one core, `BLAS.independent`): F(4×4) runs
    /// ResNet-18's 64-channel layers 2.1× (56×56) and 1.5× (65×168) faster and the 128-channel ones
    /// 1.15–1.25× faster; at 512 channels it is 1.25–1.35× faster on 17×42 (55 tiles: 14.4–16.2 →
    /// 11.7–11.9 ms; 256 → 512: 1.1×) but 1.15–1.3× slower on 14×14 (16 tiles), where each of
    /// the 36 filter matrices OpenBLAS packs serves too few columns. 256 channels on 17×42 ran
    /// even, so they keep F(2×2)'s smaller rounding (the golden audio layer3 error is 4.5× smaller).
    public static func tile(height H: Int, width W: Int, channels ci: Int, outChannels co: Int) -> Tile {
        if let forcedTile { return forcedTile }
        let f4Tiles = ((H + 3) / 4) * ((W + 3) / 4)
        let f2 = 16 * ((H + 1) / 2) * ((W + 1) / 2), f4 = 36 * f4Tiles
        let wide = max(ci, co)
        return (wide <= 128 || (wide >= 512 && f4Tiles >= 48)) && 4 * f4 <= 3 * f2 ? .f4 : .f2
    }

    /// U[ξ][co][ci] = (G g Gᵀ)[ξ], ξ = 6i + j, for weights (Cout, Cin, 3, 3) → 36·Cout·Cin floats.
    /// Computed in Double and rounded once (the filters are transformed once per weight change).
    public static func transformWeightsF4(_ w: Tensor) -> Tensor {
        let co = w.shape[0], ci = w.shape[1], n = co * ci
        let u = Tensor(shape: [36, co, ci])
        let src = w.data, dst = u.data
        let G: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                             [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        Parallel.chunks(n, costPerItem: 256) { r in
            var t = [Double](repeating: 0, count: 18)
            for p in r {
                let g = src + p * 9
                // t = G g (6×3), then t Gᵀ (6×6).
                for i in 0..<6 {
                    for j in 0..<3 { t[i * 3 + j] = G[i][0] * Double(g[j]) + G[i][1] * Double(g[3 + j]) + G[i][2] * Double(g[6 + j]) }
                }
                for i in 0..<6 {
                    for j in 0..<6 {
                        let v = t[i * 3] * G[j][0] + t[i * 3 + 1] * G[j][1] + t[i * 3 + 2] * G[j][2]
                        dst[(i * 6 + j) * n + p] = Float(v)
                    }
                }
            }
        }
        return u
    }

    /// One image x (Cin, H, W) → y (Cout, H, W) with `u` from `transformWeightsF4`; `epilogue`
    /// (for sample `sample` of the batch) is applied as the output transform writes each row.
    public static func forwardF4(_ x: UnsafePointer<Float>, channels ci: Int, height H: Int, width W: Int,
                                 u: Tensor, outChannels co: Int, into y: UnsafeMutablePointer<Float>,
                                 epilogue: ConvEpilogue, sample: Int) {
        let th = (H + 3) / 4, tw = (W + 3) / 4
        let perTile = 36 * (ci + co) * 4
        // Unblocked up to 32 MB of V + M (every ResNet-18 layer F(4×4) takes at 224 px and 10 s of
        // audio): measured faster than 1 MB blocks with OpenBLAS's own threads (65×168 × 64
        // channels: 4.5 against 5.5 ms) and even with 1 or 4 MB blocks with a GEMM per core.
        let rowsPerBlock = max(1, min(th, max(128 / tw + 1, (blockBytes ?? 32 << 20) / (perTile * tw))))
        let maxTiles = rowsPerBlock * tw
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 36 * ci * maxTiles)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: 36 * co * maxTiles)
        defer { v.deallocate(); m.deallocate() }
        var ty0 = 0
        while ty0 < th {
            let ty1 = min(th, ty0 + rowsPerBlock), nt = (ty1 - ty0) * tw
            inputTransformF4(x, ci, H, W, tileRows: ty0..<ty1, tw: tw, into: v, stride: nt)
            products(36, u: u, v: v, m: m, channels: ci, outChannels: co, tiles: nt)
            outputTransformF4(m, co, H, W, tileRows: ty0..<ty1, tw: tw, stride: nt, into: y, epilogue: epilogue, sample: sample)
            ty0 = ty1
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for the 6×6 patch d at (4ty − 1, 4tx − 1), zero outside; a tile
    /// row at a time as in F(2×2): the six padded input rows are combined once (Bᵀ d, contiguous),
    /// then each tile's six columns (· B) are read from the combinations.
    static func inputTransformF4(_ x: UnsafePointer<Float>, _ C: Int, _ H: Int, _ W: Int, tileRows: Range<Int>, tw: Int,
                                 into v: UnsafeMutablePointer<Float>, stride nt: Int) {
        let plane = C * nt
        let pw = 4 * tw + 2   // padded row: input columns −1 … 4·tw
        Parallel.chunks(C, costPerItem: nt * 72) { cs in
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: 12 * pw)
            defer { rows.deallocate() }
            let d = rows, k = rows + 6 * pw
            for c in cs {
                let xc = x + c * H * W
                for ty in tileRows {
                    paddedRows(xc, H, W, from: 4 * ty - 1, count: 6, into: d, width: pw)
                    // Bᵀ d, row by row.
                    let d0 = d, d1 = d + pw, d2 = d + 2 * pw, d3 = d + 3 * pw, d4 = d + 4 * pw, d5 = d + 5 * pw
                    let k0 = k, k1 = k + pw, k2 = k + 2 * pw, k3 = k + 3 * pw, k4 = k + 4 * pw, k5 = k + 5 * pw
                    for j in 0..<pw {
                        let a1 = d1[j], a2 = d2[j], a3 = d3[j], a4 = d4[j]
                        k0[j] = 4 * d0[j] - 5 * a2 + a4
                        k1[j] = a3 + a4 - 4 * (a1 + a2)
                        k2[j] = a4 - a3 + 4 * (a1 - a2)
                        k3[j] = a4 - a2 + 2 * (a3 - a1)
                        k4[j] = a4 - a2 + 2 * (a1 - a3)
                        k5[j] = 4 * a1 - 5 * a3 + d5[j]
                    }
                    // (·) B on each tile's columns 4tx … 4tx+5, ξ = 6·row + col.
                    let base = v + c * nt + (ty - tileRows.lowerBound) * tw
                    for row in 0..<6 {
                        let kr = k + row * pw
                        let o0 = base + (row * 6) * plane, o1 = o0 + plane, o2 = o1 + plane
                        let o3 = o2 + plane, o4 = o3 + plane, o5 = o4 + plane
                        for tx in 0..<tw {
                            let q = kr + 4 * tx
                            let a0 = q[0], a1 = q[1], a2 = q[2], a3 = q[3], a4 = q[4], a5 = q[5]
                            o0[tx] = 4 * a0 - 5 * a2 + a4
                            o1[tx] = a3 + a4 - 4 * (a1 + a2)
                            o2[tx] = a4 - a3 + 4 * (a1 - a2)
                            o3[tx] = a4 - a2 + 2 * (a3 - a1)
                            o4[tx] = a4 - a2 + 2 * (a1 - a3)
                            o5[tx] = 4 * a1 - 5 * a3 + a5
                        }
                    }
                }
            }
        }
    }

    /// y[co, 4ty + i, 4tx + j] = epilogue((Aᵀ m A)[i, j]) for the 6×6 products m of each tile. Aᵀ
    /// runs down the columns first, contiguous over the tile row (T[i][j][tx]); then each output
    /// row is formed in a scratch row of 4·tw values and written through the epilogue.
    static func outputTransformF4(_ m: UnsafePointer<Float>, _ C: Int, _ H: Int, _ W: Int, tileRows: Range<Int>, tw: Int,
                                  stride nt: Int, into y: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue, sample: Int) {
        let plane = C * nt
        let identity = epilogue.isIdentity
        Parallel.chunks(C, costPerItem: nt * 72) { cs in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 28 * tw)
            defer { scratch.deallocate() }
            let T = scratch, row = scratch + 24 * tw
            for c in cs {
                let yc = y + c * H * W
                for ty in tileRows {
                    let base = m + c * nt + (ty - tileRows.lowerBound) * tw
                    // Aᵀ m: T[i][j] = Σ_r Aᵀ[i][r] m[r][j], vectors over tx.
                    for j in 0..<6 {
                        let m0 = base + j * plane, m1 = m0 + 6 * plane, m2 = m1 + 6 * plane
                        let m3 = m2 + 6 * plane, m4 = m3 + 6 * plane, m5 = m4 + 6 * plane
                        let t0 = T + j * tw, t1 = T + (6 + j) * tw, t2 = T + (12 + j) * tw, t3 = T + (18 + j) * tw
                        for tx in 0..<tw {
                            let a1 = m1[tx], a2 = m2[tx], a3 = m3[tx], a4 = m4[tx]
                            let p12 = a1 + a2, d12 = a1 - a2, p34 = a3 + a4, d34 = a3 - a4
                            t0[tx] = m0[tx] + p12 + p34
                            t1[tx] = d12 + 2 * d34
                            t2[tx] = p12 + 4 * p34
                            t3[tx] = d12 + 8 * d34 + m5[tx]
                        }
                    }
                    // (·) A along each output row, then the epilogue on the row.
                    for i in 0..<4 {
                        let oy = 4 * ty + i
                        if oy >= H { break }
                        let ti = T + i * 6 * tw
                        let s0 = ti, s1 = ti + tw, s2 = ti + 2 * tw, s3 = ti + 3 * tw, s4 = ti + 4 * tw, s5 = ti + 5 * tw
                        for tx in 0..<tw {
                            let a1 = s1[tx], a2 = s2[tx], a3 = s3[tx], a4 = s4[tx]
                            let p12 = a1 + a2, d12 = a1 - a2, p34 = a3 + a4, d34 = a3 - a4
                            let o = row + 4 * tx
                            o[0] = s0[tx] + p12 + p34
                            o[1] = d12 + 2 * d34
                            o[2] = p12 + 4 * p34
                            o[3] = d12 + 8 * d34 + s5[tx]
                        }
                        let out = yc + oy * W
                        out.update(from: row, count: W)
                        if !identity { epilogue.apply(to: out, count: W, channel: c, sample: sample, offset: c * H * W + oy * W) }
                    }
                }
            }
        }
    }
}
