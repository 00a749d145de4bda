import XCTest
import Core
import Render

final class HistogramTests: XCTestCase {
    let theme = Theme.standard
    var series: [HistogramSeries] {
        [HistogramSeries.condition(.positive, values: [0.9, 0.9, 0.9, 0.7], theme: theme),
         HistogramSeries.condition(.silence, values: [0.1, 0.1, 0.1, 0.1], theme: theme)]
    }
    let markers = HistogramMarkers(threshold: 0.5, positiveQ1: 0.85, negativeQ3: 0.1, separability: 0.75)

    func testOverlaidSnapshot() {
        var b = CellBuffer(width: 20, height: 8)
        let g = Histogram.draw(series: series, markers: markers, layout: .overlaid, in: b.area, into: &b, theme: theme)
        assertLines(b, [
            "█ positive █ silence",
            "  █       ┊      ┊  ",
            "  █       ┊      ┊█ ",
            "  █       ┊      ┊█ ",
            "  █       ┊   █  ┊█ ",
            "┴─U──┴────T────┴─P─┴",
            "0  0.25  0.5 0.75  1",
            "thr 0.5000 P 0.8500 ",  // whole figures only: U does not fit 20 columns
        ])
        XCTAssertEqual(g.bins, 20)
        XCTAssertEqual(g.plot, Rect(x: 0, y: 1, width: 20, height: 4))
        XCTAssertEqual(b[2, 1].fg, theme.silence)
        XCTAssertEqual(b[18, 4].fg, theme.positive)
        XCTAssertEqual(b[10, 5].fg, theme.threshold)
        XCTAssertEqual(b[17, 5].fg, theme.positive)
        let bin = g.bin(atX: 18)!
        XCTAssertEqual(bin.lowerBound, 0.9, accuracy: 1e-12)
        XCTAssertNil(g.bin(atX: 20))
    }

    func testSideBySideSnapshotASCII() {
        var b = CellBuffer(width: 20, height: 8)
        let g = Histogram.draw(series: series, markers: markers, layout: .sideBySide, in: b.area, into: &b, theme: Theme(mode: .ascii))
        assertLines(b, [
            "# positive = silence",
            "  :=      :      :  ",
            "  :=      :      :# ",
            "  :=      :      :# ",
            "  :=      :   #  :# ",
            "+-U--+----T----+-P-+",
            "0  0.25  0.5 0.75  1",
            "thr 0.5000 P 0.8500 ",  // whole figures only: U does not fit 20 columns
        ])
        XCTAssertEqual(g.bins, 10)
        XCTAssertEqual(g.columnsPerBin, 2)
        XCTAssertTrue(Fixtures.isASCII(b))
    }

    /// A marker that is undefined (NaN: e.g. Q1 of no positives yet) is left out, as nil is; it
    /// must not reach `Int(_:)`, which traps on NaN.
    func testUndefinedMarkersAreNotDrawn() {
        var a = CellBuffer(width: 20, height: 8), b = CellBuffer(width: 20, height: 8)
        Histogram.draw(series: series, markers: HistogramMarkers(threshold: 0.5, positiveQ1: .nan, negativeQ3: .infinity),
                       layout: .stacked, range: 0...1, in: a.area, into: &a, theme: theme)
        Histogram.draw(series: series, markers: HistogramMarkers(threshold: 0.5), layout: .stacked, range: 0...1, in: b.area, into: &b, theme: theme)
        XCTAssertEqual(a.lines.dropLast(), b.lines.dropLast())   // the caption line may print "nan"
    }

    /// Partial cells use eighth blocks; the shorter series stands in front of the taller one.
    func testEighthBlocksAndOverlap() {
        var b = CellBuffer(width: 4, height: 1)
        let s = [HistogramSeries(label: "a", values: [0.1, 0.1, 0.1, 0.1, 0.6, 0.6, 0.6], color: RGB(1, 1, 1)),
                 HistogramSeries(label: "b", values: [0.1, 0.1, 0.6], color: RGB(2, 2, 2))]
        Histogram.draw(series: s, layout: .overlaid, in: b.area, into: &b, theme: theme)
        // Densities a = 4/7, 3/7 and b = 2/3, 1/3 scaled by the peak 2/3 to 8 eighths:
        // bin 0: a 6.9 → 7, b 8; bin 2: a 5.1 → 5, b 4. The shorter bar is drawn in front
        // (fg), the taller one shows behind it (bg).
        XCTAssertEqual(b.lines, ["▇ ▄ "])
        XCTAssertEqual(b[0, 0].fg, RGB(1, 1, 1)); XCTAssertEqual(b[0, 0].bg, RGB(2, 2, 2))
        XCTAssertEqual(b[2, 0].fg, RGB(2, 2, 2)); XCTAssertEqual(b[2, 0].bg, RGB(1, 1, 1))
    }

    /// The caption carries the separability with its sign, at every standard terminal width.
    func testCaptionAndASCIIAtStandardSizes() {
        let s = Fixtures.conditions.enumerated().map { i, c in
            HistogramSeries.condition(c, values: Fixtures.values(count: 300, lo: i == 0 ? 0.4 : 0.1, spread: 0.3, seed: UInt64(i + 1)))
        }
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            for mode in RenderMode.allCases {
                var b = CellBuffer(width: w, height: h)
                Histogram.draw(series: s, markers: HistogramMarkers(threshold: 0.35, positiveQ1: 0.47, negativeQ3: 0.33, separability: -0.021),
                               in: b.area, into: &b, theme: Theme(mode: mode))
                XCTAssertTrue(b.lines.last!.hasPrefix("thr 0.3500  P=Q1 pos 0.4700  U=Q3 neg 0.3300  sep -0.0210"), "\(w)×\(h) \(mode)")
                XCTAssertTrue(b.lines[0].contains("offscreen (300)"))
                if !mode.unicode { XCTAssertTrue(Fixtures.isASCII(b), "\(w)×\(h) \(mode)") }
                if mode == .monochrome { XCTAssertTrue(Fixtures.hasNoColour(b)) }
            }
        }
    }
}
