import Foundation
import XCTest
@testable import Core

/// torch.save files read without Python (`../shared/golden/pth`, written by torch 2.11 and checked
/// there with `torch.load(weights_only=True)`): every good file gives exactly its expected flat
/// dict, the malicious one is refused before anything runs, and cut or flipped bytes are one line.
final class TorchCheckpointTests: XCTestCase {
    static let good = ["a01_state_dict_zip.pth", "a02_state_dict_legacy.pth", "a03_ssltie_style.pth.tar", "a04_lvs_style.pth.tar",
                       "a05_ezvsl_style.pth", "a06_dtypes.pth", "a07_views_shared_storage.pth", "a08_legacy_views_f16.pth", "a09_parameters.pth"]

    static func tmp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sslsan-pth-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// Same names, dtypes, shapes and bit-identical bytes as the expected file.
    func assertSameTensors(_ ours: any TensorSource, _ expected: SafetensorsFile, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Set(ours.names), Set(expected.names), "\(label): names", file: file, line: line)
        XCTAssertEqual(ours.names.count, expected.names.count, "\(label): tensor count", file: file, line: line)
        for n in expected.names {
            let e = expected.entry(n)!
            guard let o = ours.dtypeAndShape(n) else { continue }
            XCTAssertEqual(o.dtype, e.dtype, "\(label) \(n): dtype", file: file, line: line)
            XCTAssertEqual(o.shape, e.shape, "\(label) \(n): shape", file: file, line: line)
            XCTAssertEqual(try ours.rawBytes(n), try expected.rawBytes(n), "\(label) \(n): bytes", file: file, line: line)
        }
    }

    func testEveryGoodFileLoadsToItsExpectedTensors() throws {
        let dir = try SharedData.path("golden/pth")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as! [String: Any]
        for f in Self.good {
            let src = try openTensorSource("\(dir)/\(f)")
            let t = try XCTUnwrap(src as? TorchCheckpoint, f)
            let m = manifest[f] as! [String: Any]
            XCTAssertEqual(t.format.rawValue, m["format"] as? String, "\(f): format")
            XCTAssertEqual(t.containerPath, m["container_keys"] as? [String], "\(f): container")
            XCTAssertEqual(t.strippedPrefix, m["prefix"] as? String, "\(f): prefix")
            let expected = try SafetensorsFile(path: "\(dir)/\(f).expected.safetensors")
            try assertSameTensors(src, expected, f)
            // float32 conversion goes through the same decoder as safetensors files.
            for n in expected.names { XCTAssertEqual(try src.tensor(n).array, try expected.tensor(n).array, "\(f) \(n): float32 values") }
        }
    }

    func testInspectDumpWritesExactlyTheExpectedFile() throws {
        let dir = try SharedData.path("golden/pth")
        for f in ["a04_lvs_style.pth.tar", "a07_views_shared_storage.pth", "a08_legacy_views_f16.pth"] {
            let out = Self.tmp(f + ".dump.safetensors")
            try SafetensorsWriter(copying: try openTensorSource("\(dir)/\(f)")).write(to: out)
            try assertSameTensors(try SafetensorsFile(path: out), try SafetensorsFile(path: "\(dir)/\(f).expected.safetensors"), f)
        }
    }

    func testMaliciousGlobalIsRefusedWithoutRunningIt() throws {
        let path = try SharedData.path("golden/pth/a10_evil_posix_system.pth")
        let existedBefore = FileManager.default.fileExists(atPath: "/tmp/pwned")
        XCTAssertThrowsError(try openTensorSource(path)) { e in
            let s = "\(e)"
            XCTAssertTrue(e is SSLSaNError)
            XCTAssertTrue(s.hasPrefix(path + ": refused"), s)
            XCTAssertTrue(s.contains("posix.system"), s)
            XCTAssertFalse(s.contains("\n"), "one line: \(s)")
        }
        if !existedBefore { XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/pwned"), "the payload ran") }
        // The model loader and inspect go through the same reader.
        XCTAssertThrowsError(try SSLSaNModel.load(path)) { XCTAssertTrue("\($0)".contains("posix.system")) }
    }

    /// Every cut of a zip and a legacy file, and flipped bytes anywhere in a zip (CRC-32), give one
    /// line naming the file — never a crash, never tensors.
    func testTruncatedAndCorruptedFilesGiveOneLine() throws {
        let dir = try SharedData.path("golden/pth")
        for f in ["a01_state_dict_zip.pth", "a02_state_dict_legacy.pth", "a08_legacy_views_f16.pth"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(f)"))
            let out = Self.tmp("cut-" + f)
            for cut in Set([0, 1, 3, 10, 30, 100, bytes.count / 3, bytes.count / 2, bytes.count - 100, bytes.count - 30, bytes.count - 1]) where cut < bytes.count {
                try bytes.prefix(cut).write(to: URL(fileURLWithPath: out))
                XCTAssertThrowsError(try openTensorSource(out), "\(f) cut at \(cut)") { e in
                    XCTAssertTrue(e is SSLSaNError, "\(f) cut at \(cut): \(e)")
                    XCTAssertTrue("\(e)".hasPrefix(out + ": "), "\(e)")
                    XCTAssertFalse("\(e)".contains("\n"))
                }
            }
        }
        // Zip: a flipped byte in the pickle, in tensor data, in the central directory.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a01_state_dict_zip.pth"))
        let zip = try ZipArchive(data: bytes, path: "a01")
        let dataEntry = try XCTUnwrap(zip.entries.first { $0.name.hasSuffix("/data/0") })
        let pkl = try XCTUnwrap(zip.entries.first { $0.name.hasSuffix("/data.pkl") })
        let headerLen = { (e: ZipArchive.Entry) in 30 + Int(bytes[e.headerOffset + 26]) + Int(bytes[e.headerOffset + 27]) << 8 + Int(bytes[e.headerOffset + 28]) + Int(bytes[e.headerOffset + 29]) << 8 }
        // The central directory record of data/0 (signature PK\1\2, name at +46): its CRC and its local-header offset.
        let name = Array(dataEntry.name.utf8)
        let record = try XCTUnwrap((0..<(bytes.count - 46 - name.count)).first { i in
            bytes[i] == 0x50 && bytes[i + 1] == 0x4b && bytes[i + 2] == 1 && bytes[i + 3] == 2 && Array(bytes[(i + 46)..<(i + 46 + name.count)]) == name
        })
        let out = Self.tmp("flip-a01.pth")
        for (what, at) in [("tensor data", dataEntry.headerOffset + headerLen(dataEntry) + 17), ("pickle", pkl.headerOffset + headerLen(pkl) + 40),
                           ("central directory CRC", record + 16), ("central directory offset", record + 42),
                           ("end record", bytes.count - 22 + 17)] {
            var b = bytes
            b[at] ^= 0x5a
            try b.write(to: URL(fileURLWithPath: out))
            XCTAssertThrowsError(try openTensorSource(out), what) { e in
                XCTAssertTrue(e is SSLSaNError, "\(what): \(e)")
                XCTAssertTrue("\(e)".hasPrefix(out + ": "), "\(e)")
                XCTAssertFalse("\(e)".contains("\n"))
                print("flipped \(what): \(e)")
            }
        }
    }

    func testDeflatedArchiveReadsLikeTheStoredOne() throws {
        // A torch.save archive re-zipped with deflate (e.g. by `zip`): same tensors.
        let dir = try SharedData.path("golden/pth")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("python3 (standard library zipfile) not available to re-zip") }
        let out = Self.tmp("deflated.pth")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import zipfile,sys; a=zipfile.ZipFile(sys.argv[1]); b=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED)\nfor i in a.infolist(): b.writestr(i.filename, a.read(i.filename))\nb.close()",
                       "\(dir)/a03_ssltie_style.pth.tar", out]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let zip = try ZipArchive(data: try Data(contentsOf: URL(fileURLWithPath: out)), path: out)
        XCTAssertTrue(zip.entries.contains { $0.method == 8 })
        try assertSameTensors(try openTensorSource(out), try SafetensorsFile(path: "\(dir)/a03_ssltie_style.pth.tar.expected.safetensors"), "deflated a03")
    }

    func testNotACheckpointIsOneLine() throws {
        let out = Self.tmp("text.pth")
        try Data("hello, not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: out))
        XCTAssertThrowsError(try openTensorSource(out)) { XCTAssertTrue("\($0)".hasPrefix(out + ": not a checkpoint"), "\($0)") }
        XCTAssertThrowsError(try openTensorSource(Self.tmp("absent.pth"))) { XCTAssertTrue("\($0)".hasSuffix("no such file"), "\($0)") }
    }
}
