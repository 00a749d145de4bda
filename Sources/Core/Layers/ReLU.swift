/// max(0, x). Forward works in place (the fused conv epilogue usually does it); the backward
/// only needs the forward *output*: the gradient passes where the output is positive.
public enum ReLU {
    public static func forwardInPlace(_ x: Tensor) {
        let p = x.data
        Parallel.chunks(x.count / 4096 + 1, costPerItem: 4096) { r in
            let lo = r.lowerBound * 4096, hi = min(x.count, r.upperBound * 4096)
            for i in lo..<max(lo, hi) { p[i] = max(0, p[i]) }
        }
    }

    /// Multiplies `grad` in place by 1[output > 0].
    public static func backwardInPlace(output y: Tensor, grad: Tensor) {
        precondition(y.count == grad.count, "ReLU backward: \(y.shape) vs \(grad.shape)")
        let yp = y.data, g = grad.data
        Parallel.chunks(y.count / 4096 + 1, costPerItem: 4096) { r in
            let lo = r.lowerBound * 4096, hi = min(y.count, r.upperBound * 4096)
            for i in lo..<max(lo, hi) where !(yp[i] > 0) { g[i] = 0 }
        }
    }
}
