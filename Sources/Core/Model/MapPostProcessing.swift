/// How a family's native map becomes the 224×224 map that is thresholded, as vssl_eval (RCGrad:
/// its own `pred_audio`) does it. A description only; the arithmetic is `MapResize` (Core/Metrics:
/// `MapPostProcessing.upsample`).
public struct MapPostProcessing: Sendable, Equatable {
    /// Kernel of an upsampling.
    public enum Upsampler: String, Sendable {
        /// `cv2.resize(…, INTER_LINEAR)`: half-pixel centres (`MapResize.linear`).
        case cv2Linear
        /// `F.interpolate(…, mode='bilinear', align_corners=True)`: corner-aligned grid.
        case alignCorners
        /// LVS / SSL-Align: cv2 on VGG-SS (eval.py:462-467), align_corners elsewhere (eval.py:544-551).
        case alignCornersExceptVGGSS
    }

    /// What the native map's values are, and what happens to them after the upsampling.
    public enum Scale: String, Sendable {
        /// Raw cosine in [−1, 1]; thresholds apply as is.
        case raw
        /// (cos + 1)/2 in [0, 1] (vssl_eval's added line for EZ-VSL, FNAC, SLAVC).
        case halfCosine
        /// Grad-CAM: ReLU, min–max (+1e-7), cv2 upsampling, ReLU, min–max (+1e-7) again
        /// (grad-cam 1.3.7 `scale_cam_image`): every map spans [0, 1].
        case gradCAM
    }

    /// The positive map's upsampler; negatives (silence, noise, off-screen) always go through
    /// cv2 INTER_LINEAR in vssl_eval (`binarized_negatives_thresholds`).
    public var positive: Upsampler
    public var scale: Scale

    public init(positive: Upsampler, scale: Scale) { self.positive = positive; self.scale = scale }
}
