import Foundation
import Render

/// Small drawing helpers on `CellBuffer` shared by the panels.
extension CellBuffer {
    /// A frame with a title; returns the inner rectangle.
    @discardableResult
    mutating func box(_ r: Rect, title: String = "", focused: Bool = false, ascii: Bool = false) -> Rect {
        guard r.width >= 2, r.height >= 2 else { return Rect(x: r.x, y: r.y, width: 0, height: 0) }
        let fg = focused ? Theme.accent : Theme.dimText
        let (h, v, tl, tr, bl, br): (Character, Character, Character, Character, Character, Character) =
            focused ? ("━", "┃", "┏", "┓", "┗", "┛") : ("─", "│", "┌", "┐", "└", "┘")
        for x in r.x..<r.maxX {
            self[x, r.y] = Cell(h, fg: fg); self[x, r.maxY - 1] = Cell(h, fg: fg)
        }
        for y in r.y..<r.maxY {
            self[r.x, y] = Cell(v, fg: fg); self[r.maxX - 1, y] = Cell(v, fg: fg)
        }
        self[r.x, r.y] = Cell(tl, fg: fg); self[r.maxX - 1, r.y] = Cell(tr, fg: fg)
        self[r.x, r.maxY - 1] = Cell(bl, fg: fg); self[r.maxX - 1, r.maxY - 1] = Cell(br, fg: fg)
        if !title.isEmpty {
            put(" \(title) ", x: r.x + 2, y: r.y, fg: focused ? Theme.accent : nil, attrs: focused ? .bold : [], maxWidth: r.width - 4)
        }
        return Rect(x: r.x + 1, y: r.y + 1, width: r.width - 2, height: r.height - 2)
    }

    /// Text clipped to a rectangle row, padded with blanks to its width.
    mutating func line(_ s: String, in r: Rect, row: Int, fg: RGB? = nil, bg: RGB? = nil, attrs: CellAttributes = []) {
        guard row >= 0, row < r.height else { return }
        let y = r.y + row
        for x in r.x..<r.maxX { self[x, y] = Cell(" ", fg: fg, bg: bg, attrs: attrs) }
        put(s, x: r.x, y: y, fg: fg, bg: bg, attrs: attrs, maxWidth: r.width)
    }

    /// A horizontal progress bar with eighth blocks.
    mutating func progressBar(_ fraction: Double, x: Int, y: Int, width: Int, fg: RGB = Theme.accent) {
        guard width > 0 else { return }
        let f = max(0, min(1, fraction.isNaN ? 0 : fraction))
        let eighths = Int((f * Double(width * 8)).rounded())
        let parts: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        for i in 0..<width {
            let e = max(0, min(8, eighths - i * 8))
            self[x + i, y] = Cell(e == 8 ? "█" : parts[e], fg: fg, bg: Theme.headerBG)
        }
    }
}

/// Text formatting for figures.
enum Fmt {
    static func f(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, !v.isNaN else { return "–" }
        return String(format: "%.\(digits)f", v)
    }
    static func f(_ v: Float?, _ digits: Int = 3) -> String { f(v.map(Double.init), digits) }
    static func pct(_ v: Double?, _ digits: Int = 1) -> String {
        guard let v, !v.isNaN else { return "–" }
        return String(format: "%.\(digits)f", v)
    }
    static func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
        if w <= 0 { return "" }
        if s.count > w { return String(s.prefix(max(0, w - 1))) + "…" }
        let p = String(repeating: " ", count: w - s.count)
        return right ? p + s : s + p
    }
    static func time(_ s: Double) -> String {
        let t = max(0, s)
        return String(format: "%d:%04.1f", Int(t) / 60, t.truncatingRemainder(dividingBy: 60))
    }
}
