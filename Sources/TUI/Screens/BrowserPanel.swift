import Foundation
import Core
import Render

/// The sample list (Render's `Table`): id, class, IoU at the threshold, max similarity per condition.
enum BrowserPanel {
    struct Column { let kind: SortColumn?; let column: TableColumn }

    /// The columns for an inner width and sort key. All widths are fixed and leave the last
    /// column to the table's scroll bar, so a column's position never depends on whether the
    /// list scrolls (mouse hits on the header use the same spans). The column the list is sorted
    /// by is always among them: when sil/noi/off do not all fit, the last numeric column shows
    /// the sort key (`leak` otherwise, the largest of the three).
    static func columns(width: Int, sort: SortColumn) -> [Column] {
        let num = 5
        let negatives: [SortColumn] = [.silence, .noise, .offscreen, .leak]
        let extra = negatives.contains(sort) ? sort : .leak
        let numeric: [SortColumn]
        if width >= 72 { numeric = [.iou, .positive, .silence, .noise, .offscreen, .leak] }
        else if width >= 40 { numeric = [.iou, .positive, extra] }
        else if sort == .label { numeric = [.iou] }  // room for the class column it is sorted by
        else { numeric = [.iou, negatives.contains(sort) ? sort : .positive] }
        // Marker, id, optional class, numbers; one gap between columns; one column for the scroll bar.
        let usable = width - 1
        var rest = usable - 1 - numeric.count * (num + 1) - 1
        let showClass = rest >= 20 || (sort == .label && rest >= 16)
        if showClass { rest -= 1 }
        let idW = showClass ? max(10, rest * 55 / 100) : rest
        var cols = [Column(kind: nil, column: TableColumn(" ", width: 1)), Column(kind: .id, column: TableColumn("id", width: idW))]
        if showClass { cols.append(Column(kind: .label, column: TableColumn("class", width: rest - idW))) }
        for n in numeric { cols.append(Column(kind: n, column: TableColumn(n.title, width: num, alignRight: true))) }
        return cols
    }

    /// The sort column under inner x position `x` (header clicks), or nil.
    static func column(at x: Int, width: Int, sort: SortColumn) -> SortColumn? {
        let cols = columns(width: width, sort: sort)
        let spans = Table.columnSpans(cols.map(\.column), x: 0, width: width - 1)
        return spans.firstIndex { $0.contains(x) }.flatMap { cols[$0].kind }
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

    static func draw(_ s: ExplorerState, layout l: Layout, into buf: inout CellBuffer, theme: Theme) {
        var title = "Samples \(s.order.count)/\(s.samples.count)"
        if let c = s.classFilter { title += " class=\(c)" }
        if !s.textFilter.isEmpty { title += " ‘\(s.textFilter)’" }
        let inner = Border.draw(l.browser, title: title, into: &buf, theme: theme, focused: s.focus == .browser)
        guard inner.height > 1 else { return }
        let cols = columns(width: inner.width, sort: s.sort)
        let sortIndex = cols.firstIndex { $0.kind == s.sort }
        Table.draw(columns: cols.map(\.column), rowCount: s.order.count,
                   cell: { row, c in
                       let i = s.order[row]
                       guard let k = cols[c].kind else { return s.tagged.contains(i) ? "●" : (row == s.cursor ? "▶" : " ") }
                       return cell(s, i, k)
                   },
                   cellColor: { row, c in
                       let i = s.order[row]
                       switch cols[c].kind {
                       case nil: return s.tagged.contains(i) ? theme.tagged : theme.accent
                       case .id?: return s.problems[i] != nil ? theme.error : nil
                       case .iou?:
                           guard let v = s.iou(i), !v.isNaN else { return nil }
                           return v >= 0.5 ? theme.ok : (v < 0.1 ? theme.error : nil)
                       default: return nil
                       }
                   },
                   state: TableState(selected: s.order.isEmpty ? nil : s.cursor, offset: s.scroll, sortColumn: sortIndex, sortAscending: !s.descending),
                   in: inner, into: &buf, theme: theme)
        if s.order.isEmpty {
            buf.put(s.samples.isEmpty ? "no samples in this dataset" : "no sample matches the filter", x: l.browserRows.x + 1, y: l.browserRows.y,
                    fg: theme.paint(theme.dimText))
        }
    }
}
