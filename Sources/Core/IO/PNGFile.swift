import CPNG
import Foundation

/// PNG reading and writing through libpng (low-level API, wrapped in `Sources/CPNG/shim.h`).
///
/// Decoding follows Pillow's `Image.open(p).convert('RGB')`, which is what the reference
/// data loaders do: stored 8-bit values are kept as they are (no gAMA/sRGB/iCCP colour
/// management), 16-bit samples keep their high byte, palettes are expanded, gray is replicated
/// to three channels, and alpha (an alpha channel or a tRNS chunk) is dropped, not composited.
public enum PNGFile {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes the PNG at `path` into an 8-bit RGB image.
    public static func read(_ path: String) throws -> RGBImage {
        let d = try decode(path)
        return RGBImage(width: d.width, height: d.height, pixels: d.rgb)
    }

    /// Reads a mask (or any PNG) as 8-bit luminance. Gray files give their stored values exactly;
    /// colour and palette files are converted with Pillow's `convert('L')` formula
    /// (ITU-R 601-2: L = (19595 R + 38470 G + 7471 B + 2^15) >> 16).
    public static func readGray(_ path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let d = try decode(path)
        let n = d.width * d.height
        var out = [UInt8](repeating: 0, count: n)
        d.rgb.withUnsafeBufferPointer { p in
            if d.isColor {
                for i in 0..<n {
                    let r = UInt32(p[3 * i]), g = UInt32(p[3 * i + 1]), b = UInt32(p[3 * i + 2])
                    out[i] = UInt8((19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16)
                }
            } else {
                for i in 0..<n { out[i] = p[3 * i] }
            }
        }
        return (d.width, d.height, out)
    }

    /// Writes an 8-bit RGB PNG atomically (temporary file, then rename).
    public static func write(_ image: RGBImage, to path: String) throws {
        try write8(width: image.width, height: image.height, channels: 3, pixels: image.pixels, to: path)
    }

    /// Writes an 8-bit grayscale PNG atomically (masks, maps). `pixels` is row-major, one byte each.
    public static func writeGray(width: Int, height: Int, pixels: [UInt8], to path: String) throws {
        guard pixels.count == width * height else {
            throw SSLSaNError("gray PNG needs \(width * height) pixels for \(width)×\(height), got \(pixels.count)", file: path)
        }
        try write8(width: width, height: height, channels: 1, pixels: pixels, to: path)
    }

    // MARK: - internals

    struct Decoded { var width: Int; var height: Int; var rgb: [UInt8]; var isColor: Bool }

    static func decode(_ path: String) throws -> Decoded {
        let head = try FileCheck.head(path, count: 8)
        guard head == signature else { throw SSLSaNError("not a PNG file", file: path) }
        var w: Int32 = 0, h: Int32 = 0, color: Int32 = 0
        var msg = [CChar](repeating: 0, count: 256)
        guard let buf = sslsan_png_read_rgb8(path, &w, &h, &color, &msg, Int32(msg.count)) else {
            throw SSLSaNError(cString(msg), file: path)
        }
        defer { sslsan_png_free(buf) }
        let n = Int(w) * Int(h) * 3
        return Decoded(width: Int(w), height: Int(h), rgb: Array(UnsafeBufferPointer(start: buf, count: n)), isColor: color != 0)
    }

    static func write8(width: Int, height: Int, channels: Int, pixels: [UInt8], to path: String) throws {
        guard width > 0, height > 0, width <= 1 << 20, height <= 1 << 20 else {
            throw SSLSaNError("cannot write a \(width)×\(height) PNG", file: path)
        }
        try AtomicFile.writeVia(path) { tmp in
            var msg = [CChar](repeating: 0, count: 256)
            let rc = pixels.withUnsafeBufferPointer { p in
                sslsan_png_write8(tmp, Int32(width), Int32(height), Int32(channels), p.baseAddress, &msg, Int32(msg.count))
            }
            if rc != 0 { throw SSLSaNError(cString(msg), file: path) }
        }
    }

    /// A NUL-terminated C buffer as a String (the non-deprecated way).
    static func cString(_ buf: [CChar]) -> String {
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
