import Foundation
import XCTest
import Core
import TUI

/// The explorer and `sslsan eval` are two front doors onto one set of numbers. These tests open
/// `samples/` the way the explorer does (`ExplorerLauncher.open`, `Session`, the scorer's own
/// `Scorer.run` feeding `ExplorerState.apply`, threshold keys through the reducer) and score it
/// the way `sslsan eval` does (`Dataset.open` + `Evaluator.run` + `MetricSet.report`), then
/// require the same figures.
///
/// Equality is exact: both paths make the same Core calls on the same inputs in one process
/// (one GEMM row per map, so a map does not depend on how many are computed with it), and the
/// threshold is the same Double. The printed strings are compared too, since those are what a
/// user reads side by side.
final class ExplorerFiguresTests: XCTestCase {
    static let repo = Fixtures.repo

    func samples() throws -> (data: String, checkpoint: String) { try Fixtures.demoSamples() }

    /// `sslsan eval --data D --checkpoint C --passes P` up to the report (retrieval off: it
    /// changes no figure compared here).
    func evalSet(_ data: String, _ ckpt: String, passes: Int) throws -> MetricSet {
        let ds = try Dataset.open(data, format: .auto, requireGroundTruth: true)
        var options = Evaluator.Options()
        options.passes = passes
        options.retrieval = false
        return try Evaluator(model: try SSLSaNModel.load(ckpt), dataset: ds, options: options).run().metrics
    }

    static func printed(_ r: MetricReport) -> [String] {
        [r.ciouUth, r.pia.silence, r.pia.noise, r.pia.offscreen, r.fLoc].map { String(format: "%.2f", $0) }
            + [r.universalThreshold, r.separability].map { String(format: "%.4f", $0) }
    }

    func assertSame(_ explorer: MetricReport?, _ eval: MetricReport, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = explorer else { return XCTFail("\(what): the explorer has no figures", file: file, line: line) }
        XCTAssertEqual(Self.printed(e), Self.printed(eval), what, file: file, line: line)
        XCTAssertEqual(e.samples, eval.samples, what, file: file, line: line)
        XCTAssertEqual(e.passes, eval.passes, what, file: file, line: line)
        XCTAssertEqual(e.threshold, eval.threshold, what, file: file, line: line)
        for (a, b) in zip(e.paperColumns, eval.paperColumns) { XCTAssertEqual(a.value, b.value, "\(what): \(a.name)", file: file, line: line) }
        XCTAssertEqual(e.universalThreshold, eval.universalThreshold, what, file: file, line: line)
        XCTAssertEqual(e.separability, eval.separability, what, file: file, line: line)
        XCTAssertEqual(e.perSample.map(\.ciouUth), eval.perSample.map(\.ciouUth), what, file: file, line: line)
    }

    func testExplorerFiguresEqualEvalAtThreeThresholdsForOneAndTwoPasses() throws {
        let (data, ckpt) = try samples()
        let opts = ExplorerOptions(dataDirectory: data, checkpoint: ckpt, passes: 2)
        let (d, model, _) = try ExplorerLauncher.open(opts)
        let session = Session(data: d, model: model, compare: nil, passes: opts.passes)
        var state = ExplorerState(datasetName: d.name, checkpointName: model.name, samples: d.samples, problems: d.problems)
        state.passesTarget = session.passes
        var afterPassOne: ExplorerState?
        Scorer.run(session, post: { u in
            state.apply(u)
            if case .metrics(_, _, 1, true) = u { afterPassOne = state }
        })
        XCTAssertEqual(state.passesShown, 2)
        XCTAssertEqual(state.scoringDone, d.samples.count)

        for (passes, explorerState) in [(1, afterPassOne), (2, state)] {
            guard var s = explorerState else { XCTFail("no pass-1 figures were posted"); continue }
            let set = try evalSet(data, ckpt, passes: passes)
            let u = set.universalThreshold
            // At U: the explorer took U itself as its threshold (no rounding), and `u` says so.
            XCTAssertEqual(s.threshold, u, "\(passes) pass(es): the explorer's threshold is U exactly")
            let size = (width: 120, height: 40)
            _ = s.handle(.char("u"), now: 0, size: size)
            XCTAssertEqual(s.threshold, u)
            assertSame(s.report, set.report(threshold: .universal), "\(passes) pass(es) at U")
            // Two other thresholds reached with the keys, off any grid.
            _ = s.handle(.char("]"), now: 0, size: size)
            _ = s.handle(.char("+"), now: 0, size: size)
            XCTAssertEqual(s.threshold, u + 0.05 + 0.005)
            assertSame(s.report, set.report(threshold: .value(s.threshold)), "\(passes) pass(es) at U + 0.055")
            for _ in 0..<3 { _ = s.handle(.char("["), now: 0, size: size) }
            assertSame(s.report, set.report(threshold: .value(s.threshold)), "\(passes) pass(es) at U − 0.095")
            // The browser's per-sample IoU is the report's.
            let r = set.report(threshold: .value(s.threshold))
            for (k, i) in s.metricRows.enumerated().prefix(20) { XCTAssertEqual(s.iou(i), r.perSample[k].ciouUth) }
        }
    }

    /// The explorer's scene map for a sample equals `sslsan infer`'s for the same image and audio:
    /// the positive (its own clip) and the noise of the shown pass (`--noise --seed`).
    func testExplorerSceneMapsEqualInfer() throws {
        let (data, ckpt) = try samples()
        let bin = Self.repo.appendingPathComponent(".build/release/sslsan").path
        guard FileManager.default.isExecutableFile(atPath: bin) else { throw XCTSkip("\(bin) is missing: run `swift build -c release` first") }
        let (d, model, _) = try ExplorerLauncher.open(ExplorerOptions(dataDirectory: data, checkpoint: ckpt, passes: 1))
        let session = Session(data: d, model: model, compare: nil, passes: 1)
        let i = 3, s = d.samples[i]
        let maps = try session.maps(sample: i)
        let seed = try XCTUnwrap(session.shownNoiseSeed)
        for (condition, args) in [(AudioCondition.positive, ["--audio", s.audioPath]),
                                  (.noise, ["--noise", "--seed", "\(seed)"])] {
            let out = try Self.run(bin, ["infer", "--checkpoint", ckpt, "--image", s.imagePath, "--json"] + args)
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], out)
            let rows = try XCTUnwrap(obj["map"] as? [[Double]])
            let explorer = try XCTUnwrap(maps[condition.index], "no \(condition) map")
            XCTAssertEqual(rows.count, explorer.height)
            // Another process may run BLAS with another thread count: a 512-term float32 dot
            // product of unit vectors may differ in its summation order, a few 1e-7 at most.
            var worst = 0.0
            for y in 0..<explorer.height { for x in 0..<explorer.width { worst = max(worst, abs(rows[y][x] - Double(explorer[x, y]))) } }
            XCTAssertLessThan(worst, 1e-5, "\(condition): explorer vs infer")
        }
    }

    static func run(_ bin: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "sslsan \(args.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }
}
