import Foundation
import XCTest
@testable import Core

final class ImageTransformTests: XCTestCase {
    /// `vectors/image` is ToTensor + Normalize of golden/input.png (already 224×224): bit-exact.
    func testGoldenImageTensorIsBitExact() throws {
        let ref = try SafetensorsFile(path: try SharedData.path("golden/vectors.safetensors")).tensor("image")
        let img = try ImageFile.read(try SharedData.path("golden/input.png"))
        for t in [ImageTransform.evalTensor(img, size: 224), ImageTransform.tieTestTensor(img, size: 224)] {
            XCTAssertEqual(t.shape, ref.shape)
            var maxUlps: UInt32 = 0, differing = 0
            for i in 0..<ref.count where t[i] != ref[i] {
                differing += 1
                maxUlps = max(maxUlps, UInt32(abs(Int64(t[i].bitPattern) - Int64(ref[i].bitPattern))))
            }
            print("image: \(differing) of \(ref.count) elements differ, max \(maxUlps) ulp")
            XCTAssertLessThanOrEqual(maxUlps, 1)
        }
    }

    // MARK: torch bicubic (A = −0.75, align_corners=False, no antialias, no clamp)

    func testTorchBicubicHandComputedUpsample() {
        // 1-D [0, 1] → 4 samples at source −0.25, 0.25, 0.75, 1.25. Keys A = −0.75 weights:
        // near(x) = (1.25x − 2.25)x² + 1, far(x) = −0.75(x³ − 5x² + 8x − 4):
        // out0 = far(1.25) = −0.10546875 (undershoot kept), out1 = near(0.75) + far(1.75) = 0.2265625.
        let expected: [Float] = [-0.10546875, 0.2265625, 0.7734375, 1.10546875]
        let src: [Float] = [0, 0, 1, 1]  // 2×2, rows 0 and 1
        var out = [Float](repeating: 0, count: 16)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { TorchBicubic.resize(s.baseAddress!, channels: 1, inH: 2, inW: 2, into: $0.baseAddress!, outH: 4, outW: 4) }
        }
        for y in 0..<4 { for x in 0..<4 { XCTAssertEqual(out[y * 4 + x], expected[y], accuracy: 1e-7, "(\(y),\(x))") } }
    }

    func testTorchBicubicDownsampleHasNoAntialias() {
        // 8 → 2: sources 1.5 and 5.5 (t = 0.5), taps 0…3 and 4…7 with weights
        // far(1.5) = −0.09375, near(0.5) = 0.59375. An impulse at 0 gives −0.09375, then 0:
        // the taps do not widen with the factor (an antialiased resize would spread it).
        var src = [Float](repeating: 0, count: 8); src[0] = 1
        var out = [Float](repeating: 0, count: 2)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { TorchBicubic.resize(s.baseAddress!, channels: 1, inH: 1, inW: 8, into: $0.baseAddress!, outH: 1, outW: 2) }
        }
        XCTAssertEqual(out[0], -0.09375, accuracy: 1e-7)
        XCTAssertEqual(out[1], 0)
        // A ramp stays a ramp (cubic convolution reproduces linear functions).
        let ramp = (0..<8).map(Float.init)
        ramp.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { TorchBicubic.resize(s.baseAddress!, channels: 1, inH: 1, inW: 8, into: $0.baseAddress!, outH: 1, outW: 2) }
        }
        XCTAssertEqual(out[0], 1.5, accuracy: 1e-6); XCTAssertEqual(out[1], 5.5, accuracy: 1e-6)
    }

    func testEvalTensorSquashesNonSquareImages() {
        let img = RGBImage(width: 64, height: 20, fill: (200, 100, 50))
        let t = ImageTransform.evalTensor(img, size: 32)
        XCTAssertEqual(t.shape, [1, 3, 32, 32])
        for c in 0..<3 {
            let v = ([200, 100, 50][c] / Float(255) - ImageTransform.mean[c]) / ImageTransform.std[c]
            for i in 0..<(32 * 32) { XCTAssertEqual(t[c * 1024 + i], v, accuracy: 1e-5) }
        }
    }

    // MARK: Pillow bicubic (antialiased, uint8) and the TIE test transform

    /// 11×7 test pattern; the expected bytes were produced by Pillow 13.0 `Image.resize(..., BICUBIC)`.
    static func pattern() -> RGBImage {
        var img = RGBImage(width: 11, height: 7)
        for y in 0..<7 { for x in 0..<11 {
            img.setPixel(x, y, (UInt8((x * 37 + y * 91) % 256), UInt8((x * x * 5 + y * 13) % 256), UInt8((x * y * 17) % 256)))
        } }
        return img
    }

    func testPillowBicubicMatchesPillowBytes() {
        let down: [UInt8] = [91, 12, 8, 130, 48, 36, 134, 140, 72, 100, 114, 81, 116, 117, 76, 114, 42, 35, 108, 78, 133, 125, 169, 158, 127, 103, 134, 116, 105, 147, 129, 72, 67, 111, 111, 157, 117, 169, 158, 123, 111, 144, 117, 140, 163]
        XCTAssertEqual(PillowResize.bicubic(Self.pattern(), width: 5, height: 3).pixels, down)
        let narrow: [UInt8] = [35, 6, 0, 143, 70, 0, 120, 172, 0, 67, 163, 0, 133, 19, 16, 173, 89, 61, 71, 110, 109, 169, 77, 154, 140, 32, 32, 54, 102, 126, 168, 123, 183, 82, 90, 60, 52, 45, 49, 160, 115, 184, 137, 136, 122, 84, 103, 199, 155, 58, 76, 102, 128, 109, 79, 149, 134, 187, 116, 112, 157, 71, 92, 71, 141, 176, 185, 162, 169, 99, 129, 166, 70, 84, 89, 168, 145, 150, 66, 87, 153, 106, 147, 157]
        XCTAssertEqual(PillowResize.bicubic(Self.pattern(), width: 4, height: 7).pixels, narrow)
        let up = PillowResize.bicubic(Self.pattern(), width: 13, height: 9)
        XCTAssertEqual(Array(up.pixels.prefix(27)), [0, 0, 0, 23, 2, 0, 56, 12, 0, 87, 29, 0, 117, 54, 0, 151, 85, 0, 193, 124, 0, 239, 170, 0, 59, 252, 0])
        XCTAssertEqual(Array(up.pixels.suffix(6)), [126, 202, 175, 153, 61, 255])
        // A constant image stays exactly constant.
        let flat = PillowResize.bicubic(RGBImage(width: 50, height: 30, fill: (7, 128, 250)), width: 17, height: 9)
        XCTAssertTrue(stride(from: 0, to: flat.pixels.count, by: 3).allSatisfy { flat.pixels[$0] == 7 && flat.pixels[$0 + 1] == 128 && flat.pixels[$0 + 2] == 250 })
    }

    func testBinaryMask() {
        // Left half white on a 40×20 mask → squashed to 10×10: columns 0–4 are 1, 5–9 are 0.
        var px = [UInt8](repeating: 0, count: 40 * 20)
        for y in 0..<20 { for x in 0..<20 { px[y * 40 + x] = 255 } }
        let m = ImageTransform.binaryMask(width: 40, height: 20, pixels: px, size: 10)
        XCTAssertEqual(m.count, 100)
        for y in 0..<10 { for x in 0..<10 { XCTAssertEqual(m[y * 10 + x], x < 5 ? 1 : 0, "(\(x),\(y))") } }
    }

    func testCentreCropRoundsHalfToEven() {
        func rows(_ h: Int) -> RGBImage {
            var img = RGBImage(width: 4, height: h)
            for y in 0..<h { for x in 0..<4 { img.setPixel(x, y, (UInt8(y), 0, 0)) } }
            return img
        }
        // (7 − 2)/2 = 2.5 → 2 (half to even); (9 − 2)/2 = 3.5 → 4.
        XCTAssertEqual(ImageTransform.centreCrop(rows(7), size: 2).pixel(0, 0).0, 2)
        XCTAssertEqual(ImageTransform.centreCrop(rows(9), size: 2).pixel(0, 0).0, 4)
        XCTAssertEqual(ImageTransform.centreCrop(rows(6), size: 2).pixel(0, 0).0, 2)
    }

    func testTieTransformOfRealJPEGs() throws {
        for sub in ["is3plus/image", "vggss/image"] {
            let folder = try SharedData.path("realdata/" + sub)
            let f = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jpg") }.sorted()[0]
            let img = try ImageFile.read(folder + "/" + f)
            let t0 = Date()
            let t = ImageTransform.tieTestTensor(img, size: 224)
            let ms = Date().timeIntervalSince(t0) * 1000
            let t1 = Date()
            let e = ImageTransform.evalTensor(img, size: 224)
            let msEval = Date().timeIntervalSince(t1) * 1000
            print("\(f) \(img.width)×\(img.height): tieTestTensor \(String(format: "%.1f", ms)) ms, evalTensor \(String(format: "%.1f", msEval)) ms")
            XCTAssertEqual(t.shape, [1, 3, 224, 224]); XCTAssertEqual(e.shape, [1, 3, 224, 224])
            XCTAssertTrue(t.array.allSatisfy(\.isFinite)); XCTAssertTrue(e.array.allSatisfy(\.isFinite))
            // The 8-bit fast path equals ToTensor followed by the float resize.
            let full = ImageTransform.toTensor(img)
            let ref = Tensor(shape: [1, 3, 224, 224])
            TorchBicubic.resize(full.data, channels: 3, inH: img.height, inW: img.width, into: ref.data, outH: 224, outW: 224)
            ImageTransform.normalise(ref)
            XCTAssertEqual(e.array, ref.array)
            // The tensor is the normalised 8-bit TIE image, which round-trips through the inverse.
            let back = ImageTransform.image(fromNormalised: t)
            XCTAssertEqual(back, ImageTransform.tieTestImage(img, size: 224))
        }
    }
}
