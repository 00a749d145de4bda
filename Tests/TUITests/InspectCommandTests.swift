import Foundation
import XCTest
import Core

/// `sslsan inspect` as a user runs it, on the shared torch.save files (`../shared/golden/pth`, read
/// in place; skipped when absent): `--dump` writes exactly the expected flat dict, the malicious
/// file is one line and exit status 1 with no dump written.
extension CommandLineTests {
    static var pthDir: String? {
        let d = repo.deletingLastPathComponent().appendingPathComponent("shared/golden/pth").path
        return FileManager.default.fileExists(atPath: d + "/README.md") ? d : nil
    }

    func testInspectDumpEqualsTheExpectedTensors() throws {
        guard let dir = Self.pthDir else { throw XCTSkip("../shared/golden/pth is not beside this checkout; skipping") }
        for f in ["a05_ezvsl_style.pth", "a06_dtypes.pth", "a08_legacy_views_f16.pth"] {
            let dump = tmp + "/\(f).safetensors"
            let r = try run(["inspect", "\(dir)/\(f)", "--dump", dump])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.out.contains("container: torch.save"), r.out)
            let ours = try SafetensorsFile(path: dump), expected = try SafetensorsFile(path: "\(dir)/\(f).expected.safetensors")
            XCTAssertEqual(Set(ours.names), Set(expected.names), f)
            for n in expected.names {
                XCTAssertEqual(ours.entry(n)?.dtype, expected.entry(n)?.dtype, "\(f) \(n)")
                XCTAssertEqual(ours.entry(n)?.shape, expected.entry(n)?.shape, "\(f) \(n)")
                XCTAssertEqual(try ours.rawBytes(n), try expected.rawBytes(n), "\(f) \(n)")
            }
        }
        let evil = tmp + "/evil.safetensors"
        let r = try run(["inspect", "\(dir)/a10_evil_posix_system.pth", "--dump", evil])
        assertOneLineError(r, mentions: ["a10_evil_posix_system.pth", "refused", "posix.system"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: evil))
    }

    func testInspectReportsTheFamilyAndProblems() throws {
        let f = try fixtures()
        let r = try run(["inspect", f.ckpt])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("family: SSL-TIE"), r.out)
        XCTAssertTrue(r.out.contains("problems: none"), r.out)
        let lvs = try run(["inspect", f.ckpt, "--model", "lvs"])
        XCTAssertTrue(lvs.out.contains("compared as LVS"), lvs.out)
        XCTAssertTrue(lvs.out.contains("extra keys"), lvs.out)  // vision_fc1, conv3, norm3
    }
}
