import XCTest
import Core
import Render
@testable import TUI

/// The crosshair: keys and clicks move it, the value under it is the metric grid's, and the
/// scene draws it in every image style.
final class CrosshairTests: XCTestCase {
    let size = (width: 120, height: 40)

    func testKeysMoveAndHideIt() {
        var s = Fixtures.state()
        XCTAssertNil(s.crosshair)
        _ = s.handle(.char("x"), now: 0, size: size)
        XCTAssertEqual(s.crosshair, Crosshair(x: 0.5, y: 0.5))
        XCTAssertEqual(s.focus, .scene)
        _ = s.handle(.right, now: 0, size: size)
        _ = s.handle(.up, now: 0, size: size)
        XCTAssertEqual(s.crosshair!.x, 0.5 + Crosshair.step, accuracy: 1e-12)
        XCTAssertEqual(s.crosshair!.y, 0.5 - Crosshair.step, accuracy: 1e-12)
        for _ in 0..<100 { _ = s.handle(.left, now: 0, size: size) }
        XCTAssertEqual(s.crosshair!.x, 0, "clamped to the image")
        let effects = s.handle(.right, now: 0, size: size)
        XCTAssertEqual(effects, [], "arrows move the crosshair, not the playhead")
        _ = s.handle(.escape, now: 0, size: size)
        XCTAssertNil(s.crosshair)
    }

    /// A click on the scene image puts the crosshair under the mouse (normalised coordinates
    /// of the cell's centre, as `ImagePlacement` maps every hit).
    func testClickPlacesIt() throws {
        var s = Fixtures.state()
        let layout = Layout.compute(width: size.width, height: size.height, state: s)
        let area = ScenePanel.imageAreas(s, rect: layout.scene)[0]
        let img = try XCTUnwrap(s.scene?.image)
        let p = ImagePlacement.fit(width: img.width, height: img.height, in: area)
        let (cx, cy) = (p.cells.x + p.cells.width / 4, p.cells.y + p.cells.height / 2)
        _ = s.handle(.mouse(x: cx, y: cy, button: 1), now: 0, size: size)
        let n = try XCTUnwrap(p.normalised(column: cx, row: cy))
        XCTAssertEqual(s.crosshair, Crosshair(x: n.x, y: n.y))
    }

    /// The value shown is the map's 224² metric upsampling at the crosshair, and the scene shows
    /// it; the crosshair is drawn over the image (threshold colour in true colour).
    func testValueAndDrawing() throws {
        var s = Fixtures.state()
        _ = s.handle(.char("x"), now: 0, size: size)
        let map = try XCTUnwrap(s.shownMap)
        let v = s.crosshair!.value(in: map)
        XCTAssertEqual(v, MapResize.linear(map)[112 * 224 + 112])
        let frame = MainScreen.render(s, width: size.width, height: size.height)
        XCTAssertTrue(frame.lines.contains { $0.contains("✛ \(Fmt.f(Double(v), 3))") })
        var plain = s
        plain.crosshair = nil
        let without = MainScreen.render(plain, width: size.width, height: size.height)
        XCTAssertNotEqual(frame.cells, without.cells)
        for images in [ImageStyle.sextants, .quadrants, .halfBlocks] {
            let mode = RenderMode(colors: .trueColor, unicode: true, images: images)
            let a = MainScreen.render(s, width: size.width, height: size.height, mode: mode)
            let b = MainScreen.render(plain, width: size.width, height: size.height, mode: mode)
            let threshold = Theme(mode: mode).threshold
            var drawn = 0
            for i in 0..<a.cells.count where a.cells[i] != b.cells[i] {
                let c = a.cells[i]
                if c.fg == threshold || c.bg == threshold { drawn += 1 }
            }
            XCTAssertGreaterThan(drawn, 2, "\(images)")
        }
    }
}
