/// Choosing the off-screen audio of a sample (SPEC §7.4): a class absent from the scene, then a
/// file of that class, uniformly at random each time.
///
/// vssl_eval removes the positive's class (IS3: the classes of the scene's two files) from the
/// class list, draws a class from the sorted remainder with Python's `random.choice`, then a file
/// of it. Its passes are not reproducible (DataLoader workers re-seed `random`; A15). sslsan keeps
/// the rule and makes it reproducible: each draw uses `Random`'s stream keyed by the sample id under the
/// pass seed, with classes and files taken in sorted order, so a sample's choice
/// depends neither on evaluation order and threads nor on the order of the dataset. Excluded classes: the sample's label, its `objects`
/// (everything visible, when the dataset lists it) and the labels of its scene-mates.
public struct OffscreenChoice: Sendable {
    /// vssl_eval's ten pass seeds (`random.seed(s)` per pass).
    public static let passSeeds: [UInt64] = [1234, 2345, 3456, 4567, 5678, 6789, 7890, 8901, 9012, 9999]

    /// Seeds for `passes` passes: the documented ten, continued deterministically beyond ten.
    public static func seeds(passes: Int) -> [UInt64] {
        (0..<passes).map { $0 < passSeeds.count ? passSeeds[$0] : 10_000 + UInt64($0) }
    }

    let labels: [String]
    let ids: [String]
    let excluded: [Set<String>]
    /// class → sample indices whose audio belongs to it, sorted by sample id.
    let filesByClass: [String: [Int]]
    let classes: [String]

    /// - Parameter candidates: indices of the samples whose audio may be drawn (default: all).
    ///   Samples outside it still count as visible in their scenes; a class with no candidate
    ///   file is never drawn. `Evaluator` passes the samples whose audio file opens and is not
    ///   empty, so a bad clip is never another sample's off-screen audio.
    public init(samples: [Sample], candidates: [Int]? = nil) {
        labels = samples.map(\.label)
        ids = samples.map(\.id)
        var sceneLabels: [String: Set<String>] = [:]
        for s in samples { sceneLabels[s.scene, default: []].insert(s.label) }
        excluded = samples.map { Set([$0.label] + $0.objects).union(sceneLabels[$0.scene] ?? []) }
        var byClass: [String: [Int]] = [:]
        for i in candidates ?? Array(samples.indices) { byClass[samples[i].label, default: []].append(i) }
        filesByClass = byClass.mapValues { $0.sorted { samples[$0].id < samples[$1].id } }
        classes = byClass.keys.sorted()
    }

    /// Index of the sample whose audio plays off-screen for sample `i` in the pass with `seed`;
    /// nil when every class is visible in the scene.
    public func choose(for i: Int, seed: UInt64) -> Int? {
        let remaining = classes.filter { !excluded[i].contains($0) }
        guard !remaining.isEmpty else { return nil }
        var rng = Random(seed: seed, stream: .keyed(ids[i]))
        let cls = remaining[rng.below(remaining.count)]
        let files = filesByClass[cls]!
        return files[rng.below(files.count)]
    }
}
