import Foundation
import XCTest
import Core
import TUI

/// The explorer and `sslsan eval` agree for a zoo family too, whose maps are post-processed
/// unlike SSL-TIE's (EZ-VSL: (cos+1)/2 maps, align-corners positive, float32 comparison): the
/// explorer's figures equal an in-process `Evaluator` run exactly, the scene's IoU and pIA equal
/// the report's per-sample values, and the `sslsan eval` binary (another process, whose BLAS may
/// sum in another order) prints the same figures, its shards merging to its single run byte for
/// byte. The checkpoint is an EZ-VSL state_dict filled with fixed pseudo-random weights (the
/// golden sets' fill rule), on 8 samples of `samples/`.
final class ZooFiguresTests: XCTestCase {
    static let repo = Fixtures.repo
    var tmp = ""

    override func setUpWithError() throws {
        tmp = try Fixtures.temporaryFolder("sslsan-zoofig")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    /// A `family` checkpoint (safetensors, family in the metadata) whose every tensor is filled
    /// like zoo_weights.py: conv / linear weights u·√(2/fan_in), biases and running means 0.1u,
    /// running variances 1 + 0.25|u|, BN weights 1 + 0.1u, u uniform in [−√3, √3].
    static func zooCheckpoint(_ family: ModelFamily, to path: String, seed: UInt64 = 1) throws {
        let m = ZooModel(family: family)
        var g = Random(seed: seed)
        var w = SafetensorsWriter(metadata: [LocalisationModels.familyKey: family.rawValue])
        for (name, t) in m.namedTensors {
            let fanIn = t.shape.dropFirst().reduce(1, *)
            let values = (0..<t.count).map { _ -> Float in
                let u = Float(g.uniform(-3.0.squareRoot(), 3.0.squareRoot()))
                if name.hasSuffix("running_var") { return 1 + 0.25 * abs(u) }
                if name.hasSuffix("running_mean") || name.hasSuffix(".bias") { return 0.1 * u }
                if t.shape.count == 1 { return 1 + 0.1 * u }
                return u * (2 / Float(fanIn)).squareRoot()
            }
            values.withUnsafeBufferPointer { w.add(name, floats: $0, shape: t.shape) }
        }
        try w.write(to: path)
    }

    /// The first `n` samples of samples/manifest.jsonl, paths made absolute, in `dir`.
    static func manifest(_ n: Int, in dir: String) throws -> String {
        let src = repo.appendingPathComponent("samples").path
        let lines = try String(contentsOfFile: src + "/manifest.jsonl", encoding: .utf8).split(separator: "\n").prefix(n)
        let out = try lines.map { line -> String in
            var o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for k in ["image", "audio", "mask"] { if let p = o[k] as? String { o[k] = src + "/" + p } }
            return String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
        }
        try (out.joined(separator: "\n") + "\n").write(toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
        return dir
    }

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try Fixtures.runSSLSaN(args, folder: tmp) }

    func testZooFamilyExplorerFiguresEqualEval() throws {
        guard FileManager.default.fileExists(atPath: Self.repo.path + "/samples/manifest.jsonl") else { throw XCTSkip("samples/ is not in this checkout") }
        let family = ModelFamily.ezvsl, passes = 2
        let ckpt = tmp + "/ezvsl.safetensors"
        try Self.zooCheckpoint(family, to: ckpt)
        let data = try Self.manifest(8, in: tmp)

        // The explorer's front door, its scorer feeding its state.
        let (d, model, _) = try ExplorerLauncher.open(ExplorerOptions(dataDirectory: data, checkpoint: ckpt, passes: passes))
        XCTAssertEqual(model.model.family, family)
        let session = Session(data: d, model: model, compare: nil, passes: passes)
        var state = ExplorerState(datasetName: d.name, checkpointName: model.name, samples: d.samples, problems: d.problems)
        state.passesTarget = session.passes
        Scorer.run(session, post: { state.apply($0) })
        XCTAssertEqual(state.passesShown, passes)

        // `sslsan eval`'s path in this process.
        let ds = try Dataset.open(data, format: .auto, requireGroundTruth: true)
        var options = Evaluator.Options()
        options.passes = passes
        options.retrieval = false
        let set = try Evaluator(model: try LocalisationModels.open(ckpt), dataset: ds, options: options).run().metrics
        XCTAssertEqual(set.count, 8)
        XCTAssertTrue(set.samples.allSatisfy { $0.postProcessing == family.specification.postProcessing }, "every sample is post-processed as EZ-VSL")
        let u = set.universalThreshold
        XCTAssertEqual(state.threshold, u, "the explorer opens at U")
        // The test can tell: counted as SSL-TIE's (cv2) maps, some positive counts differ.
        let differs = set.samples.contains { s in
            [u, 0.5].contains { t in
                ThresholdCounter(map: s.positive, groundTruth: s.groundTruth).count(above: t)
                    != ThresholdCounter(map: s.positive, postProcessing: s.postProcessing, groundTruth: s.groundTruth).count(above: t)
            }
        }
        XCTAssertTrue(differs, "EZ-VSL's align-corners maps count like cv2 ones here: the comparison below would not notice")
        for t in [u, u + 0.003, 0.5] {
            state.threshold = t; state.thresholdChanged()
            let e = try XCTUnwrap(state.report), r = set.report(threshold: .value(t))
            XCTAssertEqual(e.perSample.map(\.ciouUth), r.perSample.map(\.ciouUth), "cIoU at \(t)")
            XCTAssertEqual(e.perSample.map(\.piaSilence), r.perSample.map(\.piaSilence), "silence pIA at \(t)")
            for (a, b) in zip(e.paperColumns, r.paperColumns) { XCTAssertEqual(a.value, b.value, "\(a.name) at \(t)") }
            XCTAssertEqual(e.separability, r.separability)

            // The scene panel's IoU and pIA count with the sample's post-processing.
            for i in [0, 5] {
                var st = SceneState(sampleIndex: i)
                st.groundTruth = d.groundTruth(d.samples[i])
                st.postProcessing = session.postProcessing(sample: i)
                st.maps = try session.maps(sample: i)
                state.scene = st
                let k = try XCTUnwrap(state.metricRow[i])
                state.condition = .positive
                XCTAssertEqual(state.sceneFigure(st.maps[0]!), r.perSample[k].ciouUth, "scene IoU of sample \(i) at \(t)")
                state.condition = .silence
                XCTAssertEqual(state.sceneFigure(st.maps[1]!).map { 100 * $0 }, r.perSample[k].piaSilence, "scene pIA of sample \(i) at \(t)")
            }
        }

        // The binary: one run, and two shards merged, print the same figures.
        let args = ["eval", "--data", data, "--checkpoint", ckpt, "--passes", "\(passes)", "--no-cache", "--no-retrieval"]
        let one = try run(args + ["--json", tmp + "/one.json"])
        XCTAssertEqual(one.status, 0, one.err)
        for i in 1...2 { XCTAssertEqual(try run(args + ["--shard", "\(i)/2", "--out", tmp + "/part-\(i).jsonl"]).status, 0) }
        let merged = try run(["eval", "--merge", tmp + "/part-1.jsonl", tmp + "/part-2.jsonl", "--json", tmp + "/merged.json"])
        XCTAssertEqual(merged.status, 0, merged.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tmp + "/merged.json")), try Data(contentsOf: URL(fileURLWithPath: tmp + "/one.json")),
                       "merge(shards) of a zoo family writes the single run's JSON byte for byte")
        XCTAssertTrue(try String(contentsOfFile: tmp + "/part-1.jsonl", encoding: .utf8).contains(#""post_processing":"alignCorners,halfCosine,float32""#))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp + "/one.json"))) as? [String: Any])
        let cliU = try XCTUnwrap(json["universal_threshold"] as? Double)
        // Another process: a 512-term dot product may round differently (≈1e-7 on a map value), so
        // U agrees to that and the figures (percent) to a pixel's worth or so.
        XCTAssertEqual(cliU, u, accuracy: 1e-5)
        let explorer = set.report(threshold: .value(cliU))
        let table = try XCTUnwrap(json["table"] as? [Any])
        for (a, b) in zip(explorer.paperColumns, table) {
            guard let v = b as? Double else { XCTAssertTrue(a.value.isNaN, a.name); continue }
            XCTAssertEqual(a.value, v, accuracy: 0.5, "CLI vs explorer: \(a.name)")
        }
    }
}
