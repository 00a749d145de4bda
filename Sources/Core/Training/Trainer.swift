import Foundation

/// Everything a training run is configured with (also recorded in the checkpoints and the log).
public struct TrainingOptions: Codable, Sendable {
    public var dataDir: String
    public var valDir: String?
    public var outDir: String
    public var config: String = "demo"
    public var epochs: Int = 10
    public var batch: Int = 32
    public var lr: Double = 1e-3
    public var weightDecay: Double = 1e-4
    /// SSL-SaN negatives and their loss (λ·(L_S + L_N)).
    public var silence = true
    public var noise = true
    public var negLoss = true
    public var lambda: Double = 1
    /// One audio-encoder forward on [positive; silence; noise] (see `TrainObjective.jointAudioBatch`):
    /// BatchNorm then sees in training the statistics it uses at test time (samples/TRAINING.md).
    public var jointAudioBatch = true
    /// SSL-TIE's equivariance branch (0.5·(L_cl + L_cl_ts) + λ_eq·L_eq).
    public var equivariance = true
    public var equivarianceWeight: Double = 1
    public var maxRotation = 30
    /// Similar Audio Mixing between epochs (best reading A5: α = min(0.01·e, 0.5), every sample from epoch 2).
    public var sam = true
    public var samQueue = 4000
    public var specAugment = true
    public var imageAugment = true
    /// Smallest RandomResizedCrop area fraction (SSL-TIE: 0.3).
    public var cropScale: Double = 0.3
    public var seed: UInt64 = 4
    /// ReduceLROnPlateau on the selection metric (mode max).
    public var plateauPatience = 10
    public var plateauFactor = 0.1
    /// Pairs per epoch (nil: the whole training set); epochs then draw fresh random subsets.
    public var epochSize: Int? = nil
    /// Validation samples (the first N of the validation dataset, scored as `sslsan eval --passes 1` scores them).
    public var valPairs = 200
    /// best.safetensors by: sep (separability, default), floc, objacc.
    public var select = "sep"
    /// Continue the run in `outDir` from its `last.safetensors` (from scratch when it has none yet).
    public var resume = false
    /// Minutes between saves of `last` inside an epoch (0: after every step; nil: only at epoch
    /// ends and on interruption). Epoch ends always save.
    public var saveEveryMinutes: Double? = 10
    /// Image and audio branches on two threads with single-threaded GEMMs (true), or one thread whose GEMMs use 2 cores.
    public var parallelBranches = true
    /// Log one JSONL step line every N steps.
    public var logEvery = 1

    public init(dataDir: String, outDir: String) { self.dataDir = dataDir; self.outDir = outDir }
}

public enum TrainingEvent: Sendable {
    case started(pairs: Int, valPairs: Int, parameters: Int, stepsPerEpoch: Int, startEpoch: Int, startStep: Int)
    case step(epoch: Int, step: Int, stepsInEpoch: Int, parts: [String: Double], samplesPerSecond: Double, lr: Double)
    case phase(String)
    /// `last` was saved inside an epoch (the time interval).
    case saved(String)
    case epochEnd(epoch: Int, meanParts: [String: Double], validation: [String: Double]?, seconds: Double, best: Bool)
    case stopped(String)
}

/// The training loop as a library: `Trainer(options).run(progress:shouldStop:)`.
/// Holds the run folder's lock (`RunFolder`) from `init` until the trainer is released. Writes
/// `log.jsonl` (`TrainingLog`: whole lines only), `last.safetensors` (`TrainingCheckpoint`: weights,
/// Adam moments, position, RNG, scheduler, SAM pairs in one atomic file) at every epoch end, every
/// `saveEveryMinutes` and on interruption, and `best.safetensors` by the selection metric.
public final class Trainer: @unchecked Sendable {
    public let options: TrainingOptions
    public let config: ModelConfig
    public let model: SSLSaNModel
    let optimizer: AdamOptimizer
    let train: [TrainingPair]
    let validator: TrainingValidation?
    let frontEnd: TrainingFrontEnd
    var rng: TrainingRNG
    var scheduler: ReduceLROnPlateau
    var startEpoch = 1
    var bestScore = -Double.infinity
    var samPairs: [Int: Int] = [:]
    var samAlpha: Float = 0
    var globalStep = 0
    /// This run's id (kept across resumes; in every `last` and the log's start line).
    var runID = UUID().uuidString
    /// Where a resumed run continues inside `startEpoch` (nil: at its beginning).
    var resumePosition: TrainingPosition?
    public let folder: RunFolder
    let log: TrainingLog

    public init(options o: TrainingOptions) throws {
        options = o
        config = try ModelConfig.named(o.config)
        train = try TrainingManifest.read(o.dataDir)
        guard train.count >= o.batch else { throw SSLSaNError("only \(train.count) pairs for batch size \(o.batch)", file: o.dataDir) }
        if let v = o.valDir {
            validator = try TrainingValidation(folder: v, limit: o.valPairs)
        } else { validator = nil }
        var ia = ImageAugment()
        ia.cropScale = min(1, max(0.05, o.cropScale))...1.0
        if !o.imageAugment { ia = .none }
        frontEnd = TrainingFrontEnd(config: config, imageAugment: ia, specAugment: o.specAugment)
        rng = TrainingRNG(seed: o.seed)
        model = SSLSaNModel(config: config, seed: o.seed)
        optimizer = AdamOptimizer(params: model.parameters, lr: Float(o.lr), weightDecay: Float(o.weightDecay))
        scheduler = ReduceLROnPlateau(mode: .max, factor: o.plateauFactor, patience: o.plateauPatience)
        // The folder last: every check above fails without leaving a folder behind.
        let folder = try RunFolder(o.outDir, resume: o.resume)
        self.folder = folder
        let resuming = o.resume && FileManager.default.fileExists(atPath: folder.lastPath)
        do { log = try TrainingLog(path: folder.logPath, append: resuming) } catch { folder.close(); throw error }
        do {
            if resuming {
                try loadLast()
                if let logged = TrainingLog.runID(folder.logPath), logged != runID {
                    throw SSLSaNError("--resume: last.safetensors is from run \(runID) but log.jsonl from run \(logged) (a file copied from another run?)", file: lastPath)
                }
            }
        } catch {
            folder.close()
            throw error
        }
    }

    var lastPath: String { folder.lastPath }
    var bestPath: String { folder.bestPath }

    // MARK: checkpoints

    func metadata(epoch: Int, extra: [String: String] = [:]) -> [String: String] {
        var m = extra
        m["sslsan.epoch"] = String(epoch)
        m["sslsan.step"] = String(globalStep)
        m["sslsan.run"] = runID
        if let d = try? JSONEncoder().encode(options), let s = String(data: d, encoding: .utf8) { m["sslsan.training"] = s }
        return m
    }

    /// Saves `last` at `position`: the next step is `step` of `epoch` (the epoch's RNG, sums and
    /// step count as of now).
    func saveLast(epoch: Int, step: Int, stepsPerEpoch: Int, epochRNG: TrainingRNG, sums: [String: Double], done: Int) throws {
        let p = TrainingPosition(run: runID, epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, pairs: train.count,
                                 globalStep: globalStep, rng: rng.words, epochRNG: epochRNG.words, lr: optimizer.lr,
                                 best: bestScore, samAlpha: samAlpha, scheduler: scheduler, sums: sums, done: done)
        try TrainingCheckpoint.write(model: model, optimizer: optimizer, position: p, samPairs: samPairs,
                                     metadata: metadata(epoch: epoch - 1), to: lastPath)
    }

    func loadLast() throws {
        let (p, sam) = try TrainingCheckpoint.read(lastPath, into: model, optimizer: optimizer, pairs: train.count)
        runID = p.run
        optimizer.lr = p.lr
        rng = TrainingRNG(words: p.rng)
        bestScore = p.best
        samAlpha = p.samAlpha
        scheduler = p.scheduler
        samPairs = sam
        globalStep = p.globalStep
        startEpoch = p.epoch
        if p.step > 0 {
            // Mid-epoch: the epoch is drawn again from its RNG, which needs the same pairs and steps.
            let steps = min(options.epochSize ?? train.count, train.count) / options.batch
            guard steps == p.stepsPerEpoch, train.count == p.pairs else {
                throw SSLSaNError("--resume: the run stopped at step \(p.step) of an epoch of \(p.stepsPerEpoch) steps over \(p.pairs) pairs; " +
                                  "now \(steps) steps over \(train.count) pairs: resume with the same --data, --batch and --epoch-size", file: lastPath)
            }
            resumePosition = p
        }
    }

    func writeLog(_ obj: [String: Any]) throws {
        try log.write(obj)
    }

    // MARK: batches

    func makeBatch(indices: [Int], seed: UInt64) throws -> TrainBatch {
        var r = TrainingRNG(seed: seed)
        let b = indices.count, s = config.imageSize
        let per = config.nMels * config.frames
        let images = Tensor(shape: [b, 3, s, s])
        let pos = Tensor(shape: [b, 1, config.nMels, config.frames])
        let sil: Tensor? = options.silence && options.negLoss ? Tensor(shape: pos.shape) : nil
        let noi: Tensor? = options.noise && options.negLoss ? Tensor(shape: pos.shape) : nil
        for (k, i) in indices.enumerated() {
            let p = train[i]
            let img = try ImageFile.read(p.imagePath)
            frontEnd.imageAugment.apply(img, size: s, rng: &r, into: images.data + k * 3 * s * s)
            var wave = try frontEnd.loadWaveform(p)
            if samAlpha > 0, let j = samPairs[i], j != i {
                wave = TrainingFrontEnd.mix(wave, try frontEnd.loadWaveform(train[j]), alpha: samAlpha)
            }
            frontEnd.spectrogram(wave, augment: true, rng: &r).copyInto(pos, at: k * per)
            if let sil { frontEnd.silenceSpec.copyInto(sil, at: k * per) }
            if let noi { frontEnd.noiseSpec(seed: r.next()).copyInto(noi, at: k * per) }
        }
        return TrainBatch(images: images, specPos: pos, specSilence: sil, specNoise: noi)
    }

    // MARK: Similar Audio Mixing (SPEC §4.4)

    func retrieveSimilarAudio(epoch: Int, shouldStop: () -> Bool) throws {
        let n = train.count
        let c = config.widths[3]
        let emb = Tensor(shape: [n, c])
        var r = rng.fork()
        var i = 0
        let per = config.nMels * config.frames
        while i < n {
            if shouldStop() { return }
            let nb = min(64, n - i)
            let sp = Tensor(shape: [nb, 1, config.nMels, config.frames])
            for k in 0..<nb {
                let w = try frontEnd.loadWaveform(train[i + k])
                frontEnd.spectrogram(w, augment: true, rng: &r).copyInto(sp, at: k * per)
            }
            model.encodeAudio(sp).copyInto(emb, at: i * c)
            i += nb
        }
        var pairs: [Int: Int] = [:]
        var q0 = 0
        while q0 < n {
            let nq = min(256, n - q0)
            var queue = Array(0..<n)
            for j in 0..<min(options.samQueue, n) { queue.swapAt(j, j + Int(r.next() % UInt64(n - j))) }
            queue = Array(queue.prefix(min(options.samQueue, n)))
            for q in q0..<(q0 + nq) {
                var best = -Float.infinity, bi = q
                let qa = emb.data + q * c
                for j in queue {
                    let ja = emb.data + j * c
                    var dot: Float = 0, nq2: Float = 0, nj2: Float = 0
                    for t in 0..<c { dot += qa[t] * ja[t]; nq2 += qa[t] * qa[t]; nj2 += ja[t] * ja[t] }
                    let cs = dot / max(nq2.squareRoot() * nj2.squareRoot(), 1e-6)
                    if cs > best { best = cs; bi = j }
                }
                pairs[q] = bi
            }
            q0 += nq
        }
        withExtendedLifetime(emb) {}
        samPairs = pairs
        samAlpha = min(0.01 * Float(epoch), 0.5)
    }

    // MARK: run

    /// Trains until `options.epochs` epochs are done, `shouldStop()` returns true (the current step
    /// finishes, `last` is saved) or the loss stops being finite (stops with an error; the last good
    /// checkpoint is kept). Thread counts (OpenBLAS, workers) are the caller's: with
    /// `parallelBranches` the two branches each run their GEMMs, so one BLAS thread each fills 2 cores.
    @discardableResult
    public func run(progress: (TrainingEvent) -> Void, shouldStop: () -> Bool) throws -> MetricReport? {
        let o = options
        var objective = TrainObjective(config: config)
        objective.lambda = Float(o.lambda)
        objective.negativeLoss = o.negLoss && (o.silence || o.noise)
        objective.equivarianceWeight = Float(o.equivarianceWeight)
        objective.parallelBranches = o.parallelBranches
        objective.jointAudioBatch = o.jointAudioBatch
        let epochPairs = min(o.epochSize ?? train.count, train.count)
        let stepsPerEpoch = epochPairs / o.batch
        let resumeAt = resumePosition
        progress(.started(pairs: train.count, valPairs: validator?.count ?? 0, parameters: model.parameterCount,
                          stepsPerEpoch: stepsPerEpoch, startEpoch: startEpoch, startStep: resumeAt?.step ?? 0))
        let fresh = globalStep == 0 && startEpoch == 1
        // A fresh run stopped (or failed) before its first step leaves no folder behind.
        defer { if fresh && globalStep == 0 { folder.discardIfUntouched() } }
        if fresh {
            try writeLog(["type": "start", "run": runID, "pairs": train.count, "parameters": model.parameterCount, "config": config.name,
                          "options": (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(o))) ?? [:]])
        } else {
            // Log lines after this position (steps the crash lost) are superseded by the ones that follow.
            try writeLog(["type": "resume", "run": runID, "epoch": startEpoch, "step": resumeAt?.step ?? 0, "global_step": globalStep])
        }
        var lastMetrics: MetricReport? = nil
        if startEpoch > o.epochs { progress(.stopped("already trained for \(o.epochs) epochs")); return nil }
        var lastSave = Date()
        for epoch in startEpoch...o.epochs {
            let t0 = Date()
            let resumeHere = epoch == startEpoch ? resumeAt : nil
            // The epoch's order and batch seeds come from the generator as the epoch begins.
            if let p = resumeHere { rng = TrainingRNG(words: p.epochRNG) }
            let epochRNG = rng
            var order = Array(0..<train.count)
            for j in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(j, Int(rng.next() % UInt64(j + 1))) }
            let jobs = (0..<stepsPerEpoch).map { s in
                BatchProducer.Job(indices: Array(order[(s * o.batch)..<((s + 1) * o.batch)]), seed: rng.next())
            }
            let first = resumeHere?.step ?? 0
            if let p = resumeHere { rng = TrainingRNG(words: p.rng) }
            let producer = BatchProducer(jobs: Array(jobs[first...])) { job in try self.makeBatch(indices: job.indices, seed: job.seed) }
            defer { producer.stop() }
            var sums: [String: Double] = resumeHere?.sums ?? [:]
            var done = resumeHere?.done ?? 0
            for s in first..<stepsPerEpoch {
                if shouldStop() {
                    if globalStep == 0 && fresh { progress(.stopped("stopped before the first step; nothing saved")); return lastMetrics }
                    try saveLast(epoch: epoch, step: s, stepsPerEpoch: stepsPerEpoch, epochRNG: epochRNG, sums: sums, done: done)
                    try writeLog(["type": "interrupted", "epoch": epoch, "step": s, "global_step": globalStep])
                    progress(.stopped("interrupted in epoch \(epoch) at step \(s); saved \(lastPath) (--resume continues there)"))
                    return lastMetrics
                }
                let ts = Date()
                let batch = try producer.batch(s - first)
                let tf = o.equivariance ? EquivarianceTransform.random(batch: o.batch, maxAngle: o.maxRotation,
                                                                        canvas: config.imageSize, rng: &rng) : nil
                optimizer.zeroGrad()
                let r = objective.step(model: model, batch: batch, transform: tf)
                if !r.lossTotal.isFinite {
                    try writeLog(["type": "nan", "epoch": epoch, "step": s, "global_step": globalStep])
                    throw SSLSaNError("loss became \(r.lossTotal) at epoch \(epoch), step \(s) (parts \(r.parts)); stopped. The last good checkpoint is \(lastPath)" +
                                      " — try a lower --lr")
                }
                optimizer.update()
                globalStep += 1
                done += 1
                let parts = r.parts
                for (k, v) in parts { sums[k, default: 0] += v }
                let sps = Double(o.batch) / Date().timeIntervalSince(ts)
                if o.logEvery > 0 && (s % o.logEvery == 0) {
                    var line: [String: Any] = ["type": "step", "epoch": epoch, "step": s, "global_step": globalStep,
                                               "lr": Double(optimizer.lr), "samples_per_s": sps]
                    for (k, v) in parts { line[k] = v }
                    try writeLog(line)
                }
                if let minutes = o.saveEveryMinutes, Date().timeIntervalSince(lastSave) >= minutes * 60, s + 1 < stepsPerEpoch {
                    try saveLast(epoch: epoch, step: s + 1, stepsPerEpoch: stepsPerEpoch, epochRNG: epochRNG, sums: sums, done: done)
                    lastSave = Date()
                    progress(.saved(lastPath))
                }
                progress(.step(epoch: epoch, step: s, stepsInEpoch: stepsPerEpoch, parts: parts, samplesPerSecond: sps, lr: Double(optimizer.lr)))
            }
            let means = sums.mapValues { $0 / Double(max(done, 1)) }
            var valDict: [String: Double]? = nil
            var isBest = false
            if let v = validator {
                progress(.phase("validating"))
                let m = try v.evaluate(model: model)
                lastMetrics = m
                valDict = m.validationDictionary
                let score: Double
                switch o.select {
                case "floc": score = m.fLoc
                case "objacc": score = m.objectAccuracy.map(\.value).flatMap { $0.isFinite ? $0 : nil } ?? m.separability
                default: score = m.separability
                }
                if score.isFinite && score > bestScore {
                    bestScore = score; isBest = true
                    try model.save(to: bestPath, metadata: metadata(epoch: epoch, extra: ["sslsan.selected_by": o.select, "sslsan.score": String(score)]))
                }
                let newLR = scheduler.step(metric: score, lr: Double(optimizer.lr))
                if newLR != Double(optimizer.lr) {
                    try writeLog(["type": "lr", "epoch": epoch, "lr": newLR])
                    optimizer.lr = Float(newLR)
                }
            } else {
                try model.save(to: bestPath, metadata: metadata(epoch: epoch, extra: ["sslsan.selected_by": "last (no --val)"]))
            }
            if o.sam && epoch < o.epochs {
                progress(.phase("similar audio retrieval"))
                try retrieveSimilarAudio(epoch: epoch, shouldStop: shouldStop)
            }
            try saveLast(epoch: epoch + 1, step: 0, stepsPerEpoch: stepsPerEpoch, epochRNG: rng, sums: [:], done: 0)
            lastSave = Date()
            let secs = Date().timeIntervalSince(t0)
            var line: [String: Any] = ["type": "epoch", "epoch": epoch, "global_step": globalStep, "seconds": secs,
                                       "lr": Double(optimizer.lr), "best": isBest, "sam_alpha": Double(samAlpha)]
            for (k, v) in means { line[k] = v }
            if let vd = valDict { for (k, v) in vd { line["val_" + k] = v.isFinite ? v : -1 } }
            try writeLog(line)
            progress(.epochEnd(epoch: epoch, meanParts: means, validation: valDict, seconds: secs, best: isBest))
        }
        progress(.stopped("finished \(o.epochs) epochs"))
        return lastMetrics
    }
}
