/// The arithmetic of `MapPostProcessing` (declared in Core/Model with the families): which kernel
/// a map takes, Grad-CAM's min–max scaling around cv2's, and the per-map maximum, in float32 as
/// the reference computes them. `MapResize` stays the one upsampler; `ThresholdCounter` counts
/// the same 224² maps without materialising them.
extension MapPostProcessing {
    /// The kernel a map goes through: the positive's, or cv2 for a negative (and for every
    /// Grad-CAM map). An unresolved `alignCornersExceptVGGSS` counts as align-corners (vssl_eval's
    /// branch for every test set but VGG-SS).
    public func kernel(negative: Bool) -> MapResize.Kernel {
        if negative || scale == .gradCAM { return .cv2 }
        switch positive {
        case .cv2Linear: return .cv2
        case .alignCorners, .alignCornersExceptVGGSS: return .alignCorners
        }
    }

    /// The 224×224 map a threshold meets for `map`. `negative`: silence, noise or off-screen
    /// (cv2 in vssl_eval whatever the positive uses). Resolve the test set first
    /// (`resolved(vggss:)`) for LVS / SSL-Align.
    public func upsample(_ map: SimilarityMap, negative: Bool = false) -> [Float] {
        scale == .gradCAM ? MapResize.gradCAM(map) : MapResize.upsample(map, kernel: kernel(negative: negative))
    }

    /// The "max similarity" of a map, which U, separability and the maxima quartiles pool:
    /// vssl_eval's `torch.max(htmp)` of the map the model returns, at native resolution, in the
    /// threshold space (see `MapPostProcessing`). Raw and (cos+1)/2 maps: their own maximum.
    /// Grad-CAM: the maximum of the min–max-normalised native map (`MapResize.scaleCAM`), which is
    /// ≈ 1 for every map — what RCGrad's reference output gives, matched on purpose.
    public func maximum(_ map: SimilarityMap) -> Float {
        scale == .gradCAM ? (MapResize.scaleCAM(map.values).max() ?? 0) : map.max
    }

    /// The span of a map's values on the figures' scale, for colour ranges: the map's own
    /// minimum and maximum, or [0, 1] for a min–max-normalised Grad-CAM map.
    public func range(_ map: SimilarityMap) -> (min: Float, max: Float) {
        scale == .gradCAM ? (0, 1) : (map.min, map.max)
    }
}

extension MapResize {
    /// grad-cam 1.3.7's `scale_cam_image` without its resize, float32: max(0, ·), − min,
    /// ÷ (1e-7 + max).
    public static func scaleCAM(_ x: [Float]) -> [Float] {
        let r = x.map { Swift.max(0, $0) }
        let lo = r.min() ?? 0
        let shifted = r.map { $0 - lo }
        let hi = Float(1e-7) + (shifted.max() ?? 0)
        return shifted.map { $0 / hi }
    }

    /// grad-cam 1.3.7's `scale_cam_image` around the cv2 upsampling, as RCGrad's GradCAM returns
    /// `grayscale_cam`: `scaleCAM`, cv2 INTER_LINEAR to 224², `scaleCAM` again, all float32.
    public static func gradCAM(_ map: SimilarityMap) -> [Float] {
        scaleCAM(linear(SimilarityMap(width: map.width, height: map.height, values: scaleCAM(map.values))))
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
