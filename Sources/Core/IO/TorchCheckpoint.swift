import Foundation

/// A `torch.save` checkpoint (`.pth`, `.pth.tar`, `.pt`) read without Python, as a `TensorSource`.
///
/// Both of torch.save's formats: the zip archive (default since PyTorch 1.6: `<archive>/data.pkl`
/// plus one entry `<archive>/data/<key>` per storage) and the legacy format (five pickles back to
/// back — magic number, protocol version, sys_info, the object, the storage keys — then each
/// storage as an int64 element count and its bytes). The object pickle is read by the restricted
/// `Unpickler`, which refuses anything but a tensor checkpoint's globals without executing it.
///
/// The tensor dict is found the way the authors' loaders find it: under `state_dict` (SSL-TIE,
/// Lightning), `model_state_dict` (LVS, SSL-Align), `model` (EZ-VSL, FNAC, SLAVC), else the
/// top-level dict itself (a bare state_dict, RCGrad). A leading `module.` (nn.DataParallel /
/// DistributedDataParallel) is stripped. Everything else (optimizer state, epoch, metrics) is
/// listed in `otherEntries` and never materialised. Each tensor keeps its stored dtype; views
/// (offsets, strides, storages shared by several tensors) are made contiguous at load.
public final class TorchCheckpoint: TensorSource, @unchecked Sendable {
    public enum Format: String, Sendable { case zip, legacy }

    public let path: String
    public let format: Format
    /// Keys from the top-level object to the tensor dict (empty: the top level is the dict).
    public let containerPath: [String]
    /// The prefix stripped from the keys ("module." or "").
    public let strippedPrefix: String
    /// Top-level entries beside the tensor dict, with a short description (`epoch = 20`, `optimizer: dict of 2`).
    public let otherEntries: [(key: String, summary: String)]
    /// Non-tensor values inside the tensor dict (skipped).
    public let skippedEntries: [String]
    /// `sslsan_metadata` (a dict of strings that `tools/convert_pth.py` writes beside the state dict).
    public let metadata: [String: String]
    public let names: [String]
    private let tensors: [String: (dtype: SafetensorsDType, shape: [Int], bytes: Data)]

    /// The top-level key `tools/convert_pth.py` stores sslsan's metadata (model configuration) under.
    public static let metadataKey = "sslsan_metadata"
    static let containerKeys = ["state_dict", "model_state_dict", "model"]
    static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c, little-endian

    public convenience init(path: String) throws {
        try self.init(data: try Self.mapFile(path), path: path)
    }

    /// The file's bytes, memory-mapped; a missing or unreadable file is one line.
    static func mapFile(_ path: String) throws -> Data {
        // Missing, folder, pipe or device: one line from the one check every reader uses.
        try FileCheck.readable(path)
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SSLSaNError("cannot read the file", file: path)
        }
    }

    /// True when `data` starts like a torch.save file (zip archive, or legacy pickle: PROTO, then the LONG1 magic number).
    static func recognises(_ data: Data) -> Bool {
        if ZipArchive.looksLikeZip(data) { return true }
        return data.count >= 3 && data[data.startIndex] == 0x80 && data[data.startIndex + 2] == 0x8a
    }

    public init(data: Data, path: String) throws {
        self.path = path
        var storages: [String: TorchStorageRef] = [:]
        let storageBytes: (TorchStorageRef) throws -> Data
        let top: PickleValue
        if ZipArchive.looksLikeZip(data) {
            format = .zip
            let zip = try ZipArchive(data: data, path: path)
            let pkls = zip.entries.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
            guard pkls.count == 1 else {
                throw SSLSaNError(pkls.isEmpty ? "a zip archive without data.pkl: not a torch.save file" : "a zip archive with \(pkls.count) data.pkl entries: not a torch.save file", file: path)
            }
            let root = String(pkls[0].name.dropLast("data.pkl".count))
            if let bo = zip.entry(root + "byteorder") {
                let order = String(decoding: try zip.read(bo), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard order == "little" else { throw SSLSaNError("stored with byte order '\(order)'; only little-endian checkpoints are supported", file: path) }
            }
            var up = Unpickler(try zip.read(pkls[0]), path: path) { try Self.storage($0, &storages, path: path) }
            top = try up.load()
            storageBytes = { s in
                guard let e = zip.entry(root + "data/" + s.key) else {
                    throw SSLSaNError("truncated or corrupt checkpoint: storage '\(s.key)' has no entry \(root)data/\(s.key)", file: path)
                }
                guard e.size == s.numel * s.dtype.byteSize else {
                    throw SSLSaNError("corrupt checkpoint: storage '\(s.key)' holds \(e.size) bytes, \(s.numel) × \(s.dtype.rawValue) needs \(s.numel * s.dtype.byteSize)", file: path)
                }
                return try zip.read(e)
            }
        } else if Self.recognises(data) {
            format = .legacy
            func next(_ start: Int, _ what: String = "", persistent: @escaping (PickleValue) throws -> PickleValue = { _ in
                throw SSLSaNError("not a loadable checkpoint: a persistent id outside the object pickle", file: path)
            }) throws -> (PickleValue, Int) {
                var up = Unpickler(data, start: start, path: path, persistentLoad: persistent)
                let v = try up.load()
                return (v, up.pos)
            }
            let (magic, p1) = try next(0, "magic number")
            guard case .bigInt(let m) = magic, m == Self.legacyMagic else {
                throw SSLSaNError("a pickle that is not a torch.save file (no torch magic number)", file: path)
            }
            let (proto, p2) = try next(p1, "protocol version")
            guard proto.int == 1001 else { throw SSLSaNError("legacy torch.save protocol \(proto.summary) is not supported (expected 1001)", file: path) }
            let (sysInfo, p3) = try next(p2, "sys_info")
            if case .dict(let d) = sysInfo, case .bool(false)? = d["little_endian"] {
                throw SSLSaNError("saved on a big-endian machine; only little-endian checkpoints are supported", file: path)
            }
            let (object, p4) = try next(p3, "object") { try Self.storage($0, &storages, path: path) }
            let (keyList, p5) = try next(p4, "storage keys")
            guard let keys = keyList.tuple?.compactMap(\.string), keys.count == keyList.tuple?.count else {
                throw SSLSaNError("corrupt legacy checkpoint: the storage key list is not a list of strings", file: path)
            }
            // Each storage: int64 element count, then the elements. Locate them all (bounds-checked).
            var located: [String: Range<Int>] = [:]
            var p = p5
            for k in keys {
                guard let s = storages[k] else { throw SSLSaNError("corrupt legacy checkpoint: storage '\(k)' is listed but never used", file: path) }
                guard p + 8 <= data.count else { throw SSLSaNError("truncated checkpoint: storage '\(k)' starts past the end of the \(data.count)-byte file", file: path) }
                let n = ByteReader(data, path: path).u64(p)
                guard n == UInt64(s.numel) else { throw SSLSaNError("corrupt legacy checkpoint: storage '\(k)' says \(n) elements, the pickle \(s.numel)", file: path) }
                let end = p + 8 + s.numel * s.dtype.byteSize
                guard end <= data.count else { throw SSLSaNError("truncated checkpoint: storage '\(k)' needs bytes up to \(end), the file has \(data.count)", file: path) }
                located[k] = (p + 8)..<end
                p = end
            }
            top = object
            storageBytes = { s in
                guard let r = located[s.key] else { throw SSLSaNError("truncated or corrupt checkpoint: storage '\(s.key)' is not in the storage list", file: path) }
                return data[(data.startIndex + r.lowerBound)..<(data.startIndex + r.upperBound)]
            }
        } else {
            throw SSLSaNError("not a torch.save file (neither a zip archive nor a legacy pickle)", file: path)
        }

        // The tensor dict.
        guard case .dict(let topDict) = top else {
            throw SSLSaNError("the checkpoint holds \(top.summary), not a dict of tensors", file: path)
        }
        func holdsTensors(_ d: PickleDict) -> Bool { d.entries.contains { if case .tensor = $0.value { return true }; return false } }
        var dict = topDict
        var container: [String] = []
        for k in Self.containerKeys {
            if case .dict(let inner)? = topDict[k], holdsTensors(inner) || inner.count == 0 { dict = inner; container = [k]; break }
        }
        guard holdsTensors(dict) else {
            let keys = topDict.entries.prefix(12).map { $0.key.string ?? $0.key.summary }
            throw SSLSaNError("no tensor dict found (looked under \(Self.containerKeys.joined(separator: ", ")) and at the top level; top-level keys: \(keys.joined(separator: ", ")))", file: path)
        }
        containerPath = container
        var meta: [String: String] = [:]
        if case .dict(let m)? = topDict[Self.metadataKey] {
            for (k, v) in m.entries { if let ks = k.string, let vs = v.string { meta[ks] = vs } }
        }
        metadata = meta
        otherEntries = container.isEmpty ? [] : topDict.entries.compactMap { e in
            guard let k = e.key.string, k != container[0] else { return nil }
            switch e.value {
            case .int, .float, .bool, .string, .none: return (k, "= \(e.value.summary)")
            default: return (k, e.value.summary)
            }
        }

        // Names (prefix stripped) and contiguous bytes.
        let prefix = "module."
        let strip = dict.entries.contains { ($0.key.string ?? "").hasPrefix(prefix) }
        strippedPrefix = strip ? prefix : ""
        var order: [String] = [], out: [String: (SafetensorsDType, [Int], Data)] = [:], skipped: [String] = []
        var cache: [ObjectIdentifier: Data] = [:]
        for (k, v) in dict.entries {
            guard let raw = k.string else { skipped.append(k.summary); continue }
            guard case .tensor(let t) = v else { skipped.append(raw); continue }
            let name = strip && raw.hasPrefix(prefix) ? String(raw.dropFirst(prefix.count)) : raw
            guard out[name] == nil else { throw SSLSaNError("two tensors are named '\(name)' once the '\(prefix)' prefix is stripped", file: path) }
            let sid = ObjectIdentifier(t.storage)
            let sb: Data
            if let c = cache[sid] { sb = c } else { sb = try storageBytes(t.storage); cache[sid] = sb }
            out[name] = (t.storage.dtype, t.size, Self.contiguous(t, sb))
            order.append(name)
        }
        skippedEntries = skipped
        names = order
        tensors = out.mapValues { (dtype: $0.0, shape: $0.1, bytes: $0.2) }
    }

    /// The storage a persistent id names: zip ('storage', <storage class>, key, location, numel),
    /// legacy the same plus view_metadata (None since PyTorch 1.0). One object per key, so tensors
    /// sharing a storage share its bytes.
    static func storage(_ pid: PickleValue, _ storages: inout [String: TorchStorageRef], path: String) throws -> PickleValue {
        guard let t = pid.tuple, t.count == 5 || t.count == 6, t[0].string == "storage", case .global(.storageType(let dtype, _)) = t[1],
              let key = t[2].string, let numel = t[4].int, numel >= 0 else {
            throw SSLSaNError("not a loadable checkpoint: a persistent id that is not a storage (\(pid.summary))", file: path)
        }
        if t.count == 6, !{ if case .none = t[5] { return true }; return false }() {
            throw SSLSaNError("uses pre-1.0 storage views (view_metadata), which are not supported; re-save it with a current PyTorch", file: path)
        }
        if let s = storages[key] {
            guard s.dtype == dtype, s.numel == Int(numel) else { throw SSLSaNError("corrupt checkpoint: storage '\(key)' is named with two types or sizes", file: path) }
            return .storage(s)
        }
        let s = TorchStorageRef(dtype: dtype, key: key, numel: Int(numel), location: t[3].string ?? "")
        storages[key] = s
        return .storage(s)
    }

    /// The logical elements of a strided view, in row-major order.
    static func contiguous(_ t: TorchTensorRef, _ storage: Data) -> Data {
        let es = t.storage.dtype.byteSize, n = t.numel
        var rowMajor = true, expect = 1
        for (s, st) in zip(t.size, t.stride).reversed() where s != 1 {
            if st != expect { rowMajor = false; break }
            expect *= s
        }
        let base = storage.startIndex
        // A row-major view is a slice of the (memory-mapped) storage: no copy.
        if rowMajor { return storage[(base + t.offset * es)..<(base + (t.offset + n) * es)] }
        var out = Data(count: n * es)
        let rank = t.size.count
        storage.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var idx = [Int](repeating: 0, count: rank)
                var off = t.offset
                for i in 0..<n {
                    dst.baseAddress!.advanced(by: i * es).copyMemory(from: src.baseAddress!.advanced(by: off * es), byteCount: es)
                    var d = rank - 1
                    while d >= 0 {  // odometer over the index, tracking the storage offset
                        idx[d] += 1; off += t.stride[d]
                        if idx[d] < t.size[d] { break }
                        off -= t.stride[d] * t.size[d]; idx[d] = 0; d -= 1
                    }
                }
            }
        }
        return out
    }

    private func require(_ name: String) throws -> (dtype: SafetensorsDType, shape: [Int], bytes: Data) {
        guard let t = tensors[name] else { throw SSLSaNError("tensor '\(name)' is missing", file: path) }
        return t
    }

    public func dtypeAndShape(_ name: String) -> (dtype: SafetensorsDType, shape: [Int])? {
        tensors[name].map { ($0.dtype, $0.shape) }
    }

    public func tensor(_ name: String) throws -> Tensor {
        let e = try require(name)
        let t = Tensor(shape: e.shape)
        if t.count > 0 { e.bytes.withUnsafeBytes { e.dtype.decode($0.baseAddress!, count: t.count, into: t.data) } }
        return t
    }

    public func int64s(_ name: String) throws -> [Int64] {
        let e = try require(name)
        let n = e.shape.reduce(1, *)
        return n == 0 ? [] : e.bytes.withUnsafeBytes { e.dtype.decodeInt64s($0.baseAddress!, count: n) }
    }

    public func rawBytes(_ name: String) throws -> Data { Data(try require(name).bytes) }  // rebased to index 0

    /// One line for `sslsan inspect`: format, where the tensors were, the prefix stripped.
    public var containerDescription: String {
        let fmt = format == .zip ? "torch.save zip archive" : "torch.save legacy pickle"
        let at = containerPath.isEmpty ? "the top level (a bare state_dict)" : "'\(containerPath.joined(separator: "."))'"
        return "\(fmt), tensors at \(at)" + (strippedPrefix.isEmpty ? "" : ", prefix '\(strippedPrefix)' stripped")
    }
}
