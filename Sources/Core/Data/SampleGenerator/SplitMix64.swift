import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, seedable generator. The synthetic benchmark
/// uses it, never `SystemRandomNumberGenerator`, so that a seed always gives the same bytes. The
/// helpers below are defined here (not via the standard library's `random(in:using:)`, whose
/// algorithm may change between Swift releases).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `normal()`.
    private var spare = 0.0, hasSpare = false

    public init(seed: UInt64) { state = seed }

    /// An independent stream for item `index` of a run seeded with `seed` (scene `index`, say):
    /// the result does not depend on the order in which items are generated.
    public init(seed: UInt64, stream index: UInt64) {
        state = SplitMix64.mix(seed ^ SplitMix64.mix(index &+ 0x5851_F42D_4C95_7F2D))
    }

    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [a, b).
    @inline(__always)
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Uniform integer in 0..<n (n > 0).
    @inline(__always)
    public mutating func int(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((next() >> 11) % UInt64(n))
    }

    /// Uniform integer in a...b.
    public mutating func int(_ a: Int, _ b: Int) -> Int { a + int(b - a + 1) }

    public mutating func bool(_ p: Double = 0.5) -> Bool { uniform() < p }

    /// Standard normal (Box–Muller; the pair's second value is kept for the next call).
    public mutating func normal() -> Double {
        if hasSpare { hasSpare = false; return spare }
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot(), a = 2 * Double.pi * u2
        spare = r * sin(a); hasSpare = true
        return r * cos(a)
    }

    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(i + 1)) }
    }
}
