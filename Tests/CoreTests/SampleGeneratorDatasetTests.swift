import Foundation
import XCTest
import Core

/// `SampleDataset.write`: the files and manifest of the synthetic benchmark.
final class SampleGeneratorDatasetTests: XCTestCase {
    private func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "sslsan-samples-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: d)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    private func allFiles(_ dir: String) throws -> [String: Data] {
        var out = [String: Data]()
        let e = FileManager.default.enumerator(atPath: dir)!
        while let f = e.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + f, isDirectory: &isDir)
            if !isDir.boolValue { out[f] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)) }
        }
        return out
    }

    func testSameSeedSameBytesDifferentSeedDifferentBytes() throws {
        let a = tempDir("a"), b = tempDir("b"), c = tempDir("c")
        // The README records the command; give the same one (the folders differ).
        try SampleDataset.write(to: a, count: 6, seed: 5, command: "cmd")
        try SampleDataset.write(to: b, count: 6, seed: 5, command: "cmd", threads: 1)
        try SampleDataset.write(to: c, count: 6, seed: 6, command: "cmd")
        let fa = try allFiles(a), fb = try allFiles(b), fc = try allFiles(c)
        XCTAssertEqual(fa.count, 3 + 6 * 5) // manifest, classes, README + image, 2 masks, 2 WAVs per scene
        XCTAssertEqual(Set(fa.keys), Set(fb.keys))
        for (k, v) in fa { XCTAssertEqual(v, fb[k], "\(k) differs between runs (or thread counts)") }
        XCTAssertNotEqual(fa["manifest.jsonl"], fc["manifest.jsonl"])
        XCTAssertNotEqual(fa["images/scene0000.png"], fc["images/scene0000.png"])
    }

    func testManifestFieldsAndFilesAgree() throws {
        let dir = tempDir("manifest")
        let count = 8
        try SampleDataset.write(to: dir, count: count, seed: 9)
        let text = try String(contentsOfFile: dir + "/manifest.jsonl", encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2 * count)
        let gen = SceneGenerator(seed: 9)
        var scenes = [String: Int]()
        for line in lines {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
            let id = try XCTUnwrap(o["id"] as? String), image = try XCTUnwrap(o["image"] as? String)
            let audio = try XCTUnwrap(o["audio"] as? String), label = try XCTUnwrap(o["label"] as? String)
            let objects = try XCTUnwrap(o["objects"] as? [String]), boxes = try XCTUnwrap(o["boxes"] as? [[Double]])
            let mask = try XCTUnwrap(o["mask"] as? String), split = try XCTUnwrap(o["split"] as? String)
            let scene = try XCTUnwrap(o["scene"] as? String)
            XCTAssertEqual(split, "test")
            XCTAssertEqual(id, "\(scene)_\(label)")
            XCTAssertEqual(image, "images/\(scene).png"); XCTAssertEqual(audio, "audio/\(id).wav"); XCTAssertEqual(mask, "masks/\(id).png")
            XCTAssertNotNil(SampleClass(rawValue: label))
            XCTAssertEqual(objects.count, 2); XCTAssertEqual(Set(objects).count, 2); XCTAssertTrue(objects.contains(label))
            XCTAssertEqual(boxes.count, 1); XCTAssertEqual(boxes[0].count, 4)
            scenes[scene, default: 0] += 1

            // The files exist and agree with the in-memory generator and the box.
            let index = Int(scene.dropFirst(5))!
            let s = gen.scene(index: index)
            XCTAssertEqual(s.classes.map(\.rawValue), objects)
            let img = try ImageFile.read(dir + "/" + image)
            XCTAssertEqual(img, s.image)
            let m = try PNGFile.readGray(dir + "/" + mask)
            XCTAssertEqual(m.width, 224); XCTAssertEqual(m.height, 224)
            let obj = try XCTUnwrap(s.objects.first { $0.cls.rawValue == label })
            XCTAssertEqual(m.pixels, obj.mask)
            var x0 = 224, y0 = 224, x1 = 0, y1 = 0
            for y in 0..<224 { for x in 0..<224 where m.pixels[y * 224 + x] == 255 {
                x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x + 1); y1 = max(y1, y + 1)
            } }
            // (Foundation's JSON parser on Linux may be off by an ulp.)
            for (v, e) in zip(boxes[0], [Double(x0) / 224, Double(y0) / 224, Double(x1) / 224, Double(y1) / 224]) {
                XCTAssertEqual(v, e, accuracy: 1e-12, "\(id) box \(boxes[0]) vs mask")
            }
            let clip = try AudioFile.read(dir + "/" + audio, sampleRate: 16000)
            XCTAssertEqual(clip.samples.count, 48000)
            let maxErr = zip(clip.samples, obj.clip.samples).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(maxErr, 1.0 / 32768 + 1e-6)
        }
        XCTAssertEqual(scenes.count, count)
        XCTAssertTrue(scenes.values.allSatisfy { $0 == 2 })

        let classes = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/classes.json"))) as? [String: String])
        XCTAssertEqual(Set(classes.keys), Set(SampleClass.allCases.map(\.rawValue)))
        let readme = try String(contentsOfFile: dir + "/README.md", encoding: .utf8)
        XCTAssertTrue(readme.contains("--seed 9"))
    }

    func testRefusesNonEmptyFolderUnlessForced() throws {
        let dir = tempDir("force")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        XCTAssertThrowsError(try SampleDataset.write(to: dir, count: 2, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("--force"), "\(e)")
        }
        try SampleDataset.write(to: dir, count: 3, seed: 1, force: true)
        try SampleDataset.write(to: dir, count: 2, seed: 1, force: true)
        let files = try allFiles(dir)
        XCTAssertEqual(files["model.safetensors"], Data("keep".utf8), "a file the generator did not write was touched")
        XCTAssertNil(files["images/scene0002.png"], "stale scene of the larger run left behind")
        XCTAssertEqual(files.keys.filter { $0.hasPrefix("audio/") }.count, 4)
        // No temporary files left.
        XCTAssertTrue(files.keys.allSatisfy { !($0 as NSString).lastPathComponent.hasPrefix(".") }, "\(files.keys)")
        XCTAssertThrowsError(try SampleDataset.write(to: dir, count: 0, seed: 1, force: true))
    }

    /// The committed `samples/` is what the generator makes today (regenerate it with the command
    /// in samples/README.md after changing the generator).
    func testCommittedSamplesAreCurrent() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let dir = repo + "/samples"
        guard FileManager.default.fileExists(atPath: dir + "/manifest.jsonl") else { throw XCTSkip("no samples/ in this checkout") }
        let lines = try String(contentsOfFile: dir + "/manifest.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 200)
        let gen = SceneGenerator(seed: 1)
        for i in [0, 1, 57, 99] {
            let s = gen.scene(index: i)
            XCTAssertEqual(Array(lines[(2 * i)..<(2 * i + 2)]), SampleDataset.manifestLines(s, split: "test"), "scene \(i)")
            XCTAssertEqual(try ImageFile.read("\(dir)/images/\(s.id).png"), s.image, "scene \(i) image")
            XCTAssertEqual(try PNGFile.readGray("\(dir)/masks/\(s.id)_\(s.objects[0].cls.rawValue).png").pixels, s.objects[0].mask)
        }
        // Every class's sound (a change to one design must show here).
        var checked = Set<SampleClass>()
        for i in 0..<100 where checked.count < SampleClass.allCases.count {
            let s = gen.scene(index: i)
            for o in s.objects where !checked.contains(o.cls) {
                checked.insert(o.cls)
                let clip = try AudioFile.read("\(dir)/audio/\(s.id)_\(o.cls.rawValue).wav", sampleRate: 16000)
                XCTAssertLessThan(zip(clip.samples, o.clip.samples).map { abs($0 - $1) }.max()!, 1.0 / 32768 + 1e-6, "\(s.id) \(o.cls)")
            }
        }
    }
}
