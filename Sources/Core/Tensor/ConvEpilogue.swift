/// What to do with each output element of a convolution right after the GEMM (or the Winograd
/// output transform), while it is still in cache: `y = relu?(acc · scale[c] + shift[c] + residual)`.
/// In eval mode a BatchNorm folds into `scale`/`shift` (`ConvEpilogue.batchNorm`, Core/Layers),
/// so conv → BN → (+ identity) → ReLU costs no pass over the output of its own.
public struct ConvEpilogue: @unchecked Sendable {
    public var scale: [Float]?
    public var shift: [Float]?
    /// Same shape as the convolution's output (B, Cout, Ho, Wo).
    public var residual: Tensor?
    public var relu: Bool

    public init(scale: [Float]? = nil, shift: [Float]? = nil, residual: Tensor? = nil, relu: Bool = false) {
        self.scale = scale; self.shift = shift; self.residual = residual; self.relu = relu
    }

    public static let none = ConvEpilogue()

    public var isIdentity: Bool { scale == nil && shift == nil && residual == nil && !relu }

    /// Applies the epilogue to `count` values of output channel `channel` of sample `sample`, in
    /// place; `offset` is where they start inside that sample's output (Cout·Ho·Wo floats), to
    /// find the matching residual values. The one place this arithmetic lives.
    @inline(__always)
    public func apply(to p: UnsafeMutablePointer<Float>, count: Int, channel c: Int, sample n: Int, offset: Int) {
        let s = scale?[c] ?? 1, t = shift?[c] ?? 0
        if let res = residual {
            let r = res.data + n * (res.count / res.shape[0]) + offset
            if relu { for i in 0..<count { p[i] = max(0, p[i] * s + t + r[i]) } }
            else { for i in 0..<count { p[i] = p[i] * s + t + r[i] } }
        } else {
            if relu { for i in 0..<count { p[i] = max(0, p[i] * s + t) } }
            else { for i in 0..<count { p[i] = p[i] * s + t } }
        }
    }
}
