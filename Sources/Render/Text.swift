/// Text helpers shared by the widgets. Every cell holds one `Character`, and all text the
/// widgets draw is treated as one column per character (the explorer's own strings are; wide
/// CJK glyphs in sample ids would be cut, never overflow, because `put` clips).
public enum TextLayout {
    /// Cuts `s` to `width` columns, marking the cut with `ellipsis`.
    public static func truncate(_ s: String, width: Int, ellipsis: Character = "…") -> String {
        guard width > 0 else { return "" }
        if s.count <= width { return s }
        return String(s.prefix(width - 1)) + String(ellipsis)
    }

    /// Fits `s` to `width` columns by cutting its middle (`runs/explore-2026…/last.safetensors`):
    /// names and paths differ at the start and the end, so both are kept and the cut is marked.
    /// A string that fits is unchanged.
    public static func abbreviate(_ s: String, width: Int, ellipsis: Character = "…") -> String {
        guard width > 0 else { return "" }
        if s.count <= width { return s }
        if width < 4 { return truncate(s, width: width, ellipsis: ellipsis) }
        let tail = (width - 1) / 2, head = width - 1 - tail
        return String(s.prefix(head)) + String(ellipsis) + String(s.suffix(tail))
    }

    /// Text as the terminal can show it: unchanged with Unicode; otherwise every character goes
    /// through `ascii(_:)` (under a non-UTF-8 locale ncurses would drop non-ASCII characters
    /// silently and shift the rest of the line).
    public static func displayable(_ s: String, unicode: Bool) -> String {
        if unicode || s.allSatisfy(\.isASCII) { return s }
        return String(s.map(ascii))
    }

    /// The ASCII look-alike of a character: typographic marks, arrows, box drawing and block
    /// characters become the nearest ASCII shape; anything else non-ASCII becomes `?`.
    public static func ascii(_ ch: Character) -> Character {
        if ch.isASCII { return ch }
        switch ch {
        case "·", "•": return "."
        case "…": return "~"
        case "–", "—", "−", "─", "━", "═": return "-"
        case "│", "┃", "║", "‖", "▏", "▕", "▎": return "|"
        case "┆", "┊", "╎": return ":"
        case "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", "╭", "╮", "╰", "╯", "┏", "┓", "┗", "┛": return "+"
        case "×": return "x"
        case "‘", "’": return "'"
        case "“", "”": return "\""
        case "▲", "↑": return "^"
        case "▼", "↓", "✓": return "v"
        case "▶", "►", "→", "≥": return ">"
        case "◀", "←", "≤": return "<"
        case "●", "◆", "■": return "*"
        case "⚠": return "!"
        case "▁", "▂", "▃": return "_"
        case "▄", "▅", "▆", "▇", "█", "▀", "▌", "▐", "▍", "▋", "▊", "▉": return "#"
        default: return "?"
        }
    }

    /// Pads or truncates to exactly `width` columns.
    public static func fit(_ s: String, width: Int, alignRight: Bool = false, ellipsis: Character = "…") -> String {
        let t = truncate(s, width: width, ellipsis: ellipsis)
        let pad = String(repeating: " ", count: Swift.max(0, width - t.count))
        return alignRight ? pad + t : t + pad
    }

    /// Word-wraps `text` to `width` columns. Newlines start new paragraphs (an empty line stays
    /// empty); words longer than the width are split; leading indentation of a paragraph is kept
    /// on its first line.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = paragraph.prefix { $0 == " " }
            var line = String(indent)
            var lineHasWord = false
            for word in paragraph.split(separator: " ") {
                var w = Substring(word)
                while !w.isEmpty {
                    let need = (lineHasWord ? 1 : 0) + w.count
                    if line.count + need <= width {
                        line += (lineHasWord ? " " : "") + w
                        lineHasWord = true
                        w = ""
                    } else if !lineHasWord && line.count < width {
                        // A word longer than the free space of an empty line: split it.
                        let room = width - line.count
                        line += w.prefix(room)
                        w = w.dropFirst(room)
                        out.append(line); line = ""; lineHasWord = false
                    } else {
                        out.append(line); line = ""; lineHasWord = false
                    }
                }
            }
            out.append(line)
        }
        return out
    }
}

/// Borders and titled frames (ratatui's `Block`).
public enum Border {
    /// Draws a border around `rect` with an optional title in the top edge, and returns the
    /// inner rect. Too small a rect (< 2×2) draws nothing and returns an empty inner rect.
    @discardableResult
    /// A focused border (the panel that receives keys) is heavy (`┏━┓`, `#=#` in ASCII) and drawn
    /// in the accent colour with a bold title, so focus reads in every mode, monochrome included.
    public static func draw(_ rect: Rect, title: String? = nil, into buffer: inout CellBuffer, theme: Theme = .standard,
                            color: RGB? = nil, focused: Bool = false) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let b = focused ? theme.focusedBox : theme.box
        let fg = theme.paint(color ?? (focused ? theme.accent : theme.border))
        func set(_ x: Int, _ y: Int, _ ch: Character) {
            var c = buffer.inBounds(x, y) ? buffer[x, y] : Cell.blank
            c.char = ch; c.fg = fg; c.attrs = []
            buffer[x, y] = c
        }
        for x in (rect.x + 1)..<(rect.maxX - 1) { set(x, rect.y, b.horizontal); set(x, rect.maxY - 1, b.horizontal) }
        for y in (rect.y + 1)..<(rect.maxY - 1) { set(rect.x, y, b.vertical); set(rect.maxX - 1, y, b.vertical) }
        set(rect.x, rect.y, b.topLeft); set(rect.maxX - 1, rect.y, b.topRight)
        set(rect.x, rect.maxY - 1, b.bottomLeft); set(rect.maxX - 1, rect.maxY - 1, b.bottomRight)
        if let title, rect.width > 4 {
            let t = TextLayout.truncate(" \(TextLayout.displayable(title, unicode: theme.unicode)) ", width: rect.width - 2, ellipsis: theme.ellipsis)
            let attrs: CellAttributes = focused || !theme.mode.colour ? .bold : []
            buffer.put(t, x: rect.x + 1, y: rect.y, fg: theme.paint(focused ? theme.accent : theme.title), attrs: attrs)
        }
        return inner(rect)
    }

    /// The rect inside a one-cell border.
    public static func inner(_ rect: Rect) -> Rect {
        Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 2)
    }
}

extension CellBuffer {
    /// Whether (x, y) lies inside the buffer.
    @inline(__always)
    public func inBounds(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }
}

extension Rect {
    /// The rect of `width × height` centred in this one (clamped to it), for dialogs and the help overlay.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = Swift.min(w, width), ch = Swift.min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// The intersection with another rect (empty when they do not overlap).
    public func intersection(_ o: Rect) -> Rect {
        let x0 = Swift.max(x, o.x), y0 = Swift.max(y, o.y)
        return Rect(x: x0, y: y0, width: Swift.min(maxX, o.maxX) - x0, height: Swift.min(maxY, o.maxY) - y0)
    }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && py >= y && px < maxX && py < maxY }
}
