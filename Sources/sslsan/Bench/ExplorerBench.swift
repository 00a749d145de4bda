import Foundation
import Core
import Render
import TUI

/// Explorer speed figures for `sslsan bench`: frame composition at 200×60, audio-condition swap
/// latency with cached and uncached embeddings, and live-playback map updates per second.
public enum ExplorerBench {
    /// - Parameters:
    ///   - checkpoint: model to measure (nil: a random-weight `demo` configuration model).
    ///   - data: dataset folder whose first sample is used (nil: one generated scene).
    ///   - seconds: time budget per measurement.
    public static func run(checkpoint: String? = nil, data: String? = nil, family: ModelFamily? = nil, seconds: Double = 1.5) throws -> [String: Double] {
        ComputeBudget.apply(.jobPerCore())   // as the explorer runs
        let model: any ExplorerModel = try checkpoint.map { try SSLSaNExplorerModel(path: $0, family: family) }
            ?? SSLSaNExplorerModel(model: SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1), name: "random-demo")
        var out: [String: Double] = [:]
        func timeIt(_ body: () throws -> Void) rethrows -> Double { try ExplorerBench.timeIt(seconds, body) }
        let fx = try Fixture(model: model, data: data)
        out["image_encode_ms"] = fx.imageEncodeMS
        var state = fx.state
        let session = fx.session, v = fx.visual, embeddings = fx.embeddings, clip = fx.clip, scored = fx.scored
        let rate = session.sampleRate
        let size = (width: 200, height: 60)
        out["frame_200x60_ms"] = timeIt { _ = MainScreen.render(state, width: size.width, height: size.height) } * 1000
        out["frame_80x24_ms"] = timeIt { _ = MainScreen.render(state, width: 80, height: 24) } * 1000
        // Cached swap: the key and the next frame (all four maps are ready).
        var k = 0
        out["swap_cached_ms"] = timeIt {
            k += 1
            _ = state.handle(.char(Character(String(1 + k % 4))), now: 0, size: size)
            _ = MainScreen.render(state, width: size.width, height: size.height)
        } * 1000
        // Uncached swap: the audio encoder runs for the new clip, then the map and the frame.
        out["swap_uncached_ms"] = timeIt {
            let e = session.embedding(clip, condition: .positive)
            state.scene!.maps[0] = model.model.map(visual: v, audio: e)
            _ = state.handle(.char("1"), now: 0, size: size)
            _ = MainScreen.render(state, width: size.width, height: size.height)
        } * 1000
        // Live playback: 1 s windows tiled to the model window, encoded and mapped back to back.
        let win = rate
        var pos = 0
        let live = timeIt {
            let a = pos % max(1, clip.count - win)
            let w = Array(clip[a..<min(clip.count, a + win)])
            _ = model.model.map(visual: v, audio: session.embedding(w, condition: .positive))
            pos += win / 10
        }
        out["live_map_updates_per_s"] = 1 / live
        out["image_feature_cache_hit_map_ms"] = timeIt { _ = model.model.map(visual: v, audio: embeddings[0]) } * 1000
        // A threshold key on a 500-sample × 10-pass dataset: `MetricSet.report` at the new
        // threshold (every figure recounted exactly from the raw maps). The maps are this
        // sample's, shifted per copy so that no two are alike.
        let copies = (0..<500).map { k -> ScoredSample in
            func shifted(_ m: SimilarityMap, _ d: Float) -> SimilarityMap { SimilarityMap(width: m.width, height: m.height, values: m.values.map { $0 + d }) }
            let d = Float(k % 50) * 0.002
            return ScoredSample(id: "s\(k)", label: "c\(k % 7)", positive: shifted(scored.positive, d), silence: shifted(scored.silence!, d),
                                noise: (0..<10).map { shifted(scored.noise[0], d + Float($0) * 0.001) },
                                offscreen: (0..<10).map { shifted(scored.offscreen[0], d - Float($0) * 0.001) }, groundTruth: scored.groundTruth,
                                postProcessing: scored.postProcessing)
        }
        var big = ExplorerState(datasetName: "bench", checkpointName: model.name, samples: (0..<500).map { Sample(id: "s\($0)", imagePath: "", audioPath: "", label: "c\($0 % 7)") })
        big.apply(.metrics(MetricSet(samples: copies), rows: Array(0..<500), passes: 10, complete: true))
        var sign = 1.0
        out["threshold_key_500x10_ms"] = timeIt {
            sign = -sign
            _ = big.handle(.char(sign > 0 ? "+" : "-"), now: 0, size: size)
        } * 1000
        return out
    }

    /// Mean seconds per run of `body`, run for `seconds` (at most 1000 times).
    public static func timeIt(_ seconds: Double, _ body: () throws -> Void) rethrows -> Double {
        var n = 0
        let t0 = monotonicSeconds()
        repeat { try body(); n += 1 } while monotonicSeconds() - t0 < seconds && n < 1000
        return (monotonicSeconds() - t0) / Double(n)
    }

    /// One scene as the explorer holds it after the scene worker and the scorer are done: the
    /// first sample of `data` (or a generated scene), its four maps, a scored `MetricSet`.
    public struct Fixture {
        public var state: ExplorerState
        public let session: ModelSession
        public let visual: Tensor
        public let embeddings: [[Float]]
        public let clip: [Float]
        public let scored: ScoredSample
        public let imageEncodeMS: Double

        public init(model: any ExplorerModel, data: String?) throws {
            let image: RGBImage, clip: [Float], sample: Sample, gt: GroundTruthMap?
            if let d = data, let ds = try? Backends.dataset(d), let s = ds.samples.first {
                image = try ds.image(s); clip = try ds.audio(s, sampleRate: model.model.sampleRate).samples; sample = s; gt = ds.groundTruth(s)
            } else {
                let scene = SceneGenerator(seed: 1).scene(index: 0)
                image = scene.image; clip = scene.objects[0].clip.samples
                sample = Sample(id: scene.id, imagePath: "", audioPath: "", label: scene.objects[0].cls.rawValue, boxes: [scene.objects[0].box])
                gt = GroundTruthMap.boxes([scene.objects[0].box])
            }
            // Encode once, as the scene worker does (through the explorer's Core calls).
            let session = ModelSession(model: model, samples: [sample], passes: 1)
            let rate = session.sampleRate
            let t0 = monotonicSeconds()
            let v = model.model.imageEmbedding(image)
            imageEncodeMS = (monotonicSeconds() - t0) * 1000
            let embeddings = [session.embedding(clip, condition: .positive), session.embedding(session.negativeWaveform(.silence, pass: 0), condition: .silence),
                              session.embedding(session.negativeWaveform(.noise, pass: 0), condition: .noise),
                              session.embedding(Array(clip.reversed()), condition: .offscreen)]
            var state = ExplorerState(datasetName: "bench", checkpointName: model.name, samples: [sample])
            var sc = SceneState(sampleIndex: 0)
            sc.image = SceneWorker.displayCopy(image)
            sc.groundTruth = gt
            sc.postProcessing = session.postProcessing(for: 0)
            sc.maps = embeddings.map { model.model.map(visual: v, audio: $0) }
            sc.waves = [clip, [Float](repeating: 0, count: clip.count), clip, clip]
            sc.durations = sc.waves.map { Double($0.count) / Double(rate) }
            sc.audioLabels = [sample.label, "silence", "noise", "other"]
            sc.loading = false
            state.scene = sc
            let scored = ScoredSample(id: sample.id, label: sample.label, positive: sc.maps[0]!, silence: sc.maps[1]!, noise: [sc.maps[2]!],
                                      offscreen: [sc.maps[3]!], groundTruth: gt ?? GroundTruthMap.boxes(sample.boxes, convention: sample.boxConvention),
                                      postProcessing: session.postProcessing(for: 0))
            state.apply(.sample(0, scored, passes: 1, problem: nil))
            state.apply(.metrics(MetricSet(samples: [scored]), rows: [0], passes: 1, complete: true))
            self.state = state; self.session = session; visual = v; self.embeddings = embeddings; self.clip = clip; self.scored = scored
        }
    }
}
