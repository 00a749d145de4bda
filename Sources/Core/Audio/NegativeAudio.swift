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

    /// N(0, 1) samples from `Random(seed:)`'s `normalFloat()` (Box–Muller on SplitMix64 bits,
    /// spelled out in `Random`, so a noise waveform can be regenerated anywhere from its seed).
    /// The reference draws from numpy's unseeded global generator, so any N(0, 1) source is
    /// faithful; a seeded one makes runs reproducible.
    public static func noise(config: ModelConfig, seed: UInt64) -> [Float] { noise(count: config.windowSamples, seed: seed) }

    /// `count` samples of the noise of `seed` (every family's noise: a longer draw starts with a
    /// shorter one's samples).
    public static func noise(count: Int, seed: UInt64) -> [Float] {
        var g = Random(seed: seed)
        return (0..<count).map { _ in g.normalFloat() }
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
}
