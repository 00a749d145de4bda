import Foundation

/// One train-mode step on a batch laid out like `golden/train_step.safetensors` (the `sslsan debug
/// train-step` command and the parity tests): inputs `images_u8` (B,3,S,S) U8, `spec_pos`,
/// `spec_noise`, `spec_silence_value`, and for `full` the fixed transform `full/tf_matrices`
/// (B,2,3) with an optional `full/tf_hflip` scalar (0 = no flip; absent = flip, the golden step's
/// setting).
public enum TrainStepDebug {
    public enum Variant: String, Sendable, CaseIterable { case core, full }

    /// Parameters whose gradients / post-Adam values the golden file stores.
    public static let watchedParameters = [
        "audnet.bn1.bias", "audnet.conv1_a.weight", "audnet.layer4.1.conv2.weight[:8]", "imgnet.bn1.weight",
        "imgnet.conv1.weight", "imgnet.layer2.0.downsample.1.weight", "imgnet.layer4.1.bn2.bias", "imgnet.layer4.1.bn2.weight",
    ]
    public static let watchedBuffers = [
        "audnet.bn1.num_batches_tracked", "audnet.bn1.running_mean", "audnet.bn1.running_var", "audnet.layer4.1.bn2.running_var",
        "imgnet.bn1.num_batches_tracked", "imgnet.bn1.running_mean", "imgnet.bn1.running_var", "imgnet.layer4.1.bn2.running_var",
    ]

    /// ImageNet normalisation of u8 images: (x/255 − mean)/std in float32.
    public static func normalise(u8 t: Tensor) -> Tensor {
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        let (b, c) = (t.shape[0], t.shape[1])
        let hw = t.count / (b * c)
        let out = Tensor(shape: t.shape)
        for n in 0..<b { for ch in 0..<c {
            let o = (n * c + ch) * hw
            for i in 0..<hw { out[o + i] = (t[o + i] / 255 - mean[ch]) / std[ch] }
        } }
        return out
    }

    public static func batch(from f: SafetensorsFile) throws -> TrainBatch {
        let images = normalise(u8: try f.tensor("images_u8"))
        let pos = try f.tensor("spec_pos")
        let silenceValue = try f.tensor("spec_silence_value")[0]
        return TrainBatch(images: images, specPos: pos, specSilence: Tensor(shape: pos.shape, repeating: silenceValue),
                          specNoise: try f.tensor("spec_noise"))
    }

    public static let flipKey = "full/tf_hflip"

    /// The 2×3 matrices → transform. The scale is read from the matrix norm, the horizontal flip
    /// from `full/tf_hflip` (absent: on, as in the golden step).
    public static func transform(from f: SafetensorsFile) throws -> EquivarianceTransform {
        let flip = f.contains(flipKey) ? try f.tensor(flipKey)[0] != 0 : true
        let m = try f.tensor("full/tf_matrices")
        let b = m.shape[0]
        let mats = (0..<b).map { n in (0..<6).map { Double(m[n * 6 + $0]) } }
        let s = (mats[0][0] * mats[0][0] + mats[0][1] * mats[0][1]).squareRoot()
        return EquivarianceTransform(matrices: mats, scale: (s * 1000).rounded() / 1000, flip: flip)
    }

    static func slice(_ name: String, _ t: Tensor) -> Tensor {
        guard name.hasSuffix("[:8]") else { return t.copy() }
        let per = t.count / t.shape[0]
        return Tensor(shape: [8] + Array(t.shape.dropFirst()), values: Array(UnsafeBufferPointer(start: t.data, count: 8 * per)))
    }

    /// Runs one step (and, for `core`, the Adam update) and returns tensors under the golden names.
    public static func run(model: SSLSaNModel, batch: TrainBatch, variant: Variant, transform: EquivarianceTransform?,
                           lr: Float = 1e-4, weightDecay: Float = 1e-4, parallel: Bool = true) -> [String: Tensor] {
        var obj = TrainObjective(config: model.config)
        obj.parallelBranches = parallel
        let opt = AdamOptimizer(params: model.parameters, lr: lr, weightDecay: weightDecay)
        opt.zeroGrad()
        let r = obj.step(model: model, batch: batch, transform: variant == .full ? transform : nil)
        let p = variant.rawValue + "/"
        var out: [String: Tensor] = [:]
        func scalar(_ v: Float?) -> Tensor? { v.map { Tensor(shape: [1], values: [$0]) } }
        out[p + "loss_total"] = scalar(r.lossTotal)
        out[p + "loss_cl"] = scalar(r.lossCL)
        out[p + "loss_S"] = scalar(r.lossS)
        out[p + "loss_N"] = scalar(r.lossN)
        if variant == .full {
            out[p + "loss_cl_ts"] = scalar(r.lossCLts)
            out[p + "loss_equiv"] = scalar(r.lossEquiv)
            out[p + "heatmap"] = r.simMap
            out[p + "heatmap_ts"] = r.heatmapTS
            out[p + "ts_heatmap"] = r.tsHeatmap
            out[p + "transformed_images"] = r.transformedImages
        } else {
            out[p + "logits"] = r.logits
            out[p + "sim_map"] = r.simMap
        }
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        for w in watchedParameters {
            let base = w.replacingOccurrences(of: "[:8]", with: "")
            if let prm = byName[base] { out[p + "grad/" + w] = slice(w, prm.grad) }
        }
        if variant == .core {
            opt.update()
            for w in watchedParameters {
                let base = w.replacingOccurrences(of: "[:8]", with: "")
                if let prm = byName[base] { out[p + "after_adam/" + w] = slice(w, prm.value) }
            }
            let bns = Dictionary(uniqueKeysWithValues: model.batchNorms.map { ($0.name, $0.bn) })
            for w in watchedBuffers {
                let parts = w.split(separator: ".")
                let bn = parts.dropLast().joined(separator: "."), field = String(parts.last!)
                guard let b = bns[bn] else { continue }
                switch field {
                case "running_mean": out[p + "after_step_buffer/" + w] = b.runningMean.copy()
                case "running_var": out[p + "after_step_buffer/" + w] = b.runningVar.copy()
                default: out[p + "after_step_buffer/" + w] = Tensor(shape: [], values: [Float(b.numBatchesTracked)])
                }
            }
        }
        return out
    }

    public static func write(_ tensors: [String: Tensor], to path: String) throws {
        var w = SafetensorsWriter(metadata: ["producer": "sslsan debug train-step"])
        for k in tensors.keys.sorted() {
            if k.hasSuffix("num_batches_tracked") { w.add(k, int64s: [Int64(tensors[k]![0])], shape: []) } else { w.add(k, tensors[k]!) }
        }
        try w.write(to: path)
    }

    // MARK: comparison (llm.c-style agreement table)

    public struct Row: Sendable {
        public var name: String
        public var kind: String
        public var relL2: Double
        public var maxAbs: Double
        public var cosine: Double
        public var fracWithin1e6: Double
        public var pass: Bool
        public var limit: String
    }

    static func stats(_ a: Tensor, _ b: Tensor) -> (Double, Double, Double, Double) {
        var d2 = 0.0, b2 = 0.0, a2 = 0.0, ab = 0.0, mx = 0.0, within = 0
        for i in 0..<min(a.count, b.count) {
            let x = Double(a[i]), y = Double(b[i]), d = x - y
            d2 += d * d; b2 += y * y; a2 += x * x; ab += x * y; mx = max(mx, abs(d))
            if abs(d) <= 1e-6 { within += 1 }
        }
        let rel = b2 > 0 ? (d2 / b2).squareRoot() : d2.squareRoot()
        let cos = a2 > 0 && b2 > 0 ? ab / (a2 * b2).squareRoot() : (d2 == 0 ? 1 : 0)
        return (rel, mx, cos, Double(within) / Double(max(1, b.count)))
    }

    /// Compares our tensors with the golden ones under the golden README's tolerances.
    public static func compare(_ ours: [String: Tensor], golden f: SafetensorsFile, variant: Variant) throws -> [Row] {
        var rows: [Row] = []
        let p = variant.rawValue + "/"
        for name in f.names where name.hasPrefix(p) && ours[name] != nil {
            let g = try f.tensor(name), o = ours[name]!
            let (rel, mx, cos, within) = stats(o, g)
            let short = String(name.dropFirst(p.count))
            var kind = "tensor", pass = true, limit = ""
            if short.hasPrefix("loss") {
                kind = "loss"; let tol = variant == .core ? 1e-5 : 1e-4
                pass = rel <= tol; limit = "rel ≤ \(tol)"
            } else if short.hasPrefix("grad/") {
                kind = "grad"
                if short.contains("layer4") {
                    pass = rel <= 1e-4; limit = "relL2 ≤ 1e-4"
                } else {
                    pass = rel <= 2e-2 && cos >= 0.9998; limit = "relL2 ≤ 2e-2, cos ≥ 0.9998"
                }
            } else if short.hasPrefix("after_adam/") {
                kind = "adam"; pass = mx <= 2.1e-4 && within >= 0.99; limit = "|d| ≤ 2.1e-4, ≥99% ≤ 1e-6"
            } else if short.hasPrefix("after_step_buffer/") {
                kind = "buffer"
                if short.hasSuffix("num_batches_tracked") { pass = mx == 0; limit = "exact" } else { pass = rel <= 1e-5; limit = "rel ≤ 1e-5" }
            } else if short == "logits" {
                kind = "logits"; pass = mx <= 1e-3; limit = "abs ≤ 1e-3"
            } else {
                kind = "map"; pass = mx <= (variant == .core ? 1e-5 : 1e-4); limit = variant == .core ? "abs ≤ 1e-5" : "abs ≤ 1e-4"
            }
            rows.append(Row(name: short, kind: kind, relL2: rel, maxAbs: mx, cosine: cos, fracWithin1e6: within, pass: pass, limit: limit))
        }
        return rows
    }

    public static func table(_ rows: [Row]) -> String {
        var s = String(format: "%-48@ %10@ %10@ %10@ %8@  %@\n", "tensor" as NSString, "relL2" as NSString, "maxabs" as NSString,
                       "cosine" as NSString, "≤1e-6" as NSString, "verdict" as NSString)
        for r in rows {
            s += String(format: "%-48@ %10.2e %10.2e %10.7f %7.2f%%  %@ (%@)\n", r.name as NSString, r.relL2, r.maxAbs, r.cosine,
                        100 * r.fracWithin1e6, (r.pass ? "OK" : "FAIL") as NSString, r.limit as NSString)
        }
        return s
    }
}
