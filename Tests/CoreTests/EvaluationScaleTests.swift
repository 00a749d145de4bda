import Foundation
import XCTest
import Core

/// Evaluation past one run: a bad clip costs only its own sample, embeddings come back from the
/// disk cache bit for bit and are invalidated by any change of a file or a weight, and merged
/// shards give one run's report bit for bit.
final class EvaluationScaleTests: XCTestCase {
    var tmp = ""
    var savedBudget = ComputeBudget.current

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "sslsan-scale-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        // What `sslsan eval` runs with: samples in parallel, single-threaded BLAS and layers, so
        // each map is computed by one thread in one order (bit-reproducible).
        savedBudget = ComputeBudget.current
        ComputeBudget.apply(.jobPerCore(cores: 2))
    }

    override func tearDown() {
        ComputeBudget.apply(savedBudget)
        try? FileManager.default.removeItem(atPath: tmp)
    }

    func samples(_ n: Int? = nil) throws -> [Sample] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: repo + "/samples/manifest.jsonl") else { throw XCTSkip("samples/ not in this checkout") }
        let all = try Dataset.open(repo + "/samples").samples
        return n.map { Array(all.prefix($0)) } ?? all
    }

    func options(passes: Int, retrieval: Bool = false, cache: EmbeddingCache? = nil) -> Evaluator.Options {
        var o = Evaluator.Options()
        o.passes = passes; o.retrieval = retrieval; o.parallelSamples = true; o.threads = 2; o.cache = cache
        return o
    }

    /// A WAV with a valid header and no samples (what the reliability run's "empty WAV" was).
    func emptyWAV(_ name: String) throws -> String {
        var d = Data("RIFF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        u32(36); d.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1); u32(16000); u32(32000); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(0)
        let p = tmp + "/" + name
        try d.write(to: URL(fileURLWithPath: p))
        return p
    }

    // MARK: one bad file

    func testOneEmptyClipCostsOnlyItsOwnSample() throws {
        var s = try samples(40)
        s[7].audioPath = try emptyWAV("empty.wav")
        let model = SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1)
        let ev = Evaluator(model: model, samples: s, options: options(passes: 10))
        // Never drawn as anyone's off-screen audio, in any pass.
        for i in s.indices { for p in 0..<10 { XCTAssertNotEqual(ev.offscreen(for: i, pass: p), 7, "sample \(i) pass \(p)") } }
        XCTAssertEqual(ev.offscreenProblems.count, 1)
        let r = try ev.run()
        XCTAssertEqual(r.metrics.count, 39, "\(r.problems)")
        XCTAssertEqual(r.problems.count, 1)
        XCTAssertTrue(r.problems[0].hasPrefix(s[7].id + ": unreadable audio"), r.problems[0])
        XCTAssertTrue(r.metrics.samples.allSatisfy { $0.offscreen.count == 10 })
    }

    func testSevenBadOfTwelveStillScoresTheFiveGoodOnes() throws {
        var s = try samples(12)
        let bad = [0, 2, 3, 5, 8, 9, 11]
        for i in bad { s[i].audioPath = try emptyWAV("empty\(i).wav") }
        let r = try Evaluator(model: SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1), samples: s,
                              options: options(passes: 10)).run()
        XCTAssertEqual(r.metrics.samples.map(\.id), [1, 4, 6, 7, 10].map { s[$0].id })
        XCTAssertEqual(r.problems.count, 7, "\(r.problems)")
    }

    // MARK: disk cache

    func testSecondRunHitsTheCacheBitForBitAndChangesInvalidate() throws {
        var s = try samples(8)
        // Sample 0's image in a file this test may change.
        let img = tmp + "/img0.png"
        try FileManager.default.copyItem(atPath: s[0].imagePath, toPath: img)
        s[0].imagePath = img
        for k in s.indices where k > 0 && s[k].scene == s[0].scene { s[k].imagePath = img }
        let cache = try EmbeddingCache(directory: tmp + "/cache")
        let model = SSLSaNModel(config: try ModelConfig.named("demo"), seed: 2)
        func run(_ m: SSLSaNModel) throws -> (MetricReport, misses: Int, hits: Int) {
            let before = cache.statistics
            let r = try Evaluator(model: m, samples: s, options: options(passes: 2, retrieval: true, cache: cache)).run()
            XCTAssertTrue(r.problems.isEmpty, "\(r.problems)")
            let after = cache.statistics
            return (r.metrics.report(), after.misses - before.misses, after.hits - before.hits)
        }
        let images = Set(s.map(\.imagePath)).count, clips = Set(s.map(\.audioPath)).count
        let entries = images + clips + 1 + 2  // + silence + one noise per pass
        let cold = try run(model)
        XCTAssertEqual(cold.misses, entries); XCTAssertEqual(cold.hits, 0)
        let warm = try run(model)
        XCTAssertEqual(warm.misses, 0); XCTAssertEqual(warm.hits, entries)
        XCTAssertEqual(try warm.0.jsonData(), try cold.0.jsonData(), "a cached run must give the very same report")
        XCTAssertEqual(warm.0.table(), cold.0.table())

        // Change one pixel of the image file: only that image is encoded again.
        var pic = try ImageFile.read(img)
        let p = pic.pixel(3, 3)
        pic.setPixel(3, 3, (p.0 ^ 0x40, p.1, p.2))
        try PNGFile.write(pic, to: img)
        let edited = try run(model)
        XCTAssertEqual(edited.misses, 1)
        XCTAssertNotEqual(edited.0.perSample[0].maxPositive, cold.0.perSample[0].maxPositive)

        // Other weights: everything is encoded again.
        let model3 = SSLSaNModel(config: try ModelConfig.named("demo"), seed: 3)
        XCTAssertNotEqual(model3.fingerprint(), model.fingerprint())
        let other = try run(model3)
        XCTAssertEqual(other.misses, entries); XCTAssertEqual(other.hits, 0)

        // A corrupt entry reads as a miss and is rewritten.
        let files = try FileManager.default.subpathsOfDirectory(atPath: tmp + "/cache").filter { $0.hasSuffix(".emb") }
        let folder = model3.fingerprint()
        let victim = tmp + "/cache/" + files.first { $0.hasPrefix(folder) && $0.contains("/aud-") }!
        var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: URL(fileURLWithPath: victim))
        let repaired = try run(SSLSaNModel(config: try ModelConfig.named("demo"), seed: 3))  // same weights, new object
        XCTAssertEqual(repaired.misses, 1)
        XCTAssertEqual(try repaired.0.jsonData(), try other.0.jsonData())
    }

    // MARK: shards

    func testMergedShardsEqualOneRunBitForBit() throws {
        let s = try samples()
        let model = SSLSaNModel(config: try ModelConfig.named("demo"), seed: 4)
        let o = options(passes: 2, retrieval: true)
        let one = try Evaluator(model: model, samples: s, options: o).run()
        var parts: [String] = []
        var covered: [Int] = []
        for i in 1...3 {
            let ev = Evaluator(model: model, samples: s, options: o)
            let idx = Evaluator.shard(i, of: 3, samples: s)
            covered += idx
            let scores = try ev.scores(of: idx)
            parts.append(tmp + "/part-\(i).jsonl")
            try EvaluationPart.write(scores, shard: i, of: 3, evaluator: ev, to: parts.last!)
        }
        XCTAssertEqual(covered.sorted(), Array(s.indices), "the shards cover every sample once")
        let merged = try EvaluationPart.merge(parts.reversed())
        XCTAssertEqual(merged.metrics.count, one.metrics.count)
        for (a, b) in zip(merged.metrics.samples, one.metrics.samples) {
            XCTAssertEqual(a.id, b.id)
            XCTAssertEqual(a.positive, b.positive); XCTAssertEqual(a.noise, b.noise); XCTAssertEqual(a.offscreen, b.offscreen)
        }
        for choice in [ThresholdChoice.universal, .value(0.3)] {
            let r1 = one.metrics.report(threshold: choice), r2 = merged.metrics.report(threshold: choice)
            XCTAssertEqual(try r2.jsonData(), try r1.jsonData(), "merge(shards) must equal one run (\(choice))")
            XCTAssertEqual(r2.table(), r1.table())
        }
        // Missing or repeated shards are refused, naming the problem.
        XCTAssertThrowsError(try EvaluationPart.merge(Array(parts.prefix(2)))) { XCTAssertTrue("\($0)".contains("missing shard(s) 3/3"), "\($0)") }
        XCTAssertThrowsError(try EvaluationPart.merge(parts + [parts[0]])) { XCTAssertTrue("\($0)".contains("given twice"), "\($0)") }
    }

    func testContentHashIsXXH64() {
        XCTAssertEqual(ContentHash.xxh64(""), 0xEF46DB3751D8E999)
        XCTAssertEqual(ContentHash.xxh64("abc"), 0x44BC2CF5AD770999)
        XCTAssertEqual(ContentHash.xxh64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1)
    }
}
