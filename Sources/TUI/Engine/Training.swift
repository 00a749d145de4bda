import Foundation
import Synchronization

/// What the training panel asks for.
public struct TrainingRequest: Sendable, Equatable {
    public var data: String
    /// Validation set (the dataset being explored).
    public var validation: String?
    public var config: String
    public var epochs: Int
    public var useSilence: Bool
    public var useNoise: Bool
    public var useEquivariance: Bool
    public var learningRate: Double
    /// Run folder (checkpoints, JSONL log).
    public var runDirectory: String
    /// Checkpoint to resume from (after a stop).
    public var resume: String?
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
