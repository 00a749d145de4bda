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
    /// Path of a binary mask PNG, when the dataset has masks.
    public var maskPath: String?
    public var split: String?
    /// Scene identifier: samples that share an image (IS3-style pairs) share it.
    public var scene: String

    public init(id: String, imagePath: String, audioPath: String, label: String, objects: [String] = [],
                boxes: [[Double]] = [], maskPath: String? = nil, split: String? = nil, scene: String? = nil) {
        self.id = id; self.imagePath = imagePath; self.audioPath = audioPath; self.label = label
        self.objects = objects; self.boxes = boxes; self.maskPath = maskPath; self.split = split
        self.scene = scene ?? id
    }
}

/// The four audio conditions of every sample (SSL-SaN's positive and three negatives).
public enum AudioCondition: String, CaseIterable, Sendable, Codable {
    case positive, silence, noise, offscreen
}
