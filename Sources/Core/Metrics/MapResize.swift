/// The one bilinear 224² upsampler. `linear` is `cv2.resize(map, (224, 224), interpolation=INTER_LINEAR)`
/// on a float32 map, which is how vssl_eval turns every SSL-TIE map (positive and negatives alike)
/// and every other family's negative maps into the 224×224 prediction it thresholds (SPEC §6.1).
/// No normalisation, no sign flip: thresholds apply to the map's own values. The other families'
/// positive maps take the align-corners kernel (`Kernel.alignCorners`); which map takes which is
/// `MapPostProcessing`'s to say (`MapPostProcessing.upsample`).
///
/// cv2 geometry: half-pixel centres, sx = (dx + 0.5)·(src/dst) − 0.5, a source index below 0 or at/after
/// the last pixel is clamped with weight 0 on the neighbour (edge replicate); a horizontal pass
/// into float32 rows, then a vertical pass.
///
/// cv2 arithmetic: each pass is a fused lerp, v = fma(x1 − x0, w1, x0), with x1 − x0 rounded to float32
/// first. Of the 25 orderings tried (plain w0·x0 + w1·x1, either fma, lerp, fused lerp; horizontal
/// or vertical first) only this one reproduces the golden `pred224_sample0` bit for bit (the plain
/// formula matches 59 % of pixels, off by 1 ulp elsewhere), and 1 ulp moves the median and
/// adaptive thresholds. The fma is done in Double: the float product is exact there, and with the
/// dyadic weights of 14→224 and 7→224 the sum is too, so rounding once to float equals a true fma
/// (without a libm call per pixel on baseline x86-64).
public enum MapResize {
    /// Side of the evaluation grid.
    public static let side = 224

    /// The two bilinear kernels vssl_eval upsamples with (`MapPostProcessing.kernel(negative:)`
    /// says which a map takes). Both are separable: a horizontal pass into float32 rows, then a
    /// vertical pass, each with its own arithmetic (`blend`).
    public enum Kernel: Sendable, Equatable {
        /// `cv2.resize(…, INTER_LINEAR)`: half-pixel centres, fused lerp (above).
        case cv2
        /// `F.interpolate(…, bilinear, align_corners=True)` on CPU in float32: src = dst·(in − 1)/(out − 1)
        /// (the scale in float32), λ = src − ⌊src⌋, w0·x0 + w1·x1 (PyTorch's separable order).
        case alignCorners
    }

    /// Per output coordinate: the two source indices and their weights.
    public struct Axis: Sendable {
        public let i0: [Int]
        public let i1: [Int]
        public let w0: [Float]
        public let w1: [Float]
        /// Runs of consecutive output coordinates that share (i0, i1): the "cells" of the upsampled
        /// map. Inside one cell every output value is a convex combination of the same four inputs.
        public let runs: [Range<Int>]

        public init(source: Int, destination: Int, kernel: Kernel = .cv2) {
            var i0 = [Int](repeating: 0, count: destination), i1 = i0
            var w0 = [Float](repeating: 1, count: destination), w1 = [Float](repeating: 0, count: destination)
            switch kernel {
            case .cv2:
                let scale = Double(source) / Double(destination)
                for d in 0..<destination {
                    var f = Float((Double(d) + 0.5) * scale - 0.5)
                    var s = Int(f.rounded(.down))
                    f -= Float(s)
                    if s < 0 { f = 0; s = 0 }
                    if s >= source - 1 { f = 0; s = source - 1 }
                    i0[d] = s; i1[d] = min(s + 1, source - 1)
                    w0[d] = 1 - f; w1[d] = f
                }
            case .alignCorners:
                let scale: Float = destination > 1 ? Float(source - 1) / Float(destination - 1) : 0
                for d in 0..<destination {
                    let src = scale * Float(d)
                    let s = min(Int(src), source - 1)
                    let l = src - Float(s)
                    i0[d] = s; i1[d] = s < source - 1 ? s + 1 : s
                    w0[d] = 1 - l; w1[d] = l
                }
            }
            var runs: [Range<Int>] = []
            var start = 0
            for d in 1...destination where d == destination || i0[d] != i0[start] || i1[d] != i1[start] {
                runs.append(start..<d); start = d
            }
            self.i0 = i0; self.i1 = i1; self.w0 = w0; self.w1 = w1; self.runs = runs
        }
    }

    /// The interpolation plans for the two axes of an h×w map resized to `side`², cached for the
    /// map sizes sslsan uses.
    public struct Plan: Sendable {
        public let x: Axis
        public let y: Axis
        public let width: Int, height: Int
        public let kernel: Kernel
        public init(width: Int, height: Int, side: Int = MapResize.side, kernel: Kernel = .cv2) {
            self.width = width; self.height = height; self.kernel = kernel
            x = Axis(source: width, destination: side, kernel: kernel); y = Axis(source: height, destination: side, kernel: kernel)
        }
        static let cached: [Plan] = [14, 7].flatMap { n in [Kernel.cv2, .alignCorners].map { Plan(width: n, height: n, kernel: $0) } }
        public static func forMap(width: Int, height: Int, kernel: Kernel = .cv2) -> Plan {
            cached.first { $0.width == width && $0.height == height && $0.kernel == kernel }
                ?? Plan(width: width, height: height, kernel: kernel)
        }
    }

    /// The fused lerp of one cv2 pass: fma(x1 − x0, w1, x0) rounded once to float32.
    @inline(__always)
    static func lerp(_ x0: Float, _ x1: Float, _ w1: Float) -> Float {
        Float(Double(x1 - x0) * Double(w1) + Double(x0))
    }

    /// One pass of `kernel` between two values: the arithmetic `upsample` and `ThresholdCounter` share.
    @inline(__always)
    static func blend(_ kernel: Kernel, _ x0: Float, _ x1: Float, _ w0: Float, _ w1: Float) -> Float {
        kernel == .cv2 ? lerp(x0, x1, w1) : x0 * w0 + x1 * w1
    }

    /// The 224×224 row-major cv2 upsampling (every SSL-TIE map, every negative map).
    public static func linear(_ map: SimilarityMap) -> [Float] { upsample(map, kernel: .cv2) }

    /// The 224×224 row-major upsampling with `kernel`: horizontal pass for every source row, then
    /// the vertical pass.
    public static func upsample(_ map: SimilarityMap, kernel: Kernel) -> [Float] {
        let plan = Plan.forMap(width: map.width, height: map.height, kernel: kernel)
        let n = side
        var out = [Float](repeating: 0, count: n * n)
        map.values.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                var rows = [Float](repeating: 0, count: map.height * n)
                for sy in 0..<map.height {
                    let r = sy * map.width
                    for x in 0..<n {
                        rows[sy * n + x] = blend(kernel, s[r + plan.x.i0[x]], s[r + plan.x.i1[x]], plan.x.w0[x], plan.x.w1[x])
                    }
                }
                for y in 0..<n {
                    let r0 = plan.y.i0[y] * n, r1 = plan.y.i1[y] * n
                    let a0 = plan.y.w0[y], a1 = plan.y.w1[y]
                    for x in 0..<n { o[y * n + x] = blend(kernel, rows[r0 + x], rows[r1 + x], a0, a1) }
                }
            }
        }
        return out
    }
}
