import Foundation

/// Writes a generated benchmark to a folder in sslsan's manifest format:
///
///     DIR/manifest.jsonl      two lines per scene (one per sounding object)
///     DIR/classes.json        class → description
///     DIR/README.md           how it was generated (command, seed)
///     DIR/images/sceneNNNN.png
///     DIR/masks/sceneNNNN_<class>.png   (255 inside the object, 0 outside)
///     DIR/audio/sceneNNNN_<class>.wav   (16 kHz mono PCM16, 3 s)
///
/// Scenes are generated on all cores; each depends only on (seed, index), so the bytes do not
/// depend on scheduling. Every file is written atomically.
public enum SampleDataset {
    public struct Summary: Sendable {
        public var scenes: Int
        public var pairs: Int
        public var seconds: Double
    }

    /// One manifest line per sounding object of `scene`, in object order.
    public static func manifestLines(_ scene: GeneratedScene, split: String) -> [String] {
        let objects = scene.classes.map(\.rawValue)
        return scene.objects.map { o in
            let id = "\(scene.id)_\(o.cls.rawValue)"
            var s = "{"
            s += "\"id\": \(json(id)), "
            s += "\"image\": \(json("images/\(scene.id).png")), "
            s += "\"audio\": \(json("audio/\(id).wav")), "
            s += "\"label\": \(json(o.cls.rawValue)), "
            s += "\"objects\": [\(objects.map(json).joined(separator: ", "))], "
            s += "\"boxes\": [[\(o.box.map { "\($0)" }.joined(separator: ", "))]], "
            s += "\"mask\": \(json("masks/\(id).png")), "
            s += "\"split\": \(json(split)), "
            s += "\"scene\": \(json(scene.id))"
            s += "}"
            return s
        }
    }

    /// Generates `count` scenes with `seed` into `dir`. Refuses a non-empty `dir` unless `force`
    /// (then files are overwritten, stale `scene*` files in images/, masks/, audio/ removed, and
    /// anything else left alone). `command` is recorded in the README.
    @discardableResult
    public static func write(to dir: String, count: Int, seed: UInt64, split: String = "test", force: Bool = false,
                             command: String? = nil, threads: Int? = nil,
                             progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Summary {
        guard count > 0 else { throw SSLSaNError("--count must be positive (got \(count))") }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SSLSaNError("exists and is not a folder", file: dir) }
            let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            if !entries.isEmpty && !force {
                throw SSLSaNError("output folder is not empty (\(entries.count) entries); use --force to overwrite", file: dir)
            }
        }
        for sub in ["", "/images", "/masks", "/audio"] {
            do { try fm.createDirectory(atPath: dir + sub, withIntermediateDirectories: true) } catch {
                throw SSLSaNError("cannot create folder: \(error.localizedDescription)", file: dir + sub)
            }
        }

        let start = Date()
        let gen = SceneGenerator(seed: seed, digits: max(4, String(count - 1).count))
        let state = WriteState(count: count)
        let work = { @Sendable (i: Int) in
            if state.failed { return }
            let scene = gen.scene(index: i)
            do {
                try PNGFile.write(scene.image, to: "\(dir)/images/\(scene.id).png")
                for o in scene.objects {
                    let id = "\(scene.id)_\(o.cls.rawValue)"
                    try PNGFile.writeGray(width: gen.size, height: gen.size, pixels: o.mask, to: "\(dir)/masks/\(id).png")
                    try WAVFile.write(o.clip, to: "\(dir)/audio/\(id).wav")
                }
                let done = state.finish(i, lines: manifestLines(scene, split: split))
                progress?(done, count)
            } catch {
                state.fail(error)
            }
        }
        // Writers fsync every file, so workers spend much time blocked on the disk: run more
        // workers than cores (4 per core). Each takes the next scene index; the bytes do not depend on which.
        let nThreads = max(1, threads ?? (ProcessInfo.processInfo.activeProcessorCount * 4))
        if nThreads == 1 {
            while let i = state.nextIndex() { work(i) }
        } else {
            let group = DispatchGroup()
            for _ in 0..<nThreads {
                group.enter()
                let t = Thread {
                    while let i = state.nextIndex() { work(i) }
                    group.leave()
                }
                t.stackSize = 1 << 22
                t.start()
            }
            group.wait()
        }
        if let e = state.error { throw (e as? SSLSaNError) ?? SSLSaNError("\(e)", file: dir) }

        let manifest = state.lines.flatMap { $0 }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(manifest.utf8), to: dir + "/manifest.jsonl")
        try AtomicFile.write(Data(classesJSON().utf8), to: dir + "/classes.json")
        let cmd = command ?? "sslsan samples --out \(dir) --count \(count) --seed \(seed)" + (split == "test" ? "" : " --split \(split)")
        try AtomicFile.write(Data(readme(command: cmd, count: count, seed: seed, split: split).utf8), to: dir + "/README.md")

        if force {
            // Remove files of an earlier, larger generation that this manifest does not list.
            var keep = Set<String>()
            for i in 0..<count {
                let id = gen.sceneID(i)
                keep.insert("images/\(id).png")
            }
            for l in state.lines.flatMap({ $0 }) {
                for key in ["audio", "mask"] {
                    if let r = l.range(of: "\"\(key)\": \""), let e = l[r.upperBound...].firstIndex(of: "\"") {
                        keep.insert(String(l[r.upperBound..<e]))
                    }
                }
            }
            for sub in ["images", "masks", "audio"] {
                for f in (try? fm.contentsOfDirectory(atPath: "\(dir)/\(sub)")) ?? [] where f.hasPrefix("scene") {
                    if !keep.contains("\(sub)/\(f)") { try? fm.removeItem(atPath: "\(dir)/\(sub)/\(f)") }
                }
            }
        }
        return Summary(scenes: count, pairs: 2 * count, seconds: Date().timeIntervalSince(start))
    }

    /// `classes.json`: class → description, in class order.
    public static func classesJSON() -> String {
        let body = SampleClass.allCases.map { "  \(json($0.rawValue)): \(json($0.description))" }.joined(separator: ",\n")
        return "{\n" + body + "\n}\n"
    }

    static func readme(command: String, count: Int, seed: UInt64, split: String) -> String {
        let classes = SampleClass.allCases.map { "| `\($0.rawValue)` | \($0.description) |" }.joined(separator: "\n")
        return """
        # Synthetic IS3-like benchmark

        Generated by sslsan with:

            \(command)

        (seed \(seed), \(count) scenes, \(2 * count) pairs, split `\(split)`). The same command gives the
        same bytes on every run with the same sslsan version (another platform's maths library
        could change rare pixel or sample values by one step).

        Each scene is a 224×224 image with two sounding objects of different classes (radius 26–44 px,
        non-overlapping) over a textured background (tinted base, low-frequency colour waves,
        clutter lines, pixel noise), and in about half the scenes a silent distractor polygon. As in
        IS3, every scene gives two pairs: the same image with the sound of one object, that object's
        mask and box.

        - `manifest.jsonl`: one pair per line: `id`, `image`, `audio`, `label` (class of the audio),
          `objects` (the scene's sounding classes; the distractor has no class), `boxes`
          (`[[x0, y0, x1, y1]]` of the sounding object, normalised to the frame, x1/y1 exclusive),
          `mask`, `split`, `scene`.
        - `images/sceneNNNN.png`, `masks/sceneNNNN_<class>.png` (255 inside, 0 outside),
          `audio/sceneNNNN_<class>.wav` (16 kHz mono 16-bit, 3 s; RMS 0.05–0.2 plus a noise floor
          30 dB below).
        - `classes.json`: class → description.

        Off-screen audio for a scene comes from a class absent from its `objects`.

        | class | object; sound |
        |---|---|
        \(classes)

        """
    }

    /// A JSON string literal (the escaper the safetensors header writer uses).
    static func json(_ s: String) -> String { SafetensorsWriter.jsonString(s) }
}

/// Shared state of a parallel write: next index, per-scene manifest lines, first error.
private final class WriteState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private let count: Int
    private(set) var lines: [[String]]
    private var _error: Error?

    init(count: Int) { self.count = count; lines = Array(repeating: [], count: count) }

    func nextIndex() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < count, _error == nil else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ i: Int, lines l: [String]) -> Int {
        lock.lock(); defer { lock.unlock() }
        lines[i] = l; done += 1
        return done
    }

    func fail(_ e: Error) { lock.lock(); if _error == nil { _error = e }; lock.unlock() }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return _error != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return _error }
}
