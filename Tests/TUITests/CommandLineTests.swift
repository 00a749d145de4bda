import Foundation
import XCTest
import Core

/// Runs the real `sslsan` binary on good and bad input, as a user would: a bad file gets one
/// line on stderr naming the file and the problem, a non-zero exit status, no crash and no
/// partial output file. Skipped with a message when the release binary has not been built.
final class CommandLineTests: XCTestCase {
    static let repo = Fixtures.repo
    var tmp = ""

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "sslsan-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        setenv("SSLSAN_CACHE_DIR", "off", 0)  // the binaries these tests run leave ~/.cache alone
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func binary() throws -> String {
        let bin = Self.repo.appendingPathComponent(".build/release/sslsan").path
        guard FileManager.default.isExecutableFile(atPath: bin) else {
            throw XCTSkip("\(bin) is missing: run `swift build -c release` first")
        }
        return bin
    }

    /// Runs the binary with posix_spawn; returns status, stdout and stderr.
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let pid = try spawn(args)
        let status = wait(pid)
        let signalled = (status & 0x7f) != 0
        XCTAssertFalse(signalled, "sslsan \(args.joined(separator: " ")) crashed (signal \(status & 0x7f))")
        return ((status >> 8) & 0xff, output(), errors())
    }

    /// Starts the binary (stdin /dev/null, stdout and stderr to files `name`.out / `name`.err in
    /// the test's folder) and returns its pid; `wait` collects it.
    func spawn(_ args: [String], name: String = "std") throws -> pid_t {
        let bin = try binary()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, tmp + "/\(name).out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, tmp + "/\(name).err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cargs = ([bin] + args).map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, bin, &actions, nil, cargs, environ) == 0 else { throw XCTSkip("cannot start \(bin)") }
        return pid
    }

    /// The raw wait status of `pid`.
    func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    func output(_ name: String = "std") -> String { (try? String(contentsOfFile: tmp + "/\(name).out", encoding: .utf8)) ?? "" }
    func errors(_ name: String = "std") -> String { (try? String(contentsOfFile: tmp + "/\(name).err", encoding: .utf8)) ?? "" }

    /// A small random-weight demo checkpoint, one image and one clip from the synthetic generator.
    func fixtures() throws -> (ckpt: String, image: String, audio: String) {
        let ckpt = tmp + "/model.safetensors", image = tmp + "/scene.png", audio = tmp + "/clip.wav"
        try SSLSaNModel(config: try ModelConfig.named("demo"), seed: 3).save(to: ckpt)
        let scene = SceneGenerator(seed: 5).scene(index: 0)
        try PNGFile.write(scene.image, to: image)
        try WAVFile.write(scene.objects[0].clip, to: audio)
        return (ckpt, image, audio)
    }

    func assertOneLineError(_ r: (status: Int32, out: String, err: String), mentions: [String],
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "expected a failure", file: file, line: line)
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one error line, got:\n\(r.err)", file: file, line: line)
        for m in mentions { XCTAssertTrue(r.err.contains(m), "error should mention '\(m)': \(r.err)", file: file, line: line) }
    }

    func testInferPrintsAMapAndDumpsTensors() throws {
        let f = try fixtures()
        let dump = tmp + "/dump.safetensors"
        let r = try run(["infer", "--checkpoint", f.ckpt, "--image", f.image, "--audio", f.audio, "--dump", dump, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        XCTAssertNotNil(json, "infer --json printed: \(r.out)")
        let st = try SafetensorsFile(path: dump)
        for name in ["logmel", "image", "img_feat", "aud_emb", "sim_map"] { XCTAssertTrue(st.contains(name), "dump lacks \(name)") }
    }

    /// `explore --model` reaches the loader the other front doors use (`LocalisationModels.open`):
    /// an SSL-TIE file opened as EZ-VSL fails with one line naming the file.
    func testExploreModelNamesTheFamily() throws {
        let f = try fixtures()
        assertOneLineError(try run(["explore", "--bench", "--checkpoint", f.ckpt, "--model", "ez-vsl", "--data", tmp]), mentions: [f.ckpt, "EZ-VSL"])
    }

    func testBadInputsGiveOneLineErrorsAndNoPartialOutput() throws {
        let f = try fixtures()
        let dump = tmp + "/out.safetensors"
        // Corrupt image: a PNG signature followed by garbage.
        let badImage = tmp + "/broken.png"
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4]).write(to: URL(fileURLWithPath: badImage))
        assertOneLineError(try run(["infer", "--checkpoint", f.ckpt, "--image", badImage, "--silence", "--dump", dump]), mentions: [badImage])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dump))
        // Not audio at all.
        let notAudio = tmp + "/notes.wav"
        try "hello".write(toFile: notAudio, atomically: true, encoding: .utf8)
        assertOneLineError(try run(["infer", "--checkpoint", f.ckpt, "--image", f.image, "--audio", notAudio, "--dump", dump]), mentions: [notAudio])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dump))
        // Missing file.
        assertOneLineError(try run(["infer", "--checkpoint", f.ckpt, "--image", tmp + "/nope.png", "--noise"]), mentions: ["nope.png"])
        // Truncated checkpoint.
        let cut = tmp + "/cut.safetensors"
        let whole = try Data(contentsOf: URL(fileURLWithPath: f.ckpt))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        assertOneLineError(try run(["infer", "--checkpoint", cut, "--image", f.image, "--silence"]), mentions: [cut])
        // A checkpoint with a wrong tensor name is reported by name.
        let st = try SafetensorsFile(path: f.ckpt)
        var w = SafetensorsWriter(metadata: st.metadata)
        for e in st.entries where e.name != "audnet.layer1.0.conv1.weight" {
            if e.dtype == .i64 { w.add(e.name, int64s: try st.int64s(e.name), shape: e.shape) } else { w.add(e.name, try st.tensor(e.name)) }
        }
        let renamed = tmp + "/renamed.safetensors"
        try w.write(to: renamed)
        assertOneLineError(try run(["infer", "--checkpoint", renamed, "--image", f.image, "--silence"]), mentions: [renamed, "audnet.layer1.0.conv1.weight"])
    }

    func testEvalRejectsAMalformedManifest() throws {
        let f = try fixtures()
        let dir = tmp + "/data"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "{\"id\": \"a\", \"image\": \n".write(toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
        let r = try run(["eval", "--data", dir, "--checkpoint", f.ckpt, "--passes", "1"])
        XCTAssertNotEqual(r.status, 0)
        // The bad line is reported with its number, then the run stops naming the folder.
        XCTAssertTrue(r.err.contains("line 1"), r.err)
        XCTAssertTrue(r.err.contains("sslsan: \(dir): no usable samples"), r.err)
    }

    /// Two front doors, one number: the trainer's validation (`debug validate`, which picks
    /// `best.safetensors`) and `eval --passes 1` on the same folder and checkpoint print the same
    /// cIoU@U, pIA S/N/O, F_LOC, separability and U (to the 4 decimals `validate` prints).
    func testValidateEqualsEvalOnePass() throws {
        let samples = Self.repo.appendingPathComponent("samples").path
        let ckpt = samples + "/demo.safetensors"
        guard FileManager.default.fileExists(atPath: ckpt) else { throw XCTSkip("\(ckpt) is missing") }
        let json = tmp + "/eval.json"
        let e = try run(["eval", "--data", samples, "--checkpoint", ckpt, "--passes", "1", "--no-retrieval", "--json", json])
        XCTAssertEqual(e.status, 0, e.err)
        let v = try run(["debug", "validate", "--data", samples, "--checkpoint", ckpt])
        XCTAssertEqual(v.status, 0, v.err)
        var printed: [String: Double] = [:]
        for line in v.out.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, let x = Double(parts[1]) { printed[String(parts[0])] = x }
        }
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let pia = try XCTUnwrap(report["pia"] as? [String: Any])
        let expected: [(String, Any?)] = [("ciou_uth", report["ciou_uth"]), ("pia_s", pia["silence"]), ("pia_n", pia["noise"]),
                                          ("pia_o", pia["offscreen"]), ("f_loc", report["f_loc"]), ("separability", report["separability"]),
                                          ("universal_threshold", report["universal_threshold"])]
        for (key, value) in expected {
            let want = try XCTUnwrap(value as? Double, key), got = try XCTUnwrap(printed[key], "validate printed no \(key):\n\(v.out)")
            XCTAssertEqual(got, want, accuracy: 0.5e-4 + 1e-9 * abs(want), key)
        }
        XCTAssertEqual(printed["pairs"], report["samples"] as? Double)
    }

    /// The round trip eval → maps → eval --maps: `eval --write-maps` writes what `eval --maps`
    /// reads back into the same table (every line: paper figures, baselines, separability,
    /// alignment, retrieval, object accuracy, quartiles), at U and at a given threshold.
    func testWriteMapsRoundTripPrintsTheSameTable() throws {
        let samples = Self.repo.appendingPathComponent("samples").path
        let ckpt = samples + "/demo.safetensors"
        guard FileManager.default.fileExists(atPath: ckpt) else { throw XCTSkip("\(ckpt) is missing") }
        let maps = tmp + "/demo-maps.safetensors"
        for threshold in ["auto", "0.3", "paper"] {
            let e = try run(["eval", "--data", samples, "--checkpoint", ckpt, "--passes", "2", "--threshold", threshold, "--write-maps", maps])
            XCTAssertEqual(e.status, 0, e.err)
            XCTAssertTrue(e.err.contains("→ \(maps)"), e.err)
            let m = try run(["eval", "--maps", maps, "--threshold", threshold])
            XCTAssertEqual(m.status, 0, m.err)
            // eval --data adds its timing after the table; both name the family's paper threshold
            // (the maps record the family, so `--threshold paper` works on them too).
            let table = e.out.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("scored ") && !$0.hasPrefix("embedding cache") }
            XCTAssertEqual(table.joined(separator: "\n"), m.out, "threshold \(threshold)")
            XCTAssertEqual(m.out.contains("paper threshold (vssl_eval U for SSL-TIE) 0.3338"), threshold != "paper", m.out)
            XCTAssertTrue(m.out.contains("retrieval"), m.out)
        }
        let family = try XCTUnwrap(MapsFile.load(maps).family)
        XCTAssertTrue(family.hasPrefix("SSL-TIE"), family)
        // --write-maps goes with a whole run only, and its target is checked before scoring.
        XCTAssertNotEqual(try run(["eval", "--maps", maps, "--write-maps", tmp + "/again.safetensors"]).status, 0)
        assertOneLineError(try run(["eval", "--data", samples, "--checkpoint", ckpt, "--write-maps", tmp + "/no/such/dir/m.safetensors"]),
                           mentions: ["no/such/dir"])
    }

    /// A bad maps file: one line naming the file, from `explore --maps` (before the terminal is
    /// taken) and `eval --maps` alike.
    func testBadMapsFileGivesOneLine() throws {
        let truncated = tmp + "/maps.safetensors"
        var w = SafetensorsWriter()
        [Float](repeating: 0.5, count: 2 * 49).withUnsafeBufferPointer { w.add("heatmap", floats: $0, shape: [2, 1, 7, 7]) }
        let whole = w.encoded()
        try whole.prefix(whole.count - 20).write(to: URL(fileURLWithPath: truncated))
        let notMaps = tmp + "/weights.safetensors"
        var x = SafetensorsWriter()
        [Float](repeating: 0, count: 4).withUnsafeBufferPointer { x.add("conv.weight", floats: $0, shape: [4]) }
        try x.write(to: notMaps)
        for (file, words) in [(truncated, [String]()), (notMaps, ["heatmap"]), (tmp + "/missing.safetensors", [])] {
            assertOneLineError(try run(["explore", "--maps", file]), mentions: [file] + words)
            assertOneLineError(try run(["eval", "--maps", file]), mentions: [file] + words)
        }
        // A good maps file with a missing --data folder names the folder.
        let good = tmp + "/good.safetensors"
        try w.write(to: good)
        assertOneLineError(try run(["explore", "--maps", good, "--data", tmp + "/nodata"]), mentions: [tmp + "/nodata"])
    }
}
