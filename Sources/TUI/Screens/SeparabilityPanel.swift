import Foundation
import Core
import Render

/// Paper Fig. 1 live (Render's `Histogram`, stacked): per-sample max similarity for positives and
/// each negative kind, with the threshold, Q1 of positives and U = Q3 of negatives marked.
enum SeparabilityPanel {
    static func draw(_ s: ExplorerState, rect: Rect, into buf: inout CellBuffer, theme: Theme) {
        let inner = Border.draw(rect, title: "Separability", into: &buf, theme: theme, focused: s.focus == .separability)
        guard inner.height >= 8, inner.width >= 20 else { return }
        let f = s.report
        var y = inner.y
        buf.put("Sep = Q1(pos) − Q3(neg) = \(Fmt.signed(f?.separability))", x: inner.x, y: y,
                fg: theme.paint((f?.separability ?? 0) > 0 ? theme.ok : theme.warn), attrs: .bold, maxWidth: inner.width)
        y += 1
        if s.scoringDone < s.scoringTotal {
            ProgressBar.draw(fraction: Double(s.scoringDone) / Double(max(1, s.scoringTotal)), label: "scoring \(s.scoringDone)/\(s.scoringTotal)",
                             in: Rect(x: inner.x, y: y, width: inner.width, height: 1), into: &buf, theme: theme)
        } else {
            buf.put("scored \(s.scoringDone) samples · \(s.scoringMessage ?? "done")", x: inner.x, y: y, fg: theme.paint(theme.dimText), maxWidth: inner.width)
        }
        y += 1
        // The pooled maxima U and separability are taken from (positives once per pass).
        let m = s.metrics
        let lists: [[Double]] = [m.positiveMaxima, m.silenceMaxima, m.noiseMaxima, m.offscreenMaxima]
        let all = lists.flatMap { $0 }
        // Span the data and the threshold with a small margin (not 0…1: trained maps cluster).
        var lo = min(all.min() ?? 0, s.threshold), hi = max(all.max() ?? 1, s.threshold)
        if hi - lo < 0.05 { let m = (hi + lo) / 2; lo = m - 0.025; hi = m + 0.025 }
        let margin = (hi - lo) * 0.04
        lo -= margin; hi += margin
        let series = AudioCondition.allCases.map { HistogramSeries.condition($0, values: lists[$0.index], theme: theme) }
        Histogram.draw(series: series,
                       markers: HistogramMarkers(threshold: s.threshold, positiveQ1: f?.positiveQ1, negativeQ3: f?.universalThreshold, separability: f?.separability),
                       layout: .stacked, range: lo...hi, in: Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y), into: &buf, theme: theme)
    }
}
