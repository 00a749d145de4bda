/// cIoU as vssl_eval's `Evaluator_iiou` computes it (SPEC §6.3–§6.6), and the two ways the paper
/// summarises a list of them. Quirks kept on purpose:
/// - `infer = pred > thr` is strict (SSL-TIE's own evaluator uses ≥; vssl_eval does not);
/// - thresholds are float64 and maps float32, compared as Double(pred) > thr;
/// - 0/0 (empty ground truth, nothing above the threshold) is NaN; the Uth list turns NaN into 0,
///   the adaptive list keeps it (it then fails every "≥ x" test, even x = 0);
/// - "cIoU Uth" is a mean IoU but "cIoU Adap." is a success rate at 0.5 (A8).
public enum CIoU {
    /// Σ(infer·gt) / (Σ gt + Σ infer·[gt = 0]) for a binary ground truth.
    @inlinable
    public static func value(intersection: Int, gtPixels: Int, falsePositives: Int) -> Double {
        Double(intersection) / Double(gtPixels + falsePositives)
    }

    /// cIoU of a full 224² prediction at `threshold`.
    public static func value(pred: [Float], groundTruth gt: GroundTruthMap, threshold: Double) -> Double {
        var inter = 0, fp = 0
        for i in 0..<pred.count where Double(pred[i]) > threshold {
            if gt.pixels[i] != 0 { inter += 1 } else { fp += 1 }
        }
        return value(intersection: inter, gtPixels: gt.count, falsePositives: fp)
    }

    /// vssl_eval's median threshold: `sort(pred)[int(H·W/2)]` = the 25 088th smallest of 50 176.
    public static func medianThreshold(_ pred: [Float]) -> Float {
        var a = pred
        return Selection.kthSmallest(&a, pred.count / 2)
    }

    /// The adaptive threshold of Senocak et al. as vssl_eval codes it: g = #gt pixels (25 088 when
    /// the ground truth is empty), thr = sort(pred)[H·W − g]. With the strict `>` this selects g − 1
    /// pixels when there are no ties (fewer with ties), not g.
    public static func adaptiveThreshold(_ pred: [Float], gtPixels: Int) -> Float {
        let g = gtPixels == 0 ? pred.count / 2 : gtPixels
        var a = pred
        return Selection.kthSmallest(&a, pred.count - g)
    }

    /// The paper's "cIoU Uth": 100 · mean IoU with NaN counted as 0.
    public static func meanIoU(_ values: [Double]) -> Double {
        100 * Statistics.mean(values.map { $0.isNaN ? 0 : $0 })
    }

    /// The paper's "cIoU Adap.": 100 · fraction of values ≥ `at` (NaN fails).
    public static func successRate(_ values: [Double], at: Double = 0.5) -> Double {
        guard !values.isEmpty else { return .nan }
        return 100 * (Double(values.reduce(0) { $0 + ($1 >= at ? 1 : 0) }) / Double(values.count))
    }

    /// 100 · area under the success curve y_j = fraction(cIoU ≥ 0.05·j), trapezoid over 21 points
    /// (`compute_AUC` / `finalize_AUC`). NaN entries fail every test. Sorting first makes it
    /// O(n log n) instead of 21 passes.
    public static func auc(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.filter { !$0.isNaN }.sorted()
        let n = Double(values.count)
        let y = Statistics.aucGrid.map { x -> Double in
            // count of s ≥ x = s.count − (first index with s ≥ x)
            Double(s.count - Selection.lowerBound(s, x)) / n
        }
        return 100 * Statistics.trapezoid(x: Statistics.aucGrid, y: y)
    }
}

/// Order statistics and searches on sorted arrays.
enum Selection {
    /// The k-th smallest element (0-based), as `np.sort(a)[k]`; reorders `a`. Quickselect, O(n).
    static func kthSmallest(_ a: inout [Float], _ k: Int) -> Float {
        precondition(k >= 0 && k < a.count)
        if a.contains(where: { $0.isNaN }) { a.sort { !$0.isNaN && ($1.isNaN || $0 < $1) }; return a[k] }
        return a.withUnsafeMutableBufferPointer { p -> Float in
            var lo = 0, hi = p.count - 1
            while lo < hi {
                // median of three as pivot
                let mid = lo + (hi - lo) / 2
                if p[mid] < p[lo] { p.swapAt(mid, lo) }
                if p[hi] < p[lo] { p.swapAt(hi, lo) }
                if p[hi] < p[mid] { p.swapAt(hi, mid) }
                let pivot = p[mid]
                var i = lo, j = hi
                while i <= j {
                    while p[i] < pivot { i += 1 }
                    while p[j] > pivot { j -= 1 }
                    if i <= j { p.swapAt(i, j); i += 1; j -= 1 }
                }
                if k <= j { hi = j } else if k >= i { lo = i } else { return p[k] }
            }
            return p[k]
        }
    }

    /// First index whose value is ≥ x in an ascending array.
    static func lowerBound(_ s: [Double], _ x: Double) -> Int {
        var lo = 0, hi = s.count
        while lo < hi { let m = (lo + hi) / 2; if s[m] < x { lo = m + 1 } else { hi = m } }
        return lo
    }

    /// First index whose value is > x in an ascending array.
    static func upperBound(_ s: [Double], _ x: Double) -> Int {
        var lo = 0, hi = s.count
        while lo < hi { let m = (lo + hi) / 2; if s[m] <= x { lo = m + 1 } else { hi = m } }
        return lo
    }
}
