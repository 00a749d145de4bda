import Foundation
import XCTest
@testable import Core

/// Parity of the zoo families with `../shared/golden/zoo/<model>/vectors.safetensors`, within each
/// README's tolerances: front end (from input.png / input.wav / the stored noise), intermediates,
/// embeddings, native maps and 224×224 maps, for the positive, silence and noise inputs. The
/// weights come from the documented fill (`ZooWeights`), loaded through `ZooModel.load(from:)`.
final class ZooGoldenTests: XCTestCase {
    struct Row { let name: String; let err: Float; let tol: Float; var ok: Bool { err <= tol } }

    final class Checker {
        let vectors: SafetensorsFile
        unowned let test: XCTestCase
        var rows: [Row] = []
        /// Per-tensor max-abs tolerances from the README's table (EZ-VSL, FNAC, SLAVC).
        var table: [String: Float] = [:]
        init(_ v: SafetensorsFile, _ t: XCTestCase) { vectors = v; test = t }
        func ref(_ k: String) throws -> Tensor { try vectors.tensor(k) }
        func has(_ k: String) -> Bool { vectors.contains(k) }
        func add(_ name: String, _ ours: Tensor, _ ref: Tensor, tol: Float) {
            XCTAssertEqual(ours.count, ref.count, name)
            rows.append(Row(name: name, err: test.maxAbsDiff(ours, ref), tol: tol))
        }
        func absolute(_ k: String, _ ours: Tensor, tol: Float) throws { add(k, ours, try ref(k), tol: table[k] ?? tol) }
        func relative(_ k: String, _ ours: Tensor, scale: Float = 1e-5) throws {
            let r = try ref(k)
            add(k, ours, r, tol: table[k] ?? scale * test.absMax(r))
        }
    }

    func doubles(_ file: SafetensorsFile, _ name: String) throws -> [Double] {
        let b = try file.rawBytes(name)
        var out: [Double] = []
        out.reserveCapacity(b.count / 8)
        for i in stride(from: 0, to: b.count, by: 8) {
            var bits: UInt64 = 0
            for j in 0..<8 { bits |= UInt64(b[i + j]) << UInt64(8 * j) }
            out.append(Double(bitPattern: bits))
        }
        return out
    }

    func report(_ family: ModelFamily, _ c: Checker) {
        print("\(family.displayName) golden parity: \(pad("tensor", 36)) \(pad("max|diff|", 11)) \(pad("tolerance", 11))")
        for r in c.rows {
            print("  \(pad(r.name, 44)) \(pad(String(format: "%.2e", r.err), 11)) \(pad(String(format: "%.2e", r.tol), 11)) \(r.ok ? "OK" : "FAIL")")
            XCTAssertLessThanOrEqual(r.err, r.tol, "\(family.displayName) \(r.name)")
        }
    }

    func load(_ family: ModelFamily, _ dir: String) throws -> (ZooModel, Checker) {
        let m = ZooModel(family: family)
        try m.load(from: ZooWeights(keys: SharedData.path("golden/zoo/\(dir)/keys.txt")))
        XCTAssertEqual(m.unexpectedKeys, [], "\(family.displayName): keys.txt entries the model neither reads nor knows")
        let c = Checker(try SafetensorsFile(path: SharedData.path("golden/zoo/\(dir)/vectors.safetensors")), self)
        // README tolerance table rows: | `name` | ref | diff | tol |
        let readme = try String(contentsOfFile: SharedData.path("golden/zoo/\(dir)/README.md"), encoding: .utf8)
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let f = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if f.count == 4, let tol = Float(f[3]) { c.table[f[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = tol }
        }
        return (m, c)
    }

    func inputs() throws -> (RGBImage, AudioClip) {
        (try ImageFile.read(SharedData.path("golden/input.png")), try AudioFile.read(SharedData.path("golden/input.wav"), sampleRate: 16000))
    }

    /// Intermediates seen during a forward, compared as the file stores them.
    func intermediates(_ c: Checker, _ prefix: String, _ seen: [String: Tensor]) throws {
        for (x, t) in seen.sorted(by: { $0.key < $1.key }) {
            let key = prefix.isEmpty ? x : "\(prefix).\(x)"
            if c.has(key + ".crop") {
                let r = try c.ref(key + ".crop")
                c.add(key + ".crop", crop(t, r.shape[2]), r, tol: c.table[key] ?? 1e-5 * absMax(r))
            }
            if c.has(key) { try c.relative(key, t) }
            if c.has(key + ".chan_mean") {
                try c.relative(key + ".chan_mean", channelMean(t))
                try c.relative(key + ".chan_absmax", channelAbsMax(t))
            }
        }
    }

    // MARK: - LVS and SSL-Align (one network)

    func testLVSGoldenParity() throws { try lvsFamily(.lvs, "lvs") }
    func testSSLAlignGoldenParity() throws { try lvsFamily(.sslAlign, "sslalign") }

    func lvsFamily(_ family: ModelFamily, _ dir: String) throws {
        let (m, c) = try load(family, dir)
        let (png, wav) = try inputs()
        // Front end.
        try c.absolute("image", m.imageInput(png), tol: 0)
        guard case .scipy(let window, let noverlap, let crop, let logNeg) = m.specification.audioFrontEnd else { return XCTFail("front end") }
        let fe = ScipyLogSpectrogram(window: window, noverlap: noverlap, cropFrames: crop, logNegatives: logNeg)
        try c.absolute("waveform", Tensor(shape: [48000], values: window.samples(wav).map(Float.init)), tol: 0)
        if c.has("tukey_window") { try c.absolute("tukey_window", Tensor(shape: [512], values: fe.tukey.map(Float.init)), tol: 1e-7) }
        try c.absolute("spec", m.audioInput(wav), tol: 2.4e-7)
        try c.absolute("spec_silence", m.negativeInput(.silence, seed: 0), tol: 0)
        try c.absolute("spec_noise", fe.tensor(samples: doubles(c.vectors, "noise_waveform"), log: logNeg), tol: 2.4e-7)
        // Network from the stored inputs.
        var seen: [String: Tensor] = [:]
        let v = m.imageEmbedding(try c.ref("image")) { seen[$0] = $1 }
        try intermediates(c, "imgnet", seen.filter { $0.key != "layer4" })
        if c.has("img_feat") { try c.absolute("img_feat", v, tol: 1e-5) }
        if c.has("img_feat_raw") { try c.relative("img_feat_raw", seen["layer4"]!) }
        for (suffix, key) in [("", "spec"), ("_silence", "spec_silence"), ("_noise", "spec_noise")] {
            var aseen: [String: Tensor] = [:]
            let a = m.audioEmbedding(try c.ref(key)) { aseen[$0] = $1 }
            if suffix.isEmpty { try intermediates(c, "audnet", aseen) }
            if c.has("aud_pooled" + suffix) { try c.relative("aud_pooled" + suffix, SimilarityHead.globalMax(aseen["layer4"]!)) }
            try c.absolute("aud_emb" + suffix, a, tol: 1e-5)
            let map = m.maps(visual: v, index: 0, audio: a)[0]
            try c.absolute("map14" + suffix, Tensor(shape: [1, 1, 14, 14], values: map.values), tol: 1e-5)
            let pp = m.specification.postProcessing
            if suffix.isEmpty {
                try c.absolute("map224_cv2", Tensor(shape: [224 * 224], values: pp.resolved(vggss: true).upsample(map)), tol: 1e-5)
                try c.absolute("map224_bilinear_ac", Tensor(shape: [224 * 224], values: pp.resolved(vggss: false).upsample(map)), tol: 1e-5)
            } else {
                try c.absolute("map224_cv2" + suffix, Tensor(shape: [224 * 224], values: pp.upsample(map, negative: true)), tol: 1e-5)
            }
        }
        XCTAssertEqual(m.specification.paperThreshold, family == .lvs ? 0.6077 : 0.3175)
        report(family, c)
    }

    // MARK: - EZ-VSL, FNAC, SLAVC

    func testEZVSLGoldenParity() throws { try projectedFamily(.ezvsl, "ezvsl") }
    func testFNACGoldenParity() throws { try projectedFamily(.fnac, "fnac") }
    func testSLAVCGoldenParity() throws { try projectedFamily(.slavc, "slavc") }

    func projectedFamily(_ family: ModelFamily, _ dir: String) throws {
        let (m, c) = try load(family, dir)
        let (png, wav) = try inputs()
        try c.absolute("image", m.imageInput(png), tol: 1e-6)
        guard case .scipy(let window, let noverlap, let crop, let logNeg) = m.specification.audioFrontEnd else { return XCTFail("front end") }
        let fe = ScipyLogSpectrogram(window: window, noverlap: noverlap, cropFrames: crop, logNegatives: logNeg)
        try c.absolute("stft_window", Tensor(shape: [512], values: fe.tukey.map(Float.init)), tol: 1e-7)
        let wave = window.samples(wav)
        let head = try doubles(c.vectors, "wave_head")
        c.rows.append(Row(name: "wave_head (float64)", err: Float(zip(wave, head).map { abs($0 - $1) }.max() ?? .infinity), tol: 1e-15))
        try c.absolute("spec", m.audioInput(wav), tol: 1e-6)
        try c.absolute("spec_silence", m.negativeInput(.silence, seed: 0), tol: 0)
        try c.absolute("spec_noise", fe.tensor(samples: doubles(c.vectors, "noise_wave"), log: logNeg), tol: 1e-6)

        var seen: [String: Tensor] = [:]
        let v = m.imageEmbedding(try c.ref("image")) { seen[$0] = $1 }
        try intermediates(c, "imgnet", seen)
        for k in ["img_proj", "img_proj1", "img_proj2"] where c.has(k) { try c.absolute(k, seen[k]!, tol: 1e-3) }
        let halves = m.imageProjections.count
        func half(_ t: Tensor, _ i: Int, _ parts: Int) -> Tensor {
            let n = t.count / parts
            return Tensor(shape: [n], values: Array(t.array[(i * n)..<((i + 1) * n)]))
        }
        if halves == 1 { try c.absolute("img_feat", v, tol: 3e-6) }
        else { for i in 0..<2 { try c.absolute("img_feat\(i + 1)", half(v, i, 2), tol: 3e-6) } }
        for (suffix, key) in [("_pos", "spec"), ("_silence", "spec_silence"), ("_noise", "spec_noise")] {
            let s = suffix == "_pos" ? "" : suffix
            var aseen: [String: Tensor] = [:]
            let a = m.audioEmbedding(try c.ref(key)) { aseen[$0] = $1 }
            if s.isEmpty {
                try intermediates(c, "audnet", aseen.filter { !$0.key.hasPrefix("aud_") })
                for k in ["aud_proj", "aud_proj1", "aud_proj2"] where c.has(k) { try c.absolute(k, aseen[k]!, tol: 1e-3) }
            }
            try c.absolute("aud_pooled" + s, aseen["aud_pooled"]!, tol: 1e-3)
            if halves == 1 { try c.absolute("aud_emb" + s, a, tol: 2e-6) }
            else { for i in 0..<2 { try c.absolute("aud_emb\(i + 1)" + s, half(a, i, 2), tol: 2e-6) } }
            let map = m.maps(visual: v, index: 0, audio: a)[0]
            try c.absolute("map7" + suffix, Tensor(shape: [49], values: map.values), tol: 2e-6)
            let pp = m.specification.postProcessing
            if s.isEmpty {
                try c.absolute("map224_pos", Tensor(shape: [224 * 224], values: pp.upsample(map)), tol: 2e-6)
                try c.absolute("map224_pos_cv2", Tensor(shape: [224 * 224], values: pp.upsample(map, negative: true)), tol: 2e-6)
            } else {
                try c.absolute("map224" + s, Tensor(shape: [224 * 224], values: pp.upsample(map, negative: true)), tol: 2e-6)
            }
        }
        XCTAssertEqual(m.specification.paperThreshold, [ModelFamily.ezvsl: 0.6382, .fnac: 0.5538, .slavc: 0.5450][family])
        report(family, c)
    }

    // MARK: - RCGrad

    func testRCGradGoldenParity() throws {
        let (m, c) = try load(.rcgrad, "rcgrad")
        let (png, wav) = try inputs()
        let fe = RCGradSpectrogram()
        try c.absolute("image", m.imageInput(png), tol: 0)
        try c.absolute("hann_window", Tensor(shape: [512], values: fe.hann.map(Float.init)), tol: 2e-7)
        let w = fe.waveform(wav)
        try c.absolute("waveform", Tensor(shape: [w.count], values: w), tol: 0)
        // spec_in from the waveforms: rel L2 ≤ 1e-4, max ≤ 1e-2 (README).
        for (k, wave) in [("spec_in", w), ("spec_in_noise", try c.ref("waveform_noise").array)] {
            let ours = fe.tensor(waveform: wave), ref = try c.ref(k)
            c.add(k, ours, ref, tol: 1e-2)
            var num = 0.0, den = 0.0
            for i in 0..<ref.count { num += Double(ours[i] - ref[i]) * Double(ours[i] - ref[i]); den += Double(ref[i]) * Double(ref[i]) }
            c.rows.append(Row(name: k + " (rel L2)", err: Float((num / den).squareRoot()), tol: 1e-4))
        }
        // Silence: the float64 standardisation of a constant is ~0 (README: 7.1e-6; PyTorch float32 gives 0.99982).
        c.rows.append(Row(name: "spec_in_silence (float64: ~0)", err: fe.negative(.silence, waveform: []).array.map(abs).max()!, tol: 1e-5))

        var seen: [String: Tensor] = [:]
        let f = m.imageEmbedding(try c.ref("image")) { seen[$0] = $1 }
        try intermediates(c, "image_encoder", seen.filter { $0.key != "layer4" })
        try c.relative("img_layer4", f)
        try c.relative("img_emb", SimilarityHead.globalMean(f))
        for mode in ["", "audeval_"] {
            m.audioBatchStatistics = mode.isEmpty
            for s in ["", "_silence", "_noise"] {
                var aseen: [String: Tensor] = [:]
                let a = m.audioEmbedding(try c.ref("spec_in" + s)) { aseen[$0] = $1 }
                if mode.isEmpty && s.isEmpty { try intermediates(c, "audio_encoder", aseen) }
                try c.relative(mode + "aud_emb" + s, a, scale: 1e-4)
                let map = m.maps(visual: f, index: 0, audio: a)[0]
                let cam = Tensor(shape: [196], values: map.values)
                try c.relative(mode + "cam14" + s, cam, scale: 1e-4)
                if mode.isEmpty {
                    try c.relative("cam14_formula" + s, cam, scale: 1e-4)
                    // 224² maps from the stored native map (README: absolute 1e-5 given cam14).
                    let stored = SimilarityMap(width: 14, height: 14, values: try c.ref("cam14" + s).array)
                    let up = m.specification.postProcessing.upsample(stored)
                    try c.absolute("map224_gradcam" + s, Tensor(shape: [up.count], values: up), tol: 1e-5)
                    let clean = MapResize.rcgradCleanPrediction(up), ref = try c.ref("map224" + s).array
                    let median = clean.filter { $0 > 0 }.min() ?? 0
                    var err: Float = 0
                    for i in 0..<ref.count where abs(up[i] - median) > 1e-5 { err = max(err, abs(clean[i] - ref[i])) }
                    c.rows.append(Row(name: "map224" + s + " (median-zeroed)", err: err, tol: 1e-5))
                }
            }
        }
        m.audioBatchStatistics = true
        XCTAssertNil(m.specification.paperThreshold)
        report(.rcgrad, c)
    }

    // MARK: - opening files of any family

    /// The family `LocalisationModels.open` falls back to (`ModelFamily.detect`), for each golden
    /// key list; FNAC has EZ-VSL's names and SSL-Align LVS's, so those two are named with `--model`.
    func testFamilyFromKeyNames() throws {
        for (dir, expected) in [("lvs", ModelFamily.lvs), ("sslalign", .lvs), ("ezvsl", .ezvsl), ("fnac", .ezvsl), ("slavc", .slavc), ("rcgrad", .rcgrad)] {
            let w = try ZooWeights(keys: SharedData.path("golden/zoo/\(dir)/keys.txt"))
            XCTAssertEqual(ModelFamily.detect(from: w)?.family, expected, dir)
        }
        XCTAssertEqual(ModelFamily(name: "EZ-VSL"), .ezvsl)
        XCTAssertEqual(ModelFamily(name: "ssl_align"), .sslAlign)
        XCTAssertEqual(ModelFamily(name: "SSL-TIE"), .sslTie)
        XCTAssertNil(ModelFamily(name: "acl"))
    }

    /// A missing tensor is one error line naming the file and the tensor.
    func testLoadNamesMissingTensors() throws {
        let w = try ZooWeights(keys: SharedData.path("golden/zoo/ezvsl/keys.txt"))
        let m = ZooModel(family: .slavc)
        XCTAssertThrowsError(try m.load(from: w)) { e in
            let line = "\(e)"
            XCTAssertTrue(line.contains("keys.txt") && line.contains("img_proj1.weight") && !line.contains("\n"), line)
        }
    }

    /// Two front doors, one number: `Evaluator.score` (eval, render, the explorer) gives the
    /// EZ-VSL golden maps for the positive and silence conditions of input.png / input.wav, as the
    /// direct path of `sslsan infer` (front end → embeddings → map) does.
    func testEvaluatorScoresTheZooLikeInfer() throws {
        let (m, c) = try load(.ezvsl, "ezvsl")
        let sample = Sample(id: "golden", imagePath: try SharedData.path("golden/input.png"), audioPath: try SharedData.path("golden/input.wav"),
                            label: "x", boxes: [[0.1, 0.1, 0.6, 0.6]])
        var options = Evaluator.Options()
        options.passes = 1; options.retrieval = false; options.parallelSamples = false
        let scored = try Evaluator(model: m, samples: [sample], options: options).score(sample: 0).sample
        let (png, wav) = try inputs()
        let v = m.imageEmbedding(m.imageInput(png))
        let direct = m.map(visual: v, audio: m.audioEmbedding(m.audioInput(wav)).array)
        XCTAssertLessThanOrEqual(maxAbsDiff(Tensor(shape: [49], values: scored.positive.values), Tensor(shape: [49], values: direct.values)), 1e-6)
        XCTAssertLessThanOrEqual(maxAbsDiff(Tensor(shape: [49], values: scored.positive.values), try c.ref("map7_pos")), 2e-6)
        XCTAssertLessThanOrEqual(maxAbsDiff(Tensor(shape: [49], values: scored.silence!.values), try c.ref("map7_silence")), 2e-6)
    }

    /// One model protocol, one cache: a zoo family goes through `EmbeddingCache` like SSL-TIE. The
    /// second run encodes nothing and scores the very same maps; the fingerprint names the family
    /// and the weights (a reloaded copy shares it, another family or SSL-TIE does not); audio read
    /// at the file's own rate is a different embedding, so it has its own entry.
    func testZooScoresThroughTheEmbeddingCache() throws {
        let (m, _) = try load(.ezvsl, "ezvsl")
        let (again, _) = try load(.ezvsl, "ezvsl")
        let (fnac, _) = try load(.fnac, "fnac")
        XCTAssertEqual(m.fingerprint(), again.fingerprint())
        XCTAssertNotEqual(m.fingerprint(), fnac.fingerprint())
        XCTAssertNotEqual(m.fingerprint(), SSLSaNModel(config: .full, seed: 0).fingerprint())
        XCTAssertTrue(m.fingerprint().hasPrefix("ez-vsl-"), m.fingerprint())

        let dir = NSTemporaryDirectory() + "sslsan-zoo-cache-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = try EmbeddingCache(directory: dir)
        let sample = Sample(id: "golden", imagePath: try SharedData.path("golden/input.png"), audioPath: try SharedData.path("golden/input.wav"),
                            label: "x", boxes: [[0.1, 0.1, 0.6, 0.6]])
        func score(_ model: ZooModel, nativeRate: Bool = false) throws -> (ScoredSample, misses: Int, hits: Int) {
            var options = Evaluator.Options()
            options.passes = 2; options.retrieval = false; options.parallelSamples = false
            options.cache = cache; options.nativeRate = nativeRate
            let before = cache.statistics
            let s = try Evaluator(model: model, samples: [sample], options: options).score(sample: 0).sample
            let after = cache.statistics
            return (s, after.misses - before.misses, after.hits - before.hits)
        }
        let cold = try score(m)
        XCTAssertEqual(cold.misses, 1 + 1 + 1 + 2)  // image, clip, silence, one noise per pass
        XCTAssertEqual(cold.hits, 0)
        let warm = try score(again)
        XCTAssertEqual(warm.misses, 0)
        XCTAssertEqual(warm.hits, 5)
        XCTAssertEqual(warm.0.positive.values, cold.0.positive.values)
        XCTAssertEqual(warm.0.silence!.values, cold.0.silence!.values)
        XCTAssertEqual(warm.0.noise.map(\.values), cold.0.noise.map(\.values))
        let native = try score(again, nativeRate: true)
        XCTAssertEqual(native.misses, 1, "the clip read at its own rate is its own cache entry")
    }

    // MARK: - the fill itself (zoo_weights.py's self-check values)

    func testZooWeightsFillMatchesPython() {
        XCTAssertEqual(ZooWeights.fnv1a64("imgnet.conv1.weight"), 1124547293776033126)
        XCTAssertEqual(ZooWeights.uniform("imgnet.conv1.weight", 4, seed: 0).map(Float.init), [0.27686378, -0.922708, -0.14773768, -1.662301])
        XCTAssertEqual(ZooWeights.values(name: "a.weight", shape: [2, 3, 1, 1], seed: 0)!,
                       [0.4823368, -0.46020937, -1.2372547, 1.2431002, -1.2770119, -1.3349797])
    }
}
