import XCTest
import Core
import Render

final class FigureTests: XCTestCase {
    let image = Fixtures.image(width: 320, height: 240, gradient: true)
    let gt = GroundTruthMap.boxes([[0.25, 0.25, 0.75, 0.75]])
    var maps: [(condition: AudioCondition, map: SimilarityMap)] {
        [(.positive, Fixtures.blob(peak: 0.6)), (.silence, Fixtures.uniform(0.05)), (.noise, Fixtures.blob(px: 2, py: 2, peak: 0.3)),
         (.offscreen, Fixtures.blob(px: 11, py: 10, peak: 0.4))]
    }

    /// Layout: 6 panels of 224 + colour bar; panels start at y = 42, captions at 278.
    func testLayoutAndPanels() {
        let fig = Figure.sample(id: "vggss_0001", image: image, groundTruth: gt, maps: maps, options: FigureOptions(threshold: 0.35))
        XCTAssertEqual(fig.width, 1508)
        XCTAssertEqual(fig.height, 324)
        let square = AreaAverage.image(image, width: 224, height: 224)
        // Image panel: the squashed image, unchanged.
        XCTAssertTrue(fig.pixel(12 + 5, 42 + 5) == square.pixel(5, 5))
        // Positive panel (4th… no: 3rd panel, x = 12 + 2·234): peak blended, corner plain.
        let px = 12 + 2 * 234
        XCTAssertTrue(fig.pixel(px + 3, 42 + 3) == square.pixel(3, 3))
        XCTAssertFalse(fig.pixel(px + 120, 42 + 104) == square.pixel(120, 104))
        // Silence panel: entirely below U, so the image is untouched away from the outline.
        let sx = 12 + 3 * 234
        for (x, y) in [(3, 3), (112, 112), (200, 30)] { XCTAssertTrue(fig.pixel(sx + x, 42 + y) == square.pixel(x, y), "\(x),\(y)") }
        // Ground-truth outline on the GT panel in the theme colour.
        let g = Theme.standard.groundTruth
        XCTAssertTrue(fig.pixel(12 + 234 + 112, 42 + 56) == (g.r, g.g, g.b))
        // Captions: ink below every panel, condition swatches in the condition colours.
        for k in 0..<6 {
            let x0 = 12 + k * 234
            let ink = (278..<(278 + 14)).contains { y in (x0..<(x0 + 100)).contains { x in fig.pixel(x, y).0 < 60 } }
            XCTAssertTrue(ink, "caption of panel \(k)")
        }
        let swatch = fig.pixel(12 + 5 * 234 + 100, 42 + 224 + 5)
        XCTAssertTrue(swatch == (Theme.standard.offscreen.r, Theme.standard.offscreen.g, Theme.standard.offscreen.b))
    }

    /// A higher threshold colours fewer pixels; no threshold colours every map pixel.
    func testThresholdReducesColouredPixels() {
        func changed(_ t: Double?) -> Int {
            let a = Figure.sample(id: "x", image: image, groundTruth: nil, maps: maps, options: FigureOptions(threshold: t))
            let b = Figure.sample(id: "x", image: image, groundTruth: nil, maps: maps, options: FigureOptions(threshold: 2))
            var n = 0
            for y in 42..<(42 + 224) { for x in (12 + 2 * 234)..<(12 + 6 * 234) where !(a.pixel(x, y) == b.pixel(x, y)) { n += 1 } }
            return n
        }
        let low = changed(0.2), high = changed(0.45), raw = changed(nil)
        XCTAssertGreaterThan(raw, low)
        XCTAssertGreaterThan(low, high)
        XCTAssertGreaterThan(high, 0)
    }

    func testBitmapFont() {
        XCTAssertEqual(BitmapFont.width("max 0.42", scale: 2), (8 * 6 - 1) * 2)
        var img = RGBImage(width: 12, height: 7, fill: (255, 255, 255))
        BitmapFont.draw("-1", into: &img, x: 0, y: 0, color: (0, 0, 0))
        // '-' is the middle row of the first glyph; '1' has its stem at column 6 + 2.
        XCTAssertTrue(img.pixel(0, 3) == (0, 0, 0)); XCTAssertTrue(img.pixel(0, 2) == (255, 255, 255))
        XCTAssertTrue(img.pixel(8, 0) == (0, 0, 0)); XCTAssertTrue(img.pixel(8, 6) == (0, 0, 0))
        // Case is kept (ids are case-sensitive): every letter's lower and upper case differ;
        // unknown characters draw as '?'.
        for ch in "abcdefghijklmnopqrstuvwxyz" {
            var a = RGBImage(width: 5, height: 7), b = RGBImage(width: 5, height: 7)
            BitmapFont.draw(String(ch), into: &a, x: 0, y: 0, color: (9, 9, 9))
            BitmapFont.draw(ch.uppercased(), into: &b, x: 0, y: 0, color: (9, 9, 9))
            XCTAssertNotEqual(a, b, "\(ch) is drawn as \(ch.uppercased())")
        }
        var q = RGBImage(width: 5, height: 7), u = RGBImage(width: 5, height: 7)
        BitmapFont.draw("?", into: &q, x: 0, y: 0, color: (9, 9, 9)); BitmapFont.draw("\u{2603}", into: &u, x: 0, y: 0, color: (9, 9, 9))
        XCTAssertEqual(q, u)
    }

    /// Writes the figure as PPM when SSLSAN_FIGURE_DUMP is set (for looking at it by eye).
    func testDumpForInspection() throws {
        guard let path = ProcessInfo.processInfo.environment["SSLSAN_FIGURE_DUMP"] else { return }
        let fig = Figure.sample(id: "vggss_0001", image: image, groundTruth: gt, maps: maps, options: FigureOptions(threshold: 0.35))
        var data = Data("P6\n\(fig.width) \(fig.height)\n255\n".utf8)
        data.append(contentsOf: fig.pixels)
        try data.write(to: URL(fileURLWithPath: path))
    }
}
