/// The residual connection y = a + b. Its backward is the identity on both inputs, so only the
/// forward needs code; BasicBlock's backward adds the two branch gradients with the same call.
public enum Residual {
    /// a += b, element-wise.
    public static func addInPlace(_ a: Tensor, _ b: Tensor) {
        precondition(a.count == b.count, "residual add: \(a.shape) + \(b.shape)")
        let p = a.data, q = b.data
        Parallel.chunks(a.count / 4096 + 1, costPerItem: 4096) { r in
            let lo = r.lowerBound * 4096, hi = min(a.count, r.upperBound * 4096)
            for i in lo..<max(lo, hi) { p[i] += q[i] }
        }
    }
}
