import Foundation

/// Scores a dataset with a model the way vssl_eval does (SPEC §6.0), without its waste: each
/// image is encoded once (IS3 stores every scene twice; S4 shares a clip between 5 frames), each
/// distinct audio file once, silence once, and noise once per pass with the pass's seed. Every
/// sample then gets its raw 14×14 maps for the positive, silence, noise (per pass) and off-screen
/// (per pass) audio, the pooled embeddings for alignment/magnitude, and a row of retrieval scores.
///
/// Every front door scores through this type: `sslsan eval` and `render` call `run`/`score`, the
/// explorer calls `score(sample:passes:)` per sample (any order, any thread) and keeps the
/// `MetricSet`, the trainer's validation calls `run`. A pass is defined here once: pass p plays
/// the noise of `NegativeAudio` with seed `seeds[p]` (so `sslsan infer --noise --seed seeds[p]`
/// shows the same map) and the off-screen audio `OffscreenChoice` picks with that seed. Each map
/// is computed on its own (one audio row per GEMM), so a map does not depend on which other
/// passes are scored with it: `score(sample:passes: 0..<1)` then `1..<10` equals `0..<10`.
///
/// Threads: `run` spreads the samples over `options.threads` workers (`parallelSamples`) or runs
/// one sample at a time. It does not touch the process-wide OpenBLAS / layer thread counts: the
/// front door sets the `ComputeBudget` and the options default to it (for `parallelSamples`, single-threaded BLAS and layer
/// loops are what it was measured with: 7.8 s CPU against 9.3 s one sample at a time with 2 BLAS
/// threads, on `../shared/realdata`, 10 samples × 10 passes).
public final class Evaluator: @unchecked Sendable {
    public struct Options: Sendable {
        /// vssl_eval's 10 passes (noise realisation and off-screen choice change per pass).
        public var passes = 10
        /// Compute retrieval scores (each image against every item's audio; O(N²·C·h·w)).
        public var retrieval = true
        /// Spread samples over threads, or run one sample at a time (default: as the front door's
        /// `ComputeBudget` says).
        public var parallelSamples = ComputeBudget.current.jobs > 1
        /// Threads for `parallelSamples` (default: the budget's side-by-side jobs).
        public var threads = ComputeBudget.current.jobs
        /// Read audio at each file's own rate, as vssl_eval does, instead of resampling to the
        /// model's (`LocalisationModel.sampleRate`, the default: what the models were trained on).
        public var nativeRate = false
        public init() {}
    }

    /// What `progress` reports: a phase and how far it is.
    public struct Progress: Sendable {
        public enum Phase: String, Sendable { case negatives, audio, images, metrics }
        public var phase: Phase
        public var done: Int
        public var total: Int
    }

    /// Thrown by `run` when `isCancelled` returned true.
    public struct Cancelled: Error, CustomStringConvertible {
        public var description: String { "evaluation cancelled" }
    }

    /// The outcome of `run`.
    public struct Result: Sendable {
        /// Everything needed to recompute metrics at any threshold.
        public var metrics: MetricSet
        /// Samples that could not be scored (unreadable image, audio or mask), with the reason.
        public var problems: [String]
        /// Wall time of the scoring, seconds.
        public var seconds: Double
    }

    /// Any family (`LocalisationModel`): its front ends, encoders and head.
    public let model: any LocalisationModel
    public let samples: [Sample]
    public let options: Options
    /// The noise and off-screen seed of each pass (`OffscreenChoice.seeds`).
    public let seeds: [UInt64]
    let offscreen: OffscreenChoice

    private let lock = NSLock()
    private var silenceCache: [Float]?
    private var noiseCache: [Int: [Float]] = [:]
    private var audioCache: [String: [Float]] = [:]

    public init(model: any LocalisationModel, samples: [Sample], options: Options = Options()) {
        self.model = model; self.samples = samples; self.options = options
        seeds = OffscreenChoice.seeds(passes: max(1, options.passes))
        offscreen = OffscreenChoice(samples: samples)
    }

    public convenience init(model: any LocalisationModel, dataset: Dataset, options: Options = Options()) {
        self.init(model: model, samples: dataset.samples, options: options)
    }

    // MARK: - encoders

    private func encodeAudio(_ spec: Tensor) -> [Float] { model.audioEmbedding(spec).array }

    private func cached<K: Hashable>(_ table: ReferenceWritableKeyPath<Evaluator, [K: [Float]]>, _ key: K, _ make: () throws -> [Float]) rethrows -> [Float] {
        lock.lock(); let hit = self[keyPath: table][key]; lock.unlock()
        if let hit { return hit }
        let e = try make()
        lock.lock(); self[keyPath: table][key] = e; lock.unlock()
        return e
    }

    /// â of silence (encoded once).
    public func silenceEmbedding() -> [Float] {
        lock.lock(); let hit = silenceCache; lock.unlock()
        if let hit { return hit }
        let e = encodeAudio(model.negativeInput(.silence, seed: 0))
        lock.lock(); silenceCache = e; lock.unlock()
        return e
    }

    /// â of pass `pass`'s noise: `NegativeAudio` with seed `seeds[pass]` (encoded once).
    public func noiseEmbedding(pass: Int) -> [Float] {
        cached(\.noiseCache, pass) { encodeAudio(model.negativeInput(.noise, seed: seeds[pass])) }
    }

    /// Silence and every pass's noise embedding (idempotent; `score` encodes them lazily too).
    public func prepare() {
        _ = silenceEmbedding()
        for p in seeds.indices { _ = noiseEmbedding(pass: p) }
    }

    /// â of an audio file, encoded once and cached.
    public func audioEmbedding(_ path: String) throws -> [Float] {
        try cached(\.audioCache, path) {
            encodeAudio(model.audioInput(try AudioFile.read(path, sampleRate: options.nativeRate ? AudioFile.info(path).sampleRate : model.sampleRate,
                                                            maxSamples: model.audioSamplesRead)))
        }
    }

    /// The image embedding (1, C, h, w) of an image file (v̂ for SSL-TIE).
    public func visualFeatures(_ path: String) throws -> Tensor {
        let image = try ImageFile.read(path)
        return model.imageEmbedding(model.imageInput(image))
    }

    /// The sample whose audio plays off-screen for sample `i` in pass `pass` (nil when every
    /// class is in the scene).
    public func offscreen(for i: Int, pass: Int) -> Int? { offscreen.choose(for: i, seed: seeds[pass]) }

    /// â of what sample `i` plays under `condition` in pass `pass` (nil: no off-screen audio,
    /// every class is in the scene). The explorer composes a scene's maps condition by
    /// condition from this, so one unreadable file leaves the other conditions' maps.
    public func audioEmbedding(for i: Int, _ condition: AudioCondition, pass: Int) throws -> [Float]? {
        switch condition {
        case .positive: return try audioEmbedding(samples[i].audioPath)
        case .silence: return silenceEmbedding()
        case .noise: return noiseEmbedding(pass: pass)
        case .offscreen: return try offscreen(for: i, pass: pass).map { try audioEmbedding(samples[$0].audioPath) }
        }
    }

    /// The raw map of image 0 of `visual` with one audio embedding: one GEMM row, so the map
    /// does not depend on what else is scored with it.
    public func map(visual: Tensor, audio: [Float]) -> SimilarityMap { model.map(visual: visual, audio: audio) }

    // MARK: - one sample

    /// Scores one sample for the passes in `passes` (default: all of `options.passes`); thread-safe.
    /// `visual` lets callers reuse an image already encoded for a scene-mate. Scoring passes
    /// `a..<b` then `b..<c` and joining them with `ScoredSample.appendingPasses` gives the very
    /// maps of scoring `a..<c`.
    public func score(sample i: Int, passes: Range<Int>? = nil, visual: Tensor? = nil,
                      retrievalAudio: Tensor? = nil) throws -> (sample: ScoredSample, retrievalRow: [Float]?) {
        let range = passes ?? 0..<seeds.count
        precondition(range.lowerBound >= 0 && range.upperBound <= seeds.count, "Evaluator.score: passes \(range) of \(seeds.count)")
        let s = samples[i]
        let v = try visual ?? visualFeatures(s.imagePath)
        let c = v.shape[1], positions = v.shape[2] * v.shape[3]
        let pos = try audioEmbedding(for: i, .positive, pass: 0)!
        let picks = range.compactMap { offscreen(for: i, pass: $0) }
        let gt: GroundTruthMap?
        do { gt = try GroundTruthMap.load(for: s) } catch { throw SSLSaNError("\(s.id): ground truth: \(error)") }
        let scored = ScoredSample(
            id: s.id, label: s.label, scene: s.scene,
            positive: map(visual: v, audio: pos), silence: map(visual: v, audio: try audioEmbedding(for: i, .silence, pass: 0)!),
            noise: try range.map { map(visual: v, audio: try audioEmbedding(for: i, .noise, pass: $0)!) },
            offscreen: try picks.map { map(visual: v, audio: try audioEmbedding(samples[$0].audioPath)) },
            offscreenSources: picks.map { samples[$0].id }, groundTruth: gt,
            visualEmbedding: Alignment.pooledVisual(v.array, channels: c, positions: positions),
            audioEmbedding: pos)
        // A non-finite map (weights that overflow on this input) must not reach a metric.
        try scored.positive.requireFinite("positive")
        try scored.silence?.requireFinite("silence")
        for m in scored.noise { try m.requireFinite("noise") }
        for m in scored.offscreen { try m.requireFinite("off-screen") }
        var row: [Float]?
        if let ra = retrievalAudio {
            row = model.maps(visual: v, index: 0, audio: ra).map { Float($0.max) }
        }
        return (scored, row)
    }

    // MARK: - whole dataset

    /// Scores every sample and returns the metric set. `progress` is called from worker threads
    /// (serialised); `isCancelled` is polled between items.
    public func run(progress: @escaping @Sendable (Progress) -> Void = { _ in },
                    isCancelled: @escaping @Sendable () -> Bool = { false }) throws -> Result {
        let t0 = Date()
        let threads = options.parallelSamples ? max(1, options.threads) : 1

        progress(Progress(phase: .negatives, done: 0, total: seeds.count + 1))
        prepare()
        if isCancelled() { throw Cancelled() }

        // Distinct audio files, encoded once each.
        var problems: [String] = []
        let paths = Array(Set(samples.map(\.audioPath))).sorted()
        let audioErrors = try forEach(paths.count, threads: threads, phase: .audio, progress: progress, isCancelled: isCancelled) { k in
            _ = try self.audioEmbedding(paths[k])
        }
        var badAudio = Set<String>()
        for (k, e) in audioErrors { badAudio.insert(paths[k]); problems.append("\((paths[k] as NSString).lastPathComponent): unreadable audio (\(e))") }

        // Retrieval gallery: every usable item's audio, in item order.
        let usable = samples.indices.filter { !badAudio.contains(samples[$0].audioPath) }
        var galleryAudio: Tensor?
        if options.retrieval && usable.count > 1 {
            let rows = usable.map { audioCache[samples[$0].audioPath]! }
            galleryAudio = Tensor(shape: [rows.count, rows[0].count], values: rows.flatMap { $0 })
        }

        // Images: one encoding per distinct image, shared by its samples.
        var byImage: [String: [Int]] = [:], imageOrder: [String] = []
        for i in usable {
            if byImage[samples[i].imagePath] == nil { imageOrder.append(samples[i].imagePath) }
            byImage[samples[i].imagePath, default: []].append(i)
        }
        let byImageFixed = byImage, imageOrderFixed = imageOrder, gallery = galleryAudio
        var scored = [ScoredSample?](repeating: nil, count: samples.count)
        var rows = [[Float]?](repeating: nil, count: samples.count)
        let out = SendableBox((UnsafeMutablePointer<ScoredSample?>.allocate(capacity: samples.count),
                                UnsafeMutablePointer<[Float]?>.allocate(capacity: samples.count)))
        out.value.0.initialize(repeating: nil, count: samples.count)
        out.value.1.initialize(repeating: nil, count: samples.count)
        defer {
            out.value.0.deinitialize(count: samples.count); out.value.0.deallocate()
            out.value.1.deinitialize(count: samples.count); out.value.1.deallocate()
        }
        let sampleErrors = try forEach(imageOrder.count, threads: threads, phase: .images, progress: progress, isCancelled: isCancelled) { k in
            let members = byImageFixed[imageOrderFixed[k]]!
            let v: Tensor
            do { v = try self.visualFeatures(imageOrderFixed[k]) } catch { throw SSLSaNError("unreadable image (\(error))") }
            var firstRow: [Float]?
            for i in members {
                let r = try self.score(sample: i, visual: v, retrievalAudio: firstRow == nil ? gallery : nil)
                if firstRow == nil { firstRow = r.retrievalRow }
                out.value.0[i] = r.sample
                out.value.1[i] = firstRow
            }
        }
        for (k, e) in sampleErrors {
            for i in byImage[imageOrder[k]]! where out.value.0[i] == nil { problems.append("\(samples[i].id): \(e)") }
        }
        for i in samples.indices { scored[i] = out.value.0[i]; rows[i] = out.value.1[i] }

        progress(Progress(phase: .metrics, done: 0, total: 1))
        let done = samples.indices.filter { scored[$0] != nil }
        var retrieval: [[Float]]?
        if galleryAudio != nil, done.count > 1 {
            // Columns follow `usable`; keep those of scored items.
            let col = Dictionary(uniqueKeysWithValues: usable.enumerated().map { ($1, $0) })
            retrieval = done.map { i in done.map { rows[i]![col[$0]!] } }
        }
        let set = MetricSet(samples: done.map { scored[$0]! }, retrievalScores: retrieval)
        progress(Progress(phase: .metrics, done: 1, total: 1))
        return Result(metrics: set, problems: problems, seconds: Date().timeIntervalSince(t0))
    }

    /// Runs `body(k)` for k in 0..<n on `threads` workers pulling from a shared counter; returns
    /// the per-item errors. Throws `Cancelled` when `isCancelled` turns true.
    private func forEach(_ n: Int, threads: Int, phase: Progress.Phase, progress: @escaping @Sendable (Progress) -> Void,
                         isCancelled: @escaping @Sendable () -> Bool, _ body: @escaping @Sendable (Int) throws -> Void) throws -> [(Int, String)] {
        final class State: @unchecked Sendable {
            let lock = NSLock(); var next = 0; var done = 0; var errors: [(Int, String)] = []; var cancelled = false
        }
        let st = State()
        progress(Progress(phase: phase, done: 0, total: n))
        DispatchQueue.concurrentPerform(iterations: min(threads, max(n, 1))) { _ in
            while true {
                st.lock.lock()
                if st.cancelled || st.next >= n { st.lock.unlock(); return }
                let k = st.next; st.next += 1
                st.lock.unlock()
                if isCancelled() { st.lock.lock(); st.cancelled = true; st.lock.unlock(); return }
                var err: String?
                do { try body(k) } catch { err = "\(error)" }
                st.lock.lock()
                if let err { st.errors.append((k, err)) }
                st.done += 1
                let d = st.done
                progress(Progress(phase: phase, done: d, total: n))
                st.lock.unlock()
            }
        }
        if st.cancelled { throw Cancelled() }
        return st.errors.sorted { $0.0 < $1.0 }
    }
}
