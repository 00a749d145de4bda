import Foundation
import XCTest
@testable import Core

/// Checks against `train_step.safetensors`, whose inputs were made from real IS3+ files by the
/// PyTorch reference: `images_u8` is Pillow's resize + centre crop (SSL-TIE's test transform) and
/// `spec_pos` the full audio front end. Two of its four pairs are in ../shared/realdata.
final class ImageAudioGoldenBatchTests: XCTestCase {
    static let pairs = [(0, "accordion_child_10519_accordion"), (2, "accordion_penguin_10497_accordion")]

    func testTieTestImageMatchesReferenceBytes() throws {
        let st = try SafetensorsFile(path: try SharedData.path("golden/train_step.safetensors"))
        let u8 = try st.rawBytes("images_u8")  // (4, 3, 224, 224)
        for (n, id) in Self.pairs {
            let img = try ImageFile.read(try SharedData.path("realdata/is3plus/image/\(id).jpg"))
            let ours = ImageTransform.tieTestImage(img, size: 224)
            var differing = 0
            for c in 0..<3 { for i in 0..<(224 * 224) where ours.pixels[3 * i + c] != u8[((n * 3 + c) * 224 * 224) + i] { differing += 1 } }
            print("images_u8[\(n)] (\(id)): \(differing) of \(3 * 224 * 224) bytes differ")
            XCTAssertEqual(differing, 0)
        }
    }

    func testLogMelMatchesReferenceBatch() throws {
        let st = try SafetensorsFile(path: try SharedData.path("golden/train_step.safetensors"))
        let spec = try st.tensor("spec_pos")  // (4, 1, 257, 670)
        let mel = MelSpectrogram(config: .full)
        let plane = 257 * 670
        for (n, id) in Self.pairs {
            let clip = try AudioFile.read(try SharedData.path("realdata/is3plus/audio/\(id).wav"), sampleRate: 16000)
            let ours = mel.logMel(clip)
            var d = (0..<plane).map { abs(ours[$0] - spec[n * plane + $0]) }
            d.sort()
            print("spec_pos[\(n)] (\(id)): max |diff| \(d.last!) dB, 99.9 % \(d[Int(Double(plane) * 0.999)]) dB")
            XCTAssertLessThanOrEqual(d.last!, 0.05)
            XCTAssertLessThanOrEqual(d[Int(Double(plane) * 0.999)], 2e-3)
        }
    }
}
