import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary file
/// in the same folder, are flushed, and the temporary file is renamed over the target.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir.isEmpty ? "." : dir, isDirectory: &isDir) || !isDir.boolValue {
            throw SSLSaNError("folder does not exist", file: dir)
        }
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw SSLSaNError("cannot create a temporary file for writing", file: path)
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(tmp, path) != 0 {
                throw SSLSaNError("cannot rename the temporary file into place (errno \(errno))", file: path)
            }
        } catch {
            unlink(tmp)
            if let e = error as? SSLSaNError { throw e }
            throw SSLSaNError("write failed: \(error.localizedDescription)", file: path)
        }
    }

    /// Runs `body` with a temporary path beside `path`, then renames it into place. For writers
    /// that need a file name (libpng, libsndfile). The temporary file is removed on failure.
    public static func writeVia(_ path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = (dir.isEmpty ? "." : dir) + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try body(tmp)
            if rename(tmp, path) != 0 {
                throw SSLSaNError("cannot rename the temporary file into place (errno \(errno))", file: path)
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }
}
