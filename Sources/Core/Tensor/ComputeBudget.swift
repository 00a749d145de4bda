import Foundation

/// How sslsan's CPU work is spread over the cores: `jobs` independent jobs side by side (samples
/// scored in parallel, the trainer's two branches, the explorer's scorer and scene worker), each
/// using `threadsPerJob` threads inside a GEMM (OpenBLAS) and in the element-wise passes
/// (`Parallel`).
///
/// Chosen once by the front door (a CLI command, the explorer, a bench) before work starts, and
/// only read by library code. OpenBLAS's thread count is process-wide: when the evaluator, the
/// trainer and the explorer each saved, changed and restored it, running them together (the
/// explorer scores while it trains) raced and left the wrong count behind.
public struct ComputeBudget: Sendable, Equatable, CustomStringConvertible {
    /// Independent jobs run side by side.
    public let jobs: Int
    /// Threads inside one job: OpenBLAS threads and `Parallel.workers`.
    public let threadsPerJob: Int

    public init(jobs: Int, threadsPerJob: Int) {
        self.jobs = max(1, jobs)
        self.threadsPerJob = max(1, threadsPerJob)
    }

    /// The cores this process may use.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// One job at a time with every core inside it: `infer`, `eval --serial`, benches of one call.
    public static func oneJob(cores: Int = ComputeBudget.cores) -> ComputeBudget {
        ComputeBudget(jobs: 1, threadsPerJob: cores)
    }

    /// One single-threaded job per core: `eval`'s sample-parallel scoring, `render`, the
    /// explorer's background workers, the trainer's branches. Small GEMMs scale better this way
    /// than with OpenBLAS threads inside each.
    public static func jobPerCore(cores: Int = ComputeBudget.cores) -> ComputeBudget {
        ComputeBudget(jobs: cores, threadsPerJob: 1)
    }

    nonisolated(unsafe) private static var applied = ComputeBudget(jobs: 1, threadsPerJob: ComputeBudget.cores)
    private static let lock = NSLock()

    /// The budget in force (the last one a front door applied; all cores in one job before that).
    public static var current: ComputeBudget {
        lock.lock(); defer { lock.unlock() }
        return applied
    }

    /// Makes `budget` the process's budget: sets OpenBLAS's thread count and `Parallel.workers`.
    /// Front doors only, before they start work; library code never calls this.
    public static func apply(_ budget: ComputeBudget) {
        lock.lock(); defer { lock.unlock() }
        applied = budget
        BLAS.threads = budget.threadsPerJob
        Parallel.workers = budget.threadsPerJob
    }

    public var description: String { "\(jobs) job\(jobs == 1 ? "" : "s") × \(threadsPerJob) thread\(threadsPerJob == 1 ? "" : "s")" }
}
