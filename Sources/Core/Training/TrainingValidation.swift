import Foundation

/// Validation during training: the metrics `sslsan eval --passes 1` prints, computed by the same
/// code (`Evaluator` + `MetricSet`: masks as ground truth, `NegativeAudio`, `OffscreenChoice`,
/// U = Q3 of the negative maxima), on the first `limit` samples of a dataset folder. The trainer
/// selects `best.safetensors` by one of these numbers; `sslsan debug validate` prints them.
public struct TrainingValidation: Sendable {
    public let samples: [Sample]
    /// Sample threads for the Evaluator (the front door's compute budget).
    public var threads: Int

    public init(folder: String, limit: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let ds = try Dataset.open(folder)
        guard !ds.samples.isEmpty else { throw SSLSaNError("no usable validation samples", file: folder) }
        samples = Array(ds.samples.prefix(max(1, limit)))
        self.threads = threads
    }

    public var count: Int { samples.count }

    /// One pass, no retrieval, the run's own universal threshold.
    public func evaluate(model: SSLSaNModel) throws -> MetricReport {
        var o = Evaluator.Options()
        o.passes = 1
        o.retrieval = false
        o.threads = threads
        let result = try Evaluator(model: model, samples: samples, options: o).run()
        return result.metrics.report()
    }
}

extension MetricReport {
    /// The validation figures the trainer logs (`val_<key>` in log.jsonl) and shows in the TUI.
    public var validationDictionary: [String: Double] {
        var d: [String: Double] = ["ciou_uth": ciouUth, "pia_s": pia.silence, "pia_n": pia.noise, "pia_o": pia.offscreen,
                                   "f_loc": fLoc, "separability": separability, "universal_threshold": universalThreshold,
                                   "pairs": Double(samples)]
        if let o = objectAccuracy, o.pairs > 0 { d["object_accuracy"] = o.value }
        for (k, key) in [("positive", "max_pos"), ("silence", "max_sil"), ("noise", "max_noise"), ("offscreen", "max_off")] {
            if let q = maxima[k] { d[key] = q.median }
        }
        return d
    }
}
