/// A column of a `Table`.
public struct TableColumn: Sendable, Equatable {
    public var title: String
    /// Width in cells; 0 shares the columns left over by fixed-width columns equally.
    public var width: Int
    public var alignRight: Bool
    public init(_ title: String, width: Int, alignRight: Bool = false) {
        self.title = title; self.width = width; self.alignRight = alignRight
    }
}

/// What the user did to a table: kept by the caller between frames (ratatui's `TableState`).
public struct TableState: Sendable, Equatable {
    public var selected: Int?
    /// First visible row; the widget corrects it to keep `selected` visible, and returns the
    /// corrected value in `TableLayout.offset` for the caller to store.
    public var offset: Int
    public var sortColumn: Int?
    public var sortAscending: Bool
    public init(selected: Int? = nil, offset: Int = 0, sortColumn: Int? = nil, sortAscending: Bool = true) {
        self.selected = selected; self.offset = offset; self.sortColumn = sortColumn; self.sortAscending = sortAscending
    }
}

/// Where a table drew its rows and columns: the caller turns mouse positions into rows and
/// columns with it, so hit-testing always agrees with what is on screen.
public struct TableLayout: Sendable, Equatable {
    public var headerY: Int
    public var firstRowY: Int
    /// Indices of the rows on screen, top to bottom.
    public var visibleRows: Range<Int>
    /// The corrected scroll offset (store it back into `TableState.offset`).
    public var offset: Int
    /// Screen x-range of each column (clipped columns have empty ranges).
    public var columnSpans: [Range<Int>]

    /// The row index drawn at screen row y, or nil (header, outside, past the last row).
    public func row(atY y: Int) -> Int? {
        let i = visibleRows.lowerBound + (y - firstRowY)
        return y >= firstRowY && visibleRows.contains(i) ? i : nil
    }

    /// The column at screen column x (clicks on the header sort by it), or nil.
    public func column(atX x: Int) -> Int? { columnSpans.firstIndex { $0.contains(x) } }
}

/// A scrolling table with a header (sort arrow on the sorted column), a highlighted selected
/// row, optional per-row colours and a scroll bar when rows overflow. Rows are requested
/// through a closure, so only the visible ones are formatted (datasets have thousands).
public enum Table {
    @discardableResult
    public static func draw(columns: [TableColumn], rowCount: Int, cell: (_ row: Int, _ column: Int) -> String,
                            rowColor: ((Int) -> RGB?)? = nil, cellColor: ((_ row: Int, _ column: Int) -> RGB?)? = nil,
                            state: TableState, in rect: Rect, into buffer: inout CellBuffer, theme: Theme = .standard) -> TableLayout {
        let bodyHeight = Swift.max(0, rect.height - 1)
        let scrollbar = rowCount > bodyHeight && bodyHeight > 0 && rect.width > 4
        let width = rect.width - (scrollbar ? 1 : 0)

        let spans = columnSpans(columns, x: rect.x, width: width)

        // Offset: clamp, then bring the selection into view.
        var offset = Swift.max(0, Swift.min(state.offset, rowCount - bodyHeight))
        if let s = state.selected, bodyHeight > 0, s >= 0, s < rowCount {
            if s < offset { offset = s }
            if s >= offset + bodyHeight { offset = s - bodyHeight + 1 }
        }
        let visible = offset..<Swift.min(rowCount, offset + bodyHeight)
        let layout = TableLayout(headerY: rect.y, firstRowY: rect.y + 1, visibleRows: visible, offset: offset, columnSpans: spans)
        guard !rect.isEmpty else { return layout }

        let ellipsis = theme.ellipsis
        // Header.
        let headerAttrs: CellAttributes = !theme.mode.colour ? [.bold, .underline] : [.bold]
        buffer.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), with: Cell(" "))
        for (i, c) in columns.enumerated() where !spans[i].isEmpty {
            var title = TextLayout.displayable(c.title, unicode: theme.unicode)
            if state.sortColumn == i {
                let arrow = theme.unicode ? (state.sortAscending ? "▲" : "▼") : (state.sortAscending ? "^" : "v")
                title = TextLayout.truncate(title, width: spans[i].count - 1, ellipsis: ellipsis) + arrow
            }
            let t = TextLayout.fit(title, width: spans[i].count, alignRight: c.alignRight, ellipsis: ellipsis)
            buffer.put(t, x: spans[i].lowerBound, y: rect.y, fg: theme.paint(theme.title), attrs: headerAttrs)
        }

        // Body.
        for (line, row) in visible.enumerated() {
            let y = rect.y + 1 + line
            let selected = state.selected == row
            let bg = selected ? theme.paint(theme.selectionBackground) : nil
            let attrs: CellAttributes = selected ? (!theme.mode.colour ? .reverse : .bold) : []
            let fg = selected ? theme.paint(theme.selectionText) : theme.paint(rowColor?(row) ?? theme.text)
            buffer.fill(Rect(x: rect.x, y: y, width: width, height: 1), with: Cell(" ", bg: bg, attrs: attrs))
            for (i, c) in columns.enumerated() where !spans[i].isEmpty {
                let t = TextLayout.fit(TextLayout.displayable(cell(row, i), unicode: theme.unicode), width: spans[i].count, alignRight: c.alignRight, ellipsis: ellipsis)
                let cfg = selected ? fg : (cellColor?(row, i).map(theme.paint) ?? fg)
                buffer.put(t, x: spans[i].lowerBound, y: y, fg: cfg, bg: bg, attrs: attrs)
            }
        }
        // Rows below the last one are cleared so a shrinking table leaves no stale text.
        for line in visible.count..<bodyHeight {
            buffer.fill(Rect(x: rect.x, y: rect.y + 1 + line, width: width, height: 1), with: Cell(" "))
        }

        if scrollbar {
            let sx = rect.maxX - 1
            let thumb = Swift.max(1, bodyHeight * bodyHeight / rowCount)
            let maxOffset = Swift.max(1, rowCount - bodyHeight)
            let top = (bodyHeight - thumb) * offset / maxOffset
            for i in 0..<bodyHeight {
                let on = i >= top && i < top + thumb
                let ch: Character = theme.unicode ? (on ? "█" : "│") : (on ? "#" : "|")
                buffer.put(String(ch), x: sx, y: rect.y + 1 + i, fg: theme.paint(on ? theme.accent : theme.border))
            }
            buffer.put(" ", x: sx, y: rect.y)
        }
        return layout
    }

    /// Screen x-ranges of the columns in `width` cells from `x`: fixed widths first, flexible
    /// columns (width 0) share the rest; one space between columns. Mouse hits use the same
    /// function, so they agree with what is drawn.
    public static func columnSpans(_ columns: [TableColumn], x: Int, width: Int) -> [Range<Int>] {
        let gaps = Swift.max(0, columns.count - 1)
        let fixed = columns.reduce(0) { $0 + $1.width }
        let flexCount = columns.filter { $0.width == 0 }.count
        let flexWidth = flexCount > 0 ? Swift.max(1, (width - fixed - gaps) / flexCount) : 0
        var spans: [Range<Int>] = []
        var cx = x
        for c in columns {
            let w = c.width == 0 ? flexWidth : c.width
            let end = Swift.min(x + width, cx + w)
            spans.append(cx..<Swift.max(cx, end))
            cx = Swift.min(x + width, cx + w + 1)
        }
        return spans
    }

    /// The same for rows held as strings.
    @discardableResult
    public static func draw(columns: [TableColumn], rows: [[String]], rowColor: ((Int) -> RGB?)? = nil,
                            cellColor: ((_ row: Int, _ column: Int) -> RGB?)? = nil, state: TableState,
                            in rect: Rect, into buffer: inout CellBuffer, theme: Theme = .standard) -> TableLayout {
        draw(columns: columns, rowCount: rows.count, cell: { r, c in c < rows[r].count ? rows[r][c] : "" },
             rowColor: rowColor, cellColor: cellColor, state: state, in: rect, into: &buffer, theme: theme)
    }
}
