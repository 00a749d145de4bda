import Foundation
import XCTest
import Core

final class DatasetTests: XCTestCase {
    var tmp: String!

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "sslsan-dataset-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: tmp) }

    func touch(_ rel: String, _ content: String = "x") throws {
        let p = tmp + "/" + rel
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: p, atomically: false, encoding: .utf8)
    }

    // MARK: the shared real data, read as a user would

    func testRealDataManifest() throws {
        let dir = try SharedData.path("realdata")
        let ds = try Dataset.open(dir)
        XCTAssertEqual(ds.format, .manifest)
        // Only the 10 VGG-SS items have ground truth (boxes from vggss_annotations.json by id).
        XCTAssertEqual(ds.samples.count, 10)
        XCTAssertEqual(ds.itemsListed, 28)
        XCTAssertEqual(ds.problems.filter { $0.contains("no box or mask") }.count, 18)
        let s = try XCTUnwrap(ds.samples.first { $0.id == "0F04c_rY4aw_000000" })
        XCTAssertEqual(s.boxes, [[0.365625, 0.0875, 0.99375, 0.978125]])   // exact doubles
        XCTAssertEqual(s.label, "dog howling")
        XCTAssertTrue(FileManager.default.fileExists(atPath: s.imagePath))
        print(ds.summary)
        let all = try Dataset.open(dir, requireGroundTruth: false)
        XCTAssertEqual(all.samples.count, 28)
        let lion = try XCTUnwrap(all.samples.first { $0.id == "lion_bus_807_bus" })
        XCTAssertEqual(lion.objects, ["lion", "bus"])
        // Off-screen audio never comes from a class visible in the scene.
        let choice = OffscreenChoice(samples: all.samples)
        let i = all.samples.firstIndex { $0.id == "lion_bus_807_bus" }!
        for seed in OffscreenChoice.passSeeds {
            let j = try XCTUnwrap(choice.choose(for: i, seed: seed))
            XCTAssertFalse(["lion", "bus"].contains(all.samples[j].label))
        }
    }

    // MARK: manifest

    func testManifestProblemsAreReportedAndSkipped() throws {
        try touch("img/a.png"); try touch("img/b.png"); try touch("wav/a.wav"); try touch("wav/b.wav"); try touch("m/a.png")
        try """
        {"id": "a", "image": "img/a.png", "audio": "wav/a.wav", "label": "dog", "objects": ["dog", "car"], "mask": "m/a.png", "split": "test"}
        {"id": "b", "image": "img/a.png", "audio": "wav/b.wav", "label": "car", "boxes": [[0.5, 0, 1, 0.5]]}
        {"id": "c", "image": "img/missing.png", "audio": "wav/a.wav", "label": "dog", "boxes": [[0, 0, 1, 1]]}
        {"id": "d", "image": "img/b.png", "audio": "wav/b.wav", "boxes": [[0, 0, 1, 1]]}
        {"id": "e", "image": "img/b.png", "audio": "wav/b.wav", "label": "cat"}
        not json

        """.write(toFile: tmp + "/manifest.jsonl", atomically: false, encoding: .utf8)
        let ds = try Dataset.open(tmp)
        XCTAssertEqual(ds.samples.map(\.id), ["a", "b"])
        XCTAssertEqual(ds.itemsListed, 6)
        XCTAssertEqual(ds.problems.count, 4)
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("c: missing file") })
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("d: unknown class") })
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("e: no box or mask") })
        XCTAssertTrue(ds.problems.contains { $0.hasPrefix("line 6:") })
        XCTAssertEqual(ds.samples[0].scene, ds.samples[1].scene, "same image → same scene")
        XCTAssertEqual(ds.samples[0].scene, "a")
        XCTAssertEqual(ds.samples[0].maskPath, tmp + "/m/a.png")
        XCTAssertEqual(ds.classes, ["car", "dog"])
        XCTAssertTrue(ds.summary.hasPrefix("2 samples (manifest, 6 listed, 4 skipped"))
    }

    func testFiveThousandItemsIndexQuickly() throws {
        try touch("i.jpg"); try touch("a.wav")
        var text = ""
        for i in 0..<5000 {
            text += "{\"id\": \"s\(i)\", \"image\": \"i.jpg\", \"audio\": \"a.wav\", \"label\": \"c\(i % 50)\", \"boxes\": [[0.1, 0.2, 0.6, 0.9]], \"scene\": \"s\(i)\"}\n"
        }
        try text.write(toFile: tmp + "/manifest.jsonl", atomically: false, encoding: .utf8)
        let t0 = Date()
        let ds = try Dataset.open(tmp)
        let dt = Date().timeIntervalSince(t0)
        print(String(format: "5000-item manifest indexed in %.3f s", dt))
        XCTAssertEqual(ds.samples.count, 5000)
        XCTAssertLessThan(dt, 1.0)
        XCTAssertEqual(ds.samples[7].scene, "s7", "an explicit scene is kept")
    }

    // MARK: native layouts

    func testNativeVGGSS() throws {
        try touch("frames/abc_000010.jpg"); try touch("audio/abc_000010.wav"); try touch("frames/zzz_000001.jpg")
        try """
        [{"file": "abc_000010", "class": "dog barking", "bbox": [[0.1, 0.2, 0.5, 0.6], [0.6, 0.6, 0.9, 0.9]]},
         {"file": "zzz_000001", "class": "cat", "bbox": [[0, 0, 1, 1]]}]
        """.write(toFile: { try! touch("metadata/x"); return tmp + "/metadata/vggss.json" }(), atomically: false, encoding: .utf8)
        let ds = try Dataset.open(tmp)
        XCTAssertEqual(ds.format, .vggss)
        XCTAssertEqual(ds.samples.map(\.id), ["abc_000010"])
        XCTAssertEqual(ds.samples[0].boxes.count, 2)
        XCTAssertEqual(ds.samples[0].boxConvention, .normalised)
        XCTAssertEqual(ds.problems, ["zzz_000001: missing file 'audio/zzz_000001.wav' (skipped)"])
        // Training reads the folder the explorer opens (one reader).
        XCTAssertEqual(try TrainingManifest.read(tmp), try Dataset.open(tmp, requireGroundTruth: false).samples)
    }

    func testIS3WithBoxesInPixels() throws {
        for n in ["cat_dog_17_cat", "cat_dog_17_dog", "piano_man_3_piano"] { try touch("images/\(n).jpg"); try touch("audio_wav/\(n).wav") }
        try touch("metadata/x")
        try """
        [{"image": "/x/visual_frames/cat_dog_17_cat.jpg", "audio": "/x/audio_wav/cat_dog_17_cat.wav", "gt_box": [10.0, 20.0, 100.5, 224.0]},
         {"image": "/x/visual_frames/cat_dog_17_dog.jpg", "audio": "/x/audio_wav/cat_dog_17_dog.wav", "gt_box": [120, 30, 200, 150]},
         {"image": "/x/visual_frames/piano_man_3_piano.jpg", "audio": "/x/audio_wav/piano_man_3_piano.wav", "gt_box": [0, 0, 37, 37]}]
        """.write(toFile: tmp + "/metadata/synthetic3240_bbox.json", atomically: false, encoding: .utf8)
        let ds = try Dataset.open(tmp)
        XCTAssertEqual(ds.format, .is3)
        XCTAssertEqual(ds.samples.count, 3)
        let cat = ds.samples[0]
        XCTAssertEqual(cat.label, "cat"); XCTAssertEqual(cat.scene, "cat_dog_17")
        XCTAssertEqual(cat.objects, ["cat", "dog"])
        XCTAssertEqual(ds.samples[1].scene, cat.scene)
        XCTAssertEqual(GroundTruthMap.boxes(cat.boxes, convention: cat.boxConvention).count, (100 - 10) * (224 - 20))
        XCTAssertEqual(GroundTruthMap.boxes(ds.samples[2].boxes, convention: .pixels224).count, 37 * 37)
        // Off-screen for the cat/dog scene can only be the piano.
        let choice = OffscreenChoice(samples: ds.samples)
        for seed in OffscreenChoice.passSeeds { XCTAssertEqual(choice.choose(for: 0, seed: seed), 2) }
        XCTAssertNil(OffscreenChoice(samples: Array(ds.samples.prefix(2))).choose(for: 0, seed: 1234))
        XCTAssertEqual(try TrainingManifest.read(tmp), ds.samples)
    }

    func testS4Tree() throws {
        try touch("visual_frames/test/dog/v1/v1_1.png"); try touch("visual_frames/test/dog/v1/v1_2.png")
        try touch("audio_wav/test/dog/v1.wav"); try touch("gt_masks/test/dog/v1/v1_1.png")
        try touch("visual_frames/test/car/v2/v2_1.png")
        let ds = try Dataset.open(tmp, requireGroundTruth: false)
        XCTAssertEqual(ds.format, .s4)
        XCTAssertEqual(ds.samples.map(\.id), ["dog/v1/v1_1", "dog/v1/v1_2"])
        XCTAssertEqual(ds.samples[0].maskPath, tmp + "/gt_masks/test/dog/v1/v1_1.png")
        XCTAssertNil(ds.samples[1].maskPath)
        XCTAssertEqual(ds.samples[0].audioPath, ds.samples[1].audioPath)
        XCTAssertEqual(ds.problems.count, 1)
        XCTAssertEqual(try Dataset.open(tmp).samples.count, 1)
        // Training needs no ground truth: both frames are training pairs.
        XCTAssertEqual(try TrainingManifest.read(tmp), ds.samples)
    }

    func testExplicitFormatAndUnknownLayout() throws {
        XCTAssertThrowsError(try Dataset.open(tmp))
        XCTAssertThrowsError(try Dataset.open(tmp + "/nope"))
    }

    // MARK: off-screen choice

    func testOffscreenChoiceIsReproducibleAndOrderIndependent() {
        let samples = (0..<40).map { i in
            Sample(id: "s\(i)", imagePath: "/i\(i)", audioPath: "/a\(i)", label: "c\(i % 8)", objects: ["c\(i % 8)", "c\((i + 1) % 8)"])
        }
        let full = OffscreenChoice(samples: samples)
        let picks = OffscreenChoice.passSeeds.map { full.choose(for: 5, seed: $0)! }
        XCTAssertEqual(picks, OffscreenChoice.passSeeds.map { full.choose(for: 5, seed: $0)! })
        XCTAssertGreaterThan(Set(picks).count, 3, "passes differ")
        for p in picks { XCTAssertFalse(["c5", "c6"].contains(samples[p].label)) }
        // Same sample, reversed dataset: same audio file chosen.
        let rev = OffscreenChoice(samples: samples.reversed())
        let picksRev = OffscreenChoice.passSeeds.map { samples.reversed()[rev.choose(for: 34, seed: $0)!].id }
        XCTAssertEqual(picksRev, picks.map { samples[$0].id })
        XCTAssertEqual(OffscreenChoice.seeds(passes: 12).count, 12)
        XCTAssertEqual(Array(OffscreenChoice.seeds(passes: 10)), OffscreenChoice.passSeeds)
    }
}
