/// F.normalize(x, dim=1): x / max(‖x‖₂, eps) over the channel axis at every position, for
/// (B, C, H, W) feature maps and (B, C) embeddings alike (eps 1e-12, SPEC §3.2).
public enum ChannelL2Norm {
    public static let eps: Float = 1e-12

    /// Returns the normalised tensor (same shape as `x`).
    public static func forward(_ x: Tensor) -> Tensor {
        let (B, C, P) = dims(x)
        let y = Tensor(shape: x.shape)
        Parallel.chunks(B, costPerItem: C * P) { bs in
            var norm = [Double](repeating: 0, count: P)
            for b in bs {
                let xp = x.data + b * C * P, yp = y.data + b * C * P
                for i in 0..<P { norm[i] = 0 }
                for c in 0..<C { for i in 0..<P { let v = Double(xp[c * P + i]); norm[i] += v * v } }
                for i in 0..<P { norm[i] = Swift.max(norm[i].squareRoot(), Double(eps)) }
                for c in 0..<C { for i in 0..<P { yp[c * P + i] = Float(Double(xp[c * P + i]) / norm[i]) } }
            }
        }
        return y
    }

    /// dL/dx from dL/dy: (g − ŷ·⟨g, ŷ⟩) / ‖x‖ where ‖x‖ > eps, else g / eps.
    public static func backward(input x: Tensor, gradOutput g: Tensor) -> Tensor {
        let (B, C, P) = dims(x)
        let dx = Tensor(shape: x.shape)
        for b in 0..<B {
            let xp = x.data + b * C * P, gp = g.data + b * C * P, dp = dx.data + b * C * P
            for i in 0..<P {
                var ss = 0.0
                for c in 0..<C { let v = Double(xp[c * P + i]); ss += v * v }
                let n = ss.squareRoot()
                if n > Double(eps) {
                    var dot = 0.0
                    for c in 0..<C { dot += Double(gp[c * P + i]) * Double(xp[c * P + i]) / n }
                    for c in 0..<C { dp[c * P + i] = Float((Double(gp[c * P + i]) - Double(xp[c * P + i]) / n * dot) / n) }
                } else {
                    for c in 0..<C { dp[c * P + i] = gp[c * P + i] / eps }
                }
            }
        }
        return dx
    }

    private static func dims(_ x: Tensor) -> (Int, Int, Int) {
        precondition(x.rank >= 2, "ChannelL2Norm: input \(x.shape)")
        return (x.shape[0], x.shape[1], x.shape.dropFirst(2).reduce(1, *))
    }
}
