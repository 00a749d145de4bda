import ArgumentParser
import Foundation
import Core
import Render
import TUI

/// `sslsan bench`: median and spread of the engine's eval paths (image encoder, audio encoder,
/// full pair; batch 1 and 16) with GFLOP/s and the OpenBLAS kernel, the training step (seconds
/// per sample at batch 8 and 32), frame rendering at 200×60, and the explorer's swap latency and
/// live-playback rate, and the key-to-sound time (`SoundBench`). Prints JSON. Speed is measured here, never asserted in tests.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure engine, training and explorer speed; prints JSON.")

    @Option(help: "Checkpoint to benchmark (default: a randomly initialised model of --config).")
    var checkpoint: String?

    @Option(help: "Model configuration when no checkpoint is given (full, demo, …).")
    var config: String = "full"

    @Option(help: "Threads: GEMM column blocks and element-wise workers (default: all cores).")
    var threads: Int?

    @Option(help: "Timed runs at batch 1 (larger batches use half as many, at least 3).")
    var repeats: Int = 9

    @Option(help: "Comma-separated batch sizes.")
    var batch: String = "1,16"

    @Flag(help: "Print compact single-line JSON.")
    var json = false

    @Flag(help: "Also run the bench in a child process with the other OpenBLAS kernel: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed when set, or set to Haswell/512 when absent.")
    var compareKernels = false

    @Flag(help: "Also time every step of the image and audio encoders at batch 1 (engine section), to see where the time goes.")
    var profileLayers = false

    @Option(help: "Winograd tile for every 3×3 stride-1 convolution: 2 (F(2×2,3×3)), 4 (F(4×4,3×3)) or auto (per layer, the default), for comparison.")
    var winogradTile: WinogradTileChoice = .auto

    @Flag(help: "Use im2col GEMMs for every convolution (no Winograd), for comparison.")
    var noWinograd = false

    @Flag(help: "Let OpenBLAS's own threads parallelise each GEMM instead of sslsan's column blocks and GEMM sets over single-threaded OpenBLAS, for comparison on the CPU at hand.")
    var openblasThreads = false

    @Option(help: "Comma-separated sections: engine, training, render, explorer, sound, graphics, dataset (default: all but dataset, which scores --data cold and warm with the embedding cache).")
    var sections: String = "engine,training,render,explorer,sound,graphics"

    @Option(help: "Training-step configurations (comma-separated presets; `full` at batch 32 needs many GiB and minutes).")
    var trainConfigs: String = "demo"

    @Option(help: "Training-step batch sizes (comma-separated).")
    var trainBatches: String = "8,32"

    @Option(help: "Dataset whose first sample the explorer figures use (default: samples/ when present); the dataset section scores all of it.")
    var data: String?

    @Option(help: "Evaluation passes for the dataset section.")
    var passes: Int = 10

    func run() throws {
        try reportingErrors {
            if let t = threads {
                guard t >= 1 else { throw SSLSaNError("--threads must be at least 1") }
            }
            // One job with every core (or --threads) for the engine figures.
            ComputeBudget.apply(.oneJob(cores: threads ?? ComputeBudget.cores, openBLASThreads: openblasThreads))
            let batches = batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !batches.isEmpty, batches.allSatisfy({ $0 >= 1 }) else { throw SSLSaNError("--batch needs positive integers, got '\(batch)'") }
            let model = try checkpoint.map { try SSLSaNModel.load($0) }
            var options = EngineBench.Options()
            options.config = try model?.config ?? ModelConfig.named(config)
            options.batchSizes = batches
            options.repeats = max(1, repeats)
            options.profileLayers = profileLayers
            if noWinograd { Conv2d.winogradEnabled = false }
            Winograd.forcedTile = winogradTile.tile
            let wanted = Set(sections.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let known: Set<String> = ["engine", "training", "render", "explorer", "sound", "graphics", "dataset"]
            guard !wanted.isEmpty, wanted.isSubset(of: known) else {
                throw SSLSaNError("--sections takes engine, training, render, explorer, sound, graphics, dataset; got '\(sections)'")
            }
            var out: [String: Any] = ["openblas_core": BLAS.coreName,
                                      "openblas_coretype_env": ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"]
            if let checkpoint { out["checkpoint"] = checkpoint }
            if wanted.contains("engine") {
                out["engine"] = EngineBench.run(model: model, options: options)
                if compareKernels { out["engine_other_kernel"] = try otherKernelReport() }
            }
            if wanted.contains("training") {
                let cfgs = try trainConfigs.split(separator: ",").map { try ModelConfig.named(String($0)) }
                let tb = trainBatches.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !tb.isEmpty, tb.allSatisfy({ $0 >= 2 }) else { throw SSLSaNError("--train-batches needs integers ≥ 2, got '\(trainBatches)'") }
                // The training step runs its branches side by side, one thread each, as `train` does.
                ComputeBudget.apply(.jobPerCore(cores: threads ?? ComputeBudget.cores))
                out["training"] = TrainingBench.run(configs: cfgs, batches: tb, steps: 2)
                ComputeBudget.apply(.oneJob(cores: threads ?? ComputeBudget.cores, openBLASThreads: openblasThreads))
            }
            if wanted.contains("render") {
                out["render"] = ["frame_200x60_ms": RenderBench.frame200x60()]
            }
            // The explorer and graphics figures use samples/ and the demo model when present.
            let dataDir = data ?? (FileManager.default.fileExists(atPath: "samples/manifest.jsonl") ? "samples" : nil)
            let demo = FileManager.default.fileExists(atPath: "samples/demo.safetensors") ? "samples/demo.safetensors" : nil
            if wanted.contains("explorer") {
                out["explorer"] = try ExplorerBench.run(checkpoint: checkpoint ?? demo, data: dataDir)
            }
            if wanted.contains("sound") { out["sound"] = SoundBench.run() }
            if wanted.contains("graphics") {
                out["graphics"] = try GraphicsBench.run(checkpoint: checkpoint ?? demo, data: dataDir)
            }
            if wanted.contains("dataset") {
                guard let data else { throw SSLSaNError("--sections dataset needs --data DIR") }
                out["dataset"] = try DatasetBench.run(model: try model ?? SSLSaNModel(config: ModelConfig.named(config), seed: 1),
                                                      data: data, passes: passes, cores: threads ?? ComputeBudget.cores)
            }
            let data = try JSONSerialization.data(withJSONObject: out, options: json ? [.sortedKeys] : [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

    /// Re-runs this bench in a child process with the other OpenBLAS kernel (the kernel is
    /// chosen when the library loads, so it cannot be switched inside this process).
    private func otherKernelReport() throws -> Any {
        var env = ProcessInfo.processInfo.environment
        if env["OPENBLAS_CORETYPE"] != nil || env["OPENBLAS_L2_SIZE"] != nil {
            env["OPENBLAS_CORETYPE"] = nil; env["OPENBLAS_L2_SIZE"] = nil
        } else {
            env["OPENBLAS_CORETYPE"] = "Haswell"; env["OPENBLAS_L2_SIZE"] = "512"
        }
        var args = CommandLine.arguments.dropFirst().filter { $0 != "--compare-kernels" }
        args.append(contentsOf: ["--sections", "engine"])
        if !args.contains("--json") { args.append("--json") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: p.executableURL!.path) {
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        p.arguments = Array(args)
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SSLSaNError("the bench child process with the other OpenBLAS kernel failed (status \(p.terminationStatus))")
        }
        return obj["engine"] ?? obj
    }

/// `--winograd-tile`: a fixed Winograd tile, or the per-layer choice of `Winograd.tile`.
enum WinogradTileChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, f2 = "2", f4 = "4"
    var tile: Winograd.Tile? { self == .auto ? nil : Winograd.Tile(rawValue: Int(rawValue)!) }
}
