import Foundation

/// Reads an image file whatever its format, chosen by content (magic bytes), not by extension:
/// datasets contain `.jpg` files that are PNGs and vice versa.
public enum ImageFile {
    public static func read(_ path: String) throws -> RGBImage {
        let head = try FileCheck.head(path, count: 8)
        if head.count >= 8, head == PNGFile.signature { return try PNGFile.read(path) }
        if head.count >= 3, Array(head.prefix(3)) == JPEGFile.signature { return try JPEGFile.read(path) }
        throw SSLSaNError("not a PNG or JPEG image (unrecognised content)", file: path)
    }
}
