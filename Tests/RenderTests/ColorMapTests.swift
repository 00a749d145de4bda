import XCTest
import Render

final class ColorMapTests: XCTestCase {
    /// Entries checked against OpenCV's COLORMAP_JET (BGR output reversed to RGB).
    func testJetMatchesOpenCV() {
        XCTAssertEqual(ColorMap.jet.color(index: 0), RGB(0, 0, 128))
        XCTAssertEqual(ColorMap.jet.color(index: 1), RGB(0, 0, 132))
        XCTAssertEqual(ColorMap.jet.color(index: 32), RGB(0, 0, 255))
        XCTAssertEqual(ColorMap.jet.color(index: 64), RGB(0, 128, 255))
        XCTAssertEqual(ColorMap.jet.color(index: 96), RGB(2, 255, 254))
        XCTAssertEqual(ColorMap.jet.color(index: 128), RGB(130, 255, 126))
        XCTAssertEqual(ColorMap.jet.color(index: 160), RGB(255, 252, 0))
        XCTAssertEqual(ColorMap.jet.color(index: 224), RGB(252, 0, 0))
        XCTAssertEqual(ColorMap.jet.color(index: 255), RGB(128, 0, 0))
        // Red is blue mirrored, as in OpenCV's table.
        for i in 0..<256 { XCTAssertEqual(ColorMap.jet.color(index: i).r, ColorMap.jet.color(index: 255 - i).b) }
    }

    /// Values are quantised like np.uint8(255·v): truncation, clamping, NaN → 0.
    func testValueQuantisation() {
        XCTAssertEqual(ColorMap.jet.color(at: 0.5), ColorMap.jet.color(index: 127))
        XCTAssertEqual(ColorMap.jet.color(at: 1), ColorMap.jet.color(index: 255))
        XCTAssertEqual(ColorMap.jet.color(at: 7), ColorMap.jet.color(index: 255))
        XCTAssertEqual(ColorMap.jet.color(at: -1), ColorMap.jet.color(index: 0))
        XCTAssertEqual(ColorMap.jet.color(at: .nan), ColorMap.jet.color(index: 0))
    }

    func testViridisEndsAndMonotoneLightness() {
        XCTAssertEqual(ColorMap.viridis.color(at: 0), RGB(0x44, 0x01, 0x54))
        XCTAssertEqual(ColorMap.viridis.color(at: 1), RGB(0xfd, 0xe7, 0x25))
        XCTAssertEqual(ColorMap.viridisTable.count, 256)
        var last: Float = -1
        for i in stride(from: 0, to: 256, by: 8) {
            let l = HalfBlockImage.luma(ColorMap.viridis.color(index: i))
            XCTAssertGreaterThan(l, last, "viridis lightness must increase (index \(i))")
            last = l
        }
    }

    func testPalette256() {
        XCTAssertEqual(Palette256.nearestIndex(RGB(0, 0, 0)), 16)
        XCTAssertEqual(Palette256.nearestIndex(RGB(255, 0, 0)), 196)
        XCTAssertEqual(Palette256.nearestIndex(RGB(255, 255, 255)), 231)
        XCTAssertEqual(Palette256.nearestIndex(RGB(128, 128, 128)), 244)
        XCTAssertEqual(Palette256.nearestIndex(RGB(100, 100, 100)), 241)
        XCTAssertEqual(Palette256.nearestIndex(RGB(0, 135, 255)), 33)
        XCTAssertEqual(Palette256.color(index: 33), RGB(0, 135, 255))
        // Snapping is idempotent and lands on the palette.
        let palette = Set((16...255).map { Palette256.color(index: $0) })
        for i in 0..<256 {
            let s = Palette256.snap(ColorMap.jet.color(index: i))
            XCTAssertTrue(palette.contains(s))
            XCTAssertEqual(Palette256.snap(s), s)
        }
    }
}
