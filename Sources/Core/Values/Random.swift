import Foundation

/// sslsan's one random generator: SplitMix64 (Steele, Lea & Flood 2014) with named streams.
///
/// Every seeded draw in sslsan comes from here: the synthetic samples, the noise negative
/// (`NegativeAudio`), the off-screen choice, weight initialisation, training's augmentation and
/// shuffling. One definition means a seed names the same numbers everywhere (the explorer's noise
/// for a seed is `sslsan infer --noise --seed`'s), and the algorithm is spelled out here rather
/// than taken from the standard library (whose `random(in:using:)` may change between releases):
///
///   state += 0x9E3779B97F4A7C15; z = state;
///   z = (z ^ z>>30)·0xBF58476D1CE4E5B9; z = (z ^ z>>27)·0x94D049BB133111EB; out = z ^ z>>31.
///
/// Streams: `Random(seed:stream:)` gives an independent generator per item or purpose, so a
/// result does not depend on the order in which items are drawn. The initialisers below are the
/// stream definitions the committed data were made with (`samples/` from `init(seed:stream:)`
/// with a scene index, weights from `Stream.parameters`), so they stay bit-identical.
public struct Random: RandomNumberGenerator, Sendable {
    public var state: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `normal()`.
    private var spare = 0.0, hasSpare = false

    /// The generator whose first output is `mix(seed)`.
    public init(seed: UInt64) { state = seed }

    /// An independent stream for item `index` of a run seeded with `seed` (scene `index`, say).
    public init(seed: UInt64, stream index: UInt64) {
        state = Random.mix(seed ^ Random.mix(index &+ 0x5851_F42D_4C95_7F2D))
    }

    /// Named streams of one seed.
    public enum Stream: Sendable {
        /// Weight initialisation (SPEC §3.3): the sequence one step after `seed`.
        case parameters
        /// An item of a keyed choice (the off-screen audio of sample `key` in a pass).
        case keyed(String)
    }

    public init(seed: UInt64, stream: Stream) {
        switch stream {
        case .parameters: state = seed &+ 0x9E37_79B9_7F4A_7C15
        case .keyed(let key): state = seed ^ Random.fnv1a(key)
        }
    }

    /// FNV-1a of the UTF-8 bytes: stable across runs and platforms (Swift's `hashValue` is not).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
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

    /// Uniform integer in 0..<n (n > 0), `(next >> 11) mod n` (the samples' definition).
    @inline(__always)
    public mutating func int(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((next() >> 11) % UInt64(n))
    }

    /// Uniform integer in a...b.
    public mutating func int(_ a: Int, _ b: Int) -> Int { a + int(b - a + 1) }
    public mutating func int(in r: ClosedRange<Int>) -> Int { int(r.lowerBound, r.upperBound) }

    /// Uniform integer in 0..<n without modulo bias (Lemire's multiply-shift with rejection).
    public mutating func below(_ n: Int) -> Int {
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let t = (0 &- bound) % bound
            while m.low < t { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    public mutating func bool(_ p: Double = 0.5) -> Bool { uniform() < p }
    public mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// Standard normal (Box–Muller on u1 ∈ (0, 1), u2 ∈ [0, 1): cos first, the pair's sin kept
    /// for the next call). A u1 of exactly 0 (probability 2⁻⁵³) is redrawn.
    public mutating func normal() -> Double {
        if hasSpare { hasSpare = false; return spare }
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * log(u1)).squareRoot(), a = 2 * Double.pi * u2
        spare = r * sin(a); hasSpare = true
        return r * cos(a)
    }

    /// Float N(0, 1) for waveforms (`NegativeAudio.noise`): u1 = (out₁>>11 + 1)·2⁻⁵³ ∈ (0, 1],
    /// u2 = (out₂>>11)·2⁻⁵³; r = √(−2 ln u1): r·cos 2πu2, then r·sin 2πu2 (double, rounded to float).
    public mutating func normalFloat() -> Float {
        if hasSpare { hasSpare = false; return Float(spare) }
        let u1 = Double((next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * Double.pi * u2); hasSpare = true
        return Float(r * cos(2 * Double.pi * u2))
    }

    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(i + 1)) }
    }

    /// An independent generator derived from this one.
    public mutating func fork() -> Random { Random(seed: next()) }

    // MARK: serialisation (training resumes with the generator where it stopped)

    static let wordsTag: UInt64 = 0x5353_4C53_614E_5231   // "SSLSaNR1"

    /// The full state as four words (state, spare, has-spare, tag).
    public var words: [UInt64] { [state, spare.bitPattern, hasSpare ? 1 : 0, Self.wordsTag] }

    /// Restores `words`. Four words without the tag (a run saved by the former xoshiro
    /// generator) seed a fresh stream from them instead.
    public init(words: [UInt64]) {
        precondition(words.count == 4, "Random(words:): \(words.count) words")
        if words[3] == Self.wordsTag {
            state = words[0]; spare = Double(bitPattern: words[1]); hasSpare = words[2] != 0
        } else {
            state = words.reduce(0) { Random.mix($0 ^ $1) }
        }
    }
}
