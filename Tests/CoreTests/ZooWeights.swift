import Foundation
@testable import Core

/// The zoo golden sets' deterministic weights (`../shared/golden/zoo/zoo_weights.py`), rebuilt
/// from the tensor names and shapes of a `keys.txt`, served as a `TensorSource` so the models
/// load them exactly as they load a checkpoint file:
///
///     h(name, i) = splitmix64(fnv1a64(name) ^ (seed·0x9E3779B97F4A7C15) ^ i)
///     u = ((h >> 40) / 2²⁴)·2√3 − √3                           (float64)
///     conv/linear weight (rank ≥ 2): u·√(2/fan_in); `.bias`, running_mean: 0.1u;
///     running_var: 1 + 0.25|u|; rank-1 `.weight`: 1 + 0.1u; integers: 0; other floats: 0 here
///     (the only one, RCGrad's Hann window buffer, is not read by the engine)
struct ZooWeights: TensorSource {
    let path: String
    let metadata: [String: String] = [:]
    let names: [String]
    let shapes: [String: (SafetensorsDType, [Int])]
    let seed: UInt64

    /// Reads `keys.txt` (tab-separated name, shape "[a, b]", dtype), every non-comment line.
    init(keys: String, seed: UInt64 = 0) throws {
        path = keys
        self.seed = seed
        var names: [String] = [], shapes: [String: (SafetensorsDType, [Int])] = [:]
        for line in try String(contentsOfFile: keys, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("#") { continue }
            let f = line.split(separator: "\t").map(String.init)
            guard f.count >= 3, f[1].hasPrefix("[") else { continue }
            let dims = f[1].dropFirst().dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let dt: SafetensorsDType = f[2].lowercased().contains("int") || f[2].uppercased() == "I64" ? .i64 : .f32
            names.append(f[0]); shapes[f[0]] = (dt, dims)
        }
        self.names = names; self.shapes = shapes
    }

    func dtypeAndShape(_ name: String) -> (dtype: SafetensorsDType, shape: [Int])? { shapes[name].map { ($0.0, $0.1) } }

    func tensor(_ name: String) throws -> Tensor {
        guard let (dt, shape) = shapes[name] else { throw SSLSaNError("no tensor '\(name)'", file: path) }
        let t = Tensor(shape: shape)
        if dt == .f32, let v = Self.values(name: name, shape: shape, seed: seed) { for i in 0..<v.count { t[i] = v[i] } }
        return t
    }

    /// Stored little-endian bytes: float32 values, or int64 zeros.
    func rawBytes(_ name: String) throws -> Data {
        guard let (dt, _) = shapes[name] else { throw SSLSaNError("no tensor '\(name)'", file: path) }
        if dt == .i64 { return try int64s(name).withUnsafeBufferPointer { Data(buffer: $0) } }
        return try tensor(name).array.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    func int64s(_ name: String) throws -> [Int64] { [Int64](repeating: 0, count: max(1, shapes[name]?.1.reduce(1, *) ?? 1)) }

    static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF29CE484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001B3 }
        return h
    }

    static func splitmix64(_ x0: UInt64) -> UInt64 {
        let x = x0 &+ 0x9E3779B97F4A7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    static func uniform(_ name: String, _ n: Int, seed: UInt64) -> [Double] {
        let base = fnv1a64(name) ^ (seed &* 0x9E3779B97F4A7C15)
        let r3 = 3.0.squareRoot()
        return (0..<n).map { i in Double(splitmix64(base ^ UInt64(i)) >> 40) / Double(1 << 24) * 2 * r3 - r3 }
    }

    /// float32 values of one tensor, or nil where the fill leaves it as the model made it.
    static func values(name: String, shape: [Int], seed: UInt64) -> [Float]? {
        let n = shape.reduce(1, *)
        let u = uniform(name, n, seed: seed)
        let v: [Double]
        if name.hasSuffix("running_mean") { v = u.map { 0.1 * $0 } }
        else if name.hasSuffix("running_var") { v = u.map { 1 + 0.25 * abs($0) } }
        else if name.hasSuffix(".bias") { v = u.map { 0.1 * $0 } }
        else if name.hasSuffix(".weight") && shape.count >= 2 {
            let s = (2.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot()
            v = u.map { $0 * s }
        } else if name.hasSuffix(".weight") { v = u.map { 1 + 0.1 * $0 } }
        else { return nil }
        return v.map(Float.init)
    }
}
