import Foundation
import Synchronization

/// Counts the explorer's background threads (scorer, scene worker, training, figure export), so
/// quitting can wait for them to notice cancellation before the process exits. Exiting while a
/// worker is still inside the model tears down objects it is using: quitting during background
/// scoring crashed with SIGSEGV before this existed.
enum WorkerThreads {
    private static let active = Atomic<Int>(0)

    /// Starts `body` on a new named thread that is counted until it returns.
    static func start(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) {
        active.add(1, ordering: .sequentiallyConsistent)
        let t = Thread {
            body()
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
        t.name = name
        t.stackSize = stackSize
        t.start()
    }

    static var running: Int { active.load(ordering: .sequentiallyConsistent) }

    /// Waits until every worker has returned or `timeout` seconds pass; returns whether all did.
    @discardableResult
    static func waitForAll(timeout: Double) -> Bool {
        let end = monotonicSeconds() + timeout
        while running > 0 && monotonicSeconds() < end { usleep(10_000) }
        return running == 0
    }
}
