/// Everything the metrics need about one evaluated sample: its raw maps for the four audio
/// conditions (SPEC §6.0), how they become thresholded 224² maps, and its ground truth. Produced
/// by `Evaluator` (from a model) or by `MapsFile` (from maps computed elsewhere).
///
/// `postProcessing` is resolved (its family's for this sample's test set, see
/// `MapPostProcessing.resolved`): every metric, the explorer's scene figures and an
/// `EvaluationPart` take it from here, so a map is upsampled, maximised and thresholded the same
/// way by every front door.
///
/// Passes: vssl_eval runs the test set 10 times; only the noise realisation and the off-screen
/// choice change, so silence and the positive are kept once and counted once per pass in the
/// pooled lists (exactly as vssl_eval's lists hold them), noise and off-screen once per pass.
public struct ScoredSample: Sendable {
    public var id: String
    /// Category of the sounding object (retrieval matches on it).
    public var label: String
    /// Samples that share an image share a scene (IS3-style pairs; object accuracy, iIoU).
    public var scene: String
    public var positive: SimilarityMap
    /// How every map of this sample becomes its thresholded 224² map (SSL-TIE's cv2 by default).
    public var postProcessing: MapPostProcessing
    public var silence: SimilarityMap?
    /// One per pass.
    public var noise: [SimilarityMap]
    /// One per pass.
    public var offscreen: [SimilarityMap]
    /// Which audio each off-screen pass played (sample id), for the explorer.
    public var offscreenSources: [String]
    /// nil or empty: vssl_eval's empty ground truth (cIoU 0/0 → NaN; adaptive g = 25 088).
    public var groundTruth: GroundTruthMap?
    /// ē_v and â for alignment/magnitude (optional).
    public var visualEmbedding: [Float]?
    public var audioEmbedding: [Float]?

    public init(id: String, label: String = "", scene: String? = nil, positive: SimilarityMap,
                silence: SimilarityMap?, noise: [SimilarityMap], offscreen: [SimilarityMap],
                offscreenSources: [String] = [], groundTruth: GroundTruthMap?,
                visualEmbedding: [Float]? = nil, audioEmbedding: [Float]? = nil, postProcessing: MapPostProcessing = .sslTie) {
        self.id = id; self.label = label; self.scene = scene ?? id; self.positive = positive
        self.postProcessing = postProcessing
        self.silence = silence; self.noise = noise; self.offscreen = offscreen
        self.offscreenSources = offscreenSources; self.groundTruth = groundTruth
        self.visualEmbedding = visualEmbedding; self.audioEmbedding = audioEmbedding
    }

    /// The thresholded 224² positive map (`MapPostProcessing.upsample`).
    public var upsampledPositive: [Float] { postProcessing.upsample(positive) }

    /// Number of passes this sample was scored with.
    public var passes: Int { Swift.max(noise.count, offscreen.count, 1) }

    /// This sample with the per-pass maps of `later` (the same sample scored for the passes that
    /// follow) appended: the explorer scores pass 1 first and the others in the background.
    public func appendingPasses(_ later: ScoredSample) -> ScoredSample {
        precondition(later.id == id && later.postProcessing == postProcessing, "appendingPasses: \(later.id) after \(id)")
        var s = self
        s.noise += later.noise; s.offscreen += later.offscreen; s.offscreenSources += later.offscreenSources
        return s
    }
}
