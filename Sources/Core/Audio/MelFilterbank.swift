import Foundation

/// torchaudio's HTK mel filterbank (`melscale_fbanks(norm=None, mel_scale="htk")`, SPEC §1.4),
/// built in float32 in torchaudio's order of operations. Against the golden `mel_fbank`, 66 031 of
/// 66 049 weights are bit-identical; the other 18 differ by ≤ 1.1e-5 because torch's SIMD
/// `pow` (SLEEF, 1-ulp) rounds two filter edges differently from the correctly rounded pow here. Layout is torch's: `weights[k * nMels + m]` for frequency bin k and filter m.
///
/// At 16 kHz with 257 filters over 257 bins, 28 low filters fall between two FFT bins and are
/// entirely zero; those mel rows are always 0 (−100 dB). That is the reference behaviour, kept.
public struct MelFilterbank: Sendable {
    public let nFreqs: Int
    public let nMels: Int
    public let weights: [Float]
    /// Per filter, the first bin with a non-zero weight and the weights from there (empty for
    /// all-zero filters). Each bin feeds at most two filters, so the mel product is ~2·nFreqs
    /// multiply-adds per frame instead of nFreqs·nMels.
    public let sparse: [(start: Int, weights: [Double])]
    /// The same bands flattened for the hot loop: filter m uses bins bandStart[m] ..< bandStart[m] + bandCount[m]
    /// with weights flatWeights[bandOffset[m] ..< bandOffset[m] + bandCount[m]].
    let bandStart: [Int], bandCount: [Int], bandOffset: [Int], flatWeights: [Double]

    public init(nFreqs: Int, nMels: Int, sampleRate: Int, fMin: Double = 0, fMax: Double? = nil) {
        self.nFreqs = nFreqs; self.nMels = nMels
        let fMax = fMax ?? Double(sampleRate / 2)
        // all_freqs = linspace(0, sr // 2, n_freqs), float32.
        let freqs = Self.linspace(0, Float(sampleRate / 2), nFreqs)
        // Mel bounds in Python float64, then a float32 linspace of n_mels + 2 points.
        let mMin = 2595.0 * log10(1.0 + fMin / 700.0), mMax = 2595.0 * log10(1.0 + fMax / 700.0)
        let mPts = Self.linspace(Float(mMin), Float(mMax), nMels + 2)
        // f = 700 · (10^(m / 2595) − 1), each operation rounded to float32 (pow correctly rounded).
        let fPts: [Float] = mPts.map { m in
            let e = m / Float(2595.0)
            let p = Float(Foundation.pow(10.0, Double(e)))
            return Float(700.0) * (p - Float(1.0))
        }
        var fDiff = [Float](repeating: 0, count: nMels + 1)
        for i in 0..<(nMels + 1) { fDiff[i] = fPts[i + 1] - fPts[i] }
        var w = [Float](repeating: 0, count: nFreqs * nMels)
        for k in 0..<nFreqs {
            for m in 0..<nMels {
                let down = (Float(-1.0) * (fPts[m] - freqs[k])) / fDiff[m]
                let up = (fPts[m + 2] - freqs[k]) / fDiff[m + 1]
                w[k * nMels + m] = max(0, min(down, up))
            }
        }
        weights = w
        sparse = (0..<nMels).map { m in
            let nz = (0..<nFreqs).filter { w[$0 * nMels + m] != 0 }
            guard let a = nz.first, let b = nz.last else { return (0, []) }
            return (a, (a...b).map { Double(w[$0 * nMels + m]) })
        }
        bandStart = sparse.map(\.start)
        bandCount = sparse.map(\.weights.count)
        var offsets = [Int](), flat = [Double]()
        for band in sparse { offsets.append(flat.count); flat += band.weights }
        bandOffset = offsets
        flatWeights = flat
    }

    /// Indices of filters whose weights are all zero.
    public var emptyFilters: [Int] { (0..<nMels).filter { sparse[$0].weights.isEmpty } }

    /// torch.linspace for float32: step = (end − start)/(steps − 1) in float32; the first half
    /// counts up from start, the second half counts down from end, each point with one fused
    /// multiply-add (torch's CPU kernel is compiled with FMA contraction: with FMA the golden
    /// `mel_fbank` is matched in all but 18 of 66 049 weights, without it 54 differ, up to 3e-5).
    static func linspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        if steps == 1 { return [start] }
        let step = (end - start) / Float(steps - 1)
        let halfway = steps / 2
        return (0..<steps).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - i - 1))
        }
    }
}
