import Foundation
import XCTest
import Core
import Render
@testable import TUI

/// The explorer as a first-time user found it (issue "A fresh machine, a first-time user"):
/// each test names the item it covers. The keys themselves are walked in tmux by
/// `ExplorerEndToEndTests.testFirstTimeUserWalk`.
final class ExplorerIssueTests: XCTestCase {
    let size = (width: 120, height: 40)

    func text(_ s: ExplorerState, _ w: Int, _ h: Int, mode: RenderMode = .trueColor) -> String {
        MainScreen.render(s, width: w, height: h, mode: mode).lines.joined(separator: "\n")
    }

    /// Applies a key; when it moved the selection, the scene shown must be the new selection's
    /// or one the effects ask for.
    func key(_ s: inout ExplorerState, _ k: Key, file: StaticString = #filePath, line: UInt = #line) -> [Effect] {
        let before = s.selectedIndex
        let effects = s.handle(k, now: 0, size: size)
        guard let i = s.selectedIndex, i != before, s.scene?.sampleIndex != i else { return effects }
        XCTAssertTrue(effects.contains(.loadScene(i)), "selection \(i) moved without a scene request (effects \(effects))", file: file, line: line)
        return effects
    }

    // Item 1: `/` then Esc, and `f` while typing, never leave the scene on `loading…`.
    func testSearchAndFilterKeepTheSceneOnTheSelection() {
        var s = Fixtures.state()
        let start = s.selectedIndex
        _ = s.handle(.char("/"), now: 0, size: size)
        for c in "0004" { _ = key(&s, .char(c)) }
        XCTAssertNotEqual(s.selectedIndex, start, "the search did not move the selection")
        // Pretend the worker answered the jump, then cancel: back to the first sample, with its scene asked for.
        s.scene!.sampleIndex = s.selectedIndex!
        let esc = key(&s, .escape)
        XCTAssertEqual(s.inputMode, .normal)
        XCTAssertEqual(s.selectedIndex, start, "Esc cancels the search")
        XCTAssertEqual(esc, [.loadScene(start!)])
        // The filter narrows the list while typing: every keystroke that moves the selection asks for its scene.
        var f = Fixtures.state()
        _ = f.handle(.char("f"), now: 0, size: size)
        var asked: [Effect] = []
        for c in "chirp" { asked += key(&f, .char(c)) }
        XCTAssertTrue(f.order.allSatisfy { f.samples[$0].label == "chirp" })
        XCTAssertEqual(asked, [.loadScene(f.selectedIndex!)], "the filter's first match is asked for while typing")
        _ = key(&f, .escape)
    }

    // Item 2: the demo caption says what the map shows.
    func testDemoCaptionDescribesTheMap() {
        let s = Fixtures.state()
        let gt = s.scene!.groundTruth!
        // A noise map with a large blob above the threshold is a false alarm with its measured area.
        let loud = Fixtures.blob(cx: 7, cy: 7, peak: 0.77)
        let c = DemoCaption.describe(.noise, label: "noise", map: loud, groundTruth: gt, threshold: 0.3)
        let area = 100 * PIA.fraction(area: ThresholdCounter(map: loud).area(above: 0.3))
        XCTAssertGreaterThan(area, 1)
        XCTAssertTrue(c.contains("false alarm"), c)
        XCTAssertTrue(c.contains(String(format: "%.1f%%", area)), c)
        XCTAssertTrue(c.contains("max 0.770"), c)
        XCTAssertTrue(c.contains("centre"), c)
        XCTAssertFalse(c.contains("empty"), c)
        // A quiet map is called quiet.
        let quiet = DemoCaption.describe(.silence, label: "silence", map: Fixtures.map { _, _ in 0.01 }, groundTruth: gt, threshold: 0.3)
        XCTAssertTrue(quiet.contains("nothing above the threshold") && quiet.contains("max 0.010"), quiet)
        // Positive: the blob on the box (x 0.1–0.45, y 0.2–0.55) is "on the object" with the scene's IoU.
        var st = s
        st.threshold = 0.3
        let on = Fixtures.blob(cx: 3.5, cy: 5, peak: 0.8)
        let p = DemoCaption.describe(.positive, label: "bell", map: on, groundTruth: gt, threshold: 0.3)
        XCTAssertTrue(p.hasPrefix("positive (bell): peak on the object"), p)
        XCTAssertTrue(p.contains("IoU \(String(format: "%.2f", st.sceneFigure(on)!))"), p)
        let off = DemoCaption.describe(.positive, label: "bell", map: Fixtures.blob(cx: 12, cy: 12, peak: 0.8), groundTruth: gt, threshold: 0.3)
        XCTAssertTrue(off.contains("peak off the object (bottom right)"), off)
        // At 80×24 the sentence wraps onto a second row instead of being cut.
        var shown = Fixtures.state()
        shown.demo = DemoState(step: 1, nextSwitch: 0, caption: p)
        let screen = text(shown, 80, 24)
        for word in p.split(separator: " ") { XCTAssertTrue(screen.contains(word), "caption word '\(word)' is cut:\n\(screen)") }
        // The explorer's caption is this description of the map on screen.
        var d = Fixtures.state()
        d.condition = .offscreen
        XCTAssertEqual(Explorer.caption(.offscreen, state: d),
                       DemoCaption.describe(.offscreen, label: "hum", map: d.shownMap, groundTruth: d.scene!.groundTruth, threshold: d.threshold))
    }

    // Item 5: after `u` the threshold shown is the threshold used, and the figures are eval's at U.
    func testUShowsAndUsesTheSameThreshold() {
        var s = Fixtures.state()
        _ = s.handle(.char("]"), now: 0, size: size)
        _ = s.handle(.char("u"), now: 0, size: size)
        let u = s.metrics.universalThreshold
        XCTAssertEqual(s.threshold, u)
        let atU = s.metrics.report(threshold: .universal)
        XCTAssertEqual(s.report!.ciouUth, atU.ciouUth)
        XCTAssertEqual(s.report!.pia, atU.pia)
        XCTAssertEqual(s.report!.fLoc, atU.fLoc)
        XCTAssertTrue(text(s, 120, 40).contains("thr \(String(format: "%.4f", u)) = U"))
        // A step away and back lands on U exactly, and says so.
        let status = { (s: ExplorerState) in MainScreen.render(s, width: 120, height: 40).lines[39] }
        _ = s.handle(.char("+"), now: 0, size: size)
        XCTAssertTrue(status(s).contains("thr \(String(format: "%.4f", u + 0.005)) (U \(String(format: "%.4f", u)))"), status(s))
        _ = s.handle(.char("-"), now: 0, size: size)
        XCTAssertEqual(s.threshold, u)
        XCTAssertTrue(status(s).contains("= U"), status(s))
    }

    // Item 6: after `L` the first checkpoint is the compare model, `w` goes back to it.
    func testLoadCompareAndSwapCheckpoints() {
        var s = Fixtures.state()
        s.checkpointPath = "samples/demo.safetensors"
        XCTAssertEqual(s.handle(.char("L"), now: 0, size: size), [])
        XCTAssertTrue(s.notice!.contains("no checkpoint from training"))
        s.training.lastCheckpoint = "runs/explore-1/last.safetensors"
        XCTAssertEqual(s.handle(.char("L"), now: 0, size: size),
                       [.loadModels(main: "runs/explore-1/last.safetensors", compare: "samples/demo.safetensors")])
        // What the explorer does with that effect (`Explorer.loadModels`).
        s.checkpointPath = "runs/explore-1/last.safetensors"; s.checkpointName = SSLSaNExplorerModel.displayName(s.checkpointPath)
        s.comparePath = "samples/demo.safetensors"; s.compareName = "demo.safetensors"
        XCTAssertEqual(s.checkpointName, "explore-1/last.safetensors")
        // L again does not compare the checkpoint with itself; C hides and shows the comparison.
        XCTAssertEqual(s.handle(.char("L"), now: 0, size: size), [])
        XCTAssertTrue(s.notice!.contains("already"))
        XCTAssertEqual(s.handle(.char("C"), now: 0, size: size), [])
        XCTAssertFalse(s.compareVisible)
        _ = s.handle(.char("C"), now: 0, size: size)
        XCTAssertTrue(s.compareVisible)
        // w swaps: the first checkpoint is the main one again.
        XCTAssertEqual(s.handle(.char("w"), now: 0, size: size),
                       [.loadModels(main: "samples/demo.safetensors", compare: "runs/explore-1/last.safetensors")])
        // Without a compare model, C compares the trained checkpoint with the main one, never with itself.
        var t = Fixtures.state()
        t.checkpointPath = "a.safetensors"
        t.training.lastCheckpoint = "a.safetensors"
        XCTAssertEqual(t.handle(.char("C"), now: 0, size: size), [])
        t.training.lastCheckpoint = "b.safetensors"
        XCTAssertEqual(t.handle(.char("C"), now: 0, size: size), [.loadModels(main: "a.safetensors", compare: "b.safetensors")])
    }

    // Item 7: every sort key's column is on screen at every size; `leak` is explained.
    func testSortColumnsAreShownAndLeakIsExplained() {
        for (w, h) in [(80, 24), (120, 40), (160, 48), (200, 60)] {
            var s = Fixtures.state()
            for _ in SortColumn.allCases {
                _ = s.handle(.char("s"), now: 0, size: (w, h))
                let l = Layout.compute(width: w, height: h, state: s)
                let header = MainScreen.render(s, width: w, height: h).lines[l.browserRows.y - 1]
                let title = s.sort == .label ? "class" : s.sort.title
                XCTAssertTrue(header.contains(title), "\(w)×\(h): sorted by \(s.sort.title), header: \(header)")
                if let m = s.sort.meaning { XCTAssertTrue(s.notice!.contains(m), s.notice!) }
            }
        }
        XCTAssertNotNil(KeyHelp.sections.flatMap { $0.1 }.first { $0.0 == "leak" })
    }

    // Item 8: help at 80×24 shows every key and every word of its description.
    func testHelpFitsEightyByTwentyFour() {
        var s = Fixtures.state()
        _ = s.handle(.char("?"), now: 0, size: (80, 24))
        for (name, mode) in ScreenModeSnapshotTests.modes {
            let t = text(s, 80, 24, mode: mode)
            for (_, keys) in KeyHelp.sections {
                for (k, d) in keys {
                    for word in (k + " " + d).split(separator: " ") {
                        let shown = TextLayout.displayable(String(word), unicode: mode.unicode)
                        XCTAssertTrue(t.contains(shown), "\(name): help word '\(word)' of '\(d)' is not on screen:\n\(t)")
                    }
                }
            }
            XCTAssertFalse(t.contains("…") || (!mode.unicode && t.contains("~")), "\(name): the help is cut")
        }
    }

    // Item 8: a long notice at 120 columns is wrapped above the status line, never cut.
    func testLongNoticeIsWrappedNotCut() throws {
        var s = Fixtures.state()
        let n = "scene0003_bell: image: /home/user/datasets/vggsound/test/images/scene0003_bell_000123.png: not a PNG or JPEG file (first bytes 00 00 00 18)"
        s.setNotice(n, now: 0)
        let b = MainScreen.render(s, width: 120, height: 40)
        let t = b.lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
        for word in n.split(separator: " ") { XCTAssertTrue(t.contains(word), "notice word '\(word)' is missing") }
        try Snapshot.check("notice-120x40.txt", Snapshot.text(b))
        // A short one stays on the status line.
        s.setNotice("loop on", now: 0)
        XCTAssertTrue(MainScreen.render(s, width: 120, height: 40).lines[39].contains("loop on"))
    }

    // Item 8: compare labels at 80×24 keep the figure and abbreviate the name.
    func testCompareLabelsFitEightyByTwentyFour() throws {
        var s = Fixtures.state()
        s.compareName = "explore-20261130-023412/last.safetensors"
        s.scene!.compareMaps = s.scene!.maps.map { $0.map { m in SimilarityMap(width: 14, height: 14, values: m.values.map { $0 * 0.5 }) } }
        let b = MainScreen.render(s, width: 80, height: 24)
        let t = Snapshot.text(b)
        XCTAssertTrue(t.contains("max 0.700"), t)
        XCTAssertTrue(t.contains("max 0.350"), t)
        XCTAssertTrue(t.contains("demo  max 0.700") || t.contains("demo.safetensors  max 0.700"), t)
        XCTAssertTrue(t.contains("…2/last  max 0.350"), t)
        XCTAssertTrue(t.contains("thr 0.2050"), "the status line lost the threshold:\n\(t)")
        try Snapshot.check("compare-80x24.txt", t)
        XCTAssertEqual(ScenePanel.label("demo.safetensors", maximum: 0.7, width: 30), "demo.safetensors  max 0.700")
        XCTAssertEqual(ScenePanel.label("demo.safetensors", maximum: 0.7, width: 20), "demo  max 0.700")
        XCTAssertEqual(TextLayout.abbreviate("runs/explore-20261130/last.safetensors", width: 20), "runs/explo…fetensors")
    }

    // Item 10: exports go to exports/tagged-<time>/ under the export folder, never over an earlier one.
    func testExportFolder() throws {
        XCTAssertEqual(Explorer.exportFolder(in: ".", stamp: "20260101-000000"), "exports/tagged-20260101-000000")
        let dir = NSTemporaryDirectory() + "sslsan-export-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = Explorer.exportFolder(in: dir, stamp: "x")
        XCTAssertEqual(first, dir + "/exports/tagged-x")
        try FileManager.default.createDirectory(atPath: first, withIntermediateDirectories: true)
        XCTAssertEqual(Explorer.exportFolder(in: dir + "/", stamp: "x"), dir + "/exports/tagged-x-2")
    }

    // Item 11: at 120×40 the histogram and the overlay are on one screen, whatever has the focus.
    func testHistogramAndOverlayTogetherAt120x40() {
        var s = Fixtures.state(samples: 40)
        for p in [Panel.browser, .scene, .separability] {
            s.focus = p
            let t = text(s, 120, 40)
            XCTAssertTrue(t.contains("Sep = Q1(pos)"), "\(p): no histogram")
            XCTAssertTrue(t.contains("audio: bell"), "\(p): no scene")
            XCTAssertTrue(t.contains("Samples 40/40"), "\(p): no list")
        }
        // 80×24 has no room for all three: the focused histogram takes the list's place, the scene stays.
        s.focus = .separability
        let small = text(s, 80, 24)
        XCTAssertTrue(small.contains("Sep = Q1(pos)") && small.contains("audio: bell"))
    }
}
