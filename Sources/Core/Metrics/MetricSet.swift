import Dispatch
import Foundation

/// A scored dataset ready for metrics, with everything that does not depend on the threshold U
/// computed once: per-sample adaptive and median thresholds and their cIoU, map maxima (hence U,
/// separability, quartiles), object accuracy, retrieval, alignment. Each sample's maps are
/// upsampled, maximised and thresholded under its own `ScoredSample.postProcessing` (vssl_eval's
/// per-family post-processing; U and every threshold live in that map space). `report(threshold:)` then only
/// recounts what U changes (cIoU at U for the positive map, pIA for each negative map).
///
/// This is the type the explorer keeps: moving the threshold is `set.report(threshold: .value(u))`.
/// Cost of a report: O(maps × (cells + crossed cell rows × 16)) with `ThresholdCounter`. Measured
/// on 2 shared cores with smooth model-like maps: 0.16 s for 500 samples × 10 passes (10 500
/// maps, ~15 µs per map), so ~1.5 s for 5 000 × 10 and ~30 ms for 100 × 10; white-noise maps (the
/// worst case, every cell crossed) cost ~150 µs per map. Building the set costs ~1 ms per sample
/// (one 224² upsampling and two quickselects). Memory: the raw maps, ~1 KB per map.
/// Incremental scoring: `append(_:)` adds samples without recomputing the others.
public struct MetricSet: Sendable {
    /// Threshold-free values of one sample.
    public struct SampleStatics: Sendable {
        public var gtPixels: Int
        public var thresholdMedian: Float
        public var thresholdAdaptive: Float
        public var ciouMedian: Double
        public var ciouAdaptive: Double
        public var maxPositive: Double
        public var maxSilence: Double?
        public var maxNoise: [Double]
        public var maxOffscreen: [Double]
        /// Ground-truth pixels in each centred disc (`CentreDisc`), for the centre-prior baseline.
        let discCounts: [Int32]
        let positiveCounter: ThresholdCounter
        let silenceCounter: ThresholdCounter?
        let noiseCounters: [ThresholdCounter]
        let offscreenCounters: [ThresholdCounter]
    }

    public private(set) var samples: [ScoredSample] = []
    public private(set) var statics: [SampleStatics] = []
    /// Retrieval scores for the items, `scores[n][k]` = score(image n, audio k), when known.
    public private(set) var retrievalScores: [[Float]]?
    /// Per sample: object-accuracy pairs won, tied and played (0/0/0 outside multi-object scenes).
    public private(set) var objectPairs: [(wins: Int, ties: Int, pairs: Int)] = []

    public init(samples: [ScoredSample] = [], retrievalScores: [[Float]]? = nil) {
        append(samples)
        self.retrievalScores = retrievalScores
    }

    public var count: Int { samples.count }
    /// Passes in the pooled lists (the largest number any sample was scored with).
    public var passes: Int { samples.map(\.passes).max() ?? 1 }

    /// Adds scored samples (incremental scoring). Retrieval scores, if any, are dropped unless
    /// given again with `setRetrievalScores`, since they cover a fixed item list.
    public mutating func append(_ new: [ScoredSample]) {
        guard !new.isEmpty else { return }
        let computed = Self.parallelMap(new) { Self.statics(for: $0) }
        samples += new
        statics += computed
        retrievalScores = nil
        recomputeObjectPairs(scenes: Set(new.map(\.scene)))
    }

    public mutating func setRetrievalScores(_ scores: [[Float]]?) {
        precondition(scores == nil || scores!.count == samples.count)
        retrievalScores = scores
    }

    static func statics(for s: ScoredSample) -> SampleStatics {
        let pp = s.postProcessing
        let pred = s.upsampledPositive
        let gt = s.groundTruth ?? GroundTruthMap(pixels: [UInt8](repeating: 0, count: pred.count))
        let tMed = CIoU.medianThreshold(pred)
        let tAdap = CIoU.adaptiveThreshold(pred, gtPixels: gt.count)
        func maximum(_ m: SimilarityMap) -> Double { Double(pp.maximum(m)) }
        func counter(_ m: SimilarityMap) -> ThresholdCounter { ThresholdCounter(map: m, postProcessing: pp, negative: true) }
        return SampleStatics(
            gtPixels: gt.count, thresholdMedian: tMed, thresholdAdaptive: tAdap,
            ciouMedian: CIoU.value(pred: pred, groundTruth: gt, threshold: Double(tMed)),
            ciouAdaptive: CIoU.value(pred: pred, groundTruth: gt, threshold: Double(tAdap)),
            maxPositive: maximum(s.positive), maxSilence: s.silence.map(maximum),
            maxNoise: s.noise.map(maximum), maxOffscreen: s.offscreen.map(maximum),
            discCounts: CentreDisc.counts(s.groundTruth),
            positiveCounter: ThresholdCounter(map: s.positive, postProcessing: pp, groundTruth: gt),
            silenceCounter: s.silence.map(counter),
            noiseCounters: s.noise.map(counter),
            offscreenCounters: s.offscreen.map(counter))
    }

    private mutating func recomputeObjectPairs(scenes: Set<String>) {
        while objectPairs.count < samples.count { objectPairs.append((0, 0, 0)) }
        var byScene = [String: [Int]]()
        for (i, s) in samples.enumerated() where scenes.contains(s.scene) { byScene[s.scene, default: []].append(i) }
        for (_, members) in byScene {
            let annotated = members.filter { !(samples[$0].groundTruth?.isEmpty ?? true) }
            for i in members { objectPairs[i] = (0, 0, 0) }
            guard annotated.count >= 2 else { continue }
            for i in annotated {
                let pred = samples[i].upsampledPositive
                let own = samples[i].groundTruth!.mean(of: pred)
                var wins = 0, ties = 0, pairs = 0
                for j in annotated where j != i && samples[j].label != samples[i].label {
                    let other = samples[j].groundTruth!.mean(of: pred)
                    pairs += 1
                    switch ObjectAccuracy.compare(ownMean: own, otherMean: other) {
                    case .win: wins += 1
                    case .tie: ties += 1
                    case .loss: break
                    }
                }
                objectPairs[i] = (wins, ties, pairs)
            }
        }
    }

    // MARK: pooled threshold-free lists (vssl_eval order: pass-major, samples in order)

    /// Positive maxima, each repeated once per pass.
    public var positiveMaxima: [Double] {
        let p = passes
        return (0..<p).flatMap { _ in statics.map(\.maxPositive) }
    }
    public var silenceMaxima: [Double] {
        let p = passes
        return (0..<p).flatMap { _ in statics.compactMap(\.maxSilence) }
    }
    public var noiseMaxima: [Double] { pooled { $0.maxNoise } }
    public var offscreenMaxima: [Double] { pooled { $0.maxOffscreen } }
    /// Silence, noise and off-screen maxima pooled (the list U and separability are taken from).
    public var negativeMaxima: [Double] { silenceMaxima + noiseMaxima + offscreenMaxima }

    private func pooled(_ perPass: (SampleStatics) -> [Double]) -> [Double] {
        var out = [Double]()
        for p in 0..<passes { for s in statics { let v = perPass(s); if p < v.count { out.append(v[p]) } } }
        return out
    }

    /// U computed from this set (Q3 of the pooled negative maxima); NaN when there are no
    /// negative maps (then every figure at U is undefined too, not 0).
    public var universalThreshold: Double {
        let neg = negativeMaxima
        return neg.isEmpty ? .nan : UniversalThreshold.q3(negativeMaxima: neg)
    }

    /// The trivial baselines (whole image, centre prior) on this set's ground truth.
    public func baselines() -> [Baseline] {
        Baseline.evaluate(gtPixels: statics.map(\.gtPixels), discCounts: statics.map(\.discCounts))
    }

    // MARK: threshold-dependent values

    /// Values of one sample at threshold U.
    public struct SampleAtThreshold: Sendable {
        /// Raw cIoU at U (NaN when the ground truth is empty and nothing exceeds U).
        public var ciou: Double
        /// Highlighted fractions (0…1) of the silence map and of each pass's noise / off-screen map.
        public var silence: Double?
        public var noise: [Double]
        public var offscreen: [Double]
    }

    /// One sample at U: O(maps of the sample) counter calls.
    public func values(sample i: Int, threshold u: Double) -> SampleAtThreshold {
        let st = statics[i]
        let c = st.positiveCounter.count(above: u)
        return SampleAtThreshold(
            ciou: CIoU.value(intersection: c.inside, gtPixels: st.gtPixels, falsePositives: c.outside),
            silence: st.silenceCounter.map { PIA.fraction(area: $0.area(above: u)) },
            noise: st.noiseCounters.map { PIA.fraction(area: $0.area(above: u)) },
            offscreen: st.offscreenCounters.map { PIA.fraction(area: $0.area(above: u)) })
    }

    /// Every sample at U, spread over the cores.
    public func values(threshold u: Double) -> [SampleAtThreshold] {
        Self.parallelMap(Array(0..<count)) { values(sample: $0, threshold: u) }
    }

    /// The full report at the chosen threshold.
    public func report(threshold choice: ThresholdChoice = .universal) -> MetricReport {
        let uAuto = universalThreshold
        let u: Double
        switch choice {
        case .universal: u = uAuto
        case .value(let v): u = v
        }
        // Without negatives U is undefined, and so is every figure taken at it (cIoU-Uth, AUC-Uth,
        // F): they are NaN (printed "–", null in JSON), never the 0 a NaN threshold would count.
        let defined = !u.isNaN
        let at = values(threshold: u).map { a -> SampleAtThreshold in
            var a = a
            if !defined { a.ciou = .nan }
            return a
        }
        let p = passes
        var ciouList = [Double](), adapList = [Double](), piaS = [Double](), piaN = [Double](), piaO = [Double]()
        for _ in 0..<p {
            for i in 0..<count {
                ciouList.append(at[i].ciou.isNaN ? 0 : at[i].ciou)
                adapList.append(statics[i].ciouAdaptive)
                if let s = at[i].silence { piaS.append(s) }
            }
        }
        for pass in 0..<p {
            for i in 0..<count {
                if pass < at[i].noise.count { piaN.append(at[i].noise[pass]) }
                if pass < at[i].offscreen.count { piaO.append(at[i].offscreen[pass]) }
            }
        }
        var r = MetricReport()
        r.samples = count; r.passes = p
        r.threshold = u; r.thresholdSource = choice.description; r.universalThreshold = uAuto
        r.ciouUth = defined ? CIoU.meanIoU(ciouList) : .nan
        r.ciouAdap = CIoU.successRate(adapList)
        r.aucUth = defined ? CIoU.auc(ciouList) : .nan
        r.aucAdap = CIoU.auc(adapList)
        r.pia = .init(silence: PIA.mean(piaS), noise: PIA.mean(piaN), offscreen: PIA.mean(piaO))
        r.aucN = .init(silence: PIA.auc(piaS), noise: PIA.auc(piaN), offscreen: PIA.auc(piaO))
        r.fLoc = FMeasure.loc(ciou: r.ciouUth, pia: (r.pia.silence, r.pia.noise, r.pia.offscreen))
        r.fAuc = FMeasure.auc(auc: r.aucUth, aucN: (r.aucN.silence, r.aucN.noise, r.aucN.offscreen))
        let pos = positiveMaxima, neg = negativeMaxima
        let sep = Separability.value(positiveMaxima: pos, negativeMaxima: neg)
        r.separability = sep.separability; r.positiveQ1 = sep.positiveQ1; r.negativeQ3 = sep.negativeQ3
        r.maxima = ["positive": Statistics.quartiles(pos), "silence": Statistics.quartiles(silenceMaxima),
                    "noise": Statistics.quartiles(noiseMaxima), "offscreen": Statistics.quartiles(offscreenMaxima),
                    "negative": Statistics.quartiles(neg)]
        let won = objectPairs.reduce(0) { $0 + $1.wins }, tied = objectPairs.reduce(0) { $0 + $1.ties }
        let played = objectPairs.reduce(0) { $0 + $1.pairs }
        r.objectAccuracy = played > 0 ? ObjectAccuracy(wins: won, ties: tied, pairs: played) : nil
        if let scores = retrievalScores, count > 1 {
            r.retrieval = Retrieval.evaluate(scores: scores, labels: samples.map(\.label))
        }
        r.baselines = baselines()
        let vis = samples.compactMap(\.visualEmbedding), aud = samples.compactMap(\.audioEmbedding)
        if vis.count == count && aud.count == count && count > 0 {
            let m = Alignment.measure(visual: vis, audio: aud)
            r.alignment = m.alignment; r.magnitude = m.magnitude
        }
        r.perSample = (0..<count).map { i in
            let s = samples[i], st = statics[i], a = at[i]
            return SampleMetrics(
                id: s.id, label: s.label, scene: s.scene, gtPixels: st.gtPixels,
                ciouUth: a.ciou, ciouAdaptive: st.ciouAdaptive, ciouMedian: st.ciouMedian,
                thresholdMedian: Double(st.thresholdMedian), thresholdAdaptive: Double(st.thresholdAdaptive),
                maxPositive: st.maxPositive, maxSilence: st.maxSilence,
                maxNoise: Statistics.mean(st.maxNoise), maxOffscreen: Statistics.mean(st.maxOffscreen),
                piaSilence: a.silence.map { 100 * $0 }, piaNoise: 100 * Statistics.mean(a.noise),
                piaOffscreen: 100 * Statistics.mean(a.offscreen),
                objectWins: objectPairs[i].pairs > 0 ? objectPairs[i].wins : nil,
                objectTies: objectPairs[i].pairs > 0 ? objectPairs[i].ties : nil,
                objectPairs: objectPairs[i].pairs > 0 ? objectPairs[i].pairs : nil)
        }
        return r
    }

    /// Order-preserving map over both cores (Dispatch), in chunks.
    static func parallelMap<T, R>(_ items: [T], _ body: (T) -> R) -> [R] {
        let n = items.count
        guard n > 1 else { return items.map(body) }
        let chunks = Swift.min(n, ProcessInfo.processInfo.activeProcessorCount * 4)
        var out = [R?](repeating: nil, count: n)
        out.withUnsafeMutableBufferPointer { buf in
            let b = SendableBox(buf), its = SendableBox(items)
            withoutActuallyEscaping(body) { body in
                let f = SendableBox(body)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let lo = c * n / chunks, hi = (c + 1) * n / chunks
                    for i in lo..<hi { b.value[i] = f.value(its.value[i]) }
                }
            }
        }
        return out.map { $0! }
    }
}
