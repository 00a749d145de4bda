import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary file
/// in the same folder, are flushed, and the temporary file is renamed over the target. Every
/// file sslsan saves goes through here, so the target checks (`FileCheck.replaceable`: the folder
/// exists; an existing device node, pipe or folder is refused rather than replaced) hold for all.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try writeVia(path) { tmp in
            guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
                throw SSLSaNError("cannot create a temporary file for writing", file: path)
            }
            do {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
                defer { try? handle.close() }
                try handle.write(contentsOf: data)
                try handle.synchronize()
            } catch {
                throw SSLSaNError("write failed: \(error.localizedDescription)", file: path)
            }
        }
    }

    /// Runs `body` with a temporary path beside `path`, then renames it into place. For writers
    /// that need a file name (libpng, libsndfile). The temporary file is removed on failure.
    public static func writeVia(_ path: String, _ body: (String) throws -> Void) throws {
        try FileCheck.replaceable(path)
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = (dir.isEmpty ? "." : dir) + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try body(tmp)
            // Checked again just before the rename: the target may have appeared meanwhile.
            try FileCheck.replaceable(path)
            if rename(tmp, path) != 0 {
                throw SSLSaNError("cannot rename the temporary file into place (\(String(cString: strerror(errno))))", file: path)
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }
}
