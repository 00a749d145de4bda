/// The one-row status line: coloured segments on the left (mode, sample, condition…) and a
/// right-aligned message. The left side is cut first, because the right side holds the
/// transient message (errors, progress) the user is waiting for.
public enum StatusLine {
    public struct Segment: Sendable, Equatable {
        public var text: String
        public var color: RGB?
        public var bold: Bool
        public init(_ text: String, color: RGB? = nil, bold: Bool = false) { self.text = text; self.color = color; self.bold = bold }
    }

    public static func draw(left: [Segment], right: String = "", rightColor: RGB? = nil, in rect: Rect,
                            into buffer: inout CellBuffer, theme: Theme = .standard) {
        guard !rect.isEmpty else { return }
        let row = Rect(x: rect.x, y: rect.y, width: rect.width, height: 1)
        let bg = theme.paint(theme.statusBackground)
        let reverse: CellAttributes = !theme.mode.colour ? .reverse : []
        buffer.fill(row, with: Cell(" ", bg: bg, attrs: reverse))
        let r = TextLayout.truncate(TextLayout.displayable(right, unicode: theme.unicode), width: rect.width, ellipsis: theme.ellipsis)
        let rightX = rect.maxX - r.count
        var x = rect.x
        for (i, s) in left.enumerated() {
            let room = rightX - 1 - x
            if room <= 0 { break }
            let text = (i == 0 ? " " : (theme.unicode ? " │ " : " | ")) + TextLayout.displayable(s.text, unicode: theme.unicode)
            let t = TextLayout.truncate(text, width: room, ellipsis: theme.ellipsis)
            var attrs = reverse
            if s.bold { attrs.insert(.bold) }
            x = buffer.put(t, x: x, y: rect.y, fg: theme.paint(s.color ?? theme.statusText), bg: bg, attrs: attrs)
        }
        buffer.put(r, x: rightX, y: rect.y, fg: theme.paint(rightColor ?? theme.statusText), bg: bg, attrs: reverse)
    }
}
