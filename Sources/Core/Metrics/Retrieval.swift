/// Cross-modal retrieval P@k and A@k (SPEC §6.11, rebuilt: no code published).
///
/// score(image n, audio k) = max over positions of ⟨v̂_n(h, w), â_k⟩ (SSL-TIE's `A0_ref`). Every
/// item's image queries every item's audio (I→A) and vice versa (A→I); the paired item stays in
/// the gallery; ranks sort by descending score with ties kept in item order; a hit is an item of
/// the query's category. P@k = mean (#hits in top k)/k, A@k = mean 1[any hit in top k], ×100.
public struct RetrievalResult: Codable, Sendable, Equatable {
    public struct Direction: Codable, Sendable, Equatable {
        /// k → P@k (percent).
        public var precision: [Int: Double]
        /// k → A@k (percent).
        public var accuracy: [Int: Double]
    }
    public var ks: [Int]
    public var imageToAudio: Direction
    public var audioToImage: Direction
    public var items: Int
}

public enum Retrieval {
    public static let defaultKs = [1, 5, 10]

    /// `scores[n][k]` = score(image of item n, audio of item k); `labels[n]` the item categories.
    public static func evaluate(scores: [[Float]], labels: [String], ks: [Int] = defaultKs) -> RetrievalResult {
        let n = labels.count
        precondition(scores.count == n && scores.allSatisfy { $0.count == n })
        func direction(_ row: (Int) -> [Float]) -> RetrievalResult.Direction {
            var p = [Int: [Double]](), a = [Int: [Double]]()
            for q in 0..<n {
                let s = row(q)
                let order = (0..<n).sorted { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }
                for k in ks {
                    let top = order.prefix(k)
                    let hits = top.reduce(0) { $0 + (labels[$1] == labels[q] ? 1 : 0) }
                    p[k, default: []].append(Double(hits) / Double(k))
                    a[k, default: []].append(hits > 0 ? 1 : 0)
                }
            }
            return .init(precision: p.mapValues { 100 * Statistics.mean($0) },
                         accuracy: a.mapValues { 100 * Statistics.mean($0) })
        }
        return RetrievalResult(ks: ks,
                               imageToAudio: direction { scores[$0] },
                               audioToImage: direction { k in (0..<n).map { scores[$0][k] } },
                               items: n)
    }
}
