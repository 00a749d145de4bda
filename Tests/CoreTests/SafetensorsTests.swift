import XCTest
@testable import Core

final class SafetensorsTests: XCTestCase {
    func testRoundTripAndValidation() throws {
        var w = SafetensorsWriter(metadata: ["k": "v"])
        w.add("a", Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        w.add("h", Tensor(shape: [2], values: [0.5, -2]), as: .f16)
        w.add("b", Tensor(shape: [2], values: [0.5, -2]), as: .bf16)
        w.add("n", int64s: [7], shape: [])
        let f = try SafetensorsFile(data: w.encoded())
        XCTAssertEqual(f.metadata["k"], "v")
        XCTAssertEqual(try f.tensor("a").array, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try f.tensor("h").array, [0.5, -2])
        XCTAssertEqual(try f.tensor("b").array, [0.5, -2])
        XCTAssertEqual(try f.int64s("n"), [7])
        var bad = w.encoded()
        bad.removeLast(4)
        XCTAssertThrowsError(try SafetensorsFile(data: bad)) { e in
            XCTAssertTrue("\(e)".contains("outside the file"), "\(e)")
        }
        XCTAssertThrowsError(try SafetensorsFile(data: Data([1, 2, 3])))
    }
}
