import XCTest
@testable import Core

/// The training loop end to end on a tiny generated folder: log, checkpoints, interruption, resume.
final class TrainingLoopTests: XCTestCase {
    static func makeFolder(_ dir: String, scenes: Int, seed: UInt64) throws {
        let fm = FileManager.default
        for sub in ["", "/images", "/masks", "/audio"] { try fm.createDirectory(atPath: dir + sub, withIntermediateDirectories: true) }
        let gen = SceneGenerator(seed: seed)
        var lines: [String] = []
        for i in 0..<scenes {
            let sc = gen.scene(index: i)
            try PNGFile.write(sc.image, to: "\(dir)/images/\(sc.id).png")
            for ob in sc.objects {
                let id = "\(sc.id)_\(ob.cls.rawValue)"
                try WAVFile.write(ob.clip, to: "\(dir)/audio/\(id).wav")
                try PNGFile.writeGray(width: sc.image.width, height: sc.image.height, pixels: ob.mask, to: "\(dir)/masks/\(id).png")
                let objs = sc.classes.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                lines.append("{\"id\": \"\(id)\", \"image\": \"images/\(sc.id).png\", \"audio\": \"audio/\(id).wav\", \"label\": \"\(ob.cls.rawValue)\", \"objects\": [\(objs)], \"boxes\": [[\(ob.box.map { "\($0)" }.joined(separator: ", "))]], \"mask\": \"masks/\(id).png\", \"scene\": \"\(sc.id)\"}")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
    }

    func testTrainInterruptResume() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainloop-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeFolder(root + "/data", scenes: 6, seed: 21)
        var o = TrainingOptions(dataDir: root + "/data", outDir: root + "/run")
        o.valDir = root + "/data"; o.config = "demo"; o.epochs = 2; o.batch = 4; o.epochSize = 8; o.valPairs = 6
        o.samQueue = 8
        var events: [String] = []
        // epoch 1 completes, then stop during epoch 2
        var steps = 0
        let t1 = try Trainer(options: o)
        try t1.run(progress: { ev in
            if case .step = ev { steps += 1 }
            if case let .epochEnd(e, _, v, _, _) = ev { events.append("end\(e)"); XCTAssertNotNil(v?["separability"]) }
            if case let .stopped(m) = ev { events.append(m) }
        }, shouldStop: { steps >= 3 })
        XCTAssertEqual(events.first, "end1")
        XCTAssertTrue(events.last?.contains("interrupted") ?? false, "\(events)")
        for f in ["last.safetensors", "last.optim.safetensors", "best.safetensors", "log.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/run/" + f), f)
        }
        let ck = try SafetensorsFile(path: root + "/run/last.safetensors")
        XCTAssertEqual(ck.metadata["sslsan.epoch"], "1")
        XCTAssertNotNil(try? SSLSaNModel.load(root + "/run/best.safetensors"))
        // resume: continues with epoch 2 and finishes
        o.resume = true
        let t2 = try Trainer(options: o)
        var ends: [Int] = []
        try t2.run(progress: { ev in if case let .epochEnd(e, _, _, _, _) = ev { ends.append(e) } }, shouldStop: { false })
        XCTAssertEqual(ends, [2])
        let log = try String(contentsOfFile: root + "/run/log.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains("\"type\":\"resume\""))
        XCTAssertTrue(log.contains("\"type\":\"step\""))
        XCTAssertGreaterThan(log.components(separatedBy: "\"type\":\"epoch\"").count - 1, 1)
    }
}
