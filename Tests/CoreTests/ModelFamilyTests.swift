import Foundation
import XCTest
@testable import Core

/// Family key lists against the reference state_dicts (`../shared/golden/zoo/*/keys.txt`, SSL-TIE's
/// `Checkpoint.layout`) and detection from key names.
final class ModelFamilyTests: XCTestCase {
    static let zoo: [(String, ModelFamily)] = [("lvs", .lvs), ("sslalign", .sslAlign), ("ezvsl", .ezvsl), ("fnac", .fnac), ("slavc", .slavc), ("rcgrad", .rcgrad)]

    /// Names and shapes only: enough to detect and inspect, no tensor data.
    struct KeyList: TensorSource {
        let path: String
        var metadata: [String: String] = [:]
        let keys: [(name: String, shape: [Int], dtype: SafetensorsDType)]
        var names: [String] { keys.map(\.name) }
        func dtypeAndShape(_ name: String) -> (dtype: SafetensorsDType, shape: [Int])? { keys.first { $0.name == name }.map { ($0.dtype, $0.shape) } }
        func tensor(_ name: String) throws -> Tensor { throw SSLSaNError("no data", file: path) }
        func int64s(_ name: String) throws -> [Int64] { throw SSLSaNError("no data", file: path) }
        func rawBytes(_ name: String) throws -> Data { throw SSLSaNError("no data", file: path) }
    }

    /// `key<TAB>[shape]<TAB>dtype[<TAB>key in the released file]` lines of keys.txt.
    static func readKeys(_ dir: String) throws -> KeyList {
        let text = try String(contentsOfFile: dir + "/keys.txt", encoding: .utf8)
        var keys: [(String, [Int], SafetensorsDType)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t").map(String.init)
            guard f.count >= 3 else { continue }
            let shape = f[1].trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
            let dtype: SafetensorsDType = ["I64", "int64"].contains(f[2]) ? .i64 : .f32
            keys.append((f[0], shape, dtype))
        }
        return KeyList(path: dir + "/keys.txt", keys: keys)
    }

    func testExpectedKeysEqualTheReferenceStateDicts() throws {
        for (dir, family) in Self.zoo {
            let ref = try Self.readKeys(try SharedData.path("golden/zoo/\(dir)"))
            let ours = family.expectedKeys()
            XCTAssertEqual(ours.map(\.name), ref.keys.map(\.name), "\(dir): names in state_dict order")
            XCTAssertEqual(ours.map(\.shape), ref.keys.map(\.shape), "\(dir): shapes")
            XCTAssertEqual(ours.map(\.dtype), ref.keys.map(\.dtype), "\(dir): dtypes")
        }
        for config in [ModelConfig.full, try ModelConfig.named("demo")] {
            let layout = Checkpoint.layout(SSLSaNModel(config: config, seed: 0))
            let ours = ModelFamily.sslTie.expectedKeys(widths: config.widths)
            XCTAssertEqual(ours.map(\.name), layout.map(\.name), "SSL-TIE \(config.name): names")
            XCTAssertEqual(ours.map(\.shape), layout.map(\.shape), "SSL-TIE \(config.name): shapes")
            for (k, e) in zip(ours, layout) {
                if case .unused = e.role { XCTAssertTrue(k.unused, k.name) } else { XCTAssertFalse(k.unused, k.name) }
            }
        }
    }

    func testDetectionFromKeyNames() throws {
        for (dir, family) in Self.zoo {
            let ref = try Self.readKeys(try SharedData.path("golden/zoo/\(dir)"))
            let d = try XCTUnwrap(ModelFamily.detect(from: ref), dir)
            XCTAssertTrue(d.candidates.contains(family), "\(dir): \(d.candidates)")
            XCTAssertEqual(d.score, 1, dir)
            switch family {
            case .lvs, .sslAlign: XCTAssertEqual(Set(d.candidates), [.lvs, .sslAlign], "LVS and SSL-Align share one network")
            case .ezvsl, .fnac: XCTAssertEqual(Set(d.candidates), [.ezvsl, .fnac], "EZ-VSL and FNAC share one network")
            default: XCTAssertEqual(d.candidates, [family])
            }
            // A state_dict with a few keys missing still detects as the same family.
            let partial = KeyList(path: "partial", keys: Array(ref.keys.dropLast(5)))
            XCTAssertTrue(ModelFamily.detect(from: partial)?.candidates.contains(family) ?? false, dir)
        }
        let tie = try SafetensorsFile(path: try SharedData.path("golden/model.safetensors"))
        XCTAssertEqual(ModelFamily.detect(from: tie)?.family, .sslTie)
        XCTAssertEqual(ModelFamily.detect(from: tie)?.candidates, [.sslTie])
        // A tiny unrelated network (TinyA of the pth set) is not claimed by any family.
        XCTAssertNil(ModelFamily.detect(from: try openTensorSource(try SharedData.path("golden/pth/a01_state_dict_zip.pth"))))
    }

    func testInspectionReportsMissingExtraAndShapes() throws {
        let ref = try Self.readKeys(try SharedData.path("golden/zoo/ezvsl"))
        var keys = ref.keys.filter { $0.name != "img_proj.bias" }
        keys.append(("optimizer_leftover", [3], .f32))
        keys[0] = (keys[0].name, [64, 3, 5, 5], keys[0].dtype)
        let r = CheckpointInspection(KeyList(path: "x.pth", keys: keys))
        XCTAssertEqual(r.family, .ezvsl)
        XCTAssertEqual(r.missing, ["img_proj.bias"])
        XCTAssertEqual(r.extra, ["optimizer_leftover"])
        XCTAssertEqual(r.wrongShape, ["imgnet.conv1.weight [64, 3, 5, 5] (expected [64, 3, 7, 7])"])
        XCTAssertEqual(r.problems.count, 3)
        // The full SSL-TIE file fits exactly; its parameter count is the golden README's 23,947,732.
        let tie = CheckpointInspection(try SafetensorsFile(path: try SharedData.path("golden/model.safetensors")))
        XCTAssertEqual(tie.family, .sslTie)
        XCTAssertEqual(tie.problems, [])
        XCTAssertEqual(tie.parameterCount, 23_947_732)
        XCTAssertEqual(tie.tensorCount, 257)
    }
}
