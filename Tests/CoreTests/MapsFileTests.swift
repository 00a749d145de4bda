import Foundation
import XCTest
import Core

/// `MapsFile`: what `eval --write-maps` writes, `eval --maps` and `explore --maps` read back
/// unchanged; the join of its names with a dataset; one-line errors for bad files.
final class MapsFileTests: XCTestCase {
    func temp(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "sslsan-mapsfile-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/" + name
    }

    /// Deterministic samples: 7×7 maps, two passes, boxes on all but the last sample.
    func samples(_ n: Int = 6, passes: Int = 2) -> [ScoredSample] {
        var r = Random(seed: 11)
        func map() -> SimilarityMap { SimilarityMap(width: 7, height: 7, values: (0..<49).map { _ in Float(r.uniform(-1, 1)) }) }
        let labels = ["dog", "bell"]
        var out: [ScoredSample] = []
        for i in 0..<n {
            let gt: GroundTruthMap? = i == n - 1 ? nil : GroundTruthMap.boxes([[0.1 * Double(i % 3), 0.2, 0.6, 0.7]])
            let noise: [SimilarityMap] = (0..<passes).map { _ in map() }
            let offscreen: [SimilarityMap] = (0..<passes).map { _ in map() }
            let visual: [Float] = (0..<5).map { Float($0 + i) }
            let audio: [Float] = (0..<5).map { Float($0 * i + 1) }
            let sources: [String] = (0..<passes).map { "scene\((i / 2 + 1 + $0) % (n / 2))_dog" }
            out.append(ScoredSample(id: "scene\(i / 2)_\(labels[i % 2])", label: labels[i % 2], scene: "scene\(i / 2)",
                                    positive: map(), silence: map(), noise: noise, offscreen: offscreen, offscreenSources: sources, groundTruth: gt,
                                    visualEmbedding: visual, audioEmbedding: audio))
        }
        return out
    }

    func testWriteThenLoadGivesEverySampleAndFigureBack() throws {
        // A family's post-processing (not SSL-TIE's default) travels with the maps.
        let post = MapPostProcessing(positive: .alignCorners, scale: .halfCosine, comparison: .float32)
        let s = samples().map { var x = $0; x.postProcessing = post; return x }
        let retrieval = s.indices.map { i in s.indices.map { Float(i * 10 + $0) / 100 } }
        let set = MetricSet(samples: s, retrievalScores: retrieval)
        let path = temp("maps.safetensors")
        try MapsFile.write(set, family: "ACL", to: path)
        let c = try MapsFile.load(path)
        XCTAssertEqual(c.family, "ACL")
        XCTAssertEqual(c.retrievalScores, retrieval)
        XCTAssertEqual(c.samples.count, s.count)
        for (a, b) in zip(c.samples, s) {
            XCTAssertEqual(a.id, b.id); XCTAssertEqual(a.label, b.label); XCTAssertEqual(a.scene, b.scene)
            XCTAssertEqual(a.positive, b.positive); XCTAssertEqual(a.silence, b.silence)
            XCTAssertEqual(a.noise, b.noise); XCTAssertEqual(a.offscreen, b.offscreen); XCTAssertEqual(a.offscreenSources, b.offscreenSources)
            XCTAssertEqual(a.visualEmbedding, b.visualEmbedding); XCTAssertEqual(a.audioEmbedding, b.audioEmbedding)
            XCTAssertEqual(a.postProcessing, post)
            // A missing ground truth comes back empty: the same vssl_eval empty ground truth.
            XCTAssertEqual(a.groundTruth?.pixels ?? [], b.groundTruth?.pixels ?? [UInt8](repeating: 0, count: 224 * 224))
        }
        // The same inputs through the same code: the same figures, bit for bit.
        let ours = c.metrics.report(threshold: .universal), theirs = set.report(threshold: .universal)
        XCTAssertEqual(ours.table(), theirs.table())
        XCTAssertEqual(try ours.jsonData(), try theirs.jsonData())
    }

    func testGoldenMetricsInputsSurviveARewrite() throws {
        let inputs = try SharedData.path("golden/metrics_inputs.safetensors")
        let c = try MapsFile.load(inputs)
        let path = temp("golden.safetensors")
        try MapsFile.write(c.metrics, family: nil, to: path)
        let back = try MapsFile.load(path)
        XCTAssertNil(back.family)
        for t in [ThresholdChoice.universal, .value(0.3338)] {
            XCTAssertEqual(back.metrics.report(threshold: t).table(), c.metrics.report(threshold: t).table())
        }
    }

    func testWriteRefusesMapsThatDoNotStackNamingTheSample() {
        var s = samples()
        s[3].offscreen = []
        let path = temp("uneven.safetensors")
        XCTAssertThrowsError(try MapsFile.write(MetricSet(samples: s), family: nil, to: path)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains(s[3].id) && text.contains("off-screen") && text.contains(path), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing half-written")
        var t = samples()
        t[2].postProcessing = MapPostProcessing(positive: .cv2Linear, scale: .gradCAM, comparison: .float64)
        XCTAssertThrowsError(try MapsFile.write(MetricSet(samples: t), family: nil, to: path)) { e in
            XCTAssertTrue("\(e)".contains(t[2].id) && "\(e)".contains("post-processing"), "\(e)")
        }
    }

    func testJoinByIDStemAndImageStem() {
        let ds = [Sample(id: "clip_0001", imagePath: "/d/frames/clip_0001.jpg", audioPath: "/d/a/1.wav", label: "dog"),
                  Sample(id: "s2", imagePath: "/d/frames/photo.png", audioPath: "/d/a/2.wav", label: "bell"),
                  Sample(id: "s3", imagePath: "/d/frames/pair.png", audioPath: "/d/a/3.wav", label: "dog"),
                  Sample(id: "s4", imagePath: "/d/frames/pair.png", audioPath: "/d/a/4.wav", label: "bell")]
        let ids = ["clip_0001", "clip_0001.jpg", "photo.jpg", "s3", "pair.png", "nowhere"]
        // id; its file stem as an id; the stem of one image; an id; an image shared by two samples (no
        // match); nothing.
        XCTAssertEqual(MapsFile.join(ids, with: ds), [0, 0, 1, 2, nil, nil])
    }

    func testBadMapsFilesGiveOneLineNamingTheFile() throws {
        func check(_ path: String, _ words: [String]) {
            XCTAssertThrowsError(try MapsFile.load(path)) { e in
                guard let s = e as? SSLSaNError else { return XCTFail("not an SSLSaNError: \(e)") }
                XCTAssertEqual(s.file, path)
                XCTAssertFalse(s.description.contains("\n"), s.description)
                for w in words { XCTAssertTrue(s.description.contains(w), "'\(w)' not in: \(s)") }
            }
        }
        var w = SafetensorsWriter()
        [Float]().withUnsafeBufferPointer { w.add("heatmap", floats: $0, shape: [0, 1, 7, 7]) }
        let empty = temp("empty.safetensors")
        try w.write(to: empty)
        check(empty, ["holds no maps"])
        var v = SafetensorsWriter()
        let maps = [Float](repeating: 0.5, count: 2 * 49)
        maps.withUnsafeBufferPointer { v.add("heatmap", floats: $0, shape: [2, 1, 7, 7]) }
        [Float](repeating: 0, count: 6).withUnsafeBufferPointer { v.add("retrieval", floats: $0, shape: [2, 3]) }
        let retrieval = temp("retrieval.safetensors")
        try v.write(to: retrieval)
        check(retrieval, ["'retrieval' must be (N=2, 2)"])
        let notMaps = temp("weights.safetensors")
        var x = SafetensorsWriter()
        [Float](repeating: 0, count: 4).withUnsafeBufferPointer { x.add("conv.weight", floats: $0, shape: [4]) }
        try x.write(to: notMaps)
        check(notMaps, ["no 'heatmap' tensor"])
    }
}
