import Foundation
import XCTest
import Core
import Render
import TUI

/// The explorer's real screens (`MainScreen.render` of an explorer state) in every render mode,
/// characters and colours, against stored snapshots; plus the invariants each mode promises:
/// only palette colours in 256 and 8 colours, only ASCII without Unicode, no colour at all in
/// monochrome. This is where the fallbacks that used to happen inside the ncurses flush are tested.
final class ScreenModeSnapshotTests: XCTestCase {
    static let modes: [(name: String, mode: RenderMode)] = [
        ("truecolor", .trueColor), ("256", .palette256), ("8", .basic8),
        ("ascii256", RenderMode(colors: .palette256, unicode: false)), ("mono", .monochrome),
    ]

    func checkInvariants(_ b: CellBuffer, _ mode: RenderMode, _ tag: String) {
        let colours = b.cells.flatMap { [$0.fg, $0.bg] }.compactMap { $0 }
        switch mode.colors {
        case .trueColor: XCTAssertFalse(colours.isEmpty, tag)
        case .palette256: XCTAssertTrue(colours.allSatisfy { Palette256.snap($0) == $0 }, tag)
        case .basic8: XCTAssertTrue(colours.allSatisfy { Palette8.colors.contains($0) }, tag)
        case .none: XCTAssertTrue(colours.isEmpty, tag)
        }
        if !mode.unicode {
            let bad = b.cells.enumerated().filter { !$0.element.char.isASCII }.prefix(3).map { "(\($0.offset % b.width),\($0.offset / b.width)) \($0.element.char)" }
            XCTAssertTrue(bad.isEmpty, "\(tag): \(bad)")
        }
    }

    func testMainScreenInEveryMode() throws {
        let s = Fixtures.state()
        var previous: CellBuffer?
        for (name, mode) in Self.modes {
            let b = MainScreen.render(s, width: 80, height: 24, mode: mode)
            checkInvariants(b, mode, name)
            XCTAssertTrue(Snapshot.text(b).contains("Samples 12/12"), name)
            if let p = previous { XCTAssertNotEqual(p, b, "\(name) draws like the mode before it") }
            previous = b
            try Snapshot.check("main-80x24-\(name).cells", Snapshot.cells(b, mode: mode))
        }
    }

    /// The separability and training panels (stacked histogram, sparklines, progress bar, focused
    /// border) at 120×40 in each mode, with the heat overlay (threshold contour) and the playhead on the waveform.
    func testPanelsInEveryMode() throws {
        var s = Fixtures.state(samples: 40)
        s.style = .heat
        s.playback.position = 1.5
        for (name, mode) in Self.modes {
            s.focus = .separability
            let sep = MainScreen.render(s, width: 120, height: 40, mode: mode)
            checkInvariants(sep, mode, "separability \(name)")
            XCTAssertTrue(Snapshot.text(sep).contains("Sep = Q1(pos)"), name)
            try Snapshot.check("separability-120x40-\(name).cells", Snapshot.cells(sep, mode: mode))
        }
        s.focus = .scene
        for (name, mode) in Self.modes {
            let scene = MainScreen.render(s, width: 120, height: 40, mode: mode)
            checkInvariants(scene, mode, "heat \(name)")
            try Snapshot.check("heat-120x40-\(name).cells", Snapshot.cells(scene, mode: mode))
        }
    }

    /// Texts fitted at 80×24 in every mode and locale: the help (every word shown), and a
    /// comparison with long checkpoint names and a long notice (names abbreviated, notice wrapped).
    func testFittedTextsInEveryMode() throws {
        var s = Fixtures.state()
        s.compareName = "explore-20261130-023412/last.safetensors"
        s.scene!.compareMaps = s.scene!.maps.map { $0.map { m in SimilarityMap(width: 14, height: 14, values: m.values.map { $0 * 0.5 }) } }
        s.setNotice("exported 3 ids to exports/tagged-20261130-023412/ (ids.txt, report.json, 3 figures)", now: 0)
        var help = s
        _ = help.handle(.char("?"), now: 0, size: (80, 24))
        for (name, mode) in Self.modes {
            let b = MainScreen.render(s, width: 80, height: 24, mode: mode)
            checkInvariants(b, mode, "compare \(name)")
            let t = Snapshot.text(b)
            XCTAssertTrue(t.contains("exports/tagged-20261130-023412/"), "\(name): the notice lost its folder:\n\(t)")
            XCTAssertTrue(t.contains("max 0.350"), name)
            try Snapshot.check("compare-notice-80x24-\(name).cells", Snapshot.cells(b, mode: mode))
            let h = MainScreen.render(help, width: 80, height: 24, mode: mode)
            checkInvariants(h, mode, "help \(name)")
            try Snapshot.check("help-80x24-\(name).cells", Snapshot.cells(h, mode: mode))
        }
    }
}
