import Foundation

/// A linear resampling of one plane: every output pixel is a weighted sum of up to 4 input pixels.
struct PlaneResampler: Sendable {
    let inCount: Int
    let outCount: Int
    let index: [Int32]    // 4 per output, -1 = outside (zero)
    let weight: [Float]

    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        for o in 0..<outCount {
            var s: Float = 0
            for t in 0..<4 {
                let i = index[4 * o + t]
                if i >= 0 { s += weight[4 * o + t] * src[Int(i)] }
            }
            dst[o] = s
        }
    }

    /// din += Wᵀ·dout.
    func applyTransposed(_ dout: UnsafePointer<Float>, _ din: UnsafeMutablePointer<Float>) {
        for o in 0..<outCount {
            let g = dout[o]
            for t in 0..<4 {
                let i = index[4 * o + t]
                if i >= 0 { din[Int(i)] += weight[4 * o + t] * g }
            }
        }
    }

    /// Bilinear resize, align_corners=False, no antialias (PyTorch `F.interpolate` / kornia `resize`).
    static func resize(inH: Int, inW: Int, outH: Int, outW: Int) -> PlaneResampler {
        func taps(_ inN: Int, _ outN: Int) -> [(Int, Int, Float, Float)] {
            let scale = Float(inN) / Float(outN)
            return (0..<outN).map { d in
                let src = max(0, (Float(d) + 0.5) * scale - 0.5)
                let i0 = min(Int(src), inN - 1)
                let i1 = i0 < inN - 1 ? i0 + 1 : i0
                let l1 = src - Float(i0)
                return (i0, i1, 1 - l1, l1)
            }
        }
        let ty = taps(inH, outH), tx = taps(inW, outW)
        var idx = [Int32](repeating: -1, count: 4 * outH * outW), w = [Float](repeating: 0, count: 4 * outH * outW)
        for y in 0..<outH {
            for x in 0..<outW {
                let o = 4 * (y * outW + x)
                let (y0, y1, wy0, wy1) = ty[y], (x0, x1, wx0, wx1) = tx[x]
                idx[o] = Int32(y0 * inW + x0); w[o] = wy0 * wx0
                idx[o + 1] = Int32(y0 * inW + x1); w[o + 1] = wy0 * wx1
                idx[o + 2] = Int32(y1 * inW + x0); w[o + 2] = wy1 * wx0
                idx[o + 3] = Int32(y1 * inW + x1); w[o + 3] = wy1 * wx1
            }
        }
        return PlaneResampler(inCount: inH * inW, outCount: outH * outW, index: idx, weight: w)
    }

    /// kornia `warp_affine(M, dsize = (h, w))`, bilinear, zero padding, align_corners=True:
    /// dst(u,v) = bilinear sample of src at M⁻¹·(u,v,1) in pixel-index coordinates.
    static func warpAffine(_ m: [Double], h: Int, w: Int) -> PlaneResampler {
        let (a, b, c, d, e, f) = (m[0], m[1], m[2], m[3], m[4], m[5])
        let det = a * e - b * d
        let ia = e / det, ib = -b / det, id = -d / det, ie = a / det
        let ic = -(ia * c + ib * f), iff = -(id * c + ie * f)
        var idx = [Int32](repeating: -1, count: 4 * h * w), wt = [Float](repeating: 0, count: 4 * h * w)
        for v in 0..<h {
            for u in 0..<w {
                let sx = Float(ia * Double(u) + ib * Double(v) + ic)
                let sy = Float(id * Double(u) + ie * Double(v) + iff)
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                let lx = sx - Float(x0), ly = sy - Float(y0)
                let o = 4 * (v * w + u)
                let cand = [(x0, y0, (1 - lx) * (1 - ly)), (x0 + 1, y0, lx * (1 - ly)),
                            (x0, y0 + 1, (1 - lx) * ly), (x0 + 1, y0 + 1, lx * ly)]
                for (t, (xx, yy, ww)) in cand.enumerated() where xx >= 0 && xx < w && yy >= 0 && yy < h {
                    idx[o + t] = Int32(yy * w + xx); wt[o + t] = ww
                }
            }
        }
        return PlaneResampler(inCount: h * w, outCount: h * w, index: idx, weight: wt)
    }
}

/// SSL-TIE's geometric equivariance transform T (SPEC §4.2, TfEquivarianceLoss with kornia semantics):
/// [resize to 224 if needed] → warp_affine(M_b) → resize to int(h·s) → optional horizontal flip.
/// Linear in its input, so `backward` is the transpose.
public struct EquivarianceTransform: Sendable {
    public let scale: Double
    public let flip: Bool
    /// Per-sample 2×3 matrices (row-major, source → destination pixel coordinates).
    public let matrices: [[Double]]
    public let canvas: Int

    public init(matrices: [[Double]], scale: Double, flip: Bool, canvas: Int = 224) {
        self.matrices = matrices; self.scale = scale; self.flip = flip; self.canvas = canvas
    }

    /// kornia `get_rotation_matrix2d(center, angle°, scale)`.
    public static func rotationMatrix(angleDegrees: Double, scale: Double, center: (Double, Double)) -> [Double] {
        let t = angleDegrees * .pi / 180
        let al = scale * cos(t), be = scale * sin(t)
        let (cx, cy) = center
        return [al, be, (1 - al) * cx - be * cy, -be, al, be * cx + (1 - al) * cy]
    }

    /// Random draw as SSL-TIE `set_tf_matrices`: s ∈ {1, 0.5} (p = 0.5), integer angles in [−maxAngle, maxAngle],
    /// one global flip (p = 0.5). Centre (112, 112) on the 224 canvas (scaled for other canvases).
    public static func random(batch: Int, maxAngle: Int = 30, canvas: Int = 224, rng: inout TrainingRNG) -> EquivarianceTransform {
        let s: Double = rng.uniform() > 0.5 ? 1.0 : 0.5
        let angles = (0..<batch).map { _ in Double(rng.int(in: -maxAngle...maxAngle)) }
        let flip = rng.uniform() > 0.5
        let c = Double(canvas) / 2
        return EquivarianceTransform(matrices: angles.map { rotationMatrix(angleDegrees: $0, scale: s, center: (c, c)) },
                                     scale: s, flip: flip, canvas: canvas)
    }

    public func outputSize(_ h: Int) -> Int { Int(Double(h) * scale) }

    private func stages(h: Int, w: Int, sample: Int, target: (Int, Int)?) -> [PlaneResampler] {
        var st: [PlaneResampler] = []
        if h != canvas || w != canvas { st.append(.resize(inH: h, inW: w, outH: canvas, outW: canvas)) }
        st.append(.warpAffine(matrices[sample], h: canvas, w: canvas))
        st.append(.resize(inH: canvas, inW: canvas, outH: outputSize(h), outW: outputSize(w)))
        if let (th, tw) = target, th != outputSize(h) || tw != outputSize(w) {
            // SSL-TIE's forward resizes the target when the transformed map has another size (bilinear).
            st.append(.resize(inH: outputSize(h), inW: outputSize(w), outH: th, outW: tw))
        }
        return st
    }

    /// x (B,C,h,w) → (B,C,int(h·s),int(w·s)), or (B,C,target) when a target size is given
    /// (for maps: the size of the map of the transformed image, which differs when S/16 is odd).
    public func apply(_ x: Tensor, target: (Int, Int)? = nil) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = target?.0 ?? outputSize(h), ow = target?.1 ?? outputSize(w)
        let y = Tensor(shape: [b, c, oh, ow])
        for n in 0..<b {
            let st = stages(h: h, w: w, sample: n, target: target)
            for ch in 0..<c {
                var cur = Array(UnsafeBufferPointer(start: x.data + (n * c + ch) * h * w, count: h * w))
                for s in st {
                    var next = [Float](repeating: 0, count: s.outCount)
                    cur.withUnsafeBufferPointer { src in next.withUnsafeMutableBufferPointer { s.apply(src.baseAddress!, $0.baseAddress!) } }
                    cur = next
                }
                let dst = y.data + (n * c + ch) * oh * ow
                for yy in 0..<oh {
                    for xx in 0..<ow { dst[yy * ow + xx] = cur[yy * ow + (flip ? ow - 1 - xx : xx)] }
                }
            }
        }
        return y
    }

    /// Gradient of `apply` wrt its input (shape `inputShape`).
    public func backward(_ dy: Tensor, inputShape: [Int]) -> Tensor {
        let (b, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let oh = dy.shape[2], ow = dy.shape[3]
        let dx = Tensor(shape: inputShape)
        for n in 0..<b {
            let st = stages(h: h, w: w, sample: n, target: (oh, ow))
            for ch in 0..<c {
                let g = dy.data + (n * c + ch) * oh * ow
                var cur = [Float](repeating: 0, count: oh * ow)
                for yy in 0..<oh { for xx in 0..<ow { cur[yy * ow + (flip ? ow - 1 - xx : xx)] = g[yy * ow + xx] } }
                for s in st.reversed() {
                    var prev = [Float](repeating: 0, count: s.inCount)
                    cur.withUnsafeBufferPointer { src in prev.withUnsafeMutableBufferPointer { s.applyTransposed(src.baseAddress!, $0.baseAddress!) } }
                    cur = prev
                }
                (dx.data + (n * c + ch) * h * w).update(from: cur, count: h * w)
            }
        }
        return dx
    }
}
