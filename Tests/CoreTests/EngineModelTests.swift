import Foundation
import XCTest
@testable import Core

/// Shapes, parameter counts and checkpoint reading/writing of the engine.
final class EngineModelTests: XCTestCase {
    static let demo = ModelConfig(name: "demo", widths: [16, 32, 64, 128], imageSize: 224, clipSeconds: 3, hop: 160, nMels: 64)

    func testParameterCounts() {
        let model = SSLSaNModel(config: .full, seed: 1)
        XCTAssertEqual(model.imageEncoder.parameterCount, 11_176_512)
        XCTAssertEqual(model.audioEncoder.parameterCount, 11_170_240)
        let layout = Checkpoint.layout(model)
        XCTAssertEqual(layout.count, 257)
        let buffers = [".running_mean", ".running_var", ".num_batches_tracked"]
        let params = layout.filter { e in !buffers.contains { e.name.hasSuffix($0) } }
        XCTAssertEqual(params.reduce(0) { $0 + $1.shape.reduce(1, *) }, 23_947_732)
        XCTAssertEqual(model.parameters.filter { $0.name.hasPrefix("imgnet.") }.count, 60)
    }

    func testLayoutMatchesPyTorchKeyList() throws {
        let text = try String(contentsOfFile: SharedData.path("spec/state_dict_keys.txt"), encoding: .utf8)
        let expected = text.split(separator: "\n").map { line -> String in
            let parts = line.split(separator: "\t")
            return "\(parts[0]) \(parts[1].replacingOccurrences(of: " ", with: ""))"
        }
        let ours = Checkpoint.layout(SSLSaNModel(config: .full, seed: 1)).map { "\($0.name) [\($0.shape.map(String.init).joined(separator: ","))]" }
        XCTAssertEqual(ours, expected)
    }

    func testOutputShapes() {
        let model = SSLSaNModel(config: .full, seed: 2)
        XCTAssertEqual(model.encodeImage(Tensor(shape: [1, 3, 224, 224], repeating: 0.5)).shape, [1, 512, 14, 14])
        XCTAssertEqual(model.encodeImage(Tensor(shape: [2, 3, 112, 112], repeating: 0.5)).shape, [2, 512, 7, 7])
        let spec = Tensor(shape: [1, 1, 257, 670])
        var rng = ParameterRNG(seed: 3)
        rng.fillNormal(spec, std: 1)
        XCTAssertEqual(model.audioEncoder.forward(spec).shape, [1, 512, 17, 42])
        let a = model.encodeAudio(spec)
        XCTAssertEqual(a.shape, [1, 512])
        var n = 0.0
        for i in 0..<512 { n += Double(a[i] * a[i]) }
        XCTAssertEqual(n, 1, accuracy: 1e-5)
    }

    func testSimilarityMapsAgree() {
        let model = SSLSaNModel(config: Self.demo, seed: 4)
        var rng = ParameterRNG(seed: 5)
        let img = Tensor(shape: [2, 3, 64, 64]); rng.fillNormal(img, std: 1)
        let spec = Tensor(shape: [3, 1, 64, 100]); rng.fillNormal(spec, std: 1)
        let v = model.encodeImage(img), a = model.encodeAudio(spec)
        XCTAssertEqual(v.shape, [2, 128, 4, 4])
        let maps = model.maps(visual: v, image: 1, audio: a)
        XCTAssertEqual(maps.count, 3)
        // maps(image 1, audio k) must equal similarityMap of the pair (v[1], a[k]).
        let v1 = Tensor(shape: [1, 128, 4, 4]); v1.data.update(from: v.data + 128 * 16, count: 128 * 16)
        for k in 0..<3 {
            let ak = Tensor(shape: [1, 128]); ak.data.update(from: a.data + k * 128, count: 128)
            let m = SSLSaNModel.similarityMap(visual: v1, audio: ak)
            for i in 0..<16 { XCTAssertEqual(maps[k].values[i], m[i], accuracy: 1e-6) }
            XCTAssertGreaterThanOrEqual(maps[k].min, 0)
            XCTAssertLessThanOrEqual(maps[k].max, 1 + 1e-6)
        }
    }

    func testConcurrentEvalEncodesAgree() {
        // `model` starts cold (no cached Winograd filters) so the threads race to build them.
        let model = SSLSaNModel(config: Self.demo, seed: 6)
        let img = Tensor(shape: [1, 3, 96, 96]); var rng = ParameterRNG(seed: 7); rng.fillNormal(img, std: 1)
        let ref = SSLSaNModel(config: Self.demo, seed: 6).encodeImage(img)
        let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4); defer { results.deallocate() }
        let box = UnsafeSendable(results)
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let v = model.encodeImage(img)
            var d: Float = 0
            for j in 0..<v.count { d = max(d, abs(v[j] - ref[j])) }
            box.value[i] = d
        }
        for i in 0..<4 { XCTAssertEqual(results[i], 0) }
    }

    // MARK: checkpoints

    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "sslsan-engine-\(getpid())-\(name)" }

    func testFullCheckpointSaveLoadTime() throws {
        let model = SSLSaNModel(config: .full, seed: 12)
        let path = tmp("full.safetensors"); defer { unlink(path) }
        let t0 = Date()
        try model.save(to: path)
        let t1 = Date()
        let back = try SSLSaNModel.load(path)
        let t2 = Date()
        print(String(format: "full checkpoint: save %.2f s, load %.2f s", t1.timeIntervalSince(t0), t2.timeIntervalSince(t1)))
        XCTAssertEqual(back.audioEncoder.layers[3][1].conv2.weight.array, model.audioEncoder.layers[3][1].conv2.weight.array)
    }

    func testSaveLoadRoundTrip() throws {
        let model = SSLSaNModel(config: Self.demo, seed: 8)
        model.imageEncoder.bn1.numBatchesTracked = 7
        let path = tmp("rt.safetensors"); defer { unlink(path) }
        try model.save(to: path, metadata: ["note": "x"])
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(file.entries.count, 257)
        XCTAssertEqual(file.metadata["note"], "x")
        XCTAssertEqual(file.entries.map(\.name), Checkpoint.layout(model).map(\.name))
        XCTAssertEqual(file.entry("imgnet.bn1.num_batches_tracked")?.dtype, .i64)
        let back = try SSLSaNModel.load(path)
        XCTAssertEqual(back.config, Self.demo)
        XCTAssertEqual(back.imageEncoder.bn1.numBatchesTracked, 7)
        for (a, b) in zip(model.parameters.map { ($0.name, $0.value) } + model.buffers, back.parameters.map { ($0.name, $0.value) } + back.buffers) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertEqual(a.value.array, b.value.array, a.name)
        }
    }

    func testHalfPrecisionCheckpointsLoad() throws {
        let model = SSLSaNModel(config: Self.demo, seed: 9)
        for dtype in [SafetensorsDType.f16, .bf16] {
            var w = SafetensorsWriter(metadata: [ModelConfig.metadataKey: Self.demo.metadataJSON])
            for e in Checkpoint.layout(model) {
                if case .used(let t) = e.role { w.add(e.name, t, as: dtype) }
            }
            let path = tmp("half-\(dtype.rawValue).safetensors"); defer { unlink(path) }
            try w.write(to: path)
            let back = try SSLSaNModel.load(path)
            let a = model.imageEncoder.stem.weight, b = back.imageEncoder.stem.weight
            for i in 0..<a.count { XCTAssertEqual(a[i], b[i], accuracy: abs(a[i]) * 1e-2 + 1e-6) }
        }
    }

    /// Writes the demo model's used tensors, letting `edit` drop or replace some.
    func writeEdited(_ name: String, _ edit: (String, Tensor) -> Tensor??) throws -> String {
        let model = SSLSaNModel(config: Self.demo, seed: 10)
        var w = SafetensorsWriter(metadata: [ModelConfig.metadataKey: Self.demo.metadataJSON])
        for e in Checkpoint.layout(model) {
            guard case .used(let t) = e.role else { continue }
            switch edit(e.name, t) {
            case .none: w.add(e.name, t)
            case .some(.none): break
            case .some(.some(let r)): w.add(e.name, r)
            }
        }
        let path = tmp(name)
        try w.write(to: path)
        return path
    }

    func testMissingAndMisshapedKeysAreNamed() throws {
        let path = try writeEdited("bad.safetensors") { name, _ in
            if name == "audnet.layer3.1.conv2.weight" || name == "imgnet.bn1.running_var" { return .some(nil) }
            if name == "imgnet.layer2.0.downsample.0.weight" { return .some(Tensor(shape: [32, 16, 3, 3])) }
            return nil
        }
        defer { unlink(path) }
        XCTAssertThrowsError(try SSLSaNModel.load(path)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.hasPrefix(path), s)
            XCTAssertTrue(s.contains("audnet.layer3.1.conv2.weight"), s)
            XCTAssertTrue(s.contains("imgnet.bn1.running_var"), s)
            XCTAssertTrue(s.contains("imgnet.layer2.0.downsample.0.weight [32, 16, 3, 3] (expected [32, 16, 1, 1])"), s)
            XCTAssertFalse(s.contains("\n"))
        }
    }

    func testUnusedKeysAreIgnoredAndConfigMismatchReported() throws {
        // A demo file read without its metadata is taken as `full`: every shape is wrong.
        let model = SSLSaNModel(config: Self.demo, seed: 11)
        var w = SafetensorsWriter()
        for e in Checkpoint.layout(model) { if case .used(let t) = e.role { w.add(e.name, t) } }
        let path = tmp("nometa.safetensors"); defer { unlink(path) }
        try w.write(to: path)
        XCTAssertThrowsError(try SSLSaNModel.load(path)) { e in
            XCTAssertTrue("\(e)".contains("'full'") && "\(e)".contains("imgnet.conv1.weight [16, 3, 7, 7] (expected [64, 3, 7, 7])"), "\(e)")
        }
        // Extra and unused keys (with any shape) are accepted.
        let path2 = try writeEdited("extra.safetensors") { _, _ in nil }
        defer { unlink(path2) }
        var data = try Data(contentsOf: URL(fileURLWithPath: path2))
        let f = try SafetensorsFile(data: data)
        var w2 = SafetensorsWriter(metadata: f.metadata)
        for n in f.names { w2.add(n, try f.tensor(n)) }
        w2.add("vision_fc1.weight", Tensor(shape: [3]))
        w2.add("imgnet.conv1_flow.weight", Tensor(shape: [2, 2]))
        w2.add("something.else", Tensor(shape: [1]))
        data = w2.encoded()
        try data.write(to: URL(fileURLWithPath: path2))
        XCTAssertNoThrow(try SSLSaNModel.load(path2))
    }

    func testTruncatedFileNamesFileAndKey() throws {
        let path = try writeEdited("trunc.safetensors") { _, _ in nil }
        defer { unlink(path) }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 1000).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SSLSaNModel.load(path)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.hasPrefix(path) && s.contains("audnet.layer4.1.bn2.") && s.contains("truncated"), s)
        }
        XCTAssertThrowsError(try SSLSaNModel.load(tmp("does-not-exist"))) { e in XCTAssertTrue("\(e)".contains("does-not-exist"), "\(e)") }
    }
}

struct UnsafeSendable<T>: @unchecked Sendable { let value: T; init(_ v: T) { value = v } }
