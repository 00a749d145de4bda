import Foundation
import Render

enum Charts {
    static let bars: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// A sparkline of `values` (the last `width` of them) on one row.
    static func sparkline(_ values: [Double], x: Int, y: Int, width: Int, fg: RGB, into buf: inout CellBuffer) {
        guard width > 0 else { return }
        let v = Array(values.suffix(width)).filter { !$0.isNaN }
        guard let lo = v.min(), let hi = v.max() else { return }
        let span = max(hi - lo, 1e-12)
        for (i, x0) in v.enumerated() {
            let level = hi == lo ? 4 : 1 + Int(((x0 - lo) / span) * 7.999)
            buf[x + i, y] = Cell(bars[level], fg: fg)
        }
    }

    /// Counts of `values` in `bins` equal bins over `range`.
    static func bin(_ values: [Float], bins: Int, range: ClosedRange<Double>) -> [Int] {
        var c = [Int](repeating: 0, count: max(1, bins))
        let span = max(range.upperBound - range.lowerBound, 1e-12)
        for v in values where !v.isNaN {
            let i = Int(((Double(v) - range.lowerBound) / span) * Double(bins))
            c[min(bins - 1, max(0, i))] += 1
        }
        return c
    }

    /// One histogram row band of `height` rows: bars with eighth-block resolution, scaled to
    /// the band's own peak.
    static func histogramBand(_ counts: [Int], rect r: Rect, fg: RGB, into buf: inout CellBuffer) {
        guard r.height > 0, r.width > 0, let peak = counts.max(), peak > 0 else { return }
        for (i, c) in counts.prefix(r.width).enumerated() {
            let eighths = Int((Double(c) / Double(peak) * Double(r.height * 8)).rounded(.up))
            for row in 0..<r.height {
                let fromBottom = row
                let e = max(0, min(8, eighths - fromBottom * 8))
                if e > 0 { buf[r.x + i, r.maxY - 1 - row] = Cell(bars[e], fg: fg) }
            }
        }
    }

    /// A waveform strip (peak envelope) with a playhead and an optional window bracket.
    static func waveform(_ envelope: [Float], playhead: Double?, window: ClosedRange<Double>?, rect r: Rect,
                         fg: RGB, into buf: inout CellBuffer) {
        guard r.width > 0, r.height > 0, !envelope.isEmpty else { return }
        let peak = max(envelope.max() ?? 1, 1e-6)
        for i in 0..<r.width {
            let a = Int(Double(i) / Double(r.width) * Double(envelope.count))
            let b = max(a + 1, Int(Double(i + 1) / Double(r.width) * Double(envelope.count)))
            var m: Float = 0
            for k in a..<min(b, envelope.count) { m = max(m, envelope[k]) }
            let h = Double(m / peak)
            let pos = (Double(i) + 0.5) / Double(r.width)
            let inWin = window.map { $0.contains(pos) } ?? false
            let colour = inWin ? Theme.warn : fg
            let eighths = Int((h * Double(r.height * 8)).rounded(.up))
            for row in 0..<r.height {
                let e = max(0, min(8, eighths - row * 8))
                buf[r.x + i, r.maxY - 1 - row] = Cell(e > 0 ? bars[e] : (row == 0 ? "▁" : " "), fg: e > 0 ? colour : Theme.dimText)
            }
        }
        if let p = playhead {
            let x = r.x + min(r.width - 1, max(0, Int(p * Double(r.width))))
            for y in r.y..<r.maxY { buf[x, y] = Cell("│", fg: .white, attrs: .bold) }
        }
    }
}
