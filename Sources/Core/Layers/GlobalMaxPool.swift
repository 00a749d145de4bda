/// AdaptiveMaxPool2d(1) flattened: (B, C, H, W) → (B, C), the max over all positions of each
/// channel (AVENet's audio `avgpool` is this max pool, SPEC §3.2). The backward sends each
/// gradient to the first position holding the maximum.
public enum GlobalMaxPool {
    public static func forward(_ x: Tensor) -> Tensor {
        forwardTrain(x).output
    }

    /// Output plus the flat argmax within each channel plane.
    public static func forwardTrain(_ x: Tensor) -> (output: Tensor, argmax: [Int32]) {
        precondition(x.rank == 4, "GlobalMaxPool: input \(x.shape)")
        let B = x.shape[0], C = x.shape[1], P = x.shape[2] * x.shape[3]
        let y = Tensor(shape: [B, C])
        var arg = [Int32](repeating: 0, count: B * C)
        for bc in 0..<(B * C) {
            let p = x.data + bc * P
            var best = -Float.infinity, bi = 0
            for i in 0..<P where p[i] > best || p[i].isNaN { best = p[i]; bi = i; if p[i].isNaN { break } }
            y.data[bc] = best; arg[bc] = Int32(bi)
        }
        return (y, arg)
    }

    public static func backward(inputShape: [Int], argmax: [Int32], gradOutput g: Tensor) -> Tensor {
        let dx = Tensor(shape: inputShape)
        let P = inputShape[2] * inputShape[3]
        for bc in 0..<argmax.count { dx.data[bc * P + Int(argmax[bc])] += g.data[bc] }
        return dx
    }
}
