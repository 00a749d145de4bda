import XCTest
import Core
import Render
import TUI

final class ReducerTests: XCTestCase {
    let size = (width: 120, height: 40)

    func testThresholdKeysAndSnap() {
        var s = Fixtures.state()
        let t0 = s.threshold
        _ = s.handle(.char("+"), now: 0, size: size)
        XCTAssertEqual(s.threshold, t0 + 0.005, accuracy: 1e-9)
        _ = s.handle(.char("]"), now: 0, size: size)
        XCTAssertEqual(s.threshold, t0 + 0.055, accuracy: 1e-9)
        _ = s.handle(.char("["), now: 0, size: size)
        _ = s.handle(.char("-"), now: 0, size: size)
        XCTAssertEqual(s.threshold, t0, accuracy: 1e-9)
        _ = s.handle(.char("]"), now: 0, size: size)
        _ = s.handle(.char("u"), now: 0, size: size)
        // U itself, not rounded: the threshold the figures are computed at.
        XCTAssertEqual(s.threshold, s.report!.universalThreshold)
        XCTAssertEqual(s.threshold, s.metrics.universalThreshold)
    }

    func testFiguresFollowThreshold() {
        var s = Fixtures.state()
        s.threshold = 0.1; s.thresholdChanged()
        let low = s.report!.pia.offscreen
        s.threshold = 0.9; s.thresholdChanged()
        XCTAssertGreaterThan(low, s.report!.pia.offscreen)
        XCTAssertEqual(s.report!.pia.offscreen, 0)
        // The figures are `MetricSet.report` at the threshold, whatever it is (no grid).
        s.threshold = 0.123456789; s.thresholdChanged()
        let r = s.metrics.report(threshold: .value(0.123456789))
        XCTAssertEqual(s.report!.ciouUth, r.ciouUth)
        XCTAssertEqual(s.report!.pia, r.pia)
        XCTAssertEqual(s.report!.fLoc, r.fLoc)
    }

    func testConditionKeys() {
        var s = Fixtures.state()
        _ = s.handle(.char("3"), now: 0, size: size)
        XCTAssertEqual(s.condition, .noise)
        _ = s.handle(.char("4"), now: 0, size: size)
        XCTAssertEqual(s.condition, .offscreen)
        XCTAssertEqual(s.shownMap?.max ?? 0, 0.25, accuracy: 1e-3)
    }

    func testSortWorstIoUFirstAndLeakFirst() {
        var s = Fixtures.state()
        while s.sort != .iou { _ = s.handle(.char("s"), now: 0, size: size) }
        let ious = s.order.compactMap { s.iou($0) }
        XCTAssertEqual(ious, ious.sorted())
        while s.sort != .leak { _ = s.handle(.char("s"), now: 0, size: size) }
        let leaks = s.order.compactMap { s.leak($0) }
        XCTAssertEqual(leaks, leaks.sorted(by: >))
    }

    func testFilterSearchTagExport() {
        var s = Fixtures.state()
        _ = s.handle(.char("c"), now: 0, size: size)
        XCTAssertEqual(s.classFilter, "bell")
        XCTAssertTrue(s.order.allSatisfy { s.samples[$0].label == "bell" })
        _ = s.handle(.escape, now: 0, size: size)
        XCTAssertEqual(s.order.count, 12)
        _ = s.handle(.char("/"), now: 0, size: size)
        // The jump happens while typing, and so does the scene request.
        var eff: [Effect] = []
        for c in "0003" { eff += s.handle(.char(c), now: 0, size: size) }
        eff += s.handle(.enter, now: 0, size: size)
        XCTAssertTrue(s.selectedSample!.id.contains("0003"))
        XCTAssertEqual(eff.last, .loadScene(s.selectedIndex!))
        _ = s.handle(.char("t"), now: 0, size: size)
        XCTAssertEqual(s.tagged, [s.selectedIndex!])
        XCTAssertEqual(s.handle(.char("e"), now: 0, size: size), [.export])
        let r = ExportReport.make(s)
        XCTAssertTrue(r.ids.contains("0003"))
        XCTAssertTrue(String(data: r.json, encoding: .utf8)!.contains("\"iou\""))
    }

    func testMouseSelectsRow() {
        var s = Fixtures.state()
        let l = Layout.compute(width: 120, height: 40, state: s)
        let eff = s.handle(.mouse(x: 5, y: l.browserRows.y + 3, button: 1), now: 0, size: size)
        XCTAssertEqual(s.cursor, 3)
        XCTAssertEqual(eff, [.loadScene(s.order[3])])
        _ = s.handle(.mouse(x: l.scene.x + 3, y: l.scene.y + 3, button: 1), now: 0, size: size)
        XCTAssertEqual(s.focus, .scene)
    }

    func testDemoAnyKeyTakesControl() {
        var s = Fixtures.state()
        s.demo = DemoState()
        let e = s.handle(.char("q"), now: 0, size: size)
        XCTAssertNil(s.demo)
        XCTAssertEqual(e, [])
        XCTAssertEqual(s.handle(.char("q"), now: 0, size: size), [.quit])
    }
}

final class FiguresTests: XCTestCase {
    /// The scene's IoU / pIA is Core's count on the metrics' upsampling: for a sample in the
    /// figures it equals the report's per-sample value.
    func testSceneFigureEqualsReport() {
        var s = Fixtures.state()
        guard let i = s.scene?.sampleIndex, let k = s.metricRow[i] else { return XCTFail("fixture scene is not scored") }
        s.scene!.maps[0] = s.scored[i]!.positive
        s.scene!.maps[3] = s.scored[i]!.offscreen[0]
        for t in [0.1, 0.3141, 0.5] {
            s.threshold = t; s.thresholdChanged()
            s.condition = .positive
            XCTAssertEqual(s.sceneFigure(s.shownMap!), s.report!.perSample[k].ciouUth)
            s.condition = .offscreen
            XCTAssertEqual(s.sceneFigure(s.shownMap!).map { 100 * $0 }, s.report!.perSample[k].piaOffscreen)
        }
    }
}
