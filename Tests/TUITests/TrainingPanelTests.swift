import Foundation
import XCTest
import Core
import Render
@testable import TUI

/// The Training panel's defaults are the ones samples/TRAINING.md recommends (a generated training
/// split, a separate validation split, neither the explored dataset; joint audio batch on), and it
/// shows the run folder whole however long it is.
final class TrainingPanelTests: XCTestCase {
    func testDefaultsTrainAndValidateApartFromTheExploredData() {
        let t = TrainingPanelState()
        XCTAssertTrue(t.useJointAudioBatch, "--joint-audio-batch is the recommended switch")
        XCTAssertNotEqual(t.data, t.validationData)
        XCTAssertEqual(GeneratedSplit.training(in: "runs").folder, t.data)
        XCTAssertEqual(GeneratedSplit.validation(in: "runs").folder, t.validationData)
        XCTAssertNotEqual(GeneratedSplit.training(in: "runs").seed, 1, "samples/ is seed 1")
        XCTAssertNotEqual(GeneratedSplit.validation(in: "runs").seed, GeneratedSplit.training(in: "runs").seed)
        var s = t
        s.explored = "samples"
        XCTAssertTrue(s.warnings.isEmpty, "\(s.warnings)")
        s.data = "./samples"
        s.validationData = "samples/"
        XCTAssertEqual(s.warnings.count, 2, "training on the explored data and validating on the training data: \(s.warnings)")
    }

    func testRunFolderIsShownWhole() {
        var s = Fixtures.state()
        s.focus = .training
        s.training.available = true
        s.training.status = .running
        let run = "/home/someone/projects/sound-localisation/exports/runs/explore-20261130-023412"
        s.training.runDirectory = run
        for (w, h) in [(40, 40), (60, 40)] {
            var buf = CellBuffer(width: w, height: h)
            TrainingPanel.draw(s, rect: Rect(x: 0, y: 0, width: w, height: h), into: &buf, theme: Theme(mode: .trueColor))
            // The panel's inner text, rows joined: the path must appear unbroken once the wrap is undone.
            let rows = buf.lines.map { String($0.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) }
            guard let first = rows.firstIndex(where: { $0.hasPrefix("run folder:") }) else { return XCTFail("no run folder line at \(w)×\(h)") }
            var joined = String(rows[first].dropFirst("run folder:".count)).trimmingCharacters(in: .whitespaces)
            var i = first + 1
            while !joined.hasSuffix("023412"), i < rows.count { joined += rows[i]; i += 1 }
            XCTAssertEqual(joined, run, "at \(w)×\(h)")
            XCTAssertTrue(rows.contains { $0.contains("joint audio") && $0.hasSuffix("on") })
        }
    }
}
