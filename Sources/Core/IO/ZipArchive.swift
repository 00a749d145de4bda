import CZlib
import Foundation

/// A read-only zip archive held in memory (memory-mapped): the container `torch.save` writes since
/// PyTorch 1.6. Entries are found through the central directory (ZIP64 records understood), read
/// stored (torch's own writer, so tensor bytes are used in place) or deflated (an archive someone
/// re-zipped; inflated with zlib), and checked against their CRC-32, so a flipped byte or a cut
/// file is one clear error instead of wrong weights.
public struct ZipArchive: @unchecked Sendable {
    public struct Entry: Sendable {
        public let name: String
        /// 0 stored, 8 deflate.
        public let method: UInt16
        public let crc32: UInt32
        public let compressedSize: Int
        public let size: Int
        /// Offset of the local file header.
        public let headerOffset: Int
    }

    public let path: String
    public let entries: [Entry]
    private let index: [String: Int]
    private let data: Data

    /// True when `data` starts like a zip archive (a local file header or an empty archive's end record).
    public static func looksLikeZip(_ data: Data) -> Bool {
        data.count >= 4 && data[data.startIndex] == 0x50 && data[data.startIndex + 1] == 0x4b
            && ((data[data.startIndex + 2] == 3 && data[data.startIndex + 3] == 4) || (data[data.startIndex + 2] == 5 && data[data.startIndex + 3] == 6))
    }

    public init(data d: Data, path: String) throws {
        self.path = path
        self.data = d
        let r = ByteReader(d, path: path)
        // End of central directory: 22 bytes + a comment of at most 65535 bytes, searched from the end.
        let n = d.count
        guard n >= 22 else { throw SSLSaNError("truncated zip archive (\(n) bytes, no end-of-central-directory record)", file: path) }
        var eocd = -1
        var i = n - 22
        while i >= max(0, n - 22 - 65535) {
            if r.u32(i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else {
            throw SSLSaNError("truncated or corrupt zip archive (no end-of-central-directory record in the last \(min(n, 65557)) bytes)", file: path)
        }
        var count = Int(r.u16(eocd + 10))
        var cdSize = Int(r.u32(eocd + 12))
        var cdOffset = Int(r.u32(eocd + 16))
        if count == 0xffff || cdSize == 0xffff_ffff || cdOffset == 0xffff_ffff {
            // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
            let loc = eocd - 20
            guard loc >= 0, r.u32(loc) == 0x0706_4b50 else { throw SSLSaNError("corrupt zip archive (ZIP64 sizes without a ZIP64 locator)", file: path) }
            let e64 = try r.int(r.u64(loc + 8), "ZIP64 end record offset")
            guard e64 >= 0, e64 + 56 <= n, r.u32(e64) == 0x0606_4b50 else { throw SSLSaNError("corrupt zip archive (bad ZIP64 end record)", file: path) }
            count = try r.int(r.u64(e64 + 32), "entry count")
            cdSize = try r.int(r.u64(e64 + 40), "central directory size")
            cdOffset = try r.int(r.u64(e64 + 48), "central directory offset")
        }
        guard cdOffset >= 0, cdSize >= 0, cdOffset + cdSize <= n else {
            throw SSLSaNError("truncated or corrupt zip archive (central directory at \(cdOffset)+\(cdSize) lies outside the \(n)-byte file)", file: path)
        }
        var list: [Entry] = []
        list.reserveCapacity(min(count, 100_000))
        var p = cdOffset
        for k in 0..<count {
            guard p + 46 <= cdOffset + cdSize, r.u32(p) == 0x0201_4b50 else {
                throw SSLSaNError("corrupt zip archive (central directory entry \(k) of \(count) is damaged)", file: path)
            }
            let method = r.u16(p + 10)
            let crc = r.u32(p + 16)
            var csize = UInt64(r.u32(p + 20)), usize = UInt64(r.u32(p + 24))
            let nameLen = Int(r.u16(p + 28)), extraLen = Int(r.u16(p + 30)), commentLen = Int(r.u16(p + 32))
            var offset = UInt64(r.u32(p + 42))
            guard p + 46 + nameLen + extraLen + commentLen <= cdOffset + cdSize else {
                throw SSLSaNError("corrupt zip archive (central directory entry \(k) runs past the directory)", file: path)
            }
            guard let name = String(bytes: d[(d.startIndex + p + 46)..<(d.startIndex + p + 46 + nameLen)], encoding: .utf8) else {
                throw SSLSaNError("corrupt zip archive (entry \(k) has a name that is not UTF-8)", file: path)
            }
            // ZIP64 extended information: the 64-bit values follow, in order, for each field set to 0xffffffff.
            var e = p + 46 + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd {
                let tag = r.u16(e), len = Int(r.u16(e + 2))
                if tag == 0x0001 {
                    var q = e + 4
                    if usize == 0xffff_ffff, q + 8 <= e + 4 + len { usize = r.u64(q); q += 8 }
                    if csize == 0xffff_ffff, q + 8 <= e + 4 + len { csize = r.u64(q); q += 8 }
                    if offset == 0xffff_ffff, q + 8 <= e + 4 + len { offset = r.u64(q) }
                }
                e += 4 + len
            }
            list.append(Entry(name: name, method: method, crc32: crc, compressedSize: try r.int(csize, "entry size"),
                              size: try r.int(usize, "entry size"), headerOffset: try r.int(offset, "entry offset")))
            p += 46 + nameLen + extraLen + commentLen
        }
        self.entries = list
        var idx: [String: Int] = [:]
        for (k, e) in list.enumerated() where idx[e.name] == nil { idx[e.name] = k }
        self.index = idx
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The uncompressed bytes of `name`, CRC-checked. Stored entries are a slice of the mapped file.
    public func read(_ name: String) throws -> Data {
        guard let e = entry(name) else { throw SSLSaNError("zip archive has no entry '\(name)'", file: path) }
        return try read(e)
    }

    public func read(_ e: Entry) throws -> Data {
        let r = ByteReader(data, path: path)
        let h = e.headerOffset
        guard h >= 0, h + 30 <= data.count, r.u32(h) == 0x0403_4b50 else {
            throw SSLSaNError("corrupt zip archive (entry '\(e.name)': no local header at offset \(h))", file: path)
        }
        let start = h + 30 + Int(r.u16(h + 26)) + Int(r.u16(h + 28))
        guard start + e.compressedSize <= data.count else {
            throw SSLSaNError("truncated zip archive (entry '\(e.name)' needs bytes \(start)..<\(start + e.compressedSize), the file has \(data.count))", file: path)
        }
        let raw = data[(data.startIndex + start)..<(data.startIndex + start + e.compressedSize)]
        let out: Data
        switch e.method {
        case 0:
            guard e.compressedSize == e.size else { throw SSLSaNError("corrupt zip archive (stored entry '\(e.name)' has two sizes)", file: path) }
            out = raw
        case 8:
            out = try Self.inflate(raw, size: e.size, name: e.name, path: path)
        default:
            throw SSLSaNError("zip entry '\(e.name)' uses compression method \(e.method) (only stored and deflate are supported)", file: path)
        }
        let crc = out.withUnsafeBytes { b -> UInt32 in
            var c: uLong = crc32(0, nil, 0)
            var q = b.baseAddress?.assumingMemoryBound(to: Bytef.self)
            var left = b.count
            while left > 0 {  // zlib's length argument is 32-bit
                let n = min(left, 1 << 30)
                c = crc32(c, q, uInt(n))
                q = q?.advanced(by: n); left -= n
            }
            return UInt32(truncatingIfNeeded: c)
        }
        guard crc == e.crc32 else {
            throw SSLSaNError("corrupt zip archive (entry '\(e.name)' fails its CRC-32 check: stored \(String(e.crc32, radix: 16)), read \(String(crc, radix: 16)))", file: path)
        }
        return out
    }

    static func inflate(_ src: Data, size: Int, name: String, path: String) throws -> Data {
        var out = Data(count: size)
        var s = z_stream()
        guard sslsan_inflate_init_raw(&s) == Z_OK else { throw SSLSaNError("zlib could not start inflating '\(name)'", file: path) }
        defer { inflateEnd(&s) }
        let status: Int32 = src.withUnsafeBytes { ib in
            out.withUnsafeMutableBytes { ob in
                s.next_in = UnsafeMutablePointer(mutating: ib.baseAddress?.assumingMemoryBound(to: Bytef.self))
                s.avail_in = uInt(ib.count)
                s.next_out = ob.baseAddress?.assumingMemoryBound(to: Bytef.self)
                s.avail_out = uInt(ob.count)
                return CZlib.inflate(&s, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(s.total_out) == size else {
            throw SSLSaNError("corrupt zip archive (entry '\(name)' does not inflate to its \(size) bytes: zlib status \(status))", file: path)
        }
        return out
    }
}

/// Little-endian fixed-width reads at absolute offsets of a `Data` (callers bounds-check).
struct ByteReader {
    let d: Data
    let path: String
    init(_ d: Data, path: String) { self.d = d; self.path = path }
    func u16(_ o: Int) -> UInt16 { UInt16(d[d.startIndex + o]) | UInt16(d[d.startIndex + o + 1]) << 8 }
    func u32(_ o: Int) -> UInt32 {
        guard o >= 0, o + 4 <= d.count else { return 0 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(d[d.startIndex + o + $1]) << (8 * UInt32($1)) }
    }
    func u64(_ o: Int) -> UInt64 {
        guard o >= 0, o + 8 <= d.count else { return .max }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(d[d.startIndex + o + $1]) << (8 * UInt64($1)) }
    }
    func int(_ v: UInt64, _ what: String) throws -> Int {
        guard v < UInt64(Int.max / 2) else { throw SSLSaNError("corrupt zip archive (\(what) \(v) is impossible)", file: path) }
        return Int(v)
    }
}
