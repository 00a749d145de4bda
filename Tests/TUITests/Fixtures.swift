import Foundation
import XCTest
import Core
import Render
import TUI

/// A small, fully deterministic explorer state for screen snapshots and reducer tests, and the
/// paths the command-line and end-to-end tests share.
enum Fixtures {
    /// The checkout these tests were built from (its `.build/release/sslsan`, `samples/`).
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `samples/` and its demo checkpoint, or a skip where this checkout lacks them.
    static func demoSamples() throws -> (data: String, checkpoint: String) {
        let data = repo.appendingPathComponent("samples").path
        let ckpt = data + "/demo.safetensors"
        guard FileManager.default.fileExists(atPath: data + "/manifest.jsonl"), FileManager.default.fileExists(atPath: ckpt) else {
            throw XCTSkip("samples/ with demo.safetensors is not in this checkout")
        }
        return (data, ckpt)
    }

    /// Runs this checkout's `sslsan` with `args` (working directory: the checkout, stdin
    /// /dev/null, stdout and stderr through files in `folder`) and returns its status and output;
    /// skips where the binary has not been built.
    static func runSSLSaN(_ args: [String], folder: String) throws -> (status: Int32, out: String, err: String) {
        let bin = repo.appendingPathComponent(".build/release/sslsan").path
        guard FileManager.default.isExecutableFile(atPath: bin) else { throw XCTSkip("\(bin) is missing: run `swift build -c release` first") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        p.currentDirectoryURL = repo
        let out = folder + "/stdout", err = folder + "/stderr"
        _ = FileManager.default.createFile(atPath: out, contents: nil); _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        p.standardInput = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOfFile: out, encoding: .utf8), try String(contentsOfFile: err, encoding: .utf8))
    }

    /// A fresh folder under the system's temporary directory, unique to this process and call.
    static func temporaryFolder(_ prefix: String) throws -> String {
        let dir = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func map(_ f: (Int, Int) -> Float) -> SimilarityMap {
        SimilarityMap(width: 14, height: 14, values: (0..<196).map { f($0 % 14, $0 / 14) })
    }

    static func blob(cx: Double, cy: Double, peak: Float) -> SimilarityMap {
        map { x, y in
            let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)) / 8
            return peak * Float(exp(-d))
        }
    }

    static func image() -> RGBImage {
        var img = RGBImage(width: 112, height: 112)
        for y in 0..<112 { for x in 0..<112 { img.setPixel(x, y, (UInt8(60 + x), UInt8(40 + y), 90)) } }
        for y in 30..<60 { for x in 20..<50 { img.setPixel(x, y, (230, 40, 40)) } }
        return img
    }

    static let classes = ["bell", "chirp", "hum", "siren"]

    static func state(samples n: Int = 12, scored: Int? = nil) -> ExplorerState {
        let samples = (0..<n).map { i in
            Sample(id: String(format: "scene%04d_%@", i / 2, classes[i % 4]), imagePath: "/x/\(i).png", audioPath: "/x/\(i).wav",
                   label: classes[i % 4], objects: [classes[i % 4], classes[(i + 1) % 4]], boxes: [[0.1, 0.2, 0.45, 0.55]])
        }
        var s = ExplorerState(datasetName: "samples", checkpointName: "demo.safetensors", samples: samples)
        let gt = GroundTruthMap.boxes([[0.1, 0.2, 0.45, 0.55]])
        var set: [ScoredSample] = []
        for i in 0..<(scored ?? n) {
            let pos = blob(cx: 3.5 + Double(i % 5), cy: 5, peak: 0.5 + 0.03 * Float(i))
            let sil = map { _, _ in 0.001 * Float(i % 3) }
            let noi = map { _, _ in 0.002 }
            let off = blob(cx: 10, cy: 10, peak: 0.2 + 0.02 * Float(i % 4))
            let sc = ScoredSample(id: samples[i].id, label: samples[i].label, positive: pos, silence: sil, noise: [noi], offscreen: [off], groundTruth: gt)
            s.apply(.sample(i, sc, passes: 1, problem: nil))
            set.append(sc)
        }
        s.apply(.metrics(MetricSet(samples: set), rows: Array(set.indices), passes: 1, complete: set.count == n))
        s.rebuildOrder()
        var sc = SceneState(sampleIndex: s.order[0])
        sc.image = image()
        sc.groundTruth = gt
        sc.maps = [blob(cx: 4, cy: 5, peak: 0.7), map { _, _ in 0 }, map { _, _ in 0.002 }, blob(cx: 10, cy: 10, peak: 0.25)]
        sc.audioLabels = ["bell", "silence", "noise", "hum"]
        let wave = (0..<4800).map { Float(sin(Double($0) / 7) * (0.2 + 0.8 * abs(sin(Double($0) / 900)))) }
        sc.waves = [wave, [Float](repeating: 0, count: 4800), wave, wave]
        sc.durations = [3, 3, 3, 3]
        sc.sampleRate = 1600
        sc.loading = false
        s.scene = sc
        s.soundNotice = "no sound player: silent playback"
        return s
    }
}
