import Foundation

/// A restricted unpickler for tensor checkpoints. A `torch.save` file is a Python pickle, and a
/// pickle is a program: `GLOBAL` names any callable and `REDUCE` calls it, so loading an untrusted
/// checkpoint with Python's `pickle` can run anything (PyTorch moved to `weights_only=True` for
/// this reason). This machine never calls anything: it builds plain values (None, bools, ints,
/// floats, strings, tuples, lists, dicts) and recognises exactly the globals a state dict uses
/// (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter`, the
/// typed storage classes). Any other global refuses the whole file at the moment it is named,
/// before anything after it is read, so a payload hidden behind a valid state dict is never
/// reached and no partial result comes back.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer wider than 64 bits (LONG1/LONG4), little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes(Data)
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// One of the allowed globals (never called: `REDUCE` interprets it).
    case global(PickleGlobal)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    var int: Int64? { if case .int(let v) = self { return v }; if case .bool(let b) = self { return b ? 1 : 0 }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var tuple: [PickleValue]? {
        if case .tuple(let t) = self { return t }
        if case .list(let l) = self { return l.items }
        return nil
    }

    /// A short description for messages and `sslsan inspect` (no values of big containers).
    var summary: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let v): return String(v)
        case .bigInt(let b): return "<\(b.count)-byte integer>"
        case .float(let v): return String(v)
        case .string(let s): return s.count > 40 ? "'\(s.prefix(37))...'" : "'\(s)'"
        case .bytes(let d): return "<\(d.count) bytes>"
        case .tuple(let t): return "tuple of \(t.count)"
        case .list(let l): return "list of \(l.items.count)"
        case .dict(let d): return "dict of \(d.count)"
        case .global(let g): return g.name
        case .storage(let s): return "\(s.dtype.rawValue) storage"
        case .tensor(let t): return "\(t.storage.dtype.rawValue) tensor \(t.size)"
        }
    }
}

final class PickleList { var items: [PickleValue] = [] }

/// An insertion-ordered dict (Python dicts and OrderedDict keep order). Keys are kept as values;
/// string keys are indexed for lookup.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]
    var count: Int { entries.count }
    func set(_ k: PickleValue, _ v: PickleValue) {
        if let s = k.string {
            if let i = stringIndex[s] { entries[i].value = v; return }
            stringIndex[s] = entries.count
        }
        entries.append((k, v))
    }
    subscript(_ key: String) -> PickleValue? { stringIndex[key].map { entries[$0].value } }
}

/// The globals a tensor checkpoint may name.
enum PickleGlobal {
    case orderedDict, rebuildTensor, rebuildParameter
    case storageType(SafetensorsDType, String)

    var name: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageType(_, let n): return "torch.\(n)"
        }
    }

    static let storageTypes: [String: SafetensorsDType] = [
        "FloatStorage": .f32, "DoubleStorage": .f64, "HalfStorage": .f16, "BFloat16Storage": .bf16,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    static func allowed(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch", let n): return storageTypes[n].map { .storageType($0, n) }
        default: return nil
        }
    }

    static var allowList: String {
        (["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"]
            + storageTypes.keys.sorted().map { "torch.\($0)" }).joined(separator: ", ")
    }
}

/// One storage of a checkpoint: its element type, its key (zip: the entry `data/<key>`; legacy:
/// the key list after the pickles) and its element count.
final class TorchStorageRef {
    let dtype: SafetensorsDType
    let key: String
    let numel: Int
    let location: String
    init(dtype: SafetensorsDType, key: String, numel: Int, location: String) {
        self.dtype = dtype; self.key = key; self.numel = numel; self.location = location
    }
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage (offset, size and
/// stride in elements). Element (i0, i1, ...) = storage[offset + Σ i_k·stride_k].
struct TorchTensorRef {
    let storage: TorchStorageRef
    let offset: Int
    let size: [Int]
    let stride: [Int]
    var numel: Int { size.reduce(1, *) }
}

/// Runs one pickle (from PROTO to STOP) over `bytes` starting at `start`.
struct Unpickler {
    let bytes: Data
    let path: String
    /// Turns a BINPERSID id (a tuple) into a value; torch uses it for storages.
    let persistentLoad: (PickleValue) throws -> PickleValue
    private(set) var pos: Int

    init(_ bytes: Data, start: Int = 0, path: String, persistentLoad: @escaping (PickleValue) throws -> PickleValue) {
        self.bytes = bytes; self.pos = start; self.path = path; self.persistentLoad = persistentLoad
    }

    /// The pickled value; `pos` is left just after STOP.
    mutating func load() throws -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        let base = bytes.startIndex
        func fail(_ what: String) -> SSLSaNError { SSLSaNError("not a loadable checkpoint: \(what) (pickle offset \(pos))", file: path) }
        func need(_ n: Int) throws {
            guard n >= 0, pos + n <= bytes.count else { throw SSLSaNError("truncated checkpoint (the pickle stops at byte \(bytes.count) while reading offset \(pos))", file: path) }
        }
        func u8() throws -> Int { try need(1); defer { pos += 1 }; return Int(bytes[base + pos]) }
        func le(_ n: Int) throws -> UInt64 {
            try need(n)
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(bytes[base + pos + i]) << (8 * UInt64(i)) }
            pos += n
            return v
        }
        func take(_ n: Int) throws -> Data { try need(n); defer { pos += n }; return bytes.subdata(in: (base + pos)..<(base + pos + n)) }
        func utf8(_ n: Int) throws -> String {
            guard let s = String(data: try take(n), encoding: .utf8) else { throw fail("a string that is not UTF-8") }
            return s
        }
        func line() throws -> String {
            var e = pos
            while e < bytes.count, bytes[base + e] != 0x0a { e += 1 }
            guard e < bytes.count else { try need(e - pos + 1); return "" }
            let s = String(decoding: bytes[(base + pos)..<(base + e)], as: UTF8.self)
            pos = e + 1
            return s
        }
        func pop() throws -> PickleValue {
            guard let v = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow") }
            return v
        }
        func popMark() throws -> [PickleValue] {
            guard let m = marks.popLast(), m <= stack.count else { throw fail("MARK missing") }
            let items = Array(stack[m...])
            stack.removeSubrange(m...)
            return items
        }
        func length(_ v: UInt64) throws -> Int {
            guard v <= UInt64(bytes.count) else { throw SSLSaNError("truncated checkpoint (a pickle item claims \(v) bytes, the file has \(bytes.count))", file: path) }
            return Int(v)
        }
        func long(_ n: Int) throws -> PickleValue {
            let b = [UInt8](try take(n))
            if b.isEmpty { return .int(0) }
            if b.count <= 8 {
                var v: UInt64 = 0
                for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
                if b.count < 8, b.last! & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(b.count)) }  // sign-extend
                return .int(Int64(bitPattern: v))
            }
            return .bigInt(b)
        }
        func global(_ module: String, _ name: String) throws -> PickleValue {
            guard let g = PickleGlobal.allowed(module: module, name: name) else {
                throw SSLSaNError("refused: the pickle names the global \(module).\(name), which a tensor checkpoint never needs (it could run code); nothing was executed and nothing loaded (allowed: \(PickleGlobal.allowList))", file: path)
            }
            return .global(g)
        }

        while true {
            let opPos = pos
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()                                   // PROTO
            case 0x95: _ = try le(8)                                  // FRAME
            case 0x2e:                                                // STOP
                guard let v = stack.popLast(), stack.isEmpty, marks.isEmpty else { throw fail("STOP with a malformed stack") }
                return v
            case 0x28: marks.append(stack.count)                      // MARK
            case 0x30: _ = try pop()                                  // POP
            case 0x31: _ = try popMark()                              // POP_MARK
            case 0x32: guard let t = stack.last else { throw fail("DUP on an empty stack") }; stack.append(t)
            case 0x4e: stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case 0x4a: stack.append(.int(Int64(Int32(bitPattern: UInt32(try le(4))))))   // BININT
            case 0x4b: stack.append(.int(Int64(try u8())))                                // BININT1
            case 0x4d: stack.append(.int(Int64(try le(2))))                               // BININT2
            case 0x8a: stack.append(try long(try u8()))                                   // LONG1
            case 0x8b: stack.append(try long(try length(try le(4))))                      // LONG4
            case 0x47: stack.append(.float(Double(bitPattern: UInt64(bigEndian: UInt64(littleEndian: try le(8)))))) // BINFLOAT (big-endian)
            case 0x58: stack.append(.string(try utf8(try length(try le(4)))))             // BINUNICODE
            case 0x8c: stack.append(.string(try utf8(try u8())))                          // SHORT_BINUNICODE
            case 0x8d: stack.append(.string(try utf8(try length(try le(8)))))             // BINUNICODE8
            case 0x54: stack.append(.string(String(decoding: try take(try length(try le(4))), as: UTF8.self)))  // BINSTRING (py2 str)
            case 0x55: stack.append(.string(String(decoding: try take(try u8()), as: UTF8.self)))               // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(try take(try length(try le(4)))))              // BINBYTES
            case 0x43: stack.append(.bytes(try take(try u8())))                           // SHORT_BINBYTES
            case 0x8e: stack.append(.bytes(try take(try length(try le(8)))))              // BINBYTES8
            case 0x29: stack.append(.tuple([]))                                           // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))                                // TUPLE
            case 0x85: let a = try pop(); stack.append(.tuple([a]))                       // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))     // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))
            case 0x5d: stack.append(.list(PickleList()))                                  // EMPTY_LIST
            case 0x6c: let l = PickleList(); l.items = try popMark(); stack.append(.list(l))  // LIST
            case 0x61:                                                                    // APPEND
                let v = try pop()
                guard case .list(let l)? = stack.last else { throw fail("APPEND to a non-list") }
                l.items.append(v)
            case 0x65:                                                                    // APPENDS
                let vs = try popMark()
                guard case .list(let l)? = stack.last else { throw fail("APPENDS to a non-list") }
                l.items += vs
            case 0x7d: stack.append(.dict(PickleDict()))                                  // EMPTY_DICT
            case 0x64:                                                                    // DICT
                let kv = try popMark()
                guard kv.count % 2 == 0 else { throw fail("DICT with an odd item count") }
                let d = PickleDict()
                for i in stride(from: 0, to: kv.count, by: 2) { d.set(kv[i], kv[i + 1]) }
                stack.append(.dict(d))
            case 0x73:                                                                    // SETITEM
                let v = try pop(), k = try pop()
                guard case .dict(let d)? = stack.last else { throw fail("SETITEM on a non-dict") }
                d.set(k, v)
            case 0x75:                                                                    // SETITEMS
                let kv = try popMark()
                guard kv.count % 2 == 0, case .dict(let d)? = stack.last else { throw fail("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: kv.count, by: 2) { d.set(kv[i], kv[i + 1]) }
            case 0x68, 0x6a:                                                              // BINGET, LONG_BINGET
                let k = Int(op == 0x68 ? UInt64(try u8()) : try le(4))
                guard let v = memo[k] else { throw fail("memo key \(k) used before it is set") }
                stack.append(v)
            case 0x71, 0x72:                                                              // BINPUT, LONG_BINPUT
                let k = Int(op == 0x71 ? UInt64(try u8()) : try le(4))
                guard let v = stack.last else { throw fail("PUT on an empty stack") }
                memo[k] = v
            case 0x94:                                                                    // MEMOIZE
                guard let v = stack.last else { throw fail("MEMOIZE on an empty stack") }
                memo[memo.count] = v
            case 0x63:                                                                    // GLOBAL 'module\nname\n'
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                                    // STACK_GLOBAL
                let n = try pop(), m = try pop()
                guard let module = m.string, let name = n.string else { throw fail("STACK_GLOBAL without strings") }
                stack.append(try global(module, name))
            case 0x51:                                                                    // BINPERSID
                stack.append(try persistentLoad(try pop()))
            case 0x52:                                                                    // REDUCE
                let args = try pop(), f = try pop()
                guard case .global(let g) = f, let a = args.tuple else { throw fail("REDUCE of something that is not an allowed global") }
                stack.append(try reduce(g, a, fail: fail))
            case 0x62:                                                                    // BUILD: state is ignored
                _ = try pop()                                                             // (OrderedDict._metadata, parameter state)
                guard let t = stack.last else { throw fail("BUILD on an empty stack") }
                switch t {
                case .dict, .tensor: break
                default: throw fail("BUILD on \(t.summary)")
                }
            case 0x81, 0x92, 0x69, 0x6f, 0x82, 0x83, 0x84:
                throw SSLSaNError("refused: pickle opcode 0x\(String(op, radix: 16)) at offset \(opPos) constructs an arbitrary object, which a tensor checkpoint never needs; nothing was executed", file: path)
            default:
                throw fail("unsupported pickle opcode 0x\(String(op, radix: 16)) at offset \(opPos) (a tensor checkpoint written by torch.save does not use it)")
            }
        }
    }

    private func reduce(_ g: PickleGlobal, _ a: [PickleValue], fail: (String) -> SSLSaNError) throws -> PickleValue {
        switch g {
        case .orderedDict:
            let d = PickleDict()
            if let pairs = a.first?.tuple {
                for p in pairs {
                    guard let kv = p.tuple, kv.count == 2 else { throw fail("OrderedDict from something other than pairs") }
                    d.set(kv[0], kv[1])
                }
            }
            return .dict(d)
        case .rebuildTensor:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard a.count >= 4, case .storage(let s) = a[0], let off = a[1].int,
                  let sz = a[2].tuple?.compactMap(\.int), let st = a[3].tuple?.compactMap(\.int),
                  sz.count == a[2].tuple?.count, st.count == a[3].tuple?.count, sz.count == st.count else {
                throw fail("_rebuild_tensor_v2 with arguments that do not describe a tensor")
            }
            let size = sz.map { Int($0) }, stride = st.map { Int($0) }
            guard off >= 0, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
                throw fail("a tensor with a negative offset, size or stride")
            }
            let t = TorchTensorRef(storage: s, offset: Int(off), size: size, stride: stride)
            let last = t.numel == 0 ? 0 : zip(size, stride).reduce(t.offset) { $0 + ($1.0 - 1) * $1.1 }
            guard t.numel == 0 || last < s.numel else {
                throw SSLSaNError("a tensor of shape \(size) (offset \(off), strides \(stride)) reaches element \(last) of a \(s.numel)-element storage '\(s.key)': corrupt checkpoint", file: path)
            }
            return .tensor(t)
        case .rebuildParameter:
            guard let t = a.first, case .tensor = t else { throw fail("_rebuild_parameter of something that is not a tensor") }
            return t
        case .storageType(_, let n):
            throw SSLSaNError("refused: the pickle calls torch.\(n) (storages come only through persistent ids); nothing was executed", file: path)
        }
    }
}
