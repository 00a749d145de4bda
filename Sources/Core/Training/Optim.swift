import Foundation

/// Training's generator (augmentation, shuffling, equivariance transforms): sslsan's one
/// generator, `Random` (serialisable through `words` for resuming).
public typealias TrainingRNG = Random

/// torch.optim.Adam with coupled L2 weight decay (g ← g + wd·p), bias-corrected, PyTorch's update order.
public final class AdamOptimizer: @unchecked Sendable {
    public var lr: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    public var weightDecay: Float
    public private(set) var step: Int = 0
    public let params: [Parameter]
    let m: [Tensor]
    let v: [Tensor]

    public init(params: [Parameter], lr: Float = 1e-4, weightDecay: Float = 1e-4) {
        self.params = params; self.lr = lr; self.weightDecay = weightDecay
        m = params.map { Tensor(shape: $0.value.shape) }
        v = params.map { Tensor(shape: $0.value.shape) }
    }

    public func zeroGrad() { for p in params { p.grad.fill(0) } }

    /// One step over every parameter (all parameters here are used, so all have a gradient).
    public func update() {
        step += 1
        let bc1 = 1 - pow(beta1, Float(step))
        let bc2 = 1 - pow(beta2, Float(step))
        let stepSize = lr / bc1
        let bc2s = bc2.squareRoot()
        for (i, p) in params.enumerated() {
            let w = p.value.data, g = p.grad.data, mm = m[i].data, vv = v[i].data
            for j in 0..<p.value.count {
                let gj = g[j] + weightDecay * w[j]
                mm[j] = mm[j] * beta1 + (1 - beta1) * gj
                vv[j] = vv[j] * beta2 + (1 - beta2) * gj * gj
                let denom = vv[j].squareRoot() / bc2s + eps
                w[j] -= stepSize * mm[j] / denom
            }
        }
    }

    /// State tensors for a checkpoint: `adam.m.<name>`, `adam.v.<name>`, plus the step.
    public func stateTensors() -> [(String, Tensor)] {
        var r: [(String, Tensor)] = []
        for (i, p) in params.enumerated() { r.append(("adam.m." + p.name, m[i])); r.append(("adam.v." + p.name, v[i])) }
        return r
    }

    public func loadState(_ f: SafetensorsFile, step: Int) throws {
        for (i, p) in params.enumerated() {
            let tm = try f.tensor("adam.m." + p.name), tv = try f.tensor("adam.v." + p.name)
            guard tm.count == m[i].count, tv.count == v[i].count else { throw SSLSaNError("optimizer state for \(p.name) has the wrong shape", file: f.path) }
            m[i].copy(from: tm); v[i].copy(from: tv)
        }
        self.step = step
    }
}

/// torch.optim.lr_scheduler.ReduceLROnPlateau (threshold_mode 'rel', threshold 1e-4, cooldown 0, min_lr 0).
public struct ReduceLROnPlateau: Sendable, Codable {
    public enum Mode: String, Sendable, Codable { case min, max }
    public var mode: Mode = .max
    public var factor: Double = 0.1
    public var patience: Int = 10
    public var threshold: Double = 1e-4
    public var minLR: Double = 0
    public var best: Double? = nil
    public var badEpochs: Int = 0

    public init(mode: Mode = .max, factor: Double = 0.1, patience: Int = 10) {
        self.mode = mode; self.factor = factor; self.patience = patience
    }

    func isBetter(_ a: Double, than b: Double) -> Bool {
        mode == .max ? a > b * (b >= 0 ? 1 + threshold : 1 - threshold) : a < b * (b >= 0 ? 1 - threshold : 1 + threshold)
    }

    /// Feeds one epoch's metric; returns the new learning rate.
    public mutating func step(metric: Double, lr: Double) -> Double {
        guard metric.isFinite else { return lr }
        if let b = best, !isBetter(metric, than: b) {
            badEpochs += 1
        } else {
            best = metric; badEpochs = 0
        }
        if badEpochs > patience {
            badEpochs = 0
            return max(lr * factor, minLR)
        }
        return lr
    }
}
