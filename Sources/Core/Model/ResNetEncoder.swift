/// One ResNet-18 encoder (BasicBlock × [2, 2, 2, 2]), PyTorch-named. The variants the zoo needs
/// are parameters, not copies: SSL-TIE / LVS / RCGrad-vision keep layer4 at stride 1 (SPEC §3.1:
/// 224² → 14×14), torchvision's layout (EZ-VSL, FNAC, SLAVC, RCGrad-audio) has stride 2 (→ 7×7);
/// the stem is `conv1` or `conv1_a` and the prefix names the owning module.
///
/// Eval (thread-safe; BatchNorm, residual add and ReLU folded into the conv epilogues):
///     let feat = encoder.forward(x)                       // (B,Cin,H,W) → (B,w3,H/16,W/16)
///
/// Training (llm.c style: the forward returns the tape its backward reads; not thread-safe, one
/// encoder is driven by one thread, which owns `workspace`):
///     let (y, tape) = encoder.forwardTrain(x)             // batch stats; running stats, num_batches_tracked += 1
///     ...loss, dL/dy...
///     encoder.backward(dy, tape: tape)                    // accumulates into every gradient
/// Several forwards of one encoder (audnet: positive, silence, noise — each with its own batch
/// statistics) keep their own tapes and are undone in any order.
///
/// Names: `modules` lists every conv and BatchNorm with its PyTorch name (e.g.
/// "imgnet.layer1.0.conv1", "audnet.bn1") in state_dict order. It is the one place names are
/// spelled: `parameters`, `buffers`, `batchNorms` and the checkpoint layout derive from it.
public final class ResNetEncoder: @unchecked Sendable {
    public enum Modality: String, Sendable { case vision, audio }

    public let modality: Modality
    /// "imgnet" or "audnet".
    public let prefix: String
    public let widths: [Int]
    /// `conv1` (3→w0) for vision, `conv1_a` (1→w0) for audio: 7×7, stride 2, pad 3.
    public let stem: Conv2d
    public let bn1: BatchNorm2d
    public let maxPool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
    /// layer1…layer4, two BasicBlocks each, strides 1, 2, 2, `layer4Stride`.
    public let layers: [[BasicBlock]]
    public let layerStrides: [Int]
    /// `conv1` or `conv1_a` (the state_dict name of the stem).
    public let stemName: String

    /// `prefix` defaults to "imgnet"/"audnet", `stemName` to SSL-TIE's (`conv1` for vision,
    /// `conv1_a` for audio).
    public init(modality: Modality, widths: [Int], prefix: String? = nil, stemName: String? = nil, layer4Stride: Int = 1) {
        precondition(widths.count == 4, "ResNetEncoder needs 4 widths, got \(widths)")
        self.modality = modality
        self.prefix = prefix ?? (modality == .vision ? "imgnet" : "audnet")
        self.stemName = stemName ?? (modality == .vision ? "conv1" : "conv1_a")
        self.widths = widths
        layerStrides = [1, 2, 2, layer4Stride]
        stem = Conv2d(inChannels: modality == .vision ? 3 : 1, outChannels: widths[0], kernel: 7, stride: 2, padding: 3)
        bn1 = BatchNorm2d(channels: widths[0])
        var inC = widths[0]
        var ls: [[BasicBlock]] = []
        for (i, w) in widths.enumerated() {
            ls.append([BasicBlock(inChannels: inC, outChannels: w, stride: layerStrides[i]),
                       BasicBlock(inChannels: w, outChannels: w, stride: 1)])
            inC = w
        }
        layers = ls
    }

    public var inputChannels: Int { stem.inChannels }
    public var outputChannels: Int { widths[3] }

    // MARK: - Registry

    /// Every module with its full PyTorch name, in state_dict order (the stem first).
    public var modules: [(name: String, module: Module)] {
        var r: [(name: String, module: Module)] = [("\(prefix).\(stemName)", .conv(stem)), ("\(prefix).bn1", .batchNorm(bn1))]
        for (li, blocks) in layers.enumerated() {
            for (bi, b) in blocks.enumerated() { r += b.modules.map { ("\(prefix).layer\(li + 1).\(bi).\($0.name)", $0.module) } }
        }
        return r
    }

    /// Every convolution with its PyTorch module name, in state_dict order.
    public var namedConvs: [(name: String, conv: Conv2d)] {
        modules.compactMap { if case .conv(let c) = $0.module { return ($0.name, c) } else { return nil } }
    }

    /// Every BatchNorm2d with its PyTorch module name, in state_dict order.
    public var batchNorms: [(name: String, bn: BatchNorm2d)] {
        modules.compactMap { if case .batchNorm(let b) = $0.module { return ($0.name, b) } else { return nil } }
    }

    /// Trainable tensors with gradients, PyTorch names, state_dict order.
    public var parameters: [Parameter] {
        modules.flatMap { m in m.module.trainable.map { Parameter(name: m.name + "." + $0.suffix, value: $0.value, grad: $0.grad) } }
    }

    /// BatchNorm running statistics by name ("….running_mean", "….running_var").
    public var buffers: [(name: String, value: Tensor)] {
        batchNorms.flatMap { [($0.name + ".running_mean", $0.bn.runningMean), ($0.name + ".running_var", $0.bn.runningVar)] }
    }

    /// Number of used trainable scalars (11 176 512 for the full vision encoder).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    public func zeroGrad() { for p in parameters { p.grad.fill(0) } }

    /// SPEC §3.3: kaiming-normal fan_out convs, BN weight N(1, 0.02), bias 0.
    public func initialise(_ rng: inout ParameterRNG) {
        for (_, c) in namedConvs { c.initialise(&rng) }
        for (_, bn) in batchNorms { bn.initialise(&rng) }
    }

    /// Multiply–adds of one eval forward for a (1, Cin, H, W) input.
    public func macs(height: Int, width: Int) -> Int {
        var total = stem.macs(height: height, width: width)
        let g = stem.geometry(height: height, width: width)
        let pg = ConvGeometry(channels: 1, height: g.outHeight, width: g.outWidth, kernel: 3, stride: 2, padding: 1)
        var h = pg.outHeight, w = pg.outWidth
        for blocks in layers {
            for b in blocks {
                total += b.conv1.macs(height: h, width: w)
                if let ds = b.downsample { total += ds.conv.macs(height: h, width: w) }
                let g1 = b.conv1.geometry(height: h, width: w)
                h = g1.outHeight; w = g1.outWidth
                total += b.conv2.macs(height: h, width: w)
            }
        }
        return total
    }

    // MARK: - Eval forward

    /// Eval mode (running statistics). Safe to call from several threads at once. `observe`
    /// receives the stem's intermediate outputs (`conv1`/`conv1_a`, `bn1`, `relu`, `maxpool`) and
    /// each `layerN` output; when it is set the stem runs unfused so conv and BN can be seen apart.
    /// `batchStatistics`: every BatchNorm normalises with the input's own statistics (a module
    /// left in training mode at inference, as RCGrad's released audio encoder runs), without
    /// touching the running statistics.
    public func forward(_ x: Tensor, batchStatistics: Bool = false, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inputChannels, "\(prefix): input \(x.shape), expected (B,\(inputChannels),H,W)")
        var h: Tensor
        if batchStatistics {
            let c = stem.forward(x)
            observe?(stemName, c)
            let b = bn1.forwardBatchStatistics(c)
            observe?("bn1", b)
            h = b.copy()
            ReLU.forwardInPlace(h)
            observe?("relu", h)
        } else if let observe {
            let c = stem.forward(x)
            observe(stemName, c)
            let b = bn1.forwardEval(c)
            observe("bn1", b)
            h = b.copy()
            ReLU.forwardInPlace(h)
            observe("relu", h)
        } else {
            h = stem.forward(x, epilogue: .batchNorm(bn1, relu: true))
        }
        h = maxPool.forward(h)
        observe?("maxpool", h)
        for (li, blocks) in layers.enumerated() {
            for b in blocks { h = batchStatistics ? b.forwardBatchStatistics(h) : b.forward(h) }
            observe?("layer\(li + 1)", h)
        }
        return h
    }

    // MARK: - Training

    /// Scratch of the training thread (im2col columns, grouped GEMM outputs), reused every step.
    public let workspace = Workspace()

    /// Activations of one train-mode forward: exactly what `backward` reads.
    public struct Tape: @unchecked Sendable {
        let input: Tensor
        let stemOut: Tensor
        let bnSaved: BatchNorm2d.Saved
        let reluOut: Tensor
        let poolSaved: MaxPool2d.Saved
        let blocks: [BasicBlock.Tape]
    }

    /// Train-mode forward: batch statistics in every BatchNorm, running statistics updated
    /// `statUpdates` times; `copies` > 1 when `x` stands for that many identical copies of
    /// itself (see `BatchNorm2d.forwardTrain`).
    public func forwardTrain(_ x: Tensor, statUpdates: Int = 1, copies: Int = 1) -> (output: Tensor, tape: Tape) {
        precondition(x.rank == 4 && x.shape[1] == inputChannels, "\(prefix): input \(x.shape), expected (B,\(inputChannels),H,W)")
        let c = stem.forward(x, workspace: workspace)
        let (r, s) = bn1.forwardTrain(c, statUpdates: statUpdates, copies: copies)
        ReLU.forwardInPlace(r)
        var (h, ps) = maxPool.forwardTrain(r)
        var bt: [BasicBlock.Tape] = []
        for blocks in layers {
            for b in blocks {
                let (o, t) = b.forwardTrain(h, statUpdates: statUpdates, copies: copies, workspace: workspace)
                bt.append(t); h = o
            }
        }
        return (h, Tape(input: x, stemOut: c, bnSaved: s, reluOut: r, poolSaved: ps, blocks: bt))
    }

    /// Backward of the train-mode forward that produced `tape`: accumulates into the gradients
    /// and returns dL/dx only when `inputGrad` is true (the gradient checks; the stem's input is data).
    @discardableResult
    public func backward(_ gradOutput: Tensor, tape: Tape, inputGrad: Bool = false) -> Tensor? {
        var g = gradOutput.copy()
        var i = tape.blocks.count
        for blocks in layers.reversed() {
            for b in blocks.reversed() {
                i -= 1
                g = b.backward(tape.blocks[i], gradOutput: g, workspace: workspace)
            }
        }
        g = maxPool.backward(saved: tape.poolSaved, gradOutput: g)
        ReLU.backwardInPlace(output: tape.reluOut, grad: g)
        g = bn1.backward(input: tape.stemOut, saved: tape.bnSaved, gradOutput: g)
        return stem.backward(input: tape.input, gradOutput: g, inputGrad: inputGrad, workspace: workspace)
    }
}
