import Foundation

/// A training or validation pair: a dataset `Sample` (training needs no ground truth).
public typealias TrainingPair = Sample

/// Training and validation folders are read by `Dataset.open`, like every other front door, so
/// training reads every layout the explorer opens (sslsan manifest, VGG-SS, IS3/IS3+, S4).
public enum TrainingManifest {
    /// The pairs of a dataset folder (or `manifest.jsonl`), with or without box or mask.
    public static func read(_ dir: String) throws -> [TrainingPair] {
        let ds = try Dataset.open(dir, requireGroundTruth: false)
        guard !ds.samples.isEmpty else {
            throw SSLSaNError("no usable pairs (\(ds.summary)\(ds.problems.first.map { "; " + $0 } ?? ""))", file: dir)
        }
        return ds.samples
    }
}

/// Turns pairs into network inputs: augmented images, SpecAugmented log-mel spectrograms (with
/// Similar Audio Mixing), silence and noise spectrograms. Thread-safe (immutable tables only).
public struct TrainingFrontEnd: Sendable {
    public let config: ModelConfig
    public let mel: MelSpectrogram
    public var imageAugment: ImageAugment
    public var specAugment: SpecAugment?
    public let silenceSpec: Tensor

    public init(config: ModelConfig, imageAugment: ImageAugment, specAugment: Bool) {
        self.config = config
        mel = MelSpectrogram(config: config)
        self.imageAugment = imageAugment
        self.specAugment = specAugment ? SpecAugment(config: config) : nil
        silenceSpec = NegativeAudio.spectrogram(.silence, config: config, seed: 0)
    }

    public func loadWaveform(_ p: TrainingPair) throws -> [Float] {
        // Only the window is used (SAM mixing keeps the shorter length, then the window cuts).
        try AudioFile.read(p.audioPath, sampleRate: config.sampleRate, maxSamples: config.windowSamples).samples
    }

    /// SAM mixing on raw waveforms: (1−α)·x0[:L] + α·x1[:L], L = min length (SPEC §4.4).
    public static func mix(_ x0: [Float], _ x1: [Float], alpha: Float) -> [Float] {
        let l = min(x0.count, x1.count)
        return (0..<l).map { (1 - alpha) * x0[$0] + alpha * x1[$0] }
    }

    /// log-mel (1,1,mels,frames): window → power → SpecAugment (if on and `augment`) → dB.
    public func spectrogram(_ wave: [Float], augment: Bool, rng: inout TrainingRNG) -> Tensor {
        let p = mel.power(mel.window(wave))
        if augment, let sa = specAugment { sa.apply(p, rng: &rng) }
        return MelSpectrogram.decibels(p)
    }

    public func noiseSpec(seed: UInt64) -> Tensor { NegativeAudio.spectrogram(.noise, config: config, seed: seed) }
}

/// Builds batches on a background thread (up to `ahead` batches ahead).
///
/// The thread owns what it uses: it holds the producer and the `make` closure strongly (the
/// closure holds the trainer), and `stop()` joins it, so nothing it reads can be freed under it
/// when a run stops mid-epoch (it used to capture both `unowned`).
final class BatchProducer: @unchecked Sendable {
    struct Job { let indices: [Int]; let seed: UInt64 }
    private let lock = NSCondition()
    private var ready: [Int: Result<TrainBatch, Error>] = [:]
    private var jobs: [Job]
    private var stopped = false
    private var finished = false
    private let make: @Sendable (Job) throws -> TrainBatch
    let ahead: Int

    init(jobs: [Job], ahead: Int = 2, make: @escaping @Sendable (Job) throws -> TrainBatch) {
        self.jobs = jobs; self.make = make; self.ahead = ahead
        let t = Thread { self.loop() }
        t.name = "sslsan-batches"
        t.stackSize = 8 << 20
        t.start()
    }

    private func loop() {
        defer { lock.lock(); finished = true; lock.broadcast(); lock.unlock() }
        var i = 0
        while true {
            lock.lock()
            while !stopped && (ready.count >= ahead || i >= jobs.count) {
                if i >= jobs.count { lock.unlock(); return }
                lock.wait()
            }
            if stopped { lock.unlock(); return }
            let job = jobs[i]
            lock.unlock()
            let r = Result { try make(job) }
            lock.lock()
            ready[i] = r
            lock.broadcast()
            lock.unlock()
            i += 1
        }
    }

    /// The batch for job `i` (blocks until built).
    func batch(_ i: Int) throws -> TrainBatch {
        lock.lock()
        while ready[i] == nil { lock.wait() }
        let r = ready.removeValue(forKey: i)!
        lock.broadcast()
        lock.unlock()
        return try r.get()
    }

    /// Stops the thread and waits until it has returned (a batch being built is finished first).
    func stop() {
        lock.lock()
        stopped = true
        lock.broadcast()
        while !finished { lock.wait() }
        lock.unlock()
    }
}
