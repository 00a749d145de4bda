import XCTest
import Core
import Render

/// Sextants and quadrants with a two-colour fit, sub-cell contours, the tint style, the colour
/// bar's markers and pixel-mode images.
final class SymbolImageTests: XCTestCase {
    let sextants = RenderMode(colors: .trueColor, unicode: true, images: .sextants)
    let quadrants = RenderMode(colors: .trueColor, unicode: true, images: .quadrants)

    /// Every 6-bit pattern has one character and reads back to itself; the 60 that are not a
    /// space, a half block or a full block are U+1FB00…U+1FB3B in mask order.
    func testSextantCharactersRoundTrip() {
        var seen = Set<Character>()
        for m in 0..<64 {
            let ch = SymbolImage.sextant(m)
            XCTAssertEqual(SymbolImage.mask(of: ch, style: .sextants), m, "mask \(m)")
            seen.insert(ch)
        }
        XCTAssertEqual(seen.count, 64)
        XCTAssertEqual(SymbolImage.sextant(1), "\u{1FB00}")          // top-left only: BLOCK SEXTANT-1
        XCTAssertEqual(SymbolImage.sextant(3), "\u{1FB02}")          // top row: SEXTANT-12
        XCTAssertEqual(SymbolImage.sextant(62), "\u{1FB3B}")         // all but top-left: SEXTANT-23456
        for m in 0..<16 { XCTAssertEqual(SymbolImage.mask(of: SymbolImage.quadrant(m), style: .quadrants), m) }
    }

    /// A cell of two exact colours is fitted exactly: the colours and which sub-pixels have which.
    func testTwoColourFitIsExactForTwoColours() {
        let a = RGB(200, 30, 40), b = RGB(10, 90, 220)
        let px = [a, b, b, a, a, b]
        let fit = SymbolImage.twoColourFit(px)
        let aMask = 0b011001
        if fit.fg == a { XCTAssertEqual(fit.mask, aMask); XCTAssertEqual(fit.bg, b) }
        else { XCTAssertEqual(fit.fg, b); XCTAssertEqual(fit.bg, a); XCTAssertEqual(fit.mask, 63 ^ aMask) }
        let flat = SymbolImage.twoColourFit([RGB](repeating: a, count: 6))
        XCTAssertEqual(flat.mask, 0); XCTAssertEqual(flat.bg, a)
    }

    /// A red/blue edge one sub-column into a cell becomes a left-column sextant there: the edge
    /// keeps its sub-cell position (half blocks would blend it into one purple column).
    func testEdgeKeepsItsSubCellPosition() {
        // 5 cells × 2 = 10 sub-columns; red for sub-columns 0…4 (2.5 cells), blue after.
        var img = RGBImage(width: 10, height: 3)
        for y in 0..<3 { for x in 0..<10 { img.setPixel(x, y, x < 5 ? (220, 0, 0) : (0, 0, 220)) } }
        var b = CellBuffer(width: 5, height: 1)
        let placement = ImagePlacement(cells: Rect(x: 0, y: 0, width: 5, height: 1), sourceWidth: 10, sourceHeight: 3)
        SymbolImage.draw(pixels: img, ink: nil, at: placement, style: .sextants, into: &b, mode: sextants)
        XCTAssertEqual(b.lines, ["  ▌  "])
        XCTAssertEqual(b[2, 0].fg, RGB(220, 0, 0)); XCTAssertEqual(b[2, 0].bg, RGB(0, 0, 220))
        XCTAssertEqual(b[0, 0].bg, RGB(220, 0, 0)); XCTAssertEqual(b[4, 0].bg, RGB(0, 0, 220))
    }

    /// A small scene in sextants and in quadrants (snapshot: characters of the first rows).
    func testSnapshotOfABlob() {
        let img = Fixtures.image(width: 64, height: 48, gradient: true)
        var b = CellBuffer(width: 16, height: 6)
        let options = OverlayStyle.heat.options(colorMap: .jet, threshold: 0.45, showGroundTruth: false)
        MapOverlay.draw(image: img, map: Fixtures.blob(), groundTruth: nil, options: options, in: b.area, into: &b, theme: Theme(mode: sextants))
        XCTAssertTrue(b.images.isEmpty)
        // The threshold contour (white ink) runs through sextant cells round the blob.
        let white = Theme(mode: sextants).threshold
        let contourCells = b.cells.filter { $0.fg == white }.count
        XCTAssertGreaterThan(contourCells, 6)
        XCTAssertTrue(b.cells.allSatisfy { SymbolImage.mask(of: $0.char, style: .sextants) != nil }, b.lines.joined(separator: "\n"))
        var q = CellBuffer(width: 16, height: 6)
        MapOverlay.draw(image: img, map: Fixtures.blob(), groundTruth: nil, options: options, in: q.area, into: &q, theme: Theme(mode: quadrants))
        XCTAssertTrue(q.cells.allSatisfy { SymbolImage.mask(of: $0.char, style: .quadrants) != nil }, q.lines.joined(separator: "\n"))
    }

    /// The contour drawn in sextants is exactly the outline of the metric-grid pixels above the
    /// threshold at the 2×3 sub-cell grid (read back from the cells' masks), and one small
    /// threshold step (0.005) moves it.
    func testThresholdContourIsSubCellAndMovesWithOneStep() {
        let img = RGBImage(width: 96, height: 96, fill: (90, 90, 90))
        let map = Fixtures.blob(peak: 0.6)
        let size = (w: 24, h: 12)
        func contour(_ t: Double) -> [Bool] {
            var b = CellBuffer(width: size.w, height: size.h)
            let o = OverlayOptions(colorMap: .jet, alpha: 0.5, threshold: t, below: .plain, showGroundTruth: false, contour: true)
            let p = MapOverlay.draw(image: img, map: map, groundTruth: nil, options: o, in: b.area, into: &b, theme: Theme(mode: sextants))
            let gw = p.cells.width * 2, gh = p.cells.height * 3
            // Expected: the outline of the above-threshold sub-pixels.
            let v = MapOverlay.values(map, width: gw, height: gh)
            let expected = MapOverlay.outline(v.map { Double($0) > t }, width: gw, height: gh)
            var got = [Bool](repeating: false, count: gw * gh)
            let white = Theme(mode: sextants).threshold
            for row in 0..<p.cells.height {
                for col in 0..<p.cells.width {
                    let c = b[p.cells.x + col, p.cells.y + row]
                    let m = SymbolImage.mask(of: c.char, style: .sextants) ?? 0
                    for k in 0..<6 {
                        let on = c.char == " " ? c.bg == white : (m & (1 << k) != 0 ? c.fg == white : c.bg == white)
                        if on { got[(row * 3 + k / 2) * gw + col * 2 + k % 2] = true }
                    }
                }
            }
            XCTAssertEqual(got, expected, "threshold \(t)")
            return got
        }
        let a = contour(0.40), b = contour(0.405)
        XCTAssertNotEqual(a, b, "one 0.005 step moves the sub-cell contour")
    }

    /// The tint style: below the threshold the image is mixed with the colour map's lowest
    /// colour (jet: dark blue), above it the map colour is blended as in the other styles.
    func testTintStyleDarkBlueBelowThreshold() {
        var img = RGBImage(width: 224, height: 224, fill: (200, 200, 200))
        let map = Fixtures.blob(peak: 0.6)
        let o = OverlayStyle.tint.options(colorMap: .jet, threshold: 0.45, showGroundTruth: false)
        XCTAssertEqual(o.below, .tint)
        MapOverlay.blend(map, into: &img, options: o)
        let corner = img.pixel(0, 0)   // far from the peak: below the threshold
        let blue = ColorMap.jet.color(index: 0)
        XCTAssertEqual(blue, RGB(0, 0, 128))
        XCTAssertEqual(Int(corner.0), Int((0.55 * 200 + 0.45 * 0 + 0.5).rounded(.down)))
        XCTAssertEqual(Int(corner.2), Int(0.55 * 200 + 0.45 * 128 + 0.5))
        XCTAssertLessThan(corner.0, corner.2)
    }

    /// The colour bar marks the threshold and U on the bar and labels them on the second row.
    func testColorBarMarkers() {
        var b = CellBuffer(width: 40, height: 2)
        let theme = Theme(mode: .trueColor)
        ColorBar.draw(.jet, range: 0...1, markers: [.init(value: 0.5, label: "thr", color: theme.threshold), .init(value: 0.25, label: "U", color: theme.warn)],
                      in: b.area, into: &b, theme: theme)
        // "0.000 " + bar of 40 − 6 − 6 = 28 cells + " 1.000".
        let barX = 6, barW = 28
        let thrX = barX + Int((0.5 * Double(barW - 1)).rounded()), uX = barX + Int((0.25 * Double(barW - 1)).rounded())
        XCTAssertEqual(b[thrX, 0].char, "┃"); XCTAssertEqual(b[thrX, 0].fg, theme.threshold)
        XCTAssertEqual(b[uX, 0].char, "┃"); XCTAssertEqual(b[uX, 0].fg, theme.warn)
        XCTAssertTrue(b.lines[1].contains("▲thr 0.500"), b.lines[1])
        XCTAssertTrue(b.lines[1].contains("▲U 0.250"), b.lines[1])
    }

    /// Pixel mode: the cells are left blank and one image of exactly those cells' pixels is
    /// recorded, with the overlay blended in (the same blend as every other style).
    func testPixelModeRecordsTheImage() {
        let mode = RenderMode(colors: .trueColor, unicode: true, images: .pixels, cellPixels: CellPixels(width: 8, height: 16))
        XCTAssertEqual(mode.effectiveImages, .pixels)
        let img = Fixtures.image(width: 64, height: 48, gradient: true)
        var b = CellBuffer(width: 30, height: 10, fill: Cell("x"))
        let o = OverlayOptions(colorMap: .jet, alpha: 0.5, threshold: 0.4, below: .plain, showGroundTruth: false)
        let p = MapOverlay.draw(image: img, map: Fixtures.blob(), groundTruth: nil, options: o, in: b.area, into: &b, theme: Theme(mode: mode))
        XCTAssertEqual(b.images.count, 1)
        let pi = b.images[0]
        XCTAssertEqual(pi.cells, p.cells)
        XCTAssertEqual(pi.image.width, p.cells.width * 8); XCTAssertEqual(pi.image.height, p.cells.height * 16)
        // 64×48 in 30×10 cells of 8×16 px: 160 px high at most → 213 px wide → 27 columns.
        XCTAssertEqual(p.cells.height, 10); XCTAssertEqual(p.cells.width, 27)
        for y in p.cells.y..<p.cells.maxY { for x in p.cells.x..<p.cells.maxX { XCTAssertEqual(b[x, y], .blank) } }
        var expected = AreaAverage.image(img, width: pi.image.width, height: pi.image.height)
        MapOverlay.blend(Fixtures.blob(), into: &expected, options: o)
        XCTAssertEqual(pi.image, expected)
        // Without a cell size or colour, pixels fall back to cells.
        XCTAssertEqual(RenderMode(colors: .trueColor, unicode: true, images: .pixels).effectiveImages, .sextants)
        XCTAssertEqual(RenderMode(colors: .none, unicode: false, images: .pixels, cellPixels: CellPixels(width: 8, height: 16)).effectiveImages, .halfBlocks)
    }
}
