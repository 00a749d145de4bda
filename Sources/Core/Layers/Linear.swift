/// A learned projection y = W·x + b with W (out, in) and a bias: PyTorch's `nn.Linear(in, out)`
/// on vectors and, on feature maps, `nn.Conv2d(in, out, 1)` with bias (whose weight is stored as
/// (out, in, 1, 1); both load into the same `weight` tensor reshaped to (out, in)).
/// Eval only (the zoo heads of EZ-VSL, FNAC and SLAVC); thread-safe.
public final class Linear: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// (out, in) row-major.
    public let weight: Tensor
    public let bias: Tensor

    public init(inFeatures: Int, outFeatures: Int) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        weight = Tensor(shape: [outFeatures, inFeatures])
        bias = Tensor(shape: [outFeatures])
    }

    /// (B, in) → (B, out): `nn.Linear`.
    public func forward(vectors x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inFeatures, "Linear(\(inFeatures)→\(outFeatures)): input \(x.shape)")
        let b = x.shape[0]
        let y = Tensor(shape: [b, outFeatures])
        for n in 0..<b { bias.copyInto(y, at: n * outFeatures) }
        BLAS.sgemm(transB: true, m: b, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                   b: weight.data, ldb: inFeatures, beta: 1, c: y.data, ldc: outFeatures)
        return y
    }

    /// (B, in, H, W) → (B, out, H, W): a 1×1 convolution with bias.
    public func forward(maps x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inFeatures, "Conv1×1(\(inFeatures)→\(outFeatures)): input \(x.shape)")
        let (b, hw) = (x.shape[0], x.shape[2] * x.shape[3])
        let y = Tensor(shape: [b, outFeatures, x.shape[2], x.shape[3]])
        for n in 0..<b {
            let out = y.data + n * outFeatures * hw
            for o in 0..<outFeatures { (out + o * hw).update(repeating: bias[o], count: hw) }
            BLAS.sgemm(m: outFeatures, n: hw, k: inFeatures, a: weight.data, lda: inFeatures,
                       b: x.data + n * inFeatures * hw, ldb: hw, beta: 1, c: out, ldc: hw)
        }
        return y
    }
}
