import Foundation
import XCTest
@testable import Core

/// Fixtures shared by the front-end tests (namespaced so they cannot clash with other suites).
enum FrontEndFixtures {
    /// A scratch folder; each test removes it in tearDown.
    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "sslsan-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Hand-written RIFF/WAVE PCM16 writer, so the tests can make multi-channel and odd-rate files
    /// without going through the code under test.
    static func writeWAV(_ path: String, channels: [[Float]], sampleRate: Int) throws {
        let n = channels[0].count, c = channels.count
        var b = [UInt8]()
        func u32(_ v: Int) { for k in 0..<4 { b.append(UInt8((v >> (8 * k)) & 0xFF)) } }
        func u16(_ v: Int) { for k in 0..<2 { b.append(UInt8((v >> (8 * k)) & 0xFF)) } }
        b += Array("RIFF".utf8); u32(36 + n * c * 2); b += Array("WAVE".utf8)
        b += Array("fmt ".utf8); u32(16); u16(1); u16(c); u32(sampleRate); u32(sampleRate * c * 2); u16(c * 2); u16(16)
        b += Array("data".utf8); u32(n * c * 2)
        for t in 0..<n { for ch in 0..<c { u16(Int(Int16(max(-32768, min(32767, (channels[ch][t] * 32768).rounded()))))) } }
        try Data(b).write(to: URL(fileURLWithPath: path))
    }
}

final class FileIOTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try FrontEndFixtures.tempDir() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testPNGRoundTripRGBAndGray() throws {
        var img = RGBImage(width: 7, height: 5)
        for i in 0..<img.pixels.count { img.pixels[i] = UInt8((i * 37) % 256) }
        let p = dir + "/a.png"
        try PNGFile.write(img, to: p)
        XCTAssertEqual(try PNGFile.read(p), img)
        XCTAssertEqual(try ImageFile.read(p), img)
        let gray = (0..<35).map { UInt8($0 * 7) }
        let g = dir + "/g.png"
        try PNGFile.writeGray(width: 7, height: 5, pixels: gray, to: g)
        let back = try PNGFile.readGray(g)
        XCTAssertEqual(back.width, 7); XCTAssertEqual(back.height, 5); XCTAssertEqual(back.pixels, gray)
        // A gray PNG read as RGB replicates the value.
        let rgb = try ImageFile.read(g)
        XCTAssertEqual(rgb.pixel(3, 2).0, gray[2 * 7 + 3]); XCTAssertEqual(rgb.pixel(3, 2).2, gray[2 * 7 + 3])
        // An RGB PNG read as gray uses Pillow's convert('L').
        let l = try PNGFile.readGray(p)
        let (r, gg, bb) = img.pixel(1, 1)
        let lum: UInt32 = 19595 * UInt32(r) + 38470 * UInt32(gg) + 7471 * UInt32(bb) + 0x8000
        XCTAssertEqual(l.pixels[1 * 7 + 1], UInt8(lum >> 16))
        // No temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["a.png", "g.png"])
    }

    func testGoldenPNGAndRealJPEG() throws {
        let png = try ImageFile.read(try SharedData.path("golden/input.png"))
        XCTAssertEqual(png.width, 224); XCTAssertEqual(png.height, 224)
        let folder = try SharedData.path("realdata/is3plus/image")
        let jpgs = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jpg") }.sorted()
        XCTAssertFalse(jpgs.isEmpty)
        let img = try ImageFile.read(folder + "/" + jpgs[0])
        XCTAssertGreaterThan(img.width, 0); XCTAssertGreaterThan(img.height, 0)
    }

    func testJPEGRoundTrip() throws {
        var img = RGBImage(width: 32, height: 24)
        for y in 0..<24 { for x in 0..<32 { img.setPixel(x, y, (UInt8(x * 8), UInt8(y * 10), 128)) } }
        let p = dir + "/a.jpg"
        try JPEGFile.write(img, to: p, quality: 95)
        let back = try ImageFile.read(p)
        XCTAssertEqual(back.width, 32); XCTAssertEqual(back.height, 24)
        var maxDiff = 0
        for i in 0..<img.pixels.count { maxDiff = max(maxDiff, abs(Int(img.pixels[i]) - Int(back.pixels[i]))) }
        XCTAssertLessThan(maxDiff, 12)
        // Content, not extension, decides: a PNG named .jpg is read as PNG.
        let disguised = dir + "/really-png.jpg"
        try PNGFile.write(img, to: disguised)
        XCTAssertEqual(try ImageFile.read(disguised), img)
    }

    func testImageErrorsNameFileAndProblem() throws {
        func expect(_ path: String, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try ImageFile.read(path), file: file, line: line) { e in
                guard let s = e as? SSLSaNError else { return XCTFail("\(e)", file: file, line: line) }
                XCTAssertEqual(s.file, path, file: file, line: line)
                XCTAssertTrue(s.description.contains(words), "\(s)", file: file, line: line)
                XCTAssertFalse(s.description.contains("\n"), file: file, line: line)
            }
        }
        expect(dir + "/missing.png", "no such file")
        _ = FileManager.default.createFile(atPath: dir + "/empty.png", contents: Data())
        expect(dir + "/empty.png", "empty")
        try Data("hello, not an image".utf8).write(to: URL(fileURLWithPath: dir + "/text.png"))
        expect(dir + "/text.png", "not a PNG or JPEG")
        var img = RGBImage(width: 64, height: 64)
        for i in 0..<img.pixels.count { img.pixels[i] = UInt8.random(in: 0...255) }
        try PNGFile.write(img, to: dir + "/full.png")
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/full.png"))
        try png.prefix(png.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.png"))
        expect(dir + "/cut.png", "PNG")
        try JPEGFile.write(img, to: dir + "/full.jpg")
        let jpg = try Data(contentsOf: URL(fileURLWithPath: dir + "/full.jpg"))
        try jpg.prefix(jpg.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.jpg"))
        expect(dir + "/cut.jpg", "truncated JPEG")
        try jpg.prefix(40).write(to: URL(fileURLWithPath: dir + "/head.jpg"))
        expect(dir + "/head.jpg", "JPEG")
        XCTAssertThrowsError(try PNGFile.write(img, to: dir + "/no/such/folder/x.png"))
    }

    func testWAVRoundTripPCM16AndFloat() throws {
        let x: [Float] = (0..<1000).map { Float(Int(sin(Double($0) * 0.05) * 20000)) / 32768 }
        let p = dir + "/a.wav"
        try WAVFile.write(AudioClip(samples: x, sampleRate: 16000), to: p)
        let back = try AudioFile.read(p, sampleRate: 16000)
        XCTAssertEqual(back.samples, x)  // PCM16 values survive exactly
        XCTAssertEqual(back.sampleRate, 16000)
        let y: [Float] = (0..<500).map { Float($0) * 1e-3 - 0.2 }
        try WAVFile.write(AudioClip(samples: y, sampleRate: 8000), to: p, encoding: .float32)
        XCTAssertEqual(try AudioFile.read(p, sampleRate: 8000).samples, y)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.wav"])
    }

    func testStereoTakesChannelZeroOrMixdown() throws {
        let a: [Float] = (0..<800).map { Float($0 % 100) / 256 }
        let b: [Float] = (0..<800).map { -Float($0 % 50) / 256 }
        let p = dir + "/stereo.wav"
        try FrontEndFixtures.writeWAV(p, channels: [a, b], sampleRate: 16000)
        XCTAssertEqual(try AudioFile.read(p, sampleRate: 16000).samples, a)
        let m = try AudioFile.read(p, sampleRate: 16000, mixdown: true).samples
        for i in 0..<800 { XCTAssertEqual(m[i], (a[i] + b[i]) / 2, accuracy: 1e-7) }
    }

    func testResampling44kTo16k() throws {
        let sr = 44100, n = 2 * sr
        let sine: [Float] = (0..<n).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / Double(sr))) }
        let p = dir + "/44k.wav"
        try FrontEndFixtures.writeWAV(p, channels: [sine, [Float](repeating: 0, count: n)], sampleRate: sr)
        let clip = try AudioFile.read(p, sampleRate: 16000)
        XCTAssertEqual(clip.sampleRate, 16000)
        XCTAssertEqual(clip.samples.count, 32000)
        // Away from the edges the result is the same 440 Hz sine sampled at 16 kHz.
        var maxErr: Float = 0
        for t in 1000..<31000 {
            let ref = Float(0.5 * sin(2 * Double.pi * 440 * Double(t) / 16000))
            maxErr = max(maxErr, abs(clip.samples[t] - ref))
        }
        XCTAssertLessThan(maxErr, 2e-3)
    }

    func testAudioErrors() throws {
        func expect(_ path: String, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try AudioFile.read(path, sampleRate: 16000), file: file, line: line) { e in
                guard let s = e as? SSLSaNError else { return XCTFail("\(e)", file: file, line: line) }
                XCTAssertEqual(s.file, path, file: file, line: line)
                XCTAssertTrue(s.description.contains(words), "\(s)", file: file, line: line)
            }
        }
        expect(dir + "/missing.wav", "no such file")
        try Data("definitely not audio, just some text bytes".utf8).write(to: URL(fileURLWithPath: dir + "/t.wav"))
        expect(dir + "/t.wav", "not a readable audio file")
        let p = dir + "/full.wav"
        try FrontEndFixtures.writeWAV(p, channels: [(0..<4000).map { Float($0 % 7) / 10 }], sampleRate: 16000)
        let d = try Data(contentsOf: URL(fileURLWithPath: p))
        try d.prefix(d.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.wav"))
        expect(dir + "/cut.wav", "truncated")
        try FrontEndFixtures.writeWAV(dir + "/empty.wav", channels: [[]], sampleRate: 16000)
        expect(dir + "/empty.wav", "empty")
        try WAVFile.write(AudioClip(samples: [Float](repeating: .nan, count: 100), sampleRate: 16000), to: dir + "/nan.wav", encoding: .float32)
        expect(dir + "/nan.wav", "NaN")
        XCTAssertThrowsError(try WAVFile.write(AudioClip(samples: [], sampleRate: 16000), to: dir + "/e.wav"))
        // A header announcing zero channels.
        var z = [UInt8](try Data(contentsOf: URL(fileURLWithPath: p)))
        z[22] = 0; z[23] = 0
        try Data(z).write(to: URL(fileURLWithPath: dir + "/zero.wav"))
        XCTAssertThrowsError(try AudioFile.read(dir + "/zero.wav", sampleRate: 16000)) { e in
            XCTAssertEqual((e as? SSLSaNError)?.file, self.dir + "/zero.wav", "\(e)")
        }
    }
}
