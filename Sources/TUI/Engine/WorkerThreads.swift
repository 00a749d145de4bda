import Foundation
import Synchronization

/// Counts the explorer's background threads (scorer, scene worker, training, figure export), so
/// quitting can wait for them to notice cancellation before the process exits. Exiting while a
/// worker is still inside the model tears down objects it is using: quitting during background
/// scoring crashed with SIGSEGV before this existed.
enum WorkerThreads {
    private static let active = Atomic<Int>(0)
    private static let stopping = Atomic<Bool>(false)

    /// Set on quit: workers without a cancel flag of their own (figure export) poll it between items.
    static var stopRequested: Bool { stopping.load(ordering: .relaxed) }

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

    /// Asks every worker to stop, then waits until each has returned or `timeout` seconds pass;
    /// returns whether all did.
    @discardableResult
    static func waitForAll(timeout: Double) -> Bool {
        stopping.store(true, ordering: .relaxed)
        let end = monotonicSeconds() + timeout
        while running > 0 && monotonicSeconds() < end { usleep(10_000) }
        return running == 0
    }
}
