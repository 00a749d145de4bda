import Foundation
import Core
import Render

/// The panels Tab cycles through.
public enum Panel: Int, CaseIterable, Sendable {
    case browser, scene, separability, training
    public var title: String {
        switch self {
        case .browser: "Samples"
        case .scene: "Scene"
        case .separability: "Separability"
        case .training: "Training"
        }
    }
}

/// Browser columns the list can be sorted by.
public enum SortColumn: String, CaseIterable, Sendable {
    case id, label, iou, positive, silence, noise, offscreen, leak
    public var title: String {
        switch self {
        case .id: "id"
        case .label: "class"
        case .iou: "IoU"
        case .positive: "pos"
        case .silence: "sil"
        case .noise: "noi"
        case .offscreen: "off"
        case .leak: "leak"
        }
    }
    /// What a column holds, for the sort notice and the help (nil when the title says it).
    public var meaning: String? {
        switch self {
        case .id, .label: nil
        case .iou: "cIoU at the threshold"
        case .positive: "max similarity with the sample's own sound"
        case .silence: "max similarity with silence"
        case .noise: "max similarity with noise"
        case .offscreen: "max similarity with an off-screen sound"
        case .leak: "the largest of sil/noi/off: how much a negative lights up"
        }
    }
    /// The natural direction: worst IoU first, biggest negative maxima (leaks) first.
    var descendingByDefault: Bool {
        switch self {
        case .id, .label, .iou: false
        default: true
        }
    }
}

public extension AudioCondition {
    var title: String {
        switch self {
        case .positive: "positive"
        case .silence: "silence"
        case .noise: "noise"
        case .offscreen: "off-screen"
        }
    }
    var index: Int { AudioCondition.allCases.firstIndex(of: self)! }
}

/// What the scene view shows for the selected sample (filled by the scene worker).
public struct SceneState: Sendable {
    public var sampleIndex: Int
    public var image: RGBImage?
    /// The metrics' 224×224 ground truth (nil when the sample has none): what the overlay
    /// outlines and what the scene's IoU is computed against.
    public var groundTruth: GroundTruthMap?
    /// How the main model's maps of this sample become thresholded maps (`Evaluator.postProcessing(for:)`):
    /// the scene's IoU and pIA count with it, as the figures do.
    public var postProcessing = MapPostProcessing.sslTie
    /// The same for the compare model's maps (its own family).
    public var comparePostProcessing = MapPostProcessing.sslTie
    /// Maps per condition (positive, silence, noise, offscreen), for the main and compare model.
    public var maps: [SimilarityMap?] = [nil, nil, nil, nil]
    public var compareMaps: [SimilarityMap?] = [nil, nil, nil, nil]
    /// Per condition: why the main source has no such maps at all ("no noise maps in F"), nil when it has them.
    public var absent: [String?] = [nil, nil, nil, nil]
    /// Why the image is a neutral background (a maps-file sample without an image), nil otherwise.
    public var imageNote: String?
    /// The class of the audio each condition plays.
    public var audioLabels: [String] = ["", "silence", "noise", ""]
    /// Why a condition has no clip to play and draw (e.g. "no audio in maps file"), nil when it has one.
    public var audioMissing: [String?] = [nil, nil, nil, nil]
    /// Durations of each condition's clip (the waveform strip draws `waves` with Render's `Waveform`).
    public var durations: [Double] = [0, 0, 0, 0]
    /// The waveforms themselves (what space plays) and their rate.
    public var waves: [[Float]] = [[], [], [], []]
    public var sampleRate = 16000
    /// Milliseconds the last (un)cached encode took.
    public var encodeMS: Double = 0
    public var loading = true
    public var problem: String?
    public init(sampleIndex: Int) { self.sampleIndex = sampleIndex }
}

/// The map computed for a window sliding over the clip while it plays.
public struct LiveMap: Sendable {
    public var sampleIndex: Int
    public var condition: AudioCondition
    public var windowStart: Double
    public var windowEnd: Double
    public var map: SimilarityMap
    public var compare: SimilarityMap?
}

public struct PlaybackState: Sendable, Equatable {
    public var playing = false
    /// Position in seconds within the current clip.
    public var position: Double = 0
    public var loop = true
    /// Live window length (seconds) tiled to the model's window.
    public var window: Double = 1.0
    /// Monotonic time when `position` was last set while playing.
    public var anchorTime: Double = 0
    public var anchorPosition: Double = 0
}

public enum TrainingStatus: Equatable, Sendable {
    case idle, running, stopping, stopped, finished, failed(String)
    var text: String {
        switch self {
        case .idle: "idle"
        case .running: "running"
        case .stopping: "stopping…"
        case .stopped: "stopped (Enter resumes)"
        case .finished: "finished"
        case .failed(let m): "failed: \(m)"
        }
    }
}

/// The form and live progress of the training panel.
public struct TrainingPanelState: Sendable {
    public enum Field: Int, CaseIterable, Sendable { case data, validation, config, epochs, silence, noise, jointAudio, equivariance, lr, run }
    /// Training and validation folders: by default two generated splits (`GeneratedSplit`), made
    /// on start when missing, neither of them the dataset being explored.
    public var data: String = "runs/data/train-seed2"
    public var validationData: String = "runs/data/val-seed3"
    /// The dataset being explored (the panel warns when a run would train or validate on it).
    public var explored: String = ""
    /// Where new run folders go (`<exports>/runs`).
    public var runsFolder: String = "runs"
    public var configs: [String] = ["demo"]
    public var configIndex = 0
    public var epochs = 5
    public var useSilence = true
    public var useNoise = true
    /// `--joint-audio-batch`: on, as the README and samples/TRAINING.md recommend.
    public var useJointAudioBatch = true
    /// SSL-TIE's equivariance branch: off, as for the demo models (about 30 % more per step).
    public var useEquivariance = false
    public var learningRates: [Double] = [1e-3, 3e-4, 1e-4]
    public var lrIndex = 0
    public var field: Field = .data
    public var status: TrainingStatus = .idle
    public var epoch = 0
    public var step = 0
    public var stepsPerEpoch = 0
    public var loss: [Double] = []
    public var lossSilence: [Double] = []
    public var lossNoise: [Double] = []
    /// Per-epoch validation lines ("ep 3  cIoU 21.4  sep 0.31 …").
    public var validation: [String] = []
    public var lastCheckpoint: String?
    public var runDirectory: String?
    /// Whether the build contains a trainer.
    public var available = false
    /// What the panel says when there is no trainer.
    public var unavailableReason = "trainer not in this build"
    /// The text field being edited (data or validation).
    public var editing: Field?
}

public struct DemoState: Sendable, Equatable {
    public var step = 0
    public var nextSwitch: Double = 0
    public var caption = ""
    public static let period = 3.5
    public init(step: Int = 0, nextSwitch: Double = 0, caption: String = "") { self.step = step; self.nextSwitch = nextSwitch; self.caption = caption }
}

public enum InputMode: Sendable, Equatable { case normal, search, filter }

/// Everything the screens draw. Screens are pure functions of this value and the terminal size.
public struct ExplorerState: Sendable {
    public var datasetName: String
    public var checkpointName: String
    public var compareName: String?
    /// The files behind `checkpointName` and `compareName`: what `L`, `C` and `w` switch between.
    public var checkpointPath = ""
    public var comparePath: String?
    /// Whether the main source is a maps file (`explore --maps`): no engine behind it, so no live
    /// windows, training or `L`; the status line says "maps" instead of "ckpt".
    public var precomputed = false
    public var samples: [Sample]
    /// Each sample as `Evaluator.score` returned it (pass 1 first, then every pass).
    public var scored: [ScoredSample?]
    public var problems: [String?]
    public var tagged: Set<Int> = []
    /// Indices into `samples` in display order (after filter and sort).
    public var order: [Int] = []
    /// Position of the selection inside `order`.
    public var cursor = 0
    public var scroll = 0
    public var sort: SortColumn = .id
    public var descending = false
    public var classFilter: String?
    public var textFilter = ""
    public var searchText = ""
    /// The sample selected when `/` was pressed (Esc goes back to it).
    public var searchOrigin: Int?
    public var inputMode: InputMode = .normal
    public var classes: [String] = []

    public var condition: AudioCondition = .positive
    public var threshold: Double = 0.5
    public var thresholdTouched = false
    public var colorMap: ColorMap = .jet
    public var style: OverlayStyle = .highlight
    public var showGroundTruth = true
    public var compareVisible = true
    public var focus: Panel = .browser
    public var showHelp = false
    /// The crosshair over the scene (`x`; arrow keys or a click move it), nil when hidden.
    public var crosshair: Crosshair?
    public var scene: SceneState?
    public var live: LiveMap?
    public var playback = PlaybackState()
    public var soundNotice: String?
    /// The figures' samples: the annotated ones scored so far, in dataset order, each over
    /// `passesShown` passes (what `sslsan eval --passes passesShown` scores).
    public var metrics = MetricSet()
    /// Dataset index of each `metrics` sample, and the reverse.
    public var metricRows: [Int] = []
    public var metricRow: [Int: Int] = [:]
    /// `metrics.report` at `threshold`: every figure the explorer shows (nil before scoring).
    public var report: MetricReport?
    /// Passes the figures cover, and the passes the scorer is working towards.
    public var passesShown = 0
    public var passesTarget = 1
    /// Samples scored in pass 1, and in the remaining passes.
    public var scoringDone = 0
    public var passesDone = 0
    public var scoringTotal = 0
    public var scoringMessage: String?
    /// Samples the figures will cover (those with a box or mask, as `sslsan eval` scores).
    public var metricsExpected = 0
    public var training = TrainingPanelState()
    public var demo: DemoState?
    public var notice: String?
    public var noticeTime: Double = 0
    public var frameMS: Double = 0

    public init(datasetName: String, checkpointName: String, compareName: String? = nil, samples: [Sample], problems: [String] = []) {
        self.datasetName = datasetName
        self.checkpointName = checkpointName
        self.compareName = compareName
        self.samples = samples
        self.scored = Array(repeating: nil, count: samples.count)
        self.problems = Array(repeating: nil, count: samples.count)
        self.classes = Array(Set(samples.map(\.label))).sorted()
        self.scoringTotal = samples.count
        self.metricsExpected = samples.filter(\.hasGroundTruth).count
        if let first = problems.first { notice = first + (problems.count > 1 ? " (+\(problems.count - 1) more)" : "") }
        rebuildOrder()
    }

    public var selectedIndex: Int? { order.indices.contains(cursor) ? order[cursor] : nil }
    public var selectedSample: Sample? { selectedIndex.map { samples[$0] } }

    /// The map shown now: the live window while playing, else the condition's full-clip map.
    public var shownMap: SimilarityMap? {
        if let l = live, playback.playing || playback.position > 0, l.sampleIndex == scene?.sampleIndex, l.condition == condition { return l.map }
        return scene?.maps[condition.index] ?? nil
    }
    public var shownCompareMap: SimilarityMap? {
        if let l = live, playback.playing || playback.position > 0, l.sampleIndex == scene?.sampleIndex, l.condition == condition, let c = l.compare { return c }
        return scene?.compareMaps[condition.index] ?? nil
    }

    /// Sample i's cIoU at the threshold, from the report (nil when it is not in the figures).
    public func iou(_ i: Int) -> Double? {
        guard let r = report, let k = metricRow[i], k < r.perSample.count else { return nil }
        return r.perSample[k].ciouUth
    }

    /// Sample i's map maximum for a condition (noise and off-screen: mean over its passes, as
    /// `MetricReport.perSample` gives them), on its post-processing's scale (`MapPostProcessing.maximum`).
    public func maximum(_ i: Int, _ c: AudioCondition) -> Double? {
        guard let s = scored[i] else { return nil }
        func m(_ x: SimilarityMap) -> Double { Double(s.postProcessing.maximum(x)) }
        switch c {
        case .positive: return m(s.positive)
        case .silence: return s.silence.map(m)
        case .noise: return s.noise.isEmpty ? nil : Statistics.mean(s.noise.map(m))
        case .offscreen: return s.offscreen.isEmpty ? nil : Statistics.mean(s.offscreen.map(m))
        }
    }

    /// The biggest negative maximum of sample i.
    public func leak(_ i: Int) -> Double? {
        let v = [AudioCondition.silence, .noise, .offscreen].compactMap { maximum(i, $0) }
        return v.max()
    }

    /// The scene's figure for a map at the threshold, counted by `ThresholdCounter` on the
    /// metrics' 224² map (the scene's post-processing, as `MetricSet` counts the sample): cIoU
    /// against the ground truth for the positive (nil without one), else the highlighted fraction
    /// (pIA of one map).
    public func sceneFigure(_ m: SimilarityMap) -> Double? {
        let post = scene?.postProcessing ?? .sslTie
        if condition == .positive {
            guard let g = scene?.groundTruth, !g.isEmpty else { return nil }
            let c = ThresholdCounter(map: m, postProcessing: post, groundTruth: g).count(above: threshold)
            return CIoU.value(intersection: c.inside, gtPixels: g.count, falsePositives: c.outside)
        }
        return PIA.fraction(area: ThresholdCounter(map: m, postProcessing: post, negative: true).area(above: threshold))
    }

    /// Sort key of a sample for a column (nil sorts last).
    func key(_ i: Int, _ c: SortColumn) -> Double? {
        switch c {
        case .id, .label: return nil
        case .iou: return iou(i).map { $0.isNaN ? 0 : $0 }
        case .positive: return maximum(i, .positive)
        case .silence: return maximum(i, .silence)
        case .noise: return maximum(i, .noise)
        case .offscreen: return maximum(i, .offscreen)
        case .leak: return leak(i)
        }
    }

    /// Applies filter and sort; keeps the selected sample selected when it is still visible.
    public mutating func rebuildOrder() {
        let keep = selectedIndex
        let text = textFilter.lowercased()
        var o = samples.indices.filter { i in
            (classFilter == nil || samples[i].label == classFilter) &&
            (text.isEmpty || samples[i].id.lowercased().contains(text) || samples[i].label.lowercased().contains(text))
        }
        let c = sort, desc = descending
        switch c {
        case .id: o.sort { desc ? samples[$0].id > samples[$1].id : samples[$0].id < samples[$1].id }
        case .label: o.sort { (samples[$0].label, samples[$0].id) < (samples[$1].label, samples[$1].id) }
            if desc { o.reverse() }
        default:
            let keys = Dictionary(uniqueKeysWithValues: o.map { ($0, key($0, c)) })
            o.sort { a, b in
                switch (keys[a]!, keys[b]!) {
                case let (x?, y?): return x == y ? samples[a].id < samples[b].id : (desc ? x > y : x < y)
                case (.some, nil): return true
                case (nil, .some): return false
                default: return samples[a].id < samples[b].id
                }
            }
        }
        order = o
        if let k = keep, let p = o.firstIndex(of: k) { cursor = p } else { cursor = min(cursor, max(0, o.count - 1)) }
    }

    /// Takes one update from the scorer (the explorer's inbox and the tests call this).
    public mutating func apply(_ u: ScoringUpdate) {
        switch u {
        case let .sample(i, s, passes, problem):
            scored[i] = s
            if problem != nil || problems[i] != nil { problems[i] = problem }
            if passes <= 1 { scoringDone += 1 } else { passesDone += 1 }
        case let .metrics(set, rows, passes, complete):
            metrics = set
            metricRows = rows
            metricRow = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
            passesShown = passes
            // U is the threshold until the user moves it: exactly Q3 of the negative maxima, as
            // `sslsan eval` takes it (no rounding), once enough samples are in to mean something.
            if !thresholdTouched && set.count > 0 && (complete || set.count >= 8) { threshold = set.universalThreshold }
            thresholdChanged()
        case .finished(let message):
            scoringMessage = message
            scoringDone = scoringTotal
        }
    }

    public mutating func setNotice(_ s: String, now: Double) {
        notice = s; noticeTime = now
    }
}
