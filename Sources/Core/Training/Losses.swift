import Foundation

/// SSL-TIE contrastive logits (SPEC §4.1) + cross-entropy with target 0, forward and backward.
///
/// Input: A0 (B,B,h,w), every image against every audio; A[n] = A0[n,n].
/// logits[n] = [sim1, E[n,0..B), sim2] / temperature with sim1 = ΣPos·A/ΣPos (Pos = σ((A−ε)/τ)),
/// sim2 = ΣNeg·A/ΣNeg (Neg = σ(−(A−ε₂)/τ), computed this way to avoid 1−σ rounding to 0, with a tiny
/// epsilon in the denominators), E[n,k] = (ΣPos_all·A0/ΣPos_all)·(1 − 100·δ_nk).
public struct ContrastiveLoss: Sendable {
    public var epsilon: Float
    public var epsilon2: Float
    public var tau: Float
    public var temperature: Float
    /// Tri-map negative region (Neg = 1 − σ((A−ε₂)/τ)); false: Neg = 1 − Pos.
    public var triMap = true
    /// Include the hard negative sim2 column.
    public var hardNegative = true
    public static let denominatorEps: Float = 1e-20

    public init(config: ModelConfig) {
        epsilon = config.epsilon; epsilon2 = config.epsilon2; tau = config.tau; temperature = config.temperature
    }

    public struct Result: @unchecked Sendable {
        public let loss: Float
        public let logits: Tensor   // (B, B+2) or (B, B+1) without the hard negative
        /// dLoss/dA0, (B,B,h,w).
        public let dA0: Tensor
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// Weighted mean Σ w·A / Σ w with w = σ(s·(A − c)/τ) and its derivative wrt A (written into `grad` scaled by `g`).
    @inline(__always)
    static func weightedMean(_ a: UnsafePointer<Float>, _ n: Int, center: Float, sign: Float, tau: Float) -> Float {
        var sw: Float = 0, swa: Float = 0
        for i in 0..<n { let w = sigmoid(sign * (a[i] - center) / tau); sw += w; swa += w * a[i] }
        return swa / (sw + denominatorEps)
    }

    @inline(__always)
    static func weightedMeanBackward(_ a: UnsafePointer<Float>, _ n: Int, center: Float, sign: Float, tau: Float,
                                     mean: Float, g: Float, into d: UnsafeMutablePointer<Float>) {
        if g == 0 { return }
        var sw: Float = 0
        for i in 0..<n { sw += sigmoid(sign * (a[i] - center) / tau) }
        let inv = g / (sw + denominatorEps)
        for i in 0..<n {
            let w = sigmoid(sign * (a[i] - center) / tau)
            let dw = sign * w * (1 - w) / tau
            d[i] += inv * (w + dw * (a[i] - mean))
        }
    }

    public func callAsFunction(_ a0: Tensor) -> Result {
        let b = a0.shape[0]
        precondition(a0.shape[1] == b, "A0 must be (B,B,h,w)")
        let hw = a0.shape[2] * a0.shape[3]
        let cols = b + (hardNegative ? 2 : 1)
        let logits = Tensor(shape: [b, cols])
        var easyRaw = [Float](repeating: 0, count: b * b)
        var sim1s = [Float](repeating: 0, count: b), sim2s = [Float](repeating: 0, count: b)
        for n in 0..<b {
            let an = a0.data + (n * b + n) * hw
            let sim1 = Self.weightedMean(an, hw, center: epsilon, sign: 1, tau: tau)
            sim1s[n] = sim1
            logits[n * cols] = sim1 / temperature
            for k in 0..<b {
                let e = Self.weightedMean(a0.data + (n * b + k) * hw, hw, center: epsilon, sign: 1, tau: tau)
                easyRaw[n * b + k] = e
                logits[n * cols + 1 + k] = e * (k == n ? -99 : 1) / temperature
            }
            if hardNegative {
                let sim2 = triMap ? Self.weightedMean(an, hw, center: epsilon2, sign: -1, tau: tau)
                                  : Self.weightedMean(an, hw, center: epsilon, sign: -1, tau: tau)
                sim2s[n] = sim2
                logits[n * cols + cols - 1] = sim2 / temperature
            }
        }
        // cross-entropy, target 0
        var loss = 0.0
        let dlogits = [Float](unsafeUninitializedCapacity: b * cols) { buf, cnt in
            for n in 0..<b {
                let row = logits.data + n * cols
                var mx = -Float.infinity
                for j in 0..<cols { mx = max(mx, row[j]) }
                var s: Double = 0
                for j in 0..<cols { s += Double(exp(row[j] - mx)) }
                let lse = Double(mx) + log(s)
                loss += lse - Double(row[0])
                for j in 0..<cols {
                    let p = Float(exp(Double(row[j]) - lse))
                    buf[n * cols + j] = (p - (j == 0 ? 1 : 0)) / Float(b)
                }
            }
            cnt = b * cols
        }
        let dA0 = Tensor(shape: a0.shape)
        for n in 0..<b {
            let an = a0.data + (n * b + n) * hw, dn = dA0.data + (n * b + n) * hw
            let g1 = dlogits[n * cols] / temperature
            Self.weightedMeanBackward(an, hw, center: epsilon, sign: 1, tau: tau, mean: sim1s[n],
                                      g: g1, into: dn)
            for k in 0..<b {
                let gk = dlogits[n * cols + 1 + k] * (k == n ? -99 : 1) / temperature
                Self.weightedMeanBackward(a0.data + (n * b + k) * hw, hw, center: epsilon, sign: 1, tau: tau,
                                          mean: easyRaw[n * b + k], g: gk, into: dA0.data + (n * b + k) * hw)
            }
            if hardNegative {
                let g2 = dlogits[n * cols + cols - 1] / temperature
                Self.weightedMeanBackward(an, hw, center: triMap ? epsilon2 : epsilon, sign: -1, tau: tau,
                                          mean: sim2s[n], g: g2, into: dn)
            }
        }
        return Result(loss: Float(loss / Double(b)), logits: logits, dA0: dA0)
    }
}

/// SSL-SaN's negative-pair loss (SPEC §5.2): L = (1/B) Σ_n Σ_hw A[n,hw]², dL/dA = 2A/B.
public enum SquaredMapLoss {
    public static func forward(_ a: Tensor) -> Float {
        let b = a.shape[0]
        var s = 0.0
        for i in 0..<a.count { s += Double(a[i]) * Double(a[i]) }
        return Float(s / Double(b))
    }

    public static func backward(_ a: Tensor, scale: Float = 1) -> Tensor {
        let b = Float(a.shape[0])
        let d = Tensor(shape: a.shape)
        for i in 0..<a.count { d[i] = 2 * a[i] / b * scale }
        return d
    }
}

/// Mean squared error over all elements; gradients for both arguments.
public enum MSELoss {
    public static func forward(_ x: Tensor, _ y: Tensor) -> Float {
        precondition(x.shape == y.shape, "MSE of \(x.shape) and \(y.shape)")
        var s = 0.0
        for i in 0..<x.count { let d = Double(x[i] - y[i]); s += d * d }
        return Float(s / Double(x.count))
    }
    /// (d/dx, d/dy) scaled by `scale`.
    public static func backward(_ x: Tensor, _ y: Tensor, scale: Float = 1) -> (Tensor, Tensor) {
        let dx = Tensor(shape: x.shape), dy = Tensor(shape: y.shape)
        let k = 2 * scale / Float(x.count)
        for i in 0..<x.count { let g = k * (x[i] - y[i]); dx[i] = g; dy[i] = -g }
        return (dx, dy)
    }
}
