import CTurboJPEG
import Foundation
import XCTest
@testable import Core

/// PNG colour types and JPEG colour spaces that real datasets contain, built here byte by byte
/// (PNG) or with TurboJPEG directly (JPEG), and decoded the way Pillow's `convert('RGB')` would.
final class ImageFormatTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try FrontEndFixtures.tempDir() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    // MARK: a minimal PNG encoder (stored deflate blocks), independent of libpng

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let td = Array(type.utf8) + data
        return be32(UInt32(data.count)) + td + be32(crc32(td))
    }

    /// `rows` are the raw scanlines without filter bytes.
    static func png(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]], extra: [[UInt8]] = []) -> Data {
        var raw = [UInt8]()
        for r in rows { raw.append(0); raw += r }
        var z: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, raw.count - i)
            let last: UInt8 = i + n >= raw.count ? 1 : 0
            z += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            z += raw[i..<(i + n)]
            i += n
        } while i < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for v in raw { a = (a + UInt32(v)) % 65521; b = (b + a) % 65521 }
        z += be32(b << 16 | a)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0])
        for e in extra { out += e }
        out += chunk("IDAT", z) + chunk("IEND", [])
        return Data(out)
    }

    func save(_ name: String, _ d: Data) throws -> String {
        let p = dir + "/" + name
        try d.write(to: URL(fileURLWithPath: p))
        return p
    }

    func testPNGColourTypes() throws {
        // Gray 8-bit and gray+alpha: gray replicated, alpha dropped (not composited).
        let g = try save("g.png", Self.png(width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [[10, 200]]))
        XCTAssertEqual(try ImageFile.read(g).pixels, [10, 10, 10, 200, 200, 200])
        XCTAssertEqual(try PNGFile.readGray(g).pixels, [10, 200])
        let ga = try save("ga.png", Self.png(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[10, 0, 200, 128]]))
        XCTAssertEqual(try ImageFile.read(ga).pixels, [10, 10, 10, 200, 200, 200])
        // RGBA: alpha dropped.
        let rgba = try save("rgba.png", Self.png(width: 1, height: 2, bitDepth: 8, colorType: 6, rows: [[1, 2, 3, 0], [4, 5, 6, 255]]))
        XCTAssertEqual(try ImageFile.read(rgba).pixels, [1, 2, 3, 4, 5, 6])
        // 16-bit RGB and gray: the high byte.
        let rgb16 = try save("rgb16.png", Self.png(width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0x12, 0x34, 0xAB, 0xCD, 0xFF, 0xFF]]))
        XCTAssertEqual(try ImageFile.read(rgb16).pixels, [0x12, 0xAB, 0xFF])
        let g16 = try save("g16.png", Self.png(width: 1, height: 1, bitDepth: 16, colorType: 0, rows: [[0x80, 0x01]]))
        XCTAssertEqual(try PNGFile.readGray(g16).pixels, [0x80])
        // 1-bit gray: 0 → 0, 1 → 255.
        let bw = try save("bw.png", Self.png(width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000]]))
        XCTAssertEqual(try PNGFile.readGray(bw).pixels, [255, 0, 255])
        // Palette (2-bit) with a tRNS chunk: colours from the palette, transparency ignored;
        // as a mask, Pillow's luminance of the palette colour.
        let plte = Self.chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let trns = Self.chunk("tRNS", [0, 128])
        let pal = try save("p.png", Self.png(width: 3, height: 1, bitDepth: 2, colorType: 3, rows: [[0b0001_1000]], extra: [plte, trns]))
        XCTAssertEqual(try ImageFile.read(pal).pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255])
        XCTAssertEqual(try PNGFile.readGray(pal).pixels, [76, 150, 29])
        // A gAMA chunk changes nothing (no colour management, like Pillow).
        let gama = Self.chunk("gAMA", Self.be32(100_000))
        let gm = try save("gama.png", Self.png(width: 1, height: 1, bitDepth: 8, colorType: 2, rows: [[100, 150, 200]], extra: [gama]))
        XCTAssertEqual(try ImageFile.read(gm).pixels, [100, 150, 200])
        // A damaged CRC is corruption.
        var bad = [UInt8](Self.png(width: 1, height: 1, bitDepth: 8, colorType: 2, rows: [[1, 2, 3]]))
        bad[bad.count - 20] ^= 0xFF
        let badPath = try save("bad.png", Data(bad))
        XCTAssertThrowsError(try ImageFile.read(badPath)) { XCTAssertTrue("\($0)".contains("bad.png: corrupt"), "\($0)") }
    }

    func testJPEGGrayAndCMYK() throws {
        let w = 16, h = 8
        guard let tj = tjInitCompress() else { return XCTFail("tjInitCompress") }
        defer { tjDestroy(tj) }
        func encode(_ px: [UInt8], format: Int32, subsamp: Int32) throws -> String {
            var out: UnsafeMutablePointer<UInt8>? = nil
            var size: UInt = 0
            let rc = px.withUnsafeBufferPointer { tjCompress2(tj, $0.baseAddress, Int32(w), 0, Int32(h), format, &out, &size, subsamp, 100, 0) }
            XCTAssertEqual(rc, 0, String(cString: tjGetErrorStr2(tj)))
            defer { tjFree(out) }
            return try save("f\(format).jpg", Data(bytes: out!, count: Int(size)))
        }
        // Gray JPEG → gray replicated into RGB.
        let gray = (0..<(w * h)).map { UInt8(($0 * 2) % 256) }
        let gp = try encode(gray, format: sslsan_tjpf_gray(), subsamp: Int32(TJSAMP_GRAY.rawValue))
        let g = try ImageFile.read(gp)
        for i in 0..<(w * h) {
            XCTAssertEqual(g.pixels[3 * i], g.pixels[3 * i + 1]); XCTAssertEqual(g.pixels[3 * i], g.pixels[3 * i + 2])
            XCTAssertEqual(Double(g.pixels[3 * i]), Double(gray[i]), accuracy: 3)
        }
        // CMYK (TurboJPEG writes YCCK with the Adobe marker). Stored values are the inverted
        // ink amounts, so RGB = C'·K'/255: C' = 255, M' = 128, Y' = 0, K' = 200 → (200, 100, 0).
        var cmyk = [UInt8]()
        for _ in 0..<(w * h) { cmyk += [255, 128, 0, 200] }
        let cp = try encode(cmyk, format: sslsan_tjpf_cmyk(), subsamp: sslsan_tjsamp_444())
        let c = try ImageFile.read(cp)
        XCTAssertEqual(Double(c.pixels[0]), 200, accuracy: 3)
        XCTAssertEqual(Double(c.pixels[1]), 100, accuracy: 3)
        XCTAssertEqual(Double(c.pixels[2]), 0, accuracy: 3)
    }
}
