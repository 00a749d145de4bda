/// Max pooling with −∞ padding (ResNet stem: 3×3, stride 2, pad 1). The train-mode forward
/// records the argmax of every window so the backward routes each gradient to one input.
public struct MaxPool2d: Sendable {
    public let kernel: Int
    public let stride: Int
    public let padding: Int

    public init(kernel: Int = 3, stride: Int = 2, padding: Int = 1) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    /// Argmax (flat index within the input plane) of every output element.
    public struct Saved: @unchecked Sendable {
        public let inputShape: [Int]
        public let argmax: [Int32]
    }

    /// Eval forward. The ResNet stem's 3×3/2/1 pool takes a separable fast path (row maxima
    /// first, each shared by two output rows); other shapes use the generic window loop.
    public func forward(_ x: Tensor) -> Tensor {
        kernel == 3 && stride == 2 && padding == 1 ? stemPool(x) : run(x, recordArgmax: false).0
    }

    /// 3×3, stride 2, pad 1 max pool as horizontal then vertical 3-wide maxima. NaN inputs are
    /// not propagated (the generic path and PyTorch do); activations of a sane model have none.
    private func stemPool(_ x: Tensor) -> Tensor {
        let B = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
        let oh = (H - 1) / 2 + 1, ow = (W - 1) / 2 + 1
        let y = Tensor(shape: [B, C, oh, ow])
        Parallel.chunks(B * C, costPerItem: H * W) { r in
            let hmax = UnsafeMutablePointer<Float>.allocate(capacity: H * ow)
            defer { hmax.deallocate() }
            for bc in r {
                let xp = x.data + bc * H * W, yp = y.data + bc * oh * ow
                // hmax[iy][ox] = max over ix in {2ox−1, 2ox, 2ox+1} ∩ [0, W).
                for iy in 0..<H {
                    let row = xp + iy * W, h = hmax + iy * ow
                    h[0] = W > 1 ? max(row[0], row[1]) : row[0]
                    var ox = 1
                    while ox < ow {
                        let c = 2 * ox
                        var m = max(row[c - 1], row[c])
                        if c + 1 < W { m = max(m, row[c + 1]) }
                        h[ox] = m
                        ox += 1
                    }
                }
                for oy in 0..<oh {
                    let c = 2 * oy, o = yp + oy * ow
                    let a = hmax + c * ow
                    if oy > 0 {
                        let p = hmax + (c - 1) * ow
                        for ox in 0..<ow { o[ox] = max(p[ox], a[ox]) }
                    } else {
                        for ox in 0..<ow { o[ox] = a[ox] }
                    }
                    if c + 1 < H {
                        let n = hmax + (c + 1) * ow
                        for ox in 0..<ow { o[ox] = max(o[ox], n[ox]) }
                    }
                }
            }
        }
        return y
    }

    public func forwardTrain(_ x: Tensor) -> (output: Tensor, saved: Saved) {
        let (y, a) = run(x, recordArgmax: true)
        return (y, Saved(inputShape: x.shape, argmax: a))
    }

    private func run(_ x: Tensor, recordArgmax: Bool) -> (Tensor, [Int32]) {
        let B = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
        let g = ConvGeometry(channels: C, height: H, width: W, kernel: kernel, stride: stride, padding: padding)
        let oh = g.outHeight, ow = g.outWidth
        let y = Tensor(shape: [B, C, oh, ow])
        var arg = [Int32](repeating: 0, count: recordArgmax ? y.count : 0)
        let k = kernel, s = stride, p = padding
        arg.withUnsafeMutableBufferPointer { ap in
            let ap = ap
            Parallel.chunks(B * C, costPerItem: oh * ow * k * k) { r in
                for bc in r {
                    let xp = x.data + bc * H * W, yp = y.data + bc * oh * ow
                    for oy in 0..<oh {
                        let y0 = max(0, oy * s - p), y1 = min(H, oy * s - p + k)
                        for ox in 0..<ow {
                            let x0 = max(0, ox * s - p), x1 = min(W, ox * s - p + k)
                            var best = -Float.infinity, bi = y0 * W + x0
                            for iy in y0..<y1 {
                                for ix in x0..<x1 {
                                    let v = xp[iy * W + ix]
                                    // `>` keeps the first maximum (PyTorch also propagates NaN).
                                    if v > best || v.isNaN { best = v; bi = iy * W + ix }
                                }
                            }
                            yp[oy * ow + ox] = best
                            if recordArgmax { ap[bc * oh * ow + oy * ow + ox] = Int32(bi) }
                        }
                    }
                }
            }
        }
        return (y, arg)
    }

    public func backward(saved: Saved, gradOutput dy: Tensor) -> Tensor {
        let dx = Tensor(shape: saved.inputShape)
        let plane = saved.inputShape[2] * saved.inputShape[3]
        let oplane = dy.shape[2] * dy.shape[3]
        saved.argmax.withUnsafeBufferPointer { ap in
            let ap = ap
            Parallel.chunks(dy.shape[0] * dy.shape[1], costPerItem: oplane) { r in
                for bc in r {
                    let d = dx.data + bc * plane, g = dy.data + bc * oplane
                    for o in 0..<oplane { d[Int(ap[bc * oplane + o])] += g[o] }
                }
            }
        }
        return dx
    }
}
