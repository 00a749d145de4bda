import XCTest
import Core
import Render

final class OverlayTests: XCTestCase {
    let image = Fixtures.image(width: 64, height: 48)

    func render(_ options: OverlayOptions, map: SimilarityMap? = Fixtures.blob(), gt: GroundTruthMap? = nil,
                mode: RenderMode = .trueColor, size: (Int, Int) = (80, 24)) -> CellBuffer {
        var b = CellBuffer(width: size.0, height: size.1)
        MapOverlay.draw(image: image, map: map, groundTruth: gt, options: options, in: b.area, into: &b, theme: Theme(mode: mode))
        return b
    }

    func changedCells(_ a: CellBuffer, _ b: CellBuffer) -> Int { zip(a.cells, b.cells).filter { $0 != $1 }.count }

    /// The overlay's values are the metrics' own upsampling (`MapResize.linear`, cv2-exact) sampled
    /// at display pixel centres: at 224×224 they are that grid bit for bit, and the pixels it
    /// colours are exactly the pixels the metrics count above the threshold.
    func testOverlayUsesTheMetricGrid() {
        let map = Fixtures.blob()
        let up = MapResize.linear(map)
        XCTAssertEqual(MapOverlay.values(map, width: 224, height: 224), up)
        let half = MapOverlay.values(map, width: 112, height: 56)
        XCTAssertEqual(half[0], up[0])
        XCTAssertEqual(half[55 * 112 + 111], up[222 * 224 + 223])   // centres (223·224/224, 111·224/56)
        for t in [0.2, 0.35, 0.5] {
            var img = RGBImage(width: 224, height: 224, fill: (100, 100, 100))
            let coloured = MapOverlay.blend(map, into: &img, options: OverlayOptions(threshold: t, below: .plain))
            XCTAssertEqual(coloured, ThresholdCounter(map: map).area(above: t), "threshold \(t)")
        }
        let flat = MapOverlay.values(Fixtures.uniform(0.3), width: 17, height: 9)
        XCTAssertTrue(flat.allSatisfy { $0 == 0.3 })
    }

    /// A zoo family's maps are coloured as its figures count them: the family's kernel and scale
    /// (`OverlayOptions.postProcessing`), negatives through cv2, the threshold compared as the family does.
    func testOverlayFollowsTheFamilysPostProcessing() {
        let map = Fixtures.blob()
        for family in [ModelFamily.ezvsl, .rcgrad] {
            let pp = family.specification.postProcessing
            for negative in [false, true] {
                XCTAssertEqual(MapOverlay.values(map, width: 224, height: 224, postProcessing: pp, negative: negative), pp.upsample(map, negative: negative))
                for t in [0.2, 0.35, 0.5, 0.9] {
                    var img = RGBImage(width: 224, height: 224, fill: (100, 100, 100))
                    var o = OverlayOptions(threshold: t, below: .plain)
                    o.postProcessing = pp; o.negative = negative
                    XCTAssertEqual(MapOverlay.blend(map, into: &img, options: o),
                                   ThresholdCounter(map: map, postProcessing: pp, negative: negative).area(above: t), "\(family) negative \(negative) at \(t)")
                }
            }
            XCTAssertEqual(MapOverlay.range(of: map, scale: .perMap, postProcessing: pp) == (0, 1), family == .rcgrad)
        }
    }

    /// Heat style colours every pixel and outlines the threshold's level line in the threshold colour.
    func testHeatStyleDrawsContour() {
        let theme = Theme(mode: .trueColor)
        let heat = render(OverlayStyle.heat.options(colorMap: .jet, threshold: 0.45, showGroundTruth: false))
        let white = theme.threshold
        let contour = heat.cells.filter { $0.fg == white || $0.bg == white }.count
        XCTAssertGreaterThan(contour, 4)
        let higher = render(OverlayStyle.heat.options(colorMap: .jet, threshold: 0.55, showGroundTruth: false))
        XCTAssertLessThan(higher.cells.filter { $0.fg == white || $0.bg == white }.count, contour)
        // Highlight has no contour.
        let plain = render(OverlayStyle.highlight.options(colorMap: .jet, threshold: 0.45, showGroundTruth: false))
        XCTAssertEqual(plain.cells.filter { $0.fg == white || $0.bg == white }.count, 0)
        // Every image cell is tinted in heat style, even far below the threshold.
        let none = render(OverlayOptions(showMap: false))
        XCTAssertNotEqual(heat[8, 0], none[8, 0])   // the image spans columns 8…71
    }

    /// A higher threshold colours fewer cells; above the maximum, nothing is coloured.
    func testThresholdControlsColouredArea() {
        let plain = render(OverlayOptions(showMap: false))
        let low = changedCells(plain, render(OverlayOptions(threshold: 0.2, below: .plain)))
        let high = changedCells(plain, render(OverlayOptions(threshold: 0.45, below: .plain)))
        let none = changedCells(plain, render(OverlayOptions(threshold: 0.61, below: .plain)))
        XCTAssertGreaterThan(low, high)
        XCTAssertGreaterThan(high, 0)
        XCTAssertEqual(none, 0)
        // The raw map (no threshold) colours every image cell.
        let raw = changedCells(plain, render(OverlayOptions(threshold: nil)))
        XCTAssertEqual(raw, 64 * 24)
    }

    /// Below the threshold `.dim` darkens the image and `.plain` leaves it.
    func testBelowThresholdModes() {
        let plain = render(OverlayOptions(showMap: false))
        let dim = render(OverlayOptions(threshold: 0.5, below: .dim))
        let corner = plain[8, 0].fg!, dimmed = dim[8, 0].fg!
        XCTAssertEqual(corner, RGB(200, 0, 0))
        XCTAssertEqual(dimmed, RGB(70, 0, 0))
        XCTAssertEqual(render(OverlayOptions(threshold: 0.5, below: .plain))[8, 0], plain[8, 0])
        // The peak cell is blended: half image, half jet of the peak value.
        let peakCell = dim[8 + 32, 6]
        XCTAssertNotEqual(peakCell.fg, plain[8 + 32, 6].fg)
    }

    func testBlendArithmetic() {
        var img = RGBImage(width: 14, height: 14, fill: (100, 100, 100))
        let n = MapOverlay.blend(Fixtures.uniform(1), into: &img, options: OverlayOptions(colorMap: .jet, alpha: 0.5, threshold: 0.5))
        XCTAssertEqual(n, 196)
        let jetTop = ColorMap.jet.color(at: 1)
        XCTAssertEqual(img.pixel(3, 3).0, UInt8((100 + Int(jetTop.r)) / 2 + 0))
        // Strict comparison, as in the metrics: value == threshold is not above.
        var img2 = RGBImage(width: 14, height: 14, fill: (100, 100, 100))
        XCTAssertEqual(MapOverlay.blend(Fixtures.uniform(0.5), into: &img2, options: OverlayOptions(threshold: 0.5, below: .plain)), 0)
        XCTAssertEqual(img2.pixel(0, 0).0, 100)
    }

    /// Colour-edge outline at pixel resolution: the box's top edge falls on the top half of row 2.
    func testGroundTruthBoxOutlineColours() {
        var b = CellBuffer(width: 20, height: 8)
        let theme = Theme(mode: .trueColor)
        MapOverlay.draw(image: image, map: nil, groundTruth: GroundTruthMap.boxes([[0.25, 0.25, 0.75, 0.75]]),
                        options: OverlayOptions(), in: b.area, into: &b, theme: theme)
        let gt = theme.groundTruth
        XCTAssertEqual(b[5, 2].fg, gt); XCTAssertEqual(b[5, 2].bg, gt)      // left edge, both halves
        XCTAssertEqual(b[7, 2].fg, gt); XCTAssertNotEqual(b[7, 2].bg, gt)   // top edge, top half only
        XCTAssertNotEqual(b[7, 5].fg, gt); XCTAssertEqual(b[7, 5].bg, gt)   // bottom edge, bottom half
        XCTAssertNotEqual(b[7, 3].fg, gt); XCTAssertNotEqual(b[7, 3].bg, gt) // inside
        XCTAssertNotEqual(b[3, 2].fg, gt)                                    // outside
        // Toggle off: no outline.
        var c = CellBuffer(width: 20, height: 8)
        MapOverlay.draw(image: image, map: nil, groundTruth: GroundTruthMap.boxes([[0.25, 0.25, 0.75, 0.75]]),
                        options: OverlayOptions(showGroundTruth: false), in: c.area, into: &c, theme: theme)
        XCTAssertFalse(c.cells.contains { $0.fg == gt || $0.bg == gt })
    }

    /// ASCII mode draws the outline with +-| over the luminance ramp (red ':' / blue ' ').
    func testGroundTruthOutlineASCIISnapshot() {
        var b = CellBuffer(width: 20, height: 8)
        MapOverlay.draw(image: image, map: nil, groundTruth: GroundTruthMap.boxes([[0.25, 0.25, 0.75, 0.75]]),
                        options: OverlayOptions(), in: b.area, into: &b, theme: Theme(mode: .ascii))
        assertLines(b, [
            "::::::::::          ",
            "::::::::::          ",
            ":::::+--------+     ",
            ":::::|::::    |     ",
            ":::::|::::    |     ",
            ":::::+--------+     ",
            "::::::::::          ",
            "::::::::::          ",
        ])
        XCTAssertEqual(b[5, 2].fg, Theme.standard.groundTruth)
    }

    func testMaskOutline() {
        var px = [UInt8](repeating: 0, count: 16 * 16)
        for y in 4..<12 { for x in 4..<12 { px[y * 16 + x] = 255 } }
        let gt = GroundTruthMap.mask(width: 16, height: 16, values: px, resample: .nearest)
        let r = MapOverlay.sample(gt, width: 8, height: 8)
        XCTAssertEqual(r.filter { $0 }.count, 16)
        let e = MapOverlay.outline(r, width: 8, height: 8)
        XCTAssertEqual(e.filter { $0 }.count, 12)
        // A 0/1 palette mask still shows (SPEC A7).
        let ones = GroundTruthMap.mask(width: 16, height: 16, values: px.map { $0 > 0 ? 1 : 0 }, resample: .nearest)
        XCTAssertEqual(MapOverlay.sample(ones, width: 8, height: 8), r)
    }

    func testMonochromeOverlayUsesAttributesOnly() {
        let b = render(OverlayOptions(threshold: 0.45), gt: GroundTruthMap.boxes([[0.1, 0.1, 0.5, 0.5]]), mode: .monochrome)
        XCTAssertTrue(Fixtures.hasNoColour(b))
        XCTAssertTrue(Fixtures.isASCII(b))
        let reversed = b.cells.filter { $0.attrs.contains(.reverse) }.count
        XCTAssertGreaterThan(reversed, 0)
        let higher = render(OverlayOptions(threshold: 0.55), mode: .monochrome).cells.filter { $0.attrs.contains(.reverse) }.count
        XCTAssertLessThan(higher, reversed)
        XCTAssertTrue(b.lines.joined().contains("+"))
    }

    func testASCIIOverlayHasNoBlockCharacters() {
        for size in [(80, 24), (120, 40), (200, 60)] {
            let b = render(OverlayOptions(threshold: 0.3), gt: GroundTruthMap.boxes([[0.2, 0.2, 0.6, 0.7]]), mode: .ascii, size: size)
            XCTAssertTrue(Fixtures.isASCII(b), "\(size)")
        }
    }
}
