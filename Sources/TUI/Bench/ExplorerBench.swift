import Foundation
import Core
import Render

/// Explorer speed figures for `sslsan bench`: frame composition at 200×60, audio-condition swap
/// latency with cached and uncached embeddings, and live-playback map updates per second.
public enum ExplorerBench {
    /// - Parameters:
    ///   - checkpoint: model to measure (nil: a random-weight `demo` configuration model).
    ///   - data: dataset folder whose first sample is used (nil: one generated scene).
    ///   - seconds: time budget per measurement.
    public static func run(checkpoint: String? = nil, data: String? = nil, seconds: Double = 1.5) throws -> [String: Double] {
        BLAS.threads = 1
        let model: any ExplorerModel = try checkpoint.map { try SSLSaNExplorerModel(path: $0) }
            ?? SSLSaNExplorerModel(model: SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1), name: "random-demo")
        let image: RGBImage, clip: [Float], sample: Sample, gt: GroundTruthMap?
        if let d = data, let ds = try? Backends.dataset(d), let s = ds.samples.first {
            image = try ds.image(s); clip = try ds.audio(s, sampleRate: model.sampleRate).samples; sample = s; gt = ds.groundTruth(s)
        } else {
            let scene = SceneGenerator(seed: 1).scene(index: 0)
            image = scene.image; clip = scene.objects[0].clip.samples
            sample = Sample(id: scene.id, imagePath: "", audioPath: "", label: scene.objects[0].cls.rawValue, boxes: [scene.objects[0].box])
            gt = GroundTruthMap.boxes([scene.objects[0].box])
        }
        var out: [String: Double] = [:]
        func timeIt(_ body: () throws -> Void) rethrows -> Double {
            var n = 0
            let t0 = monotonicSeconds()
            repeat { try body(); n += 1 } while monotonicSeconds() - t0 < seconds && n < 1000
            return (monotonicSeconds() - t0) / Double(n)
        }
        // Encode once, as the scene worker does.
        let t0 = monotonicSeconds()
        let v = try model.encodeImage(image)
        out["image_encode_ms"] = (monotonicSeconds() - t0) * 1000
        let embeddings = [model.encodeAudio(clip, negative: false), model.silenceEmbedding(), model.noiseEmbedding(seed: 1),
                          model.encodeAudio(Array(clip.reversed()), negative: false)]
        var state = ExplorerState(datasetName: "bench", checkpointName: model.name, samples: [sample])
        var sc = SceneState(sampleIndex: 0)
        sc.image = SceneWorker.displayCopy(image)
        sc.groundTruth = gt
        sc.maps = embeddings.map { similarityMap(visual: v, audio: $0) }
        sc.waves = [clip, [Float](repeating: 0, count: clip.count), clip, clip]
        sc.durations = sc.waves.map { Double($0.count) / Double(model.sampleRate) }
        sc.audioLabels = [sample.label, "silence", "noise", "other"]
        sc.loading = false
        state.scene = sc
        state.scores[0] = SampleScore(maxes: sc.maps.map { $0!.max }, counts: gt.map { ThresholdCounts(positive: sc.maps[0]!, negatives: sc.maps[1...3].map { $0! }, groundTruth: $0.pixels) })
        state.scoringDone = 1
        state.recomputeFigures()
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
            let e = model.encodeAudio(clip, negative: false)
            state.scene!.maps[0] = similarityMap(visual: v, audio: e)
            _ = state.handle(.char("1"), now: 0, size: size)
            _ = MainScreen.render(state, width: size.width, height: size.height)
        } * 1000
        // Live playback: 1 s windows tiled to the model window, encoded and mapped back to back.
        let win = model.sampleRate
        var pos = 0
        let live = timeIt {
            let a = pos % max(1, clip.count - win)
            let w = Array(clip[a..<min(clip.count, a + win)])
            _ = similarityMap(visual: v, audio: model.encodeAudio(w, negative: false))
            pos += win / 10
        }
        out["live_map_updates_per_s"] = 1 / live
        out["image_feature_cache_hit_map_ms"] = timeIt { _ = similarityMap(visual: v, audio: embeddings[0]) } * 1000
        return out
    }
}
