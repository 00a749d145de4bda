/// One image/audio pair of a dataset, with its ground truth. Paths are absolute (resolved by the
/// dataset reader); nothing is decoded until asked for.
public struct Sample: Sendable, Equatable, Hashable {
    public var id: String
    public var imagePath: String
    public var audioPath: String
    /// Class of the sounding object (the audio's class).
    public var label: String
    /// Classes visible in the image (used to choose off-screen audio).
    public var objects: [String]
    /// Ground-truth boxes [x0, y0, x1, y1] normalised to the full frame (0…1).
    public var boxes: [[Double]]
    /// How `boxes` become pixels of the 224² ground truth (datasets differ; SPEC §6.2).
    public var boxConvention: BoxConvention
    /// Path of a binary mask PNG, when the dataset has masks.
    public var maskPath: String?
    public var split: String?
    /// Scene identifier: samples that share an image (IS3-style pairs) share it.
    public var scene: String
    /// The sample belongs to VGG-SS (vssl_eval's `--testset vggss`): LVS and SSL-Align upsample
    /// its positive map with cv2 rather than align-corners (`MapPostProcessing.resolved(vggss:)`).
    /// Set by the VGG-SS reader and by a manifest row with `"dataset": "vggss"` or boxes taken
    /// from `vggss_annotations.json`.
    public var vggss: Bool

    public init(id: String, imagePath: String, audioPath: String, label: String, objects: [String] = [],
                boxes: [[Double]] = [], maskPath: String? = nil, split: String? = nil, scene: String? = nil,
                boxConvention: BoxConvention = .normalised, vggss: Bool = false) {
        self.id = id; self.imagePath = imagePath; self.audioPath = audioPath; self.label = label
        self.objects = objects; self.boxes = boxes; self.maskPath = maskPath; self.split = split
        self.scene = scene ?? id
        self.boxConvention = boxConvention
        self.vggss = vggss
    }

    /// Whether the sample has a ground truth (a box or a mask).
    public var hasGroundTruth: Bool { !boxes.isEmpty || maskPath != nil }
}

/// How box coordinates turn into pixel indices of the 224² ground truth: the two conventions of
/// vssl_eval (SPEC §6.2).
public enum BoxConvention: String, Sendable, Codable, Hashable {
    /// VGG-SS: boxes normalised to the frame; index = int(clip(b, 0, 1)·224) (truncation).
    case normalised
    /// IS3 / S4: boxes given in 224-pixel units; index = int(b). Samples store them divided by
    /// 224, so an index within 1e-9 of an integer snaps to it before truncation (undoing the
    /// division's rounding, which would otherwise turn 37 into 36.999… → 36).
    case pixels224
}
