import XCTest
import Core
import Render

/// Every widget, drawn in ASCII and monochrome modes at the standard sizes, must produce only
/// 7-bit characters (a non-UTF-8 locale drops anything else), and monochrome no colours at all.
final class FallbackTests: XCTestCase {
    func drawEverything(_ b: inout CellBuffer, theme: Theme) {
        let w = b.width, h = b.height
        let third = h / 3
        MapOverlay.draw(image: Fixtures.image(width: 64, height: 48, gradient: true), map: Fixtures.blob(),
                        groundTruth: GroundTruthMap.boxes([[0.2, 0.2, 0.6, 0.7]]), options: OverlayOptions(threshold: 0.3),
                        in: Rect(x: 0, y: 0, width: w / 2, height: third), into: &b, theme: theme)
        Histogram.draw(series: Fixtures.conditions.map { HistogramSeries.condition($0, values: Fixtures.values(count: 100, lo: 0.1, spread: 0.5, seed: 3), theme: theme) },
                       markers: HistogramMarkers(threshold: 0.3, positiveQ1: 0.4, negativeQ3: 0.35, separability: 0.05),
                       layout: .overlaid, in: Rect(x: w / 2, y: 0, width: w / 2, height: third), into: &b, theme: theme)
        Table.draw(columns: [TableColumn("id · name", width: 0), TableColumn("max", width: 6, alignRight: true)],
                   rows: (0..<100).map { ["sample–\($0) ×", "0.5"] }, state: TableState(selected: 40, sortColumn: 1),
                   in: Rect(x: 0, y: third, width: w / 2, height: third), into: &b, theme: theme)
        TextBox.draw(title: "Help — keys", lines: ["↑/↓ move · enter open …", String(repeating: "word ", count: 60)],
                     in: Rect(x: w / 2, y: third, width: w / 2, height: third), into: &b, theme: theme)
        Sparkline.draw(Fixtures.values(count: 300, lo: 0.1, spread: 2, seed: 9), in: Rect(x: 0, y: 2 * third, width: w / 3, height: 3), into: &b, theme: theme)
        ProgressBar.draw(fraction: 0.37, label: "epoch 2 · step 40", in: Rect(x: 0, y: 2 * third + 3, width: w / 3, height: 1), into: &b, theme: theme)
        Waveform.draw(samples: (0..<4000).map { Float(($0 * 7919) % 200) / 100 - 1 }, playhead: 0.3,
                      in: Rect(x: w / 3, y: 2 * third, width: w / 3, height: 3), into: &b, theme: theme)
        Spectrogram.draw(values: (0..<(64 * 40)).map { Float($0 % 64) }, rows: 40, cols: 64, in: Rect(x: 2 * w / 3, y: 2 * third, width: w / 3, height: 3),
                         into: &b, theme: theme, playhead: 0.5)
        StatusLine.draw(left: [.init("EXPLORE"), .init("id · x")], right: "U=0.3 …", in: Rect(x: 0, y: h - 1, width: w, height: 1), into: &b, theme: theme)
    }

    func testASCIIAndMonochromeEverywhere() {
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            for mode in [RenderMode.ascii, .monochrome] {
                var b = CellBuffer(width: w, height: h)
                drawEverything(&b, theme: Theme(mode: mode))
                let bad = b.cells.enumerated().filter { !$0.element.char.isASCII }.prefix(3).map { "(\($0.offset % w),\($0.offset / w)) \($0.element.char)" }
                XCTAssertTrue(bad.isEmpty, "\(w)×\(h) \(mode): \(bad)")
                if mode == .monochrome { XCTAssertTrue(Fixtures.hasNoColour(b), "\(w)×\(h)") }
            }
        }
    }

    /// The same frame in Unicode modes does use block characters (the test above can fail).
    func testUnicodeModesUseBlocks() {
        var b = CellBuffer(width: 80, height: 24)
        drawEverything(&b, theme: Theme(mode: .trueColor))
        XCTAssertFalse(Fixtures.isASCII(b))
        XCTAssertTrue(b.cells.contains { $0.char == "▀" })
    }
}
