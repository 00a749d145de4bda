import Foundation

/// Weight initialisation's generator (SPEC §3.3): the `.parameters` stream of sslsan's one
/// generator, `Random`. Bit-exact parity with PyTorch's initialisation is impossible anyway, so
/// only the distributions match; the stream is the one sslsan's first checkpoints were made with.
public struct ParameterRNG: Sendable {
    public var random: Random

    public init(seed: UInt64) { random = Random(seed: seed, stream: .parameters) }

    public mutating func nextUInt64() -> UInt64 { random.next() }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { random.uniform() }

    /// Standard normal.
    public mutating func normal() -> Double { random.normal() }

    /// Fills `t` with N(mean, std²).
    public mutating func fillNormal(_ t: Tensor, mean: Double = 0, std: Double) {
        for i in 0..<t.count { t.data[i] = Float(mean + std * normal()) }
    }
}
