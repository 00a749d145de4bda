import Foundation
import Core

/// Pixel counts of one sample's upsampled (224×224) maps above every threshold on a fine grid,
/// so per-sample IoU/pIA and the dataset figures update at once when the threshold moves.
/// Exact for thresholds on the grid (multiples of `step`), the grid the +/-/]/[ keys move on.
public struct ThresholdCounts: Sendable, Equatable {
    public static let lo = -1.0
    public static let step = 0.001
    public static let edges = 2001
    public static let side = 224

    /// Pixels of the ground truth.
    public var gtTotal: Int
    /// counts[k] = pixels with value > edge k, for: positive ∩ gt, positive ∖ gt, silence, noise, offscreen.
    public var posGT: [UInt16]
    public var posOut: [UInt16]
    public var negatives: [[UInt16]]

    public static func edgeIndex(_ t: Double) -> Int {
        min(edges - 1, max(0, Int(((t - lo) / step).rounded())))
    }
    @inline(__always) static func edge(_ k: Int) -> Double { lo + Double(k) * step }

    /// Number of edges strictly below v.
    @inline(__always) static func below(_ v: Double) -> Int {
        var c = Int(((v - lo) / step).rounded(.up))
        c = min(edges, max(0, c))
        while c > 0 && edge(c - 1) >= v { c -= 1 }
        while c < edges && edge(c) < v { c += 1 }
        return c
    }

    static func accumulate(_ values: [Float], where keep: ((Int) -> Bool)? = nil) -> [UInt16] {
        var diff = [Int32](repeating: 0, count: edges + 1)
        for (i, v) in values.enumerated() where keep?(i) ?? true {
            diff[below(Double(v))] += 1
        }
        // counts[k] = #values with below(v) > k = sum of diff[j] for j > k.
        var out = [UInt16](repeating: 0, count: edges)
        var run: Int32 = diff[edges]
        for k in stride(from: edges - 1, through: 0, by: -1) {
            out[k] = UInt16(clamping: run)
            run += diff[k]
        }
        return out
    }

    public init(positive: SimilarityMap, negatives: [SimilarityMap], groundTruth: [UInt8]) {
        let up = Upsample.bilinear(positive, side: Self.side)
        gtTotal = groundTruth.reduce(0) { $0 + Int($1) }
        posGT = Self.accumulate(up) { groundTruth[$0] != 0 }
        posOut = Self.accumulate(up) { groundTruth[$0] == 0 }
        self.negatives = negatives.map { Self.accumulate(Upsample.bilinear($0, side: Self.side)) }
    }

    /// IoU at threshold t (cIoU with a binary gt); NaN when gt and prediction are both empty.
    public func iou(_ t: Double) -> Double {
        let k = Self.edgeIndex(t)
        let inter = Double(posGT[k]), out = Double(posOut[k])
        let denom = Double(gtTotal) + out
        return denom == 0 ? .nan : inter / denom
    }

    /// Fraction of the image above t for negative kind i (0 silence, 1 noise, 2 offscreen).
    public func pia(_ i: Int, _ t: Double) -> Double {
        guard i < negatives.count else { return .nan }
        return Double(negatives[i][Self.edgeIndex(t)]) / Double(Self.side * Self.side)
    }
}

/// cv2 INTER_LINEAR upsampling (half-pixel centres, replicated border) of a map to side × side.
public enum Upsample {
    public static func bilinear(_ m: SimilarityMap, side: Int) -> [Float] {
        var out = [Float](repeating: 0, count: side * side)
        func coeffs(_ n: Int) -> [(Int, Int, Float)] {
            (0..<side).map { d in
                var s = (Float(d) + 0.5) * (Float(n) / Float(side)) - 0.5
                if s < 0 { s = 0 }
                var i0 = Int(s.rounded(.down))
                var f = s - Float(i0)
                if i0 >= n - 1 { i0 = n - 1; f = 0 }
                return (i0, min(n - 1, i0 + 1), f)
            }
        }
        let cx = coeffs(m.width), cy = coeffs(m.height)
        var rows = [Float](repeating: 0, count: m.height * side)
        for y in 0..<m.height {
            for (x, c) in cx.enumerated() {
                let a = m.values[y * m.width + c.0], b = m.values[y * m.width + c.1]
                rows[y * side + x] = a * (1 - c.2) + b * c.2
            }
        }
        for (y, c) in cy.enumerated() {
            for x in 0..<side {
                out[y * side + x] = rows[c.0 * side + x] * (1 - c.2) + rows[c.1 * side + x] * c.2
            }
        }
        return out
    }
}

/// One sample's scores from the background scorer.
public struct SampleScore: Sendable, Equatable {
    /// Max of the raw map for positive, silence, noise, offscreen.
    public var maxes: [Float]
    public var counts: ThresholdCounts?
    public init(maxes: [Float], counts: ThresholdCounts?) { self.maxes = maxes; self.counts = counts }
}

/// Dataset-wide figures at one threshold (percent, as in the paper).
public struct DatasetFigures: Sendable, Equatable {
    public var scored = 0
    public var cIoU = Double.nan
    public var pIA: [Double] = [.nan, .nan, .nan]
    public var fLoc = Double.nan
    public var universal: Double?
    public var q1Positive: Double?
    public var separability: Double?

    /// numpy percentile with linear interpolation.
    public static func quantile(_ v: [Float], _ q: Double) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.map(Double.init).sorted()
        let pos = q * Double(s.count - 1)
        let i = Int(pos.rounded(.down)), f = pos - Double(i)
        return i + 1 < s.count ? s[i] + (s[i + 1] - s[i]) * f : s[i]
    }

    public static func compute(_ scores: [SampleScore?], threshold t: Double) -> DatasetFigures {
        var d = DatasetFigures()
        var pos: [Float] = [], neg: [Float] = []
        var ious: [Double] = [], pias: [[Double]] = [[], [], []]
        for s in scores.compactMap({ $0 }) {
            d.scored += 1
            pos.append(s.maxes[0]); neg.append(contentsOf: s.maxes[1...3])
            if let c = s.counts {
                let i = c.iou(t); ious.append(i.isNaN ? 0 : i)
                for k in 0..<3 { pias[k].append(c.pia(k, t)) }
            }
        }
        guard d.scored > 0 else { return d }
        d.universal = quantile(neg, 0.75)
        d.q1Positive = quantile(pos, 0.25)
        if let q1 = d.q1Positive, let u = d.universal { d.separability = q1 - u }
        if !ious.isEmpty {
            d.cIoU = 100 * ious.reduce(0, +) / Double(ious.count)
            d.pIA = pias.map { 100 * $0.reduce(0, +) / Double(max(1, $0.count)) }
            let pbar = d.pIA.map { 100 - $0 }.reduce(0, +) / 3
            d.fLoc = (d.cIoU + pbar) == 0 ? .nan : 2 * d.cIoU * pbar / (d.cIoU + pbar)
        }
        return d
    }
}
