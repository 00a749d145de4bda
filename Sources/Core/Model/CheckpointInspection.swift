import Foundation

/// What `sslsan inspect` reports about a weight file: its container, the model family (detected
/// from key names, or given), dtypes, parameter count, and how its keys compare with the family's
/// state_dict (`ModelFamily.expectedKeys`).
public struct CheckpointInspection {
    public let path: String
    /// "safetensors" or the torch.save container description.
    public let container: String
    /// Top-level entries beside the tensors (torch.save files), e.g. `epoch = 20`, `optimizer: dict of 2`.
    public let otherEntries: [String]
    public let detection: ModelFamily.Detection?
    /// The family the keys were compared with (`--model`, else the detected one).
    public let family: ModelFamily?
    public let tensorCount: Int
    /// Tensors per stored dtype, most common first.
    public let dtypeCounts: [(dtype: SafetensorsDType, count: Int)]
    /// Floating-point values in the file, BatchNorm running statistics excluded (learnable parameters).
    public let parameterCount: Int
    /// Keys the family's forward needs that the file lacks.
    public let missing: [String]
    /// Keys the family's state_dict holds but its forward never uses, absent here (strict=True would fail).
    public let missingUnused: [String]
    /// Keys in the file the family's state_dict does not have.
    public let extra: [String]
    /// "name [file shape] (expected [shape])".
    public let wrongShape: [String]

    public init(_ source: any TensorSource, family override: ModelFamily? = nil) {
        path = source.path
        if let t = source as? TorchCheckpoint {
            container = t.containerDescription
            otherEntries = t.otherEntries.map { $0.summary.hasPrefix("=") ? "\($0.key) \($0.summary)" : "\($0.key): \($0.summary)" }
                + (t.skippedEntries.isEmpty ? [] : ["skipped non-tensor entries: \(t.skippedEntries.joined(separator: ", "))"])
        } else {
            container = "safetensors"
            otherEntries = source.metadata.keys.sorted().map { "metadata \($0)" }
        }
        detection = ModelFamily.detect(from: source)
        family = override ?? detection?.family
        let names = source.names
        tensorCount = names.count
        var counts: [SafetensorsDType: Int] = [:]
        var params = 0
        for n in names {
            guard let (dt, shape) = source.dtypeAndShape(n) else { continue }
            counts[dt, default: 0] += 1
            if dt.isFloatingPoint, !n.hasSuffix(".running_mean"), !n.hasSuffix(".running_var") { params += shape.reduce(1, *) }
        }
        dtypeCounts = counts.map { ($0.key, $0.value) }.sorted { ($0.count, $1.dtype.rawValue) > ($1.count, $0.dtype.rawValue) }
        parameterCount = params
        guard let family else { missing = []; missingUnused = []; extra = []; wrongShape = []; return }
        let widths = (try? ModelConfig.from(metadata: source.metadata, file: source.path))?.widths ?? ModelConfig.full.widths
        let expected = family.expectedKeys(widths: family == .sslTie ? widths : ModelConfig.full.widths)
        let known = Set(expected.map(\.name))
        var miss: [String] = [], missU: [String] = [], shapes: [String] = []
        for k in expected {
            guard let (_, shape) = source.dtypeAndShape(k.name) else { if k.unused { missU.append(k.name) } else { miss.append(k.name) }; continue }
            if shape != k.shape { shapes.append("\(k.name) \(shape) (expected \(k.shape))") }
        }
        missing = miss; missingUnused = missU; wrongShape = shapes
        extra = names.filter { !known.contains($0) }
    }

    /// Every problem in one list (empty = the file fits the family exactly).
    public var problems: [String] {
        var p: [String] = []
        if family == nil { p.append("model family not recognised from the key names (give --model)") }
        func list(_ title: String, _ xs: [String]) {
            guard !xs.isEmpty else { return }
            p.append("\(title) (\(xs.count)): " + xs.prefix(8).joined(separator: ", ") + (xs.count > 8 ? ", … (\(xs.count - 8) more)" : ""))
        }
        list("missing", missing)
        list("wrong shape", wrongShape)
        list("missing but unused by the forward (PyTorch strict=True would fail)", missingUnused)
        list("extra keys the \(family?.displayName ?? "") network does not have", extra)
        return p
    }

    /// The report, one fact per line.
    public var lines: [String] {
        var out = ["file: \(path)", "container: \(container)"]
        for e in otherEntries { out.append("  \(e)") }
        if let d = detection {
            out.append("family: \(d.family.displayName) (\(d.reason))")
            if let f = family, f != d.family { out.append("  compared as \(f.displayName) (--model)") }
        } else if let f = family {
            out.append("family: \(f.displayName) (--model; not recognised from the key names)")
        } else {
            out.append("family: unknown")
        }
        out.append("tensors: \(tensorCount) (" + dtypeCounts.map { "\($0.dtype.rawValue) \($0.count)" }.joined(separator: ", ") + ")")
        out.append("parameters: \(parameterCount) (floating-point values, BatchNorm running statistics excluded)")
        let p = problems
        out.append(p.isEmpty ? "problems: none" : "problems:")
        for x in p { out.append("  \(x)") }
        return out
    }
}
