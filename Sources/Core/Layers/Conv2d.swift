import Foundation

extension ConvEpilogue {
    /// Eval-mode BatchNorm (running statistics) folded into the epilogue.
    public static func batchNorm(_ bn: BatchNorm2d, residual: Tensor? = nil, relu: Bool) -> ConvEpilogue {
        let (s, t) = bn.evalScaleShift()
        return ConvEpilogue(scale: s, shift: t, residual: residual, relu: relu)
    }
}

/// 2-D convolution without bias, square kernel (the only kind ResNet-18 uses).
///
/// Forward: 3×3 stride-1 convolutions (most of ResNet-18's work) use Winograd: F(4×4, 3×3)
/// (4× fewer multiplies) or F(2×2, 3×3) (2.25× fewer) as `Winograd.tile` picks per layer, and
/// F(2×2) wherever batch statistics follow (`maxTile`); the others, per sample, im2col then one `sgemm`
/// W (Cout × Cin·k²) · col (Cin·k² × Ho·Wo), with 1×1 stride-1 convolutions reading the input
/// directly. Backward: dW += dY · colᵀ and dcol = Wᵀ · dY followed by
/// col2im. The column matrix is rebuilt in backward rather than stored (memory over time).
/// Training passes a `Workspace`: scratch is then reused, and planes of at most
/// `maxGroupPlane` positions put several samples' columns side by side in one GEMM.
/// `forward` without a workspace allocates its own scratch, so concurrent calls are safe;
/// `backward` accumulates into `weightGrad` and must not run concurrently with itself.
public final class Conv2d: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// (Cout, Cin, k, k), PyTorch layout.
    public let weight: Tensor
    public let weightGrad: Tensor

    /// Whether 3×3 stride-1 pad-1 forwards use Winograd (`Winograd`); backward always uses
    /// im2col GEMMs.
    nonisolated(unsafe) public static var winogradEnabled = true
    private let cacheLock = NSLock()
    private var winogradCache: [Winograd.Tile: (fingerprint: UInt64, u: Tensor)] = [:]

    public var usesWinograd: Bool { Self.winogradEnabled && kernel == 3 && stride == 1 && padding == 1 }

    /// Transformed filters for `tile`, rebuilt when the weights change. Change is detected by a
    /// fingerprint of up to 8192 evenly spaced weights (an optimiser step moves all of them);
    /// call `invalidateCaches()` after editing only a few weights by hand.
    func winogradWeights(_ tile: Winograd.Tile) -> Tensor {
        let fp = weightFingerprint()
        cacheLock.lock(); defer { cacheLock.unlock() }
        if let c = winogradCache[tile], c.fingerprint == fp { return c.u }
        let u = tile == .f4 ? Winograd.transformWeightsF4(weight) : Winograd.transformWeights(weight)
        winogradCache[tile] = (fp, u)
        return u
    }

    public func invalidateCaches() { cacheLock.lock(); winogradCache = [:]; cacheLock.unlock() }

    private func weightFingerprint() -> UInt64 {
        let n = weight.count, step = max(1, n / 8192)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        while i < n { h = (h ^ UInt64(weight.data[i].bitPattern)) &* 0x100_0000_01b3; i += step }
        return h ^ UInt64(weight.data[n - 1].bitPattern)
    }

    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        weight = Tensor(shape: [outChannels, inChannels, kernel, kernel])
        weightGrad = Tensor(shape: weight.shape)
    }

    public func geometry(height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(channels: inChannels, height: height, width: width, kernel: kernel, stride: stride, padding: padding)
    }

    /// Kaiming normal, fan_out, ReLU gain: std = sqrt(2 / (Cout·k²)) (SPEC §3.3).
    public func initialise(_ rng: inout ParameterRNG) {
        rng.fillNormal(weight, std: (2.0 / Double(outChannels * kernel * kernel)).squareRoot())
    }

    /// Multiply–adds of one forward pass on an H×W input (for GFLOP/s reports).
    public func macs(height: Int, width: Int) -> Int {
        let g = geometry(height: height, width: width)
        return outChannels * g.columnRows * g.columnCols
    }

    /// Largest column matrix (floats) one grouped GEMM builds; samples are grouped up to it.
    nonisolated(unsafe) public static var maxGroupColumnFloats = 12 << 20
    /// Samples share one GEMM only when a sample's output plane is at most this many positions:
    /// late layers (28×28 and smaller at 224 px) give GEMMs too narrow for OpenBLAS to run at
    /// full speed; wide planes already do, and grouping them only adds the transposing copies.
    nonisolated(unsafe) public static var maxGroupPlane = 1024

    /// Samples per GEMM for an output plane of `ncol` positions and `K` column rows (1 = none).
    /// Grouping needs scratch to reuse, so it happens only with a `Workspace` (training).
    func samplesPerGEMM(batch: Int, ncol: Int, K: Int, workspace: Workspace?) -> Int {
        guard workspace != nil, ncol <= Self.maxGroupPlane else { return 1 }
        return max(1, min(batch, Self.maxGroupColumnFloats / max(1, K * ncol)))
    }

    /// y = conv(x) for x (B, Cin, H, W) → (B, Cout, Ho, Wo), then the epilogue. With a
    /// `workspace` (one per training thread) scratch is reused and small late-layer GEMMs are
    /// grouped across samples; without one the call allocates its own scratch and is thread-safe.
    /// `maxTile`: the largest Winograd tile allowed (`.f2` where batch statistics follow and
    /// F(4×4)'s rounding would be magnified: training, RCGrad's train-mode audio encoder).
    public func forward(_ x: Tensor, epilogue: ConvEpilogue = .none, workspace: Workspace? = nil,
                        maxTile: Winograd.Tile = .f4) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2d(\(inChannels)→\(outChannels)): input \(x.shape)")
        let B = x.shape[0]
        let g = geometry(height: x.shape[2], width: x.shape[3])
        let oh = g.outHeight, ow = g.outWidth, ncol = g.columnCols, K = g.columnRows
        let y = Tensor(shape: [B, outChannels, oh, ow])
        let inStride = inChannels * g.height * g.width, outStride = outChannels * ncol
        if usesWinograd {
            let tile = maxTile == .f2 ? .f2 : Winograd.tile(height: g.height, width: g.width, channels: inChannels, outChannels: outChannels)
            let u = winogradWeights(tile)
            if let r = epilogue.residual { precondition(r.shape == y.shape, "residual \(r.shape) does not match the conv output \(y.shape)") }
            if tile == .f4 {
                for n in 0..<B {
                    Winograd.forwardF4(x.data + n * inStride, channels: inChannels, height: g.height, width: g.width,
                                       u: u, outChannels: outChannels, into: y.data + n * outStride, epilogue: epilogue, sample: n)
                }
            } else {
                // Samples share GEMMs only at inference, where it was measured to pay (image encoder
                // at batch 16); training keeps one sample per GEMM set, as validated against the
                // golden step and the objective's finite differences.
                let shared = maxTile == .f4 ? B : 1
                for n0 in Swift.stride(from: 0, to: B, by: shared) {
                    Winograd.forward(x.data + n0 * inStride, batch: min(shared, B - n0), channels: inChannels, height: g.height,
                                     width: g.width, u: u, outChannels: outChannels, into: y.data + n0 * outStride)
                }
                if !epilogue.isIdentity { for n in 0..<B { apply(epilogue, to: y.data + n * outStride, sample: n, plane: ncol) } }
            }
            return y
        }
        let group = samplesPerGEMM(batch: B, ncol: ncol, K: K, workspace: workspace)
        if group > 1, let ws = workspace {
            var b0 = 0
            while b0 < B {
                let nb = min(group, B - b0), wide = nb * ncol
                let col = ws.buffer(0, K * wide), yt = ws.buffer(1, outChannels * wide)
                for bi in 0..<nb { Im2col.forward(x.data + (b0 + bi) * inStride, g, into: col + bi * ncol, rowStride: wide) }
                BLAS.sgemm(m: outChannels, n: wide, k: K, a: weight.data, lda: K, b: col, ldb: wide, c: yt, ldc: wide)
                regroup(batch: y.data + b0 * outStride, grouped: yt, samples: nb, plane: ncol, toGrouped: false)
                if !epilogue.isIdentity { for bi in 0..<nb { apply(epilogue, to: y.data + (b0 + bi) * outStride, sample: b0 + bi, plane: ncol) } }
                b0 += nb
            }
            return y
        }
        let own: UnsafeMutablePointer<Float>? = (g.isPointwise || workspace != nil) ? nil : .allocate(capacity: K * ncol)
        defer { own?.deallocate() }
        let col = g.isPointwise ? nil : (own ?? workspace!.buffer(0, K * ncol))
        for n in 0..<B {
            let xn = x.data + n * inStride
            if let col { Im2col.forward(xn, g, into: col) }
            BLAS.sgemm(m: outChannels, n: ncol, k: K, a: weight.data, lda: K,
                       b: col.map { UnsafePointer($0) } ?? UnsafePointer(xn), ldb: ncol,
                       c: y.data + n * outStride, ldc: ncol)
            if !epilogue.isIdentity { apply(epilogue, to: y.data + n * outStride, sample: n, plane: ncol) }
        }
        return y
    }

    /// Moves `nb` samples' output planes between the batch layout (nb, Cout, HW) and the layout
    /// of a GEMM grouped across samples (Cout, nb·HW), in either direction.
    private func regroup(batch: UnsafeMutablePointer<Float>, grouped: UnsafeMutablePointer<Float>, samples nb: Int,
                         plane: Int, toGrouped: Bool) {
        let cout = outChannels, wide = nb * plane
        Parallel.chunks(nb * cout, costPerItem: plane) { r in
            for i in r {
                let bi = i / cout, co = i % cout
                let b = batch + (bi * cout + co) * plane, g = grouped + co * wide + bi * plane
                if toGrouped { g.update(from: b, count: plane) } else { b.update(from: g, count: plane) }
            }
        }
    }

    private func apply(_ e: ConvEpilogue, to out: UnsafeMutablePointer<Float>, sample n: Int, plane: Int) {
        if let r = e.residual { precondition(r.count / r.shape[0] == outChannels * plane, "residual \(r.shape) does not match the conv output") }
        Parallel.chunks(outChannels, costPerItem: plane) { cs in
            for c in cs { e.apply(to: out + c * plane, count: plane, channel: c, sample: n, offset: c * plane) }
        }
    }

    /// Given the forward input `x` and dL/dy, adds dL/dW into `weightGrad` and returns dL/dx
    /// (or nil when `inputGrad` is false, e.g. for the stem whose input is data). The column
    /// matrix is rebuilt from `x` rather than kept from the forward (memory over time). With a
    /// `workspace`, scratch is reused and small planes are grouped across samples as in `forward`.
    @discardableResult
    public func backward(input x: Tensor, gradOutput dy: Tensor, inputGrad: Bool = true, workspace: Workspace? = nil) -> Tensor? {
        let B = x.shape[0]
        let g = geometry(height: x.shape[2], width: x.shape[3])
        let ncol = g.columnCols, K = g.columnRows
        precondition(dy.shape == [B, outChannels, g.outHeight, g.outWidth], "Conv2d backward: dy \(dy.shape)")
        let dx = inputGrad ? Tensor(shape: x.shape) : nil
        let inStride = inChannels * g.height * g.width, outStride = outChannels * ncol
        let group = samplesPerGEMM(batch: B, ncol: ncol, K: K, workspace: workspace)
        if group > 1, let ws = workspace {
            var b0 = 0
            while b0 < B {
                let nb = min(group, B - b0), wide = nb * ncol
                let col = ws.buffer(0, K * wide), dyt = ws.buffer(1, outChannels * wide)
                for bi in 0..<nb { Im2col.forward(x.data + (b0 + bi) * inStride, g, into: col + bi * ncol, rowStride: wide) }
                regroup(batch: dy.data + b0 * outStride, grouped: dyt, samples: nb, plane: ncol, toGrouped: true)
                BLAS.sgemm(transB: true, m: outChannels, n: K, k: wide, a: dyt, lda: wide, b: col, ldb: wide,
                           beta: 1, c: weightGrad.data, ldc: K)
                if let dx {
                    let dcol = ws.buffer(2, K * wide)
                    BLAS.sgemm(transA: true, m: K, n: wide, k: outChannels, a: weight.data, lda: K, b: dyt, ldb: wide, c: dcol, ldc: wide)
                    for bi in 0..<nb { Im2col.backward(dcol + bi * ncol, g, addingInto: dx.data + (b0 + bi) * inStride, rowStride: wide) }
                }
                b0 += nb
            }
            return dx
        }
        let pointwise = g.isPointwise
        let ownCol: UnsafeMutablePointer<Float>? = (pointwise || workspace != nil) ? nil : .allocate(capacity: K * ncol)
        let ownDcol: UnsafeMutablePointer<Float>? = (!inputGrad || pointwise || workspace != nil) ? nil : .allocate(capacity: K * ncol)
        defer { ownCol?.deallocate(); ownDcol?.deallocate() }
        let col = pointwise ? nil : (ownCol ?? workspace!.buffer(0, K * ncol))
        let dcol = (!inputGrad || pointwise) ? nil : (ownDcol ?? workspace!.buffer(2, K * ncol))
        for n in 0..<B {
            let xn = x.data + n * inStride, dyn = dy.data + n * outStride
            if let col { Im2col.forward(xn, g, into: col) }
            // dW (Cout × K) += dY (Cout × HW) · colᵀ (HW × K)
            BLAS.sgemm(transB: true, m: outChannels, n: K, k: ncol, a: dyn, lda: ncol,
                       b: col.map { UnsafePointer($0) } ?? UnsafePointer(xn), ldb: ncol,
                       beta: 1, c: weightGrad.data, ldc: K)
            guard let dx else { continue }
            // dcol (K × HW) = Wᵀ (K × Cout) · dY (Cout × HW); a pointwise conv writes dx directly.
            let target = dcol ?? (dx.data + n * inStride)
            BLAS.sgemm(transA: true, m: K, n: ncol, k: outChannels, a: weight.data, lda: K,
                       b: dyn, ldb: ncol, c: target, ldc: ncol)
            if let dcol { Im2col.backward(dcol, g, addingInto: dx.data + n * inStride) }
        }
        return dx
    }
}
