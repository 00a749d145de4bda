import Foundation

/// How a family's native map becomes the 224×224 map that is thresholded, as vssl_eval (RCGrad:
/// its own `pred_audio`) does it, and how that map meets a threshold. A description only; the
/// arithmetic is in Core/Metrics (`MapPostProcessing.upsample`, `maximum`, `ThresholdCounter`).
///
/// Every metric takes it from the `ScoredSample` it counts (`ScoredSample.postProcessing`), which
/// carries it *resolved*: `Evaluator` resolves the model's family for each sample's test set,
/// `MapsFile` reads it from the file's metadata, and an `EvaluationPart` stores it per sample.
///
/// Threshold space, per family (what U, the paper threshold and `--threshold` apply to):
/// - SSL-TIE: raw cosine, cv2 for every map, compared in float64 (`eval_ssltie` keeps its
///   constants in 1-tuples, so NumPy compares the float32 map with a float64 scalar).
/// - LVS, SSL-Align: raw cosine; positive align-corners off VGG-SS; compared in float32 (plain
///   Python float constants: NumPy compares in the array's float32, value-based casting and NEP 50 alike).
/// - EZ-VSL, FNAC, SLAVC: the (cos+1)/2 map their head returns (vssl_eval added that line to the
///   model), positive align-corners; compared in float32.
/// - RCGrad: Grad-CAM's min–max map in [0, 1]; vssl_eval has no RCGrad path and no constant.
///
/// "Max similarity" (the per-map maximum U and separability are taken from, `maximum`): vssl_eval
/// takes `torch.max` of the map the model returns, at native resolution, before any upsampling
/// (eval.py:846-856, 479-487): for raw and (cos+1)/2 maps that is the native map's maximum, in the
/// threshold space. For RCGrad the map the reference returns (`pred_audio`, grad-cam's
/// `scale_cam_image`) is min–max normalised, so its maximum is 1/(1 + 1e-7·…) ≈ 1 for every map,
/// silence and noise included: sslsan matches that (the maximum of the normalised native map), so
/// RCGrad's U is ≈ 1, nothing lies above it and its separability is ≈ 0 — the reason vssl_eval
/// defines no RCGrad threshold. Give RCGrad a fixed `--threshold` (its own code binarises at 0.5).
public struct MapPostProcessing: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Kernel of an upsampling.
    public enum Upsampler: String, Sendable, CaseIterable {
        /// `cv2.resize(…, INTER_LINEAR)`: half-pixel centres (`MapResize.linear`).
        case cv2Linear
        /// `F.interpolate(…, mode='bilinear', align_corners=True)`: corner-aligned grid.
        case alignCorners
        /// LVS / SSL-Align: cv2 on VGG-SS (eval.py:462-467), align_corners elsewhere (eval.py:544-551).
        /// A family's description only: `resolved(vggss:)` turns it into one of the two kernels.
        case alignCornersExceptVGGSS
    }

    /// What the native map's values are, and what happens to them after the upsampling.
    public enum Scale: String, Sendable, CaseIterable {
        /// Raw cosine in [−1, 1]; thresholds apply as is.
        case raw
        /// (cos + 1)/2 in [0, 1] (vssl_eval's added line for EZ-VSL, FNAC, SLAVC), which the head
        /// already returns: thresholds apply as is.
        case halfCosine
        /// Grad-CAM: ReLU, min–max (+1e-7), cv2 upsampling, ReLU, min–max (+1e-7) again
        /// (grad-cam 1.3.7 `scale_cam_image`): every map spans [0, 1].
        case gradCAM
    }

    /// How a 224×224 value meets a threshold t (always a strict `>`).
    public enum Comparison: String, Sendable, CaseIterable {
        /// Double(value) > t (SSL-TIE's 1-tuple constants).
        case float64
        /// Float(value) > Float(t) (the other families' plain float constants).
        case float32
    }

    /// The positive map's upsampler; negatives (silence, noise, off-screen) always go through
    /// cv2 INTER_LINEAR in vssl_eval (`binarized_negatives_thresholds`). Grad-CAM maps all go
    /// through cv2 inside `scale_cam_image`.
    public var positive: Upsampler
    public var scale: Scale
    public var comparison: Comparison

    public init(positive: Upsampler, scale: Scale, comparison: Comparison) {
        self.positive = positive; self.scale = scale; self.comparison = comparison
    }

    /// SSL-TIE's (and SSL-SaN's): cv2 for every map, raw cosine, float64 comparison. The default
    /// of maps that name nothing else (`MapsFile`, old `EvaluationPart`s), so existing files keep
    /// their figures.
    public static let sslTie = MapPostProcessing(positive: .cv2Linear, scale: .raw, comparison: .float64)

    /// This post-processing on a known test set (vssl_eval's `--testset`): LVS / SSL-Align's
    /// `alignCornersExceptVGGSS` becomes cv2 on VGG-SS and align-corners elsewhere. The one place
    /// that decides a sample's upsampler from its family and test set.
    public func resolved(vggss: Bool) -> MapPostProcessing {
        var r = self
        if positive == .alignCornersExceptVGGSS { r.positive = vggss ? .cv2Linear : .alignCorners }
        return r
    }

    /// The threshold as the comparison sees it, in Double: float32 comparisons round t to float
    /// first (Float(v) > Float(t) ⟺ Double(v) > Double(Float(t)) for a float32 v).
    public func comparedThreshold(_ t: Double) -> Double {
        switch comparison {
        case .float64: return t
        case .float32: return t.isNaN ? t : Double(Float(t))
        }
    }

    /// "positive,scale,comparison" (e.g. `alignCorners,halfCosine,float32`): the form
    /// `EvaluationPart` stores and a maps file's `post_processing` metadata gives.
    public var description: String { "\(positive.rawValue),\(scale.rawValue),\(comparison.rawValue)" }

    /// Parses `description`'s form; nil when a field is unknown or missing.
    public init?(text: String) {
        let f = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard f.count == 3, let p = Upsampler(rawValue: f[0]), let s = Scale(rawValue: f[1]), let c = Comparison(rawValue: f[2]) else { return nil }
        self.init(positive: p, scale: s, comparison: c)
    }
}
