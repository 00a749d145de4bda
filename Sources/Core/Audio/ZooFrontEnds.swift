import Foundation

/// The audio front ends of the zoo families, exactly as `vssl_eval` (and, for RCGrad, RCGrad's own
/// model) turn a clip into the encoder's input. Every step runs in float64 — the reference does,
/// and a float32 STFT is not enough near the log's 1e-7 floor — and rounds once to float32.
///
/// Three steps each: the *window* (which samples of the clip the STFT sees), the *spectrogram* and
/// the *negatives* (silence and noise, made at the window's length, as the reference makes them).
/// Samples are taken as the reference reads them: LVS reads with soundfile (int16/32768, which a
/// float32 sample holds exactly), the `datasets.py` families read with PyAV (int16/32767: the clip
/// is brought back to int16 and divided by 32767 in double).
///
/// Rates: the front doors read clips at 16 kHz (libsamplerate), what every family was trained on.
/// vssl_eval reads at the file's own rate instead (`--native-rate`): then the PSD density uses
/// that rate, LVS tiles to 10 s of it, and the `datasets.py` bounds keep their literal 16000.
public enum ZooAudioWindow: Sendable, Equatable {
    /// LVS / SSL-Align (`datasets_lvs.py`): tile to 10 s, samples [56000, 104000) (3 s), clip to ±1.
    case lvsCrop
    /// `datasets.py` `load_spectrogram(dur:)` (EZ-VSL, SLAVC: 10 s; FNAC: 3 s) and RCGrad's
    /// `load_spectrogram_rcgrad` (10 s): read at most `seconds` from t = 0, clip to ±1, tile to
    /// L = 16000·seconds, then roll so the whole file's centre lands at L/2.
    case centredRoll(seconds: Double)

    public static let sampleRate = 16000

    /// The window's samples in float64 (length 48000 for `lvsCrop`, L for `centredRoll`).
    public func samples(_ clip: AudioClip) -> [Double] {
        switch self {
        case .lvsCrop:
            let full = Self.tile(clip.samples.map(Double.init), to: 10 * clip.sampleRate)
            // The bounds use the literal 16000 of datasets_lvs.py, not the file's rate.
            return full[56000..<104000].map { min(1, max(-1, $0)) }
        case .centredRoll(let seconds):
            let l = Int(Double(Self.sampleRate) * seconds)
            // PyAV's int16/32767 (the clip holds int16/32768 exactly for 16-bit files; float files
            // are rounded to int16 as libswresample does).
            let read = clip.samples.prefix(Int(seconds * Double(clip.sampleRate))).map { Double((Double($0) * 32768).rounded(.toNearestOrEven).clamped(-32768, 32767)) / 32767 }
            let x = Self.tile(read.map { min(1, max(-1, $0)) }, to: l)
            let fileDuration = Double(clip.samples.count) / Double(clip.sampleRate)
            let shift = Int(Double(Self.sampleRate) * seconds / 2) - Int(fileDuration / 2 * Double(Self.sampleRate))
            return Self.roll(x, by: shift)
        }
    }

    /// Length of the window in samples (the negatives' length too).
    public var length: Int {
        switch self {
        case .lvsCrop: return 48000
        case .centredRoll(let s): return Int(Double(Self.sampleRate) * s)
        }
    }

    /// NumPy's tile-and-cut: a clip shorter than `l` is repeated int(l/N)+1 times, then cut to `l`.
    static func tile(_ x: [Double], to l: Int) -> [Double] {
        if x.isEmpty { return [Double](repeating: 0, count: l) }
        if x.count >= l { return Array(x[0..<l]) }
        var out: [Double] = []
        out.reserveCapacity(l)
        while out.count < l { out.append(contentsOf: x.prefix(l - out.count)) }
        return out
    }

    /// `np.roll(x, shift)`: element i moves to (i + shift) mod n.
    static func roll(_ x: [Double], by shift: Int) -> [Double] {
        let n = x.count
        guard n > 0 else { return x }
        let s = ((shift % n) + n) % n
        return (0..<n).map { x[($0 - s + n) % n] }
    }
}

extension Double {
    fileprivate func clamped(_ lo: Double, _ hi: Double) -> Double { Swift.min(hi, Swift.max(lo, self)) }
}

/// `scipy.signal.spectrogram(x, 16000, nperseg=512, noverlap=…)` with its defaults — periodic
/// Tukey(0.25) window, detrend 'constant' per segment, one-sided PSD density (bins 1…255 doubled)
/// — then `log(PSD + 1e-7)` (positives; the `datasets.py` negatives skip it), `/ 12`, an optional
/// centre crop of the frames, float32. Shape (1, 1, 257, frames).
public struct ScipyLogSpectrogram: Sendable {
    public let window: ZooAudioWindow
    public let noverlap: Int
    /// Frames kept by torchvision's `CenterCrop((257, n))` (EZ-VSL, SLAVC: 200 of 671); nil: all.
    public let cropFrames: Int?
    /// LVS logs its silence and noise; `datasets.py` feeds their raw PSD (/12) to the network.
    public let logNegatives: Bool

    public static let nperseg = 512
    let fft = RealFFT(n: 512)
    /// scipy `get_window(('tukey', 0.25), 512)`: the symmetric 513-point Tukey without its last sample.
    public let tukey: [Double]
    let windowEnergy: Double

    public init(window: ZooAudioWindow, noverlap: Int, cropFrames: Int?, logNegatives: Bool) {
        self.window = window; self.noverlap = noverlap; self.cropFrames = cropFrames; self.logNegatives = logNegatives
        let m = Self.nperseg + 1, alpha = 0.25
        let width = Int((alpha * Double(m - 1) / 2).rounded(.down))
        tukey = (0..<Self.nperseg).map { n in
            let d = Double(n)
            if n <= width { return 0.5 * (1 + cos(Double.pi * (-1 + 2.0 * d / alpha / Double(m - 1)))) }
            if n < m - width - 1 { return 1 }
            return 0.5 * (1 + cos(Double.pi * (-2.0 / alpha + 1 + 2.0 * d / alpha / Double(m - 1))))
        }
        windowEnergy = tukey.reduce(0) { $0 + $1 * $1 }
    }

    public var hop: Int { Self.nperseg - noverlap }

    /// PSD (257, K) in float64, frequency-major, of a window's samples at `sampleRate` (scipy's `fs`).
    public func psd(_ x: [Double], sampleRate: Int = ZooAudioWindow.sampleRate) -> (values: [Double], frames: Int) {
        let scale = 1 / (Double(sampleRate) * windowEnergy)
        let n = Self.nperseg, bins = n / 2 + 1
        let k = x.count >= n ? (x.count - n) / hop + 1 : 0
        var out = [Double](repeating: 0, count: bins * k)
        let scratch = RealFFT.Scratch(n: n)
        var seg = [Double](repeating: 0, count: n), pw = [Double](repeating: 0, count: bins)
        for f in 0..<k {
            let s = f * hop
            var mean = 0.0
            for i in 0..<n { mean += x[s + i] }
            mean /= Double(n)
            for i in 0..<n { seg[i] = tukey[i] * (x[s + i] - mean) }
            seg.withUnsafeBufferPointer { sp in pw.withUnsafeMutableBufferPointer { pp in fft.power(sp.baseAddress!, into: pp.baseAddress!, scratch: scratch) } }
            for b in 0..<bins {
                var v = pw[b] * scale
                if b > 0 && b < bins - 1 { v *= 2 }
                out[b * k + f] = v
            }
        }
        return (out, k)
    }

    /// Encoder input of a window's samples: log (or not), /12, crop, float32.
    public func tensor(samples x: [Double], log: Bool = true, sampleRate: Int = ZooAudioWindow.sampleRate) -> Tensor {
        let (p, k) = psd(x, sampleRate: sampleRate)
        let bins = Self.nperseg / 2 + 1
        let keep = min(cropFrames ?? k, k)
        let left = Int((Double(k - keep) / 2).rounded(.toNearestOrEven))
        let t = Tensor(shape: [1, 1, bins, keep])
        for b in 0..<bins {
            for f in 0..<keep {
                let v = p[b * k + left + f]
                t.data[b * keep + f] = Float((log ? Foundation.log(v + 1e-7) : v) / 12)
            }
        }
        return t
    }

    /// The positive (or off-screen) input of a clip.
    public func tensor(_ clip: AudioClip) -> Tensor { tensor(samples: window.samples(clip), sampleRate: clip.sampleRate) }

    /// Silence or noise through the negatives' front end (log or not as `logNegatives` says, crop,
    /// /12). Silence is zeros at the window's length whatever `waveform` holds; noise is
    /// `waveform` (N(0,1) samples: `ZooModel.negativeWaveform`'s draw, a golden set's numpy draw,
    /// or a slice of either, as the explorer's live map plays it) tiled to the window's length.
    public func negative(_ condition: AudioCondition, waveform: [Double]) -> Tensor {
        let l = window.length
        switch condition {
        case .silence: return tensor(samples: [Double](repeating: 0, count: l), log: logNegatives)
        case .noise: return tensor(samples: ZooAudioWindow.tile(waveform, to: l), log: logNegatives)
        case .positive, .offscreen: preconditionFailure("ScipyLogSpectrogram.negative: \(condition) audio comes from a file")
        }
    }
}

/// RCGrad's audio input: the raw 10 s waveform of `load_spectrogram_rcgrad` (float32), turned
/// inside its `ResNetSpec` into torchaudio `Spectrogram(n_fft=512, hop_length=353)` (periodic Hann,
/// centre reflect padding, |X|², not normalised), then log(x + 1e-7) and a standardisation by the
/// mean and unbiased std of the whole tensor. Shape (1, 1, 257, 1 + N/353).
///
/// The reference computes this in float32 in PyTorch; here it is float64, rounded once. For
/// silence the difference is not rounding: the exact standardisation of a constant is 0, while
/// PyTorch's float32 mean of 116 678 equal values is rounded and turns every element into
/// 0.99982 (the golden README explains; it depends on the reduction order of the machine). This
/// front end gives the float64 result (about 1e-6, the README's float64 run); the golden test feeds the stored silence input to the network.
public struct RCGradSpectrogram: Sendable {
    public let window = ZooAudioWindow.centredRoll(seconds: 10)
    public static let nFFT = 512, hop = 353
    let fft = RealFFT(n: 512)
    /// torch.hann_window(512) (periodic), float32 values as torch computes them.
    public let hann: [Double]

    public init() {
        let n = Self.nFFT
        hann = (0..<n).map { i in
            let a = Float(2 * Double.pi / Double(n)) * Float(i)
            return Double(Float(0.5) - Float(0.5) * Float(cos(Double(a))))
        }
    }

    /// The float32 waveform the model receives (vssl_eval casts the float64 window with `.float()`).
    public func waveform(_ clip: AudioClip) -> [Float] { window.samples(clip).map(Float.init) }

    /// The conv1 input of a float32 waveform.
    public func tensor(waveform w: [Float]) -> Tensor {
        let n = Self.nFFT, pad = n / 2, bins = n / 2 + 1
        let len = w.count
        let frames = 1 + len / Self.hop
        // Reflect padding (mirror without the edge sample).
        func at(_ i: Int) -> Double {
            var j = i - pad
            if j < 0 { j = -j }
            if j >= len { j = 2 * (len - 1) - j }
            return Double(w[max(0, min(len - 1, j))])
        }
        var logs = [Double](repeating: 0, count: bins * frames)
        let scratch = RealFFT.Scratch(n: n)
        var seg = [Double](repeating: 0, count: n), pw = [Double](repeating: 0, count: bins)
        for f in 0..<frames {
            for i in 0..<n { seg[i] = hann[i] * at(f * Self.hop + i) }
            seg.withUnsafeBufferPointer { sp in pw.withUnsafeMutableBufferPointer { pp in fft.power(sp.baseAddress!, into: pp.baseAddress!, scratch: scratch) } }
            // torchaudio rounds the power to float32 before the log.
            for b in 0..<bins { logs[b * frames + f] = log(Double(Float(pw[b])) + 1e-7) }
        }
        // Compensated sums: the mean of a constant (silence) is then the constant itself to the
        // last bit or so, and the standardised silence ~1e-6 instead of a summation artefact.
        let count = Double(logs.count)
        let mean = Self.neumaierSum(logs) / count
        let variance = Self.neumaierSum(logs.map { ($0 - mean) * ($0 - mean) }) / (count - 1)
        let denom = variance.squareRoot() + 1e-9
        return Tensor(shape: [1, 1, bins, frames], values: logs.map { Float(($0 - mean) / denom) })
    }

    public func tensor(_ clip: AudioClip) -> Tensor { tensor(waveform: waveform(clip)) }

    static func neumaierSum(_ x: [Double]) -> Double {
        var s = 0.0, c = 0.0
        for v in x {
            let t = s + v
            c += abs(s) >= abs(v) ? (s - t) + v : (v - t) + s
            s = t
        }
        return s + c
    }

    /// Silence (zeros) or N(0,1) noise, 160 000 samples, not clipped or rolled (vssl_eval
    /// datasets.py:126-128). Silence ignores `waveform`; noise is `waveform` (the draw, or a slice
    /// of it) tiled to 160 000 samples.
    public func negative(_ condition: AudioCondition, waveform: [Float]) -> Tensor {
        let l = window.length
        switch condition {
        case .silence: return tensor(waveform: [Float](repeating: 0, count: l))
        case .noise: return tensor(waveform: waveform.count == l ? waveform : ZooAudioWindow.tile(waveform.map(Double.init), to: l).map(Float.init))
        case .positive, .offscreen: preconditionFailure("RCGradSpectrogram.negative: \(condition) audio comes from a file")
        }
    }
}
