import Foundation
import Synchronization
import Core

/// One model's scoring for the explorer: Core's `Evaluator` (audio embeddings, silence, the noise
/// of each pass, the off-screen choice, the maps) plus an LRU of image features shared by the
/// scorer and the scene worker.
///
/// The figures cover the samples with a box or mask, scored exactly as `sslsan eval` scores them:
/// `evaluator` is built over that list, so its off-screen choice is eval's. Samples without
/// ground truth (browsed, never in the figures) are scored by `browser`, over the whole list.
public final class ModelSession: ScoreSource, Sendable {
    let model: any ExplorerModel
    /// The dataset's samples (the scorer reads their images by index).
    let samples: [Sample]
    public let passes: Int
    let evaluator: Evaluator
    let browser: Evaluator?
    /// Dataset index of each `evaluator` sample, and the reverse.
    public let evaluationIndices: [Int]
    public let evaluationRow: [Int?]
    private let features = Mutex<(map: [Int: Tensor], order: [Int])>(([:], []))
    let capacity: Int

    public init(model: any ExplorerModel, samples: [Sample], passes: Int, capacity: Int = 48, cache: EmbeddingCache? = nil) {
        self.model = model; self.capacity = capacity; self.samples = samples; self.passes = max(1, passes)
        var options = Evaluator.Options()
        options.passes = passes
        options.retrieval = false
        // The same on-disk embeddings as `sslsan eval` (same keys): reopening costs no encoding.
        options.cache = cache
        evaluationIndices = samples.indices.filter { samples[$0].hasGroundTruth }
        var row = [Int?](repeating: nil, count: samples.count)
        for (k, i) in evaluationIndices.enumerated() { row[i] = k }
        evaluationRow = row
        evaluator = Evaluator(model: model.model, samples: evaluationIndices.map { samples[$0] }, options: options)
        browser = evaluationIndices.count == samples.count ? nil : Evaluator(model: model.model, samples: samples, options: options)
    }

    /// The rate the model reads clips at (the scene's waveforms are read at the main model's).
    public var sampleRate: Int { model.model.sampleRate }
    public var seeds: [UInt64] { evaluator.seeds }
    public var name: String { model.name }
    public func absence(_ c: AudioCondition) -> String? { nil }

    /// The silence or noise waveform the model encodes in `pass` (`LocalisationModel.negativeWaveform`:
    /// the family's own length and draw), so the scene plays what is scored.
    public func negativeWaveform(_ c: AudioCondition, pass: Int) -> [Float] {
        model.model.negativeWaveform(c, seed: seeds[pass])
    }

    /// How dataset sample `i`'s maps become thresholded maps (`Evaluator.postProcessing(for:)`):
    /// what the scene's figures count with.
    public func postProcessing(for i: Int) -> MapPostProcessing {
        let (e, k) = scorer(for: i)
        return e.postProcessing(for: k)
    }

    /// The evaluator that scores dataset sample `i`, and the sample's index in it.
    func scorer(for i: Int) -> (evaluator: Evaluator, index: Int) {
        if let k = evaluationRow[i] { return (evaluator, k) }
        return (browser!, i)
    }

    /// Dataset index of the sample whose audio plays off-screen for sample `i` in `pass`.
    func offscreen(for i: Int, pass: Int) -> Int? {
        let (e, k) = scorer(for: i)
        guard let j = e.offscreen(for: k, pass: pass) else { return nil }
        return e === evaluator ? evaluationIndices[j] : j
    }

    func cachedFeatures(_ i: Int) -> Tensor? { features.withLock { $0.map[i] } }

    /// v̂ of sample i (`Evaluator.visualFeatures`), encoded when it is not cached.
    func features(_ i: Int, path: String) throws -> Tensor {
        if let f = cachedFeatures(i) { return f }
        let f = try evaluator.visualFeatures(path)
        features.withLock { s in
            if s.map[i] == nil { s.order.append(i) }
            s.map[i] = f
            while s.order.count > capacity { s.map[s.order.removeFirst()] = nil }
        }
        return f
    }

    /// Sample i scored for `passes` with `Evaluator.score`.
    public func score(_ i: Int, passes: Range<Int>) throws -> ScoredSample {
        let v = try features(i, path: samples[i].imagePath)
        let (e, k) = scorer(for: i)
        return try e.score(sample: k, passes: passes, visual: v).sample
    }

    /// The four maps of sample i in the shown pass (positive, silence, noise, off-screen), each
    /// `LocalisationModel.map` of the condition's `Evaluator.audioEmbedding`: the maps `Evaluator.score`
    /// gives, but a condition that fails (an unreadable off-screen clip, say) is nil with its
    /// problem instead of failing the scene.
    public func maps(_ i: Int) throws -> (maps: [SimilarityMap?], problem: String?) {
        let v = try features(i, path: samples[i].imagePath)
        let (e, k) = scorer(for: i)
        var out: [SimilarityMap?] = [], problem: String?
        for c in AudioCondition.allCases {
            do {
                guard let a = try e.audioEmbedding(for: k, c, pass: Session.shownPass) else {
                    throw TUIError("no off-screen audio: every class is in this scene")
                }
                out.append(e.map(visual: v, audio: a))
            } catch {
                out.append(nil); problem = problem ?? "\(c.title): \(error)"
            }
        }
        return (out, problem)
    }

    /// The waveform a condition plays for sample i in the shown pass, and its class. Silence and
    /// noise are the model's `negativeWaveform` with the pass's seed: the waveform `Evaluator`
    /// and `sslsan infer --noise --seed` encode.
    public func waveform(_ i: Int, _ c: AudioCondition, data: any ExplorerData) throws -> (samples: [Float], label: String) {
        switch c {
        case .positive:
            return (try data.audio(data.samples[i], sampleRate: sampleRate).samples, data.samples[i].label)
        case .silence, .noise:
            return (negativeWaveform(c, pass: Session.shownPass), c == .silence ? "silence" : "noise")
        case .offscreen:
            guard let j = offscreen(for: i, pass: Session.shownPass) else { throw TUIError("no off-screen audio: every class is in this scene") }
            return (try data.audio(data.samples[j], sampleRate: sampleRate).samples, data.samples[j].label)
        }
    }

    /// â of a waveform slice for a condition, through the same front end as `Evaluator` and
    /// `sslsan infer`: the family's clip front end for audio files (`audioInput`, the slice as a
    /// clip at its rate), its silence / noise recipe for the negatives (`negativeInput(_:waveform:)`),
    /// each tiled to the family's window.
    public func embedding(_ waveform: [Float], condition: AudioCondition) -> [Float] {
        let m = model.model
        let input = condition == .silence || condition == .noise
            ? m.negativeInput(condition, waveform: waveform)
            : m.audioInput(AudioClip(samples: waveform, sampleRate: m.sampleRate))
        return m.audioEmbedding(input).array
    }
}
