/// The few statistics the paper's numbers are built from, computed the way NumPy and scikit-learn
/// compute them, so that a report matches vssl_eval to the last printed digit rather than to a
/// tolerance: NumPy's pairwise summation for `np.sum`/`np.mean`, NumPy's `linear` percentile
/// (including its two-sided `_lerp`), and `sklearn.metrics.auc` (trapezoid over the same float64 grid).
public enum Statistics {
    /// `np.sum` of a float64 array: pairwise summation with an 8-way unrolled leaf of up to 128
    /// elements. Plain left-to-right summation differs in the last bits for n ≥ 8.
    public static func sum(_ a: [Double]) -> Double {
        a.withUnsafeBufferPointer { pairwise($0.baseAddress!, $0.count) }
    }

    private static func pairwise(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 8 {
            var r = 0.0
            for i in 0..<n { r += a[i] }
            return r
        } else if n <= 128 {
            var r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7]
            var i = 8
            while i < n - n % 8 {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
                i += 8
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n { res += a[i]; i += 1 }
            return res
        } else {
            var n2 = n / 2
            n2 -= n2 % 8
            return pairwise(a, n2) + pairwise(a + n2, n - n2)
        }
    }

    /// `np.mean`: NaN for an empty list (NumPy warns and returns NaN).
    public static func mean(_ a: [Double]) -> Double {
        a.isEmpty ? .nan : sum(a) / Double(a.count)
    }

    /// `np.percentile(a, 100·q)` with the default `linear` method. NaN for an empty list.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        quantile(sorted: values.sorted(), q)
    }

    /// As `quantile(_:_:)` for an already ascending list.
    public static func quantile(sorted a: [Double], _ q: Double) -> Double {
        let n = a.count
        guard n > 0 else { return .nan }
        // NumPy: virtual index = n·q + (α + q(1 − α − β)) − 1 with α = β = 1.
        let virtual = Double(n) * q + (1 + q * (1 - 1 - 1)) - 1
        let lo = min(max(Int(virtual.rounded(.down)), 0), n - 1)
        let hi = min(lo + 1, n - 1)
        var t = virtual - virtual.rounded(.down)
        if virtual < 0 { t = 0 }
        let x = a[lo], y = a[hi]
        let diff = y - x
        // NumPy's `_lerp` switches to b − (b − a)(1 − t) for t ≥ 0.5 (monotonicity near b).
        return t >= 0.5 ? y - diff * (1 - t) : x + diff * t
    }

    /// Quartiles (Q1, median, Q3) and extremes of a list, NumPy-linear.
    public static func quartiles(_ values: [Double]) -> Quartiles {
        let s = values.sorted()
        return Quartiles(count: s.count, min: s.first ?? .nan, q1: quantile(sorted: s, 0.25),
                         median: quantile(sorted: s, 0.5), q3: quantile(sorted: s, 0.75), max: s.last ?? .nan)
    }

    /// The 21-point grid x_j = 0.05·j of vssl_eval, in float64 exactly as Python evaluates `0.05*i`.
    public static let aucGrid: [Double] = (0...20).map { 0.05 * Double($0) }

    /// `sklearn.metrics.auc(x, y)` for increasing x: NumPy's trapezoid, Σ Δx·(y_j + y_{j+1})/2,
    /// summed pairwise.
    public static func trapezoid(x: [Double], y: [Double]) -> Double {
        precondition(x.count == y.count)
        guard x.count > 1 else { return 0 }
        var terms = [Double](repeating: 0, count: x.count - 1)
        for j in 0..<(x.count - 1) { terms[j] = (x[j + 1] - x[j]) * (y[j + 1] + y[j]) / 2.0 }
        return sum(terms)
    }
}

/// Five-number summary of a list (NumPy linear quantiles).
public struct Quartiles: Codable, Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var q1: Double
    public var median: Double
    public var q3: Double
    public var max: Double
}
