import Foundation

/// The Hugging Face safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}`, then raw
/// little-endian tensor bytes. Checkpoints, golden vectors and `--dump` files all use it.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    public var byteSize: Int {
        switch self {
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .f64, .i64: 8
        case .u8, .i8, .bool: 1
        }
    }

    public var isFloatingPoint: Bool { self == .f32 || self == .f16 || self == .bf16 || self == .f64 }

    /// Converts `n` little-endian elements of this dtype at `p` to float32 in `out`: the one decoder
    /// behind every `TensorSource.tensor` (safetensors and torch.save files alike).
    func decode(_ p: UnsafeRawPointer, count n: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            #if _endian(little)
            UnsafeMutableRawPointer(out).copyMemory(from: p, byteCount: 4 * n)
            #else
            for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            #endif
        case .f64: for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case .f16: for i in 0..<n { out[i] = SafetensorsFile.halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .bf16: for i in 0..<n { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        case .i64: for i in 0..<n { out[i] = Float(Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case .i32: for i in 0..<n { out[i] = Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case .i16: for i in 0..<n { out[i] = Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case .i8: for i in 0..<n { out[i] = Float(p.load(fromByteOffset: i, as: Int8.self)) }
        case .u8, .bool: for i in 0..<n { out[i] = Float(p.load(fromByteOffset: i, as: UInt8.self)) }
        }
    }

    /// Integer elements as Int64 (floating elements are converted through float32 and truncated).
    func decodeInt64s(_ p: UnsafeRawPointer, count n: Int) -> [Int64] {
        switch self {
        case .i64: return (0..<n).map { Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        case .i32: return (0..<n).map { Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        case .i16: return (0..<n).map { Int64(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
        case .i8: return (0..<n).map { Int64(p.load(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: return (0..<n).map { Int64(p.load(fromByteOffset: $0, as: UInt8.self)) }
        default:
            var f = [Float](repeating: 0, count: n)
            f.withUnsafeMutableBufferPointer { decode(p, count: n, into: $0.baseAddress!) }
            return f.map { $0.isFinite ? Int64($0) : 0 }
        }
    }
}

/// A safetensors file read into memory (memory-mapped) with a validated header.
public struct SafetensorsFile: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// Byte range inside the data section.
        public let range: Range<Int>
    }

    public let path: String
    public let metadata: [String: String]
    /// Entries in file (data offset) order.
    public let entries: [Entry]
    private let index: [String: Int]
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws {
        // A FIFO would block the read forever and a device would never end: regular files only.
        try FileCheck.readable(path)
        let d: Data
        do { d = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SSLSaNError("cannot read the file", file: path)
        }
        try self.init(data: d, path: path)
    }

    /// Validates the whole structure before anything is read: the header length, a JSON object
    /// header (starting with `{`, as the format requires), every entry's dtype, shape and
    /// offsets (`dtype size × shape` bytes), and that the tensors tile the data section exactly,
    /// in the Hugging Face reader's way: sorted by offset, each starts where the previous ends,
    /// the last ends at the end of the file. A header length one byte off, a cut or padded file,
    /// overlapping or gapped tensors all fail here with one line, instead of every tensor being
    /// read a byte off.
    public init(data d: Data, path: String = "<memory>") throws {
        self.path = path
        guard d.count >= 8 else { throw SSLSaNError("not a safetensors file (shorter than its 8-byte header length)", file: path) }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(d[d.startIndex + i]) << (8 * UInt64(i)) }
        guard n >= 2, n <= UInt64(d.count - 8), n < 100_000_000 else {
            throw SSLSaNError("corrupt safetensors header (header length \(n) for a \(d.count)-byte file)", file: path)
        }
        let headerBytes = d.subdata(in: (d.startIndex + 8)..<(d.startIndex + 8 + Int(n)))
        guard headerBytes.first == UInt8(ascii: "{"),
              let json = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw SSLSaNError("corrupt safetensors header (not a JSON object of \(n) bytes; wrong header length?)", file: path)
        }
        let dataLen = d.count - 8 - Int(n)
        var meta: [String: String] = [:]
        var list: [Entry] = []
        for (name, value) in json {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw SSLSaNError("corrupt safetensors metadata", file: path) }
                for (k, v) in m { meta[k] = (v as? String) ?? "\(v)" }
                continue
            }
            guard let e = value as? [String: Any], let dt = e["dtype"] as? String,
                  let shapeAny = e["shape"] as? [Any], let offs = e["data_offsets"] as? [Any], offs.count == 2 else {
                throw SSLSaNError("corrupt safetensors header entry '\(name)'", file: path)
            }
            guard let dtype = SafetensorsDType(rawValue: dt) else {
                throw SSLSaNError("tensor '\(name)' has unsupported dtype \(dt)", file: path)
            }
            let shape = shapeAny.compactMap(Self.count), o = offs.compactMap(Self.count)
            guard shape.count == shapeAny.count, o.count == 2 else {
                throw SSLSaNError("tensor '\(name)' has a malformed shape or offsets (non-negative integers expected)", file: path)
            }
            guard o[0] <= o[1], o[1] <= dataLen else {
                throw SSLSaNError("tensor '\(name)' lies outside the file (offsets \(o[0])..<\(o[1]), data is \(dataLen) bytes; truncated?)", file: path)
            }
            var expected = dtype.byteSize, overflow = false
            for dim in shape where !overflow { (expected, overflow) = expected.multipliedReportingOverflow(by: dim) }
            guard !overflow, o[1] - o[0] == expected else {
                throw SSLSaNError("tensor '\(name)' has \(o[1] - o[0]) bytes but shape \(shape) × \(dt) needs \(overflow ? "more than can exist" : "\(expected)")", file: path)
            }
            list.append(Entry(name: name, dtype: dtype, shape: shape, range: o[0]..<o[1]))
        }
        list.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        var end = 0, previous: String?
        for e in list {
            if e.range.lowerBound < end {
                throw SSLSaNError("tensors '\(previous!)' and '\(e.name)' overlap in the data section", file: path)
            }
            if e.range.lowerBound > end {
                throw SSLSaNError("\(e.range.lowerBound - end) bytes of the data section belong to no tensor (before '\(e.name)', offset \(end))", file: path)
            }
            end = e.range.upperBound
            previous = e.name
        }
        if end != dataLen {
            throw SSLSaNError("the data section is \(dataLen) bytes but its tensors cover \(end) (wrong header length, or bytes added or cut)", file: path)
        }
        self.metadata = meta
        self.entries = list
        self.index = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1.name, $0) })
        self.data = d
        self.dataStart = d.startIndex + 8 + Int(n)
    }

    /// A JSON number that is a non-negative integer small enough to be a size or offset.
    private static func count(_ v: Any) -> Int? {
        guard let x = v as? NSNumber else { return nil }
        let d = x.doubleValue
        guard d.isFinite, d >= 0, d == d.rounded(), d < 9e15 else { return nil }
        return x.intValue
    }

    public var names: [String] { entries.map(\.name) }
    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }
    public func contains(_ name: String) -> Bool { index[name] != nil }

    private func require(_ name: String) throws -> Entry {
        guard let e = entry(name) else { throw SSLSaNError("tensor '\(name)' is missing", file: path) }
        return e
    }

    /// The raw little-endian bytes of one tensor.
    public func rawBytes(_ name: String) throws -> Data {
        let e = try require(name)
        return data.subdata(in: (dataStart + e.range.lowerBound)..<(dataStart + e.range.upperBound))
    }

    /// Any floating or integer tensor converted to float32.
    public func tensor(_ name: String) throws -> Tensor {
        let e = try require(name)
        let t = Tensor(shape: e.shape)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            e.dtype.decode(raw.baseAddress!.advanced(by: dataStart - data.startIndex + e.range.lowerBound), count: t.count, into: t.data)
        }
        return t
    }

    /// Integer tensors as Int64 values.
    public func int64s(_ name: String) throws -> [Int64] {
        let e = try require(name)
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Int64] in
            e.dtype.decodeInt64s(raw.baseAddress!.advanced(by: dataStart - data.startIndex + e.range.lowerBound), count: e.shape.reduce(1, *))
        }
    }

    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1f)
        let mant = UInt32(h & 0x3ff)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let v = Float(mant) / 1024 * pow(2, -14)
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }
}

/// Collects tensors and writes one safetensors file atomically (temporary file, then rename).
public struct SafetensorsWriter {
    private var items: [(name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data)] = []
    public var metadata: [String: String] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    public mutating func add(_ name: String, _ t: Tensor, as dtype: SafetensorsDType = .f32) {
        add(name, floats: UnsafeBufferPointer(start: t.data, count: t.count), shape: t.shape, as: dtype)
    }

    public mutating func add(_ name: String, floats: UnsafeBufferPointer<Float>, shape: [Int], as dtype: SafetensorsDType = .f32) {
        var d = Data(capacity: floats.count * dtype.byteSize)
        switch dtype {
        case .f32:
            // Bulk copy: float32 is stored little-endian, the byte order of every platform sslsan runs on.
            #if _endian(little)
            d.append(UnsafeBufferPointer(start: floats.baseAddress, count: floats.count))
            #else
            for v in floats { var x = v.bitPattern.littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
            #endif
        case .f64: for v in floats { var x = Double(v).bitPattern.littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        case .bf16: for v in floats { var x = UInt16(truncatingIfNeeded: Self.roundToBF16(v) >> 16).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        case .f16: for v in floats { var x = Float16(v).bitPattern.littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        case .i64: for v in floats { var x = Int64(v).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        case .i32: for v in floats { var x = Int32(v).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        case .i16: for v in floats { var x = Int16(clamping: Int(v)).littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        case .i8: for v in floats { d.append(UInt8(bitPattern: Int8(clamping: Int(v)))) }
        case .u8: for v in floats { d.append(UInt8(clamping: Int(v))) }
        case .bool: for v in floats { d.append(v != 0 ? 1 : 0) }
        }
        items.append((name, dtype, shape, d))
    }

    public mutating func add(_ name: String, int64s: [Int64], shape: [Int]) {
        var d = Data(capacity: int64s.count * 8)
        for v in int64s { var x = v.littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        items.append((name, .i64, shape, d))
    }

    public mutating func add(_ name: String, uint8s: [UInt8], shape: [Int]) {
        items.append((name, .u8, shape, Data(uint8s)))
    }

    /// A tensor given as its stored little-endian bytes (`TensorSource.rawBytes`), written unchanged.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], rawBytes: Data) {
        precondition(rawBytes.count == shape.reduce(1, *) * dtype.byteSize, "byte count does not match shape × dtype")
        items.append((name, dtype, shape, rawBytes))
    }

    private static func roundToBF16(_ v: Float) -> UInt32 {
        let b = v.bitPattern
        if v.isNaN { return 0x7fc0_0000 }
        return b &+ 0x7fff &+ ((b >> 16) & 1)
    }

    /// The complete file as bytes.
    public func encoded() -> Data {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(m)}")
        }
        var offset = 0
        for it in items {
            let end = offset + it.bytes.count
            parts.append("\(Self.jsonString(it.name)):{\"dtype\":\"\(it.dtype.rawValue)\",\"shape\":[\(it.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += parts.joined(separator: ",") + "}"
        var hb = Data(header.utf8)
        while hb.count % 8 != 0 { hb.append(0x20) }
        var out = Data(capacity: 8 + hb.count + offset)
        var n = UInt64(hb.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(hb)
        for it in items { out.append(it.bytes) }
        return out
    }

    public func write(to path: String) throws { try AtomicFile.write(encoded(), to: path) }

    static func jsonString(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 { r += String(format: "\\u%04x", u.value) } else { r.unicodeScalars.append(u) }
            }
        }
        return r + "\""
    }
}
