import Foundation

/// Maps computed elsewhere, in the layout of the golden `metrics_inputs.safetensors`, so that
/// `sslsan eval --maps` scores them exactly like a model run:
///
/// | tensor | shape | content |
/// |---|---|---|
/// | `heatmap` | (N, 1, h, w) | positive raw maps |
/// | `heatmap_silence` | (N, 1, h, w) | silence maps (optional) |
/// | `heatmap_noise`, `heatmap_offscreen` | (N, 1, h, w) or (P, N, 1, h, w) | one or P passes (optional) |
/// | `bboxes` | (N, K, 4) int | [x0, y0, x1, y1] in 224-pixel units; all-zero rows are padding |
/// | `masks` | (N, 224, 224) u8 | ground-truth masks, instead of `bboxes` (optional) |
///
/// Optional `__metadata__`: `names` and `labels` (JSON lists of N strings). Scenes follow
/// vssl_eval's iIoU grouping: the file stem without its last `_token`.
///
/// Post-processing (how the maps become the thresholded 224² maps, `postProcessing(metadata:)`):
/// `post_processing` = "upsampler,scale,comparison" (`MapPostProcessing`'s text form, e.g.
/// `alignCorners,halfCosine,float32`), else `family` naming an sslsan family (`sslsan models`:
/// its vssl_eval post-processing; `testset` = "vggss" picks LVS / SSL-Align's VGG-SS upsampler),
/// else SSL-TIE's (cv2 for every map, raw values, float64 comparison), so files without these
/// keys score as before. A `family` that names no sslsan family (e.g. "ACL") is SSL-TIE's too.
public enum MapsFile {
    /// The post-processing a maps file's metadata asks for (see the type's documentation).
    public static func postProcessing(metadata: [String: String], file: String) throws -> MapPostProcessing {
        if let text = metadata["post_processing"] {
            guard let p = MapPostProcessing(text: text) else {
                throw SSLSaNError("metadata 'post_processing' '\(text)' is not 'upsampler,scale,comparison' (upsampler: \(MapPostProcessing.Upsampler.allCases.map(\.rawValue).joined(separator: "/")); scale: \(MapPostProcessing.Scale.allCases.map(\.rawValue).joined(separator: "/")); comparison: float64/float32)", file: file)
            }
            return p.resolved(vggss: metadata["testset"]?.lowercased() == "vggss")
        }
        let family = metadata["family"].flatMap(ModelFamily.init(name:))
        return (family?.specification.postProcessing ?? .sslTie).resolved(vggss: metadata["testset"]?.lowercased() == "vggss")
    }


    public static func read(_ path: String) throws -> [ScoredSample] {
        let f = try SafetensorsFile(path: path)
        guard let e = f.entry("heatmap") else { throw SSLSaNError("no 'heatmap' tensor (expected the layout of metrics_inputs.safetensors)", file: path) }
        guard e.shape.count >= 3 else { throw SSLSaNError("'heatmap' must be (N, 1, h, w), got \(e.shape)", file: path) }
        let n = e.shape[0], h = e.shape[e.shape.count - 2], w = e.shape[e.shape.count - 1]
        let hw = h * w

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

        func list(_ key: String) throws -> [String]? {
            guard let s = f.metadata[key] else { return nil }
            guard let a = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String], a.count == n else {
                throw SSLSaNError("metadata '\(key)' must be a JSON list of \(n) strings", file: path)
            }
            return a
        }
        let names = try list("names")
        let labels = try list("labels")
        let post = try postProcessing(metadata: f.metadata, file: path)
        return (0..<n).map { i in
            let id = names?[i] ?? String(format: "sample%05d", i)
            let stem = (id as NSString).deletingPathExtension
            let parts = stem.split(separator: "_", omittingEmptySubsequences: false)
            let scene = parts.count > 1 ? parts.dropLast().joined(separator: "_") : stem
            return ScoredSample(id: id, label: labels?[i] ?? "", scene: scene, positive: pos[0][i],
                                silence: silence?[0][i], noise: noise.map { $0[i] }, offscreen: offscreen.map { $0[i] },
                                groundTruth: gts[i], postProcessing: post)
        }
    }
}
