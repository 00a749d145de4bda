/// ResNet BasicBlock: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + identity), where identity is
/// x or downsample(x) = bn(conv1×1 stride s (x)). conv1 carries the block's stride.
public final class BasicBlock: @unchecked Sendable {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    /// `downsample.0` (1×1 conv) and `downsample.1` (BN), present when the shape changes.
    public let downsample: (conv: Conv2d, bn: BatchNorm2d)?

    public init(inChannels: Int, outChannels: Int, stride: Int) {
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernel: 3, stride: stride, padding: 1)
        bn1 = BatchNorm2d(channels: outChannels)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernel: 3, stride: 1, padding: 1)
        bn2 = BatchNorm2d(channels: outChannels)
        downsample = (stride != 1 || inChannels != outChannels)
            ? (Conv2d(inChannels: inChannels, outChannels: outChannels, kernel: 1, stride: stride), BatchNorm2d(channels: outChannels))
            : nil
    }

    /// (PyTorch name suffix, module) pairs in state_dict order.
    public var modules: [(name: String, module: Module)] {
        [("conv1", .conv(conv1)), ("bn1", .batchNorm(bn1)), ("conv2", .conv(conv2)), ("bn2", .batchNorm(bn2))]
            + (downsample.map { [("downsample.0", .conv($0.conv)), ("downsample.1", .batchNorm($0.bn))] } ?? [])
    }

    /// Eval mode, every BN folded into its conv's epilogue; the residual add and final ReLU
    /// happen in conv2's epilogue.
    public func forward(_ x: Tensor) -> Tensor {
        let identity = downsample.map { $0.conv.forward(x, epilogue: .batchNorm($0.bn, relu: false)) } ?? x
        let h = conv1.forward(x, epilogue: .batchNorm(bn1, relu: true))
        return conv2.forward(h, epilogue: .batchNorm(bn2, residual: identity, relu: true))
    }

    /// Every BatchNorm normalising with the batch's own statistics and no side effects: what a
    /// block left in training mode computes at inference (RCGrad's audio encoder). Thread-safe.
    /// Batch statistics divide by each channel's own spread, which magnifies rounding in a
    /// channel that barely varies, so these convolutions (and training's) stay on F(2×2, 3×3):
    /// F(4×4)'s larger rounding put RCGrad's layer4 at 1.3× its golden tolerance.
    public func forwardBatchStatistics(_ x: Tensor) -> Tensor {
        let identity = downsample.map { $0.bn.forwardBatchStatistics($0.conv.forward(x)) } ?? x
        let h = bn1.forwardBatchStatistics(conv1.forward(x, maxTile: .f2), relu: true)
        let out = bn2.forwardBatchStatistics(conv2.forward(h, maxTile: .f2))
        Residual.addInPlace(out, identity)
        ReLU.forwardInPlace(out)
        return out
    }

    /// Activations a train-mode forward keeps for the backward.
    public struct Tape: @unchecked Sendable {
        let input: Tensor
        let c1: Tensor, s1: BatchNorm2d.Saved, r1: Tensor
        let c2: Tensor, s2: BatchNorm2d.Saved
        let cd: Tensor?, sd: BatchNorm2d.Saved?
        let output: Tensor
    }

    /// Train mode: batch statistics in every BN (running stats updated `statUpdates` times, see
    /// `BatchNorm2d.forwardTrain`). `workspace` is the training thread's scratch.
    public func forwardTrain(_ x: Tensor, statUpdates: Int = 1, copies: Int = 1, workspace: Workspace? = nil) -> (output: Tensor, tape: Tape) {
        let c1 = conv1.forward(x, workspace: workspace, maxTile: .f2)
        let (r1, s1) = bn1.forwardTrain(c1, statUpdates: statUpdates, copies: copies)
        ReLU.forwardInPlace(r1)
        let c2 = conv2.forward(r1, workspace: workspace, maxTile: .f2)
        let (out, s2) = bn2.forwardTrain(c2, statUpdates: statUpdates, copies: copies)
        var cd: Tensor?, sd: BatchNorm2d.Saved?
        if let ds = downsample {
            let c = ds.conv.forward(x, workspace: workspace)
            let (idt, s) = ds.bn.forwardTrain(c, statUpdates: statUpdates, copies: copies)
            cd = c; sd = s
            Residual.addInPlace(out, idt)
        } else {
            Residual.addInPlace(out, x)
        }
        ReLU.forwardInPlace(out)
        return (out, Tape(input: x, c1: c1, s1: s1, r1: r1, c2: c2, s2: s2, cd: cd, sd: sd, output: out))
    }

    /// Accumulates parameter gradients and returns dL/dx.
    /// `gradOutput` is consumed (the ReLU mask is applied to it in place).
    public func backward(_ tape: Tape, gradOutput g: Tensor, workspace: Workspace? = nil) -> Tensor {
        ReLU.backwardInPlace(output: tape.output, grad: g)
        // Main branch: bn2 → conv2 → relu → bn1 → conv1.
        let dc2 = bn2.backward(input: tape.c2, saved: tape.s2, gradOutput: g)
        let dr1 = conv2.backward(input: tape.r1, gradOutput: dc2, workspace: workspace)!
        ReLU.backwardInPlace(output: tape.r1, grad: dr1)
        let dc1 = bn1.backward(input: tape.c1, saved: tape.s1, gradOutput: dr1)
        let dx = conv1.backward(input: tape.input, gradOutput: dc1, workspace: workspace)!
        // Identity branch: the residual add passes g unchanged.
        if let ds = downsample, let cd = tape.cd, let sd = tape.sd {
            let dcd = ds.bn.backward(input: cd, saved: sd, gradOutput: g)
            Residual.addInPlace(dx, ds.conv.backward(input: tape.input, gradOutput: dcd, workspace: workspace)!)
        } else {
            Residual.addInPlace(dx, g)
        }
        return dx
    }
}
