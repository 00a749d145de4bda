/// A horizontal colour-map legend, "0.33 ▕████████████▏ 0.61": says what the overlay colours
/// mean (the range changes with the threshold and the colour scale).
public enum ColorBar {
    /// Draws the bar in one row with the range's ends as labels (3 decimals) when they fit.
    public static func draw(_ colorMap: ColorMap, range: ClosedRange<Float>, in rect: Rect, into buffer: inout CellBuffer,
                            theme: Theme = .standard) {
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
    }
}
