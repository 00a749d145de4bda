/// Choosing the off-screen audio of a sample (SPEC §7.4): a class absent from the scene, then a
/// file of that class, uniformly at random each time.
///
/// vssl_eval removes the positive's class (IS3: the classes of the scene's two files) from the
/// class list, draws a class from the sorted remainder with Python's `random.choice`, then a file
/// of it. Its passes are not reproducible (DataLoader workers re-seed `random`; A15). sslsan keeps
/// the rule and makes it reproducible: each draw uses a `SplitMix64` stream seeded from the pass seed
/// and a hash of the sample id, with classes and files taken in sorted order, so a sample's choice
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

    public init(samples: [Sample]) {
        labels = samples.map(\.label)
        ids = samples.map(\.id)
        var sceneLabels: [String: Set<String>] = [:]
        for s in samples { sceneLabels[s.scene, default: []].insert(s.label) }
        excluded = samples.map { Set([$0.label] + $0.objects).union(sceneLabels[$0.scene] ?? []) }
        var byClass: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() { byClass[s.label, default: []].append(i) }
        filesByClass = byClass.mapValues { $0.sorted { samples[$0].id < samples[$1].id } }
        classes = byClass.keys.sorted()
    }

    /// Index of the sample whose audio plays off-screen for sample `i` in the pass with `seed`;
    /// nil when every class is visible in the scene.
    public func choose(for i: Int, seed: UInt64) -> Int? {
        let remaining = classes.filter { !excluded[i].contains($0) }
        guard !remaining.isEmpty else { return nil }
        var rng = SplitMix64(seed: seed ^ Self.fnv1a(ids[i]))
        let cls = remaining[Self.below(remaining.count, &rng)]
        let files = filesByClass[cls]!
        return files[Self.below(files.count, &rng)]
    }

    /// Uniform integer in 0..<n without modulo bias (Lemire's multiply-shift with rejection).
    static func below(_ n: Int, _ rng: inout SplitMix64) -> Int {
        let bound = UInt64(n)
        var m = rng.next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let t = (0 &- bound) % bound
            while m.low < t { m = rng.next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// FNV-1a of the UTF-8 bytes: stable across runs and platforms (Swift's `hashValue` is not).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
}
