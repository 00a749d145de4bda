import Foundation
import Core

/// Training speed: seconds per sample of one SSL-SaN train step (positive + silence + noise audio,
/// one image branch, Adam) on random inputs, on the engine's layers. For `sslsan bench` and
/// `sslsan debug train-bench`. The caller sets the thread budget (with `parallelBranches` the
/// image and audio branches run side by side, so one OpenBLAS thread each fills two cores).
public enum TrainingBench {
    /// Measures `steps` steps (after one warm-up step) per (config, batch).
    /// Keys: `train.<config>.b<batch>.s_per_sample`, `...samples_per_s`, `...cpu_s_per_sample`,
    /// plus the thread settings seen.
    public static func run(configs: [ModelConfig], batches: [Int] = [8, 32], steps: Int = 2, parallelBranches: Bool = true,
                           equivariance: Bool = false) -> [String: Double] {
        var out: [String: Double] = [:]
        out["train.blas_threads"] = Double(BLAS.threads)
        out["train.workers"] = Double(Parallel.workers)
        out["train.parallel_branches"] = parallelBranches ? 1 : 0
        for cfg in configs {
            for b in batches {
                let (wall, cpu) = secondsPerSample(config: cfg, batch: b, steps: steps, parallelBranches: parallelBranches, equivariance: equivariance)
                out["train.\(cfg.name).b\(b).s_per_sample"] = wall
                out["train.\(cfg.name).b\(b).cpu_s_per_sample"] = cpu
                out["train.\(cfg.name).b\(b).samples_per_s"] = 1 / wall
            }
        }
        return out
    }

    /// (wall, process CPU) seconds per sample, averaged over `steps` timed steps.
    public static func secondsPerSample(config: ModelConfig, batch b: Int, steps: Int, parallelBranches: Bool = true,
                                        equivariance: Bool = false) -> (wall: Double, cpu: Double) {
        let model = SSLSaNModel(config: config, seed: 1)
        var rng = TrainingRNG(seed: 7)
        let s = config.imageSize
        func randn(_ shape: [Int], scale: Double = 1, offset: Double = 0) -> Tensor {
            let t = Tensor(shape: shape)
            for i in 0..<t.count { t[i] = Float(offset + scale * rng.normal()) }
            return t
        }
        let specShape = [b, 1, config.nMels, config.frames]
        let batch = TrainBatch(images: randn([b, 3, s, s]), specPos: randn(specShape, scale: 20, offset: -30),
                               specSilence: Tensor(shape: specShape, repeating: -100), specNoise: randn(specShape, scale: 5, offset: -10))
        var obj = TrainObjective(config: config)
        obj.parallelBranches = parallelBranches
        let opt = AdamOptimizer(params: model.parameters, lr: 1e-4)
        var wall = 0.0, cpu = 0.0
        for i in 0...steps {
            let tf = equivariance ? EquivarianceTransform.random(batch: b, canvas: s, rng: &rng) : nil
            let t0 = Date(), c0 = EngineBench.cpuMilliseconds()
            opt.zeroGrad()
            _ = obj.step(model: model, batch: batch, transform: tf)
            opt.update()
            if i > 0 { wall += Date().timeIntervalSince(t0); cpu += (EngineBench.cpuMilliseconds() - c0) / 1000 }
        }
        return (wall / Double(steps * b), cpu / Double(steps * b))
    }
}
