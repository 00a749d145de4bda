import Foundation

extension GroundTruthMap {
    /// The 224² ground truth of a sample: its mask when it has one (the paper's choice for IS3,
    /// IS3+ and S4; SPEC A7), else the union of its boxes, else nil.
    ///
    /// Masks are read as 8-bit grey and resized the way Pillow's `Image.resize` would for the
    /// file's mode: nearest for 1-bit and palette PNGs, bicubic otherwise (grey/RGB PNG, JPEG).
    public static func load(for sample: Sample) throws -> GroundTruthMap? {
        if let m = sample.maskPath { return try mask(at: m) }
        if !sample.boxes.isEmpty { return boxes(sample.boxes, convention: sample.boxConvention) }
        return nil
    }

    /// Reads a mask image (PNG or JPEG) into a 224² ground truth.
    public static func mask(at path: String) throws -> GroundTruthMap {
        let header = Self.pngHeader(path)
        if let h = header {
            let g = try PNGFile.readGray(path)
            // Colour type 3 = palette ('P'); grey at bit depth 1 = mode '1'.
            let nearest = h.colorType == 3 || (h.colorType == 0 && h.bitDepth == 1)
            return mask(width: g.width, height: g.height, values: g.pixels, resample: nearest ? .nearest : .bicubic)
        }
        let img = try ImageFile.read(path)
        var grey = [UInt8](repeating: 0, count: img.width * img.height)
        for i in 0..<grey.count {   // Pillow's convert('L'), ITU-R 601-2
            let r = UInt32(img.pixels[3 * i]), g = UInt32(img.pixels[3 * i + 1]), b = UInt32(img.pixels[3 * i + 2])
            grey[i] = UInt8((19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16)
        }
        return mask(width: img.width, height: img.height, values: grey, resample: .bicubic)
    }

    /// Bit depth and colour type from a PNG's IHDR (nil when the file is not a PNG).
    static func pngHeader(_ path: String) -> (bitDepth: UInt8, colorType: UInt8)? {
        // FileCheck.head refuses a pipe or device (which would block or never end).
        guard let b = try? FileCheck.head(path, count: 26), b.count == 26 else { return nil }
        guard b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        return (b[24], b[25])
    }
}
