import Foundation
import XCTest
@testable import Core

/// Bad input gets one clear line naming the file and the problem, never a crash, a hang or a
/// silently wrong number: checkpoint configurations, safetensors structure, non-finite weights
/// and maps, named pipes and devices in place of files, output paths onto non-regular files.
final class BadInputTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try FrontEndFixtures.tempDir() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A small network the engine runs in milliseconds (valid: `validate` accepts it).
    static let tiny = ModelConfig(name: "tiny", widths: [4, 4, 8, 8], imageSize: 64, clipSeconds: 0.2, hop: 160, nMels: 16)

    func expectError(_ body: @autoclosure () throws -> Any, file path: String?, mentions words: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            guard let s = e as? SSLSaNError else { return XCTFail("not an SSLSaNError: \(e)", file: file, line: line) }
            XCTAssertEqual(s.file, path, "\(s)", file: file, line: line)
            XCTAssertFalse(s.description.contains("\n"), "one line: \(s)", file: file, line: line)
            for w in words { XCTAssertTrue(s.description.contains(w), "'\(w)' not in: \(s)", file: file, line: line) }
        }
    }

    // MARK: - checkpoint configuration

    func testEveryPresetIsValid() throws {
        for c in ModelConfig.presets + [Self.tiny] { XCTAssertNoThrow(try c.validate(), c.name) }
    }

    /// The issue's whole list of bad `sslsan.config` values: each one is refused by the loader
    /// every front door uses (`infer`, `eval`, `explore`, `render`, `train --resume`), naming the
    /// file and the field, before the model or the front end is sized from it.
    func testCheckpointConfigValuesAreValidated() throws {
        let base = try JSONSerialization.jsonObject(with: Data(ModelConfig.full.metadataJSON.utf8)) as! [String: Any]
        let cases: [(field: String, value: Any)] = [
            ("hop", 0), ("hop", -239), ("hop", 513),
            ("widths", [-64, 128, 256, 512]), ("widths", [Int]()), ("widths", [64, 128, 256, 1 << 40]),
            ("widths", [16, 32, 64]), ("widths", [64, 128, 256, 0]),
            ("imageSize", -128), ("imageSize", 0), ("imageSize", 1), ("imageSize", 15), ("imageSize", 225), ("imageSize", 1 << 30),
            ("nFFT", -512), ("nFFT", 16_777_216), ("nFFT", 511), ("nFFT", 0),
            ("nMels", -64), ("nMels", 1000), ("nMels", 0),
            ("sampleRate", 1_000_000_000), ("sampleRate", 0), ("sampleRate", -16000),
            ("clipSeconds", 0.0), ("clipSeconds", 1e300), ("clipSeconds", -1e300), ("clipSeconds", -1.0), ("clipSeconds", 3600.0),
            ("epsilon", 2.0), ("tau", 0.0), ("temperature", -1.0), ("name", ""),
        ]
        for (field, value) in cases {
            var c = base
            c[field] = value
            let json = String(decoding: try JSONSerialization.data(withJSONObject: c, options: [.sortedKeys]), as: UTF8.self)
            let path = dir + "/bad-\(field).safetensors"
            try SafetensorsWriter(metadata: [ModelConfig.metadataKey: json]).write(to: path)
            expectError(try SSLSaNModel.load(path), file: path, mentions: [field])
        }
        // NaN and ±Inf cannot be written as JSON numbers; a string in their place is a type error.
        for (field, text) in [("clipSeconds", "\"inf\""), ("hop", "\"x\""), ("widths", "1e999")] {
            var c = base
            c[field] = 0
            let json = String(decoding: try JSONSerialization.data(withJSONObject: c, options: [.sortedKeys]), as: UTF8.self)
                .replacingOccurrences(of: "\"\(field)\":0", with: "\"\(field)\":\(text)")
            let path = dir + "/type-\(field).safetensors"
            try SafetensorsWriter(metadata: [ModelConfig.metadataKey: json]).write(to: path)
            expectError(try SSLSaNModel.load(path), file: path, mentions: [ModelConfig.metadataKey])
        }
        // A missing field is named.
        var c = base
        c["nMels"] = nil
        let path = dir + "/missing.safetensors"
        try SafetensorsWriter(metadata: [ModelConfig.metadataKey: String(decoding: try JSONSerialization.data(withJSONObject: c), as: UTF8.self)]).write(to: path)
        expectError(try SSLSaNModel.load(path), file: path, mentions: ["nMels", "missing"])
    }

    // MARK: - safetensors structure

    /// A file from a header text and data bytes, with `lengthDelta` added to the stored header length.
    func craft(_ header: String, data: [UInt8], lengthDelta: Int = 0) -> Data {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out = Data()
        var n = UInt64(h.count + lengthDelta).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        return out + Data(h) + Data(data)
    }

    func testSafetensorsMustTileTheDataSection() throws {
        func entry(_ name: String, _ shape: [Int], _ a: Int, _ b: Int, dtype: String = "F32") -> String {
            "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(a),\(b)]}"
        }
        let bytes = [UInt8](repeating: 0, count: 16)
        XCTAssertNoThrow(try SafetensorsFile(data: craft("{\(entry("a", [2], 0, 8)),\(entry("b", [2], 8, 16))}", data: bytes)))
        let bad: [(String, Data)] = [
            ("cover", craft("{\(entry("a", [2], 0, 8))}", data: bytes)),                                   // trailing bytes
            ("belong to no tensor", craft("{\(entry("a", [2], 0, 8)),\(entry("b", [1], 12, 16))}", data: bytes)),   // gap
            ("overlap", craft("{\(entry("a", [2], 0, 8)),\(entry("b", [2], 4, 12)),\(entry("c", [1], 12, 16))}", data: bytes)),
            ("needs 12", craft("{\(entry("a", [3], 0, 8)),\(entry("b", [2], 8, 16))}", data: bytes)),       // dtype × shape ≠ range
            ("more than can exist", craft("{\(entry("a", [1 << 40, 1 << 40], 0, 16))}", data: bytes)),
            ("malformed", craft("{\(entry("a", [2], 0, 8)),\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16.5]}}", data: bytes)),
            ("outside the file", craft("{\(entry("a", [6], 0, 24))}", data: bytes)),
            ("overlap", craft("{\(entry("a", [0], 4, 4)),\(entry("b", [4], 0, 16))}", data: bytes)),  // an empty tensor inside another
        ]
        for (words, d) in bad { expectError(try SafetensorsFile(data: d, path: "x.safetensors"), file: "x.safetensors", mentions: [words]) }
    }

    /// The issue's case: a real checkpoint with its header length one byte short (or long) used to
    /// load with every tensor read a byte off and print a NaN map. Refused now, naming the file.
    func testHeaderLengthOffByOneIsRefused() throws {
        let model = SSLSaNModel(config: Self.tiny, seed: 1)
        let good = dir + "/good.safetensors"
        try model.save(to: good)
        XCTAssertNoThrow(try SSLSaNModel.load(good))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        for delta in [-1, 1, -8, 8] {
            for k in 0..<8 { bytes[k] = UInt8(((n + delta) >> (8 * k)) & 0xFF) }
            let p = dir + "/off\(delta).safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            expectError(try SSLSaNModel.load(p), file: p, mentions: [])
        }
        // Bytes appended after the last tensor, or the last byte cut.
        let whole = try Data(contentsOf: URL(fileURLWithPath: good))
        try (whole + Data([0])).write(to: URL(fileURLWithPath: dir + "/long.safetensors"))
        expectError(try SSLSaNModel.load(dir + "/long.safetensors"), file: dir + "/long.safetensors", mentions: ["cover"])
        try whole.dropLast().write(to: URL(fileURLWithPath: dir + "/short.safetensors"))
        expectError(try SSLSaNModel.load(dir + "/short.safetensors"), file: dir + "/short.safetensors", mentions: ["outside the file"])
    }

    /// NaN/Inf in a weight or running statistic, or a negative running variance, is refused with
    /// the tensor's name.
    func testNonFiniteWeightsAreRefused() throws {
        for (name, value) in [("imgnet.layer2.0.conv1.weight", Float.nan), ("audnet.bn1.running_mean", .infinity),
                              ("imgnet.layer4.1.bn2.running_var", -1), ("audnet.layer1.0.bn1.weight", -.infinity)] {
            let model = SSLSaNModel(config: Self.tiny, seed: 2)
            model.tensor(named: name)!.data[1] = value
            let p = dir + "/\(name).safetensors"
            try model.save(to: p)
            expectError(try SSLSaNModel.load(p), file: p, mentions: [name])
        }
    }

    /// Finite weights can still overflow to Inf/NaN on an input: such a map never reaches a
    /// metric. The evaluator refuses the sample (naming it) and `requireFinite` names the cell.
    func testNonFiniteMapNeverReachesAMetric() throws {
        let model = SSLSaNModel(config: Self.tiny, seed: 3)
        // Finite values whose folded BatchNorm shift (bias − mean·scale = 6e38) overflows to +Inf in
        // the last layer: ReLU keeps +Inf and the L2 normalisation gives Inf/Inf = NaN. (Overflow in
        // early layers does not get this far: ReLU maps the NaNs it produces to 0.)
        model.tensor(named: "imgnet.layer4.1.bn2.bias")!.fill(3e38)
        model.tensor(named: "imgnet.layer4.1.bn2.running_mean")!.fill(-3e38)
        let img = RGBImage(width: 32, height: 32, pixels: [UInt8](repeating: 255, count: 32 * 32 * 3))
        try PNGFile.write(img, to: dir + "/i.png")
        try WAVFile.write(AudioClip(samples: (0..<3200).map { sin(Float($0) * 0.05) * 0.3 }, sampleRate: 16000), to: dir + "/a.wav")
        try #"{"id": "s1", "image": "i.png", "audio": "a.wav", "label": "dog", "boxes": [[0.1, 0.1, 0.6, 0.6]]}"#
            .write(toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
        let ds = try Dataset.open(dir)
        var o = Evaluator.Options()
        o.passes = 1; o.retrieval = false
        let ev = Evaluator(model: model, dataset: ds, options: o)
        XCTAssertThrowsError(try ev.score(sample: 0)) { e in
            XCTAssertTrue("\(e)".contains("positive: the model's similarity map is not finite"), "\(e)")
        }
        let r = try ev.run()
        XCTAssertEqual(r.metrics.samples.count, 0, "the NaN sample is not scored")
        XCTAssertTrue(r.problems.contains { $0.hasPrefix("s1: ") && $0.contains("not finite") }, "\(r.problems)")
        let m = SimilarityMap(width: 2, height: 2, values: [0.1, .nan, 0.2, 0.3])
        expectError(try m.requireFinite("positive", file: "c.safetensors"), file: "c.safetensors", mentions: ["x 1, y 0"])
        XCTAssertNoThrow(try SimilarityMap(width: 1, height: 1, values: [0.5]).requireFinite("ok"))
    }

    // MARK: - named pipes, devices, folders

    func testReadersRefuseNonRegularFiles() throws {
        let fifo = dir + "/pipe.png"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let t0 = Date()
        expectError(try ImageFile.read(fifo), file: fifo, mentions: ["named pipe"])
        expectError(try PNGFile.readGray(fifo), file: fifo, mentions: ["named pipe"])
        expectError(try JPEGFile.read(fifo), file: fifo, mentions: ["named pipe"])
        expectError(try AudioFile.read(fifo, sampleRate: 16000), file: fifo, mentions: ["named pipe"])
        expectError(try AudioFile.info(fifo), file: fifo, mentions: ["named pipe"])
        expectError(try SafetensorsFile(path: fifo), file: fifo, mentions: ["named pipe"])
        expectError(try SSLSaNModel.load(fifo), file: fifo, mentions: ["named pipe"])
        expectError(try MapsFile.read(fifo), file: fifo, mentions: ["named pipe"])
        XCTAssertNil(GroundTruthMap.pngHeader(fifo))
        expectError(try Dataset.open(fifo), file: fifo, mentions: ["named pipe"])
        for dev in ["/dev/null", "/dev/zero"] {
            expectError(try ImageFile.read(dev), file: dev, mentions: ["character device"])
            expectError(try AudioFile.read(dev, sampleRate: 16000), file: dev, mentions: ["character device"])
            expectError(try SSLSaNModel.load(dev), file: dev, mentions: ["character device"])
        }
        expectError(try ImageFile.read(dir), file: dir, mentions: ["folder"])
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10, "nothing blocked on the pipe")
    }

    /// A dataset whose samples name a pipe or a device lists them as problems and keeps the rest.
    func testDatasetSkipsSamplesNamingNonRegularFiles() throws {
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/i.png"))
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/a.wav"))
        XCTAssertEqual(mkfifo(dir + "/p.wav", 0o644), 0)
        try FileManager.default.createDirectory(atPath: dir + "/d.png", withIntermediateDirectories: false)
        try """
        {"id": "good", "image": "i.png", "audio": "a.wav", "label": "dog", "boxes": [[0, 0, 1, 1]]}
        {"id": "pipe", "image": "i.png", "audio": "p.wav", "label": "dog", "boxes": [[0, 0, 1, 1]]}
        {"id": "dev", "image": "i.png", "audio": "/dev/zero", "label": "dog", "boxes": [[0, 0, 1, 1]]}
        {"id": "folder", "image": "d.png", "audio": "a.wav", "label": "dog", "boxes": [[0, 0, 1, 1]]}
        {"id": "mask", "image": "i.png", "audio": "a.wav", "label": "dog", "mask": "p.wav"}
        """.write(toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
        let ds = try Dataset.open(dir)
        XCTAssertEqual(ds.samples.map(\.id), ["good"])
        XCTAssertEqual(ds.problems.count, 4, "\(ds.problems)")
        XCTAssertTrue(ds.problems.contains("pipe: 'p.wav' is a named pipe (FIFO), not a regular file (skipped)"), "\(ds.problems)")
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("dev: '/dev/zero' is a character device") }, "\(ds.problems)")
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("folder: 'd.png' is a folder") }, "\(ds.problems)")
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("mask: 'p.wav' is a named pipe") }, "\(ds.problems)")
    }

    /// Writers refuse an existing target that is not a regular file, leaving it as it was; a
    /// regular file is replaced. (A device node is made in the scratch folder when the process may
    /// create one, so /dev itself is never at stake.)
    func testWritersRefuseNonRegularTargets() throws {
        let fifo = dir + "/out.safetensors", folder = dir + "/folder.png", device = dir + "/null"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        // makedev(1, 3): /dev/null's numbers, on a node inside the scratch folder.
        let haveDevice = mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0
        var targets = [(fifo, "named pipe"), (folder, "folder")]
        if haveDevice { targets.append((device, "character device")) } else { print("BadInputTests: cannot mknod here; device target checked via FileCheck only") }
        func mode(_ p: String) -> mode_t { var st = stat(); _ = stat(p, &st); return st.st_mode & S_IFMT }
        for (p, kind) in targets {
            let before = mode(p)
            expectError(try AtomicFile.write(Data([1, 2, 3]), to: p), file: p, mentions: ["refusing", kind])
            expectError(try SafetensorsWriter().write(to: p), file: p, mentions: [kind])
            expectError(try PNGFile.write(RGBImage(width: 1, height: 1), to: p), file: p, mentions: [kind])
            expectError(try WAVFile.write(AudioClip(samples: [0.1], sampleRate: 16000), to: p), file: p, mentions: [kind])
            XCTAssertEqual(mode(p), before, "\(p) left as it was")
        }
        expectError(try FileCheck.replaceable("/dev/null"), file: "/dev/null", mentions: ["character device"])
        expectError(try AtomicFile.write(Data([1]), to: dir + "/no/such/folder/x"), file: dir + "/no/such/folder/x", mentions: ["folder"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
        // A regular file is replaced atomically.
        try AtomicFile.write(Data([1]), to: dir + "/r.bin")
        try AtomicFile.write(Data([2, 3]), to: dir + "/r.bin")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/r.bin")), Data([2, 3]))
    }

    // MARK: - long audio: only the window is read

    /// A long 48 kHz stereo file read for a 16 kHz window gives the samples of resampling the
    /// whole file and cutting, while decoding only the window plus the filter's reach.
    ///
    /// Tolerance: with `Resampler.reach` input samples past the cut (≥ the 143 zero crossings of
    /// SRC_SINC_BEST_QUALITY's half filter, widened ×3 when downsampling 48 → 16 kHz) every kept
    /// output is computed from the same inputs with the same coefficients in the same order, so
    /// the difference is 0; 1e-6 allows for nothing more than a last-bit change. Cutting the
    /// input *without* the reach changes the last outputs by far more (checked, so the test can fail).
    func testLongAudioReadsOnlyTheWindow() throws {
        let rate = 48000, seconds = 5
        var left = [Float](), right = [Float]()
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for t in 0..<(rate * seconds) {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let noise = Float(Int64(bitPattern: x) >> 40) / Float(1 << 23) * 0.1
            left.append(0.4 * sin(Float(t) * 0.013) + noise)
            right.append(0.3 * sin(Float(t) * 0.021) - noise)
        }
        let p = dir + "/long.wav"
        try FrontEndFixtures.writeWAV(p, channels: [left, right], sampleRate: rate)
        for (target, window, mixdown) in [(16000, 48_000, false), (22050, 60_000, true), (48000, 96_000, false), (96000, 200_000, false)] {
            let whole = try AudioFile.read(p, sampleRate: target, mixdown: mixdown).samples
            let cut = try AudioFile.read(p, sampleRate: target, mixdown: mixdown, maxSamples: window).samples
            XCTAssertEqual(cut.count, window)
            let diff = zip(cut, whole.prefix(window)).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThanOrEqual(diff, 1e-6, "\(target) Hz, window \(window)")
            print("BadInputTests: 48 kHz stereo → \(target) Hz, \(window)-sample window: max |windowed − whole-then-cut| = \(diff)")
        }
        // Without the filter's reach the end of the window differs: the margin is needed.
        let mono = try AudioFile.read(p, sampleRate: rate).samples
        let short = try Resampler.resample(Array(mono.prefix(48_000 * 3)), from: rate, to: 16000)
        let whole = try Resampler.resample(mono, from: rate, to: 16000)
        let tail = zip(short.suffix(50), whole.prefix(48_000).suffix(50)).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(tail, 1e-4, "cutting at the window edge without the reach changes the last samples")
        // A file shorter than the window is read whole (the front end tiles it).
        XCTAssertEqual(try AudioFile.read(p, sampleRate: 16000, maxSamples: 10_000_000).samples.count, 16000 * seconds)
    }
}
