import Core
import Render

/// Small deterministic inputs shared by the render tests.
enum Fixtures {
    /// A w×h image: left half red, right half blue, unless `gradient` (x → red, y → green).
    static func image(width: Int, height: Int, gradient: Bool = false) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                if gradient {
                    img.setPixel(x, y, (UInt8(x * 255 / Swift.max(1, width - 1)), UInt8(y * 255 / Swift.max(1, height - 1)), 64))
                } else {
                    img.setPixel(x, y, x < width / 2 ? (200, 0, 0) : (0, 0, 200))
                }
            }
        }
        return img
    }

    /// A 14×14 map peaking at (px, py) with value `peak`, falling off smoothly.
    static func blob(px: Float = 7, py: Float = 6, peak: Float = 0.6) -> SimilarityMap {
        SimilarityMap(width: 14, height: 14, values: (0..<196).map { i in
            let dx = Float(i % 14) - px, dy = Float(i / 14) - py
            return peak / (1 + 0.08 * (dx * dx + dy * dy))
        })
    }

    static func uniform(_ v: Float) -> SimilarityMap { SimilarityMap(width: 14, height: 14, values: Array(repeating: v, count: 196)) }

    /// Deterministic pseudo-random values in [lo, lo + spread).
    static func values(count: Int, lo: Double, spread: Double, seed: UInt64) -> [Double] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return lo + spread * Double(s >> 11) / Double(UInt64(1) << 53)
        }
    }

    /// Every character of the buffer is 7-bit ASCII.
    static func isASCII(_ b: CellBuffer) -> Bool { b.cells.allSatisfy { $0.char.isASCII } }

    /// Every cell of the buffer has no colour.
    static func hasNoColour(_ b: CellBuffer) -> Bool { b.cells.allSatisfy { $0.fg == nil && $0.bg == nil } }

    static let conditions: [AudioCondition] = [.positive, .silence, .noise, .offscreen]
}

import XCTest

/// Compares the buffer's text with `expected` line by line; on failure prints the actual lines
/// as a Swift array literal, ready to paste after review.
func assertLines(_ buffer: CellBuffer, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
    let actual = buffer.lines
    if actual != expected {
        let literal = actual.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"," }
        XCTFail("lines differ; actual:\n" + literal.joined(separator: "\n"), file: file, line: line)
    }
}
