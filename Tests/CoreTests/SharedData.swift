import Foundation
import XCTest

/// Locates `../shared` (beside the checkout). Tests that need the golden tensors or the real data
/// call this and are skipped with a clear message where it is absent, as on a user's clone.
enum SharedData {
    static var root: String? {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates: [String?] = [ProcessInfo.processInfo.environment["SSLSAN_SHARED"],
                          repo.deletingLastPathComponent().appendingPathComponent("shared").path]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0 + "/golden/README.md") }
    }

    /// Absolute path of `rel` inside shared/, or XCTSkip.
    static func path(_ rel: String) throws -> String {
        guard let r = root else {
            throw XCTSkip("../shared (golden tensors and real data) is not beside this checkout; skipping")
        }
        return r + "/" + rel
    }
}
