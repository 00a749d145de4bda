import Foundation

/// XXH64 (Yann Collet's xxHash, 64-bit; the reference algorithm, seed 0 unless given): the one
/// content hash sslsan keys on-disk caches with (a file's bytes, a model's weights). Not a
/// cryptographic hash: it guards against stale entries, not against an adversary who can write
/// the cache folder. About 5–10 GB/s per core, so hashing a clip or an image costs far less than
/// reading it, and a 130 MB checkpoint's weights hash in a few tens of milliseconds.
public struct ContentHash: Sendable {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87, p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9, p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// XXH64 of a buffer.
    public static func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        var i = 0
        var h: UInt64
        @inline(__always) func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        @inline(__always) func round(_ acc: UInt64, _ input: UInt64) -> UInt64 { rotl(acc &+ input &* p2, 31) &* p1 }
        @inline(__always) func merge(_ acc: UInt64, _ v: UInt64) -> UInt64 { (acc ^ round(0, v)) &* p1 &+ p4 }
        @inline(__always) func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        @inline(__always) func u32(_ at: Int) -> UInt64 { UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        if n >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= n {
                v1 = round(v1, u64(i)); v2 = round(v2, u64(i + 8)); v3 = round(v3, u64(i + 16)); v4 = round(v4, u64(i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(n)
        while i + 8 <= n { h = rotl(h ^ round(0, u64(i)), 27) &* p1 &+ p4; i += 8 }
        if i + 4 <= n { h = rotl(h ^ (u32(i) &* p1), 23) &* p2 &+ p3; i += 4 }
        while i < n { h = rotl(h ^ (UInt64(bytes[i]) &* p5), 11) &* p1; i += 1 }
        h ^= h >> 33; h = h &* p2; h ^= h >> 29; h = h &* p3; h ^= h >> 32
        return h
    }

    public static func xxh64(_ data: Data, seed: UInt64 = 0) -> UInt64 { data.withUnsafeBytes { xxh64($0, seed: seed) } }
    public static func xxh64(_ s: String, seed: UInt64 = 0) -> UInt64 { xxh64(Data(s.utf8), seed: seed) }
    public static func xxh64(_ values: [Float], seed: UInt64 = 0) -> UInt64 { values.withUnsafeBytes { xxh64($0, seed: seed) } }

    /// 16 lower-case hex digits.
    public static func hex(_ h: UInt64) -> String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
