import Foundation

/// How sslsan's CPU work is spread over the cores: `jobs` independent jobs side by side (samples
/// scored in parallel, the trainer's two branches, the explorer's scorer and scene worker), each
/// using `threadsPerJob` threads inside a GEMM (column blocks or GEMM sets over single-threaded
/// OpenBLAS, `BLAS.sgemm`) and in the element-wise passes (`Parallel`).
///
/// Chosen once by the front door (a CLI command, the explorer, a bench) before work starts, and
/// only read by library code. OpenBLAS's thread count is process-wide: when the evaluator, the
/// trainer and the explorer each saved, changed and restored it, running them together (the
/// explorer scores while it trains) raced and left the wrong count behind.
public struct ComputeBudget: Sendable, Equatable, CustomStringConvertible {
    /// Independent jobs run side by side.
    public let jobs: Int
    /// Threads inside one job: `Parallel.workers`, which also share out each GEMM (`BLAS.sgemm`).
    public let threadsPerJob: Int

    /// Whether OpenBLAS's own threads parallelise each GEMM (`threadsPerJob` of them) instead of
    /// sslsan's column blocks and GEMM sets over single-threaded OpenBLAS (`BLAS.sgemm`); only
    /// `sslsan bench --openblas-threads` asks for it, to compare the two on a CPU at hand.
    public let openBLASThreads: Bool

    public init(jobs: Int, threadsPerJob: Int, openBLASThreads: Bool = false) {
        self.jobs = max(1, jobs)
        self.threadsPerJob = max(1, threadsPerJob)
        self.openBLASThreads = openBLASThreads
    }

    /// The cores this process may use.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// One job at a time with every core inside it: `infer`, `eval --serial`, benches of one call.
    public static func oneJob(cores: Int = ComputeBudget.cores, openBLASThreads: Bool = false) -> ComputeBudget {
        ComputeBudget(jobs: 1, threadsPerJob: cores, openBLASThreads: openBLASThreads)
    }

    /// One single-threaded job per core: `eval`'s sample-parallel scoring, `render`, the
    /// explorer's background workers, the trainer's branches. Small GEMMs scale better this way
    /// than with their work split inside each.
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

    /// Makes `budget` the process's budget: sets OpenBLAS's thread count (1, unless
    /// `openBLASThreads`) and `Parallel.workers`. Front doors only, before they start work;
    /// library code never calls this.
    public static func apply(_ budget: ComputeBudget) {
        lock.lock(); defer { lock.unlock() }
        applied = budget
        BLAS.openBLASThreads = budget.openBLASThreads
        BLAS.threads = budget.openBLASThreads ? budget.threadsPerJob : 1
        Parallel.workers = budget.threadsPerJob
    }

    public var description: String {
        "\(jobs) job\(jobs == 1 ? "" : "s") × \(threadsPerJob) thread\(threadsPerJob == 1 ? "" : "s")" + (openBLASThreads ? " (OpenBLAS threads)" : "")
    }
}
