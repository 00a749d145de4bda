import XCTest
import Core
import Render

/// Colour depth and ASCII fallbacks are decided in Render: the palettes, the 8-colour dither and
/// `CellBuffer.conform(to:)`, which is the last step of every explorer frame.
final class RenderModeTests: XCTestCase {
    /// The 8 ANSI colours (the 256-colour palette is tested in ColorMapTests).
    func testPalette8() {
        XCTAssertEqual(Palette8.nearestIndex(RGB(250, 10, 10)), 1)
        XCTAssertEqual(Palette8.nearestIndex(RGB(20, 20, 200)), 4)
        XCTAssertEqual(Palette8.nearestIndex(RGB(240, 240, 240)), 7)
        for c in Palette8.colors { XCTAssertEqual(Palette8.snap(c), c) }
    }

    /// Ordered dithering: a mid grey becomes a pattern of black and white whose mean is grey;
    /// pure palette colours stay themselves; the result only depends on the position mod 4.
    func testDither() {
        let grey = RGB(128, 128, 128)
        var white = 0
        for y in 0..<4 { for x in 0..<4 {
            let d = Palette8.dither(grey, x: x, y: y)
            XCTAssertTrue(d == Palette8.colors[0] || d == Palette8.colors[7])
            if d == Palette8.colors[7] { white += 1 }
            XCTAssertEqual(d, Palette8.dither(grey, x: x + 4, y: y + 8))
        } }
        XCTAssertEqual(white, 8)
        XCTAssertEqual(Palette8.dither(.black, x: 1, y: 2), .black)
        XCTAssertEqual(Palette8.dither(RGB(255, 255, 255), x: 3, y: 1), Palette8.colors[7])
    }

    func testHalfBlockCellPerMode() {
        let top = RGB(200, 30, 30), bottom = RGB(30, 30, 200)
        XCTAssertEqual(HalfBlockImage.cell(top: top, bottom: bottom, mode: .trueColor), Cell("▀", fg: top, bg: bottom))
        let p = HalfBlockImage.cell(top: top, bottom: bottom, mode: .palette256)
        XCTAssertEqual(p.fg, Palette256.snap(top)); XCTAssertEqual(p.bg, Palette256.snap(bottom))
        let b = HalfBlockImage.cell(top: top, bottom: bottom, mode: .basic8)
        XCTAssertEqual(b.char, "▀")
        XCTAssertTrue(Palette8.colors.contains(b.fg!) && Palette8.colors.contains(b.bg!))
        let a = HalfBlockImage.cell(top: top, bottom: bottom, mode: RenderMode(colors: .palette256, unicode: false))
        XCTAssertTrue(a.char.isASCII); XCTAssertEqual(a.fg, Palette256.snap(a.fg!))
        let m = HalfBlockImage.cell(top: top, bottom: bottom, mode: .monochrome)
        XCTAssertNil(m.fg); XCTAssertNil(m.bg); XCTAssertTrue(m.char.isASCII)
    }

    /// Text a screen writes directly is fitted too: palette colours, ASCII look-alikes, reverse
    /// video for coloured backgrounds without colour, ramp characters for coloured blocks.
    func testConform() {
        var b = CellBuffer(width: 6, height: 1)
        b.put("│▶…", x: 0, y: 0, fg: RGB(100, 150, 200), bg: RGB(0, 95, 135))
        b[3, 0] = Cell("▀", fg: .white, bg: .white)
        b[4, 0] = Cell("x", bg: RGB(20, 20, 20))
        var p = b; p.conform(to: .palette256)
        XCTAssertEqual(p.lines, b.lines)
        XCTAssertEqual(p[0, 0].fg, Palette256.snap(RGB(100, 150, 200)))
        var e = b; e.conform(to: .basic8)
        XCTAssertTrue(e.cells.allSatisfy { c in [c.fg, c.bg].allSatisfy { $0 == nil || Palette8.colors.contains($0!) } })
        var a = b; a.conform(to: RenderMode(colors: .palette256, unicode: false))
        XCTAssertEqual(a.lines, ["|>~@x "])                          // a white half block: the brightest ramp character
        var m = b; m.conform(to: .monochrome)
        XCTAssertEqual(m.lines, ["|>~@x "])
        XCTAssertTrue(m.cells.allSatisfy { $0.fg == nil && $0.bg == nil })
        XCTAssertTrue(m[0, 0].attrs.contains(.reverse))      // selection background → reverse video
        XCTAssertFalse(m[4, 0].attrs.contains(.reverse))     // near-black dialog background → nothing
        var t = b; t.conform(to: .trueColor)
        XCTAssertEqual(t, b)
    }

    func testFocusedBorder() {
        var b = CellBuffer(width: 10, height: 3)
        Border.draw(b.area, title: "A", into: &b, focused: true)
        XCTAssertEqual(b[0, 0].char, "┏"); XCTAssertEqual(b[0, 1].char, "┃")
        XCTAssertEqual(b[0, 0].fg, Theme.standard.accent)
        XCTAssertTrue(b[2, 0].attrs.contains(.bold))
        var u = CellBuffer(width: 10, height: 3)
        Border.draw(u.area, title: "A", into: &u)
        XCTAssertEqual(u[0, 0].char, "┌"); XCTAssertEqual(u[0, 0].fg, Theme.standard.border)
        var a = CellBuffer(width: 10, height: 3)
        Border.draw(a.area, title: "A", into: &a, theme: Theme(mode: .monochrome), focused: true)
        XCTAssertEqual(a[0, 0].char, "#"); XCTAssertEqual(a[6, 0].char, "="); XCTAssertEqual(a[0, 1].char, "#")
    }

    /// The live window is drawn in the warning colour between brackets; the envelope style
    /// fills from the bottom with eighth blocks.
    func testWaveformWindowAndEnvelope() {
        let theme = Theme.standard
        let samples = (0..<4000).map { Float(sin(Double($0) / 5)) * Float($0) / 4000 }
        var b = CellBuffer(width: 40, height: 2)
        Waveform.draw(samples: samples, playhead: 0.1, window: 0.2...0.4, in: b.area, into: &b, theme: theme, style: .envelope)
        XCTAssertEqual(b[12, 1].fg, theme.warn)
        XCTAssertNotEqual(b[35, 1].fg, theme.warn)
        XCTAssertEqual(b[4, 0].char, "│")                           // playhead
        XCTAssertEqual(b[8, 0].char, "[")                           // bracket on the blank top row
        XCTAssertEqual(b[15, 0].char, "]")
        // Envelope: louder (later) columns are taller.
        func height(_ x: Int) -> Int { (0..<2).reduce(0) { $0 + (Blocks.vertical.firstIndex(of: b[x, $1].char) ?? 0) } }
        XCTAssertLessThan(height(10), height(38))
    }

    /// Stacked histogram: one band per series, each scaled to its own peak, labels in a gutter.
    func testStackedHistogram() {
        var b = CellBuffer(width: 40, height: 16)
        let series = [AudioCondition.positive, .silence].map { HistogramSeries.condition($0, values: Array(repeating: $0 == .positive ? 0.8 : 0.2, count: 5 + ($0 == .positive ? 100 : 0))) }
        let g = Histogram.draw(series: series, markers: HistogramMarkers(threshold: 0.5), layout: .stacked, in: b.area, into: &b)
        XCTAssertEqual(g.plot.x, 4)
        let text = b.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("pos")); XCTAssertTrue(text.contains("sil"))
        // Both series reach full height in their own band despite 105 vs 5 samples.
        let full = b.cells.filter { $0.char == "█" }
        XCTAssertTrue(full.contains { $0.fg == Theme.standard.positive })
        XCTAssertTrue(full.contains { $0.fg == Theme.standard.silence })
    }

    func testTableCellColours() {
        var b = CellBuffer(width: 20, height: 4)
        Table.draw(columns: [TableColumn("a", width: 5), TableColumn("b", width: 5)], rows: [["x", "y"], ["z", "w"]],
                   cellColor: { r, c in r == 1 && c == 1 ? RGB(1, 2, 3) : nil }, state: TableState(selected: 0), in: b.area, into: &b)
        XCTAssertEqual(b[6, 2].fg, RGB(1, 2, 3))
        XCTAssertEqual(b[6, 1].fg, Theme.standard.selectionText)   // the selected row keeps its colour
        XCTAssertEqual(Table.columnSpans([TableColumn("a", width: 5), TableColumn("b", width: 0)], x: 2, width: 12), [2..<7, 8..<14])
    }
}
