import Core

/// One distribution in a histogram: e.g. the per-sample maximum similarity under one audio
/// condition.
public struct HistogramSeries: Sendable, Equatable {
    public var label: String
    public var values: [Double]
    public var color: RGB
    /// Fill character when blocks and colours are unavailable, so series stay distinguishable.
    public var glyph: Character

    public init(label: String, values: [Double], color: RGB, glyph: Character = "#") {
        self.label = label; self.values = values; self.color = color; self.glyph = glyph
    }

    /// The series of an audio condition, with the theme's colour for it and a distinct glyph.
    public static func condition(_ c: AudioCondition, values: [Double], theme: Theme = .standard) -> HistogramSeries {
        let glyph: Character
        switch c {
        case .positive: glyph = "#"
        case .silence: glyph = "="
        case .noise: glyph = ":"
        case .offscreen: glyph = "%"
        }
        return HistogramSeries(label: c.rawValue, values: values, color: theme.color(for: c), glyph: glyph)
    }
}

/// The vertical markers and the caption of the paper's Fig. 1: the threshold in use (T), Q1 of the
/// positives (P), Q3 of the negatives, which is the universal threshold (U), and the
/// separability Q1 − Q3 (SPEC §6.4, §6.9).
public struct HistogramMarkers: Sendable, Equatable {
    public var threshold: Double?
    public var positiveQ1: Double?
    public var negativeQ3: Double?
    public var separability: Double?
    public init(threshold: Double? = nil, positiveQ1: Double? = nil, negativeQ3: Double? = nil, separability: Double? = nil) {
        self.threshold = threshold; self.positiveQ1 = positiveQ1; self.negativeQ3 = negativeQ3; self.separability = separability
    }
}

public enum HistogramLayout: String, Sendable, CaseIterable {
    /// Each bin shows one column per series next to each other: exact, but fewer bins.
    case sideBySide
    /// One column per bin, shorter bars in front of taller ones: twice the resolution.
    case overlaid
    /// One band per series, one above the other, each scaled to its own peak and labelled in a
    /// gutter on the left; all share the value axis and the markers. Nothing hides anything, so
    /// it suits a narrow terminal panel showing four conditions.
    case stacked
}

/// Where a histogram put its parts, for mouse hits (bin under the cursor) and tests.
public struct HistogramGeometry: Sendable, Equatable {
    /// The bar area.
    public var plot: Rect
    public var bins: Int
    /// Columns per bin (series count in side-by-side, plus an optional gap; 1 when overlaid).
    public var columnsPerBin: Int
    public var range: ClosedRange<Double>

    /// The bin's value interval under column x, or nil outside the plot.
    public func bin(atX x: Int) -> ClosedRange<Double>? {
        guard x >= plot.x, x < plot.x + bins * columnsPerBin else { return nil }
        let b = (x - plot.x) / columnsPerBin
        let w = (range.upperBound - range.lowerBound) / Double(bins)
        return (range.lowerBound + Double(b) * w)...(range.lowerBound + Double(b + 1) * w)
    }

    /// The plot column of a value (for markers).
    public func column(of v: Double) -> Int {
        let t = (v - range.lowerBound) / (range.upperBound - range.lowerBound)
        let width = bins * columnsPerBin
        return plot.x + Swift.max(0, Swift.min(width - 1, Int(t * Double(width))))
    }
}

/// The paper's Fig. 1 in the terminal: distributions of per-sample max similarity for each
/// audio condition over [0, 1], with U, Q1(pos), Q3(neg) markers and the separability caption.
///
/// Rows, top to bottom: legend, bars, marker axis (U, P = Q1 pos, N = Q3 neg, ticks), tick
/// labels, caption. Small rects drop the tick labels, legend and caption in that order.
/// Each series is normalised to its own total (a density), so series of different sizes compare.
public enum Histogram {
    @discardableResult
    public static func draw(series: [HistogramSeries], markers: HistogramMarkers = HistogramMarkers(),
                            layout: HistogramLayout = .sideBySide, range: ClosedRange<Double> = 0...1,
                            in rect: Rect, into buffer: inout CellBuffer, theme: Theme = .standard) -> HistogramGeometry {
        let n = Swift.max(1, series.count)
        var rows = rect.height
        let wantAxis = rows >= 2
        if wantAxis { rows -= 1 }
        let wantCaption = rows >= 4
        if wantCaption { rows -= 1 }
        let wantLegend = rows >= 4
        if wantLegend { rows -= 1 }
        let wantTicks = rows >= 4
        if wantTicks { rows -= 1 }
        let gutter = layout == .stacked && rect.width >= 24 ? 4 : 0
        let plot = Rect(x: rect.x + gutter, y: rect.y + (wantLegend ? 1 : 0), width: rect.width - gutter, height: rows)

        let perBin: Int
        switch layout {
        case .overlaid, .stacked: perBin = 1
        case .sideBySide: perBin = rect.width / (n + 1) >= 10 ? n + 1 : n
        }
        let bins = Swift.max(1, plot.width / perBin)
        let geometry = HistogramGeometry(plot: plot, bins: bins, columnsPerBin: perBin, range: range)
        guard !rect.isEmpty, rect.width >= perBin else { return geometry }

        // Densities per series and bin.
        let lo = range.lowerBound, span = range.upperBound - range.lowerBound
        let fractions: [[Double]] = series.map { s in
            var counts = [Double](repeating: 0, count: bins)
            var total = 0.0
            for v in s.values where v.isFinite {
                let b = Swift.max(0, Swift.min(bins - 1, Int((v - lo) / span * Double(bins))))
                counts[b] += 1; total += 1
            }
            return total > 0 ? counts.map { $0 / total } : counts
        }
        let peak = fractions.flatMap { $0 }.max() ?? 0
        let units = plot.height * 8
        // Stacked bands: plot rows split between the series, a blank row between bands when there is room.
        let bandRows = Swift.max(1, plot.height / n)
        let bandBars = Swift.max(1, bandRows - (bandRows > 2 ? 1 : 0))
        let heights: [[Int]] = fractions.map { f in
            f.map { v in v > 0 && peak > 0 ? Swift.max(1, Int((v / peak * Double(units)).rounded())) : 0 }
        }
        let colours = series.map { theme.paint($0.color) }
        let unicode = theme.unicode

        // Marker lines behind the bars (drawn first, bars overwrite them); the threshold last, on top.
        let lines: [(Double?, RGB)] = [(markers.positiveQ1, theme.positive), (markers.negativeQ3, theme.title), (markers.threshold, theme.threshold)]
        for (v, c) in lines where plot.height > 0 {
            // A marker not known yet (nil) or undefined (NaN, e.g. Q1 of no positives) is not drawn:
            // `Int(NaN)` would trap.
            guard let v, v.isFinite else { continue }
            let x = geometry.column(of: v)
            for y in plot.y..<plot.maxY { buffer.put(unicode ? "┊" : ":", x: x, y: y, fg: theme.paint(c)) }
        }

        for b in 0..<bins {
            switch layout {
            case .sideBySide:
                for (s, h) in heights.enumerated() {
                    let x = plot.x + b * perBin + s
                    drawBar(units: h[b], x: x, plot: plot, fg: colours[s], glyph: series[s].glyph, into: &buffer, theme: theme)
                }
            case .stacked:
                for (s, f) in fractions.enumerated() where s * bandRows < plot.height {
                    let ownPeak = f.max() ?? 0
                    let u = f[b] > 0 && ownPeak > 0 ? Swift.max(1, Int((f[b] / ownPeak * Double(bandBars * 8)).rounded())) : 0
                    let band = Rect(x: plot.x, y: plot.y + s * bandRows, width: plot.width, height: bandBars)
                    let x = plot.x + b, base = band.maxY - 1
                    if u == 0 && buffer.inBounds(x, base) && buffer[x, base].char == " " {
                        buffer[x, base] = Cell(unicode ? "·" : ".", fg: theme.paint(theme.dimText))
                    }
                    drawBar(units: u, x: x, plot: band, fg: colours[s], glyph: series[s].glyph, into: &buffer, theme: theme)
                }
            case .overlaid:
                let x = plot.x + b
                for r in 0..<plot.height {
                    let base = 8 * r
                    // Series reaching into this cell, shortest (front-most) first.
                    let covering = heights.indices.filter { heights[$0][b] > base }.sorted { heights[$0][b] < heights[$1][b] }
                    guard let front = covering.first else { continue }
                    let k = heights[front][b] - base
                    let behind = covering.dropFirst().first
                    let y = plot.maxY - 1 - r
                    var cell: Cell
                    if k >= 8 {
                        cell = Cell(unicode ? "█" : series[front].glyph, fg: colours[front])
                    } else if unicode {
                        cell = Cell(Blocks.vertical[k], fg: colours[front], bg: behind.map { colours[$0] } ?? nil)
                    } else if let behind {
                        cell = Cell(k >= 4 ? series[front].glyph : series[behind].glyph, fg: k >= 4 ? colours[front] : colours[behind])
                    } else {
                        cell = Cell(Blocks.eighths(k, unicode: false), fg: colours[front])
                    }
                    if buffer.inBounds(x, y) { buffer[x, y] = cell }
                }
            }
        }

        if gutter > 0 {
            for (s, ser) in series.enumerated() where s * bandRows < plot.height {
                let label = String(TextLayout.displayable(ser.label, unicode: unicode).prefix(3))
                buffer.put(label, x: rect.x, y: plot.y + s * bandRows + bandBars - 1, fg: colours[s], attrs: .bold)
            }
        }
        if gutter > 0 {
            for (s, ser) in series.enumerated() where s * bandRows < plot.height {
                let label = String(TextLayout.displayable(ser.label, unicode: unicode).prefix(3))
                buffer.put(label, x: rect.x, y: plot.y + s * bandRows + bandBars - 1, fg: colours[s], attrs: .bold)
            }
        }
        if wantLegend {
            // With sample counts when they fit, without otherwise.
            let withCounts = series.reduce(0) { $0 + $1.label.count + String($1.values.count).count + 7 } <= rect.width
            var x = rect.x
            for (s, ser) in series.enumerated() {
                if x >= rect.maxX { break }
                let swatch = unicode ? "█" : String(ser.glyph)
                x = buffer.put(swatch, x: x, y: rect.y, fg: colours[s], maxWidth: rect.maxX - x)
                let label = TextLayout.displayable(ser.label, unicode: unicode)
                let text = withCounts ? " \(label) (\(ser.values.count))  " : " \(label) "
                x = buffer.put(text, x: x, y: rect.y, fg: theme.paint(theme.text), maxWidth: rect.maxX - x)
            }
        }
        let axisY = plot.maxY
        if wantAxis {
            let axisWidth = bins * perBin
            buffer.put(String(repeating: unicode ? "─" : "-", count: axisWidth), x: plot.x, y: axisY, fg: theme.paint(theme.border))
            for q in stride(from: 0.0, through: 1.0, by: 0.25) {
                let x = geometry.column(of: lo + q * span)
                buffer.put(unicode ? "┴" : "+", x: x, y: axisY, fg: theme.paint(theme.border))
            }
            let marks: [(Double?, Character, RGB)] = [(markers.negativeQ3, "U", theme.title), (markers.positiveQ1, "P", theme.positive),
                                                      (markers.threshold, "T", theme.threshold)]
            for (v, ch, c) in marks {
                guard let v, v.isFinite else { continue }
                buffer.put(String(ch), x: geometry.column(of: v), y: axisY, fg: theme.paint(c), attrs: .bold)
            }
        }
        if wantTicks {
            let y = axisY + 1
            var free = rect.x
            for q in stride(from: 0.0, through: 1.0, by: 0.25) {
                let v = lo + q * span
                let label = formatTick(v)
                let x = Swift.min(rect.maxX - label.count, Swift.max(geometry.column(of: v) - label.count / 2, rect.x))
                if x < free { continue }
                free = buffer.put(label, x: x, y: y, fg: theme.paint(theme.dimText)) + 1
            }
        }
        if wantCaption {
            var x = rect.x
            let y = rect.maxY - 1
            // The status line's digits (4), so the threshold shown here is the one the figures use.
            // Long labels when they fit, else short ones, else without the separability (never a
            // number cut in half).
            func parts(short: Bool, sep: Bool) -> [(String, RGB)] {
                var p: [(String, RGB)] = []
                let gap = short ? " " : "  "
                if let t = markers.threshold { p.append(("thr \(formatFixed(t, digits: 4))" + gap, theme.threshold)) }
                if let q = markers.positiveQ1 { p.append(((short ? "P " : "P=Q1 pos ") + formatFixed(q, digits: 4) + gap, theme.positive)) }
                if let q = markers.negativeQ3 { p.append(((short ? "U " : "U=Q3 neg ") + formatFixed(q, digits: 4) + gap, theme.title)) }
                if sep, let s = markers.separability { p.append(("sep \(s >= 0 ? "+" : "")\(formatFixed(s, digits: 4))", theme.text)) }
                return p
            }
            let choices = [parts(short: false, sep: true), parts(short: true, sep: true), parts(short: true, sep: false)]
            func width(_ p: [(String, RGB)]) -> Int { String(p.map(\.0).joined().reversed().drop { $0 == " " }).count }
            let fitting = choices.first { width($0) <= rect.width } ?? choices.last!
            for (text, c) in fitting {
                if x + String(text.reversed().drop { $0 == " " }).count > rect.maxX { break }  // whole figures only
                x = buffer.put(text, x: x, y: y, fg: theme.paint(c), maxWidth: rect.maxX - x)
            }
        }
        return geometry
    }

    static func drawBar(units: Int, x: Int, plot: Rect, fg: RGB?, glyph: Character, into buffer: inout CellBuffer, theme: Theme) {
        for r in 0..<plot.height {
            let k = Swift.min(8, units - 8 * r)
            if k <= 0 { break }
            let ch: Character = theme.unicode ? Blocks.vertical[k] : (k >= 4 ? glyph : ".")
            let y = plot.maxY - 1 - r
            if buffer.inBounds(x, y) { buffer[x, y] = Cell(ch, fg: fg) }
        }
    }

    static func formatTick(_ v: Double) -> String {
        var s = formatFixed(v, digits: 2)
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s
    }
}

/// `v` with a fixed number of decimals (no Foundation needed in pure widgets).
public func formatFixed(_ v: Double, digits: Int) -> String {
    if !v.isFinite { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let scaled = (abs(v) * p).rounded()
    let neg = v < 0 && scaled > 0
    let whole = Int(scaled / p), frac = Int(scaled) - whole * Int(p)
    var f = String(frac)
    while f.count < digits { f = "0" + f }
    return (neg ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
}

