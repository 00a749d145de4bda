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
/// Models: any `LocalisationModel` (SSL-TIE and every zoo family); with `options.cache` the
/// embeddings of files and negatives are read from and written to an `EmbeddingCache` on disk,
/// so a second run encodes nothing and gives the same floats.
///
/// Off-screen candidates are validated before the first draw (`offscreenChoice`): a clip that
/// cannot be opened or holds no samples is never drawn as another sample's off-screen audio, so
/// one bad file costs only its own sample.
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
        /// Embeddings on disk (nil: none). `eval` and the explorer pass one; the trainer's
        /// validation does not (its weights change every epoch).
        public var cache: EmbeddingCache?
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

    /// Per-sample scores before pooling: what `run` pools and what one shard of
    /// `sslsan eval --shard` writes (`EvaluationPart`).
    public struct Scores: Sendable {
        /// Scored samples by index into `samples`.
        public var scored: [Int: ScoredSample] = [:]
        /// Retrieval row of each scored sample: its image against each gallery item's audio.
        public var rows: [Int: [Float]] = [:]
        /// Sample indices whose audio forms the retrieval columns (nil: no retrieval).
        public var gallery: [Int]?
        /// One line per sample that could not be scored, starting with its id.
        public var problems: [String] = []
        public init() {}

        /// The metric set of these scores, samples in dataset order. `run` and
        /// `sslsan eval --merge` both pool through here, so merged shards give one run's table.
        public func pooled() -> MetricSet {
            let done = scored.keys.sorted()
            var retrieval: [[Float]]?
            if let gallery, gallery.count > 1, done.count > 1 {
                let col = Dictionary(uniqueKeysWithValues: gallery.enumerated().map { ($1, $0) })
                retrieval = done.map { i in done.map { rows[i]![col[$0]!] } }
            }
            return MetricSet(samples: done.map { scored[$0]! }, retrievalScores: retrieval)
        }
    }

    /// Any family (`LocalisationModel`): its front ends, encoders and head.
    public let model: any LocalisationModel
    public let samples: [Sample]
    public let options: Options
    /// The noise and off-screen seed of each pass (`OffscreenChoice.seeds`).
    public let seeds: [UInt64]

    private let lock = NSLock()
    private var choice: OffscreenChoice?
    private var candidateProblems: [String] = []
    private var modelKey: String?
    private var silenceCache: [Float]?
    private var noiseCache: [Int: [Float]] = [:]
    private var audioCache: [String: [Float]] = [:]

    public init(model: any LocalisationModel, samples: [Sample], options: Options = Options()) {
        self.model = model; self.samples = samples; self.options = options
        seeds = OffscreenChoice.seeds(passes: max(1, options.passes))
    }

    public convenience init(model: any LocalisationModel, dataset: Dataset, options: Options = Options()) {
        self.init(model: model, samples: dataset.samples, options: options)
    }

    // MARK: - model identity and the disk cache

    /// `model.fingerprint()`, computed once.
    public var modelFingerprint: String {
        lock.lock(); let hit = modelKey; lock.unlock()
        if let hit { return hit }
        let k = model.fingerprint()
        lock.lock(); modelKey = k; lock.unlock()
        return k
    }

    /// `make()` through the disk cache when there is one.
    private func stored(_ key: @autoclosure () throws -> String, _ make: () throws -> Tensor) rethrows -> Tensor {
        guard let cache = options.cache else { return try make() }
        return try cache.tensor(model: modelFingerprint, key: try key(), make)
    }

    private func vector(_ e: [Float]) -> Tensor { Tensor(shape: [e.count], values: e) }

    // MARK: - encoders

    private func cached<K: Hashable>(_ table: ReferenceWritableKeyPath<Evaluator, [K: [Float]]>, _ key: K, _ make: () throws -> [Float]) rethrows -> [Float] {
        lock.lock(); let hit = self[keyPath: table][key]; lock.unlock()
        if let hit { return hit }
        let e = try make()
        lock.lock(); self[keyPath: table][key] = e; lock.unlock()
        return e
    }

    /// â of silence (encoded once per model).
    public func silenceEmbedding() -> [Float] {
        lock.lock(); let hit = silenceCache; lock.unlock()
        if let hit { return hit }
        let e = stored("silence") { vector(model.negativeEmbedding(.silence, seed: 0)) }.array
        lock.lock(); silenceCache = e; lock.unlock()
        return e
    }

    /// â of pass `pass`'s noise: `NegativeAudio` with seed `seeds[pass]` (encoded once per seed).
    public func noiseEmbedding(pass: Int) -> [Float] {
        cached(\.noiseCache, pass) {
            stored("noise-\(seeds[pass])") { vector(model.negativeEmbedding(.noise, seed: seeds[pass])) }.array
        }
    }

    /// Silence and every pass's noise embedding (idempotent; `score` encodes them lazily too).
    public func prepare() {
        _ = silenceEmbedding()
        for p in seeds.indices { _ = noiseEmbedding(pass: p) }
    }

    /// â of an audio file, encoded once and cached (in memory, and on disk with a cache).
    public func audioEmbedding(_ path: String) throws -> [Float] {
        try cached(\.audioCache, path) {
            // At the file's own rate the clip (and so the embedding) differs: its own cache key.
            try stored(try EmbeddingCache.fileKey(path, kind: options.nativeRate ? "aud-native" : "aud")) {
                let rate = options.nativeRate ? try AudioFile.info(path).sampleRate : model.sampleRate
                return vector(model.audioEmbedding(try AudioFile.read(path, sampleRate: rate, maxSamples: model.audioSamplesRead)))
            }.array
        }
    }

    /// The image embedding (1, C, h, w) of an image file (v̂ for SSL-TIE; from the disk cache when it holds it).
    public func visualFeatures(_ path: String) throws -> Tensor {
        try stored(try EmbeddingCache.fileKey(path, kind: "img")) { model.imageEmbedding(try ImageFile.read(path)) }
    }

    // MARK: - off-screen audio

    /// The off-screen choice over the samples whose audio can be drawn: every distinct audio
    /// file is opened once (header only: `AudioFile.info`, a few µs) before the first draw, and
    /// files that cannot be opened or hold no samples are not candidates. The same rule in every
    /// front door, so eval and the explorer draw the same clips.
    public var offscreenChoice: OffscreenChoice {
        lock.lock(); defer { lock.unlock() }
        if let choice { return choice }
        var ok: [String: Bool] = [:], problems: [String] = []
        for path in Set(samples.map(\.audioPath)).sorted() {
            do {
                let info = try AudioFile.info(path)
                if info.frames <= 0 { throw SSLSaNError("audio file holds no samples (empty clip)", file: path) }
                ok[path] = true
            } catch {
                ok[path] = false
                problems.append("\((path as NSString).lastPathComponent): not drawn as off-screen audio (\(error))")
            }
        }
        let c = OffscreenChoice(samples: samples, candidates: samples.indices.filter { ok[samples[$0].audioPath]! })
        choice = c; candidateProblems = problems
        return c
    }

    /// Audio files left out of the off-screen draw, with the reason (after the first draw).
    public var offscreenProblems: [String] { _ = offscreenChoice; lock.lock(); defer { lock.unlock() }; return candidateProblems }

    /// The sample whose audio plays off-screen for sample `i` in pass `pass` (nil when every
    /// class is in the scene or no class outside it has a usable clip).
    public func offscreen(for i: Int, pass: Int) -> Int? { offscreenChoice.choose(for: i, seed: seeds[pass]) }

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

    /// How sample `i`'s maps become thresholded 224² maps: the model family's post-processing on
    /// the sample's test set (`MapPostProcessing.resolved(vggss:)`). Every `ScoredSample` this
    /// evaluator makes carries it, and the explorer's scene figures take it from here.
    public func postProcessing(for i: Int) -> MapPostProcessing {
        model.specification.postProcessing.resolved(vggss: samples[i].vggss)
    }

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
        let offscreenMaps = try picks.map { j -> SimilarityMap in
            do { return map(visual: v, audio: try audioEmbedding(samples[j].audioPath)) } catch {
                throw SSLSaNError("off-screen audio \(samples[j].id): \(error)")
            }
        }
        let scored = ScoredSample(
            id: s.id, label: s.label, scene: s.scene,
            positive: map(visual: v, audio: pos), silence: map(visual: v, audio: try audioEmbedding(for: i, .silence, pass: 0)!),
            noise: try range.map { map(visual: v, audio: try audioEmbedding(for: i, .noise, pass: $0)!) },
            offscreen: offscreenMaps,
            offscreenSources: picks.map { samples[$0].id }, groundTruth: gt,
            visualEmbedding: Alignment.pooledVisual(v.array, channels: c, positions: positions),
            audioEmbedding: pos, postProcessing: postProcessing(for: i))
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
        let scores = try scores(of: Array(samples.indices), progress: progress, isCancelled: isCancelled)
        progress(Progress(phase: .metrics, done: 0, total: 1))
        let set = scores.pooled()
        progress(Progress(phase: .metrics, done: 1, total: 1))
        return Result(metrics: set, problems: scores.problems, seconds: Date().timeIntervalSince(t0))
    }

    /// The samples of shard `shard` (1-based) of `count`: whole images (scene-mates stay
    /// together, so an image is encoded once), image k in first-appearance order going to shard
    /// k mod count + 1. Deterministic: the same dataset gives the same slices on any machine.
    public static func shard(_ shard: Int, of count: Int, samples: [Sample]) -> [Int] {
        precondition(count >= 1 && shard >= 1 && shard <= count)
        var imageIndex: [String: Int] = [:]
        var out: [Int] = []
        for (i, s) in samples.enumerated() {
            let k: Int
            if let seen = imageIndex[s.imagePath] { k = seen } else { k = imageIndex.count; imageIndex[s.imagePath] = k }
            if k % count == shard - 1 { out.append(i) }
        }
        return out
    }

    /// Scores the samples at `indices` (every sample for `run`, one shard's for `eval --shard`).
    /// The audio encoded is what those samples need: their positives and off-screen draws, plus,
    /// with retrieval, every item's audio (the gallery is the whole dataset in every shard).
    public func scores(of indices: [Int], progress: @escaping @Sendable (Progress) -> Void = { _ in },
                       isCancelled: @escaping @Sendable () -> Bool = { false }) throws -> Scores {
        let threads = options.parallelSamples ? max(1, options.threads) : 1

        progress(Progress(phase: .negatives, done: 0, total: seeds.count + 1))
        prepare()
        if isCancelled() { throw Cancelled() }

        // Distinct audio files, encoded once each.
        var needed = Set(indices.map { samples[$0].audioPath })
        if options.retrieval {
            needed.formUnion(samples.map(\.audioPath))
        } else {
            for i in indices { for p in seeds.indices { if let j = offscreen(for: i, pass: p) { needed.insert(samples[j].audioPath) } } }
        }
        let paths = needed.sorted()
        let audioErrors = try forEach(paths.count, threads: threads, phase: .audio, progress: progress, isCancelled: isCancelled) { k in
            _ = try self.audioEmbedding(paths[k])
        }
        var badAudio: [String: String] = [:]
        for (k, e) in audioErrors { badAudio[paths[k]] = e }

        var out = Scores()
        for i in indices { if let e = badAudio[samples[i].audioPath] { out.problems.append("\(samples[i].id): unreadable audio (\(e))") } }

        // Retrieval gallery: every usable item's audio, in item order.
        let usable = indices.filter { badAudio[samples[$0].audioPath] == nil }
        var galleryAudio: Tensor?
        if options.retrieval {
            let all = samples.indices.filter { badAudio[samples[$0].audioPath] == nil }
            if all.count > 1 {
                out.gallery = all
                let rows = all.map { audioCache[samples[$0].audioPath]! }
                galleryAudio = Tensor(shape: [rows.count, rows[0].count], values: rows.flatMap { $0 })
            }
        }

        // Images: one encoding per distinct image, shared by its samples.
        var byImage: [String: [Int]] = [:], imageOrder: [String] = []
        for i in usable {
            if byImage[samples[i].imagePath] == nil { imageOrder.append(samples[i].imagePath) }
            byImage[samples[i].imagePath, default: []].append(i)
        }
        let byImageFixed = byImage, imageOrderFixed = imageOrder, gallery = galleryAudio
        let n = samples.count
        let slots = SendableBox((UnsafeMutablePointer<ScoredSample?>.allocate(capacity: n),
                                 UnsafeMutablePointer<[Float]?>.allocate(capacity: n)))
        slots.value.0.initialize(repeating: nil, count: n)
        slots.value.1.initialize(repeating: nil, count: n)
        defer {
            slots.value.0.deinitialize(count: n); slots.value.0.deallocate()
            slots.value.1.deinitialize(count: n); slots.value.1.deallocate()
        }
        let sampleErrors = try forEach(imageOrder.count, threads: threads, phase: .images, progress: progress, isCancelled: isCancelled) { k in
            let members = byImageFixed[imageOrderFixed[k]]!
            let v: Tensor
            do { v = try self.visualFeatures(imageOrderFixed[k]) } catch { throw SSLSaNError("unreadable image (\(error))") }
            var firstRow: [Float]?
            for i in members {
                let r = try self.score(sample: i, visual: v, retrievalAudio: firstRow == nil ? gallery : nil)
                if firstRow == nil { firstRow = r.retrievalRow }
                slots.value.0[i] = r.sample
                slots.value.1[i] = firstRow
            }
        }
        for (k, e) in sampleErrors {
            for i in byImage[imageOrder[k]]! where slots.value.0[i] == nil { out.problems.append("\(samples[i].id): \(e)") }
        }
        for i in usable {
            if let s = slots.value.0[i] { out.scored[i] = s; if let r = slots.value.1[i] { out.rows[i] = r } }
        }
        return out
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
