import Foundation

/// Deterministic random numbers for weight initialisation (SPEC §3.3). SplitMix64 gives a
/// reproducible stream from one seed on every platform; normals come from Box–Muller.
/// Bit-exact parity with PyTorch's initialisation is impossible anyway, so only the
/// distributions match.
public struct ParameterRNG: Sendable {
    private var state: UInt64
    private var spare: Double?

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(nextUInt64() >> 11) * 0x1.0p-53 }

    /// Standard normal.
    public mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        var u = uniform()
        while u <= 0 { u = uniform() }
        let v = uniform()
        let r = (-2 * Foundation.log(u)).squareRoot()
        spare = r * Foundation.sin(2 * Double.pi * v)
        return r * Foundation.cos(2 * Double.pi * v)
    }

    /// Fills `t` with N(mean, std²).
    public mutating func fillNormal(_ t: Tensor, mean: Double = 0, std: Double) {
        for i in 0..<t.count { t.data[i] = Float(mean + std * normal()) }
    }
}
