import Foundation
import XCTest
import Core
import Render
import TUI

/// Screens are pure functions of the state: compare their text with stored snapshots
/// (Tests/TUITests/Snapshots, see `Snapshot`).
final class ScreenSnapshotTests: XCTestCase {
    func check(_ name: String, _ buf: CellBuffer, file: StaticString = #filePath, line: UInt = #line) throws {
        try Snapshot.check(name + ".txt", Snapshot.text(buf), file: file, line: line)
    }

    func testBrowserAndScene80x24() throws {
        let s = Fixtures.state()
        let buf = MainScreen.render(s, width: 80, height: 24)
        let text = buf.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("Samples 12/12"))
        XCTAssertTrue(text.contains("1 positive"))
        XCTAssertTrue(text.contains("audio: bell"))
        XCTAssertTrue(text.contains("ckpt demo.safetensors"))
        try check("main-80x24", buf)
    }

    func testWide200x60ShowsSeparability() throws {
        let s = Fixtures.state(samples: 40)
        let buf = MainScreen.render(s, width: 200, height: 60)
        let text = buf.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("Separability"))
        XCTAssertTrue(text.contains("Sep = Q1(pos) − Q3(neg)"))
        XCTAssertTrue(text.contains("sil"))
        try check("main-200x60", buf)
    }

    func testSilenceAndHelp() throws {
        var s = Fixtures.state()
        _ = s.handle(.char("2"), now: 0, size: (80, 24))
        var text = MainScreen.render(s, width: 80, height: 24).lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("audio: silence"))
        XCTAssertTrue(text.contains("max 0.000"))
        _ = s.handle(.char("?"), now: 0, size: (80, 24))
        let buf = MainScreen.render(s, width: 80, height: 24)
        text = buf.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("Keys"))
        try check("help-80x24", buf)
    }

    func testCompareAndTraining200x60() throws {
        var s = Fixtures.state()
        s.compareName = "baseline.safetensors"
        s.scene!.compareMaps = s.scene!.maps.map { $0.map { m in SimilarityMap(width: 14, height: 14, values: m.values.map { $0 * 0.5 }) } }
        s.focus = .training
        s.training.available = true
        s.training.loss = (0..<50).map { 3 - Double($0) * 0.04 }
        s.training.lossSilence = (0..<50).map { 0.5 / Double($0 + 1) }
        s.training.stepsPerEpoch = 10; s.training.epoch = 2; s.training.step = 5; s.training.status = .running
        s.training.validation = ["ep 1  cIoU 12.3  sep +0.12"]
        let buf = MainScreen.render(s, width: 200, height: 60)
        let text = buf.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("baseline.safetensors"))
        XCTAssertTrue(text.contains("Training"))
        XCTAssertTrue(text.contains("ep 1  cIoU 12.3"))
        try check("compare-training-200x60", buf)
    }

    func testTooSmall() {
        let s = Fixtures.state()
        let text = MainScreen.render(s, width: 60, height: 20).lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("enlarge"))
    }

    func testEveryPanelRendersAtManySizes() {
        var s = Fixtures.state()
        for p in Panel.allCases {
            s.focus = p
            for (w, h) in [(80, 24), (81, 25), (120, 40), (149, 30), (150, 50), (200, 60), (300, 90)] {
                let b = MainScreen.render(s, width: w, height: h)
                XCTAssertEqual(b.width, w)
            }
        }
    }
}
