/// A horizontal colour-map legend, "0.33 ▕████████████▏ 0.61": says what the overlay colours
/// mean (the range changes with the threshold and the colour scale). Markers (the current
/// threshold, U) are drawn on the bar, and labelled on a second row when the rect has one.
public enum ColorBar {
    /// A value marked on the bar: `label` (e.g. "thr", "U") and its colour.
    public struct Marker: Sendable, Equatable {
        public var value: Double
        public var label: String
        public var color: RGB
        public init(value: Double, label: String, color: RGB) { self.value = value; self.label = label; self.color = color }
    }

    /// Draws the bar in the first row with the range's ends as labels (3 decimals) when they
    /// fit; markers inside the range replace their bar cell with `┃` (`|` without Unicode) and,
    /// with a second row, get "▲label value" under them (left to right; a label that would
    /// overlap the one before moves right, or is left out when the row is full).
    public static func draw(_ colorMap: ColorMap, range: ClosedRange<Float>, markers: [Marker] = [], in rect: Rect,
                            into buffer: inout CellBuffer, theme: Theme = .standard) {
        guard !rect.isEmpty else { return }
        let lo = formatFixed(Double(range.lowerBound), digits: 3), hi = formatFixed(Double(range.upperBound), digits: 3)
        let labelled = rect.width >= lo.count + hi.count + 8
        var x = rect.x
        let text = theme.paint(theme.text)
        if labelled { x = buffer.put(lo + " ", x: x, y: rect.y, fg: text) }
        let barWidth = rect.maxX - x - (labelled ? hi.count + 1 : 0)
        for i in 0..<Swift.max(0, barWidth) {
            let t = barWidth > 1 ? Float(i) / Float(barWidth - 1) : 0
            let c = colorMap.color(at: t)
            let cell: Cell
            switch (theme.mode.colors, theme.unicode) {
            case (.none, _): cell = Cell(HalfBlockImage.rampCharacter(t * 0.999))
            case (_, true): cell = Cell("█", fg: theme.paint(c))
            case (_, false): cell = Cell(HalfBlockImage.rampCharacter(t * 0.999), fg: theme.paint(c))
            }
            if buffer.inBounds(x + i, rect.y) { buffer[x + i, rect.y] = cell }
        }
        if labelled { buffer.put(" " + hi, x: x + barWidth, y: rect.y, fg: text) }
        guard barWidth > 1 else { return }
        let span = Double(range.upperBound - range.lowerBound)
        var labelEnd = Int.min
        for m in markers.sorted(by: { $0.value < $1.value }) {
            guard span > 0, m.value >= Double(range.lowerBound), m.value <= Double(range.upperBound) else { continue }
            let i = Int(((m.value - Double(range.lowerBound)) / span * Double(barWidth - 1)).rounded())
            let mx = x + i
            if buffer.inBounds(mx, rect.y) {
                let under = colorMap.color(at: Float((m.value - Double(range.lowerBound)) / span))
                buffer[mx, rect.y] = Cell(theme.unicode ? "┃" : "|", fg: theme.paint(m.color), bg: theme.paint(under), attrs: .bold)
            }
            if rect.height >= 2 {
                let label = (theme.unicode ? "▲" : "^") + m.label + " " + formatFixed(m.value, digits: 3)
                // Left to right; a label that would overlap the previous one moves right.
                let start = Swift.max(Swift.min(mx, rect.maxX - label.count), labelEnd + 1)
                if start + label.count <= rect.maxX {
                    labelEnd = buffer.put(label, x: start, y: rect.y + 1, fg: theme.paint(m.color), attrs: .bold, maxWidth: rect.maxX - start)
                }
            }
        }
    }
}
