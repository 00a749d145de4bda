/// A bordered box with a title and word-wrapped text: the help overlay, error dialogs, sample
/// details. Clears its area first so it can be drawn over anything.
public enum TextBox {
    /// Draws the box and returns the total number of wrapped lines, so the caller can bound
    /// `scroll` (the first wrapped line shown). Lines may carry their own colour.
    @discardableResult
    public static func draw(title: String?, lines: [String], in rect: Rect, into buffer: inout CellBuffer,
                            theme: Theme = .standard, scroll: Int = 0, textColor: RGB? = nil) -> Int {
        buffer.fill(rect.intersection(buffer.area), with: Cell(" "))
        let inner = Border.draw(rect, title: title, into: &buffer, theme: theme)
        guard !inner.isEmpty else { return 0 }
        // One column of padding on each side when there is room for it.
        let pad = inner.width > 10 ? 1 : 0
        let textWidth = inner.width - 2 * pad
        let wrapped = lines.flatMap { TextLayout.wrap(TextLayout.displayable($0, unicode: theme.unicode), width: textWidth) }
        let first = Swift.max(0, Swift.min(scroll, Swift.max(0, wrapped.count - inner.height)))
        let fg = theme.paint(textColor ?? theme.text)
        for (i, line) in wrapped.dropFirst(first).prefix(inner.height).enumerated() {
            buffer.put(line, x: inner.x + pad, y: inner.y + i, fg: fg, maxWidth: textWidth)
        }
        if wrapped.count > inner.height {
            // A scroll position hint in the bottom border: "12/40".
            let hint = " \(first + 1)-\(Swift.min(wrapped.count, first + inner.height))/\(wrapped.count) "
            if hint.count + 2 < rect.width {
                buffer.put(hint, x: rect.maxX - 1 - hint.count, y: rect.maxY - 1, fg: theme.paint(theme.dimText))
            }
        }
        return wrapped.count
    }

    /// The help overlay: a box of at most `width × height` centred in `area`, listing key
    /// bindings as "key  description" with the keys aligned.
    @discardableResult
    public static func help(title: String = "Help", bindings: [(key: String, description: String)], in area: Rect,
                            into buffer: inout CellBuffer, theme: Theme = .standard, width: Int = 64, scroll: Int = 0) -> Rect {
        let keyWidth = Swift.min(16, bindings.map { $0.key.count }.max() ?? 0)
        let lines = bindings.map { TextLayout.fit($0.key, width: keyWidth) + "  " + $0.description }
        let rect = area.centered(width: width, height: lines.count + 2)
        draw(title: title, lines: lines, in: rect, into: &buffer, theme: theme, scroll: scroll)
        return rect
    }
}
