import XCTest
import Render

final class CellBufferTests: XCTestCase {
    func testPutClips() {
        var b = CellBuffer(width: 5, height: 1)
        b.put("abcdefg", x: 1, y: 0)
        XCTAssertEqual(b.lines, [" abcd"])
    }
}
