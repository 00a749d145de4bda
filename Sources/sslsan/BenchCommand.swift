import ArgumentParser
import Foundation
import Core

/// `sslsan bench`: median and spread of the engine's eval paths (image encoder, audio encoder,
/// full pair; batch 1 and 16) with GFLOP/s and the OpenBLAS kernel. Prints JSON.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure engine, training and explorer speed; prints JSON.")

    @Option(help: "Checkpoint to benchmark (default: a randomly initialised model of --config).")
    var checkpoint: String?

    @Option(help: "Model configuration when no checkpoint is given (full, demo, …).")
    var config: String = "full"

    @Option(help: "OpenBLAS threads and element-wise workers (default: all cores).")
    var threads: Int?

    @Option(help: "Timed runs at batch 1 (larger batches use half as many, at least 3).")
    var repeats: Int = 9

    @Option(help: "Comma-separated batch sizes.")
    var batch: String = "1,16"

    @Flag(help: "Print compact single-line JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            if let t = threads {
                guard t >= 1 else { throw SSLSaNError("--threads must be at least 1") }
                BLAS.threads = t
                Parallel.workers = t
            }
            let batches = batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !batches.isEmpty, batches.allSatisfy({ $0 >= 1 }) else { throw SSLSaNError("--batch needs positive integers, got '\(batch)'") }
            let model = try checkpoint.map { try SSLSaNModel.load($0) }
            var options = EngineBench.Options()
            options.config = try model?.config ?? ModelConfig.named(config)
            options.batchSizes = batches
            options.repeats = max(1, repeats)
            let report = EngineBench.run(model: model, options: options, frontEnd: EngineFrontEndBench.frontEnd(options.config))
            var out: [String: Any] = ["engine": report]
            if let checkpoint { out["checkpoint"] = checkpoint }
            let data = try JSONSerialization.data(withJSONObject: out, options: json ? [.sortedKeys] : [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// The audio front end's per-clip cost, once the front end is in the build.
enum EngineFrontEndBench {
    static func frontEnd(_ config: ModelConfig) -> (() -> Void)? { nil }
}
