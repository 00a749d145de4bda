/// Trivial baselines on the report's own ground truth, printed beside every table so a reader can
/// tell what a number means on this data: what a map that ignores the model scores.
///
/// - whole image: every pixel highlighted at every threshold (cIoU = g / 224², the box's share of
///   the frame).
/// - centre prior: a centred disc. Any centre-prior map (a Gaussian of any width, a cone)
///   thresholded once highlights a centred disc, so the baseline is the best disc: one radius for
///   the whole set, the one with the highest mean cIoU on these very boxes (an oracle choice, so
///   an upper bound on what a centre prior with one threshold reaches: "at most"). Its adaptive
///   column gives each sample the disc whose area is the sample's adaptive g (the box area;
///   vssl_eval's 25 088 when empty), as the adaptive threshold gives a map.
///
/// Both maps ignore the sound, so each negative (silence, noise, off-screen) highlights the same
/// area as the positive: pIA is that area for all three and F is computed from it as for a model.
/// Threshold-free and model-free: a baseline depends only on the ground truth.
public struct Baseline: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case wholeImage = "whole image", centrePrior = "centre prior" }
    public var kind: Kind
    public var ciouUth: Double
    public var ciouAdap: Double
    public var aucUth: Double
    public var aucAdap: Double
    /// Highlighted area (percent) of every negative map: the map does not depend on the audio.
    public var pia: Double
    public var aucN: Double
    public var fLoc: Double
    public var fAuc: Double
    /// Centre prior: the chosen disc radius in pixels of the 224² grid.
    public var radius: Int?

    /// The paper's columns in `MetricReport.paperColumns` order.
    public var paperColumns: [(name: String, value: Double)] {
        [("cIoU-Uth", ciouUth), ("cIoU-Adap", ciouAdap), ("AUC-Uth", aucUth), ("AUC-Adap", aucAdap),
         ("pIA-S", pia), ("AUC_N-S", aucN), ("pIA-N", pia), ("AUC_N-N", aucN),
         ("pIA-O", pia), ("AUC_N-O", aucN), ("F_LOC", fLoc), ("F_AUC", fAuc)]
    }

    /// Both baselines for samples with `gtPixels[i]` ground-truth pixels, of which
    /// `discCounts[i][r]` lie in the centred disc of radius r (`CentreDisc.counts`).
    public static func evaluate(gtPixels: [Int], discCounts: [[Int32]]) -> [Baseline] {
        guard !gtPixels.isEmpty else { return [] }
        let total = Double(MapResize.side * MapResize.side)
        func make(_ kind: Kind, uth: [Double], adap: [Double], area: Double, radius: Int?) -> Baseline {
            let c = CIoU.meanIoU(uth), a = CIoU.auc(uth)
            let pia = PIA.mean([area]), aucN = PIA.auc([area])
            return Baseline(kind: kind, ciouUth: c, ciouAdap: CIoU.successRate(adap), aucUth: a, aucAdap: CIoU.auc(adap),
                            pia: pia, aucN: aucN, fLoc: FMeasure.loc(ciou: c, pia: (pia, pia, pia)),
                            fAuc: FMeasure.auc(auc: a, aucN: (aucN, aucN, aucN)), radius: radius)
        }
        let whole = gtPixels.map { Double($0) / total }
        let disc = CentreDisc.area
        func iou(_ i: Int, _ r: Int) -> Double {
            CIoU.value(intersection: Int(discCounts[i][r]), gtPixels: gtPixels[i], falsePositives: disc[r] - Int(discCounts[i][r]))
        }
        var best = 1, bestMean = -Double.infinity
        for r in 1..<disc.count {
            let m = CIoU.meanIoU(gtPixels.indices.map { iou($0, r) })
            if m > bestMean { bestMean = m; best = r }
        }
        let adaptive = gtPixels.indices.map { i -> Double in
            let g = gtPixels[i] == 0 ? Int(total) / 2 : gtPixels[i]
            let r = disc.firstIndex { $0 >= g } ?? disc.count - 1
            return iou(i, r)
        }
        return [make(.wholeImage, uth: whole, adap: whole, area: 1, radius: nil),
                make(.centrePrior, uth: gtPixels.indices.map { iou($0, best) }, adap: adaptive,
                     area: Double(disc[best]) / total, radius: best)]
    }
}

/// Centred discs on the 224² grid: pixel (x, y) lies in the disc of radius r when its centre is
/// within r pixels of the image centre (112, 112).
public enum CentreDisc {
    /// Smallest radius whose disc holds each pixel, row-major.
    static let ring: [Int] = {
        let s = MapResize.side
        return (0..<(s * s)).map { k in
            let dx = Double(2 * (k % s) + 1 - s), dy = Double(2 * (k / s) + 1 - s)
            return Int(((dx * dx + dy * dy).squareRoot() / 2).rounded(.up))
        }
    }()
    /// Pixels in the disc of each radius 0…max.
    public static let area: [Int] = {
        var a = [Int](repeating: 0, count: ring.max()! + 1)
        for r in ring { a[r] += 1 }
        for r in 1..<a.count { a[r] += a[r - 1] }
        return a
    }()

    /// Ground-truth pixels in the disc of each radius (same length as `area`).
    public static func counts(_ gt: GroundTruthMap?) -> [Int32] {
        var c = [Int32](repeating: 0, count: area.count)
        guard let gt, !gt.isEmpty else { return c }
        for (k, p) in gt.pixels.enumerated() where p != 0 { c[ring[k]] += 1 }
        for r in 1..<c.count { c[r] += c[r - 1] }
        return c
    }
}
