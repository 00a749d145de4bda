import Foundation

/// The checks every reader and writer makes before touching a path, so that a missing file, a
/// folder, a named pipe or a device gives the same one-line error whatever the format.
///
/// Only regular files are read: `open(2)` on a FIFO blocks until a writer appears (forever, for
/// `--image f.png` on a pipe nobody writes), and a device such as `/dev/zero` streams without
/// end. Symbolic links are followed (a link to a regular file is fine). Writers refuse an
/// existing target that is not a regular file: `AtomicFile` renames a temporary file over the
/// target, which would replace a device node (as root, `/dev/null`) or a pipe by a plain file.
public enum FileCheck {
    /// What kind of non-regular thing `mode` describes, for error lines ("a named pipe (FIFO)").
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Why `path` cannot be read as a file, or nil when it is an existing, readable regular file.
    public static func problem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? "no such file" : "cannot read the file (\(String(cString: strerror(errno))))"
        }
        let type = st.st_mode & S_IFMT
        if type == S_IFDIR { return "is a folder, not a file" }
        if type != S_IFREG { return "is \(kind(st.st_mode)), not a regular file" }
        if access(path, R_OK) != 0 { return "file is not readable (permissions)" }
        return nil
    }

    /// Throws the one-line error of `problem(path)`.
    public static func readable(_ path: String) throws {
        if let p = problem(path) { throw SSLSaNError(p, file: path) }
    }

    /// The first `count` bytes (fewer if the file is shorter). Errors on an empty file.
    static func head(_ path: String, count: Int) throws -> [UInt8] {
        try readable(path)
        guard let h = FileHandle(forReadingAtPath: path) else { throw SSLSaNError("cannot open the file", file: path) }
        defer { try? h.close() }
        let d = (try? h.read(upToCount: count)) ?? Data()
        if d.isEmpty { throw SSLSaNError("file is empty", file: path) }
        return [UInt8](d)
    }

    /// The whole file. Errors on an empty file.
    static func contents(_ path: String) throws -> Data {
        try readable(path)
        guard let d = FileManager.default.contents(atPath: path) else { throw SSLSaNError("cannot read the file", file: path) }
        if d.isEmpty { throw SSLSaNError("file is empty", file: path) }
        return d
    }

    /// Throws unless `path` can be written by replacing it: its folder exists, and the path is
    /// either absent or a regular file (a device node, pipe, socket or folder there is refused).
    public static func replaceable(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        var st = stat()
        if stat(dir.isEmpty ? "." : dir, &st) != 0 || st.st_mode & S_IFMT != S_IFDIR {
            throw SSLSaNError("the folder to write into does not exist", file: path)
        }
        guard stat(path, &st) == 0 else { return }
        let type = st.st_mode & S_IFMT
        if type != S_IFREG {
            throw SSLSaNError("refusing to replace \(kind(st.st_mode)) with a file (write to a regular file path)", file: path)
        }
    }
}
