import Foundation

/// A training run's folder, owned by one process at a time: `Trainer` locks it (flock on
/// `.lock`) for the whole run, removes the temporary files a killed save left behind, and refuses
/// a fresh run into a folder that already holds one (`--resume` continues it instead).
public final class RunFolder: @unchecked Sendable {
    public let path: String
    /// Whether this run created the folder (an abandoned run removes it again, see `discardIfUntouched`).
    public let created: Bool
    private var lock: FileLock?

    public static let lockName = ".lock"
    /// The files that make a folder "a run": a fresh run must not overwrite them.
    public static let runFiles = ["last.safetensors", "best.safetensors", "log.jsonl", "last.optim.safetensors"]

    public var logPath: String { path + "/log.jsonl" }
    public var lastPath: String { path + "/last.safetensors" }
    public var bestPath: String { path + "/best.safetensors" }

    public init(_ path: String, resume: Bool) throws {
        self.path = path
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SSLSaNError("the run folder is not a folder", file: path) }
            created = false
        } else {
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw SSLSaNError("cannot create the run folder", file: path)
            }
            created = true
        }
        lock = try FileLock(path + "/" + Self.lockName, purpose: "the run folder")
        // Only this process writes here now: temporary files are leftovers of a killed save.
        for name in (try? fm.contentsOfDirectory(atPath: path)) ?? [] where AtomicFile.isTemporary(name) {
            try? fm.removeItem(atPath: path + "/" + name)
        }
        if !resume, let f = existingRunFiles.first {
            lock = nil
            throw SSLSaNError("the run folder already holds a run (\(f)); continue it with --resume or choose another --out", file: path)
        }
    }

    /// Run files present (an empty log counts as absent).
    public var existingRunFiles: [String] {
        Self.runFiles.filter { name in
            let p = path + "/" + name
            guard let a = try? FileManager.default.attributesOfItem(atPath: p) else { return false }
            return name != "log.jsonl" || ((a[.size] as? NSNumber)?.intValue ?? 0) > 0
        }
    }

    /// A fresh run that stopped before its first step leaves nothing behind: its log, its lock
    /// and, when it created the folder and nothing else is in it, the folder.
    public func discardIfUntouched() {
        let fm = FileManager.default
        for name in ["log.jsonl", Self.lockName] { try? fm.removeItem(atPath: path + "/" + name) }
        lock = nil
        if created, (try? fm.contentsOfDirectory(atPath: path))?.isEmpty == true { try? fm.removeItem(atPath: path) }
    }

    /// Releases the lock (also on deinit).
    public func close() { lock = nil }
}

/// `log.jsonl`: one JSON object per line. Each line goes to the file in one `write(2)`; when the
/// disk is full (or any write fails) the file is cut back to where the line started, so the log
/// only ever holds whole lines, and the error is one line naming the log. Opening a log for
/// appending first cuts off a partial last line (left by a crash of an older sslsan).
public final class TrainingLog: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    /// Read-write: the partial-line repair reads the end of the file.
    public init(path: String, append: Bool) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC), 0o644)
        guard fd >= 0 else { throw SSLSaNError("cannot write the log (\(String(cString: strerror(errno))))", file: path) }
        self.fd = fd
        if append { Self.cutPartialLine(fd: fd) }
    }

    deinit { close(fd) }

    /// Truncates after the last newline when the file does not end with one.
    static func cutPartialLine(fd: Int32) {
        var size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        var byte: UInt8 = 0
        guard pread(fd, &byte, 1, size - 1) == 1, byte != 0x0A else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while size > 0 {
            let start = max(0, size - off_t(chunk.count))
            let n = pread(fd, &chunk, Int(size - start), start)
            guard n > 0 else { return }
            if let i = chunk[0..<n].lastIndex(of: 0x0A) { _ = ftruncate(fd, start + off_t(i) + 1); return }
            size = start
        }
        _ = ftruncate(fd, 0)
    }

    /// The run id in the log's first line (the start record), if any.
    public static func runID(_ path: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 1 << 16), let nl = head.firstIndex(of: 0x0A),
              let obj = try? JSONSerialization.jsonObject(with: head[head.startIndex..<nl]) as? [String: Any] else { return nil }
        return obj["run"] as? String
    }

    /// Appends `object` as one line.
    public func write(_ object: [String: Any]) throws {
        guard var d = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        d.append(0x0A)
        try append(d)
    }

    func append(_ line: Data) throws {
        let start = lseek(fd, 0, SEEK_END)
        var done = 0
        var failure: Int32 = 0
        line.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                failure = n < 0 ? errno : ENOSPC
                return
            }
        }
        if failure != 0 {
            _ = ftruncate(fd, start)
            throw SSLSaNError("cannot write the log (\(String(cString: strerror(failure))))", file: path)
        }
    }
}
