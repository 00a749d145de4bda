import Foundation
import Synchronization
import Core
import Render

struct LiveRequest: Sendable, Equatable {
    var sampleIndex: Int
    var condition: AudioCondition
    var start: Double
    var end: Double
}

/// Prepares the selected scene (image, four maps per model, waveforms) and computes live maps
/// for the window sliding over the playing clip. Scene requests win over live ones.
public final class SceneWorker: @unchecked Sendable {
    let session: Session
    let inbox: Inbox
    private let cond = NSCondition()
    private var sceneRequest: Int?
    private var liveRequest: LiveRequest?
    private var closed = false
    /// Waveforms of the current scene per condition (worker thread only).
    private var current: (index: Int, waves: [[Float]])?
    /// v̂ of the current scene per model, kept here so live maps never wait for an encode even
    /// when the scorer has pushed the scene out of the shared LRU cache.
    private var currentFeatures: [Tensor?] = []
    /// Live updates computed (for the bench).
    let liveCount = Atomic<Int>(0)

    let generation: Int

    init(session: Session, inbox: Inbox, generation: Int) { self.session = session; self.inbox = inbox; self.generation = generation }

    func start() {
        WorkerThreads.start(name: "sslsan-scene", stackSize: 8 << 20) { [self] in run() }
    }

    func requestScene(_ i: Int) { cond.lock(); sceneRequest = i; liveRequest = nil; cond.signal(); cond.unlock() }
    func requestLive(_ r: LiveRequest) { cond.lock(); liveRequest = r; cond.signal(); cond.unlock() }
    func stop() { cond.lock(); closed = true; cond.broadcast(); cond.unlock() }

    private func run() {
        while true {
            cond.lock()
            while sceneRequest == nil && liveRequest == nil && !closed { cond.wait() }
            if closed { cond.unlock(); return }
            let s = sceneRequest, l = liveRequest
            if s != nil { sceneRequest = nil } else { liveRequest = nil }
            cond.unlock()
            if let i = s { inbox.post(.scene(prepare(i), generation: generation)) } else if let r = l, let m = live(r) { inbox.post(m) }
        }
    }

    /// Downscales an image for display (the scene view never needs more than ~400 px), with
    /// Render's area average: the one image downsampler (the overlay then averages this copy).
    public static func displayCopy(_ img: RGBImage, maxSide: Int = 480) -> RGBImage {
        let s = max(img.width, img.height)
        guard s > maxSide else { return img }
        return AreaAverage.image(img, width: max(1, img.width * maxSide / s), height: max(1, img.height * maxSide / s))
    }

    func prepare(_ i: Int) -> SceneState {
        let t0 = monotonicSeconds()
        var st = SceneState(sampleIndex: i)
        let sample = session.data.samples[i]
        // The metrics' 224² ground truth: the overlay outlines it, the scene's IoU counts on it.
        st.groundTruth = session.data.groundTruth(sample)
        // The scene's IoU / pIA count with the main source's post-processing, as its figures do.
        st.postProcessing = session.postProcessing(sample: i)
        st.comparePostProcessing = session.comparePostProcessing(sample: i) ?? .sslTie
        let rate = session.main.sampleRate
        if let why = session.data.missingImage(sample) {
            // Precomputed maps of a sample without an image: drawn on grey, and the scene says so.
            st.image = neutralBackground
            st.imageNote = "no image (\(why)) · neutral background"
        } else {
            do {
                st.image = Self.displayCopy(try session.data.image(sample))
            } catch {
                st.problem = "image: \(error)"
            }
        }
        var waves: [[Float]] = []
        for c in AudioCondition.allCases {
            do {
                let w = try session.waveform(i, c)
                waves.append(w.samples)
                st.audioLabels[c.index] = w.label
                st.durations[c.index] = Double(w.samples.count) / Double(rate)
            } catch {
                waves.append([])
                st.audioMissing[c.index] = "\(error)"
                if session.main.usesEngine {
                    st.audioLabels[c.index] = "unavailable"
                    if st.problem == nil && c == .positive { st.problem = "audio: \(error)" }
                } else {
                    // Precomputed maps: the class the map was computed with, where the file says it.
                    st.audioLabels[c.index] = c == .positive ? sample.label : c == .offscreen ? "unrecorded" : c.title
                }
            }
        }
        current = (i, waves)
        currentFeatures = []
        st.waves = waves
        st.sampleRate = rate
        st.absent = AudioCondition.allCases.map { session.main.absence($0) }
        if st.image != nil {
            // Live windows encode with the models on the engine; a maps file has none.
            currentFeatures = session.sources.map { m in (m as? ModelSession).flatMap { try? $0.features(i, path: sample.imagePath) } }
            for (k, m) in session.sources.enumerated() {
                do {
                    let (maps, problem) = try m.maps(i)
                    if k == 0 { st.maps = maps } else { st.compareMaps = maps }
                    if let p = problem, k == 0 { inbox.post(.notice("\(sample.id): \(p)")) }
                } catch {
                    if k == 0 { st.problem = "\(error)" } else { inbox.post(.notice("\(sample.id): compare: \(error)")) }
                }
            }
        }
        st.loading = false
        st.encodeMS = (monotonicSeconds() - t0) * 1000
        return st
    }

    /// The map of the window [start, end) s of the current clip, tiled to the model's window
    /// (models on the engine only: a maps file's main source has no live windows).
    func live(_ r: LiveRequest) -> WorkerMessage? {
        guard let cur = current, cur.index == r.sampleIndex, session.main.usesEngine else { return nil }
        let t0 = monotonicSeconds()
        let wave = cur.waves[r.condition.index]
        guard !wave.isEmpty else { return nil }
        var out: [SimilarityMap] = []
        for (k, source) in session.sources.enumerated() {
            guard let m = source as? ModelSession else { continue }
            let rate = Double(m.sampleRate)
            let a = max(0, min(wave.count - 1, Int(r.start * rate)))
            let b = max(a + 1, min(wave.count, Int(r.end * rate)))
            guard let v = k < currentFeatures.count ? currentFeatures[k] : nil else { return nil }
            out.append(m.evaluator.map(visual: v, audio: m.embedding(Array(wave[a..<b]), condition: r.condition)))
        }
        liveCount.add(1, ordering: .relaxed)
        let lm = LiveMap(sampleIndex: r.sampleIndex, condition: r.condition, windowStart: r.start, windowEnd: r.end,
                         map: out[0], compare: out.count > 1 ? out[1] : nil)
        return .live(lm, computeMS: (monotonicSeconds() - t0) * 1000, generation: generation)
    }
}
