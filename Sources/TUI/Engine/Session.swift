import Foundation
import Synchronization
import Core

/// The dataset and the sources of its maps (a model, or a maps file, and an optional second one
/// shown beside it). Thread-safe.
public final class Session: Sendable {
    let data: any ExplorerData
    let main: any ScoreSource
    let compare: (any ScoreSource)?

    public init(data: any ExplorerData, main: any ScoreSource, compare: (any ScoreSource)?) {
        self.data = data; self.main = main; self.compare = compare
    }

    /// Checkpoints on the engine, scored over `passes` (`sslsan eval --passes`).
    public convenience init(data: any ExplorerData, model: any ExplorerModel, compare: (any ExplorerModel)?, passes: Int = 10,
                            cache: EmbeddingCache? = nil) {
        self.init(data: data, main: ModelSession(model: model, samples: data.samples, passes: passes, cache: cache),
                  compare: compare.map { ModelSession(model: $0, samples: data.samples, passes: passes, cache: cache) })
    }

    /// Passes the scorer covers: the main source's.
    public var passes: Int { main.passes }

    var sources: [any ScoreSource] { [main] + (compare.map { [$0] } ?? []) }

    /// The pass the scene view shows (its noise seed and off-screen audio).
    static let shownPass = 0

    /// The waveform a condition plays for sample i in the shown pass (the main source's), and its class.
    func waveform(_ i: Int, _ c: AudioCondition) throws -> (samples: [Float], label: String) {
        try main.waveform(i, c, data: data)
    }

    /// The main source's four maps of sample i as the scene view shows them.
    public func maps(sample i: Int) throws -> [SimilarityMap?] { try main.maps(i).maps }

    /// How the main source's maps of sample i become thresholded maps (the scene's figures count with it).
    public func postProcessing(sample i: Int) -> MapPostProcessing { main.postProcessing(for: i) }
    /// The same for the compare source (nil without one).
    public func comparePostProcessing(sample i: Int) -> MapPostProcessing? { compare?.postProcessing(for: i) }

    /// The noise seed of the shown pass (`sslsan infer --noise --seed` with it shows the same map).
    public var shownNoiseSeed: UInt64? { (main as? ModelSession)?.seeds[Self.shownPass] }
}

/// What the scorer reports to the explorer state.
public enum ScoringUpdate: Sendable {
    /// Sample i scored over `passes` passes (nil and a problem when it could not be).
    case sample(Int, ScoredSample?, passes: Int, problem: String?)
    /// The figures' set so far: annotated samples in dataset order (`rows` are their dataset
    /// indices), each over `passes` passes; `complete` once every sample is in.
    case metrics(MetricSet, rows: [Int], passes: Int, complete: Bool)
    /// The scorer is done (a line for the separability panel).
    case finished(String)
}

/// Scores the whole dataset in the background with `Evaluator.score`: pass 1 for every sample
/// first (figures appear quickly), then the remaining passes, so the figures end up equal to
/// `sslsan eval --passes N` on the same data.
public final class Scorer: Sendable {
    private let cancelled = Atomic<Bool>(false)
    let session: Session
    let inbox: Inbox
    let generation: Int

    init(session: Session, inbox: Inbox, generation: Int) { self.session = session; self.inbox = inbox; self.generation = generation }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func start() {
        WorkerThreads.start(name: "sslsan-scorer", stackSize: 8 << 20) { [self] in
            Self.run(session, post: { inbox.post(.scoring($0, generation: generation)) },
                     isCancelled: { cancelled.load(ordering: .relaxed) })
        }
    }

    /// The scorer's work, synchronous: what the background thread runs, and what tests call to
    /// score a dataset exactly as the explorer does. `post` receives the updates in order.
    public static func run(_ session: Session, post: (ScoringUpdate) -> Void, isCancelled: () -> Bool = { false }) {
        let t0 = monotonicSeconds()
        let m = session.main, samples = session.data.samples, n = samples.count
        var failed = Set<Int>()
        var scored = [ScoredSample?](repeating: nil, count: n)
        // Pass 1, sample by sample; the figures' set grows in dataset order.
        var set = MetricSet(), rows: [Int] = []
        var lastPost = monotonicSeconds()
        for i in 0..<n {
            if isCancelled() { return }
            do {
                let s = try m.score(i, passes: 0..<1)
                scored[i] = s
                post(.sample(i, s, passes: 1, problem: nil))
                if m.evaluationRow[i] != nil { set.append([s]); rows.append(i) }
            } catch {
                failed.insert(i)
                post(.sample(i, nil, passes: 1, problem: "\(error)"))
            }
            if monotonicSeconds() - lastPost > 0.25 || i == n - 1 {
                post(.metrics(set, rows: rows, passes: 1, complete: i == n - 1)); lastPost = monotonicSeconds()
            }
        }
        // The other passes, then the figures over all of them at once.
        if session.passes > 1 {
            for i in 0..<n where scored[i] != nil {
                if isCancelled() { return }
                do {
                    let s = scored[i]!.appendingPasses(try m.score(i, passes: 1..<session.passes))
                    scored[i] = s
                    post(.sample(i, s, passes: session.passes, problem: nil))
                } catch {
                    scored[i] = nil; failed.insert(i)
                    post(.sample(i, nil, passes: session.passes, problem: "\(error)"))
                }
            }
            let kept = m.evaluationIndices.filter { scored[$0] != nil }
            if isCancelled() { return }
            post(.metrics(MetricSet(samples: kept.map { scored[$0]! }), rows: kept, passes: session.passes, complete: true))
        }
        let dt = monotonicSeconds() - t0
        post(.finished(String(format: "%.1f s, %d pass%@", dt, session.passes, session.passes == 1 ? "" : "es")
                       + (failed.isEmpty ? "" : ", \(failed.count) with problems")))
    }
}
