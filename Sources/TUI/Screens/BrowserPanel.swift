import Foundation
import Core
import Render

/// The sample list: id, class, IoU at the threshold, max similarity per condition.
enum BrowserPanel {
    struct Column { let kind: SortColumn?; let title: String; let width: Int; let right: Bool }

    static func columns(width: Int) -> [Column] {
        let num = 6
        var cols: [Column] = [Column(kind: nil, title: " ", width: 2, right: false)]
        let numeric: [SortColumn]
        if width >= 66 { numeric = [.iou, .positive, .silence, .noise, .offscreen] }
        else if width >= 40 { numeric = [.iou, .positive, .leak] }
        else { numeric = [.iou, .positive] }
        var rest = width - 2 - numeric.count * num
        let showClass = rest >= 22
        let idW = showClass ? max(10, rest * 55 / 100) : rest
        cols.append(Column(kind: .id, title: "id", width: idW, right: false))
        rest -= idW
        if showClass { cols.append(Column(kind: .label, title: "class", width: rest, right: false)) }
        for n in numeric { cols.append(Column(kind: n, title: n.title, width: num, right: true)) }
        return cols
    }

    static func column(at x: Int, width: Int) -> SortColumn? {
        var cx = 0
        for c in columns(width: width) {
            if x >= cx && x < cx + c.width { return c.kind }
            cx += c.width
        }
        return nil
    }

    static func cell(_ s: ExplorerState, _ i: Int, _ k: SortColumn) -> String {
        switch k {
        case .id: return s.samples[i].id
        case .label: return s.samples[i].label
        case .iou:
            guard let v = s.iou(i) else { return s.problems[i] != nil ? "err" : "·" }
            return v.isNaN ? "nan" : Fmt.f(v, 2)
        case .positive, .silence, .noise, .offscreen:
            let c = AudioCondition.allCases[[SortColumn.positive, .silence, .noise, .offscreen].firstIndex(of: k)!]
            return s.maximum(i, c).map { Fmt.f($0, 2) } ?? "·"
        case .leak: return s.leak(i).map { Fmt.f($0, 2) } ?? "·"
        }
    }

    static func draw(_ s: ExplorerState, layout l: Layout, into buf: inout CellBuffer) {
        var title = "Samples \(s.order.count)/\(s.samples.count)"
        if let c = s.classFilter { title += " class=\(c)" }
        if !s.textFilter.isEmpty { title += " ‘\(s.textFilter)’" }
        let inner = buf.box(l.browser, title: title, focused: s.focus == .browser)
        guard inner.height > 1 else { return }
        let cols = columns(width: inner.width)
        // Header with the sort arrow.
        var x = inner.x
        for c in cols {
            var t = c.title
            if let k = c.kind, k == s.sort { t += s.descending ? "↓" : "↑" }
            buf.put(Fmt.pad(t, c.width - (c.right ? 1 : 0), right: c.right), x: x, y: inner.y, fg: Theme.accent, bg: Theme.headerBG, attrs: .bold)
            if c.right { buf.put(" ", x: x + c.width - 1, y: inner.y, bg: Theme.headerBG) }
            x += c.width
        }
        for xx in x..<inner.maxX { buf[xx, inner.y] = Cell(" ", bg: Theme.headerBG) }
        let rows = l.browserRows
        if s.order.isEmpty {
            buf.put(s.samples.isEmpty ? "no samples in this dataset" : "no sample matches the filter", x: rows.x + 1, y: rows.y, fg: Theme.dimText)
        }
        for r in 0..<rows.height {
            let p = s.scroll + r
            guard p < s.order.count else { break }
            let i = s.order[p]
            let selected = p == s.cursor
            let bg: RGB? = selected ? Theme.selectionBG : nil
            let y = rows.y + r
            var x = rows.x
            for xx in rows.x..<rows.maxX { buf[xx, y] = Cell(" ", bg: bg) }
            for c in cols {
                var text: String, fg: RGB? = nil
                if let k = c.kind {
                    text = cell(s, i, k)
                    if k == .iou, let v = s.iou(i), !v.isNaN { fg = v >= 0.5 ? Theme.ok : (v < 0.1 ? Theme.bad : nil) }
                    if s.problems[i] != nil && k == .id { fg = Theme.bad }
                } else {
                    text = s.tagged.contains(i) ? "●" : (selected ? "▶" : " ")
                    fg = s.tagged.contains(i) ? Theme.tagged : Theme.accent
                }
                buf.put(Fmt.pad(text, c.width - 1, right: c.right), x: x, y: y, fg: fg, bg: bg, attrs: selected ? .bold : [])
                x += c.width
            }
        }
        // Scroll indicator.
        if s.order.count > rows.height, rows.height > 0 {
            let pos = rows.y + Int(Double(s.scroll) / Double(max(1, s.order.count - rows.height)) * Double(rows.height - 1))
            buf[l.browser.maxX - 1, pos] = Cell("█", fg: Theme.accent)
        }
    }
}
