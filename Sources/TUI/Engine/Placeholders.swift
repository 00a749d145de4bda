import Foundation
import Core

/// Stand-ins used until the real front ends, datasets and model are in this build.
/// A JSON-lines manifest reader (id, image, audio, label, objects, boxes, mask).
struct ManifestData: ExplorerData {
    let name: String
    let samples: [Sample]
    let problems: [String]

    init(directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        name = dir.lastPathComponent
        let path = dir.appendingPathComponent("manifest.jsonl").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TUIError("\(directory): no manifest.jsonl (placeholder reader)")
        }
        var out: [Sample] = [], probs: [String] = []
        for (n, line) in text.split(separator: "\n").enumerated() {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = o["id"] as? String, let img = o["image"] as? String, let aud = o["audio"] as? String else {
                probs.append("manifest line \(n + 1): unreadable"); continue
            }
            out.append(Sample(id: id, imagePath: dir.appendingPathComponent(img).path, audioPath: dir.appendingPathComponent(aud).path,
                              label: o["label"] as? String ?? "?", objects: o["objects"] as? [String] ?? [],
                              boxes: o["boxes"] as? [[Double]] ?? [], maskPath: (o["mask"] as? String).map { dir.appendingPathComponent($0).path }))
        }
        samples = out; problems = probs
    }

    func image(_ s: Sample) throws -> RGBImage { try ImageFile.read(s.imagePath) }

    func audio(_ s: Sample, sampleRate: Int) throws -> AudioClip { try AudioFile.read(s.audioPath, sampleRate: sampleRate) }

    func groundTruth(_ s: Sample) -> SceneGroundTruth { SceneGroundTruth.load(s) }
    func offscreen(for i: Int, seed: UInt64) -> Int? { defaultOffscreen(for: i, seed: seed) }
}

/// A model with fixed random projections: colour patches against audio statistics. Only for
/// running the explorer before the real encoders land.
final class PlaceholderModel: ExplorerModel, @unchecked Sendable {
    let name: String
    let sampleRate = 16000
    let windowSamples = 48000
    private let channels = 16
    private let proj: [Float]

    init(name: String, seed: UInt64 = 1) {
        self.name = name
        proj = NoiseSource.gaussian(count: 16 * 3, seed: seed)
    }

    func encodeImage(_ image: RGBImage) throws -> Tensor {
        let side = 14
        let t = Tensor(shape: [1, channels, side, side])
        for y in 0..<side { for x in 0..<side {
            let (r, g, b) = image.pixel(x * image.width / side, y * image.height / side)
            var norm: Float = 0
            var v = [Float](repeating: 0, count: channels)
            for c in 0..<channels {
                v[c] = max(0, proj[3 * c] * Float(r) / 255 + proj[3 * c + 1] * Float(g) / 255 + proj[3 * c + 2] * Float(b) / 255)
                norm += v[c] * v[c]
            }
            norm = max(norm.squareRoot(), 1e-12)
            for c in 0..<channels { t.data[c * side * side + y * side + x] = v[c] / norm }
        } }
        return t
    }

    func encodeAudio(_ waveform: [Float], negative: Bool) -> Tensor {
        let t = Tensor(shape: [1, channels])
        var rms: Float = 0, zc: Float = 0
        for i in 1..<max(1, waveform.count) { rms += waveform[i] * waveform[i]; if (waveform[i] > 0) != (waveform[i - 1] > 0) { zc += 1 } }
        if rms == 0 { return t }
        let z = zc / Float(max(1, waveform.count))
        var norm: Float = 0
        for c in 0..<channels { let v = max(0, sin(Float(c) * 1.7 + z * 40)); t.data[c] = v; norm += v * v }
        norm = max(norm.squareRoot(), 1e-12)
        for c in 0..<channels { t.data[c] /= norm }
        return t
    }
}
