import Foundation
import XCTest

/// Core's folders follow the flow of the data, and every dependency points earlier in this order
/// (docs/DESIGN.md). The compiler cannot see folders, so this test reads `Sources/Core`: it
/// collects each folder's top-level declarations, strips comments and string literals from each
/// file, and fails for every identifier a folder uses that is declared by a later folder.
final class LayoutTests: XCTestCase {
    /// Core's folders, earliest first. A file directly in `Sources/Core` is not allowed: it has no place in the flow.
    static let order = ["Values", "Tensor", "IO", "Audio", "Image", "Layers", "Model",
                        "Data", "Metrics", "Evaluation", "Training"]

    static var core: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Core")
    }

    func testFoldersDependOnlyOnEarlierFolders() throws {
        let root = Self.core
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw XCTSkip("Sources/Core is not beside this test build (\(root.path)); skipping the layout check")
        }
        let files = try Self.swiftFiles(under: root)
        XCTAssertFalse(files.isEmpty, "no Swift files under \(root.path)")
        let rank = Dictionary(uniqueKeysWithValues: Self.order.enumerated().map { ($1, $0) })

        var owners: [String: Set<String>] = [:]  // top-level name → folders that declare it
        var code: [(file: String, folder: String, text: String)] = []
        for f in files {
            guard let folder = f.relative.split(separator: "/").first.map(String.init), f.relative.contains("/") else {
                XCTFail("\(f.relative): a file directly in Sources/Core has no place in the flow; move it into a folder")
                continue
            }
            guard rank[folder] != nil else {
                XCTFail("\(f.relative): folder \(folder) is not in LayoutTests.order (\(Self.order.joined(separator: " → ")))")
                continue
            }
            let text = Self.stripCommentsAndStrings(try String(contentsOf: f.url, encoding: .utf8))
            for name in Self.topLevelDeclarations(text) { owners[name, default: []].insert(folder) }
            code.append((f.relative, folder, text))
        }

        var violations: [String] = []
        for c in code {
            for name in Self.identifiers(c.text) {
                // A name the folder declares itself is its own; otherwise the earliest declaring folder is the one used.
                guard let decl = owners[name], !decl.contains(c.folder), let mine = rank[c.folder],
                      let to = decl.min(by: { rank[$0]! < rank[$1]! }), rank[to]! > mine else { continue }
                violations.append("\(c.file): uses \(name) from \(to), but \(c.folder) comes before \(to)")
            }
        }
        XCTAssertTrue(violations.isEmpty, "Core's folders must depend only on earlier folders:\n" + violations.sorted().joined(separator: "\n"))
    }

    /// The check itself: a later folder's name used in an earlier folder is found, one in a comment or string is not.
    func testDetectsAViolationButNotCommentsOrStrings() {
        let later = Self.stripCommentsAndStrings("public struct Later {}\nfunc helper() {}\n")
        XCTAssertEqual(Set(Self.topLevelDeclarations(later)), ["Later", "helper"])
        XCTAssertEqual(Self.topLevelDeclarations("private func hidden() {}\nfileprivate let k = 1\n"), [], "file-private names are not shared")
        let earlier = Self.stripCommentsAndStrings("""
            /// Mentions Later in a doc comment. /* and Hidden */
            let s = "Later \\(x) \\"Later\\""
            let t = #"Later"#
            let m = \"\"\"
              Later
              \"\"\"
            let v = Later()
            x.helper()
            """)
        let ids = Self.identifiers(earlier)
        XCTAssertTrue(ids.contains("Later"), "a real use is found")
        XCTAssertFalse(ids.contains("Hidden"), "comments are stripped")
        XCTAssertFalse(ids.contains("helper"), "a member access .helper is not the top-level helper")
        XCTAssertEqual(earlier.components(separatedBy: "Later").count - 1, 1, "only the code use survives: \(earlier)")
    }

    // MARK: - Reading Swift just well enough

    static func swiftFiles(under root: URL) throws -> [(url: URL, relative: String)] {
        let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var out: [(URL, String)] = []
        while let u = e?.nextObject() as? URL {
            guard u.pathExtension == "swift" else { continue }
            out.append((u, String(u.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))))
        }
        return out.sorted { $0.1 < $1.1 }
    }

    /// Names declared at column 0 (types, functions, constants, variables), after attributes and
    /// modifiers; `private` and `fileprivate` ones are left out (no other file can use them).
    static func topLevelDeclarations(_ text: String) -> [String] {
        let re = try! NSRegularExpression(pattern:
            #"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|final|nonisolated|indirect)\s+)*(?:struct|class|enum|protocol|typealias|actor|func|let|var)\s+([A-Za-z_]\w*)"#,
            options: [.anchorsMatchLines])
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }

    /// Identifiers in code, except those right after a `.` (members, enum cases), whose name may
    /// coincide with a top-level name elsewhere without referring to it.
    static func identifiers(_ text: String) -> Set<String> {
        let re = try! NSRegularExpression(pattern: #"(?<![\w.])[A-Za-z_]\w*"#)
        let ns = text as NSString
        return Set(re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) })
    }

    /// Replaces comments (line, doc, nested block) and the text of string literals (plain, raw
    /// `#"…"#`, multi-line) with spaces; interpolations `\(…)` inside plain strings are kept as code.
    static func stripCommentsAndStrings(_ source: String) -> String {
        let s = Array(source.unicodeScalars)
        var out = String.UnicodeScalarView()
        func at(_ k: Int, _ t: String) -> Bool {
            let u = Array(t.unicodeScalars)
            return k + u.count <= s.count && Array(s[k..<(k + u.count)]) == u
        }
        func skipString(from start: Int) -> Int {
            var k = start
            var hashes = 0
            while k < s.count, s[k] == "#" { hashes += 1; k += 1 }
            let multi = at(k, "\"\"\"")
            k += multi ? 3 : 1
            let close = (multi ? "\"\"\"" : "\"") + String(repeating: "#", count: hashes)
            let interp = "\\" + String(repeating: "#", count: hashes) + "("
            out.append(" ")
            while k < s.count {
                if at(k, close) { return k + close.unicodeScalars.count }
                if at(k, interp) {
                    k += interp.unicodeScalars.count
                    out.append(" ")
                    k = code(from: k, untilParen: true)
                    continue
                }
                if hashes == 0, s[k] == "\\" { k += 2; continue }
                if s[k] == "\n" { out.append("\n") }
                k += 1
            }
            return k
        }
        /// Copies code from `start`; with `untilParen`, stops after the `)` that closes an interpolation.
        func code(from start: Int, untilParen: Bool) -> Int {
            var k = start
            var depth = 0
            while k < s.count {
                if at(k, "//") {
                    while k < s.count, s[k] != "\n" { k += 1 }
                    continue
                }
                if at(k, "/*") {
                    var nest = 0
                    repeat {
                        if at(k, "/*") { nest += 1; k += 2 } else if at(k, "*/") { nest -= 1; k += 2 } else {
                            if s[k] == "\n" { out.append("\n") }
                            k += 1
                        }
                    } while nest > 0 && k < s.count
                    out.append(" ")
                    continue
                }
                if s[k] == "\"" || (s[k] == "#" && {
                    var j = k
                    while j < s.count, s[j] == "#" { j += 1 }
                    return j < s.count && s[j] == "\""
                }()) {
                    k = skipString(from: k)
                    continue
                }
                if untilParen {
                    if s[k] == "(" { depth += 1 }
                    if s[k] == ")" {
                        if depth == 0 { out.append(" "); return k + 1 }
                        depth -= 1
                    }
                }
                out.append(s[k])
                k += 1
            }
            return k
        }
        _ = code(from: 0, untilParen: false)
        return String(out)
    }
}
