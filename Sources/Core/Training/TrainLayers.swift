import Foundation

// Training-mode layers, forward and backward side by side (llm.c style).
//
// These are the training engine's own layers: im2col + sgemm convolutions, train-mode BatchNorm with
// running statistics, ReLU, 3×3/2 max-pool. Every forward returns the activations its backward needs
// in a small "saved" value, so one layer object can run several forwards (positive, silence, noise)
// before the backwards. Parameter gradients accumulate (`+=`) into `TrainParam.grad`.

/// A trainable tensor, its gradient and its PyTorch `state_dict` name.
public final class TrainParam: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let grad: Tensor
    public init(name: String, shape: [Int]) {
        self.name = name
        value = Tensor(shape: shape)
        grad = Tensor(shape: shape)
    }
}

/// Growable scratch memory for one thread (im2col columns, transposed outputs).
public final class TrainWorkspace: @unchecked Sendable {
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var sizes: [Int] = []
    public init() {}
    deinit { for b in buffers { b.deallocate() } }
    /// Scratch buffer `slot` with room for at least `count` floats (contents undefined).
    func buffer(_ slot: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= slot { buffers.append(.allocate(capacity: 1)); sizes.append(1) }
        if sizes[slot] < count {
            buffers[slot].deallocate()
            buffers[slot] = .allocate(capacity: count)
            sizes[slot] = count
        }
        return buffers[slot]
    }
}

/// Largest im2col block (floats) processed by one GEMM; samples are grouped up to this size.
nonisolated(unsafe) var trainMaxColumnFloats = 12 << 20

// MARK: - Conv2d (no bias)

public final class TrainConv2d: @unchecked Sendable {
    public let cin: Int, cout: Int, k: Int, stride: Int, pad: Int
    public let weight: TrainParam

    public init(name: String, cin: Int, cout: Int, k: Int, stride: Int, pad: Int) {
        self.cin = cin; self.cout = cout; self.k = k; self.stride = stride; self.pad = pad
        weight = TrainParam(name: name + ".weight", shape: [cout, cin, k, k])
    }

    public func outSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1)
    }

    /// Columns for samples [b0, b0+nb): col[K, nb·Ho·Wo], K = cin·k·k.
    private func im2col(_ x: Tensor, _ b0: Int, _ nb: Int, _ col: UnsafeMutablePointer<Float>, _ h: Int, _ w: Int, _ ho: Int, _ wo: Int) {
        let hw = ho * wo, ncol = nb * hw, s = stride, p = pad
        for c in 0..<cin {
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = col + ((c * k + ki) * k + kj) * ncol
                    // valid output columns: 0 <= ox*s - p + kj < w
                    let oxLo = max(0, (p - kj + s - 1) / s)
                    let oxHi = min(wo - 1, (w - 1 + p - kj) >= 0 ? (w - 1 + p - kj) / s : -1)
                    for bi in 0..<nb {
                        let src = x.data + ((b0 + bi) * cin + c) * h * w
                        let dstB = row + bi * hw
                        for oy in 0..<ho {
                            let iy = oy * s - p + ki
                            let d = dstB + oy * wo
                            if iy < 0 || iy >= h || oxHi < oxLo {
                                d.update(repeating: 0, count: wo)
                                continue
                            }
                            let srow = src + iy * w - p + kj
                            if oxLo > 0 { d.update(repeating: 0, count: oxLo) }
                            if s == 1 {
                                (d + oxLo).update(from: srow + oxLo, count: oxHi - oxLo + 1)
                            } else {
                                var ox = oxLo
                                while ox <= oxHi { d[ox] = srow[ox * s]; ox += 1 }
                            }
                            if oxHi < wo - 1 { (d + oxHi + 1).update(repeating: 0, count: wo - 1 - oxHi) }
                        }
                    }
                }
            }
        }
    }

    /// dx[b0..b0+nb) += col2im(dcol).
    private func col2im(_ dcol: UnsafePointer<Float>, _ dx: Tensor, _ b0: Int, _ nb: Int, _ h: Int, _ w: Int, _ ho: Int, _ wo: Int) {
        let hw = ho * wo, ncol = nb * hw, s = stride, p = pad
        for c in 0..<cin {
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = dcol + ((c * k + ki) * k + kj) * ncol
                    let oxLo = max(0, (p - kj + s - 1) / s)
                    let oxHi = min(wo - 1, (w - 1 + p - kj) >= 0 ? (w - 1 + p - kj) / s : -1)
                    if oxHi < oxLo { continue }
                    for bi in 0..<nb {
                        let dst = dx.data + ((b0 + bi) * cin + c) * h * w
                        let srcB = row + bi * hw
                        for oy in 0..<ho {
                            let iy = oy * s - p + ki
                            if iy < 0 || iy >= h { continue }
                            let drow = dst + iy * w - p + kj
                            let srow = srcB + oy * wo
                            var ox = oxLo
                            while ox <= oxHi { drow[ox * s] += srow[ox]; ox += 1 }
                        }
                    }
                }
            }
        }
    }

    private func group(_ n: Int, _ perSample: Int) -> Int { max(1, min(n, trainMaxColumnFloats / max(perSample, 1))) }

    public func forward(_ x: Tensor, _ ws: TrainWorkspace) -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        precondition(x.shape[1] == cin, "\(weight.name): input has \(x.shape[1]) channels, expected \(cin)")
        let (ho, wo) = outSize(h, w)
        let hw = ho * wo, kk = cin * k * k
        let y = Tensor(shape: [n, cout, ho, wo])
        let g = group(n, kk * hw)
        var b0 = 0
        while b0 < n {
            let nb = min(g, n - b0)
            let col = ws.buffer(0, kk * nb * hw)
            im2col(x, b0, nb, col, h, w, ho, wo)
            if nb == 1 {
                BLAS.sgemm(m: cout, n: hw, k: kk, a: weight.value.data, lda: kk, b: col, ldb: hw, c: y.data + b0 * cout * hw, ldc: hw)
            } else {
                let yt = ws.buffer(1, cout * nb * hw)
                BLAS.sgemm(m: cout, n: nb * hw, k: kk, a: weight.value.data, lda: kk, b: col, ldb: nb * hw, c: yt, ldc: nb * hw)
                for bi in 0..<nb {
                    for co in 0..<cout {
                        (y.data + ((b0 + bi) * cout + co) * hw).update(from: yt + co * nb * hw + bi * hw, count: hw)
                    }
                }
            }
            b0 += nb
        }
        return y
    }

    /// Accumulates the weight gradient; returns dx when `needInput`.
    public func backward(_ dy: Tensor, input x: Tensor, needInput: Bool, _ ws: TrainWorkspace) -> Tensor? {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (ho, wo) = (dy.shape[2], dy.shape[3])
        let hw = ho * wo, kk = cin * k * k
        let dx: Tensor? = needInput ? Tensor(shape: x.shape) : nil
        let g = group(n, kk * hw)
        var b0 = 0
        while b0 < n {
            let nb = min(g, n - b0)
            let col = ws.buffer(0, kk * nb * hw)
            im2col(x, b0, nb, col, h, w, ho, wo)
            let dyt: UnsafeMutablePointer<Float>
            if nb == 1 {
                dyt = dy.data + b0 * cout * hw
            } else {
                dyt = ws.buffer(1, cout * nb * hw)
                for bi in 0..<nb {
                    for co in 0..<cout {
                        (dyt + co * nb * hw + bi * hw).update(from: dy.data + ((b0 + bi) * cout + co) * hw, count: hw)
                    }
                }
            }
            BLAS.sgemm(transB: true, m: cout, n: kk, k: nb * hw, a: dyt, lda: nb * hw, b: col, ldb: nb * hw,
                       beta: 1, c: weight.grad.data, ldc: kk)
            if let dx {
                let dcol = ws.buffer(2, kk * nb * hw)
                BLAS.sgemm(transA: true, m: kk, n: nb * hw, k: cout, a: weight.value.data, lda: kk, b: dyt, ldb: nb * hw,
                           c: dcol, ldc: nb * hw)
                col2im(dcol, dx, b0, nb, h, w, ho, wo)
            }
            b0 += nb
        }
        return dx
    }
}

// MARK: - BatchNorm2d

public final class TrainBatchNorm2d: @unchecked Sendable {
    public let channels: Int
    public let weight: TrainParam
    public let bias: TrainParam
    public let runningMean: Tensor
    public let runningVar: Tensor
    public var numBatchesTracked: Int64 = 0
    public let name: String
    public let eps: Float = 1e-5
    public var momentum: Float = 0.1
    /// How many times one train-mode forward updates the running statistics (2 reproduces a second
    /// identical forward, as SSL-TIE's equivariance branch does for the audio encoder).
    public var statUpdates = 1

    public init(name: String, channels: Int) {
        self.name = name; self.channels = channels
        weight = TrainParam(name: name + ".weight", shape: [channels])
        bias = TrainParam(name: name + ".bias", shape: [channels])
        weight.value.fill(1)
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels], repeating: 1)
    }

    public struct Saved: @unchecked Sendable {
        let input: Tensor
        let mean: [Float]
        let invstd: [Float]
    }

    /// Train mode: batch statistics (biased variance), running statistics updated (unbiased variance).
    public func forwardTrain(_ x: Tensor) -> (Tensor, Saved) {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / (n * c)
        let m = n * hw
        let y = Tensor(shape: x.shape)
        var means = [Float](repeating: 0, count: c), invs = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            var s = 0.0
            for b in 0..<n {
                let p = x.data + (b * c + ch) * hw
                var acc: Float = 0
                var i = 0
                var part = 0.0
                while i < hw {
                    acc += p[i]; i += 1
                    if i & 255 == 0 { part += Double(acc); acc = 0 }
                }
                s += part + Double(acc)
            }
            let mean = s / Double(m)
            var v = 0.0
            let meanF = Float(mean)
            for b in 0..<n {
                let p = x.data + (b * c + ch) * hw
                var acc: Float = 0
                var part = 0.0
                var i = 0
                while i < hw {
                    let d = p[i] - meanF; acc += d * d; i += 1
                    if i & 255 == 0 { part += Double(acc); acc = 0 }
                }
                v += part + Double(acc)
            }
            // correct for the float rounding of the mean: sum (x - meanF)^2 = sum (x-mean)^2 + m (mean-meanF)^2
            let dm = mean - Double(meanF)
            v = max(0, v - Double(m) * dm * dm)
            let varB = v / Double(m)
            let inv = Float(1 / (varB + Double(eps)).squareRoot())
            means[ch] = meanF; invs[ch] = inv
            let gamma = weight.value[ch], beta = bias.value[ch]
            for b in 0..<n {
                let p = x.data + (b * c + ch) * hw, q = y.data + (b * c + ch) * hw
                for i in 0..<hw { q[i] = (p[i] - meanF) * inv * gamma + beta }
            }
            let unbiased = m > 1 ? v / Double(m - 1) : varB
            for _ in 0..<statUpdates {
                runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * meanF
                runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * Float(unbiased)
            }
        }
        numBatchesTracked += Int64(statUpdates)
        return (y, Saved(input: x, mean: means, invstd: invs))
    }

    /// Eval mode: running statistics.
    public func forwardEval(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / (n * c)
        let y = Tensor(shape: x.shape)
        for ch in 0..<c {
            let inv = 1 / (runningVar[ch] + eps).squareRoot()
            let sc = inv * weight.value[ch], sh = bias.value[ch] - runningMean[ch] * sc
            for b in 0..<n {
                let p = x.data + (b * c + ch) * hw, q = y.data + (b * c + ch) * hw
                for i in 0..<hw { q[i] = p[i] * sc + sh }
            }
        }
        return y
    }

    /// Accumulates dγ, dβ and returns dx.
    public func backward(_ dy: Tensor, _ s: Saved) -> Tensor {
        let x = s.input
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / (n * c)
        let m = Double(n * hw)
        let dx = Tensor(shape: x.shape)
        for ch in 0..<c {
            let mean = s.mean[ch], inv = s.invstd[ch]
            var sdy = 0.0, sdyx = 0.0
            for b in 0..<n {
                let p = x.data + (b * c + ch) * hw, g = dy.data + (b * c + ch) * hw
                var a1: Float = 0, a2: Float = 0
                var i = 0
                while i < hw {
                    let xh = (p[i] - mean) * inv
                    a1 += g[i]; a2 += g[i] * xh; i += 1
                    if i & 255 == 0 { sdy += Double(a1); sdyx += Double(a2); a1 = 0; a2 = 0 }
                }
                sdy += Double(a1); sdyx += Double(a2)
            }
            weight.grad[ch] += Float(sdyx)
            bias.grad[ch] += Float(sdy)
            let gamma = weight.value[ch]
            let k1 = Float(sdy / m), k2 = Float(sdyx / m)
            let sc = gamma * inv
            for b in 0..<n {
                let p = x.data + (b * c + ch) * hw, g = dy.data + (b * c + ch) * hw, d = dx.data + (b * c + ch) * hw
                for i in 0..<hw {
                    let xh = (p[i] - mean) * inv
                    d[i] = sc * (g[i] - k1 - xh * k2)
                }
            }
        }
        return dx
    }
}

// MARK: - ReLU (in place)

enum TrainReLU {
    static func forwardInPlace(_ x: Tensor) {
        let p = x.data
        for i in 0..<x.count where p[i] < 0 { p[i] = 0 }
    }
    /// dy := dy · [y > 0], in place.
    static func backwardInPlace(_ dy: Tensor, output y: Tensor) {
        let g = dy.data, p = y.data
        for i in 0..<dy.count where !(p[i] > 0) { g[i] = 0 }
    }
}

// MARK: - MaxPool2d 3×3, stride 2, pad 1 (−inf padding)

enum TrainMaxPool {
    static func outSize(_ h: Int) -> Int { (h + 2 - 3) / 2 + 1 }

    static func forward(_ x: Tensor) -> (Tensor, [Int32]) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = (outSize(h), outSize(w))
        let y = Tensor(shape: [n, c, ho, wo])
        var idx = [Int32](repeating: 0, count: y.count)
        idx.withUnsafeMutableBufferPointer { ib in
            for pl in 0..<(n * c) {
                let src = x.data + pl * h * w, dst = y.data + pl * ho * wo
                let ip = ib.baseAddress! + pl * ho * wo
                for oy in 0..<ho {
                    let y0 = max(0, oy * 2 - 1), y1 = min(h - 1, oy * 2 + 1)
                    for ox in 0..<wo {
                        let x0 = max(0, ox * 2 - 1), x1 = min(w - 1, ox * 2 + 1)
                        var best = -Float.infinity, bi = y0 * w + x0
                        for yy in y0...y1 {
                            for xx in x0...x1 {
                                let v = src[yy * w + xx]
                                if v > best || v.isNaN { best = v; bi = yy * w + xx }
                            }
                        }
                        dst[oy * wo + ox] = best
                        ip[oy * wo + ox] = Int32(bi)
                    }
                }
            }
        }
        return (y, idx)
    }

    static func backward(_ dy: Tensor, indices: [Int32], inputShape: [Int]) -> Tensor {
        let dx = Tensor(shape: inputShape)
        let hw = inputShape[2] * inputShape[3]
        let ohw = dy.shape[2] * dy.shape[3]
        for pl in 0..<(dy.shape[0] * dy.shape[1]) {
            let d = dx.data + pl * hw, g = dy.data + pl * ohw
            for o in 0..<ohw { d[Int(indices[pl * ohw + o])] += g[o] }
        }
        return dx
    }
}

// MARK: - Element-wise helpers

extension Tensor {
    /// Copies all of `self` into `dst` starting at element `offset`. (A method, so `self` stays alive
    /// while its storage is read: never pass `temporary().data` to a copy, the temporary may be freed first.)
    func copyInto(_ dst: Tensor, at offset: Int) {
        precondition(offset + count <= dst.count)
        (dst.data + offset).update(from: data, count: count)
    }

    /// self += other (same count).
    func addInPlace(_ o: Tensor) {
        precondition(o.count == count)
        let a = data, b = o.data
        for i in 0..<count { a[i] += b[i] }
    }
}
