/// An audio waveform strip with a playhead: per column the min…max envelope of its samples,
/// drawn with half blocks (two vertical pixels per cell). The part not yet played is dim (same
/// colour with the dim attribute, so a palette keeps its hue), and the playhead column is drawn
/// over everything. A window (the stretch of
/// audio the live map was computed from) is drawn in the warning colour between brackets.
public enum Waveform {
    public enum Style: Sendable {
        /// Min…max around a centre line with half blocks: the shape of the signal.
        case symmetric
        /// The peak magnitude as a bar from the bottom with eighth blocks: four times the
        /// vertical resolution, so a one- or two-row strip still shows the loudness contour.
        case envelope
    }

    /// `playhead` is a fraction 0…1 of the clip (nil: no playhead); `window` a range of
    /// fractions (nil: none). `gain` scales samples; nil normalises the clip's peak to full
    /// height (quiet clips stay visible).
    public static func draw(samples: [Float], playhead: Double? = nil, window: ClosedRange<Double>? = nil, in rect: Rect,
                            into buffer: inout CellBuffer, theme: Theme = .standard, color: RGB? = nil, gain: Float? = nil,
                            style: Style = .symmetric) {
        guard !rect.isEmpty else { return }
        let peak = samples.reduce(Float(0)) { Swift.max($0, $1.isFinite ? abs($1) : 0) }
        let g = gain ?? (peak > 0 ? 1 / peak : 1)
        let pixels = 2 * rect.height
        let playCol = playhead.map { rect.x + Swift.max(0, Swift.min(rect.width - 1, Int($0 * Double(rect.width)))) }
        let fgColour = theme.paint(color ?? theme.accent)
        let unicode = theme.unicode
        for col in 0..<rect.width {
            let x = rect.x + col
            var lo: Float = 0, hi: Float = 0
            if !samples.isEmpty {
                let s = col * samples.count / rect.width, e = Swift.max(s + 1, (col + 1) * samples.count / rect.width)
                lo = .infinity; hi = -.infinity
                for v in samples[s..<Swift.min(e, samples.count)] where v.isFinite { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
                if lo > hi { lo = 0; hi = 0 }
            }
            // Amplitude +1 at pixel 0 (top), −1 at the bottom; at least the centre line is lit.
            func py(_ a: Float) -> Int { Int(((1 - Swift.max(-1, Swift.min(1, a * g))) / 2 * Float(pixels - 1)).rounded()) }
            let top = py(hi), bottom = py(lo)
            let isPlayhead = x == playCol
            let inWindow = window.map { $0.contains((Double(col) + 0.5) / Double(rect.width)) } ?? false
            let fg = isPlayhead ? theme.paint(theme.threshold)
                : (inWindow ? theme.paint(theme.warn) : fgColour)
            // Not yet played: dim (without colour, bold marks the window and the playhead instead).
            let unplayed = !isPlayhead && !inWindow && (playCol.map { x > $0 } ?? false)
            let attrs: CellAttributes = !theme.mode.colour ? ((isPlayhead || inWindow) ? .bold : []) : (unplayed ? .dim : [])
            if style == .envelope {
                let units = Int((Swift.min(1, Swift.max(abs(lo), abs(hi)) * g) * Float(8 * rect.height)).rounded(.up))
                for r in 0..<rect.height {
                    let k = units - 8 * (rect.height - 1 - r)
                    let ch: Character = isPlayhead ? (unicode ? "│" : "|") : (k > 0 ? Blocks.eighths(k, unicode: unicode)
                        : (r == rect.height - 1 ? (unicode ? "▁" : "_") : " "))
                    let y = rect.y + r
                    if buffer.inBounds(x, y) { buffer[x, y] = Cell(ch, fg: k > 0 || isPlayhead ? fg : theme.paint(theme.dimText), attrs: attrs) }
                }
                continue
            }
            for r in 0..<rect.height {
                let a = 2 * r >= top && 2 * r <= bottom, b = 2 * r + 1 >= top && 2 * r + 1 <= bottom
                let ch: Character
                switch (a, b) {
                case (true, true): ch = unicode ? "█" : "#"
                case (true, false): ch = unicode ? "▀" : "'"
                case (false, true): ch = unicode ? "▄" : ","
                case (false, false): ch = isPlayhead ? (unicode ? "│" : "|") : " "
                }
                let y = rect.y + r
                if buffer.inBounds(x, y) { buffer[x, y] = Cell(ch, fg: fg, attrs: attrs) }
            }
        }
        // The window's bracket: its first and last columns, on the top row where it is blank.
        if let window {
            let first = rect.x + Swift.max(0, Swift.min(rect.width - 1, Int(window.lowerBound * Double(rect.width))))
            let last = rect.x + Swift.max(0, Swift.min(rect.width - 1, Int(window.upperBound * Double(rect.width) - 0.5)))
            for (x, ch) in [(first, Character("[")), (last, Character("]"))] where buffer.inBounds(x, rect.y) && x != playCol {
                if buffer[x, rect.y].char == " " { buffer[x, rect.y] = Cell(ch, fg: theme.paint(theme.warn), attrs: .bold) }
            }
        }
    }
}
