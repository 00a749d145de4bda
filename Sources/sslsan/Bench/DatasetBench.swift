import Foundation
import Core

/// `sslsan bench --sections dataset --data DIR [--checkpoint F]`: dataset throughput of
/// `Evaluator.run` as `sslsan eval` runs it (samples in parallel, single-threaded BLAS), with a
/// fresh embedding cache: cold (everything encoded and stored), then warm (everything read back).
/// Pairs per second count image+audio pairs scored with every pass; the two reports must be
/// equal bit for bit (`identical`).
enum DatasetBench {
    static func run(model: SSLSaNModel, data: String, passes: Int, cores: Int) throws -> [String: Any] {
        let ds = try Dataset.open(data, requireGroundTruth: false)
        guard !ds.samples.isEmpty else { throw SSLSaNError("no usable samples", file: data) }
        ComputeBudget.apply(.jobPerCore(cores: cores))
        let dir = NSTemporaryDirectory() + "sslsan-bench-cache-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = try EmbeddingCache(directory: dir)
        var options = Evaluator.Options()
        options.passes = passes; options.threads = cores; options.parallelSamples = true; options.cache = cache
        var out: [String: Any] = ["data": data, "samples": ds.samples.count, "passes": passes, "model": model.config.name,
                                  "images": Set(ds.samples.map(\.imagePath)).count, "clips": Set(ds.samples.map(\.audioPath)).count]
        var reports: [Data] = []
        for phase in ["cold", "warm", "no_cache"] {
            var o = options
            if phase == "no_cache" { o.cache = nil }
            let before = cache.statistics
            let r = try Evaluator(model: model, samples: ds.samples, options: o).run()
            let after = cache.statistics
            let report = try r.metrics.report().jsonData()
            if phase != "no_cache" { reports.append(report) }
            out[phase] = ["seconds": r.seconds, "pairs_per_second": Double(r.metrics.count) / r.seconds,
                          "scored": r.metrics.count, "cache_hits": after.hits - before.hits, "cache_misses": after.misses - before.misses]
        }
        out["identical"] = reports[0] == reports[1]
        out["cache_bytes"] = (try? FileManager.default.subpathsOfDirectory(atPath: dir))?.reduce(0) { n, p in
            n + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + p)[.size] as? Int) ?? 0)
        } ?? 0
        return out
    }
}
