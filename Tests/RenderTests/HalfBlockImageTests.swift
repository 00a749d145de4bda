import XCTest
import Core
import Render

final class HalfBlockImageTests: XCTestCase {
    /// The image keeps its aspect ratio (pixels are square: 1 column × half a row) and is centred.
    func testPlacementPreservesAspectAndCentres() {
        let cases: [(Int, Int, Rect, Rect)] = [
            (64, 48, Rect(x: 0, y: 0, width: 80, height: 24), Rect(x: 8, y: 0, width: 64, height: 24)),
            (64, 48, Rect(x: 0, y: 0, width: 120, height: 40), Rect(x: 6, y: 0, width: 107, height: 40)),
            (64, 48, Rect(x: 0, y: 0, width: 200, height: 60), Rect(x: 20, y: 0, width: 160, height: 60)),
            (48, 96, Rect(x: 0, y: 0, width: 80, height: 24), Rect(x: 28, y: 0, width: 24, height: 24)),
            (640, 160, Rect(x: 10, y: 5, width: 80, height: 24), Rect(x: 10, y: 12, width: 80, height: 10)),
        ]
        for (w, h, rect, expected) in cases {
            let p = ImagePlacement.fit(width: w, height: h, in: rect)
            XCTAssertEqual(p.cells, expected, "\(w)×\(h) in \(rect)")
            let shown = Double(p.pixelWidth) / Double(p.pixelHeight), source = Double(w) / Double(h)
            XCTAssertEqual(shown, source, accuracy: source * 0.05)
        }
        XCTAssertTrue(ImagePlacement.fit(width: 0, height: 10, in: Rect(x: 0, y: 0, width: 10, height: 10)).isEmpty)
        XCTAssertTrue(ImagePlacement.fit(width: 10, height: 10, in: Rect(x: 0, y: 0, width: 0, height: 10)).isEmpty)
    }

    func testHalfBlockCellsCarryTopAndBottomPixels() {
        var img = RGBImage(width: 2, height: 2)
        img.setPixel(0, 0, (255, 255, 255)); img.setPixel(1, 0, (10, 20, 30))
        img.setPixel(0, 1, (0, 0, 0)); img.setPixel(1, 1, (200, 100, 50))
        var b = CellBuffer(width: 4, height: 1)
        let p = HalfBlockImage.draw(img, in: b.area, into: &b, mode: .trueColor)
        XCTAssertEqual(p.cells, Rect(x: 1, y: 0, width: 2, height: 1))
        XCTAssertEqual(b[1, 0], Cell("▀", fg: RGB(255, 255, 255), bg: RGB(0, 0, 0)))
        XCTAssertEqual(b[2, 0], Cell("▀", fg: RGB(10, 20, 30), bg: RGB(200, 100, 50)))
        XCTAssertEqual(b[0, 0], Cell.blank)
        XCTAssertEqual(b[3, 0], Cell.blank)
    }

    /// Downsampling averages areas: a 1-pixel checkerboard becomes uniform mid-grey.
    func testAreaAverageDownsampling() {
        var img = RGBImage(width: 8, height: 8)
        for y in 0..<8 { for x in 0..<8 where (x + y) % 2 == 0 { img.setPixel(x, y, (255, 255, 255)) } }
        var b = CellBuffer(width: 4, height: 2)
        HalfBlockImage.draw(img, in: b.area, into: &b, mode: .trueColor)
        for c in b.cells {
            XCTAssertEqual(c.fg, RGB(128, 128, 128)); XCTAssertEqual(c.bg, RGB(128, 128, 128))
        }
        // Non-integer ratio: weights still sum to one (a uniform image stays uniform).
        let flat = RGBImage(width: 7, height: 5, fill: (90, 140, 210))
        let r = AreaAverage.image(flat, width: 3, height: 2)
        for i in 0..<6 { XCTAssertEqual(r.pixel(i % 3, i / 3).0, 90); XCTAssertEqual(r.pixel(i % 3, i / 3).2, 210) }
    }

    /// Small images are enlarged to fill the rect (box filter: each source pixel becomes a block).
    func testUpscaling() {
        var img = RGBImage(width: 2, height: 1)
        img.setPixel(0, 0, (255, 0, 0)); img.setPixel(1, 0, (0, 0, 255))
        var b = CellBuffer(width: 8, height: 2)
        let p = HalfBlockImage.draw(img, in: b.area, into: &b, mode: .trueColor)
        XCTAssertEqual(p.cells, Rect(x: 0, y: 0, width: 8, height: 2))
        XCTAssertEqual(b[0, 0].fg, RGB(255, 0, 0)); XCTAssertEqual(b[3, 1].bg, RGB(255, 0, 0))
        XCTAssertEqual(b[4, 0].fg, RGB(0, 0, 255)); XCTAssertEqual(b[7, 1].bg, RGB(0, 0, 255))
    }

    func testRedBlueHalvesAt80x24() {
        var b = CellBuffer(width: 80, height: 24)
        let p = HalfBlockImage.draw(Fixtures.image(width: 64, height: 48), in: b.area, into: &b, mode: .trueColor)
        XCTAssertEqual(b[p.cells.x, 0].fg, RGB(200, 0, 0))
        XCTAssertEqual(b[p.cells.maxX - 1, 23].bg, RGB(0, 0, 200))
        XCTAssertEqual(b.lines[5], String(repeating: " ", count: 8) + String(repeating: "▀", count: 64) + String(repeating: " ", count: 8))
    }

    func testPalette256SnapsEveryColour() {
        var b = CellBuffer(width: 40, height: 12)
        HalfBlockImage.draw(Fixtures.image(width: 50, height: 30, gradient: true), in: b.area, into: &b, mode: .palette256)
        for c in b.cells where c.char == "▀" {
            XCTAssertEqual(Palette256.snap(c.fg!), c.fg!); XCTAssertEqual(Palette256.snap(c.bg!), c.bg!)
        }
    }

    func testASCIIAndMonochromeUseOnlyTheRamp() {
        for mode in [RenderMode.ascii, .monochrome] {
            var b = CellBuffer(width: 40, height: 12)
            HalfBlockImage.draw(Fixtures.image(width: 50, height: 30, gradient: true), in: b.area, into: &b, mode: mode)
            XCTAssertTrue(Fixtures.isASCII(b), "\(mode)")
            XCTAssertTrue(b.cells.allSatisfy { HalfBlockImage.ramp.contains($0.char) }, "\(mode)")
            XCTAssertGreaterThan(Set(b.cells.map(\.char)).count, 4, "the ramp shows the gradient (\(mode))")
            if mode == .monochrome { XCTAssertTrue(Fixtures.hasNoColour(b)) } else { XCTAssertFalse(Fixtures.hasNoColour(b)) }
        }
    }

    /// Mouse hits map back to normalised image coordinates and map cells.
    func testPlacementHitMapping() {
        let p = ImagePlacement.fit(width: 224, height: 224, in: Rect(x: 10, y: 2, width: 28, height: 14))
        XCTAssertEqual(p.cells, Rect(x: 10, y: 2, width: 28, height: 14))
        XCTAssertNil(p.normalised(column: 9, row: 5))
        let n = p.normalised(column: 10, row: 2)!
        XCTAssertEqual(n.x, 0.5 / 28, accuracy: 1e-9); XCTAssertEqual(n.y, 0.5 / 14, accuracy: 1e-9)
        XCTAssertEqual(p.cell(mapX: 13, mapY: 13, mapWidth: 14, mapHeight: 14).column, 37)
        XCTAssertEqual(p.cell(mapX: 13, mapY: 13, mapWidth: 14, mapHeight: 14).row, 15)
        XCTAssertEqual(p.cell(mapX: 0, mapY: 0, mapWidth: 14, mapHeight: 14).column, 11) // centre of cells 10–11
    }
}
