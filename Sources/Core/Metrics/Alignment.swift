/// Alignment and magnitude of the audio and visual embeddings (SPEC §6.10, rebuilt: the paper
/// cites Zhang et al. 2023 and Goel et al. 2022 without code).
///
/// - alignment = mean_i cos(ē_v,i, â_i) over positive pairs (higher is better);
/// - magnitude = ‖mean_i ē_v,i − mean_i â_i‖₂, the modality gap (lower is better).
///
/// SSL-TIE has no global visual embedding; ē_v is the spatial mean of the normalised feature map
/// v̂, renormalised (the Evaluator computes it).
public enum Alignment {
    public static func measure(visual: [[Float]], audio: [[Float]]) -> (alignment: Double, magnitude: Double) {
        precondition(visual.count == audio.count)
        guard let c = visual.first?.count, c > 0 else { return (.nan, .nan) }
        var cosines = [Double]()
        var mv = [Double](repeating: 0, count: c), ma = mv
        for (v, a) in zip(visual, audio) {
            var dot = 0.0, nv = 0.0, na = 0.0
            for k in 0..<c {
                dot += Double(v[k]) * Double(a[k]); nv += Double(v[k]) * Double(v[k]); na += Double(a[k]) * Double(a[k])
                mv[k] += Double(v[k]); ma[k] += Double(a[k])
            }
            let den = max(nv.squareRoot(), 1e-12) * max(na.squareRoot(), 1e-12)
            cosines.append(dot / den)
        }
        let n = Double(visual.count)
        var gap = 0.0
        for k in 0..<c { let d = mv[k] / n - ma[k] / n; gap += d * d }
        return (Statistics.mean(cosines), gap.squareRoot())
    }

    /// ē_v: the spatial mean of a (C, h·w) L2-normalised feature map, renormalised.
    public static func pooledVisual(_ features: UnsafePointer<Float>, channels: Int, positions: Int) -> [Float] {
        var e = [Float](repeating: 0, count: channels)
        var norm: Float = 0
        for c in 0..<channels {
            var s: Float = 0
            for p in 0..<positions { s += features[c * positions + p] }
            e[c] = s / Float(positions); norm += e[c] * e[c]
        }
        let d = max(norm.squareRoot(), 1e-12)
        return e.map { $0 / d }
    }
}
