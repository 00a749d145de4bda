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

    /// Reads the configuration from checkpoint metadata; no key means `full`.
    public static func from(metadata: [String: String], file: String? = nil) throws -> ModelConfig {
        guard let s = metadata[metadataKey] else { return .full }
        do { return try JSONDecoder().decode(ModelConfig.self, from: Data(s.utf8)) } catch {
            throw SSLSaNError("checkpoint metadata '\(metadataKey)' is not a valid model configuration", file: file)
        }
    }
}
