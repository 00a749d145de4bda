import Foundation
import Core

/// What the explorer needs from a localisation model. Calls may come from several threads at
/// once (eval-mode encoders share no scratch).
public protocol ExplorerModel: AnyObject, Sendable {
    /// Shown in the status line (checkpoint file name).
    var name: String { get }
    var sampleRate: Int { get }
    /// Samples in the model's audio window (clips are tiled and truncated to it).
    var windowSamples: Int { get }
    /// v̂ for one image: (1, C, h, w), L2-normalised over channels.
    func encodeImage(_ image: RGBImage) throws -> Tensor
    /// â for a waveform: (1, C). `negative` selects the silence/noise front end (no dB when the
    /// model's configuration says so); the waveform is tiled and truncated to the window.
    func encodeAudio(_ waveform: [Float], negative: Bool) -> Tensor
}

extension ExplorerModel {
    /// The silence input: a zero waveform of window length.
    public func silenceEmbedding() -> Tensor { encodeAudio([Float](repeating: 0, count: windowSamples), negative: true) }

    /// The noise input: N(0, 1) waveform of window length from a seeded generator.
    public func noiseEmbedding(seed: UInt64) -> Tensor { encodeAudio(NoiseSource.gaussian(count: windowSamples, seed: seed), negative: true) }
}

/// A = Σ_c v̂[c, h, w] · â[c] for one image and one audio embedding.
public func similarityMap(visual v: Tensor, audio a: Tensor) -> SimilarityMap {
    let c = v.shape[1], h = v.shape[2], w = v.shape[3]
    precondition(a.count == c, "audio embedding has \(a.count) channels, visual map \(c)")
    var out = [Float](repeating: 0, count: h * w)
    let hw = h * w
    out.withUnsafeMutableBufferPointer { o in
        for ch in 0..<c {
            let s = a.data[ch]
            if s == 0 { continue }
            let base = v.data + ch * hw
            for i in 0..<hw { o[i] += base[i] * s }
        }
    }
    return SimilarityMap(width: w, height: h, values: out)
}

/// Gaussian noise for the noise condition (any N(0,1) generator is acceptable, SPEC §1.8).
public enum NoiseSource {
    public static func gaussian(count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        var out = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = next(), u2 = next()
            let r = (-2 * log(u1)).squareRoot()
            out[i] = Float(r * cos(2 * .pi * u2))
            if i + 1 < count { out[i + 1] = Float(r * sin(2 * .pi * u2)) }
            i += 2
        }
        return out
    }
}

/// What the explorer needs from a dataset: the samples and how to decode them.
public protocol ExplorerData: Sendable {
    var name: String { get }
    var samples: [Sample] { get }
    /// Problems found while opening (per-sample, with ids).
    var problems: [String] { get }
    func image(_ sample: Sample) throws -> RGBImage
    func audio(_ sample: Sample, sampleRate: Int) throws -> AudioClip
    /// The metrics' 224×224 ground truth (nil when the sample has none or it cannot be read).
    func groundTruth(_ sample: Sample) -> GroundTruthMap?
    /// The sample whose audio plays as the off-screen sound for sample i (a class absent from
    /// its scene), deterministic for a given seed.
    func offscreen(for i: Int, seed: UInt64) -> Int?
    /// The 224×224 binary ground truth the metrics use (nil when the sample has none).
    func groundTruthMap(_ sample: Sample) -> [UInt8]?
}

extension ExplorerData {
    public func groundTruthMap(_ sample: Sample) -> [UInt8]? {
        groundTruth(sample).flatMap { $0.isEmpty ? nil : $0.pixels }
    }

    /// Off-screen choice (SPEC §7.4 in spirit): a class not in the scene, then a file of it.
    public func defaultOffscreen(for i: Int, seed: UInt64) -> Int? {
        let s = samples[i]
        let present = Set([s.label] + s.objects)
        var byClass: [String: [Int]] = [:]
        for (k, o) in samples.enumerated() where !present.contains(o.label) && o.scene != s.scene { byClass[o.label, default: []].append(k) }
        let classes = byClass.keys.sorted()
        guard !classes.isEmpty else { return nil }
        var h = seed &+ UInt64(i) &* 0x2545_F491_4F6C_DD1D
        h ^= h >> 29
        let cls = classes[Int(h % UInt64(classes.count))]
        let files = byClass[cls]!
        return files[Int((h >> 17) % UInt64(files.count))]
    }
}
