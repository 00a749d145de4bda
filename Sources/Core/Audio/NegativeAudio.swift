import Foundation

/// SSL-SaN's negative audio inputs, defined on the waveform (SPEC §1.8): silence is zeros, noise
/// is i.i.d. N(0, 1) — standard deviation 1 on the waveform, as the paper states — both one
/// window long and both passed through the same front end as real audio.
///
/// Whether the spectrogram is in dB follows `config.negativesInDB`: true gives the full front
/// end (silence → constant −100 dB); false gives vssl_eval's evaluation convention, the linear
/// mel power (silence → all zeros).
public enum NegativeAudio {
    public static func silence(config: ModelConfig) -> [Float] {
        [Float](repeating: 0, count: config.windowSamples)
    }

    /// N(0, 1) samples from `Generator(seed:)`. The reference draws from numpy's unseeded global
    /// generator, so any N(0, 1) source is faithful; a seeded one makes runs reproducible.
    public static func noise(config: ModelConfig, seed: UInt64) -> [Float] {
        var g = Generator(seed: seed)
        return (0..<config.windowSamples).map { _ in g.nextGaussian() }
    }

    /// Encoder input (1, 1, nMels, frames) for `.silence` or `.noise`. Positive and off-screen
    /// audio come from files: use `MelSpectrogram.logMel` for them.
    public static func spectrogram(_ condition: AudioCondition, config: ModelConfig, seed: UInt64) -> Tensor {
        switch condition {
        case .silence:
            let shape = [1, 1, config.nMels, config.frames]
            // The power of zeros is exactly 0; its dB is exactly 10·log10(1e-10) = −100.
            return config.negativesInDB ? Tensor(shape: shape, repeating: -100) : Tensor(shape: shape)
        case .noise:
            return spectrogram(waveform: noise(config: config, seed: seed), mel: MelSpectrogram(config: config))
        case .positive, .offscreen:
            preconditionFailure("NegativeAudio.spectrogram: \(condition) audio comes from a file (MelSpectrogram.logMel)")
        }
    }

    /// Encoder input for a negative waveform already cut to the window (the noise of a seed, or
    /// a slice of it / of silence tiled by `MelSpectrogram.window`, as the explorer's live map
    /// plays it): dB or linear power as `config.negativesInDB` says.
    public static func spectrogram(waveform w: [Float], mel: MelSpectrogram) -> Tensor {
        mel.config.negativesInDB ? mel.logMel(window: w) : mel.power(w)
    }

    /// SplitMix64 (Steele, Lea & Flood 2014) for the bits, Box–Muller for the normal deviates.
    /// Chosen because it is tiny, fast, has no bad seeds, and its output is fully specified here,
    /// so a noise waveform can be regenerated anywhere from its seed:
    ///   state += 0x9E3779B97F4A7C15; z = state;
    ///   z = (z ^ z>>30)·0xBF58476D1CE4E5B9; z = (z ^ z>>27)·0x94D049BB133111EB; out = z ^ z>>31.
    ///   u1 = (out1>>11 + 1)·2⁻⁵³ ∈ (0, 1], u2 = (out2>>11)·2⁻⁵³ ∈ [0, 1),
    ///   r = √(−2 ln u1): z0 = r·cos 2πu2, then z1 = r·sin 2πu2 (computed in double, rounded to float).
    public struct Generator: RandomNumberGenerator, Sendable {
        var state: UInt64
        var spare: Float?

        public init(seed: UInt64) { state = seed; spare = nil }

        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        public mutating func nextGaussian() -> Float {
            if let s = spare { spare = nil; return s }
            let u1 = Double((next() >> 11) + 1) * 0x1p-53
            let u2 = Double(next() >> 11) * 0x1p-53
            let r = (-2 * log(u1)).squareRoot()
            spare = Float(r * sin(2 * Double.pi * u2))
            return Float(r * cos(2 * Double.pi * u2))
        }
    }
}
