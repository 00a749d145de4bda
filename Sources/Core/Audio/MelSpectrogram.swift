import Foundation

/// The audio front end of SSL-TIE / SSL-SaN: torchaudio `MelSpectrogram(sample_rate, n_fft,
/// hop_length, n_mels, normalized=True)` followed by `AmplitudeToDB()` (SPEC §1.2–1.5).
///
/// For the `full` configuration: tile/truncate to 160 000 samples → centre reflect padding of 256
/// → periodic Hann(512) frames every 239 samples → |FFT|² / Σw² (Σw² = 192) → 257 HTK mel filters
/// → 10·log10(max(M, 1e-10)). Output (1, 1, nMels, frames) with mel bins as height.
///
/// The STFT and the mel product run in double precision (see `RealFFT`), then round once to
/// float32. An instance holds only immutable tables, so one instance can serve many threads.
public struct MelSpectrogram: Sendable {
    public let config: ModelConfig
    public let filterbank: MelFilterbank
    let fft: RealFFT
    /// Periodic Hann window, w[n] = 0.5 − 0.5·cos(2πn/N), as torch computes it in float32.
    let hann: [Double]
    /// Σ w²: `normalized=True` divides the complex STFT by its square root, i.e. the power by it.
    let windowEnergy: Double

    public init(config: ModelConfig) {
        self.config = config
        let n = config.nFFT
        fft = RealFFT(n: n)
        hann = (0..<n).map { i in
            let a = Float(2 * Double.pi / Double(n)) * Float(i)
            return Double(Float(0.5) - Float(0.5) * Float(cos(Double(a))))
        }
        windowEnergy = hann.reduce(0) { $0 + $1 * $1 }
        filterbank = MelFilterbank(nFreqs: n / 2 + 1, nMels: config.nMels, sampleRate: config.sampleRate)
    }

    public var frames: Int { config.frames }

    /// The clip cut to exactly `config.windowSamples`: a shorter clip is repeated
    /// int(L/N)+1 times and truncated (SPEC §1.2, so a 3 s clip becomes 3⅓ copies), a longer one
    /// keeps its first L samples (no centring, no random offset: the reference does neither).
    /// An empty clip gives silence.
    public func window(_ samples: [Float]) -> [Float] {
        let l = config.windowSamples
        if samples.isEmpty { return [Float](repeating: 0, count: l) }
        if samples.count >= l { return Array(samples[0..<l]) }
        var out = [Float]()
        out.reserveCapacity(l)
        while out.count < l { out.append(contentsOf: samples.prefix(l - out.count)) }
        return out
    }

    /// Linear mel power (1, 1, nMels, 1 + L/hop) of a window (normally `window(...)`'s output).
    public func power(_ window: [Float]) -> Tensor {
        let p = melPower(window)
        let out = Tensor(shape: [1, 1, config.nMels, p.frames])
        for i in 0..<p.values.count { out.data[i] = Float(p.values[i]) }
        return out
    }

    /// The log-mel spectrogram the audio encoder takes: dB of `power(window(clip))`.
    /// A clip at another rate than the configuration's is resampled first (libsamplerate).
    public func logMel(_ clip: AudioClip) -> Tensor {
        var samples = clip.samples
        if clip.sampleRate != config.sampleRate, clip.sampleRate > 0 {
            samples = (try? Resampler.resample(samples, from: clip.sampleRate, to: config.sampleRate)) ?? samples
        }
        return logMel(window: window(samples))
    }

    /// dB of the mel power of an already windowed waveform (silence, noise).
    public func logMel(window: [Float]) -> Tensor {
        let p = melPower(window)
        let out = Tensor(shape: [1, 1, config.nMels, p.frames])
        for i in 0..<p.values.count { out.data[i] = 10 * log10(max(Float(p.values[i]), 1e-10)) }
        return out
    }

    /// AmplitudeToDB of a float32 power tensor (for callers that edit the power first, such as
    /// SpecAugment's masks, which the reference applies before dB).
    public static func decibels(_ power: Tensor) -> Tensor {
        let out = Tensor(shape: power.shape)
        for i in 0..<power.count { out.data[i] = 10 * log10(max(power.data[i], 1e-10)) }
        return out
    }

    /// Mel power in double, row-major (nMels × frames).
    func melPower(_ x: [Float]) -> (values: [Double], frames: Int) {
        let n = config.nFFT, hop = config.hop, pad = n / 2, l = x.count
        let frames = 1 + l / hop
        let nBins = n / 2 + 1, nMels = config.nMels
        var mel = [Double](repeating: 0, count: nMels * frames)
        if l == 0 { return (mel, frames) }
        var frame = [Double](repeating: 0, count: n)
        var spec = [Double](repeating: 0, count: nBins)
        let scratch = RealFFT.Scratch(n: n)
        let inv = 1 / windowEnergy
        let fbank = filterbank
        x.withUnsafeBufferPointer { xs in
        hann.withUnsafeBufferPointer { w in
        frame.withUnsafeMutableBufferPointer { fb in
        spec.withUnsafeMutableBufferPointer { sb in
        mel.withUnsafeMutableBufferPointer { out in
        fbank.bandStart.withUnsafeBufferPointer { bandStart in
        fbank.bandCount.withUnsafeBufferPointer { bandCount in
        fbank.bandOffset.withUnsafeBufferPointer { bandOffset in
        fbank.flatWeights.withUnsafeBufferPointer { weights in
            let f = fb.baseAddress!, s = sb.baseAddress!
            for t in 0..<frames {
                let begin = t * hop - pad
                if begin >= 0 && begin + n <= l {
                    for j in 0..<n { f[j] = Double(xs[begin + j]) * w[j] }
                } else {
                    for j in 0..<n { f[j] = Double(xs[Self.reflect(begin + j, l)]) * w[j] }
                }
                fft.power(f, into: s, scratch: scratch)
                for m in 0..<nMels {
                    let k0 = bandStart[m], o = bandOffset[m]
                    var acc = 0.0
                    for i in 0..<bandCount[m] { acc += weights[o + i] * s[k0 + i] }
                    out[m * frames + t] = acc * inv
                }
            }
        }}}}}}}}}
        return (mel, frames)
    }

    /// numpy "reflect" padding (the edge sample is not repeated), folded as often as needed.
    @inline(__always) static func reflect(_ i: Int, _ l: Int) -> Int {
        if l == 1 { return 0 }
        let period = 2 * (l - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < l ? j : period - j
    }
}
