import Foundation

/// The two trainable encoders of an SSL-TIE / SSL-SaN model with PyTorch `state_dict` names.
/// Checkpoints hold only the tensors the model uses (parameters + BatchNorm buffers) and the
/// configuration in metadata (`sslsan.config`), so `SSLSaNModel.load` reads them.
public final class TrainableModel: @unchecked Sendable {
    public let config: ModelConfig
    public let imgnet: TrainEncoder
    public let audnet: TrainEncoder

    public init(config: ModelConfig, seed: UInt64) {
        self.config = config
        imgnet = TrainEncoder(prefix: "imgnet", audio: false, widths: config.widths)
        audnet = TrainEncoder(prefix: "audnet", audio: true, widths: config.widths)
        var rng = TrainingRNG(seed: seed)
        // SPEC §3.3: kaiming_normal(fan_out, relu) for every conv; BN weight ~ N(1, 0.02), bias 0.
        for e in [imgnet, audnet] {
            for c in e.convolutions {
                let std = (2.0 / Double(c.cout * c.k * c.k)).squareRoot()
                for i in 0..<c.weight.value.count { c.weight.value[i] = Float(rng.normal() * std) }
            }
            for b in e.batchNorms {
                for i in 0..<b.channels { b.weight.value[i] = Float(1 + 0.02 * rng.normal()) }
            }
        }
    }

    public var parameters: [TrainParam] { imgnet.parameters + audnet.parameters }
    public var batchNorms: [TrainBatchNorm2d] { imgnet.batchNorms + audnet.batchNorms }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Loads parameters and BN buffers by name (extra keys are ignored; missing or mis-shaped ones are listed).
    public func load(_ f: SafetensorsFile) throws {
        var problems: [String] = []
        func fill(_ name: String, _ t: Tensor) {
            guard let e = f.entry(name) else { problems.append("missing \(name)"); return }
            guard e.shape == t.shape else { problems.append("\(name) has shape \(e.shape), expected \(t.shape)"); return }
            if let v = try? f.tensor(name) { t.copy(from: v) }
        }
        for p in parameters { fill(p.name, p.value) }
        for b in batchNorms {
            fill(b.name + ".running_mean", b.runningMean)
            fill(b.name + ".running_var", b.runningVar)
            if f.contains(b.name + ".num_batches_tracked"), let n = try? f.int64s(b.name + ".num_batches_tracked").first {
                b.numBatchesTracked = n
            }
        }
        if !problems.isEmpty {
            throw SSLSaNError("checkpoint does not fit configuration '\(config.name)': " + problems.prefix(6).joined(separator: "; ")
                              + (problems.count > 6 ? "; … (\(problems.count) problems)" : ""), file: f.path)
        }
    }

    public static func load(_ path: String) throws -> TrainableModel {
        let f = try SafetensorsFile(path: path)
        let cfg = try ModelConfig.from(metadata: f.metadata, file: path)
        let m = TrainableModel(config: cfg, seed: 0)
        try m.load(f)
        return m
    }

    /// Parameters and buffers in `state_dict` order into a writer.
    public func addTensors(to w: inout SafetensorsWriter) {
        for e in [imgnet, audnet] {
            let bnByName = Dictionary(uniqueKeysWithValues: e.batchNorms.map { ($0.name, $0) })
            for p in e.parameters {
                w.add(p.name, p.value)
                if p.name.hasSuffix(".bias"), let b = bnByName[String(p.name.dropLast(5))] {
                    w.add(b.name + ".running_mean", b.runningMean)
                    w.add(b.name + ".running_var", b.runningVar)
                    w.add(b.name + ".num_batches_tracked", int64s: [b.numBatchesTracked], shape: [])
                }
            }
        }
    }

    /// Atomic save with the configuration in metadata.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var meta = metadata
        meta[ModelConfig.metadataKey] = config.metadataJSON
        var w = SafetensorsWriter(metadata: meta)
        addTensors(to: &w)
        try w.write(to: path)
    }

    public func zeroGrad() { for p in parameters { p.grad.fill(0) } }

    // MARK: eval-mode embeddings (validation, Similar Audio Mixing)

    /// v̂ (B,C,h,w), eval mode.
    public func encodeImage(_ images: Tensor) -> Tensor {
        SimilarityHead.normalizeVisual(imgnet.forwardEval(images)).vhat
    }

    /// â (B,C), eval mode.
    public func encodeAudio(_ spec: Tensor) -> Tensor {
        SimilarityHead.poolNormalizeAudio(audnet.forwardEval(spec)).ahat
    }
}

/// Runs two closures on two threads and waits for both.
func runInParallel(_ parallel: Bool, _ a: @escaping @Sendable () -> Void, _ b: @escaping @Sendable () -> Void) {
    if !parallel { a(); b(); return }
    DispatchQueue.concurrentPerform(iterations: 2) { i in if i == 0 { a() } else { b() } }
}

/// A mutable box to pass results out of `@Sendable` closures.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}
