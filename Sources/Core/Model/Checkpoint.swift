import Foundation

/// PyTorch state_dict names ↔ `SSLSaNModel` tensors (SPEC §3.4). The layout lists all 257
/// entries of AVENet's state_dict in PyTorch order, so a saved file loads back into PyTorch
/// with `strict=True`; the loader reads the ones the network uses and ignores the rest.
public enum Checkpoint {
    public enum Role {
        /// A trainable tensor or BN running statistic the network uses.
        case used(Tensor)
        /// A BatchNorm `num_batches_tracked` counter (I64, shape []).
        case counter(BatchNorm2d)
        /// Present in AVENet's state_dict but never used by the forward pass.
        case unused
    }

    public struct Entry {
        public let name: String
        public let shape: [Int]
        public let role: Role
    }

    /// All 257 state_dict entries of `model`, in PyTorch order. Names of the used tensors come
    /// from `ResNetEncoder.modules`; this adds only what AVENet has and the network never uses
    /// (the other stems, `fc`, `vision_fc1`, `conv3`, `norm3`).
    public static func layout(_ model: SSLSaNModel) -> [Entry] {
        var out: [Entry] = []
        let w = model.config.widths
        for enc in model.encoders {
            let p = enc.prefix
            for (i, m) in enc.modules.enumerated() {
                switch m.module {
                case .conv(let c) where i == 0:
                    // AVENet's ResNet has all three stems; each encoder uses one.
                    for (stem, cin) in [("conv1_a", 1), ("conv1", 3), ("conv1_flow", 6)] {
                        let name = "\(p).\(stem).weight"
                        out.append(stem == enc.stemName ? Entry(name: name, shape: c.weight.shape, role: .used(c.weight))
                                                        : Entry(name: name, shape: [w[0], cin, 7, 7], role: .unused))
                    }
                case .conv(let c):
                    out.append(Entry(name: "\(m.name).weight", shape: c.weight.shape, role: .used(c.weight)))
                case .batchNorm(let b):
                    for (s, t) in [("weight", b.weight), ("bias", b.bias), ("running_mean", b.runningMean), ("running_var", b.runningVar)] {
                        out.append(Entry(name: "\(m.name).\(s)", shape: t.shape, role: .used(t)))
                    }
                    out.append(Entry(name: "\(m.name).num_batches_tracked", shape: [], role: .counter(b)))
                }
            }
            out.append(Entry(name: "\(p).fc.weight", shape: [1000, w[3]], role: .unused))
            out.append(Entry(name: "\(p).fc.bias", shape: [1000], role: .unused))
        }
        out.append(Entry(name: "vision_fc1.weight", shape: [w[3], 2 * w[3], 1, 1], role: .unused))
        out.append(Entry(name: "vision_fc1.bias", shape: [w[3]], role: .unused))
        out.append(Entry(name: "conv3.weight", shape: [1, 1, 1, 1], role: .unused))
        out.append(Entry(name: "conv3.bias", shape: [1], role: .unused))
        for s in ["weight", "bias", "running_mean", "running_var"] { out.append(Entry(name: "norm3.\(s)", shape: [1], role: .unused)) }
        out.append(Entry(name: "norm3.num_batches_tracked", shape: [], role: .unused))
        return out
    }

    static let floatTypes: Set<SafetensorsDType> = [.f32, .f16, .bf16, .f64]

    /// Copies the tensors of `file` into `model`. Every problem (missing name, wrong shape,
    /// non-float dtype) is collected and reported in one error line naming the file; so are
    /// values no trained network holds (NaN or Inf in a weight or running statistic, a negative
    /// running variance), which would otherwise turn every map into NaN.
    public static func load(_ file: any TensorSource, into model: SSLSaNModel) throws {
        // Checkpoints saved from nn.DataParallel prefix every key with "module.".
        let prefix = file.names.allSatisfy { $0.hasPrefix("module.") } && !file.names.isEmpty ? "module." : ""
        var missing: [String] = [], wrongShape: [String] = [], wrongType: [String] = [], badValues: [String] = []
        var unused: [String: Tensor] = [:]
        for e in layout(model) {
            let key = prefix + e.name
            guard let fe = file.dtypeAndShape(key) else {
                if case .used = e.role { missing.append(e.name) }
                continue
            }
            switch e.role {
            case .used(let t):
                if fe.shape != e.shape { wrongShape.append("\(e.name) \(fe.shape) (expected \(e.shape))"); continue }
                if !floatTypes.contains(fe.dtype) { wrongType.append("\(e.name) \(fe.dtype.rawValue)"); continue }
                t.copy(from: try file.tensor(key))
                if let why = implausibleValues(e.name, t) { badValues.append(why) }
            case .counter(let bn):
                bn.numBatchesTracked = fe.shape.reduce(1, *) == 1 ? (try file.int64s(key).first ?? 0) : 0
            case .unused:
                if floatTypes.contains(fe.dtype) || fe.dtype == .i64 { unused[e.name] = try file.tensor(key) }
            }
        }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("missing \(missing.joined(separator: ", "))") }
        if !wrongShape.isEmpty { problems.append("wrong shape \(wrongShape.joined(separator: ", "))") }
        if !wrongType.isEmpty { problems.append("unsupported dtype \(wrongType.joined(separator: ", "))") }
        if !problems.isEmpty {
            throw SSLSaNError("checkpoint does not fit the '\(model.config.name)' model (widths \(model.config.widths)): \(problems.joined(separator: "; "))", file: file.path)
        }
        if !badValues.isEmpty {
            let shown = badValues.prefix(4).joined(separator: ", ") + (badValues.count > 4 ? " and \(badValues.count - 4) more" : "")
            throw SSLSaNError("checkpoint holds values no network can use in \(badValues.count) tensor\(badValues.count == 1 ? "" : "s"): \(shown) (a corrupt file or a diverged training run)", file: file.path)
        }
        model.unusedTensors = unused
    }

    /// Why a loaded weight or BatchNorm statistic is unusable, or nil: NaN/Inf anywhere, or a
    /// negative running variance (BatchNorm divides by its square root).
    static func implausibleValues(_ name: String, _ t: Tensor) -> String? {
        var nonFinite = 0, negative = 0
        t.withUnsafeBufferPointer { p in
            for v in p { if !v.isFinite { nonFinite += 1 } else if v < 0 { negative += 1 } }
        }
        if nonFinite > 0 { return "\(name) (\(nonFinite) NaN/Inf)" }
        if name.hasSuffix(".running_var") && negative > 0 { return "\(name) (\(negative) negative)" }
        return nil
    }

    /// Writes all 257 entries in PyTorch order (float32, counters I64), the configuration in
    /// the metadata, atomically. Unused entries come from `model.unusedTensors` when their shape
    /// fits, else zeros.
    public static func save(_ model: SSLSaNModel, to path: String, metadata: [String: String] = [:]) throws {
        try writer(model, metadata: metadata).write(to: path)
    }

    /// The writer `save` uses, for files that add more tensors beside the model's (the trainer's
    /// `last.safetensors` adds the optimizer state, so one file is one consistent unit).
    public static func writer(_ model: SSLSaNModel, metadata: [String: String] = [:]) -> SafetensorsWriter {
        var meta = metadata
        meta[ModelConfig.metadataKey] = model.config.metadataJSON
        var w = SafetensorsWriter(metadata: meta)
        for e in layout(model) {
            switch e.role {
            case .used(let t): w.add(e.name, t)
            case .counter(let bn): w.add(e.name, int64s: [bn.numBatchesTracked], shape: [])
            case .unused:
                if e.shape.isEmpty {
                    w.add(e.name, int64s: [Int64(model.unusedTensors[e.name]?.data[0] ?? 0)], shape: [])
                } else if let t = model.unusedTensors[e.name], t.shape == e.shape {
                    w.add(e.name, t)
                } else {
                    w.add(e.name, Tensor(shape: e.shape))
                }
            }
        }
        return w
    }
}

extension SSLSaNModel {
    /// Reads a checkpoint — safetensors or a `torch.save` file (`openTensorSource`): configuration
    /// from the `sslsan.config` metadata (absent → `full`; every field validated before the model is
    /// sized from it), then every used tensor by its PyTorch name, checked finite. F32, F16, BF16
    /// and F64 tensors are accepted. `infer`, `eval`, `render`, `bench`, `debug` and the explorer
    /// all load through here.
    public static func load(_ path: String) throws -> SSLSaNModel {
        let file = try openTensorSource(path)
        let config = try ModelConfig.from(metadata: file.metadata, file: path)
        let model = SSLSaNModel(config: config, seed: 0)
        try Checkpoint.load(file, into: model)
        return model
    }

    /// Writes every state_dict entry (PyTorch order) with the configuration in the metadata.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try Checkpoint.save(self, to: path, metadata: metadata)
    }
}

extension SSLSaNModel {
    /// The tensors the network uses (parameters and BatchNorm running statistics) with their
    /// PyTorch names, state_dict order: the bridge for copying weights in or out by name.
    public var namedTensors: [(name: String, value: Tensor)] {
        Checkpoint.layout(self).compactMap { e in
            if case .used(let t) = e.role { return (e.name, t) }
            return nil
        }
    }

    /// The used tensor with this PyTorch name (e.g. "audnet.layer4.1.bn2.running_var").
    public func tensor(named name: String) -> Tensor? {
        namedTensors.first { $0.name == name }?.value
    }
}
