import XCTest
import Core
import Render

/// Whole frames of Render widgets at the standard terminal sizes: image panel with overlay on the
/// left, sample table on the right, status line at the bottom. (The explorer's real screens, built
/// from an explorer state with these widgets, are snapshotted in Tests/TUITests.)
final class FrameSnapshotTests: XCTestCase {
    let image = Fixtures.image(width: 64, height: 48, gradient: true)
    let rows = (0..<50).map { ["vggss_\($0)", formatFixed(Double(($0 * 37) % 100) / 100, digits: 2)] }

    struct Frame { var buffer: CellBuffer; var placement: ImagePlacement; var table: TableLayout; var imagePanel: Rect }

    func frame(width: Int, height: Int, mode: RenderMode, threshold: Double? = 0.4) -> Frame {
        let theme = Theme(mode: mode)
        var b = CellBuffer(width: width, height: height)
        let leftWidth = width * 3 / 5
        let panel = Rect(x: 0, y: 0, width: leftWidth, height: height - 1)
        let inner = Border.draw(panel, title: "image · positive", into: &b, theme: theme)
        let placement = MapOverlay.draw(image: image, map: Fixtures.blob(), groundTruth: GroundTruthMap.boxes([[0.3, 0.2, 0.7, 0.6]]),
                                        options: OverlayOptions(threshold: threshold, below: .dim), in: inner, into: &b, theme: theme)
        let right = Border.draw(Rect(x: leftWidth, y: 0, width: width - leftWidth, height: height - 1), title: "samples", into: &b, theme: theme)
        let table = Table.draw(columns: [TableColumn("id", width: 0), TableColumn("max", width: 5, alignRight: true)], rows: rows,
                               state: TableState(selected: 2, sortColumn: 1, sortAscending: false), in: right, into: &b, theme: theme)
        StatusLine.draw(left: [.init("EXPLORE", bold: true), .init("vggss_2")], right: "U=0.400",
                        in: Rect(x: 0, y: height - 1, width: width, height: 1), into: &b, theme: theme)
        return Frame(buffer: b, placement: placement, table: table, imagePanel: inner)
    }

    func testStandardSizesAllModes() {
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            for mode in RenderMode.allCases {
                let f = frame(width: w, height: h, mode: mode)
                let lines = f.buffer.lines
                let tag = "\(w)×\(h) \(mode)"
                // Image fits the panel, keeps 4:3 and is centred.
                XCTAssertTrue(f.placement.cells.x >= f.imagePanel.x && f.placement.cells.maxX <= f.imagePanel.maxX, tag)
                XCTAssertTrue(f.placement.cells.height == f.imagePanel.height || f.placement.cells.width == f.imagePanel.width, tag)
                XCTAssertEqual(Double(f.placement.pixelWidth) / Double(f.placement.pixelHeight), 4.0 / 3.0, accuracy: 0.06, tag)
                // Status line text and table rows.
                XCTAssertTrue(lines[h - 1].hasPrefix(" EXPLORE " + (mode.unicode ? "│" : "|") + " vggss_2"), tag)
                XCTAssertTrue(lines[h - 1].hasSuffix("U=0.400"), tag)
                XCTAssertEqual(f.table.visibleRows, 0..<Swift.min(50, h - 4), tag)
                let tableX = w * 3 / 5 + 1
                XCTAssertTrue(String(lines[1].dropFirst(tableX)).hasPrefix("id "), tag)
                XCTAssertTrue(String(lines[4].dropFirst(tableX)).hasPrefix("vggss_2 "), tag)
                if mode.unicode {
                    XCTAssertEqual(f.buffer[f.placement.cells.x + 3, f.placement.cells.y + 1].char, "▀", tag)
                } else {
                    XCTAssertTrue(Fixtures.isASCII(f.buffer), tag)
                }
                if mode == .monochrome { XCTAssertTrue(Fixtures.hasNoColour(f.buffer), tag) }
                if mode == .trueColor {
                    // Top-left image pixel: dimmed (below threshold) gradient start (0, 0, 64)·0.35.
                    XCTAssertEqual(f.buffer[f.placement.cells.x, f.placement.cells.y].fg, RGB(0, 0, 22), tag)
                    XCTAssertEqual(f.buffer[tableX, 4].bg, Theme.standard.selectionBackground, tag)
                }
                if mode == .palette256 {
                    for c in f.buffer.cells { if let fg = c.fg { XCTAssertEqual(Palette256.snap(fg), fg, tag) } }
                }
            }
        }
    }

    /// A higher threshold colours fewer cells of the whole frame.
    func testThresholdAtEverySize() {
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            let raw = frame(width: w, height: h, mode: .trueColor, threshold: nil).buffer
            let low = frame(width: w, height: h, mode: .trueColor, threshold: 0.3).buffer
            let high = frame(width: w, height: h, mode: .trueColor, threshold: 0.5).buffer
            let jetish = { (b: CellBuffer) in b.cells.filter { ($0.fg.map { Int($0.r) + Int($0.g) + Int($0.b) } ?? 0) > 200 && $0.char == "▀" }.count }
            XCTAssertGreaterThan(jetish(raw), jetish(low), "\(w)×\(h)")
            XCTAssertGreaterThan(jetish(low), jetish(high), "\(w)×\(h)")
        }
    }

    /// The complete 80×24 ASCII frame, character for character.
    func testASCIIFrame80x24() {
        let f = frame(width: 80, height: 24, mode: .ascii)
        // Title '·' becomes '.', the image (dimmed below U) is a luminance ramp, the blended
        // map region is brighter (+*), the ground-truth box is +-|, the scroll bar #|.
        assertLines(f.buffer, [
            "+ image . positive ----------------------------++ samples ---------------------+",
            "|                                              ||id                       maxv |",
            "|                                              ||vggss_0                  0.00#|",
            "|                                       .......||vggss_1                  0.37#|",
            "|                                 .............||vggss_2                  0.74#|",
            "|                            ..................||vggss_3                  0.11#|",
            "|              +----------------+..............||vggss_4                  0.48#|",
            "|              |  ..............|..............||vggss_5                  0.85#|",
            "|            ..|....--++++++++-.|..............||vggss_6                  0.22#|",
            "|      ........|..-++++********+|..............||vggss_7                  0.59#|",
            "| .............|.-+++***********|*...........::||vggss_8                  0.96||",
            "|..............|..+*************|=......:::::::||vggss_9                  0.33||",
            "|..............+----------------+.:::::::::::::||vggss_10                 0.70||",
            "|....................==*****===::::::::::::::::||vggss_11                 0.07||",
            "|.......................:::::::::::::::::::::::||vggss_12                 0.44||",
            "|.................:::::::::::::::::::::::::::::||vggss_13                 0.81||",
            "|............::::::::::::::::::::::::::::::::::||vggss_14                 0.18||",
            "|.......:::::::::::::::::::::::::::::::::::::::||vggss_15                 0.55||",
            "|.::::::::::::::::::::::::::::::::::::::::::::-||vggss_16                 0.92||",
            "|:::::::::::::::::::::::::::::::::::::::-------||vggss_17                 0.29||",
            "|                                              ||vggss_18                 0.66||",
            "|                                              ||vggss_19                 0.03||",
            "+----------------------------------------------++------------------------------+",
            " EXPLORE | vggss_2                                                       U=0.400",
        ])
    }
}
