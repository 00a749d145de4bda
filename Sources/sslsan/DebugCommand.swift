import ArgumentParser
import Foundation
import Core

struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Developer tools (one train step for parity checks, training speed).",
        subcommands: [DebugTrainStep.self, DebugTrainBench.self, DebugValidate.self, DebugInitWeights.self])
}

struct DebugTrainStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-step",
        abstract: "Run one train-mode step on a golden-layout batch and write losses, logits, maps, gradients, post-Adam values and BN buffers.",
        discussion: """
        The batch file holds `images_u8` (B,3,S,S) U8, `spec_pos`, `spec_noise`, `spec_silence_value` and, for
        --variant full, `full/tf_matrices` (B,2,3) and optionally `full/tf_hflip` (scalar, 0 = no horizontal flip;
        absent = flip) (golden/train_step.safetensors has this layout). Output names
        follow that file (`core/loss_total`, `core/grad/...`, `core/after_adam/...`, ...). With --compare, the
        output is checked against the tensors of the same names in that file and an agreement table is printed.
        """)

    @Option(help: "Model checkpoint (safetensors).") var checkpoint: String
    @Option(help: "Batch file (safetensors, golden train_step layout).") var batch: String
    @Option(help: "Output safetensors file.") var out: String
    @Option(help: "core (one image forward, SaN losses) or full (SSL-TIE loss with equivariance + SaN losses).") var variant: String = "core"
    @Option(help: "Compare with this reference file (e.g. the golden train_step.safetensors).") var compare: String?
    @Flag(help: "Run the image and audio branches on one thread.") var serial = false

    func run() throws {
        try reportingErrors {
            guard let v = TrainStepDebug.Variant(rawValue: variant) else { throw SSLSaNError("--variant must be core or full (got '\(variant)')") }
            let model = try SSLSaNModel.load(checkpoint)
            let bf = try SafetensorsFile(path: batch)
            let b = try TrainStepDebug.batch(from: bf)
            for spec in [b.specPos, b.specSilence, b.specNoise].compactMap({ $0 }) { try model.checkInputs(images: b.images, spectrogram: spec, file: batch) }
            let tf = v == .full ? try TrainStepDebug.transform(from: bf) : nil
            ComputeBudget.apply(serial ? .oneJob(cores: 2) : .jobPerCore(cores: 2))
            let t0 = Date()
            let outTensors = TrainStepDebug.run(model: model, batch: b, variant: v, transform: tf, parallel: !serial)
            let dt = Date().timeIntervalSince(t0)
            try TrainStepDebug.write(outTensors, to: out)
            print(String(format: "train step (%@, batch %d): %.2f s; wrote %d tensors to %@", v.rawValue, b.images.shape[0], dt, outTensors.count, out))
            for k in outTensors.keys.sorted() where k.contains("loss") { print(String(format: "  %-20@ %.7g", k as NSString, outTensors[k]![0])) }
            if let c = compare {
                let rows = try TrainStepDebug.compare(outTensors, golden: try SafetensorsFile(path: c), variant: v)
                print(TrainStepDebug.table(rows), terminator: "")
                let bad = rows.filter { !$0.pass }
                print(bad.isEmpty ? "all \(rows.count) tensors agree" : "\(bad.count) of \(rows.count) tensors disagree")
                if !bad.isEmpty { throw ExitCode.failure }
            }
        }
    }
}

struct DebugTrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-bench", abstract: "Seconds per sample of a SaN train step (random inputs).")
    @Option(help: "Configurations (comma-separated).") var configs: String = "demo"
    @Option(help: "Batch sizes (comma-separated).") var batches: String = "8,32"
    @Option(help: "Timed steps per setting.") var steps: Int = 2
    @Flag(help: "One thread for both branches, BLAS with 2 threads.") var serial = false
    @Flag(help: "Include the equivariance branch.") var equivariance = false
    @Flag(help: "im2col GEMMs for every convolution forward (no Winograd), to measure what Winograd pays.") var noWinograd = false
    @Flag(help: "One GEMM per sample in every layer (no sample grouping), to measure what grouping pays.") var noGrouping = false

    func run() throws {
        try reportingErrors {
            let cfgs = try configs.split(separator: ",").map { try ModelConfig.named(String($0)) }
            let bs = batches.split(separator: ",").compactMap { Int($0) }
            ComputeBudget.apply(serial ? .oneJob(cores: 2) : .jobPerCore(cores: 2))
            if noWinograd { Conv2d.winogradEnabled = false }
            if noGrouping { Conv2d.maxGroupPlane = 0 }
            let r = TrainingBench.run(configs: cfgs, batches: bs, steps: steps, parallelBranches: !serial, equivariance: equivariance)
            for k in r.keys.sorted() { print(String(format: "%-40@ %.4f", k as NSString, r[k]!)) }
        }
    }
}

/// The trainer's validation metrics for one checkpoint on one folder (or random weights): the
/// same `TrainingValidation` (hence the same Evaluator) the trainer selects `best` with, so its
/// cIoU@U equals `sslsan eval --passes 1` on the same folder and checkpoint.
struct DebugValidate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Training-validation metrics (cIoU@U, pIA S/N/O, F_LOC, separability, object accuracy) of a checkpoint on a dataset folder.")
    @Option(help: "Checkpoint; omit with --random CONFIG for random weights.") var checkpoint: String?
    @Option(help: "Random weights of this configuration.") var random: String?
    @Option(help: "Dataset folder (any layout `sslsan eval` opens).") var data: String
    @Option(help: "Samples (first N).") var pairs: Int = 100000
    @Option(help: "Seed for the random weights.") var seed: UInt64 = 4

    func run() throws {
        try reportingErrors {
            let model: SSLSaNModel
            if let c = checkpoint { model = try SSLSaNModel.load(c) }
            else if let r = random { model = SSLSaNModel(config: try ModelConfig.named(r), seed: seed) }
            else { throw SSLSaNError("give --checkpoint FILE or --random CONFIG") }
            let d = try TrainingValidation(folder: data, limit: pairs).evaluate(model: model).validationDictionary
            for k in d.keys.sorted() { print(String(format: "%-22@ %.4f", k as NSString, d[k]!)) }
        }
    }
}

/// The random weights a training run starts from (`sslsan train --seed S` initialises the same
/// model), as a checkpoint every front door opens: `sslsan eval` scores them with the code that
/// scores trained models (the "random weights" row of samples/TRAINING.md).
struct DebugInitWeights: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write randomly initialised weights (as `sslsan train --seed S` starts from) to a checkpoint.")
    @Option(help: "Model configuration.") var config: String = "demo"
    @Option(help: "Seed (the trainer's --seed).") var seed: UInt64 = 4
    @Option(help: "Output checkpoint (.safetensors).") var out: String

    func run() throws {
        try reportingErrors {
            try SSLSaNModel(config: try ModelConfig.named(config), seed: seed).save(to: out, metadata: ["sslsan.init_seed": String(seed)])
        }
    }
}
