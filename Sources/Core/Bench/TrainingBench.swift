import Foundation

/// Training speed: seconds per sample of one SSL-SaN train step (positive + silence + noise audio,
/// one image branch, Adam) on random inputs. For `sslsan bench`.
public enum TrainingBench {
    /// Measures `steps` steps (after one warm-up step) per (config, batch).
    /// Keys: `train.<config>.b<batch>.s_per_sample`, `...samples_per_s`, plus the thread settings.
    public static func run(configs: [ModelConfig] = [.full, (try? ModelConfig.named("demo")) ?? .full],
                           batches: [Int] = [8, 32], steps: Int = 2, parallelBranches: Bool = true,
                           blasThreads: Int? = nil, equivariance: Bool = false) -> [String: Double] {
        var out: [String: Double] = [:]
        let oldThreads = BLAS.threads
        let threads = blasThreads ?? (parallelBranches ? 1 : 2)
        BLAS.threads = threads
        defer { BLAS.threads = oldThreads }
        out["train.blas_threads"] = Double(threads)
        out["train.parallel_branches"] = parallelBranches ? 1 : 0
        for cfg in configs {
            for b in batches {
                let s = secondsPerSample(config: cfg, batch: b, steps: steps, parallelBranches: parallelBranches, equivariance: equivariance)
                out["train.\(cfg.name).b\(b).s_per_sample"] = s
                out["train.\(cfg.name).b\(b).samples_per_s"] = 1 / s
            }
        }
        return out
    }

    public static func secondsPerSample(config: ModelConfig, batch b: Int, steps: Int, parallelBranches: Bool = true,
                                        equivariance: Bool = false) -> Double {
        let model = TrainableModel(config: config, seed: 1)
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
        var total = 0.0
        for i in 0...steps {
            let tf = equivariance ? EquivarianceTransform.random(batch: b, canvas: s, rng: &rng) : nil
            let t0 = Date()
            opt.zeroGrad()
            _ = obj.step(model: model, batch: batch, transform: tf)
            opt.update()
            if i > 0 { total += Date().timeIntervalSince(t0) }
        }
        return total / Double(steps * b)
    }
}
