import Foundation
import Core
import Render

/// Paper Fig. 1 live: histograms of per-sample max similarity for positives and each negative
/// kind, with the threshold, Q1 of positives and Q3 of negatives (U) marked.
enum SeparabilityPanel {
    static func draw(_ s: ExplorerState, rect: Rect, into buf: inout CellBuffer) {
        let inner = buf.box(rect, title: "Separability", focused: s.focus == .separability)
        guard inner.height >= 8, inner.width >= 20 else { return }
        let f = s.report
        var y = inner.y
        let sep = f.map { String(format: "%+.3f", $0.separability) } ?? "–"
        buf.put("Sep = Q1(pos) − Q3(neg) = \(sep)", x: inner.x, y: y, fg: (f?.separability ?? 0) > 0 ? Theme.ok : Theme.warn, attrs: .bold, maxWidth: inner.width)
        y += 1
        if s.scoringDone < s.scoringTotal {
            let label = "scoring \(s.scoringDone)/\(s.scoringTotal) "
            buf.put(label, x: inner.x, y: y, fg: Theme.dimText)
            buf.progressBar(Double(s.scoringDone) / Double(max(1, s.scoringTotal)), x: inner.x + label.count, y: y, width: max(0, inner.width - label.count))
        } else {
            buf.put("scored \(s.scoringDone) samples · \(s.scoringMessage ?? "done")", x: inner.x, y: y, fg: Theme.dimText, maxWidth: inner.width)
        }
        y += 1
        // The pooled maxima U and separability are taken from (positives once per pass).
        let m = s.metrics
        let lists: [[Float]] = [m.positiveMaxima, m.silenceMaxima, m.noiseMaxima, m.offscreenMaxima].map { $0.map(Float.init) }
        let all = lists.flatMap { $0 }
        // Span the data and the threshold with a small margin (not 0…1: trained maps cluster).
        var lo = min(Double(all.min() ?? 0), s.threshold), hi = max(Double(all.max() ?? 1), s.threshold)
        if hi - lo < 0.05 { let m = (hi + lo) / 2; lo = m - 0.025; hi = m + 0.025 }
        let margin = (hi - lo) * 0.04
        lo -= margin; hi += margin
        let plotW = inner.width - 5
        let bands = 4
        let bandH = max(1, (inner.maxY - y - 2) / bands)
        func col(_ v: Double) -> Int { inner.x + 5 + min(plotW - 1, max(0, Int((v - lo) / (hi - lo) * Double(plotW)))) }
        for k in 0..<bands {
            let r = Rect(x: inner.x + 5, y: y + k * bandH, width: plotW, height: max(1, bandH - (bandH > 2 ? 1 : 0)))
            let names = ["pos", "sil", "noi", "off"]
            buf.put(names[k], x: inner.x, y: r.y + r.height - 1, fg: Theme.condition[k], attrs: .bold)
            buf.put("\(lists[k].count)", x: inner.x, y: r.y, fg: Theme.dimText, maxWidth: 4)
            let counts = Charts.bin(lists[k], bins: plotW, range: lo...hi)
            Charts.histogramBand(counts, rect: r, fg: Theme.condition[k], into: &buf)
            for xx in r.x..<r.maxX where buf[xx, r.maxY - 1].char == " " { buf[xx, r.maxY - 1] = Cell("·", fg: Theme.dimText) }
        }
        let plotBottom = y + bands * bandH
        // Markers: threshold (white), U = Q3 of negatives, Q1 of positives.
        func mark(_ v: Double?, _ ch: Character, _ fg: RGB) {
            guard let v else { return }
            let cx = col(v)
            for yy in y..<plotBottom where buf[cx, yy].char == " " || buf[cx, yy].char == "·" { buf[cx, yy] = Cell(ch, fg: fg) }
        }
        mark(f?.positiveQ1, "┆", Theme.ok)
        mark(f?.universalThreshold, "┆", Theme.warn)
        mark(s.threshold, "│", .white)
        // Axis.
        let axisY = min(inner.maxY - 1, plotBottom)
        buf.put(Fmt.f(lo, 2), x: inner.x + 5, y: axisY, fg: Theme.dimText)
        let hiS = Fmt.f(hi, 2)
        buf.put(hiS, x: inner.maxX - hiS.count, y: axisY, fg: Theme.dimText)
        let legend = "│thr ┆U \(Fmt.f(f?.universalThreshold, 3)) ┆Q1 \(Fmt.f(f?.positiveQ1, 3))"
        if axisY + 1 < inner.maxY {
            buf.put(legend, x: inner.x, y: axisY + 1, fg: Theme.dimText, maxWidth: inner.width)
        }
    }
}
