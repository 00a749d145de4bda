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
        // epoch 1 completes, then stop at step 1 of epoch 2
        var steps = 0
        var t1: Trainer? = try Trainer(options: o)
        try t1!.run(progress: { ev in
            if case .step = ev { steps += 1 }
            if case let .epochEnd(e, _, v, _, _) = ev { events.append("end\(e)"); XCTAssertNotNil(v?["separability"]) }
            if case let .stopped(m) = ev { events.append(m) }
        }, shouldStop: { steps >= 3 })
        t1 = nil  // releases the run folder
        XCTAssertEqual(events.first, "end1")
        XCTAssertTrue(events.last?.contains("interrupted") ?? false, "\(events)")
        for f in ["last.safetensors", "best.safetensors", "log.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/run/" + f), f)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/run/last.optim.safetensors"), "one file holds the whole state")
        let (ck, pos) = try TrainingCheckpoint.verify(root + "/run/last.safetensors")
        XCTAssertEqual(ck.metadata["sslsan.epoch"], "1")
        XCTAssertEqual([pos.epoch, pos.step, pos.globalStep], [2, 1, 3])
        XCTAssertNotNil(try? SSLSaNModel.load(root + "/run/last.safetensors"), "last loads as a model")
        XCTAssertNotNil(try? SSLSaNModel.load(root + "/run/best.safetensors"))
        // resume: continues at step 1 of epoch 2 and finishes
        o.resume = true
        let t2 = try Trainer(options: o)
        var ends: [Int] = []
        var resumedSteps: [Int] = []
        try t2.run(progress: { ev in
            if case let .epochEnd(e, _, _, _, _) = ev { ends.append(e) }
            if case let .step(_, s, _, _, _, _) = ev { resumedSteps.append(s) }
        }, shouldStop: { false })
        XCTAssertEqual(ends, [2])
        XCTAssertEqual(resumedSteps, [1])
        let log = try String(contentsOfFile: root + "/run/log.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains("\"type\":\"resume\""))
        XCTAssertTrue(log.contains("\"type\":\"step\""))
        XCTAssertGreaterThan(log.components(separatedBy: "\"type\":\"epoch\"").count - 1, 1)
    }

    /// A run stopped mid-epoch and resumed draws the same batches and transforms as one that was
    /// never stopped: the generator ends in the same state after the same number of steps. (The
    /// weights are not compared: threaded BLAS may round differently, and Adam's first steps turn
    /// any rounding of a near-zero gradient into a step of size lr.)
    func testMidEpochResumeDrawsTheSameBatches() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainmid-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeFolder(root + "/data", scenes: 4, seed: 22)
        var o = TrainingOptions(dataDir: root + "/data", outDir: root + "/a")
        o.config = "demo"; o.epochs = 2; o.batch = 2; o.epochSize = 6; o.sam = false; o.saveEveryMinutes = nil
        let straight = try Trainer(options: o)
        try straight.run(progress: { _ in }, shouldStop: { false })
        o.outDir = root + "/b"
        var steps = 0
        try Trainer(options: o).run(progress: { ev in if case .step = ev { steps += 1 } }, shouldStop: { steps >= 4 })
        o.resume = true
        let resumed = try Trainer(options: o)
        XCTAssertEqual(resumed.resumePosition?.step, 1, "stopped at step 1 of epoch 2")
        try resumed.run(progress: { _ in }, shouldStop: { false })
        XCTAssertEqual(resumed.globalStep, straight.globalStep)
        XCTAssertEqual(resumed.rng.words, straight.rng.words, "the resumed run drew different batches or transforms")
    }

    /// `--save-every-minutes 0` saves after every step; each save is one verifiable unit whose
    /// BatchNorm counters (in the weights) and Adam step (in the optimizer) agree.
    func testIntervalSavesAreConsistentUnits() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainsave-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeFolder(root + "/data", scenes: 3, seed: 23)
        var o = TrainingOptions(dataDir: root + "/data", outDir: root + "/run")
        o.config = "demo"; o.epochs = 1; o.batch = 2; o.sam = false; o.saveEveryMinutes = 0
        var saved: [TrainingPosition] = []
        let t = try Trainer(options: o)
        try t.run(progress: { ev in
            if case let .saved(path) = ev, let p = try? TrainingCheckpoint.verify(path).position { saved.append(p) }
        }, shouldStop: { false })
        XCTAssertEqual(saved.map(\.step), [1, 2], "a save after each step but the epoch's last")
        XCTAssertEqual(saved.map(\.globalStep), [1, 2])
        let m = SSLSaNModel(config: t.config, seed: 0)
        let opt = AdamOptimizer(params: m.parameters)
        _ = try TrainingCheckpoint.read(root + "/run/last.safetensors", into: m, optimizer: opt, pairs: 6)
        XCTAssertEqual(opt.step, 3)
    }

    func testRunFolderIsLockedAndNotOverwritten() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainlock-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeFolder(root + "/data", scenes: 2, seed: 24)
        var o = TrainingOptions(dataDir: root + "/data", outDir: root + "/run")
        o.config = "demo"; o.epochs = 1; o.batch = 2; o.sam = false
        var first: Trainer? = try Trainer(options: o)
        XCTAssertThrowsError(try Trainer(options: o)) { e in
            XCTAssertTrue("\(e)".contains("in use by another process (pid \(getpid()))"), "\(e)")
        }
        o.resume = true
        XCTAssertThrowsError(try Trainer(options: o), "a resume waits for nobody either")
        o.resume = false
        try first!.run(progress: { _ in }, shouldStop: { false })
        first = nil
        XCTAssertThrowsError(try Trainer(options: o)) { e in
            XCTAssertTrue("\(e)".contains("already holds a run"), "\(e)")
        }
        let log = try String(contentsOfFile: root + "/run/log.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains("\"type\":\"epoch\""), "the refused run left the log alone")
        // A stale temporary file from a killed save is removed by the next run.
        _ = FileManager.default.createFile(atPath: root + "/run/.last.safetensors.tmp-1-2", contents: Data([1, 2, 3]))
        o.resume = true
        _ = try Trainer(options: o)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/run/.last.safetensors.tmp-1-2"))
    }

    func testAbandonedRunLeavesNoFolder() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainabandon-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeFolder(root + "/data", scenes: 2, seed: 25)
        var o = TrainingOptions(dataDir: root + "/data", outDir: root + "/runs/explore-1")
        o.config = "demo"; o.batch = 2
        try Trainer(options: o).run(progress: { _ in }, shouldStop: { true })
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/runs/explore-1"))
        o.dataDir = root + "/missing"
        XCTAssertThrowsError(try Trainer(options: o))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/runs/explore-1"), "a failed start makes no folder")
    }

    func testResumeRefusesForeignOrDamagedState() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainforeign-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeFolder(root + "/data", scenes: 2, seed: 26)
        var o = TrainingOptions(dataDir: root + "/data", outDir: root + "/a")
        o.config = "demo"; o.epochs = 1; o.batch = 2; o.sam = false
        try Trainer(options: o).run(progress: { _ in }, shouldStop: { false })
        o.outDir = root + "/b"
        try Trainer(options: o).run(progress: { _ in }, shouldStop: { false })
        o.resume = true
        func refusal(_ mention: String, line: UInt = #line) {
            XCTAssertThrowsError(try Trainer(options: o), line: line) { e in
                let m = "\(e)"
                XCTAssertTrue(m.contains(mention) && !m.contains("\n"), m, line: line)
            }
        }
        let fm = FileManager.default
        let last = root + "/b/last.safetensors"
        // another run's unit beside this run's log
        try fm.removeItem(atPath: last)
        try fm.copyItem(atPath: root + "/a/last.safetensors", toPath: last)
        refusal("from another run")
        // weights without training state (a model file, or the old two-file layout)
        try SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1).save(to: last)
        refusal("no training state")
        // one flipped byte in the tensors
        try fm.removeItem(atPath: last)
        try fm.copyItem(atPath: root + "/a/last.safetensors", toPath: last)
        o.outDir = root + "/a"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/a/last.safetensors"))
        bytes[bytes.count - 5] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: root + "/a/last.safetensors"))
        refusal("damaged")
    }

    /// The log holds whole lines only: a partial last line (an older crash) is cut on resume, and
    /// a write that fails on a full disk is cut back and reported in one line. The full disk is a
    /// small tmpfs (needs root; skipped with a message otherwise).
    func testLogKeepsWholeLinesOnAFullDisk() throws {
        let root = NSTemporaryDirectory() + "/sslsan-trainlog-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("{\"a\":1}\n{\"b\":".utf8).write(to: URL(fileURLWithPath: root + "/cut.jsonl"))
        let cut = try TrainingLog(path: root + "/cut.jsonl", append: true)
        try cut.write(["c": 2])
        XCTAssertEqual(try String(contentsOfFile: root + "/cut.jsonl", encoding: .utf8), "{\"a\":1}\n{\"c\":2}\n")

        let mnt = root + "/tmpfs"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        guard Self.shell("mount -t tmpfs -o size=16k sslsan-test \(mnt)") == 0 else {
            throw XCTSkip("cannot mount a tmpfs at \(mnt) (not root?): the full-disk case is not tested here")
        }
        defer { _ = Self.shell("umount \(mnt)") }
        let log = try TrainingLog(path: mnt + "/log.jsonl", append: false)
        var written = 0
        var failure: Error?
        let line: [String: Any] = ["type": "step", "loss": 3.25, "pad": String(repeating: "x", count: 700)]
        for _ in 0..<100 {
            do { try log.write(line); written += 1 } catch { failure = error; break }
        }
        let message = failure.map { "\($0)" } ?? ""
        XCTAssertTrue(message.contains("No space left") && message.contains("log.jsonl") && !message.contains("\n"), message)
        let text = try String(contentsOfFile: mnt + "/log.jsonl", encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertEqual(text.split(separator: "\n").count, written)
        for l in text.split(separator: "\n") { XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(l.utf8)), "partial line: \(l.prefix(40))") }
        XCTAssertGreaterThan(written, 5)
    }

    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command + " 2>/dev/null"]
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
