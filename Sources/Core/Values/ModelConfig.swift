import Foundation

/// The shape of an SSL-TIE / SSL-SaN network and its front ends.
///
/// `full` is exactly the reference SSL-TIE network (SPEC §1–§3). Smaller presets keep the same
/// topology and parameter names with fewer channels and smaller inputs, for CPU training.
/// A checkpoint records its configuration in the safetensors `__metadata__` under
/// `sslsan.config` (JSON); a file without it is read as `full`.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var name: String
    /// Channels of layer1…layer4 (the stem has `widths[0]`). Full: 64/128/256/512.
    public var widths: [Int]
    /// Square image side fed to the visual encoder. The similarity map is `imageSize / 16`.
    public var imageSize: Int
    public var sampleRate: Int
    /// Audio window in seconds (clips are tiled and truncated to it; SPEC §1.2).
    public var clipSeconds: Double
    public var nFFT: Int
    public var hop: Int
    public var nMels: Int
    /// Tri-map thresholds and temperatures of the SSL-TIE head (SPEC §4.1).
    public var epsilon: Float
    public var epsilon2: Float
    public var tau: Float
    public var temperature: Float
    /// Whether silence and noise enter the audio encoder as log-mel dB (true) or as linear mel
    /// power without dB (false, vssl_eval's evaluation convention; SPEC §1.8, A1).
    public var negativesInDB: Bool

    public init(name: String, widths: [Int], imageSize: Int, sampleRate: Int = 16000, clipSeconds: Double,
                nFFT: Int = 512, hop: Int, nMels: Int, epsilon: Float = 0.65, epsilon2: Float = 0.4,
                tau: Float = 0.03, temperature: Float = 0.07, negativesInDB: Bool = true) {
        self.name = name; self.widths = widths; self.imageSize = imageSize; self.sampleRate = sampleRate
        self.clipSeconds = clipSeconds; self.nFFT = nFFT; self.hop = hop; self.nMels = nMels
        self.epsilon = epsilon; self.epsilon2 = epsilon2; self.tau = tau; self.temperature = temperature
        self.negativesInDB = negativesInDB
    }

    /// The reference SSL-TIE network: 224 px images, 10 s at 16 kHz, 257 mels, hop 239.
    public static let full = ModelConfig(name: "full", widths: [64, 128, 256, 512], imageSize: 224,
                                         clipSeconds: 10, hop: 239, nMels: 257)

    /// Presets known by name (`--config NAME`).
    public static var presets: [ModelConfig] { [.full] + smallPresets }

    public static func named(_ name: String) throws -> ModelConfig {
        guard let c = presets.first(where: { $0.name == name }) else {
            throw SSLSaNError("unknown model configuration '\(name)' (known: \(presets.map(\.name).joined(separator: ", ")))")
        }
        return c
    }

    /// Samples in one audio window.
    public var windowSamples: Int { Int((Double(sampleRate) * clipSeconds).rounded()) }
    /// STFT frames for one window (center = true): 1 + floor(L / hop).
    public var frames: Int { 1 + windowSamples / hop }
    /// Side of the similarity map.
    public var mapSize: Int { imageSize / 16 }

    public static let metadataKey = "sslsan.config"

    public var metadataJSON: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(data: try! enc.encode(self), encoding: .utf8)!
    }

    /// Reads the configuration from checkpoint metadata; no key means `full`. Every field is
    /// checked (`validate`) before anything is sized from it: a checkpoint is input like any other.
    public static func from(metadata: [String: String], file: String? = nil) throws -> ModelConfig {
        guard let s = metadata[metadataKey] else { return .full }
        let c: ModelConfig
        do { c = try JSONDecoder().decode(ModelConfig.self, from: Data(s.utf8)) } catch {
            throw SSLSaNError("checkpoint metadata '\(metadataKey)' is not a valid model configuration (\(describe(error)))", file: file)
        }
        try c.validate(file: file)
        return c
    }

    private static func describe(_ error: Error) -> String {
        func at(_ path: [CodingKey]) -> String { path.isEmpty ? "" : " at '\(path.map(\.stringValue).joined(separator: "."))'" }
        switch error {
        case DecodingError.keyNotFound(let k, _): return "field '\(k.stringValue)' is missing"
        case DecodingError.typeMismatch(let t, let c): return "\(t) expected\(at(c.codingPath))"
        case DecodingError.valueNotFound(let t, let c): return "\(t) expected\(at(c.codingPath))"
        case DecodingError.dataCorrupted(let c): return "\(c.codingPath.isEmpty ? "not JSON" : "unreadable value")\(at(c.codingPath))"
        default: return "\(error)"
        }
    }

    // MARK: - What the architecture and the front ends can mean

    /// Largest channel count per layer (8× the reference 512 would not fit a CPU; 1024 is 2×).
    public static let maxWidth = 1024
    /// Image sides: a multiple of 16 (the encoder's stride, so the map is exactly `imageSize/16`)
    /// from 32 (a 2×2 map; a 1×1 map cannot localise) to 1024.
    public static let imageSizes = 32...1024
    public static let sampleRates = 1000...192_000
    /// Audio windows up to a minute (the reference uses 10 s).
    public static let maxClipSeconds = 60.0
    /// FFT sizes: even (the real FFT packs pairs), 16…8192.
    public static let fftSizes = 16...8192
    /// STFT frames per window (the reference has 670).
    public static let maxFrames = 16_384
    /// Floats in the largest activation of either encoder (the stem's output, `widths[0]` ×
    /// input/2): 2^26 floats = 256 MB per sample, about 80× the reference's.
    public static let maxActivation = 1 << 26
    /// Operations of one window's STFT (frames × n log n for powers of two, frames × n² for the
    /// exact DFT other sizes use): 2·10⁹, about 2 s of one core; the reference needs 3·10⁷.
    public static let maxSTFTWork = 2_000_000_000.0

    /// Throws one line naming the field when a value is outside what the network and the front
    /// ends can mean, or so large that building the model would exhaust memory or time. Checked
    /// before any allocation: `SSLSaNModel(config:)` and `MelSpectrogram(config:)` trust it.
    public func validate(file: String? = nil) throws {
        func bad(_ field: String, _ why: String) -> SSLSaNError {
            SSLSaNError("model configuration (\(Self.metadataKey)): \(field) \(why)", file: file)
        }
        guard !name.isEmpty, name.count <= 100, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw bad("name", "must be 1…100 printable characters")
        }
        guard widths.count == 4 else {
            throw bad("widths", "is \(widths) but the ResNet-18 encoders have 4 layers (4 channel counts, e.g. [64, 128, 256, 512])")
        }
        if let w = widths.first(where: { !(1...Self.maxWidth).contains($0) }) {
            throw bad("widths", "has \(w); each layer's channels must be 1…\(Self.maxWidth)")
        }
        guard Self.imageSizes.contains(imageSize), imageSize % 16 == 0 else {
            throw bad("imageSize", "is \(imageSize); it must be a multiple of 16 (the encoder's stride) in \(Self.imageSizes.lowerBound)…\(Self.imageSizes.upperBound)")
        }
        guard Self.sampleRates.contains(sampleRate) else {
            throw bad("sampleRate", "is \(sampleRate) Hz; it must be \(Self.sampleRates.lowerBound)…\(Self.sampleRates.upperBound)")
        }
        guard clipSeconds.isFinite, clipSeconds > 0, clipSeconds <= Self.maxClipSeconds else {
            throw bad("clipSeconds", "is \(clipSeconds); the audio window must be more than 0 and at most \(Int(Self.maxClipSeconds)) s")
        }
        guard Self.fftSizes.contains(nFFT), nFFT % 2 == 0 else {
            throw bad("nFFT", "is \(nFFT); it must be even, \(Self.fftSizes.lowerBound)…\(Self.fftSizes.upperBound)")
        }
        guard windowSamples >= nFFT else {
            throw bad("clipSeconds", "gives a \(windowSamples)-sample window, shorter than one FFT frame (nFFT \(nFFT))")
        }
        guard (1...nFFT).contains(hop) else {
            throw bad("hop", "is \(hop); it must be 1…nFFT (\(nFFT)): a larger hop skips samples")
        }
        guard frames <= Self.maxFrames else {
            throw bad("hop", "\(hop) gives \(frames) frames per window; at most \(Self.maxFrames)")
        }
        guard (1...(nFFT / 2 + 1)).contains(nMels) else {
            throw bad("nMels", "is \(nMels); it must be 1…\(nFFT / 2 + 1) (the FFT's frequency bins at nFFT \(nFFT))")
        }
        let log2n = Double(Int.bitWidth - nFFT.leadingZeroBitCount - 1)
        let perFrame = nFFT & (nFFT - 1) == 0 ? Double(nFFT) * log2n : Double(nFFT) * Double(nFFT)
        guard Double(frames) * perFrame <= Self.maxSTFTWork else {
            throw bad("nFFT", "\(nFFT) with \(frames) frames makes one window's STFT too costly (use a power of two or fewer frames)")
        }
        let half = { (n: Int) in (n + 1) / 2 }
        guard widths[0] * half(imageSize) * half(imageSize) <= Self.maxActivation else {
            throw bad("imageSize", "\(imageSize) with \(widths[0]) stem channels needs more than \(Self.maxActivation * 4 >> 20) MB per image")
        }
        guard widths[0] * half(nMels) * half(frames) <= Self.maxActivation else {
            throw bad("nMels", "\(nMels) × \(frames) frames with \(widths[0]) stem channels needs more than \(Self.maxActivation * 4 >> 20) MB per clip")
        }
        for (field, v) in [("epsilon", epsilon), ("epsilon2", epsilon2)] where !(v.isFinite && (-1...1).contains(v)) {
            throw bad(field, "is \(v); a cosine-similarity threshold must lie in −1…1")
        }
        guard epsilon2 <= epsilon else { throw bad("epsilon2", "(\(epsilon2)) must not exceed epsilon (\(epsilon))") }
        for (field, v) in [("tau", tau), ("temperature", temperature)] where !(v.isFinite && v > 0 && v <= 100) {
            throw bad(field, "is \(v); a temperature must be more than 0 and at most 100")
        }
    }
}
