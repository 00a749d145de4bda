/// Counts the pixels of a map's 224×224 upsampling (`MapResize.linear`) that lie strictly above a
/// threshold, without materialising the 50 176 values. This is what makes moving the threshold in
/// the explorer cheap: a dataset keeps only its raw 14×14 maps (784 bytes each) and every
/// threshold-dependent figure (cIoU at U, pIA per negative) is recounted from them.
///
/// How: the upsampled map is a grid of cells (15×15 for a 14×14 map) whose pixels are convex
/// combinations of the same four raw values. A cell whose four corners are all clearly above the
/// threshold counts whole, one clearly below counts nothing, and only the cells the level line
/// crosses are evaluated row by row: a cell row is linear in x, so its two end pixels decide it
/// unless the level line crosses it, and only those rows are evaluated pixel by pixel, always with
/// the very arithmetic of `MapResize.linear`, so the counts are exactly those of thresholding the
/// full map ("clearly" leaves a 1e-6 relative margin for float rounding, inside which pixels are
/// evaluated).
///
/// Cost per map and threshold: O(cells + crossed cells × pixels per cell), typically 225 corner
/// tests plus 10–40 cells of 256 pixels: 5–15 µs for a 14×14 map, against ~60 µs to upsample and
/// ~2 ms to sort. Memory: the raw map plus one Int32 per cell when a ground truth is attached.
public struct ThresholdCounter: Sendable {
    public let map: SimilarityMap
    let plan: MapResize.Plan
    let gt: [UInt8]?
    /// Ground-truth pixels per cell, row-major over (y run, x run).
    let cellGT: [Int32]

    public init(map: SimilarityMap, groundTruth: GroundTruthMap? = nil) {
        self.map = map
        plan = MapResize.Plan.forMap(width: map.width, height: map.height)
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

    /// Pixels with value > `threshold` (compared in Double, as vssl_eval compares float32 maps with
    /// float64 thresholds), split into those on ground-truth pixels and the rest. Without a ground
    /// truth every pixel counts as outside.
    public func count(above threshold: Double) -> (inside: Int, outside: Int) {
        let side = MapResize.side
        var inside = 0, outside = 0
        // Scratch rows for one cell's horizontal pass (cells are at most `side` wide).
        var h0 = [Float](repeating: 0, count: side), h1 = h0
        map.values.withUnsafeBufferPointer { s in
            let w = map.width
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
                    // Horizontal pass for the cell's columns, then each pixel's vertical lerp.
                    let x0i = xr.lowerBound
                    for x in xr {
                        h0[x - x0i] = MapResize.lerp(s00, s01, plan.x.w1[x])
                        h1[x - x0i] = MapResize.lerp(s10, s11, plan.x.w1[x])
                    }
                    let xLast = xr.upperBound - 1 - x0i
                    for y in yr {
                        let b1 = plan.y.w1[y]
                        // A row of a cell is linear in x up to rounding: test its two ends first.
                        let vL = Double(MapResize.lerp(h0[0], h1[0], b1)), vR = Double(MapResize.lerp(h0[xLast], h1[xLast], b1))
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
                            let v = MapResize.lerp(h0[x - x0i], h1[x - x0i], b1)
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
