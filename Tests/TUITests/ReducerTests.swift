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
        XCTAssertEqual(s.threshold, (s.figures.universal! * 1000).rounded() / 1000, accuracy: 1e-9)
    }

    func testFiguresFollowThreshold() {
        var s = Fixtures.state()
        s.threshold = 0.1; s.thresholdChanged()
        let low = s.figures.pIA[2]
        s.threshold = 0.9; s.thresholdChanged()
        XCTAssertGreaterThan(low, s.figures.pIA[2])
        XCTAssertEqual(s.figures.pIA[2], 0)
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
        for c in "0003" { _ = s.handle(.char(c), now: 0, size: size) }
        let eff = s.handle(.enter, now: 0, size: size)
        XCTAssertTrue(s.selectedSample!.id.contains("0003"))
        XCTAssertEqual(eff, [.loadScene(s.selectedIndex!)])
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
    func testThresholdCountsMatchDirectIoU() {
        let m = Fixtures.blob(cx: 5, cy: 6, peak: 0.8)
        let gt = GroundTruthMap.boxes([[0.2, 0.2, 0.6, 0.7]])
        let c = ThresholdCounts(positive: m, negatives: [m, m, m], groundTruth: gt.pixels)
        for t in stride(from: 0.0, through: 0.8, by: 0.05) {
            let direct = ScenePanel.figure(map: m, condition: .positive, groundTruth: gt, threshold: t)!
            XCTAssertEqual(c.iou(t), direct, accuracy: 1e-12, "t = \(t)")
            XCTAssertEqual(c.pia(0, t), ScenePanel.figure(map: m, condition: .silence, groundTruth: gt, threshold: t)!, accuracy: 1e-12)
        }
    }

    func testUpsampleReplicatesBorderAndKeepsConstant() {
        let m = Fixtures.map { _, _ in 0.25 }
        XCTAssertTrue(Upsample.bilinear(m, side: 224).allSatisfy { $0 == 0.25 })
        let r = Fixtures.map { x, _ in Float(x) }
        let up = Upsample.bilinear(r, side: 224)
        XCTAssertEqual(up[0], 0); XCTAssertEqual(up[223], 13)
        XCTAssertEqual(up[8], 0.03125, accuracy: 1e-6)  // sx = 8.5/16 - 0.5
    }

    func testQuantileIsNumpyLinear() {
        XCTAssertEqual(DatasetFigures.quantile([1, 2, 3, 4], 0.75)!, 3.25, accuracy: 1e-12)
        XCTAssertEqual(DatasetFigures.quantile([1, 2, 3, 4], 0.25)!, 1.75, accuracy: 1e-12)
    }
}
