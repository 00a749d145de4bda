import XCTest
import Render

final class RenderBenchTests: XCTestCase {
    /// Prints the frame time (no timed assertion: the machine is shared).
    func testFrame200x60() {
        let ms = RenderBench.frame200x60(frames: 10)
        print("RenderBench.frame200x60: \(formatFixed(ms, digits: 2)) ms per frame")
        XCTAssertGreaterThan(ms, 0)
    }
}
