import Foundation
import XCTest
import Render

/// Stored snapshots of explorer screens (Tests/TUITests/Snapshots). A missing snapshot is
/// recorded locally and is a failure on CI (CI set), so a test cannot pass by writing its own
/// expectation there; SSLSAN_RECORD=1 re-records (look at the diff before committing it).
enum Snapshot {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// The characters of a frame, trailing blanks cut.
    static func text(_ buf: CellBuffer) -> String {
        buf.lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n") + "\n"
    }

    /// Characters and styles: the text, then one row of two-character style keys per screen row,
    /// then the legend of keys (foreground, background as #rrggbb or -, attributes). Styles are
    /// numbered in order of first appearance, so a diff points at the row and column that changed.
    static func cells(_ buf: CellBuffer, mode: RenderMode) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var keys: [String: String] = [:], legend: [String] = []
        func hex(_ c: RGB?) -> String {
            guard let c else { return "-" }
            return "#" + [c.r, c.g, c.b].map { String($0, radix: 16).leftPadded(2) }.joined()
        }
        func attrs(_ a: CellAttributes) -> String {
            let names = [(CellAttributes.bold, "bold"), (.dim, "dim"), (.reverse, "reverse"), (.underline, "underline")]
            let on = names.filter { a.contains($0.0) }.map(\.1)
            return on.isEmpty ? "-" : on.joined(separator: ",")
        }
        var rows: [String] = []
        for y in 0..<buf.height {
            var row = ""
            for x in 0..<buf.width {
                let c = buf[x, y]
                let style = "\(hex(c.fg)) \(hex(c.bg)) \(attrs(c.attrs))"
                if keys[style] == nil {
                    let n = keys.count
                    let k = String([alphabet[(n / alphabet.count) % alphabet.count], alphabet[n % alphabet.count]])
                    keys[style] = k
                    legend.append("\(k) \(style)")
                }
                row += keys[style]!
            }
            rows.append(row)
        }
        return "# \(buf.width)x\(buf.height) \(mode)\n" + text(buf) + "--- styles\n" + rows.joined(separator: "\n") + "\n--- legend\n"
            + legend.joined(separator: "\n") + "\n"
    }

    static func check(_ file: String, _ content: String, file sourceFile: StaticString = #filePath, line: UInt = #line) throws {
        let url = dir.appendingPathComponent(file)
        let env = ProcessInfo.processInfo.environment
        let exists = FileManager.default.fileExists(atPath: url.path)
        if env["CI"] != nil && env["SSLSAN_RECORD"] != "1" && !exists {
            XCTFail("snapshot \(file) is missing from Tests/TUITests/Snapshots (record it with SSLSAN_RECORD=1 and commit it)", file: sourceFile, line: line)
            return
        }
        if env["SSLSAN_RECORD"] == "1" || !exists {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if expected != content {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false), g = content.split(separator: "\n", omittingEmptySubsequences: false)
            let firstDiff = zip(e, g).enumerated().first { $0.element.0 != $0.element.1 }
            XCTFail("snapshot \(file) differs at line \(firstDiff?.offset ?? min(e.count, g.count)):\n  expected: \(firstDiff?.element.0 ?? "")\n  got:      \(firstDiff?.element.1 ?? "")\n(SSLSAN_RECORD=1 re-records)", file: sourceFile, line: line)
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: Swift.max(0, n - count)) + self }
}
