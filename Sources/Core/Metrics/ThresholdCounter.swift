/// Counts the pixels of a map's 224×224 post-processed upsampling (`MapPostProcessing.upsample`:
/// cv2 or align-corners bilinear, or Grad-CAM's min–max around cv2) that lie strictly above a
/// threshold, without materialising the 50 176 values. This is what makes moving the threshold in
/// the explorer cheap: a dataset keeps only its raw 14×14 maps (784 bytes each) and every
/// threshold-dependent figure (cIoU at U, pIA per negative) is recounted from them.
///
/// How: the upsampled map is a grid of cells (15×15 for a 14×14 map with cv2) whose pixels are
/// convex combinations of the same four raw values. A cell whose four corners are all clearly
/// above the threshold counts whole, one clearly below counts nothing, and only the cells the
/// level line crosses are evaluated row by row: a cell row is linear in x, so its two end pixels
/// decide it unless the level line crosses it, and only those rows are evaluated pixel by pixel,
/// always with the very arithmetic of `MapResize.upsample` (`MapResize.blend`, either kernel), so
/// the counts are exactly those of thresholding the full map ("clearly" leaves a 1e-6 relative
/// margin for float rounding, inside which pixels are evaluated).
///
/// Grad-CAM (RCGrad): the 224² map is y = (max(0, x) − lo)/d of the cv2 upsampling x of the
/// min–max'd native map (`MapResize.gradCAM`), with lo and d fixed per map (taken once, at init,
/// from one full upsampling). y is non-decreasing in x in float32 arithmetic too, so y > t exactly
/// when x > x*, the largest float whose y is ≤ t (found by bisection over float bit patterns);
/// the cells then count x > x*. The comparison's precision (`MapPostProcessing.Comparison`) is
/// applied to the threshold first (`comparedThreshold`).
///
/// Cost per map and threshold: O(cells + crossed cells × pixels per cell), typically 225 corner
/// tests plus 10–40 cells of 256 pixels: 5–15 µs for a 14×14 map, against ~60 µs to upsample and
/// ~2 ms to sort. Memory: the raw map plus one Int32 per cell when a ground truth is attached.
public struct ThresholdCounter: Sendable {
    /// The native map as scored.
    public let map: SimilarityMap
    /// How it becomes the thresholded 224² map (resolved: see `MapPostProcessing.resolved`).
    public let postProcessing: MapPostProcessing
    /// Whether `map` is a silence, noise or off-screen map (cv2 whatever the positive takes).
    public let negative: Bool
    /// The native map whose upsampling the cells count: `map`, or Grad-CAM's min–max'd `map`.
    let counted: SimilarityMap
    let plan: MapResize.Plan
    /// Grad-CAM's second `scale_cam_image` on the upsampled `counted`: y = (max(0, x) − lo)/d,
    /// and the range of x (min, max) over the 224² pixels.
    let affine: (lo: Float, d: Float, xMin: Float, xMax: Float)?
    let gt: [UInt8]?
    /// Ground-truth pixels per cell, row-major over (y run, x run).
    let cellGT: [Int32]

    public init(map: SimilarityMap, postProcessing: MapPostProcessing = .sslTie, negative: Bool = false,
                groundTruth: GroundTruthMap? = nil) {
        self.map = map; self.postProcessing = postProcessing; self.negative = negative
        let kernel = postProcessing.kernel(negative: negative)
        plan = MapResize.Plan.forMap(width: map.width, height: map.height, kernel: kernel)
        if postProcessing.scale == .gradCAM {
            counted = SimilarityMap(width: map.width, height: map.height, values: MapResize.scaleCAM(map.values))
            // The lo and d of `MapResize.gradCAM`'s second `scaleCAM`, computed as it computes them.
            let x = MapResize.upsample(counted, kernel: kernel)
            let r = x.map { Swift.max(0, $0) }
            let lo = r.min() ?? 0
            let d = Float(1e-7) + (r.map { $0 - lo }.max() ?? 0)
            // x ≥ 0 (cv2 of non-negative values); +0 keeps the bit patterns ordered for the bisection.
            let xMin = x.min() ?? 0
            affine = (lo, d, xMin <= 0 ? 0 : xMin, x.max() ?? 0)
        } else {
            counted = map
            affine = nil
        }
        gt = groundTruth?.pixels
        var cells = [Int32]()
        if let g = groundTruth?.pixels {
            cells.reserveCapacity(plan.x.runs.count * plan.y.runs.count)
            for yr in plan.y.runs {
                for xr in plan.x.runs {
                    var c: Int32 = 0
                    for y in yr { for x in xr where g[y * MapResize.side + x] != 0 { c += 1 } }
                    cells.append(c)
                }
            }
        }
        cellGT = cells
    }

    /// The threshold on the values the cells interpolate (`counted`'s upsampling) that selects
    /// exactly the pixels whose post-processed value is > `threshold` under the comparison.
    func countedThreshold(_ threshold: Double) -> Double {
        let t = postProcessing.comparedThreshold(threshold)
        guard let a = affine, !t.isNaN else { return t }
        @inline(__always) func y(_ x: Float) -> Double { Double((Swift.max(0, x) - a.lo) / a.d) }
        if y(a.xMin) > t { return -.infinity }
        if y(a.xMax) <= t { return .infinity }
        // Bisection over the (ordered) bit patterns of non-negative floats: y(lo) ≤ t < y(hi).
        var lo = a.xMin.bitPattern, hi = a.xMax.bitPattern
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if y(Float(bitPattern: mid)) <= t { lo = mid } else { hi = mid }
        }
        return Double(Float(bitPattern: lo))
    }

    /// Pixels with post-processed value > `threshold` (compared as `postProcessing.comparison`
    /// says: vssl_eval compares float32 maps with float64 SSL-TIE constants and float32 others),
    /// split into those on ground-truth pixels and the rest. Without a ground truth every pixel
    /// counts as outside.
    public func count(above threshold: Double) -> (inside: Int, outside: Int) {
        let threshold = countedThreshold(threshold)
        let side = MapResize.side, kernel = plan.kernel
        var inside = 0, outside = 0
        // Scratch rows for one cell's horizontal pass (cells are at most `side` wide).
        var h0 = [Float](repeating: 0, count: side), h1 = h0
        counted.values.withUnsafeBufferPointer { s in
            let w = counted.width
            var cell = 0
            for yr in plan.y.runs {
                let y0 = plan.y.i0[yr.lowerBound], y1 = plan.y.i1[yr.lowerBound]
                for xr in plan.x.runs {
                    defer { cell += 1 }
                    let x0 = plan.x.i0[xr.lowerBound], x1 = plan.x.i1[xr.lowerBound]
                    let s00 = s[y0 * w + x0], s01 = s[y0 * w + x1], s10 = s[y1 * w + x0], s11 = s[y1 * w + x1]
                    let lo = Double(Swift.min(Swift.min(s00, s01), Swift.min(s10, s11)))
                    let hi = Double(Swift.max(Swift.max(s00, s01), Swift.max(s10, s11)))
                    let size = yr.count * xr.count
                    if !lo.isNaN && !hi.isNaN {
                        let margin = Swift.max(abs(lo), abs(hi)) * 1e-6 + 1e-30
                        if lo - margin > threshold {
                            let g = gt == nil ? 0 : Int(cellGT[cell])
                            inside += g; outside += size - g
                            continue
                        }
                        if hi + margin <= threshold { continue }
                    }
                    // Horizontal pass for the cell's columns, then each pixel's vertical blend.
                    let x0i = xr.lowerBound
                    for x in xr {
                        h0[x - x0i] = MapResize.blend(kernel, s00, s01, plan.x.w0[x], plan.x.w1[x])
                        h1[x - x0i] = MapResize.blend(kernel, s10, s11, plan.x.w0[x], plan.x.w1[x])
                    }
                    let xLast = xr.upperBound - 1 - x0i
                    for y in yr {
                        let a0 = plan.y.w0[y], a1 = plan.y.w1[y]
                        // A row of a cell is linear in x up to rounding: test its two ends first.
                        let vL = Double(MapResize.blend(kernel, h0[0], h1[0], a0, a1))
                        let vR = Double(MapResize.blend(kernel, h0[xLast], h1[xLast], a0, a1))
                        let rlo = Swift.min(vL, vR), rhi = Swift.max(vL, vR)
                        let rm = Swift.max(abs(rlo), abs(rhi)) * 1e-6 + 1e-30
                        if rhi + rm <= threshold { continue }
                        if rlo - rm > threshold {
                            if let g = gt {
                                var gi = 0
                                for x in xr where g[y * side + x] != 0 { gi += 1 }
                                inside += gi; outside += xr.count - gi
                            } else {
                                outside += xr.count
                            }
                            continue
                        }
                        for x in xr {
                            let v = MapResize.blend(kernel, h0[x - x0i], h1[x - x0i], a0, a1)
                            if Double(v) > threshold {
                                if let g = gt, g[y * side + x] != 0 { inside += 1 } else { outside += 1 }
                            }
                        }
                    }
                }
            }
        }
        return (inside, outside)
    }

    /// Number of upsampled pixels > `threshold` (the numerator of pIA).
    public func area(above threshold: Double) -> Int {
        let c = count(above: threshold)
        return c.inside + c.outside
    }
}
