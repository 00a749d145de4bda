import CTurboJPEG
import Foundation

/// JPEG decoding and encoding through TurboJPEG (2.x API: tjInitDecompress, tjDecompressHeader3,
/// tjDecompress2).
///
/// TurboJPEG's defaults (accurate integer IDCT, fancy upsampling) are the same as Pillow's, so
/// with the same libjpeg-turbo the decoded RGB bytes equal `Image.open(p).convert('RGB')`.
/// Grayscale JPEGs are decoded straight to RGB (gray replicated). CMYK/YCCK JPEGs cannot be
/// decoded to RGB by libjpeg; they are decoded to CMYK and converted like Pillow does for the
/// usual Adobe (inverted) CMYK: R = C'·K'/255 with Pillow's rounding, where C', K' are the stored
/// (inverted) values.
public enum JPEGFile {
    static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    public static func read(_ path: String) throws -> RGBImage {
        try decode(try FileCheck.contents(path), file: path)
    }

    /// Decodes JPEG bytes. `file` only names the source in errors.
    public static func decode(_ data: Data, file: String? = nil) throws -> RGBImage {
        guard data.count >= 3, [UInt8](data.prefix(3)) == signature else { throw SSLSaNError("not a JPEG file", file: file) }
        guard let tj = tjInitDecompress() else { throw SSLSaNError("cannot initialise TurboJPEG", file: file) }
        defer { tjDestroy(tj) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            let src = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let size = UInt(raw.count)
            var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
            if tjDecompressHeader3(tj, src, size, &w, &h, &subsamp, &colorspace) != 0 {
                throw SSLSaNError("corrupt JPEG header (\(errorString(tj)))", file: file)
            }
            guard w > 0, h > 0, Int(w) * Int(h) <= 1 << 28 else {
                throw SSLSaNError("unsupported JPEG size \(w)×\(h)", file: file)
            }
            let n = Int(w) * Int(h)
            if colorspace == sslsan_tjcs_cmyk() || colorspace == sslsan_tjcs_ycck() {
                var cmyk = [UInt8](repeating: 0, count: n * 4)
                let rc = tjDecompress2(tj, src, size, &cmyk, w, 0, h, sslsan_tjpf_cmyk(), 0)
                try check(rc, tj, file)
                var rgb = [UInt8](repeating: 0, count: n * 3)
                for i in 0..<n {
                    let k = UInt32(cmyk[4 * i + 3])
                    for c in 0..<3 { rgb[3 * i + c] = mulDiv255(UInt32(cmyk[4 * i + c]), k) }
                }
                return RGBImage(width: Int(w), height: Int(h), pixels: rgb)
            }
            var rgb = [UInt8](repeating: 0, count: n * 3)
            let rc = tjDecompress2(tj, src, size, &rgb, w, 0, h, sslsan_tjpf_rgb(), 0)
            try check(rc, tj, file)
            return RGBImage(width: Int(w), height: Int(h), pixels: rgb)
        }
    }

    /// Encodes an RGB image as a baseline JPEG (4:2:0 below quality 90, else 4:4:4), atomically.
    /// Used for test fixtures and exports; the engine itself only reads JPEG.
    public static func write(_ image: RGBImage, to path: String, quality: Int = 90) throws {
        guard let tj = tjInitCompress() else { throw SSLSaNError("cannot initialise TurboJPEG", file: path) }
        defer { tjDestroy(tj) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var outSize: UInt = 0
        let subsamp: Int32 = quality >= 90 ? sslsan_tjsamp_444() : sslsan_tjsamp_420()
        let rc = image.pixels.withUnsafeBufferPointer { p in
            tjCompress2(tj, p.baseAddress, Int32(image.width), 0, Int32(image.height), sslsan_tjpf_rgb(),
                        &out, &outSize, subsamp, Int32(max(1, min(100, quality))), 0)
        }
        defer { if let o = out { tjFree(o) } }
        guard rc == 0, let o = out else { throw SSLSaNError("JPEG encoding failed (\(errorString(tj)))", file: path) }
        try AtomicFile.write(Data(bytes: o, count: Int(outSize)), to: path)
    }

    // MARK: - internals

    /// TurboJPEG returns -1 for warnings too. Libjpeg warnings about stray bytes are tolerated
    /// (Pillow tolerates them), but a premature end of data is a truncated file.
    static func check(_ rc: Int32, _ tj: tjhandle, _ file: String?) throws {
        guard rc != 0 else { return }
        let msg = errorString(tj)
        if tjGetErrorCode(tj) == sslsan_tjerr_warning() && !msg.lowercased().contains("premature end") { return }
        let kind = msg.lowercased().contains("premature end") ? "truncated JPEG" : "corrupt JPEG"
        throw SSLSaNError("\(kind) (\(msg))", file: file)
    }

    static func errorString(_ tj: tjhandle) -> String {
        guard let s = tjGetErrorStr2(tj) else { return "unknown error" }
        return String(cString: s)
    }

    /// Pillow's MULDIV255: round(a·b/255) in integers.
    @inline(__always) static func mulDiv255(_ a: UInt32, _ b: UInt32) -> UInt8 {
        let t = a * b + 128
        return UInt8(((t >> 8) + t) >> 8)
    }
}
