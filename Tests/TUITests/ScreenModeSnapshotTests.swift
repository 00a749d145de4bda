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
}
