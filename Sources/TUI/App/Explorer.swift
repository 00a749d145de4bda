import Foundation
import Core
import Render

/// Options of `sslsan explore`.
public struct ExplorerOptions: Sendable {
    public var dataDirectory: String
    public var checkpoint: String
    public var compare: String?
    /// Families of `checkpoint` and `compare` when the files do not say (`--model`,
    /// `--compare-model`; nil: from the file, as `LocalisationModels.open` finds it).
    public var family: ModelFamily?
    public var compareFamily: ModelFamily?
    public var demo = false
    /// Exports go to `<exportDirectory>/exports/`, training runs to `<exportDirectory>/runs/`.
    public var exportDirectory = "."
    /// Evaluation passes the background scorer covers (`sslsan eval --passes`).
    public var passes = 10
    /// How the scene image is drawn (`--graphics`); `auto` follows the terminal probe.
    public var graphics: GraphicsOption = .auto
    /// Embedding cache folder (`EmbeddingCache`; nil: none), as `sslsan eval --cache-dir`.
    public var cacheDirectory: String?
    /// A maps file (`--maps`): the main source is its precomputed maps, joined with
    /// `dataDirectory` when that is not empty; `checkpoint` is then unused and `compare` a live model.
    public var maps: String?
    public init(dataDirectory: String, checkpoint: String, compare: String? = nil, demo: Bool = false, exportDirectory: String = ".",
                passes: Int = 10) {
        self.dataDirectory = dataDirectory; self.checkpoint = checkpoint; self.compare = compare
        self.demo = demo; self.exportDirectory = exportDirectory; self.passes = passes
    }
}

/// The terminal explorer: one UI thread owns the terminal and the state; workers score, encode
/// and train, post results to an inbox and wake the UI through a pipe. Each frame is
/// `MainScreen.render` (pure) flushed by a `FrameFlusher` to the ncurses `Terminal`.
public final class Explorer {
    var state: ExplorerState
    let options: ExplorerOptions
    var session: Session
    /// The embedding cache (`--cache-dir`), opened once; every session of this explorer shares it.
    let cache: EmbeddingCache?
    let data: any ExplorerData
    let trainer: (any TrainingDriver)?
    let loadModel: (String) throws -> any ExplorerModel
    let wakeup = Wakeup()
    let inbox: Inbox
    var scorer: Scorer
    var sceneWorker: SceneWorker
    var sound: SoundOutput
    var trainingJob: TrainingJob?
    let exports: ExportQueue
    var lastExport: (key: ExportKey, folder: String)?
    let term = Terminal()
    let flusher = FrameFlusher()
    var lastLive: Double = 0
    /// Whether the "no live windows for precomputed maps" notice was shown (once per explorer).
    var liveNoticeShown = false
    /// Messages from workers of an earlier model carry an older generation and are dropped.
    var generation = 0
    var scorerGeneration = 0
    var running = true
    /// The sample the scene worker was last asked for (the scene follows the selection).
    var requestedScene: Int?

    /// - Parameters:
    ///   - main, compare: where the maps come from (`ModelSession` on the engine, `MapsSession` for `--maps`).
    ///   - cache: the embedding cache the model sessions use (`--cache-dir`); `L` opens new ones with it.
    ///   - loadModel: opens a checkpoint (used for the training panel's "switch to it").
    public init(options: ExplorerOptions, data: any ExplorerData, main: any ScoreSource, compare: (any ScoreSource)?,
                cache: EmbeddingCache?, trainer: (any TrainingDriver)?, loadModel: @escaping (String) throws -> any ExplorerModel) {
        self.options = options
        self.data = data
        self.trainer = trainer
        self.loadModel = loadModel
        inbox = Inbox(wakeup: wakeup)
        self.cache = cache
        session = Session(data: data, main: main, compare: compare)
        scorer = Scorer(session: session, inbox: inbox, generation: 0)
        sceneWorker = SceneWorker(session: session, inbox: inbox, generation: 0)
        sound = SoundOutput(inbox: inbox)
        exports = ExportQueue(inbox: inbox)
        state = ExplorerState(datasetName: data.name, checkpointName: main.name, compareName: compare?.name,
                              samples: data.samples, problems: data.problems)
        state.passesTarget = session.passes
        state.metricsExpected = main.evaluationIndices.count
        state.precomputed = !main.usesEngine
        state.training.available = trainer != nil
        if options.maps != nil { state.training.unavailableReason = "training needs the engine: off with --maps (precomputed maps)" }
        if let t = trainer, !t.configs.isEmpty { state.training.configs = t.configs }
        state.training.explored = options.dataDirectory
        state.training.runsFolder = options.exportDirectory + "/runs"
        state.training.data = GeneratedSplit.training(in: state.training.runsFolder).folder
        state.training.validationData = GeneratedSplit.validation(in: state.training.runsFolder).folder
        state.checkpointPath = options.maps ?? options.checkpoint
        state.comparePath = options.compare
        state.soundNotice = sound.notice
        if options.demo { state.demo = DemoState() }
    }

    /// Runs until the user quits. The terminal is restored on every exit path.
    public func run() throws {
        term.installSignalHandlers(wakeFD: wakeup.writeFD)
        // Capability probe, once, before curses owns the terminal (bounded by its timeout).
        let caps = TerminalProbe.run()
        do { try term.start() } catch { term.resetSignalHandlers(); throw error }
        term.useGraphics(caps.choose(options.graphics))
        defer {
            term.stop()
            term.resetSignalHandlers()
            sound.close()
            scorer.cancel()
            sceneWorker.stop()
            trainingJob?.cancel()
            // Let workers notice the cancellation (a training run saves its step) before exit.
            WorkerThreads.waitForAll(timeout: 20)
        }
        scorer.start()
        sceneWorker.start()
        followSelection()
        var dirty = true
        while running {
            let now = monotonicSeconds()
            if drainInbox(now: now) { dirty = true }
            if tick(now: now) { dirty = true }
            if dirty {
                let size = term.size
                let l = Layout.compute(width: size.width, height: size.height, state: state)
                state.ensureVisible(rows: l.browserRows.height)
                let t0 = monotonicSeconds()
                let frame = MainScreen.render(state, width: size.width, height: size.height, mode: term.mode)
                flusher.draw(frame, to: term)
                state.frameMS = (monotonicSeconds() - t0) * 1000
                dirty = false
            }
            let busy = state.playback.playing || state.demo != nil
            let ready = term.wait(wakeFD: wakeup.readFD, timeoutMS: keysLeft ? 0 : (busy ? 33 : 250))
            if ready.wake && wakeup.drain() { running = false }
            if readKeys() { dirty = true }
            if !busy && !ready.input && !ready.wake { dirty = dirty || expireNotice(now: monotonicSeconds()) }
        }
    }

    func expireNotice(now: Double) -> Bool {
        if state.notice != nil && now - state.noticeTime > 8 { state.notice = nil; return true }
        return false
    }

    /// Reads pending keys for at most `keyBudget` seconds, then returns to the loop so that
    /// worker results are taken and a frame is drawn even while keys keep arriving (a held key,
    /// a paste); returns whether anything changed.
    func readKeys() -> Bool {
        var any = false
        let end = monotonicSeconds() + Self.keyBudget
        while let read = term.readKey() {
            any = true
            guard let k = read else { continue }
            apply(state.handle(k, now: monotonicSeconds(), size: term.size))
            if !running { break }
            // Keys left over may sit in curses' own buffer, where poll does not see them.
            if monotonicSeconds() > end { keysLeft = true; return true }
        }
        keysLeft = false
        return any
    }

    /// Whether `readKeys` stopped with keys still to read (the next wait does not sleep).
    var keysLeft = false
    static let keyBudget = 0.03

    // MARK: effects

    func apply(_ effects: [Effect]) {
        for e in effects {
            switch e {
            case .quit: running = false
            case .redraw: term.invalidate(); flusher.invalidate()
            case .loadScene(let i):
                stopPlayback(resetPosition: true)
                state.live = nil
                requestedScene = i
                sceneWorker.requestScene(i)
            case .play: startPlayback()
            case .pause: stopPlayback(resetPosition: false)
            case .seek(let d): seek(by: d)
            case .export: exportTagged()
            case .startTraining: startTraining()
            case .stopTraining:
                trainingJob?.cancel()
                state.training.status = .stopping
            case let .loadModels(main, compare): loadModels(main: main, compare: compare)
            }
        }
    }

    func currentWave() -> (samples: [Float], rate: Int)? {
        guard let sc = state.scene, sc.sampleIndex == state.selectedIndex, !sc.loading else { return nil }
        let w = sc.waves[state.condition.index]
        return w.isEmpty ? nil : (w, sc.sampleRate)
    }

    func startPlayback() {
        guard let (w, rate) = currentWave() else {
            // A maps file's scene says why it has no clip ("no audio in maps file").
            let why = state.precomputed ? state.scene.flatMap { $0.audioMissing[state.condition.index] } : nil
            state.setNotice(why ?? "nothing to play yet", now: monotonicSeconds()); return
        }
        let dur = Double(w.count) / Double(rate)
        if state.playback.position >= dur - 0.05 { state.playback.position = 0 }
        state.playback.playing = true
        state.playback.anchorTime = monotonicSeconds()
        state.playback.anchorPosition = state.playback.position
        sound.play(w, rate: rate, from: state.playback.position, gain: SoundOutput.gain(for: state.condition))
        lastLive = 0
        if !session.main.usesEngine && !liveNoticeShown {
            liveNoticeShown = true
            state.setNotice("live windows need the engine: precomputed maps show the whole clip's map", now: monotonicSeconds())
        }
    }

    /// Where the listener is in the clip: the stream's report (frames written − its latency),
    /// or the clock from the last start when there is no stream.
    func heardPosition(now: Double) -> (position: Double, finished: Bool) {
        if let h = sound.heard() { return (h.position, h.finished) }
        let pos = state.playback.anchorPosition + (now - state.playback.anchorTime)
        return (pos, pos >= state.scene.map { $0.durations[state.condition.index] } ?? 0)
    }

    func stopPlayback(resetPosition: Bool) {
        if state.playback.playing { state.playback.position = heardPosition(now: monotonicSeconds()).position }
        sound.stop()
        state.playback.playing = false
        if resetPosition { state.playback.position = 0 }
    }

    func seek(by d: Double) {
        guard let (w, rate) = currentWave() else { return }
        let dur = Double(w.count) / Double(rate)
        let wasPlaying = state.playback.playing
        if wasPlaying { stopPlayback(resetPosition: false) }
        state.playback.position = max(0, min(dur, state.playback.position + d))
        if wasPlaying { startPlayback() } else { requestLive(force: true) }
    }

    func requestLive(force: Bool = false) {
        // Precomputed maps have no engine behind them: the scene keeps the file's map.
        guard session.main.usesEngine else { return }
        guard let sc = state.scene, sc.sampleIndex == state.selectedIndex, !sc.loading else { return }
        let dur = sc.durations[state.condition.index]
        guard dur > 0 else { return }
        let w = min(state.playback.window, dur)
        var a = state.playback.position - w / 2
        a = max(0, min(dur - w, a))
        sceneWorker.requestLive(LiveRequest(sampleIndex: sc.sampleIndex, condition: state.condition, start: a, end: a + w))
    }

    /// Time-driven changes: the playhead, live maps, demo mode. Returns whether to redraw.
    func tick(now: Double) -> Bool {
        var changed = false
        if state.playback.playing, let sc = state.scene {
            let dur = sc.durations[state.condition.index]
            var (pos, finished) = heardPosition(now: now)
            if finished || pos >= dur {
                if state.playback.loop {
                    pos = 0
                    state.playback.position = 0
                    startPlayback()
                } else {
                    stopPlayback(resetPosition: false)
                    pos = dur
                }
            }
            state.playback.position = min(pos, dur)
            if now - lastLive >= 0.05 { lastLive = now; requestLive() }
            changed = true
        }
        if var d = state.demo, now >= d.nextSwitch {
            d.nextSwitch = now + DemoState.period
            let cond = AudioCondition.allCases[d.step % 4]
            if d.step % 4 == 0 && d.step > 0, !state.order.isEmpty {
                state.cursor = (state.cursor + 1) % state.order.count
                followSelection()
            }
            apply(state.setCondition(cond))
            d.caption = Self.caption(cond, state: state)
            d.step += 1
            state.demo = d
            changed = true
        } else if var d = state.demo {
            // The demo plays each condition's clip so the live map moves with the sound.
            if !state.playback.playing && currentWave() != nil { startPlayback() }
            let c = Self.caption(state.condition, state: state)
            if c != d.caption { d.caption = c; state.demo = d; changed = true }
        }
        return changed
    }

    /// The demo caption for the map on screen (`DemoCaption`: computed from the map).
    static func caption(_ c: AudioCondition, state: ExplorerState) -> String {
        guard let sc = state.scene, sc.sampleIndex == state.selectedIndex, !sc.loading else { return "loading the next scene…" }
        return DemoCaption.describe(c, label: sc.audioLabels[c.index], map: state.shownMap, groundTruth: sc.groundTruth,
                                    threshold: state.threshold, postProcessing: sc.postProcessing)
    }

    // MARK: inbox

    func drainInbox(now: Double) -> Bool {
        let msgs = inbox.drain()
        guard !msgs.isEmpty else { return false }
        var scoresChanged = false
        for m in msgs {
            switch m {
            case let .scene(sc, gen):
                if gen == generation && sc.sampleIndex == state.selectedIndex {
                    state.scene = sc
                    if let p = sc.problem { state.setNotice("\(state.samples[sc.sampleIndex].id): \(p)", now: now) }
                }
            case let .live(l, _, gen):
                if gen == generation && l.sampleIndex == state.scene?.sampleIndex && l.condition == state.condition { state.live = l }
            case let .scoring(u, gen):
                guard gen == scorerGeneration else { continue }
                state.apply(u)
                scoresChanged = true
                if case let .sample(i, _, _, p?) = u, state.notice == nil { state.setNotice("\(state.samples[i].id): \(p)", now: now) }
            case .notice(let n):
                state.setNotice(n, now: now)
            case .sound(let n):
                // Shown whole once (notices wrap), then shortened on the scene's time line.
                if n != state.soundNotice { state.setNotice(n, now: now) }
                state.soundNotice = n
            case .training(let u): applyTraining(u, now: now)
            }
        }
        if scoresChanged {
            if state.sort != .id && state.sort != .label && state.scoringDone % 16 == 0 || state.scoringDone == state.scoringTotal {
                state.rebuildOrder()
                followSelection()
            }
        }
        return true
    }

    /// Asks the scene worker for the selected sample when it is neither shown nor requested.
    func followSelection() {
        guard let i = state.selectedIndex, i != requestedScene else { return }
        if state.scene?.sampleIndex == i { requestedScene = i; return }
        apply([.loadScene(i)])
    }

    func applyTraining(_ u: TrainingUpdate, now: Double) {
        var t = state.training
        switch u {
        case .started(let spe): t.stepsPerEpoch = spe; t.status = .running
        case let .step(epoch, step, loss, ls, ln):
            t.epoch = epoch; t.step = step
            t.loss.append(loss); if let ls { t.lossSilence.append(ls) }; if let ln { t.lossNoise.append(ln) }
            for k in [\TrainingPanelState.loss, \.lossSilence, \.lossNoise] where t[keyPath: k].count > 400 { t[keyPath: k].removeFirst(t[keyPath: k].count - 400) }
        case .validation(let line): t.validation.append(line)
        case .checkpoint(let path):
            t.lastCheckpoint = path
            // The whole path (the notice wraps when long): which run folder it went to matters.
            state.setNotice("checkpoint saved: \(path) (L makes it the main model, w swaps back)", now: now)
        case .finished: t.status = .finished; trainingJob = nil
        case .stopped:
            t.status = .stopped; trainingJob = nil
            if let run = t.runDirectory, FileManager.default.fileExists(atPath: run + "/last.safetensors") { t.lastCheckpoint = run + "/last.safetensors" }
            // Stopped before its first step: the trainer removed the folder; the next start is a new run.
            if let run = t.runDirectory, !FileManager.default.fileExists(atPath: run) { t.runDirectory = nil; t.status = .idle }
        case .failed(let m): t.status = .failed(m); trainingJob = nil
        }
        state.training = t
    }

    func startTraining() {
        guard let trainer else {
            state.setNotice("training is not available in this build", now: monotonicSeconds()); return
        }
        let t = state.training
        // A stopped run resumes in its folder; anything else starts a new run folder.
        let run = (t.status == .stopped ? t.runDirectory : nil) ?? (t.runsFolder + "/explore-\(Self.timestamp())")
        // After a stop the trainer has saved last.safetensors in the run folder: resume from it.
        let last = run + "/last.safetensors"
        let resume: String? = t.status == .stopped && FileManager.default.fileExists(atPath: last) ? last : nil
        // The default splits are generated on the training thread when missing; the trainer makes the run folder.
        let generate = [GeneratedSplit.training(in: t.runsFolder), .validation(in: t.runsFolder)].filter { $0.folder == t.data || $0.folder == t.validationData }
        let req = TrainingRequest(data: t.data, validation: t.validationData.isEmpty ? nil : t.validationData,
                                  config: t.configs.isEmpty ? "demo" : t.configs[t.configIndex], epochs: t.epochs,
                                  useSilence: t.useSilence, useNoise: t.useNoise, useJointAudioBatch: t.useJointAudioBatch,
                                  useEquivariance: t.useEquivariance, learningRate: t.learningRates[t.lrIndex], runDirectory: run,
                                  resume: resume, generate: generate)
        state.training.runDirectory = run
        state.training.status = .running
        if resume == nil { state.training.loss = []; state.training.lossSilence = []; state.training.lossNoise = []; state.training.validation = [] }
        trainingJob = TrainingJob(driver: trainer, request: req, inbox: inbox)
    }

    /// Opens `mainPath` and `comparePath` as the main and compare sources (reusing a source
    /// already open under that path: a maps file, or a model with its cached features) and
    /// rescores when the main source changed.
    func loadModels(main mainPath: String, compare comparePath: String?) {
        let now = monotonicSeconds()
        // A source already open under that path is reused (a maps file, or a model with its features).
        func open(_ p: String) throws -> any ScoreSource {
            if p == state.checkpointPath { return session.main }
            if p == state.comparePath, let c = session.compare { return c }
            return ModelSession(model: try loadModel(p), samples: data.samples, passes: options.passes, cache: cache)
        }
        let model: any ScoreSource, other: (any ScoreSource)?
        do {
            model = try open(mainPath)
            other = try comparePath.map(open)
        } catch {
            state.setNotice("cannot load \(error)", now: now); return
        }
        let mainChanged = mainPath != state.checkpointPath
        sceneWorker.stop()
        session = Session(data: data, main: model, compare: other)
        state.checkpointName = model.name; state.checkpointPath = mainPath
        state.compareName = other?.name; state.comparePath = comparePath
        state.compareVisible = true
        state.precomputed = !model.usesEngine
        generation += 1
        sceneWorker = SceneWorker(session: session, inbox: inbox, generation: generation)
        if mainChanged {
            // A new main model: score the dataset again.
            scorer.cancel()
            scorerGeneration = generation
            scorer = Scorer(session: session, inbox: inbox, generation: generation)
            state.scored = Array(repeating: nil, count: state.samples.count)
            state.problems = Array(repeating: nil, count: state.samples.count)
            state.scoringDone = 0; state.passesDone = 0; state.passesShown = 0; state.scoringMessage = nil
            state.passesTarget = session.passes; state.metricsExpected = model.evaluationIndices.count
            state.thresholdTouched = false
            state.metrics = MetricSet(); state.metricRows = []; state.metricRow = [:]; state.report = nil
            scorer.start()
        }
        state.scene = nil; state.live = nil
        sceneWorker.start()
        requestedScene = nil
        followSelection()
        state.setNotice("main \(model.name)" + (other.map { ", compared with \($0.name) (C hides it, w swaps)" } ?? ""), now: now)
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// Queues an export of the tagged samples into `<export dir>/exports/tagged-<time>/`. The same
    /// tags at the same threshold, colour map and checkpoint are exported once: pressing `e`
    /// again names the folder that already holds them.
    func exportTagged() {
        let now = monotonicSeconds()
        guard !state.tagged.isEmpty else { state.setNotice("nothing tagged yet (t tags the selected sample)", now: now); return }
        let key = ExportKey(tagged: state.tagged, threshold: state.threshold, colorMap: state.colorMap, checkpoint: state.checkpointPath)
        if let last = lastExport, last.key == key {
            state.setNotice("already exported to \(last.folder)/ (tag, untag or move the threshold to export again)", now: now); return
        }
        let folder = Self.exportFolder(in: options.exportDirectory, stamp: Self.timestamp())
        let report = ExportReport.make(state)
        guard exports.enqueue(ExportJob(folder: folder, ids: report.ids, json: report.json, indices: state.tagged.sorted(),
                                        threshold: state.threshold, colorMap: state.colorMap, session: session)) else {
            state.setNotice("\(ExportQueue.maxWaiting) exports are waiting already: press e again once they are written", now: now); return
        }
        lastExport = (key, folder)
        state.setNotice("exporting \(state.tagged.count) tagged to \(folder)/ …", now: now)
    }

    /// `<dir>/exports/tagged-<stamp>` (with `-2`, `-3`… when that folder exists already); the
    /// leading `./` of the default export dir is left out, so the notice reads `exports/…`.
    static func exportFolder(in dir: String, stamp: String) -> String {
        let base = (dir == "." || dir.isEmpty ? "" : (dir.hasSuffix("/") ? dir : dir + "/")) + "exports/tagged-" + stamp
        var folder = base, n = 1
        while FileManager.default.fileExists(atPath: folder) { n += 1; folder = "\(base)-\(n)" }
        return folder
    }
}

/// What an export depends on: the same key writes the same files.
struct ExportKey: Equatable {
    var tagged: Set<Int>
    var threshold: Double
    var colorMap: ColorMap
    var checkpoint: String
}

extension ExplorerState {
    /// Keeps the cursor inside the visible rows of the list.
    public mutating func ensureVisible(rows: Int) {
        guard rows > 0 else { return }
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + rows { scroll = cursor - rows + 1 }
        scroll = max(0, min(scroll, max(0, order.count - rows)))
    }
}
