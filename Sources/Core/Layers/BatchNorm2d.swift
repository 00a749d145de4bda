import Foundation

/// BatchNorm2d (eps 1e-5, momentum 0.1, affine), PyTorch semantics (SPEC §3.1).
///
/// Eval: y = (x − running_mean) / sqrt(running_var + eps) · weight + bias, usually folded into
/// the preceding convolution's epilogue (`evalScaleShift`). Train: normalises with the batch
/// mean and the biased batch variance, then updates running_mean/var with momentum 0.1 using
/// the unbiased variance and increments `numBatchesTracked`. The forward returns the per-channel
/// mean and 1/std the backward needs; the backward recomputes x̂ from the input (llm.c style:
/// what backward reads is exactly what forward saved).
public final class BatchNorm2d: @unchecked Sendable {
    public let channels: Int
    public let eps: Float = 1e-5
    public let momentum: Float = 0.1
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVar: Tensor
    public var numBatchesTracked: Int64 = 0
    public let weightGrad: Tensor
    public let biasGrad: Tensor

    /// What a train-mode forward saved for the backward.
    public struct Saved: @unchecked Sendable {
        public let mean: [Float]
        public let invStd: [Float]
    }

    public init(channels: Int) {
        self.channels = channels
        weight = Tensor(shape: [channels], repeating: 1)
        bias = Tensor(shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels], repeating: 1)
        weightGrad = Tensor(shape: [channels])
        biasGrad = Tensor(shape: [channels])
    }

    /// weight ~ N(1, 0.02), bias 0, running stats reset (SPEC §3.3, AVENet's re-initialisation).
    public func initialise(_ rng: inout ParameterRNG) {
        rng.fillNormal(weight, mean: 1, std: 0.02)
        bias.fill(0); runningMean.fill(0); runningVar.fill(1); numBatchesTracked = 0
    }

    /// Eval-mode BN as y = x·scale + shift.
    public func evalScaleShift() -> (scale: [Float], shift: [Float]) {
        var s = [Float](repeating: 0, count: channels), t = s
        for c in 0..<channels {
            let inv = 1 / (runningVar[c] + eps).squareRoot()
            s[c] = inv * weight[c]
            t[c] = bias[c] - runningMean[c] * inv * weight[c]
        }
        return (s, t)
    }

    /// Eval-mode forward into a new tensor (the fused conv epilogue is the fast path).
    public func forwardEval(_ x: Tensor, relu: Bool = false) -> Tensor {
        let (s, t) = evalScaleShift()
        return affine(x, scale: s, shift: t, relu: relu)
    }

    /// Train-mode forward: batch statistics, running-stat update, y = x̂·weight + bias.
    ///
    /// `copies`: the batch stands for `copies` identical copies of itself (a batch of one
    /// silence spectrogram standing for B identical ones). Batch mean and biased variance are
    /// those of one copy; only the unbiased variance of the running-stat update counts all
    /// B·H·W values.
    /// `statUpdates` applies the running-statistics update that many times (and counts as many
    /// batches). SSL-TIE's equivariance step calls `AVENet.forward` twice, on the images and on
    /// T(images), and each call runs the audio encoder on the *same* spectrograms: two forwards
    /// with identical batch statistics, whose gradients add. One forward with the summed
    /// gradient and two running-stat updates (r ← (1−m)²·r + (1−(1−m)²)·μ) is the same step at
    /// half the audio cost.
    public func forwardTrain(_ x: Tensor, statUpdates: Int = 1, copies: Int = 1) -> (output: Tensor, saved: Saved) {
        let (mean, varB) = batchStatistics(x)
        let B = x.shape[0], plane = x.shape[2] * x.shape[3], C = channels
        let n = B * plane
        var invStd = mean
        var scale = mean, shift = mean
        for c in 0..<C {
            invStd[c] = Float(1 / (Double(varB[c]) + Double(eps)).squareRoot())
            scale[c] = invStd[c] * weight[c]
            shift[c] = bias[c] - mean[c] * scale[c]
            let nStat = n * copies
            let unbiased = nStat > 1 ? varB[c] * Float(nStat) / Float(nStat - 1) : varB[c]
            for _ in 0..<statUpdates {
                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
                runningVar[c] = (1 - momentum) * runningVar[c] + momentum * unbiased
            }
        }
        numBatchesTracked += Int64(statUpdates)
        return (affine(x, scale: scale, shift: shift, relu: false), Saved(mean: mean, invStd: invStd))
    }

    /// Per-channel batch mean and biased variance of `x` over (N, H, W): two passes, the mean,
    /// then the centred sum of squares about the float mean, corrected for its rounding
    /// (Σ(x−m)² = Σ(x−m_f)² − n·(m−m_f)²).
    func batchStatistics(_ x: Tensor) -> (mean: [Float], variance: [Float]) {
        precondition(x.rank == 4 && x.shape[1] == channels, "BatchNorm2d(\(channels)): input \(x.shape)")
        let B = x.shape[0], plane = x.shape[2] * x.shape[3], C = channels
        let n = B * plane
        var mean = [Float](repeating: 0, count: C), varB = mean
        mean.withUnsafeMutableBufferPointer { mp in
            varB.withUnsafeMutableBufferPointer { vp in
                let mp = mp, vp = vp
                Parallel.chunks(C, costPerItem: n) { cs in
                    for c in cs {
                        var sum = 0.0
                        for b in 0..<B { sum += Self.sum(x.data + (b * C + c) * plane, plane) }
                        let m = sum / Double(n), mf = Float(m)
                        var ss = 0.0
                        for b in 0..<B { ss += Self.centredSquares(x.data + (b * C + c) * plane, plane, mf) }
                        let dm = m - Double(mf)
                        mp[c] = mf; vp[c] = Float(max(0, ss - Double(n) * dm * dm) / Double(n))
                    }
                }
            }
        }
        return (mean, varB)
    }

    /// Train-mode normalisation *without* its side effects: batch statistics, running statistics
    /// and `num_batches_tracked` untouched. This is what a PyTorch module left in training mode
    /// computes at inference (RCGrad's released audio encoder, see `ZooModel`); thread-safe.
    public func forwardBatchStatistics(_ x: Tensor, relu: Bool = false) -> Tensor {
        let (mean, varB) = batchStatistics(x)
        var scale = mean, shift = mean
        for c in 0..<channels {
            let inv = Float(1 / (Double(varB[c]) + Double(eps)).squareRoot())
            scale[c] = inv * weight[c]
            shift[c] = bias[c] - mean[c] * scale[c]
        }
        return affine(x, scale: scale, shift: shift, relu: relu)
    }

    private func affine(_ x: Tensor, scale: [Float], shift: [Float], relu: Bool) -> Tensor {
        let B = x.shape[0], plane = x.shape[2] * x.shape[3], C = channels
        let y = Tensor(shape: x.shape)
        Parallel.chunks(B * C, costPerItem: plane) { r in
            for bc in r {
                let c = bc % C, s = scale[c], t = shift[c]
                let p = x.data + bc * plane, q = y.data + bc * plane
                if relu { for i in 0..<plane { q[i] = max(0, p[i] * s + t) } } else { for i in 0..<plane { q[i] = p[i] * s + t } }
            }
        }
        return y
    }

    /// Train-mode backward. With x̂ = (x − μ)·invStd and g = dL/dy:
    /// dβ = Σg, dγ = Σg·x̂, dx = γ·invStd · (g − mean(g) − x̂·mean(g·x̂)).
    public func backward(input x: Tensor, saved: Saved, gradOutput dy: Tensor) -> Tensor {
        precondition(dy.shape == x.shape, "BatchNorm2d backward: dy \(dy.shape) vs x \(x.shape)")
        let B = x.shape[0], plane = x.shape[2] * x.shape[3], C = channels
        let n = Double(B * plane)
        let dx = Tensor(shape: x.shape)
        Parallel.chunks(C, costPerItem: B * plane) { cs in
            for c in cs {
                let m = saved.mean[c], inv = saved.invStd[c]
                var sg = 0.0, sgx = 0.0
                for b in 0..<B {
                    let (g, gx) = Self.gradientSums(x.data + (b * C + c) * plane, dy.data + (b * C + c) * plane, plane, m)
                    sg += g; sgx += gx * Double(inv)
                }
                biasGrad[c] += Float(sg)
                weightGrad[c] += Float(sgx)
                let k = weight[c] * inv, mg = Float(sg / n), mgx = Float(sgx / n)
                for b in 0..<B {
                    let xp = x.data + (b * C + c) * plane, gp = dy.data + (b * C + c) * plane, dp = dx.data + (b * C + c) * plane
                    for i in 0..<plane { dp[i] = k * (gp[i] - mg - (xp[i] - m) * inv * mgx) }
                }
            }
        }
        return dx
    }

    // MARK: - Reductions (float SIMD lanes, flushed into double every 512 elements: vectorised,
    // and as accurate as a double loop for the plane sizes here)

    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var total = 0.0, i = 0
        while i < n {
            let end = min(n, i + 512)
            var acc = SIMD8<Float>()
            while i + 8 <= end { acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
            var tail: Float = 0
            while i < end { tail += p[i]; i += 1 }
            total += Double(acc.sum()) + Double(tail)
        }
        return total
    }

    @inline(__always)
    static func centredSquares(_ p: UnsafePointer<Float>, _ n: Int, _ m: Float) -> Double {
        var total = 0.0, i = 0
        let mv = SIMD8<Float>(repeating: m)
        while i < n {
            let end = min(n, i + 512)
            var acc = SIMD8<Float>()
            while i + 8 <= end { let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - mv; acc += d * d; i += 8 }
            var tail: Float = 0
            while i < end { let d = p[i] - m; tail += d * d; i += 1 }
            total += Double(acc.sum()) + Double(tail)
        }
        return total
    }

    /// (Σg, Σg·(x − m)) for the backward.
    @inline(__always)
    static func gradientSums(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int, _ m: Float) -> (Double, Double) {
        var sg = 0.0, sgx = 0.0, i = 0
        let mv = SIMD8<Float>(repeating: m)
        while i < n {
            let end = min(n, i + 512)
            var a = SIMD8<Float>(), b = SIMD8<Float>()
            while i + 8 <= end {
                let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                a += gv; b += gv * (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - mv); i += 8
            }
            var ta: Float = 0, tb: Float = 0
            while i < end { ta += g[i]; tb += g[i] * (x[i] - m); i += 1 }
            sg += Double(a.sum()) + Double(ta); sgx += Double(b.sum()) + Double(tb)
        }
        return (sg, sgx)
    }
}
