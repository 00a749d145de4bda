import Foundation

/// Reads an image file whatever its format, chosen by content (magic bytes), not by extension:
/// datasets contain `.jpg` files that are PNGs and vice versa.
public enum ImageFile {
    public static func read(_ path: String) throws -> RGBImage {
        try FileCheck.readable(path)
        let head = try FileCheck.head(path, count: 8)
        if head.count >= 8, head == PNGFile.signature { return try PNGFile.read(path) }
        if head.count >= 3, Array(head.prefix(3)) == JPEGFile.signature { return try JPEGFile.read(path) }
        throw SSLSaNError("not a PNG or JPEG image (unrecognised content)", file: path)
    }
}

/// First checks shared by every reader, so that a missing file, a folder or an empty file gives
/// the same one-line error whatever the format.
enum FileCheck {
    static func readable(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SSLSaNError("no such file", file: path)
        }
        if isDir.boolValue { throw SSLSaNError("is a folder, not a file", file: path) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw SSLSaNError("file is not readable (permissions)", file: path)
        }
    }

    /// The first `count` bytes (fewer if the file is shorter). Errors on an empty file.
    static func head(_ path: String, count: Int) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw SSLSaNError("cannot open the file", file: path) }
        defer { try? h.close() }
        let d = (try? h.read(upToCount: count)) ?? Data()
        if d.isEmpty { throw SSLSaNError("file is empty", file: path) }
        return [UInt8](d)
    }

    static func contents(_ path: String) throws -> Data {
        try readable(path)
        guard let d = FileManager.default.contents(atPath: path) else { throw SSLSaNError("cannot read the file", file: path) }
        if d.isEmpty { throw SSLSaNError("file is empty", file: path) }
        return d
    }
}
