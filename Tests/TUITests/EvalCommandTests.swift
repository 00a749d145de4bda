import Foundation
import XCTest
import Core

/// `sslsan eval` as a user runs it: sharded runs merged give the single run's report byte for
/// byte, a second run reads the embedding cache and prints the same numbers, and every problem is
/// listed. Skipped with a message when the release binary has not been built.
final class EvalCommandTests: XCTestCase {
    static let repo = Fixtures.repo
    var tmp = ""

    override func setUpWithError() throws {
        tmp = try Fixtures.temporaryFolder("sslsan-evalcli")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try Fixtures.runSSLSaN(args, folder: tmp) }

    var samples: [String] {
        ["eval", "--data", Self.repo.path + "/samples", "--checkpoint", Self.repo.path + "/samples/demo.safetensors", "--passes", "1"]
    }

    func testShardedEvalMergesToTheSingleRun() throws {
        guard FileManager.default.fileExists(atPath: Self.repo.path + "/samples/demo.safetensors") else { throw XCTSkip("samples/ not in this checkout") }
        let one = try run(samples + ["--no-cache", "--json", tmp + "/one.json"])
        XCTAssertEqual(one.status, 0, one.err)
        var parts: [String] = []
        for i in 1...3 {
            parts.append(tmp + "/part-\(i).jsonl")
            let r = try run(samples + ["--no-cache", "--shard", "\(i)/3", "--out", parts.last!])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.out.hasPrefix("shard \(i)/3: "), r.out)
        }
        let merged = try run(["eval", "--merge"] + parts + ["--json", tmp + "/merged.json"])
        XCTAssertEqual(merged.status, 0, merged.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tmp + "/merged.json")), try Data(contentsOf: URL(fileURLWithPath: tmp + "/one.json")),
                       "merge(shards) must write the single run's JSON byte for byte")
        XCTAssertTrue(one.out.hasPrefix(merged.out), "the merged table is the single run's:\n\(merged.out)\n---\n\(one.out)")
        XCTAssertTrue(merged.out.contains("centre prior"))
        // The parts name their family, so the merge can use vssl_eval's threshold for it, and
        // prints the single run's table at that threshold.
        let onePaper = try run(samples + ["--no-cache", "--threshold", "paper", "--json", tmp + "/one-paper.json"])
        XCTAssertEqual(onePaper.status, 0, onePaper.err)
        let mergedPaper = try run(["eval", "--merge"] + parts + ["--threshold", "paper", "--json", tmp + "/merged-paper.json"])
        XCTAssertEqual(mergedPaper.status, 0, mergedPaper.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tmp + "/merged-paper.json")), try Data(contentsOf: URL(fileURLWithPath: tmp + "/one-paper.json")))
        XCTAssertTrue(mergedPaper.out.contains("0.3338"), mergedPaper.out)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: tmp + "/merged-paper.json")), try Data(contentsOf: URL(fileURLWithPath: tmp + "/merged.json")),
                          "U = 0.3338 must change the report")
        // A missing shard is one clear line.
        let missing = try run(["eval", "--merge", parts[0], parts[2]])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("missing shard(s) 2/3"), missing.err)
    }

    func testSecondRunReadsTheCacheAndPrintsTheSameNumbers() throws {
        guard FileManager.default.fileExists(atPath: Self.repo.path + "/samples/demo.safetensors") else { throw XCTSkip("samples/ not in this checkout") }
        let args = samples + ["--cache-dir", tmp + "/cache"]
        let cold = try run(args + ["--json", tmp + "/cold.json"])
        XCTAssertEqual(cold.status, 0, cold.err)
        XCTAssertTrue(cold.out.contains("0 hit(s)"), cold.out)
        let warm = try run(args + ["--json", tmp + "/warm.json"])
        XCTAssertEqual(warm.status, 0, warm.err)
        XCTAssertTrue(warm.out.contains(" 0 miss(es)"), warm.out)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tmp + "/warm.json")), try Data(contentsOf: URL(fileURLWithPath: tmp + "/cold.json")))
    }

    /// `--compare` with the cache: the side-by-side column of a model prints the very figures of
    /// its own table and of a plain run (one formatter, one evaluator), and the second model's
    /// scoring reuses the first one's embeddings when it is the same file.
    func testCompareColumnsEqualThePlainTable() throws {
        guard FileManager.default.fileExists(atPath: Self.repo.path + "/samples/demo.safetensors") else { throw XCTSkip("samples/ not in this checkout") }
        let plain = try run(samples + ["--no-retrieval", "--cache-dir", tmp + "/cache"])
        XCTAssertEqual(plain.status, 0, plain.err)
        let both = try run(samples + ["--no-retrieval", "--cache-dir", tmp + "/cache", "--compare", Self.repo.path + "/samples/demo.safetensors"])
        XCTAssertEqual(both.status, 0, both.err)
        XCTAssertTrue(both.out.contains(" 0 miss(es)"), both.out)
        func row(_ text: String, after header: String) -> [String] {
            let lines = text.split(separator: "\n").map(String.init)
            let k = lines.firstIndex { $0.hasPrefix(header) }!
            return lines[k + 1].split(separator: " ").map(String.init)
        }
        let table = row(plain.out, after: "cIoU-Uth  cIoU-Adap")
        XCTAssertEqual(row(both.out, after: "cIoU-Uth  cIoU-Adap"), table)
        let lines = both.out.split(separator: "\n").map(String.init)
        let side = ["cIoU-Uth", "cIoU-Adap", "AUC-Uth", "AUC-Adap", "pIA-S", "AUC_N-S", "pIA-N", "AUC_N-N", "pIA-O", "AUC_N-O", "F_LOC", "F_AUC"].map { name in
            lines.first { $0.hasPrefix(name + " ") }!.split(separator: " ").map(String.init)
        }
        XCTAssertEqual(side.map { $0[1] }, table)
        XCTAssertEqual(side.map { $0[2] }, table)
    }

    func testEveryProblemIsListed() throws {
        guard FileManager.default.fileExists(atPath: Self.repo.path + "/samples/demo.safetensors") else { throw XCTSkip("samples/ not in this checkout") }
        // Two good samples and 13 whose audio is missing.
        let lines = try String(contentsOfFile: Self.repo.path + "/samples/manifest.jsonl", encoding: .utf8).split(separator: "\n").prefix(15)
        var out: [String] = []
        for (k, l) in lines.enumerated() {
            var o = try JSONSerialization.jsonObject(with: Data(l.utf8)) as! [String: Any]
            for key in ["image", "audio", "mask"] { if let p = o[key] as? String { o[key] = Self.repo.path + "/samples/" + p } }
            if k >= 2 { o["audio"] = tmp + "/missing\(k).wav" }
            out.append(String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self))
        }
        try out.joined(separator: "\n").write(toFile: tmp + "/manifest.jsonl", atomically: true, encoding: .utf8)
        let r = try run(["eval", "--data", tmp, "--checkpoint", Self.repo.path + "/samples/demo.safetensors", "--passes", "1", "--no-cache",
                         "--problems", tmp + "/problems.txt", "--json", tmp + "/r.json"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("13 sample(s) left out"), r.err)
        XCTAssertTrue(r.err.contains("… and 3 more (all of them in \(tmp)/problems.txt)"), r.err)
        let listed = try String(contentsOfFile: tmp + "/problems.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(listed.count, 13)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp + "/r.json"))) as! [String: Any]
        XCTAssertEqual((json["problems"] as! [String]).count, 13)
        XCTAssertEqual(json["samples"] as? Int, 2)
    }

    /// An output onto a pipe, a device or a missing folder is refused before any scoring: one line,
    /// no output written, and (for the pipe) nothing blocks on it.
    func testBadOutputTargetsFailBeforeScoring() throws {
        guard FileManager.default.fileExists(atPath: Self.repo.path + "/samples/demo.safetensors") else { throw XCTSkip("samples/ not in this checkout") }
        XCTAssertEqual(mkfifo(tmp + "/pipe.json", 0o600), 0)
        for (flag, target, expected) in [("--json", tmp + "/pipe.json", "named pipe"), ("--csv", "/dev/null", "character device"),
                                         ("--problems", tmp + "/no/such/folder.txt", "folder to write into does not exist")] {
            let r = try run(samples + ["--no-cache", flag, target])
            XCTAssertNotEqual(r.status, 0, "\(flag) \(target)")
            XCTAssertTrue(r.err.contains(expected) && r.err.contains(target), r.err)
            XCTAssertFalse(r.err.contains("samples ("), "scored before refusing \(target):\n\(r.err)")
            XCTAssertEqual(r.out, "", r.out)
        }
    }
}
