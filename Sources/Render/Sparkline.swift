/// A sparkline (ratatui's `Sparkline`): one column per value, bar height ∝ value, with eighth
/// blocks for sub-cell precision; any height (one row for a status bar, several for the loss
/// panel). Loss curves are long and span decades, hence the bucketing and the log scale.
public enum Sparkline {
    /// Draws `values` into `rect` and returns the value range used for the bottom…top of the
    /// chart (for axis labels), or nil when there is nothing finite to draw.
    ///
    /// More values than columns: each column shows the mean of a contiguous bucket (the whole
    /// history stays visible). Fewer: one column per value from the left. Non-finite values
    /// leave their column empty. `range` nil scales to the data; `logScale` plots log10 (values
    /// ≤ 0 are then skipped). The smallest value still gets a one-eighth bar, so a flat curve
    /// does not look like missing data.
    @discardableResult
    public static func draw(_ values: [Double], in rect: Rect, into buffer: inout CellBuffer, theme: Theme = .standard,
                            color: RGB? = nil, range: ClosedRange<Double>? = nil, logScale: Bool = false) -> ClosedRange<Double>? {
        guard !rect.isEmpty, !values.isEmpty else { return nil }
        let transformed = values.map { v -> Double in
            if !v.isFinite { return .nan }
            if logScale { return v > 0 ? log10(v) : .nan }
            return v
        }
        let cols = bucketMeans(transformed, count: Swift.min(rect.width, transformed.count))
        let finite = cols.filter { $0.isFinite }
        guard let dataLo = finite.min(), let dataHi = finite.max() else { return nil }
        var lo = dataLo, hi = dataHi
        if let range {
            lo = logScale ? log10(Swift.max(range.lowerBound, 1e-12)) : range.lowerBound
            hi = logScale ? log10(Swift.max(range.upperBound, 1e-12)) : range.upperBound
        }
        let span = hi > lo ? hi - lo : 1
        let units = rect.height * 8
        let fg = theme.paint(color ?? theme.accent)
        for (i, v) in cols.enumerated() where v.isFinite {
            let t = Swift.max(0, Swift.min(1, (v - lo) / span))
            let u = 1 + Int((t * Double(units - 1)).rounded())
            for r in 0..<rect.height {
                let k = Swift.min(8, u - 8 * r)
                if k <= 0 { break }
                buffer.put(String(Blocks.eighths(k, unicode: theme.unicode)), x: rect.x + i, y: rect.maxY - 1 - r, fg: fg)
            }
        }
        return logScale ? pow(10, lo)...pow(10, lo + span) : lo...(lo + span)
    }

    /// Means of `count` contiguous, near-equal buckets of `values` (NaNs ignored; an all-NaN
    /// bucket stays NaN).
    public static func bucketMeans(_ values: [Double], count: Int) -> [Double] {
        guard count > 0, !values.isEmpty else { return [] }
        if values.count == count { return values }
        return (0..<count).map { b in
            let s = b * values.count / count, e = Swift.max(s + 1, (b + 1) * values.count / count)
            var sum = 0.0, n = 0
            for v in values[s..<e] where v.isFinite { sum += v; n += 1 }
            return n > 0 ? sum / Double(n) : .nan
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
