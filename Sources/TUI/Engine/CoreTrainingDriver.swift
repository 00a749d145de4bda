import Foundation
import Core

/// Drives `Core.Trainer` for the training panel: generates the default splits when missing, maps
/// the panel's request to `TrainingOptions` (the rest as `sslsan train` defaults, with the demo
/// recipe's `--no-sam --no-image-augment --epoch-size 3200`) and the trainer's events to panel updates.
struct CoreTrainingDriver: TrainingDriver {
    var configs: [String] { ModelConfig.smallPresets.map(\.name) + ["full"] }

    func run(_ r: TrainingRequest, progress: @escaping @Sendable (TrainingUpdate) -> Void,
             cancelled: @escaping @Sendable () -> Bool) throws {
        for g in r.generate where !g.exists {
            if cancelled() { return }
            progress(.validation("generating \(g.scenes) \(g.split) scenes: \(g.folder)"))
            try SampleDataset.write(to: g.folder, count: g.scenes, seed: g.seed, split: g.split, force: true, command: g.command)
        }
        // The demo models' recipe (samples/TRAINING.md) for what the panel does not offer.
        var o = TrainingOptions(dataDir: r.data, outDir: r.runDirectory)
        o.jointAudioBatch = r.useJointAudioBatch
        o.sam = false
        o.imageAugment = false
        o.epochSize = 3200
        o.valDir = r.validation
        o.config = r.config
        o.epochs = r.epochs
        o.lr = r.learningRate
        o.silence = r.useSilence
        o.noise = r.useNoise
        o.equivariance = r.useEquivariance
        o.resume = r.resume != nil
        let trainer = try Trainer(options: o)
        let out = r.runDirectory
        try trainer.run(progress: { e in
            switch e {
            case let .started(_, _, _, spe, _, _): progress(.started(stepsPerEpoch: spe))
            case let .step(epoch, step, _, parts, _, _):
                progress(.step(epoch: epoch, step: step, loss: parts["loss"] ?? .nan, lossSilence: parts["loss_S"], lossNoise: parts["loss_N"]))
            case let .epochEnd(epoch, mean, validation, seconds, best):
                var line = String(format: "ep %d  loss %.3f", epoch, mean["loss"] ?? .nan)
                if let v = validation {
                    for (k, name) in [("ciou_uth", "cIoU"), ("separability", "sep"), ("f_loc", "F")] {
                        if let x = v[k] { line += String(format: "  %@ %.3g", name, x) }
                    }
                }
                line += String(format: "  %.0fs%@", seconds, best ? " ★" : "")
                progress(.validation(line))
                let last = out + "/last.safetensors", bestPath = out + "/best.safetensors"
                progress(.checkpoint(best && FileManager.default.fileExists(atPath: bestPath) ? bestPath : last))
            case .phase: break
            case .saved(let path): progress(.checkpoint(path))
            case .stopped(let m): progress(.validation(m))
            }
        }, shouldStop: cancelled)
    }
}
