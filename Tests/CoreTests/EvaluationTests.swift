import Foundation
import XCTest
import Core

final class EvaluationTests: XCTestCase {
    /// The repository's synthetic benchmark (samples/), first `n` pairs.
    func samplesDataset(_ n: Int) throws -> [Sample] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let dir = repo + "/samples"
        guard FileManager.default.fileExists(atPath: dir + "/manifest.jsonl") else { throw XCTSkip("samples/ not in this checkout") }
        return Array(try Dataset.open(dir).samples.prefix(n))
    }

    /// Maps from two computation orders (a batch GEMM against a one-sample GEMM, threaded BLAS
    /// splitting sums differently) agree to float32 rounding, not bit for bit. A map value is a
    /// cosine of unit vectors with `dim` channels; its rounding error grows like a random walk
    /// over the terms, about u·√dim (u = 2⁻²⁴, |products| summing to ≤ 1). A few (4) such units
    /// bound it with margin: 2.7e-6 for the demo's 128 channels, 5.4e-6 for 512. Observed ≈ 1e-7.
    func assertMapsClose(_ a: [SimilarityMap], _ b: [SimilarityMap], _ model: SSLSaNModel, file: StaticString = #filePath, line: UInt = #line) {
        let dim = Float(model.config.widths.last!)
        let tol = 4 * Float.ulpOfOne / 2 * dim.squareRoot()
        XCTAssertEqual(a.count, b.count, "map counts", file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual([x.width, x.height], [y.width, y.height], "map sizes", file: file, line: line)
            let err = zip(x.values, y.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(err, tol, "maps differ by \(err) > \(tol)", file: file, line: line)
        }
    }

    func testEvaluatorOnSyntheticPairs() throws {
        let samples = try samplesDataset(6)
        let model = SSLSaNModel(config: try ModelConfig.named("demo"), seed: 3)
        var options = Evaluator.Options()
        options.passes = 3
        let ev = Evaluator(model: model, samples: samples, options: options)
        let phases = PhaseLog()
        let t0 = Date()
        let result = try ev.run(progress: { phases.add($0) })
        let parallel = Date().timeIntervalSince(t0)
        XCTAssertTrue(result.problems.isEmpty, "\(result.problems)")
        let set = result.metrics
        XCTAssertEqual(set.count, 6)
        for (i, s) in set.samples.enumerated() {
            XCTAssertEqual(s.noise.count, 3); XCTAssertEqual(s.offscreen.count, 3)
            XCTAssertEqual(s.positive.width, model.config.mapSize)
            XCTAssertNotNil(s.groundTruth); XCTAssertFalse(s.groundTruth!.isEmpty)
            // Off-screen audio never comes from a class in the scene.
            for src in s.offscreenSources {
                let label = samples.first { $0.id == src }!.label
                XCTAssertFalse(samples[i].objects.contains(label), "\(s.id) played \(src)")
            }
        }
        XCTAssertEqual(set.retrievalScores?.count, 6)
        XCTAssertTrue(phases.phases.contains(.images))
        // Per-sample scoring gives the same maps as the batch run (reproducible seeds), up to the
        // rounding of a different GEMM order (`assertMapsClose`).
        let one = try ev.score(sample: 3).sample
        assertMapsClose([one.positive], [set.samples[3].positive], model)
        assertMapsClose(one.offscreen, set.samples[3].offscreen, model)
        assertMapsClose(one.noise, set.samples[3].noise, model)
        // A pass is the same whatever is scored with it: pass 1, then passes 2–3 appended (as the
        // explorer scores), equals all three at once, map for map.
        let split = try ev.score(sample: 3, passes: 0..<1).sample.appendingPasses(try ev.score(sample: 3, passes: 1..<3).sample)
        assertMapsClose([split.positive], [one.positive], model)
        assertMapsClose(split.noise, one.noise, model)
        assertMapsClose(split.offscreen, one.offscreen, model)
        XCTAssertEqual(split.offscreenSources, one.offscreenSources)
        // Pass p's noise map is the map of `NegativeAudio`'s noise with seed `seeds[p]`, the input
        // `sslsan infer --noise --seed` encodes.
        let v = try ev.visualFeatures(samples[3].imagePath)
        let noise1 = model.encodeAudio(NegativeAudio.spectrogram(.noise, config: model.config, seed: ev.seeds[1])).array
        assertMapsClose([model.map(visual: v, audio: noise1)], [one.noise[1]], model)
        // The mask is the ground truth (the samples have both mask and box).
        XCTAssertEqual(one.groundTruth, try GroundTruthMap.mask(at: samples[3].maskPath!))
        let report = set.report()
        XCTAssertEqual(report.samples, 6)
        XCTAssertEqual(report.objectAccuracy?.pairs, 6)   // three two-object scenes
        XCTAssertNotNil(report.alignment)

        // One sample at a time with GEMMs split across the cores: same maps, and a timing to compare.
        options.parallelSamples = false
        let t1 = Date()
        let serial = try Evaluator(model: model, samples: samples, options: options).run()
        let serialTime = Date().timeIntervalSince(t1)
        assertMapsClose(serial.metrics.samples.map(\.positive), set.samples.map(\.positive), model)
        print(String(format: "demo model, 6 pairs × 3 passes: samples in parallel %.2f s, one at a time (split GEMMs) %.2f s", parallel, serialTime))
    }

    func testCancellation() throws {
        let samples = try samplesDataset(4)
        let model = SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1)
        XCTAssertThrowsError(try Evaluator(model: model, samples: samples).run(isCancelled: { true })) { e in
            XCTAssertTrue(e is Evaluator.Cancelled)
        }
    }

    func testUnreadableFilesAreReportedPerSample() throws {
        let tmp = NSTemporaryDirectory() + "sslsan-eval-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var samples = try samplesDataset(2)
        try "not an image".write(toFile: tmp + "/bad.png", atomically: false, encoding: .utf8)
        samples[1].imagePath = tmp + "/bad.png"; samples[1].scene = "other"
        var options = Evaluator.Options(); options.passes = 1
        let r = try Evaluator(model: SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1), samples: samples, options: options).run()
        XCTAssertEqual(r.metrics.count, 1)
        XCTAssertEqual(r.problems.count, 1)
        XCTAssertTrue(r.problems[0].hasPrefix(samples[1].id))
    }

    /// End to end with the golden model: input.png is already 224² (so the eval squash is the
    /// identity) and the positive and silence maps must match `vectors.safetensors`.
    func testGoldenModelMapsEndToEnd() throws {
        let golden = try SharedData.path("golden")
        let vectors = try SafetensorsFile(path: golden + "/vectors.safetensors")
        let model = try SSLSaNModel.load(golden + "/model.safetensors")
        let sample = Sample(id: "input", imagePath: golden + "/input.png", audioPath: golden + "/input.wav", label: "lion",
                            boxes: [[0.25, 0.25, 0.75, 0.75]])
        var options = Evaluator.Options(); options.passes = 1; options.retrieval = false
        let ev = Evaluator(model: model, samples: [sample], options: options)
        let t0 = Date()
        let s = try ev.score(sample: 0).sample
        print(String(format: "golden model, one sample, 1 pass: %.2f s", Date().timeIntervalSince(t0)))
        let ref = try vectors.tensor("sim_map").array
        let refSilence = try vectors.tensor(model.config.negativesInDB ? "sim_map_silence" : "sim_map_silence_nodb").array
        var d = 0 as Float, ds = 0 as Float
        for i in 0..<ref.count { d = max(d, abs(s.positive.values[i] - ref[i])); ds = max(ds, abs(s.silence!.values[i] - refSilence[i])) }
        print("positive map max |diff| \(d), silence \(ds)")
        XCTAssertLessThanOrEqual(d, 2e-5)
        XCTAssertLessThanOrEqual(ds, 2e-5)
    }
}

final class PhaseLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var phases: [Evaluator.Progress.Phase] = []
    func add(_ p: Evaluator.Progress) { lock.lock(); if phases.last != p.phase { phases.append(p.phase) }; lock.unlock() }
}
