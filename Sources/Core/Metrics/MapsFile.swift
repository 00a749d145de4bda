import Foundation

/// Maps computed elsewhere (any model: ACL's CLIPSeg + BEATs maps, or `sslsan eval --write-maps`),
/// in the layout of the golden `metrics_inputs.safetensors`, so that `sslsan eval --maps` and
/// `sslsan explore --maps` score them exactly like a model run (the same `MetricSet`):
///
/// | tensor | shape | content |
/// |---|---|---|
/// | `heatmap` | (N, 1, h, w) | positive raw maps |
/// | `heatmap_silence` | (N, 1, h, w) | silence maps (optional) |
/// | `heatmap_noise`, `heatmap_offscreen` | (N, 1, h, w) or (P, N, 1, h, w) | one or P passes (optional) |
/// | `bboxes` | (N, K, 4) int | [x0, y0, x1, y1] in 224-pixel units; all-zero rows are padding |
/// | `masks` | (N, 224, 224) u8 | ground-truth masks, instead of `bboxes` (optional) |
/// | `visual_embedding`, `audio_embedding` | (N, C), (N, D) | ē_v and â for alignment and magnitude (optional) |
/// | `retrieval` | (N, N) | score(image n, audio k) for retrieval (optional) |
///
/// Optional `__metadata__`: `names`, `labels` and `scenes` (JSON lists of N strings),
/// `offscreen_sources` (JSON list of N lists of P ids: the sample whose audio each off-screen pass
/// played, so the explorer can play it) and `family`
/// (free text: the model the maps come from, shown by the explorer; e.g. "ACL"). Without `scenes`,
/// scenes follow vssl_eval's iIoU grouping: the file stem without its last `_token`. The maps
/// hold no pixels or audio: `explore --maps F --data DIR` finds each name in a dataset (`join`).
///
/// Post-processing (how the maps become the thresholded 224² maps, `postProcessing(metadata:)`):
/// `post_processing` = "upsampler,scale,comparison" (`MapPostProcessing`'s text form, e.g.
/// `alignCorners,halfCosine,float32`), else `family` naming an sslsan family (`sslsan models`:
/// its vssl_eval post-processing; `testset` = "vggss" picks LVS / SSL-Align's VGG-SS upsampler),
/// else SSL-TIE's (cv2 for every map, raw values, float64 comparison), so files without these
/// keys score as before. A `family` that names no sslsan family (e.g. "ACL") is SSL-TIE's too.
/// Every sample of a file has the one post-processing (`write` refuses a mix).
public enum MapsFile {
    /// The post-processing a maps file's metadata asks for (see the type's documentation).
    public static func postProcessing(metadata: [String: String], file: String) throws -> MapPostProcessing {
        if let text = metadata["post_processing"] {
            guard let p = MapPostProcessing(text: text) else {
                throw SSLSaNError("metadata 'post_processing' '\(text)' is not 'upsampler,scale,comparison' (upsampler: \(MapPostProcessing.Upsampler.allCases.map(\.rawValue).joined(separator: "/")); scale: \(MapPostProcessing.Scale.allCases.map(\.rawValue).joined(separator: "/")); comparison: float64/float32)", file: file)
            }
            return p.resolved(vggss: metadata["testset"]?.lowercased() == "vggss")
        }
        let family = metadata["family"].flatMap(ModelFamily.init(label:))
        return (family?.specification.postProcessing ?? .sslTie).resolved(vggss: metadata["testset"]?.lowercased() == "vggss")
    }

    /// Everything a maps file holds.
    public struct Contents: Sendable {
        /// One per sample, in file order (ids from `names`, else `sample00000`, …).
        public var samples: [ScoredSample]
        /// `retrieval` (N, N) when the file has it.
        public var retrievalScores: [[Float]]?
        /// The `family` metadata (nil when absent).
        public var family: String?
        /// The sslsan family `family` names, if it names one (for `eval --maps --threshold paper`).
        public var modelFamily: ModelFamily? { family.flatMap(ModelFamily.init(label:)) }

        /// The figures of these maps: what `eval --maps` prints and the explorer recounts.
        public var metrics: MetricSet { MetricSet(samples: samples, retrievalScores: retrievalScores) }
    }

    public static func read(_ path: String) throws -> [ScoredSample] { try load(path).samples }

    public static func load(_ path: String) throws -> Contents {
        let f = try SafetensorsFile(path: path)
        guard let e = f.entry("heatmap") else { throw SSLSaNError("no 'heatmap' tensor (expected the layout of metrics_inputs.safetensors)", file: path) }
        guard e.shape.count >= 3 else { throw SSLSaNError("'heatmap' must be (N, 1, h, w), got \(e.shape)", file: path) }
        let n = e.shape[0], h = e.shape[e.shape.count - 2], w = e.shape[e.shape.count - 1]
        let hw = h * w
        guard n > 0, hw > 0 else { throw SSLSaNError("'heatmap' holds no maps (shape \(e.shape))", file: path) }

        func maps(_ name: String) throws -> [[SimilarityMap]]? {
            guard let en = f.entry(name) else { return nil }
            let t = try f.tensor(name)
            let total = en.shape.reduce(1, *)
            guard en.shape.last == w, en.shape.count >= 2, en.shape[en.shape.count - 2] == h, total % (n * hw) == 0 else {
                throw SSLSaNError("'\(name)' has shape \(en.shape); expected (N=\(n), 1, \(h), \(w)) or (P, N, 1, \(h), \(w))", file: path)
            }
            let passes = total / (n * hw)
            return (0..<passes).map { p in
                (0..<n).map { i in
                    let base = (p * n + i) * hw
                    return SimilarityMap(width: w, height: h, values: Array(UnsafeBufferPointer(start: t.data + base, count: hw)))
                }
            }
        }
        let pos = try maps("heatmap")!
        guard pos.count == 1 else { throw SSLSaNError("'heatmap' must hold one map per sample", file: path) }
        let silence = try maps("heatmap_silence")
        let noise = try maps("heatmap_noise") ?? []
        let offscreen = try maps("heatmap_offscreen") ?? []

        var gts = [GroundTruthMap?](repeating: nil, count: n)
        if let be = f.entry("bboxes") {
            let v = try f.int64s("bboxes")
            guard be.shape.count == 3, be.shape[0] == n, be.shape[2] == 4 else {
                throw SSLSaNError("'bboxes' must be (N, K, 4), got \(be.shape)", file: path)
            }
            let k = be.shape[1]
            for i in 0..<n {
                let boxes = (0..<k).map { j in (0..<4).map { Int(v[(i * k + j) * 4 + $0]) } }
                gts[i] = GroundTruthMap.pixelBoxes(boxes)
            }
        } else if let me = f.entry("masks") {
            let s = GroundTruthMap.side
            guard me.shape == [n, s, s] else { throw SSLSaNError("'masks' must be (N, 224, 224), got \(me.shape)", file: path) }
            let v = try f.int64s("masks")
            for i in 0..<n { gts[i] = GroundTruthMap(pixels: v[(i * s * s)..<((i + 1) * s * s)].map { $0 >= 1 ? 1 : 0 }) }
        }

        /// Rows of an optional (N, D) tensor.
        func rows(_ name: String, columns: Int? = nil) throws -> [[Float]]? {
            guard let en = f.entry(name) else { return nil }
            guard en.shape.count == 2, en.shape[0] == n, en.shape[1] > 0, columns == nil || en.shape[1] == columns else {
                throw SSLSaNError("'\(name)' must be (N=\(n), \(columns.map { String($0) } ?? "D")), got \(en.shape)", file: path)
            }
            let t = try f.tensor(name), d = en.shape[1]
            return (0..<n).map { Array(UnsafeBufferPointer(start: t.data + $0 * d, count: d)) }
        }
        let visual = try rows("visual_embedding"), audio = try rows("audio_embedding")
        let retrieval = try rows("retrieval", columns: n)

        func list(_ key: String) throws -> [String]? {
            guard let s = f.metadata[key] else { return nil }
            guard let a = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String], a.count == n else {
                throw SSLSaNError("metadata '\(key)' must be a JSON list of \(n) strings", file: path)
            }
            return a
        }
        let names = try list("names")
        let labels = try list("labels")
        let scenes = try list("scenes")
        let post = try postProcessing(metadata: f.metadata, file: path)
        var sources: [[String]]?
        if let s = f.metadata["offscreen_sources"] {
            guard let a = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [[String]], a.count == n,
                  a.allSatisfy({ $0.count == offscreen.count }) else {
                throw SSLSaNError("metadata 'offscreen_sources' must be a JSON list of \(n) lists of \(offscreen.count) ids (one per off-screen pass)", file: path)
            }
            sources = a
        }
        let samples = (0..<n).map { i in
            let id = names?[i] ?? String(format: "sample%05d", i)
            return ScoredSample(id: id, label: labels?[i] ?? "", scene: scenes?[i] ?? defaultScene(id), positive: pos[0][i],
                                silence: silence?[0][i], noise: noise.map { $0[i] }, offscreen: offscreen.map { $0[i] },
                                offscreenSources: sources?[i] ?? [], groundTruth: gts[i], visualEmbedding: visual?[i], audioEmbedding: audio?[i],
                                postProcessing: post)
        }
        let family = f.metadata["family"].flatMap { $0.isEmpty ? nil : $0 }
        return Contents(samples: samples, retrievalScores: retrieval, family: family)
    }

    /// vssl_eval's iIoU grouping: the file stem without its last `_token`.
    static func defaultScene(_ id: String) -> String {
        let stem = (id as NSString).deletingPathExtension
        let parts = stem.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count > 1 ? parts.dropLast().joined(separator: "_") : stem
    }

    /// Writes scored samples (`sslsan eval --write-maps`) so that `load` gives them back: maps,
    /// ground truth as masks (the 224² raster itself, whatever it was made from), names, labels,
    /// scenes, the post-processing, off-screen sources, embeddings and retrieval when every sample
    /// has them. Every sample must have the same map size, post-processing, number of noise and
    /// off-screen passes and silence either always or never (the layout stacks them); the first
    /// sample that differs is named.
    public static func write(_ set: MetricSet, family: String?, to path: String) throws {
        let samples = set.samples
        guard let first = samples.first else { throw SSLSaNError("no samples to write", file: path) }
        let n = samples.count, h = first.positive.height, w = first.positive.width
        for s in samples {
            /// "sample B has …, sample A has …": the first sample that does not stack with the first one.
            func differs(_ mine: String, _ theirs: String) -> SSLSaNError {
                SSLSaNError("sample \(s.id) has \(mine) but sample \(first.id) has \(theirs); a maps file stacks every sample's maps alike", file: path)
            }
            let all = [s.positive] + (s.silence.map { [$0] } ?? []) + s.noise + s.offscreen
            if let m = all.first(where: { $0.width != w || $0.height != h }) { throw differs("a \(m.width)×\(m.height) map", "\(w)×\(h) maps") }
            if (s.silence == nil) != (first.silence == nil) {
                throw differs(s.silence == nil ? "no silence map" : "a silence map", first.silence == nil ? "none" : "one")
            }
            if s.noise.count != first.noise.count { throw differs("\(s.noise.count) noise pass(es)", "\(first.noise.count)") }
            if s.postProcessing != first.postProcessing { throw differs("post-processing \(s.postProcessing)", "\(first.postProcessing)") }
            if s.offscreen.count != first.offscreen.count {
                // A sample whose scene holds every class has no off-screen audio (and no map).
                throw differs("\(s.offscreen.count) off-screen pass(es)", "\(first.offscreen.count)")
            }
        }
        var out = SafetensorsWriter()
        func add(_ name: String, _ maps: [SimilarityMap], passes: Int) {
            let values = maps.flatMap(\.values)
            values.withUnsafeBufferPointer { out.add(name, floats: $0, shape: (passes > 1 ? [passes] : []) + [n, 1, h, w]) }
        }
        add("heatmap", samples.map(\.positive), passes: 1)
        if first.silence != nil { add("heatmap_silence", samples.map { $0.silence! }, passes: 1) }
        // Pass-major, as `load` reads (P, N, 1, h, w).
        for (name, key) in [("heatmap_noise", \ScoredSample.noise), ("heatmap_offscreen", \ScoredSample.offscreen)] {
            let p = first[keyPath: key].count
            if p > 0 { add(name, (0..<p).flatMap { k in samples.map { $0[keyPath: key][k] } }, passes: p) }
        }
        if samples.contains(where: { $0.groundTruth != nil }) {
            let side = GroundTruthMap.side
            let empty = [UInt8](repeating: 0, count: side * side)
            out.add("masks", uint8s: samples.flatMap { $0.groundTruth?.pixels ?? empty }, shape: [n, side, side])
        }
        for (name, key) in [("visual_embedding", \ScoredSample.visualEmbedding), ("audio_embedding", \ScoredSample.audioEmbedding)] {
            let rows = samples.compactMap { $0[keyPath: key] }
            guard rows.count == n, let d = rows.first?.count, d > 0, rows.allSatisfy({ $0.count == d }) else { continue }
            rows.flatMap { $0 }.withUnsafeBufferPointer { out.add(name, floats: $0, shape: [n, d]) }
        }
        if let r = set.retrievalScores, r.count == n, r.allSatisfy({ $0.count == n }) {
            r.flatMap { $0 }.withUnsafeBufferPointer { out.add("retrieval", floats: $0, shape: [n, n]) }
        }
        func json(_ a: [String]) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: a), as: UTF8.self) }
        out.metadata["names"] = json(samples.map(\.id))
        out.metadata["labels"] = json(samples.map(\.label))
        out.metadata["scenes"] = json(samples.map(\.scene))
        // Explicit (already resolved for the test set), so it wins over what `family` would name.
        out.metadata["post_processing"] = first.postProcessing.description
        if first.offscreen.count > 0, samples.allSatisfy({ $0.offscreenSources.count == $0.offscreen.count }) {
            out.metadata["offscreen_sources"] = String(decoding: try! JSONSerialization.data(withJSONObject: samples.map(\.offscreenSources)), as: UTF8.self)
        }
        if let family { out.metadata["family"] = family }
        try out.write(to: path)
    }

    /// Which dataset sample each maps-file sample is (nil: not found), for `explore --maps --data`:
    /// the id itself, else its file stem (`clip_0001.jpg` → `clip_0001`) as a sample id, else that
    /// stem as the stem of exactly one sample's image file (the image of several samples is no match).
    public static func join(_ ids: [String], with dataset: [Sample]) -> [Int?] {
        func stem(_ s: String) -> String { ((s as NSString).lastPathComponent as NSString).deletingPathExtension }
        var byID: [String: Int] = [:], byImage: [String: [Int]] = [:]
        for (k, s) in dataset.enumerated() {
            if byID[s.id] == nil { byID[s.id] = k }
            if !s.imagePath.isEmpty { byImage[stem(s.imagePath), default: []].append(k) }
        }
        return ids.map { id in
            if let k = byID[id] ?? byID[stem(id)] { return k }
            if let ks = byImage[stem(id)], ks.count == 1 { return ks[0] }
            return nil
        }
    }
}
