import Foundation
import Synchronization

/// A folder of synthetic scenes the panel writes with the sample generator (`SampleDataset.write`,
/// as `sslsan samples --out FOLDER --count SCENES --seed SEED --split SPLIT`) when it is missing.
/// The panel's defaults train on one (seed 2) and validate on another (seed 3), so neither is the
/// dataset being explored (`samples/` is seed 1): the figures the explorer then shows for the
/// trained model are on scenes it never saw, as in samples/TRAINING.md.
public struct GeneratedSplit: Sendable, Equatable {
    public var folder: String
    public var seed: UInt64
    public var scenes: Int
    public var split: String

    public static func training(in runs: String) -> GeneratedSplit {
        GeneratedSplit(folder: runs + "/data/train-seed2", seed: 2, scenes: 500, split: "train")
    }
    public static func validation(in runs: String) -> GeneratedSplit {
        GeneratedSplit(folder: runs + "/data/val-seed3", seed: 3, scenes: 100, split: "val")
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: folder + "/manifest.jsonl") }
    public var command: String { "sslsan samples --out \(folder) --count \(scenes) --seed \(seed) --split \(split)" }
}

/// What the training panel asks for.
public struct TrainingRequest: Sendable, Equatable {
    public var data: String
    /// Validation set (by default a generated split apart from the training data and the explored dataset).
    public var validation: String?
    public var config: String
    public var epochs: Int
    public var useSilence: Bool
    public var useNoise: Bool
    public var useJointAudioBatch: Bool
    public var useEquivariance: Bool
    public var learningRate: Double
    /// Run folder (checkpoints, JSONL log); the trainer creates it, and removes it again when the
    /// run stops before its first step.
    public var runDirectory: String
    /// Checkpoint to resume from (after a stop).
    public var resume: String?
    /// Folders to generate before training when they are missing (the default splits).
    public var generate: [GeneratedSplit] = []
}

/// A trainer the explorer can drive in the background. `run` blocks (it is called on a worker
/// thread), reports through `progress` and returns when done or when `cancelled()` turns true.
public protocol TrainingDriver: Sendable {
    var configs: [String] { get }
    func run(_ request: TrainingRequest, progress: @escaping @Sendable (TrainingUpdate) -> Void,
             cancelled: @escaping @Sendable () -> Bool) throws
}

/// One background training run.
final class TrainingJob: Sendable {
    private let cancelFlag = Atomic<Bool>(false)
    let request: TrainingRequest

    init(driver: any TrainingDriver, request: TrainingRequest, inbox: Inbox) {
        self.request = request
        WorkerThreads.start(name: "sslsan-training", stackSize: 16 << 20) { [self] in
            do {
                try driver.run(request, progress: { inbox.post(.training($0)) }, cancelled: { [self] in cancelFlag.load(ordering: .relaxed) })
                inbox.post(.training(cancelFlag.load(ordering: .relaxed) ? .stopped : .finished))
            } catch {
                inbox.post(.training(.failed("\(error)")))
            }
        }
    }

    func cancel() { cancelFlag.store(true, ordering: .relaxed) }
}
