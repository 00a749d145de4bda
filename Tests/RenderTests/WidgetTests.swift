import XCTest
import Core
import Render

final class WidgetTests: XCTestCase {
    let rows = (0..<20).map { ["s\($0)", formatFixed(Double($0) / 20, digits: 2)] }
    let columns = [TableColumn("id", width: 0), TableColumn("max", width: 5, alignRight: true)]

    func testTableScrollsToSelectionAndReportsVisibleRows() {
        var b = CellBuffer(width: 30, height: 6)
        let theme = Theme(mode: .trueColor)
        let layout = Table.draw(columns: columns, rows: rows, state: TableState(selected: 7, offset: 0, sortColumn: 1, sortAscending: false),
                                in: b.area, into: &b, theme: theme)
        assertLines(b, [
            "id                       max▼ ",
            "s3                       0.15█",
            "s4                       0.20│",
            "s5                       0.25│",
            "s6                       0.30│",
            "s7                       0.35│",
        ])
        XCTAssertEqual(layout.visibleRows, 3..<8)
        XCTAssertEqual(layout.offset, 3)
        XCTAssertEqual(layout.row(atY: 5), 7)
        XCTAssertNil(layout.row(atY: 0))
        XCTAssertEqual(layout.column(atX: 0), 0)
        XCTAssertEqual(layout.column(atX: 26), 1)
        XCTAssertNil(layout.column(atX: 29))
        // Selected row highlighted, others plain text colour.
        XCTAssertEqual(b[0, 5].bg, theme.selectionBackground)
        XCTAssertEqual(b[0, 5].fg, theme.selectionText)
        XCTAssertNil(b[0, 4].bg)
        XCTAssertEqual(b[0, 4].fg, theme.text)
    }

    func testTableRowColoursAndShortTables() {
        var b = CellBuffer(width: 20, height: 5)
        b.fill(b.area, with: Cell("x"))
        let layout = Table.draw(columns: [TableColumn("cond", width: 10), TableColumn("v", width: 0, alignRight: true)],
                                rows: [["positive", "0.61"], ["silence", "0.02"]],
                                rowColor: { $0 == 0 ? Theme.standard.positive : Theme.standard.silence },
                                state: TableState(sortColumn: 0), in: b.area, into: &b)
        assertLines(b, [
            "cond▲              v",
            "positive        0.61",
            "silence         0.02",
            "                    ",
            "                    ",
        ])
        XCTAssertEqual(b[0, 1].fg, Theme.standard.positive)
        XCTAssertEqual(b[0, 2].fg, Theme.standard.silence)
        XCTAssertEqual(layout.visibleRows, 0..<2)
        XCTAssertNil(layout.row(atY: 3))
    }

    /// Columns wider than the rect are clipped, never drawn outside it.
    func testTableNarrowerThanColumns() {
        var b = CellBuffer(width: 14, height: 3)
        b.fill(b.area, with: Cell("x"))
        let layout = Table.draw(columns: [TableColumn("identifier", width: 10), TableColumn("value", width: 8)],
                                rows: [["abcdefghijkl", "0.123456"]], state: TableState(), in: Rect(x: 0, y: 0, width: 12, height: 3), into: &b)
        // The one-column remainder of "value" shows only the cut mark; cells right of the table stay.
        assertLines(b, [
            "identifier …xx",
            "abcdefghi… …xx",
            "            xx",
        ])
        XCTAssertEqual(layout.columnSpans, [0..<10, 11..<12])
    }

    func testTableASCII() {
        var b = CellBuffer(width: 30, height: 6)
        Table.draw(columns: columns, rows: rows, state: TableState(selected: 19, sortColumn: 0), in: b.area, into: &b, theme: Theme(mode: .ascii))
        assertLines(b, [
            "id^                       max ",
            "s15                      0.75|",
            "s16                      0.80|",
            "s17                      0.85|",
            "s18                      0.90|",
            "s19                      0.95#",
        ])
    }

    func testTextBoxWrapsAndBorders() {
        var b = CellBuffer(width: 20, height: 6)
        let n = TextBox.draw(title: "Help", lines: ["q quit", "t threshold up and down by a step"], in: b.area, into: &b)
        XCTAssertEqual(n, 4)
        assertLines(b, [
            "┌ Help ────────────┐",
            "│ q quit           │",
            "│ t threshold up   │",
            "│ and down by a    │",
            "│ step             │",
            "└──────────────────┘",
        ])
        var a = CellBuffer(width: 20, height: 4)
        TextBox.draw(title: "Help", lines: ["q quit", "t threshold up and down by a step"], in: a.area, into: &a,
                     theme: Theme(mode: .ascii), scroll: 1)
        assertLines(a, [
            "+ Help ------------+",
            "| t threshold up   |",
            "| and down by a    |",
            "+----------- 2-3/4 +",
        ])
    }

    func testWrap() {
        XCTAssertEqual(TextLayout.wrap("abc def ghi", width: 7), ["abc def", "ghi"])
        XCTAssertEqual(TextLayout.wrap("abcdefghij", width: 4), ["abcd", "efgh", "ij"])
        XCTAssertEqual(TextLayout.wrap("a\n\nb", width: 4), ["a", "", "b"])
        XCTAssertEqual(TextLayout.wrap("  indented text", width: 10), ["  indented", "text"])
        XCTAssertEqual(TextLayout.truncate("abcdef", width: 4), "abc…")
    }

    func testProgressBar() {
        var b = CellBuffer(width: 30, height: 1)
        ProgressBar.draw(fraction: 0.42, label: "epoch 3", in: b.area, into: &b)
        assertLines(b, ["▕██████▎        ▏  42% epoch 3"])
        var a = CellBuffer(width: 30, height: 1)
        ProgressBar.draw(fraction: 1.5, label: "done", in: a.area, into: &a, theme: Theme(mode: .ascii))
        assertLines(a, ["[##################] 100% done"])
    }

    func testStatusLine() {
        var b = CellBuffer(width: 40, height: 1)
        let theme = Theme.standard
        StatusLine.draw(left: [.init("EXPLORE", bold: true), .init("vggss/0001", color: theme.positive)], right: "U=0.334",
                        in: b.area, into: &b, theme: theme)
        assertLines(b, [" EXPLORE │ vggss/0001            U=0.334"])
        XCTAssertEqual(b[12, 0].fg, theme.positive)
        XCTAssertTrue(b.cells.allSatisfy { $0.bg == theme.statusBackground })
        // Too narrow: the left side is cut, the message stays whole.
        var n = CellBuffer(width: 16, height: 1)
        StatusLine.draw(left: [.init("EXPLORE"), .init("vggss/0001")], right: "U=0.334", in: n.area, into: &n, theme: Theme(mode: .ascii))
        assertLines(n, [" EXPLORE U=0.334"])
    }

    func testSparkline() {
        var b = CellBuffer(width: 12, height: 2)
        let range = Sparkline.draw([4, 3, 2, 1, 0, .nan, 8], in: b.area, into: &b)
        XCTAssertEqual(range, 0...8)
        assertLines(b, [
            "▁     █     ",
            "█▇▅▃▁ █     ",
        ])
        // Longer than the width: bucket means.
        XCTAssertEqual(Sparkline.bucketMeans([1, 3, 5, 7], count: 2), [2, 6])
        var a = CellBuffer(width: 6, height: 1)
        Sparkline.draw([1, 10, 100, 1000], in: a.area, into: &a, theme: Theme(mode: .ascii), logScale: true)
        assertLines(a, ["_.o#  "])
    }

    func testWaveformPlayhead() {
        var b = CellBuffer(width: 10, height: 2)
        let theme = Theme.standard
        let samples: [Float] = (0..<1000).map { $0 < 500 ? 0 : ($0 % 2 == 0 ? 1 : -1) }
        Waveform.draw(samples: samples, playhead: 0.25, in: b.area, into: &b, theme: theme)
        assertLines(b, [
            "  │  █████",
            "▀▀▀▀▀█████",
        ])
        XCTAssertEqual(b[2, 0].fg, theme.threshold)
        XCTAssertEqual(b[0, 1].fg, theme.accent)    // played
        XCTAssertEqual(b[7, 1].fg, theme.accent)    // not yet played: same colour, dim
        XCTAssertEqual(b[7, 1].attrs, .dim)
        XCTAssertEqual(b[0, 1].attrs, [])
        var a = CellBuffer(width: 10, height: 2)
        Waveform.draw(samples: samples, playhead: 0.25, in: a.area, into: &a, theme: Theme(mode: .ascii))
        XCTAssertTrue(Fixtures.isASCII(a))
    }

    /// Low frequencies at the bottom, colours from the colour map over the data range.
    func testSpectrogramOrientation() {
        var b = CellBuffer(width: 4, height: 2)
        let values: [Float] = [0, 0, 0, 0, -80, -80, -80, -80]   // row 0 (low) loud, row 1 (high) quiet
        Spectrogram.draw(values: values, rows: 2, cols: 4, in: b.area, into: &b, colorMap: .viridis)
        XCTAssertEqual(b[0, 1].bg, ColorMap.viridis.color(at: 1))
        XCTAssertEqual(b[0, 0].fg, ColorMap.viridis.color(at: 0))
        XCTAssertEqual(b[0, 0].char, "▀")
        var m = CellBuffer(width: 4, height: 2)
        Spectrogram.draw(values: values, rows: 2, cols: 4, in: m.area, into: &m, theme: Theme(mode: .monochrome), playhead: 0.5)
        XCTAssertTrue(Fixtures.isASCII(m)); XCTAssertTrue(Fixtures.hasNoColour(m))
        XCTAssertEqual(m.lines, ["..|.", "%%|%"])   // viridis ends: luma 0.12 and 0.85
    }

    func testBorderSmallRectsAndClipping() {
        var b = CellBuffer(width: 5, height: 3)
        XCTAssertTrue(Border.draw(Rect(x: 0, y: 0, width: 1, height: 3), into: &b).isEmpty)
        let inner = Border.draw(Rect(x: 2, y: 1, width: 6, height: 5), title: "long title", into: &b)
        XCTAssertEqual(inner, Rect(x: 3, y: 2, width: 4, height: 3))
        assertLines(b, ["     ", "  ┌ l", "  │  "])
    }
}

final class ColorBarTests: XCTestCase {
    func testColorBar() {
        var b = CellBuffer(width: 24, height: 1)
        ColorBar.draw(.jet, range: 0.25...0.5, in: b.area, into: &b)
        assertLines(b, ["0.250 ████████████ 0.500"] .map { $0 + String(repeating: " ", count: 24 - $0.count) })
        XCTAssertEqual(b[6, 0].fg, ColorMap.jet.color(at: 0))
        XCTAssertEqual(b[17, 0].fg, ColorMap.jet.color(at: 1))
        var a = CellBuffer(width: 24, height: 1)
        ColorBar.draw(.viridis, range: 0.25...0.5, in: a.area, into: &a, theme: Theme(mode: .monochrome))
        assertLines(a, ["0.250   .:-=+*#%@@ 0.500"])   // the luminance ramp over 12 cells
    }
}
