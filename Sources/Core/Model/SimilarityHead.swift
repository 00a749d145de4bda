import Foundation

/// The SSL-TIE similarity head (SPEC §3.2), forward and backward: the one implementation used by
/// eval (`SSLSaNModel.encodeImage/encodeAudio/similarityMap/maps`), the trainer and the explorer.
///
/// Visual: v̂ = F / max(‖F‖₂, 1e-12) over channels at every location (F.normalize). Audio: global
/// max over the map (AVENet's `avgpool` is an AdaptiveMaxPool2d; the backward routes to the first
/// arg-max, as PyTorch's CPU kernel), then L2 normalisation. Norms are accumulated in double.
/// Similarity: A0[n,k,hw] = Σ_c v̂[n,c,hw]·â[k,c]; A[n] = A0[n,n].
public enum SimilarityHead {
    public static let normEps: Float = 1e-12

    // MARK: visual normalisation

    /// v̂ and the per-location norms its backward divides by.
    public struct VisualSaved: @unchecked Sendable {
        public let vhat: Tensor
        let norms: [Float]
    }

    /// F (B,C,h,w) → v̂ (B,C,h,w).
    public static func normalizeVisual(_ f: Tensor) -> VisualSaved {
        precondition(f.rank == 4, "normalizeVisual: input \(f.shape)")
        let (b, c) = (f.shape[0], f.shape[1])
        let hw = f.count / max(1, b * c)
        let v = Tensor(shape: f.shape)
        var norms = [Float](repeating: 0, count: b * hw)
        norms.withUnsafeMutableBufferPointer { np in
            let np = np
            Parallel.chunks(b, costPerItem: c * hw) { ns in
                var ss = [Double](repeating: 0, count: hw)
                for n in ns {
                    let src = f.data + n * c * hw, dst = v.data + n * c * hw
                    for i in 0..<hw { ss[i] = 0 }
                    for ch in 0..<c { let p = src + ch * hw; for i in 0..<hw { let x = Double(p[i]); ss[i] += x * x } }
                    for i in 0..<hw { ss[i] = max(ss[i].squareRoot(), Double(normEps)); np[n * hw + i] = Float(ss[i]) }
                    for ch in 0..<c {
                        let p = src + ch * hw, q = dst + ch * hw
                        for i in 0..<hw { q[i] = Float(Double(p[i]) / ss[i]) }
                    }
                }
            }
        }
        return VisualSaved(vhat: v, norms: norms)
    }

    /// dv̂ → dF: (g − v̂·⟨g, v̂⟩) / ‖F‖ where ‖F‖ > eps, else g / eps.
    public static func normalizeVisualBackward(_ dv: Tensor, _ s: VisualSaved) -> Tensor {
        let v = s.vhat
        let (b, c) = (v.shape[0], v.shape[1])
        let hw = v.count / (b * c)
        let df = Tensor(shape: v.shape)
        Parallel.chunks(b, costPerItem: c * hw) { ns in
            var dot = [Float](repeating: 0, count: hw)
            for n in ns {
                let vp = v.data + n * c * hw, gp = dv.data + n * c * hw, dp = df.data + n * c * hw
                for i in 0..<hw { dot[i] = 0 }
                for ch in 0..<c { for i in 0..<hw { dot[i] += vp[ch * hw + i] * gp[ch * hw + i] } }
                for i in 0..<hw where !(s.norms[n * hw + i] > normEps) { dot[i] = 0 }
                for ch in 0..<c {
                    for i in 0..<hw {
                        let j = ch * hw + i
                        dp[j] = (gp[j] - vp[j] * dot[i]) / s.norms[n * hw + i]
                    }
                }
            }
        }
        return df
    }

    // MARK: audio max-pool + normalisation

    public struct AudioSaved: @unchecked Sendable {
        public let ahat: Tensor   // (B,C)
        let argmax: [Int32]
        let norms: [Float]
        let inputShape: [Int]
    }

    /// G (B,C,H,W) → â (B,C).
    public static func poolNormalizeAudio(_ g: Tensor) -> AudioSaved {
        precondition(g.rank == 4, "poolNormalizeAudio: input \(g.shape)")
        let (b, c) = (g.shape[0], g.shape[1])
        let hw = g.count / max(1, b * c)
        let a = Tensor(shape: [b, c])
        var idx = [Int32](repeating: 0, count: b * c)
        var norms = [Float](repeating: 0, count: b)
        for n in 0..<b {
            var ss = 0.0
            for ch in 0..<c {
                let p = g.data + (n * c + ch) * hw
                var best = -Float.infinity, bi = 0
                for i in 0..<hw where p[i] > best || p[i].isNaN { best = p[i]; bi = i; if p[i].isNaN { break } }
                a[n * c + ch] = best
                idx[n * c + ch] = Int32(bi)
                ss += Double(best) * Double(best)
            }
            let norm = max(ss.squareRoot(), Double(normEps))
            norms[n] = Float(norm)
            for ch in 0..<c { a[n * c + ch] = Float(Double(a[n * c + ch]) / norm) }
        }
        return AudioSaved(ahat: a, argmax: idx, norms: norms, inputShape: g.shape)
    }

    public static func poolNormalizeAudioBackward(_ da: Tensor, _ s: AudioSaved) -> Tensor {
        let (b, c) = (s.inputShape[0], s.inputShape[1])
        let hw = s.inputShape[2] * s.inputShape[3]
        let dg = Tensor(shape: s.inputShape)
        for n in 0..<b {
            var dot: Float = 0
            for ch in 0..<c { dot += s.ahat[n * c + ch] * da[n * c + ch] }
            if !(s.norms[n] > normEps) { dot = 0 }
            for ch in 0..<c {
                let dp = (da[n * c + ch] - s.ahat[n * c + ch] * dot) / s.norms[n]
                dg[(n * c + ch) * hw + Int(s.argmax[n * c + ch])] = dp
            }
        }
        return dg
    }

    // MARK: pooling and row normalisation (eval only; the zoo heads)

    /// G (B,C,H,W) → (B,C): global max over the positions (AdaptiveMaxPool2d(1)), no normalisation.
    public static func globalMax(_ g: Tensor) -> Tensor {
        let (b, c) = (g.shape[0], g.shape[1]), hw = g.count / max(1, b * c)
        let out = Tensor(shape: [b, c])
        for i in 0..<(b * c) {
            let p = g.data + i * hw
            var best = -Float.infinity
            for j in 0..<hw where p[j] > best || p[j].isNaN { best = p[j]; if p[j].isNaN { break } }
            out[i] = best
        }
        return out
    }

    /// G (B,C,H,W) → (B,C): mean over the positions (AdaptiveAvgPool2d(1)), accumulated in double.
    public static func globalMean(_ g: Tensor) -> Tensor {
        let (b, c) = (g.shape[0], g.shape[1]), hw = g.count / max(1, b * c)
        let out = Tensor(shape: [b, c])
        for i in 0..<(b * c) {
            let p = g.data + i * hw
            var s = 0.0
            for j in 0..<hw { s += Double(p[j]) }
            out[i] = Float(s / Double(hw))
        }
        return out
    }

    /// (B,C) → each row divided by max(‖row‖₂, 1e-12) (F.normalize, dim=1).
    public static func normalizeRows(_ x: Tensor) -> Tensor {
        let (b, c) = (x.shape[0], x.shape[1])
        let out = Tensor(shape: x.shape)
        for n in 0..<b {
            var ss = 0.0
            for j in 0..<c { let v = Double(x[n * c + j]); ss += v * v }
            let norm = max(ss.squareRoot(), Double(normEps))
            for j in 0..<c { out[n * c + j] = Float(Double(x[n * c + j]) / norm) }
        }
        return out
    }

    // MARK: similarity maps

    /// A[n,0,hw] = Σ_c v̂[n,c,hw]·â[n,c]: image n with audio n → (B,1,h,w).
    public static func pairMaps(visual v: Tensor, audio a: Tensor) -> Tensor {
        precondition(v.rank == 4 && a.rank == 2 && v.shape[0] == a.shape[0] && v.shape[1] == a.shape[1],
                     "similarity map: visual \(v.shape), audio \(a.shape)")
        let (b, c, h, w) = (v.shape[0], v.shape[1], v.shape[2], v.shape[3])
        let hw = h * w
        let out = Tensor(shape: [b, 1, h, w])
        for n in 0..<b {
            BLAS.sgemm(transA: true, m: 1, n: hw, k: c, a: a.data + n * c, lda: 1, b: v.data + n * c * hw, ldb: hw,
                       c: out.data + n * hw, ldc: hw)
        }
        return out
    }

    /// Backward of `pairMaps`: dv̂ += …, dâ += ….
    public static func pairMapsBackward(_ dA: Tensor, visual v: Tensor, audio a: Tensor, dVisual: Tensor, dAudio: Tensor) {
        let (b, c) = (v.shape[0], v.shape[1])
        let hw = v.count / (b * c)
        for n in 0..<b {
            let g = dA.data + n * hw
            for ch in 0..<c {
                let vp = v.data + (n * c + ch) * hw, dv = dVisual.data + (n * c + ch) * hw
                let ac = a[n * c + ch]
                var s: Float = 0
                for i in 0..<hw { dv[i] += g[i] * ac; s += g[i] * vp[i] }
                dAudio[n * c + ch] += s
            }
        }
    }

    /// Image `image` of `v` against every audio row: A0[image, k] for k in 0..<K, as maps.
    public static func maps(visual v: Tensor, image: Int, audio a: Tensor) -> [SimilarityMap] {
        precondition(v.rank == 4 && a.rank == 2 && v.shape[1] == a.shape[1] && image < v.shape[0],
                     "maps: visual \(v.shape), image \(image), audio \(a.shape)")
        let c = v.shape[1], h = v.shape[2], w = v.shape[3], hw = h * w, k = a.shape[0]
        var out = [Float](repeating: 0, count: k * hw)
        out.withUnsafeMutableBufferPointer { o in
            BLAS.sgemm(m: k, n: hw, k: c, a: a.data, lda: c, b: v.data + image * c * hw, ldb: hw, c: o.baseAddress!, ldc: hw)
        }
        return (0..<k).map { SimilarityMap(width: w, height: h, values: Array(out[($0 * hw)..<(($0 + 1) * hw)])) }
    }

    /// A0[n,k,hw] = Σ_c v̂[n,c,hw]·â[k,c] → (B,K,h,w) for audio (K,C).
    public static func allPairMaps(visual v: Tensor, audio a: Tensor) -> Tensor {
        precondition(v.rank == 4 && a.rank == 2 && v.shape[1] == a.shape[1], "maps: visual \(v.shape), audio \(a.shape)")
        let (b, c, h, w) = (v.shape[0], v.shape[1], v.shape[2], v.shape[3])
        let k = a.shape[0], hw = h * w
        let out = Tensor(shape: [b, k, h, w])
        for n in 0..<b {
            BLAS.sgemm(m: k, n: hw, k: c, a: a.data, lda: c, b: v.data + n * c * hw, ldb: hw, c: out.data + n * k * hw, ldc: hw)
        }
        return out
    }

    public static func allPairMapsBackward(_ dA0: Tensor, visual v: Tensor, audio a: Tensor, dVisual: Tensor, dAudio: Tensor) {
        let (b, c) = (v.shape[0], v.shape[1])
        let hw = v.count / (b * c), k = a.shape[0]
        for n in 0..<b {
            BLAS.sgemm(transA: true, m: c, n: hw, k: k, a: a.data, lda: c, b: dA0.data + n * k * hw, ldb: hw,
                       beta: 1, c: dVisual.data + n * c * hw, ldc: hw)
            BLAS.sgemm(transB: true, m: k, n: c, k: hw, a: dA0.data + n * k * hw, lda: hw, b: v.data + n * c * hw, ldb: hw,
                       beta: 1, c: dAudio.data, ldc: c)
        }
    }
}
