/// The metrics of one evaluation, in the paper's units (percent unless noted).
///
/// Table order (SPEC §6.8, fixed by reproducing the paper's F values): cIoU-Uth, cIoU-Adap,
/// AUC-Uth, AUC-Adap, then (pIA, AUC_N) for silence, noise and off-screen, then F_LOC and F_AUC.
/// Beyond the table: separability, alignment/magnitude, retrieval, object accuracy and quartiles
/// of the per-map maxima per audio condition, plus every per-sample value (the explorer sorts by
/// them). `MetricSet.report(threshold:)` builds it.
public struct MetricReport: Sendable {
    public struct Negatives: Sendable, Equatable {
        public var silence: Double
        public var noise: Double
        public var offscreen: Double
        public init(silence: Double, noise: Double, offscreen: Double) {
            self.silence = silence; self.noise = noise; self.offscreen = offscreen
        }
    }

    public var samples = 0
    public var passes = 1
    /// The U used (raw cosine).
    public var threshold = Double.nan
    public var thresholdSource = ""
    /// U computed from this run (Q3 of negative maxima), whether or not it was used.
    public var universalThreshold = Double.nan

    /// Mean IoU at U, NaN → 0 (percent); NaN itself when U is undefined (no negatives).
    public var ciouUth = Double.nan
    /// Success rate of the adaptive-threshold cIoU at 0.5 (percent).
    public var ciouAdap = Double.nan
    public var aucUth = Double.nan
    public var aucAdap = Double.nan
    /// Mean highlighted area at U per negative kind (percent; lower is better).
    public var pia = Negatives(silence: .nan, noise: .nan, offscreen: .nan)
    /// Area under the "pIA ≤ x" curve per negative kind (percent; higher is better).
    public var aucN = Negatives(silence: .nan, noise: .nan, offscreen: .nan)
    public var fLoc = Double.nan
    public var fAuc = Double.nan

    /// Q1(positive maxima) − Q3(negative maxima), raw cosine.
    public var separability = Double.nan
    public var positiveQ1 = Double.nan
    public var negativeQ3 = Double.nan
    public var alignment: Double?
    public var magnitude: Double?
    public var retrieval: RetrievalResult?
    public var objectAccuracy: ObjectAccuracy?
    /// Quartiles of the raw-map maxima: "positive", "silence", "noise", "offscreen", "negative".
    public var maxima: [String: Quartiles] = [:]
    public var perSample: [SampleMetrics] = []
    /// What maps that ignore the model score on the same ground truth (`Baseline`).
    public var baselines: [Baseline] = []
    /// Samples left out (unreadable files, missing ground truth...), one line each with the id;
    /// set by the front door (`Dataset.problems` + `Evaluator.Result.problems`), all of them.
    public var problems: [String] = []

    public init() {}

    /// The paper's Table 2 columns, in order, with their values.
    public var paperColumns: [(name: String, value: Double)] {
        [("cIoU-Uth", ciouUth), ("cIoU-Adap", ciouAdap), ("AUC-Uth", aucUth), ("AUC-Adap", aucAdap),
         ("pIA-S", pia.silence), ("AUC_N-S", aucN.silence), ("pIA-N", pia.noise), ("AUC_N-N", aucN.noise),
         ("pIA-O", pia.offscreen), ("AUC_N-O", aucN.offscreen), ("F_LOC", fLoc), ("F_AUC", fAuc)]
    }
}

/// Per-sample values (percent for pIA; raw fractions 0…1 for cIoU, as vssl_eval lists them).
public struct SampleMetrics: Sendable, Equatable {
    public var id: String
    public var label: String
    public var scene: String
    public var gtPixels: Int
    /// cIoU at U (NaN kept here; the table counts it as 0).
    public var ciouUth: Double
    public var ciouAdaptive: Double
    public var ciouMedian: Double
    public var thresholdMedian: Double
    public var thresholdAdaptive: Double
    public var maxPositive: Double
    public var maxSilence: Double?
    /// Means over passes.
    public var maxNoise: Double
    public var maxOffscreen: Double
    public var piaSilence: Double?
    public var piaNoise: Double
    public var piaOffscreen: Double
    /// Object-accuracy pairs won / tied / played, for samples in multi-object scenes.
    public var objectWins: Int?
    public var objectTies: Int?
    public var objectPairs: Int?
}
