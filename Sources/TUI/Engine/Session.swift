import Foundation
import Synchronization
import Core

/// The dataset and the model(s) the explorer works on, with their caches. Thread-safe.
final class Session: Sendable {
    let data: any ExplorerData
    let main: EmbeddingCache
    let compare: EmbeddingCache?
    let seed: UInt64 = 1234
    private let offscreenIndex: Mutex<[Int: Int?]> = Mutex([:])

    init(data: any ExplorerData, model: any ExplorerModel, compare: (any ExplorerModel)?) {
        self.data = data
        main = EmbeddingCache(model: model)
        self.compare = compare.map { EmbeddingCache(model: $0) }
    }

    var caches: [EmbeddingCache] { [main] + (compare.map { [$0] } ?? []) }

    func offscreen(_ i: Int) -> Int? {
        if let v = offscreenIndex.withLock({ $0[i] }) { return v }
        let v = data.offscreen(for: i, seed: seed)
        offscreenIndex.withLock { $0[i] = v }
        return v
    }

    /// The waveform a condition plays for sample i, its class and whether it is a negative input.
    func waveform(_ i: Int, _ c: AudioCondition, rate: Int, window: Int) throws -> (samples: [Float], label: String, negative: Bool) {
        switch c {
        case .positive:
            return (try data.audio(data.samples[i], sampleRate: rate).samples, data.samples[i].label, false)
        case .silence:
            return ([Float](repeating: 0, count: window), "silence", true)
        case .noise:
            return (NoiseSource.gaussian(count: window, seed: seed &+ UInt64(i)), "noise", true)
        case .offscreen:
            guard let j = offscreen(i) else { throw TUIError("no off-screen audio: every class is in this scene") }
            return (try data.audio(data.samples[j], sampleRate: rate).samples, data.samples[j].label, false)
        }
    }

    /// â of sample i's condition c; the off-screen embedding is the other sample's positive one.
    func embedding(_ cache: EmbeddingCache, _ i: Int, _ c: AudioCondition) throws -> Tensor {
        let m = cache.model
        switch c {
        case .positive:
            return try cache.embedding("pos:\(i)") {
                m.encodeAudio(try data.audio(data.samples[i], sampleRate: m.sampleRate).samples, negative: false)
            }
        case .silence: return cache.embedding("sil") { m.silenceEmbedding() }
        case .noise: return cache.embedding("noise:\(i)") { m.noiseEmbedding(seed: seed &+ UInt64(i)) }
        case .offscreen:
            guard let j = offscreen(i) else { throw TUIError("no off-screen audio for \(data.samples[i].id)") }
            return try embedding(cache, j, .positive)
        }
    }

    func features(_ cache: EmbeddingCache, _ i: Int) throws -> Tensor {
        try cache.features(i) { try data.image(data.samples[i]) }
    }

    /// The four maps of sample i (a failed condition gives nil and its error).
    func maps(_ cache: EmbeddingCache, _ i: Int) throws -> (maps: [SimilarityMap?], problem: String?) {
        let v = try features(cache, i)
        var out: [SimilarityMap?] = []
        var problem: String?
        for c in AudioCondition.allCases {
            do { out.append(similarityMap(visual: v, audio: try embedding(cache, i, c))) } catch {
                out.append(nil); problem = problem ?? "\(error)"
            }
        }
        return (out, problem)
    }
}

/// Scores the whole dataset in the background: per-sample maxima and threshold counts.
final class Scorer: Sendable {
    private let cancelled = Atomic<Bool>(false)
    let session: Session
    let inbox: Inbox
    let generation: Int

    init(session: Session, inbox: Inbox, generation: Int) { self.session = session; self.inbox = inbox; self.generation = generation }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func start() {
        WorkerThreads.start(name: "sslsan-scorer", stackSize: 8 << 20) { [self] in run() }
    }

    static func score(_ session: Session, _ i: Int) -> (SampleScore?, String?) {
        do {
            let (maps, problem) = try session.maps(session.main, i)
            guard let pos = maps[0] else { return (nil, problem ?? "no positive map") }
            let negs = maps[1...3].map { $0 ?? SimilarityMap(width: pos.width, height: pos.height, values: .init(repeating: 0, count: pos.values.count)) }
            let gt = session.data.groundTruthMap(session.data.samples[i])
            let counts = gt.map { ThresholdCounts(positive: pos, negatives: negs, groundTruth: $0) }
            return (SampleScore(maxes: maps.map { $0?.max ?? .nan }, counts: counts), problem)
        } catch {
            return (nil, "\(error)")
        }
    }

    private func run() {
        let t0 = monotonicSeconds()
        var failed = 0
        let n = session.data.samples.count
        for i in 0..<n {
            if cancelled.load(ordering: .relaxed) { return }
            let (s, p) = Self.score(session, i)
            if p != nil { failed += 1 }
            inbox.post(.score(i, s, problem: p, generation: generation))
        }
        let dt = monotonicSeconds() - t0
        inbox.post(.scoringFinished(String(format: "%.1f s", dt) + (failed > 0 ? ", \(failed) with problems" : ""), generation: generation))
    }
}
