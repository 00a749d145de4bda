import ArgumentParser
import Foundation
import Core

/// `sslsan infer`: one image with one audio (a file, silence or noise) → the similarity map.
///
/// Prints the map (14×14 for the full model) with its max and min, or JSON with `--json`.
/// `--dump` writes the tensors along the way (float32 `logmel`, `image`, `img_feat`, `aud_emb`,
/// `sim_map`) as safetensors, atomically: a failed run leaves no output file.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run the model on one image and one audio (or silence/noise).",
        discussion: "Exactly one of --audio, --silence, --noise. Images go through the evaluation transform (vssl_eval squash to the model's image size) unless --transform tie (shorter side + centre crop).")

    @Option(help: "Model checkpoint: .safetensors, or a PyTorch .pth / .pth.tar / .pt (torch.save; read safely).")
    var checkpoint: String

    @Option(help: "Image file (PNG or JPEG).")
    var image: String

    @Option(help: "Audio file (WAV/FLAC/…; resampled to the model's rate, tiled/truncated to its window).")
    var audio: String?

    @Flag(help: "Use silence as the audio (zeros through the front end).")
    var silence = false

    @Flag(help: "Use N(0,1) noise as the audio.")
    var noise = false

    @Option(help: "Seed of the noise waveform (with --noise).")
    var seed: UInt64?

    @Option(help: "Image transform: eval (squash, vssl_eval) or tie (resize shorter side + centre crop, SSL-TIE test).")
    var transform: String = "eval"

    @Option(help: "Write logmel, image, img_feat, aud_emb and sim_map (float32) to this safetensors file.")
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
            let model = try SSLSaNModel.load(checkpoint)
            let config = model.config
            let picture = try ImageFile.read(image)
            let imageTensor = transform == "tie"
                ? ImageTransform.tieTestTensor(picture, size: config.imageSize)
                : ImageTransform.evalTensor(picture, size: config.imageSize)

            let condition: String
            let spec: Tensor
            if let audio {
                let clip = try AudioFile.read(audio, sampleRate: config.sampleRate, maxSamples: config.windowSamples)
                guard !clip.samples.isEmpty else { throw SSLSaNError("the audio file holds no samples", file: audio) }
                spec = MelSpectrogram(config: config).logMel(clip)
                condition = "positive"
            } else if silence {
                spec = NegativeAudio.spectrogram(.silence, config: config, seed: 0)
                condition = "silence"
            } else {
                spec = NegativeAudio.spectrogram(.noise, config: config, seed: seed ?? 0)
                condition = "noise"
            }

            let visual = model.encodeImage(imageTensor)
            let audioEmbedding = model.encodeAudio(spec)
            let simMap = SSLSaNModel.similarityMap(visual: visual, audio: audioEmbedding)
            let map = SimilarityMap(width: simMap.shape[3], height: simMap.shape[2], values: simMap.array)
            try map.requireFinite(condition, file: checkpoint)

            if let dump {
                var w = SafetensorsWriter(metadata: ["sslsan.checkpoint": checkpoint, "sslsan.image": image,
                                                     "sslsan.audio": audio ?? condition, ModelConfig.metadataKey: config.metadataJSON])
                w.add("logmel", spec); w.add("image", imageTensor); w.add("img_feat", visual)
                w.add("aud_emb", audioEmbedding); w.add("sim_map", simMap)
                try w.write(to: dump)
            }
            print(json ? Self.json(map, checkpoint: checkpoint, image: image, audio: audio, condition: condition, seed: noise ? (seed ?? 0) : nil, config: config)
                       : Self.text(map, condition: condition))
        }
    }

    static func argmax(_ map: SimilarityMap) -> (x: Int, y: Int) {
        let i = map.values.indices.max { map.values[$0] < map.values[$1] } ?? 0
        return (i % map.width, i / map.width)
    }

    static func text(_ map: SimilarityMap, condition: String) -> String {
        var lines = ["similarity map \(map.width)×\(map.height) (\(condition)), rows top to bottom:"]
        for y in 0..<map.height {
            lines.append((0..<map.width).map { String(format: "%.3f", map[$0, y]) }.joined(separator: " "))
        }
        let a = argmax(map)
        lines.append(String(format: "max %.6f at (x %d, y %d)   min %.6f", map.max, a.x, a.y, map.min))
        return lines.joined(separator: "\n")
    }

    static func json(_ map: SimilarityMap, checkpoint: String, image: String, audio: String?, condition: String,
                     seed: UInt64?, config: ModelConfig) -> String {
        let a = argmax(map)
        var obj: [String: Any] = [
            "checkpoint": checkpoint, "image": image, "condition": condition, "config": config.name,
            "width": map.width, "height": map.height,
            "map": (0..<map.height).map { y in (0..<map.width).map { Double(map[$0, y]) } },
            "max": Double(map.max), "min": Double(map.min), "argmax": ["x": a.x, "y": a.y],
        ]
        if let audio { obj["audio"] = audio }
        if let seed { obj["seed"] = seed }
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
