import Foundation
import XCTest
@testable import Core

/// Eval-mode parity with the PyTorch reference (`../shared/golden`): the stored image and
/// log-mel go through `model.safetensors`, and every stored intermediate is compared within the
/// README's tolerances (intermediates: 1e-5·absmax; embeddings and maps: 1e-5 absolute).
/// Prints an llm.c-style table.
final class EngineGoldenTests: XCTestCase {
    struct Row { let name: String; let err: Float; let tol: Float; var ok: Bool { err <= tol } }

    func testGoldenForwardParity() throws {
        let vectors = try SafetensorsFile(path: SharedData.path("golden/vectors.safetensors"))
        let model = try SSLSaNModel.load(SharedData.path("golden/model.safetensors"))
        XCTAssertEqual(model.config, .full)
        var rows: [Row] = []

        func relative(_ name: String, _ ours: Tensor, _ ref: Tensor) {
            XCTAssertEqual(ours.shape, ref.shape, name)
            rows.append(Row(name: name, err: maxAbsDiff(ours, ref), tol: 1e-5 * max(absMax(ref), 1e-30)))
        }
        func absolute(_ name: String, _ ours: Tensor, _ ref: Tensor, tol: Float = 1e-5) {
            XCTAssertEqual(ours.shape, ref.shape, name)
            rows.append(Row(name: name, err: maxAbsDiff(ours, ref), tol: tol))
        }
        /// crop / full map / per-channel mean / per-channel absmax, whichever the file holds.
        func intermediates(_ prefix: String, _ seen: [String: Tensor]) throws {
            for (x, t) in seen.sorted(by: { $0.key < $1.key }) {
                let key = "\(prefix).\(x)"
                if vectors.contains(key + ".crop") {
                    let ref = try vectors.tensor(key + ".crop")
                    relative(key + ".crop", crop(t, ref.shape[2]), ref)
                }
                if vectors.contains(key) { relative(key, t, try vectors.tensor(key)) }
                if vectors.contains(key + ".chan_mean") {
                    relative(key + ".chan_mean", channelMean(t), try vectors.tensor(key + ".chan_mean"))
                    relative(key + ".chan_absmax", channelAbsMax(t), try vectors.tensor(key + ".chan_absmax"))
                }
            }
        }

        // Image branch, with intermediates.
        var imgSeen: [String: Tensor] = [:]
        let imgRaw = model.imageEncoder.forward(try vectors.tensor("image")) { imgSeen[$0] = $1 }
        try intermediates("imgnet", imgSeen)
        relative("img_feat_raw", imgRaw, try vectors.tensor("img_feat_raw"))
        let imgFeat = SimilarityHead.normalizeVisual(imgRaw).vhat
        absolute("img_feat", imgFeat, try vectors.tensor("img_feat"))
        // The fused eval path must agree with the observed (unfused stem) path.
        let fused = model.encodeImage(try vectors.tensor("image"))
        absolute("img_feat (fused stem)", fused, try vectors.tensor("img_feat"))

        // Audio branch, with intermediates.
        var audSeen: [String: Tensor] = [:]
        let audRaw = model.audioEncoder.forward(try vectors.tensor("logmel")) { audSeen[$0] = $1 }
        XCTAssertEqual(audRaw.shape, [1, 512, 17, 42])
        try intermediates("audnet", audSeen)
        let audSaved = SimilarityHead.poolNormalizeAudio(audRaw)
        // The pooled maximum is â times its norm (the head keeps only â and the norm).
        let pooled = Tensor(shape: [1, audRaw.shape[1]])
        for c in 0..<pooled.count { pooled[c] = audSaved.ahat[c] * audSaved.norms[0] }
        relative("aud_pooled", pooled, try vectors.tensor("aud_pooled"))
        let audEmb = audSaved.ahat
        absolute("aud_emb", audEmb, try vectors.tensor("aud_emb"))
        absolute("sim_map", SSLSaNModel.similarityMap(visual: imgFeat, audio: audEmb), try vectors.tensor("sim_map"))

        // Negative audio: silence = constant -100 dB, noise = stored noise log-mel; the no-dB
        // variants feed the mel power (silence: zeros; noise: 10^(dB/10) of the stored log-mel).
        let shape = [1, 1, 257, 670]
        let noiseLogMel = try vectors.tensor("noise_logmel")
        let noisePower = Tensor(shape: shape)
        for i in 0..<noisePower.count { noisePower[i] = Float(pow(10, Double(noiseLogMel[i]) / 10)) }
        let negatives: [(String, Tensor)] = [
            ("silence", Tensor(shape: shape, repeating: -100)), ("noise", noiseLogMel),
            ("silence_nodb", Tensor(shape: shape)), ("noise_nodb", noisePower),
        ]
        for (name, spec) in negatives {
            let emb = model.encodeAudio(spec)
            absolute("aud_emb_\(name)", emb, try vectors.tensor("aud_emb_\(name)"))
            absolute("sim_map_\(name)", SSLSaNModel.similarityMap(visual: imgFeat, audio: emb), try vectors.tensor("sim_map_\(name)"))
        }

        print("\n\(pad("tensor", 34)) \(pad("max abs err", 12)) \(pad("tolerance", 12)) ok")
        for r in rows {
            print("\(pad(r.name, 34)) \(pad(String(format: "%.3e", r.err), 12)) \(pad(String(format: "%.3e", r.tol), 12)) \(r.ok ? "OK" : "FAIL")")
            XCTAssertLessThanOrEqual(r.err, r.tol, r.name)
        }
        XCTAssertGreaterThanOrEqual(rows.count, 60)
    }

    /// Train-mode forward against `train_step.safetensors`: BatchNorm buffers after one imgnet
    /// forward (batch 4) and three audnet forwards (positive, silence, noise), each with its own
    /// batch statistics. Relative tolerance 1e-5 of the tensor's absmax; counters exact.
    func testGoldenTrainModeBatchNormBuffers() throws {
        let step = try SafetensorsFile(path: SharedData.path("golden/train_step.safetensors"))
        let model = try SSLSaNModel.load(SharedData.path("golden/model.safetensors"))
        let u8 = try step.tensor("images_u8")
        let images = Tensor(shape: u8.shape)
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        let plane = u8.shape[2] * u8.shape[3]
        for i in 0..<u8.count { let c = (i / plane) % 3; images[i] = (u8[i] / 255 - mean[c]) / std[c] }
        _ = model.imageEncoder.forwardTrain(images)
        let pos = try step.tensor("spec_pos")
        _ = model.audioEncoder.forwardTrain(pos)
        _ = model.audioEncoder.forwardTrain(Tensor(shape: pos.shape, repeating: try step.tensor("spec_silence_value")[0]))
        _ = model.audioEncoder.forwardTrain(try step.tensor("spec_noise"))
        let buffers = Dictionary(uniqueKeysWithValues: model.buffers.map { ($0.name, $0.value) })
        let norms = Dictionary(uniqueKeysWithValues: model.batchNorms.map { ($0.name, $0.bn) })
        var checked = 0
        print("\n\(pad("train-mode buffer", 48)) \(pad("max abs err", 12)) \(pad("tolerance", 12)) ok")
        for e in step.entries where e.name.hasPrefix("core/after_step_buffer/") {
            let name = String(e.name.dropFirst("core/after_step_buffer/".count))
            if name.hasSuffix(".num_batches_tracked") {
                let bn = try XCTUnwrap(norms[String(name.dropLast(".num_batches_tracked".count))], name)
                XCTAssertEqual(bn.numBatchesTracked, try step.int64s(e.name)[0], name)
                print("\(pad(name, 48)) \(pad("exact", 12)) \(pad("exact", 12)) \(bn.numBatchesTracked == (try step.int64s(e.name)[0]) ? "OK" : "FAIL")")
            } else {
                let ref = try step.tensor(e.name)
                let ours = try XCTUnwrap(buffers[name], name)
                let err = maxAbsDiff(ours, ref), tol = 1e-5 * absMax(ref)
                print("\(pad(name, 48)) \(pad(String(format: "%.3e", err), 12)) \(pad(String(format: "%.3e", tol), 12)) \(err <= tol ? "OK" : "FAIL")")
                XCTAssertLessThanOrEqual(err, tol, name)
            }
            checked += 1
        }
        XCTAssertEqual(checked, 8)
    }
}
