import Foundation

/// Where a run stands and everything besides the weights that the next step depends on.
/// `epoch`/`step`: the next step to run is step `step` (0-based) of epoch `epoch`; after an
/// epoch's validation the position is (epoch + 1, 0).
public struct TrainingPosition: Sendable, Equatable {
    public var run: String
    public var epoch: Int
    public var step: Int
    public var stepsPerEpoch: Int
    public var pairs: Int
    public var globalStep: Int
    /// The generator now, and as it was when this epoch began (the epoch's order and batch seeds
    /// are drawn from it again on resume, so a run continued mid-epoch draws the same batches).
    public var rng: [UInt64]
    public var epochRNG: [UInt64]
    public var lr: Float
    public var best: Double
    public var samAlpha: Float
    public var scheduler: ReduceLROnPlateau
    /// Loss sums and step count of the unfinished epoch (its means in the log).
    public var sums: [String: Double]
    public var done: Int

    public static func == (a: Self, b: Self) -> Bool {
        a.run == b.run && a.epoch == b.epoch && a.step == b.step && a.globalStep == b.globalStep && a.rng == b.rng
    }
}

/// The trainer's resume unit: one safetensors file (`last.safetensors`) with the model's 257
/// PyTorch entries (so every front door loads it as a model) and, beside them, the Adam moments
/// (`adam.m.*`, `adam.v.*`), the SAM pairs and, in the metadata, the `TrainingPosition` and a
/// digest of every tensor byte. It is written with one atomic rename, so a crash leaves the
/// previous unit or the new one, never weights of one step with an optimizer of another; `read`
/// checks the digest and refuses, in one line, a file that is not such a unit.
public enum TrainingCheckpoint {
    public static let formatKey = "sslsan.train_state"
    public static let format = "1"
    static let digestKey = "sslsan.train_digest"

    public static func write(model: SSLSaNModel, optimizer: AdamOptimizer, position p: TrainingPosition,
                             samPairs: [Int: Int], metadata: [String: String], to path: String) throws {
        var meta = metadata
        meta[formatKey] = format
        meta["sslsan.run"] = p.run
        meta["sslsan.epoch"] = String(p.epoch - 1)  // completed epochs
        meta["sslsan.position"] = "\(p.epoch),\(p.step),\(p.stepsPerEpoch),\(p.pairs)"
        meta["sslsan.step"] = String(p.globalStep)
        meta["adam.step"] = String(optimizer.step)
        meta["lr"] = String(p.lr)
        meta["rng"] = p.rng.map(String.init).joined(separator: ",")
        meta["rng.epoch"] = p.epochRNG.map(String.init).joined(separator: ",")
        meta["best"] = String(p.best)
        meta["sam.alpha"] = String(p.samAlpha)
        meta["scheduler"] = String(decoding: (try? JSONEncoder().encode(p.scheduler)) ?? Data(), as: UTF8.self)
        meta["epoch.sums"] = String(decoding: (try? JSONEncoder().encode(p.sums)) ?? Data(), as: UTF8.self)
        meta["epoch.done"] = String(p.done)
        var w = Checkpoint.writer(model, metadata: meta)
        for (n, t) in optimizer.stateTensors() { w.add(n, t) }
        if !samPairs.isEmpty {
            let keys = samPairs.keys.sorted()
            w.add("sam.pairs", int64s: keys.flatMap { [Int64($0), Int64(samPairs[$0]!)] }, shape: [keys.count, 2])
        }
        // The digest covers the tensor bytes, which adding it to the header does not move.
        w.metadata[digestKey] = try digest(SafetensorsFile(data: w.encoded(), path: path))
        try w.write(to: path)
    }

    /// FNV-1a (64 bit) over every entry's name and bytes, in file order.
    static func digest(_ f: SafetensorsFile) throws -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        for e in f.entries.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            Array(e.name.utf8).withUnsafeBytes(mix)
            try f.rawBytes(e.name).withUnsafeBytes(mix)
        }
        return String(h, radix: 16)
    }

    /// Checks that `path` is a complete training unit; returns its position without loading it.
    @discardableResult
    public static func verify(_ path: String) throws -> (file: SafetensorsFile, position: TrainingPosition) {
        let f = try SafetensorsFile(path: path)
        let m = f.metadata
        guard m[formatKey] == format else {
            throw SSLSaNError("--resume: this file holds weights but no training state (written by an older sslsan or not by `sslsan train`); start a new run with another --out", file: path)
        }
        guard let d = m[digestKey], try digest(f) == d else {
            throw SSLSaNError("--resume: the training state is damaged (its tensors do not match the digest written with them)", file: path)
        }
        func ints(_ k: String) -> [Int]? { m[k]?.split(separator: ",").compactMap { Int($0) } }
        func words(_ k: String) -> [UInt64]? {
            let w = m[k]?.split(separator: ",").compactMap { UInt64($0) }
            return w?.count == 4 ? w : nil
        }
        guard let run = m["sslsan.run"], let pos = ints("sslsan.position"), pos.count == 4,
              let g = m["sslsan.step"].flatMap({ Int($0) }), let rng = words("rng"), let erng = words("rng.epoch"),
              let lr = m["lr"].flatMap({ Float($0) }), let sched = m["scheduler"].flatMap({ try? JSONDecoder().decode(ReduceLROnPlateau.self, from: Data($0.utf8)) }),
              let sums = m["epoch.sums"].flatMap({ try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) })
        else { throw SSLSaNError("--resume: the training state's metadata is incomplete", file: path) }
        guard m["adam.step"].flatMap({ Int($0) }) == g else {
            throw SSLSaNError("--resume: the optimizer state (step \(m["adam.step"] ?? "?")) does not belong to these weights (step \(g))", file: path)
        }
        let p = TrainingPosition(run: run, epoch: pos[0], step: pos[1], stepsPerEpoch: pos[2], pairs: pos[3], globalStep: g,
                                 rng: rng, epochRNG: erng, lr: lr, best: m["best"].flatMap(Double.init) ?? -.infinity,
                                 samAlpha: m["sam.alpha"].flatMap(Float.init) ?? 0, scheduler: sched, sums: sums,
                                 done: m["epoch.done"].flatMap { Int($0) } ?? 0)
        return (f, p)
    }

    /// Verifies `path` and loads weights and optimizer state into `model` and `optimizer`.
    public static func read(_ path: String, into model: SSLSaNModel, optimizer: AdamOptimizer, pairs: Int)
        throws -> (position: TrainingPosition, samPairs: [Int: Int]) {
        let (f, p) = try verify(path)
        let cfg = try ModelConfig.from(metadata: f.metadata, file: path)
        guard cfg == model.config else {
            throw SSLSaNError("--resume: checkpoint configuration '\(cfg.name)' differs from --config \(model.config.name)", file: path)
        }
        try Checkpoint.load(f, into: model)
        try optimizer.loadState(f, step: p.globalStep)
        var sam: [Int: Int] = [:]
        if f.contains("sam.pairs") {
            let v = try f.int64s("sam.pairs")
            for i in stride(from: 0, to: v.count - 1, by: 2) where Int(v[i]) < pairs && Int(v[i + 1]) < pairs {
                sam[Int(v[i])] = Int(v[i + 1])
            }
        }
        return (p, sam)
    }
}
