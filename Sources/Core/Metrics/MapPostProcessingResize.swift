/// The arithmetic of `MapPostProcessing` (declared in Core/Model with the families): the
/// corner-aligned bilinear upsampler, and Grad-CAM's min–max scaling around cv2's, in float32 as
/// the reference computes them. `MapResize.linear` stays the one cv2 kernel.
extension MapPostProcessing {
    /// The 224×224 map a family thresholds for `map`. `negative`: silence, noise or off-screen
    /// (cv2 in vssl_eval whatever the positive uses); `vggss`: the test set is VGG-SS (LVS's
    /// positive upsampler depends on it).
    public func upsample(_ map: SimilarityMap, negative: Bool = false, vggss: Bool = false) -> [Float] {
        switch scale {
        case .gradCAM: return MapResize.gradCAM(map)
        case .raw, .halfCosine:
            let kernel: Upsampler = negative ? .cv2Linear : (positive == .alignCornersExceptVGGSS ? (vggss ? .cv2Linear : .alignCorners) : positive)
            return kernel == .cv2Linear ? MapResize.linear(map) : MapResize.alignCorners(map)
        }
    }
}

extension MapResize {
    /// `F.interpolate(map, (224, 224), mode='bilinear', align_corners=True)` on CPU in float32:
    /// src = dst·(in − 1)/(out − 1) (the scale in float32), λ = src − ⌊src⌋, rows blended first
    /// along x, then the two rows along y (PyTorch's separable `Interpolate` order).
    public static func alignCorners(_ map: SimilarityMap, side: Int = MapResize.side) -> [Float] {
        func axis(_ n: Int) -> (i0: [Int], i1: [Int], w0: [Float], w1: [Float]) {
            let scale: Float = side > 1 ? Float(n - 1) / Float(side - 1) : 0
            var i0 = [Int](), i1 = [Int](), w0 = [Float](), w1 = [Float]()
            for d in 0..<side {
                let src = scale * Float(d)
                let i = min(Int(src), n - 1)
                let l = src - Float(i)
                i0.append(i); i1.append(i < n - 1 ? i + 1 : i); w1.append(l); w0.append(1 - l)
            }
            return (i0, i1, w0, w1)
        }
        let ax = axis(map.width), ay = axis(map.height)
        var out = [Float](repeating: 0, count: side * side)
        let v = map.values, w = map.width
        for y in 0..<side {
            let r0 = ay.i0[y] * w, r1 = ay.i1[y] * w
            for x in 0..<side {
                let t0 = v[r0 + ax.i0[x]] * ax.w0[x] + v[r0 + ax.i1[x]] * ax.w1[x]
                let t1 = v[r1 + ax.i0[x]] * ax.w0[x] + v[r1 + ax.i1[x]] * ax.w1[x]
                out[y * side + x] = t0 * ay.w0[y] + t1 * ay.w1[y]
            }
        }
        return out
    }

    /// grad-cam 1.3.7's `scale_cam_image` around the cv2 upsampling, as RCGrad's GradCAM returns
    /// `grayscale_cam`: max(0, ·), − min, ÷ (1e-7 + max), cv2 INTER_LINEAR to 224², max(0, ·),
    /// − min, ÷ (1e-7 + max), all float32.
    public static func gradCAM(_ map: SimilarityMap) -> [Float] {
        func minMax(_ x: [Float]) -> [Float] {
            let r = x.map { Swift.max(0, $0) }
            let lo = r.min() ?? 0
            let shifted = r.map { $0 - lo }
            let hi = Float(1e-7) + (shifted.max() ?? 0)
            return shifted.map { $0 / hi }
        }
        let scaled = SimilarityMap(width: map.width, height: map.height, values: minMax(map.values))
        return minMax(linear(scaled))
    }

    /// RCGrad's `clean_pred` (eval_utils.py:74-78) of a `gradCAM` map: min–max without epsilon
    /// (unchanged when constant), then every value below the median (sorted[n/2]) set to 0.
    /// RCGrad's own cIoU binarises the result with ≥ 0.5.
    public static func rcgradCleanPrediction(_ map: [Float]) -> [Float] {
        guard let lo = map.min(), let hi = map.max() else { return map }
        let norm = hi != lo ? map.map { ($0 - lo) / (hi - lo) } : map
        let thr = norm.sorted()[norm.count / 2]
        return norm.map { $0 < thr ? 0 : $0 }
    }
}
