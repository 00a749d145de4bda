import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary file
/// in the same folder, are flushed, and the temporary file is renamed over the target; the folder
/// is then synced so the rename itself survives a power cut. Every file sslsan saves goes through
/// here, so the target checks (`FileCheck.replaceable`: the folder exists; an existing device
/// node, pipe or folder is refused rather than replaced) hold for all.
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
            syncFolder(dir.isEmpty ? "." : dir)
        } catch {
            unlink(tmp)
            throw error
        }
    }
}

extension AtomicFile {
    /// Whether `name` is one of the temporary files `write` / `writeVia` make (`.NAME.tmp-PID-N`):
    /// a process killed mid-write leaves one behind, and the folder's owner may remove it.
    public static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.contains(".tmp-") }

    /// fsync on the folder, so a rename in it is on disk (best effort: some file systems refuse).
    static func syncFolder(_ dir: String) {
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// An exclusive advisory lock (flock) on a file, held until the value is released: a second
/// process asking for it gets one line naming the holder's pid instead of waiting.
public final class FileLock: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    /// `purpose` completes "… is locked by process N" in the error (e.g. "the run folder").
    public init(_ path: String, purpose: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SSLSaNError("cannot create the lock file (\(String(cString: strerror(errno))))", file: path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, 31, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            throw SSLSaNError("\(purpose) is in use by another process (pid \(holder))", file: path)
        }
        self.fd = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit { close(fd) }  // closing the descriptor releases the lock
}
