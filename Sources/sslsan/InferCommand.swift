import ArgumentParser
import Foundation
import Core

/// `sslsan infer`: one image with one audio (a file, silence or noise) → the similarity map.
///
/// Any family (`LocalisationModels.open`: SSL-TIE/SSL-SaN, LVS, SSL-Align, EZ-VSL, FNAC, SLAVC,
/// RCGrad) with its own front ends. Prints the native map (14×14 or 7×7) on the family's scale
/// with its max and min and the family's paper threshold, or JSON with `--json`. `--dump` writes
/// the tensors along the way as safetensors, atomically (a failed run leaves no output file):
/// the audio front end's output (`logmel` for SSL-TIE, `spec` for the others), `image`,
/// `img_feat` (the image embedding), `aud_emb`, `sim_map` (the native map, before upsampling) and
/// `map224` (the family's post-processing: vssl_eval's upsampler for the condition).
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run the model on one image and one audio (or silence/noise).",
        discussion: "Exactly one of --audio, --silence, --noise. Images go through the family's evaluation transform (vssl_eval's squash; RCGrad: Pillow squash + CLIP statistics) unless --transform tie (SSL-TIE only: shorter side + centre crop). Audio is read at 16 kHz (resampled with libsamplerate when the file's rate differs; vssl_eval instead runs at the file's own rate).")

    @Option(help: "Model checkpoint of any supported family (see `sslsan models`): .safetensors, or a PyTorch .pth / .pth.tar / .pt (torch.save; read safely).")
    var checkpoint: String

    @Option(help: "Model family, when the file does not say (FNAC has EZ-VSL's names, SSL-Align LVS's).")
    var model: ModelFamily?

    @Option(help: "Image file (PNG or JPEG).")
    var image: String

    @Option(help: "Audio file (WAV/FLAC/…; resampled to the model's rate, tiled/truncated to its window).")
    var audio: String?

    @Flag(help: "Read the audio at the file's own rate, as vssl_eval does (default: resample to the model's 16 kHz). SSL-TIE's mel front end resamples either way.")
    var nativeRate = false

    @Flag(help: "Use silence as the audio (zeros through the front end).")
    var silence = false

    @Flag(help: "Use N(0,1) noise as the audio.")
    var noise = false

    @Option(help: "Seed of the noise waveform (with --noise).")
    var seed: UInt64?

    @Option(help: "Image transform: eval (squash, vssl_eval) or tie (resize shorter side + centre crop, SSL-TIE test).")
    var transform: String = "eval"

    @Option(help: "Write the audio input (logmel or spec), image, img_feat, aud_emb, sim_map and map224 (float32) to this safetensors file.")
    var dump: String?

    @Flag(help: "Print JSON instead of the text map.")
    var json = false

    func validate() throws {
        let chosen = [audio != nil, silence, noise].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of --audio FILE, --silence, --noise") }
        if seed != nil && !noise { throw ValidationError("--seed applies to --noise only") }
        guard ["eval", "tie"].contains(transform) else { throw ValidationError("--transform must be 'eval' or 'tie'") }
    }

    func run() throws {
        try reportingErrors {
            // Fail before the work: the folder must exist and an existing device node, pipe or
            // folder at the target is refused, not replaced (AtomicFile checks again on write).
            if let dump { try FileCheck.replaceable(dump) }
            let net = try LocalisationModels.open(checkpoint, family: model)
            if let z = net as? ZooModel, !z.unexpectedKeys.isEmpty {
                EvalCommand.note("\(checkpoint): \(z.unexpectedKeys.count) tensor(s) not used by \(z.label): \(z.unexpectedKeys.prefix(6).joined(separator: ", "))")
            }
            if transform == "tie" && net.family != .sslTie { throw SSLSaNError("--transform tie is SSL-TIE's test transform; \(net.label) uses its own") }
            let picture = try ImageFile.read(image)
            let imageTensor = transform == "tie" ? ImageTransform.tieTestTensor(picture, size: net.imageSize) : net.imageInput(picture)

            let condition: AudioCondition
            let spec: Tensor
            if let audio {
                let clip = try AudioFile.read(audio, sampleRate: nativeRate ? AudioFile.info(audio).sampleRate : net.sampleRate, maxSamples: net.audioSamplesRead)
                guard !clip.samples.isEmpty else { throw SSLSaNError("the audio file holds no samples", file: audio) }
                spec = net.audioInput(clip)
                condition = .positive
            } else {
                condition = silence ? .silence : .noise
                spec = net.negativeInput(condition, seed: seed ?? 0)
            }

            let visual = net.imageEmbedding(imageTensor)
            let audioEmbedding = net.audioEmbedding(spec)
            let map = net.maps(visual: visual, index: 0, audio: audioEmbedding)[0]
            try map.requireFinite(condition.rawValue, file: checkpoint)
            let simMap = Tensor(shape: [1, 1, map.height, map.width], values: map.values)

            if let dump {
                var meta = ["sslsan.checkpoint": checkpoint, "sslsan.image": image, "sslsan.audio": audio ?? condition.rawValue,
                            LocalisationModels.familyKey: net.family.rawValue]
                if let m = net as? SSLSaNModel { meta[ModelConfig.metadataKey] = m.config.metadataJSON }
                var w = SafetensorsWriter(metadata: meta)
                w.add(net.family == .sslTie ? "logmel" : "spec", spec); w.add("image", imageTensor); w.add("img_feat", visual)
                w.add("aud_emb", audioEmbedding); w.add("sim_map", simMap)
                let up = net.specification.postProcessing.upsample(map, negative: condition != .positive)
                w.add("map224", Tensor(shape: [1, 1, MapResize.side, MapResize.side], values: up))
                try w.write(to: dump)
            }
            print(json ? Self.json(map, checkpoint: checkpoint, image: image, audio: audio, condition: condition.rawValue, seed: noise ? (seed ?? 0) : nil, model: net)
                       : Self.text(map, condition: condition.rawValue, model: net))
        }
    }

    static func argmax(_ map: SimilarityMap) -> (x: Int, y: Int) {
        let i = map.values.indices.max { map.values[$0] < map.values[$1] } ?? 0
        return (i % map.width, i / map.width)
    }

    static func text(_ map: SimilarityMap, condition: String, model: any LocalisationModel) -> String {
        var lines = ["\(model.label) similarity map \(map.width)×\(map.height) (\(condition), \(model.specification.postProcessing.scale.rawValue) scale), rows top to bottom:"]
        for y in 0..<map.height {
            lines.append((0..<map.width).map { String(format: "%.3f", map[$0, y]) }.joined(separator: " "))
        }
        let a = argmax(map)
        lines.append(String(format: "max %.6f at (x %d, y %d)   min %.6f", map.max, a.x, a.y, map.min))
        if let u = model.paperThreshold { lines.append(String(format: "paper threshold (vssl_eval U for %@) %.4f", model.label, Double(u))) }
        return lines.joined(separator: "\n")
    }

    static func json(_ map: SimilarityMap, checkpoint: String, image: String, audio: String?, condition: String,
                     seed: UInt64?, model: any LocalisationModel) -> String {
        let a = argmax(map)
        var obj: [String: Any] = [
            "checkpoint": checkpoint, "image": image, "condition": condition, "family": model.family.rawValue,
            "width": map.width, "height": map.height,
            "map": (0..<map.height).map { y in (0..<map.width).map { Double(map[$0, y]) } },
            "max": Double(map.max), "min": Double(map.min), "argmax": ["x": a.x, "y": a.y],
        ]
        if let audio { obj["audio"] = audio }
        if let m = model as? SSLSaNModel { obj["config"] = m.config.name }
        if let u = model.paperThreshold { obj["paper_threshold"] = Double(u) }
        if let seed { obj["seed"] = seed }
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
