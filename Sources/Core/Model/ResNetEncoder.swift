/// One SSL-TIE encoder: the ResNet-18 variant of SPEC §3.1 (layer4 stride 1), PyTorch-named.
///
/// Eval (thread-safe; BatchNorm, residual add and ReLU folded into the conv epilogues):
///     let feat = encoder.forward(x)                       // (B,Cin,H,W) → (B,w3,H/16,W/16)
///
/// Training (not thread-safe; one encoder is driven by one thread):
///     encoder.zeroGrad()
///     let y = encoder.forward(x, training: true)          // batch stats; running stats, num_batches_tracked += 1
///     ...loss, dL/dy...
///     encoder.backward(dy)                                // accumulates into every `grad`; returns nil
///
/// A train-mode forward pushes its activations onto a stack and `backward` pops the most recent
/// one, so several forwards of the same encoder (audnet: positive, silence, noise — each with its
/// own batch statistics) are undone in reverse order. `forward(x, training: false)` leaves the
/// stack alone. `backward(dy, inputGrad: true)` also returns dL/dx (used by the gradient checks).
/// `forwardTape`/`backward(_:tape:)` give explicit control over tapes instead of the stack.
///
/// Parameter registry (what an optimiser walks): `parameters` lists `(name, value, grad)` with
/// PyTorch names (e.g. "imgnet.layer1.0.conv1.weight", "imgnet.bn1.bias") in state_dict order,
/// only for the tensors this encoder uses (the vision encoder has `conv1`, the audio one
/// `conv1_a`). `buffers` lists running_mean / running_var by name; `batchNorms` gives each
/// BatchNorm2d by name for its `numBatchesTracked`.
public final class ResNetEncoder: @unchecked Sendable {
    public enum Modality: String, Sendable { case vision, audio }

    public typealias Parameter = (name: String, value: Tensor, grad: Tensor)

    public let modality: Modality
    /// "imgnet" or "audnet".
    public let prefix: String
    public let widths: [Int]
    /// `conv1` (3→w0) for vision, `conv1_a` (1→w0) for audio: 7×7, stride 2, pad 3.
    public let stem: Conv2d
    public let bn1: BatchNorm2d
    public let maxPool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
    /// layer1…layer4, two BasicBlocks each, strides 1, 2, 2, 1.
    public let layers: [[BasicBlock]]

    public static let layerStrides = [1, 2, 2, 1]

    public init(modality: Modality, widths: [Int], prefix: String? = nil) {
        precondition(widths.count == 4, "ResNetEncoder needs 4 widths, got \(widths)")
        self.modality = modality
        self.prefix = prefix ?? (modality == .vision ? "imgnet" : "audnet")
        self.widths = widths
        stem = Conv2d(inChannels: modality == .vision ? 3 : 1, outChannels: widths[0], kernel: 7, stride: 2, padding: 3)
        bn1 = BatchNorm2d(channels: widths[0])
        var inC = widths[0]
        var ls: [[BasicBlock]] = []
        for (i, w) in widths.enumerated() {
            ls.append([BasicBlock(inChannels: inC, outChannels: w, stride: Self.layerStrides[i]),
                       BasicBlock(inChannels: w, outChannels: w, stride: 1)])
            inC = w
        }
        layers = ls
    }

    public var stemName: String { modality == .vision ? "conv1" : "conv1_a" }
    public var inputChannels: Int { stem.inChannels }
    public var outputChannels: Int { widths[3] }

    // MARK: - Registry

    /// Every convolution with its full PyTorch parameter name, in state_dict order.
    public var namedConvs: [(String, Conv2d)] {
        var r: [(String, Conv2d)] = [("\(prefix).\(stemName)", stem)]
        for (li, blocks) in layers.enumerated() {
            for (bi, b) in blocks.enumerated() { r += b.convs.map { ("\(prefix).layer\(li + 1).\(bi).\($0.0)", $0.1) } }
        }
        return r
    }

    /// Every BatchNorm2d with its PyTorch module name, in state_dict order.
    public var batchNorms: [(name: String, bn: BatchNorm2d)] {
        var r: [(name: String, bn: BatchNorm2d)] = [("\(prefix).bn1", bn1)]
        for (li, blocks) in layers.enumerated() {
            for (bi, b) in blocks.enumerated() { r += b.norms.map { ("\(prefix).layer\(li + 1).\(bi).\($0.0)", $0.1) } }
        }
        return r
    }

    /// Trainable tensors with gradients, PyTorch names, state_dict order.
    public var parameters: [Parameter] {
        var r: [Parameter] = [("\(prefix).\(stemName).weight", stem.weight, stem.weightGrad)]
        r += [("\(prefix).bn1.weight", bn1.weight, bn1.weightGrad), ("\(prefix).bn1.bias", bn1.bias, bn1.biasGrad)]
        for (li, blocks) in layers.enumerated() {
            for (bi, b) in blocks.enumerated() {
                let p = "\(prefix).layer\(li + 1).\(bi)."
                var mods: [(String, Any)] = [("conv1", b.conv1), ("bn1", b.bn1), ("conv2", b.conv2), ("bn2", b.bn2)]
                if let ds = b.downsample { mods += [("downsample.0", ds.conv), ("downsample.1", ds.bn)] }
                for (n, m) in mods {
                    if let c = m as? Conv2d { r.append((p + n + ".weight", c.weight, c.weightGrad)) }
                    if let bn = m as? BatchNorm2d {
                        r.append((p + n + ".weight", bn.weight, bn.weightGrad))
                        r.append((p + n + ".bias", bn.bias, bn.biasGrad))
                    }
                }
            }
        }
        return r
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
    public func forward(_ x: Tensor, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inputChannels, "\(prefix): input \(x.shape), expected (B,\(inputChannels),H,W)")
        var h: Tensor
        if let observe {
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
            for b in blocks { h = b.forward(h) }
            observe?("layer\(li + 1)", h)
        }
        return h
    }

    // MARK: - Training

    /// Activations of one train-mode forward.
    public final class Tape: @unchecked Sendable {
        let input: Tensor
        let stemOut: Tensor
        let bnSaved: BatchNorm2d.Saved
        let reluOut: Tensor
        let poolSaved: MaxPool2d.Saved
        let blocks: [BasicBlock.Tape]
        init(input: Tensor, stemOut: Tensor, bnSaved: BatchNorm2d.Saved, reluOut: Tensor, poolSaved: MaxPool2d.Saved, blocks: [BasicBlock.Tape]) {
            self.input = input; self.stemOut = stemOut; self.bnSaved = bnSaved; self.reluOut = reluOut
            self.poolSaved = poolSaved; self.blocks = blocks
        }
    }

    private var tapes: [Tape] = []

    /// Tapes waiting for a `backward` (train-mode forwards not yet undone).
    public var pendingBackwards: Int { tapes.count }

    /// Drops saved activations (e.g. after an aborted step).
    public func clearTapes() { tapes.removeAll() }

    /// `training: false` is the eval forward; `training: true` uses batch statistics, updates
    /// the running statistics and pushes a tape for `backward`.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training else { return forward(x) }
        let (y, tape) = forwardTape(x)
        tapes.append(tape)
        return y
    }

    /// Train-mode forward returning its tape explicitly.
    public func forwardTape(_ x: Tensor) -> (output: Tensor, tape: Tape) {
        precondition(x.rank == 4 && x.shape[1] == inputChannels, "\(prefix): input \(x.shape), expected (B,\(inputChannels),H,W)")
        let c = stem.forward(x)
        let (r, s) = bn1.forwardTrain(c)
        ReLU.forwardInPlace(r)
        var (h, ps) = maxPool.forwardTrain(r)
        var bt: [BasicBlock.Tape] = []
        for blocks in layers {
            for b in blocks {
                let (o, t) = b.forwardTrain(h)
                bt.append(t); h = o
            }
        }
        return (h, Tape(input: x, stemOut: c, bnSaved: s, reluOut: r, poolSaved: ps, blocks: bt))
    }

    /// Backward of the most recent train-mode forward (LIFO). Accumulates into the `grad`
    /// tensors; returns dL/dx only when `inputGrad` is true.
    @discardableResult
    public func backward(_ gradOutput: Tensor, inputGrad: Bool = false) -> Tensor? {
        guard let tape = tapes.popLast() else { preconditionFailure("\(prefix).backward without a train-mode forward") }
        return backward(gradOutput, tape: tape, inputGrad: inputGrad)
    }

    @discardableResult
    public func backward(_ gradOutput: Tensor, tape: Tape, inputGrad: Bool = false) -> Tensor? {
        var g = gradOutput
        var i = tape.blocks.count
        for blocks in layers.reversed() {
            for b in blocks.reversed() {
                i -= 1
                g = b.backward(tape.blocks[i], gradOutput: g)
            }
        }
        g = maxPool.backward(saved: tape.poolSaved, gradOutput: g)
        ReLU.backwardInPlace(output: tape.reluOut, grad: g)
        g = bn1.backward(input: tape.stemOut, saved: tape.bnSaved, gradOutput: g)
        return stem.backward(input: tape.input, gradOutput: g, inputGrad: inputGrad)
    }
}
