import Foundation

/// Embeddings on disk, so that re-running `eval` (at another threshold, or another shard after
/// this one) or reopening the explorer encodes nothing it encoded before.
///
/// Layout: `<directory>/<model fingerprint>/<key>.emb`, one file per embedding. The model folder
/// is `LocalisationModel.fingerprint()` (weights + config + front-end version), the key is the input
/// file's XXH64 content hash and size (`img-…`, `aud-…`) or the negative's name (`silence`,
/// `noise-<seed>`). Changing a file's bytes or any weight therefore misses; stale entries are
/// never read (delete the folder to reclaim the space). A file is 24 + 4·rank header bytes then
/// float32 little-endian values; its header holds the values' XXH64, so a torn or corrupt entry
/// reads as a miss and is rewritten. Entries are written to a temporary name and renamed (no
/// fsync: a lost entry is only a miss). Size: v̂ is C·h·w floats (full model 512·14·14: 392 KiB per
/// image), â 2 KiB per clip; VGG-SS's 5 158 pairs take about 2 GB.
///
/// Where: `--cache-dir`, else `$SSLSAN_CACHE_DIR`, else `$XDG_CACHE_HOME/sslsan/embeddings`, else
/// `~/.cache/sslsan/embeddings`. `--no-cache` (or `SSLSAN_CACHE_DIR=off`) turns it off.
public final class EmbeddingCache: @unchecked Sendable {
    /// Bumped whenever a front end (decoding, resampling, transforms, log-mel, negatives)
    /// changes what an embedding of the same bytes and weights is.
    public static let frontEndVersion = 1

    public let directory: String
    private let lock = NSLock()
    private var hitCount = 0, missCount = 0, writeFailures = 0

    public init(directory: String) throws {
        self.directory = directory
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw SSLSaNError("cannot create the embedding cache folder (\(error.localizedDescription)); use --cache-dir or --no-cache", file: directory)
        }
    }

    /// The documented default folder, or nil when the environment turns the cache off.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let d = environment["SSLSAN_CACHE_DIR"], !d.isEmpty { return d == "off" ? nil : d }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/sslsan/embeddings" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/sslsan/embeddings"
    }

    /// Hits, misses and failed writes since this cache was opened.
    public var statistics: (hits: Int, misses: Int, writeFailures: Int) {
        lock.lock(); defer { lock.unlock() }
        return (hitCount, missCount, writeFailures)
    }

    /// Key of an input file: its content hash and size. Reads the file (regular files only).
    public static func fileKey(_ path: String, kind: String) throws -> String {
        let data = try FileCheck.contents(path)
        return "\(kind)-\(ContentHash.hex(ContentHash.xxh64(data)))-\(data.count)"
    }

    private func path(model: String, key: String) -> String { "\(directory)/\(model)-fe\(Self.frontEndVersion)/\(key).emb" }

    private static let magic: UInt32 = 0x454C_5353  // "SSLE"

    /// The stored tensor, or nil (miss, or an entry that does not check out).
    public func load(model: String, key: String) -> Tensor? {
        let t = read(path(model: model, key: key))
        lock.lock(); if t == nil { missCount += 1 } else { hitCount += 1 }; lock.unlock()
        return t
    }

    private func read(_ p: String) -> Tensor? {
        guard let d = FileManager.default.contents(atPath: p), d.count >= 24 else { return nil }
        return d.withUnsafeBytes { raw -> Tensor? in
            func u32(_ o: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))) }
            guard UInt32(u32(0)) == Self.magic, u32(4) == 1 else { return nil }
            let rank = u32(8)
            guard rank >= 1 && rank <= 8, d.count >= 24 + 4 * rank else { return nil }
            let shape = (0..<rank).map { u32(12 + 4 * $0) }
            let off = 12 + 4 * rank
            let hash = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: off, as: UInt64.self))
            let n = shape.reduce(1, *)
            guard d.count == off + 8 + 4 * n else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: raw[(off + 8)...])
            guard ContentHash.xxh64(body) == hash else { return nil }
            var values = [Float](repeating: 0, count: n)
            values.withUnsafeMutableBytes { $0.copyMemory(from: body) }
            #if _endian(big)
            values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
            #endif
            return Tensor(shape: shape, values: values)
        }
    }

    /// Stores a tensor (best effort: a full disk or a read-only folder costs a miss next time,
    /// counted in `statistics.writeFailures`, never an evaluation).
    public func store(model: String, key: String, _ t: Tensor) {
        let p = path(model: model, key: key)
        var d = Data()
        func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        put(Self.magic); put(1); put(UInt32(t.shape.count))
        for s in t.shape { put(UInt32(s)) }
        let body = t.withUnsafeBufferPointer { Data(buffer: $0) }
        withUnsafeBytes(of: ContentHash.xxh64(body).littleEndian) { d.append(contentsOf: $0) }
        d.append(body)
        let dir = (p as NSString).deletingLastPathComponent
        let tmp = dir + "/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let ok = (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil
            && FileManager.default.createFile(atPath: tmp, contents: d) && rename(tmp, p) == 0
        if !ok {
            unlink(tmp)
            lock.lock(); writeFailures += 1; lock.unlock()
        }
    }

    /// `make()` unless the entry is stored; stores what it makes.
    public func tensor(model: String, key: String, _ make: () throws -> Tensor) rethrows -> Tensor {
        if let t = load(model: model, key: key) { return t }
        let t = try make()
        store(model: model, key: key, t)
        return t
    }
}
