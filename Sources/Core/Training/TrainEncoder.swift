import Foundation

/// BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + identity/downsample(x)), forward and backward.
public final class TrainBasicBlock: @unchecked Sendable {
    let conv1: TrainConv2d, bn1: TrainBatchNorm2d, conv2: TrainConv2d, bn2: TrainBatchNorm2d
    let down: (TrainConv2d, TrainBatchNorm2d)?

    init(name: String, cin: Int, cout: Int, stride: Int) {
        conv1 = TrainConv2d(name: name + ".conv1", cin: cin, cout: cout, k: 3, stride: stride, pad: 1)
        bn1 = TrainBatchNorm2d(name: name + ".bn1", channels: cout)
        conv2 = TrainConv2d(name: name + ".conv2", cin: cout, cout: cout, k: 3, stride: 1, pad: 1)
        bn2 = TrainBatchNorm2d(name: name + ".bn2", channels: cout)
        if stride != 1 || cin != cout {
            down = (TrainConv2d(name: name + ".downsample.0", cin: cin, cout: cout, k: 1, stride: stride, pad: 0),
                    TrainBatchNorm2d(name: name + ".downsample.1", channels: cout))
        } else { down = nil }
    }

    struct Saved {
        let x: Tensor
        let b1: TrainBatchNorm2d.Saved
        let out1: Tensor
        let b2: TrainBatchNorm2d.Saved
        let bd: TrainBatchNorm2d.Saved?
        let out: Tensor
    }

    func forwardTrain(_ x: Tensor, _ ws: TrainWorkspace) -> (Tensor, Saved) {
        let c1 = conv1.forward(x, ws)
        let (out1, s1) = bn1.forwardTrain(c1)
        TrainReLU.forwardInPlace(out1)
        let c2 = conv2.forward(out1, ws)
        let (out, s2) = bn2.forwardTrain(c2)
        var sd: TrainBatchNorm2d.Saved? = nil
        if let (dc, db) = down {
            let (idn, s) = db.forwardTrain(dc.forward(x, ws))
            sd = s
            out.addInPlace(idn)
        } else {
            out.addInPlace(x)
        }
        TrainReLU.forwardInPlace(out)
        return (out, Saved(x: x, b1: s1, out1: out1, b2: s2, bd: sd, out: out))
    }

    func forwardEval(_ x: Tensor, _ ws: TrainWorkspace) -> Tensor {
        let out1 = bn1.forwardEval(conv1.forward(x, ws))
        TrainReLU.forwardInPlace(out1)
        let out = bn2.forwardEval(conv2.forward(out1, ws))
        if let (dc, db) = down { out.addInPlace(db.forwardEval(dc.forward(x, ws))) } else { out.addInPlace(x) }
        TrainReLU.forwardInPlace(out)
        return out
    }

    /// `dy` is consumed (modified in place).
    func backward(_ dy: Tensor, _ s: Saved, needInput: Bool, _ ws: TrainWorkspace) -> Tensor? {
        TrainReLU.backwardInPlace(dy, output: s.out)
        let dc2 = bn2.backward(dy, s.b2)
        let dout1 = conv2.backward(dc2, input: s.out1, needInput: true, ws)!
        TrainReLU.backwardInPlace(dout1, output: s.out1)
        let dc1 = bn1.backward(dout1, s.b1)
        let dx = conv1.backward(dc1, input: s.x, needInput: needInput, ws)
        if let (dc, db) = down, let sd = s.bd {
            let dd = db.backward(dy, sd)
            let dxd = dc.backward(dd, input: s.x, needInput: needInput, ws)
            if let dx, let dxd { dx.addInPlace(dxd) }
        } else if let dx {
            dx.addInPlace(dy)
        }
        return dx
    }

    var convs: [TrainConv2d] { [conv1, conv2] + (down.map { [$0.0] } ?? []) }
}

/// The ResNet-18 variant of SSL-TIE (layer4 stride 1) for one modality, trainable.
/// Parameter names follow the PyTorch `state_dict` (`imgnet.conv1.weight`, `audnet.conv1_a.weight`, …).
public final class TrainEncoder: @unchecked Sendable {
    public let prefix: String
    public let audio: Bool
    let conv1: TrainConv2d
    let bn1: TrainBatchNorm2d
    let blocks: [TrainBasicBlock]
    public let workspace = TrainWorkspace()

    public init(prefix: String, audio: Bool, widths: [Int]) {
        precondition(widths.count == 4)
        self.prefix = prefix; self.audio = audio
        conv1 = TrainConv2d(name: prefix + (audio ? ".conv1_a" : ".conv1"), cin: audio ? 1 : 3, cout: widths[0], k: 7, stride: 2, pad: 3)
        bn1 = TrainBatchNorm2d(name: prefix + ".bn1", channels: widths[0])
        var bl: [TrainBasicBlock] = []
        var cin = widths[0]
        for (li, w) in widths.enumerated() {
            let stride = (li == 1 || li == 2) ? 2 : 1
            bl.append(TrainBasicBlock(name: "\(prefix).layer\(li + 1).0", cin: cin, cout: w, stride: stride))
            bl.append(TrainBasicBlock(name: "\(prefix).layer\(li + 1).1", cin: w, cout: w, stride: 1))
            cin = w
        }
        blocks = bl
    }

    public struct Tape: @unchecked Sendable {
        let x: Tensor
        let b1: TrainBatchNorm2d.Saved
        let relu: Tensor
        let poolIdx: [Int32]
        let blocks: [TrainBasicBlock.Saved]
    }

    /// Train-mode forward (batch statistics; running statistics updated).
    public func forwardTrain(_ x: Tensor, statUpdates: Int = 1) -> (Tensor, Tape) {
        let ws = workspace
        for b in batchNorms { b.statUpdates = statUpdates }
        let c = conv1.forward(x, ws)
        let (r, s1) = bn1.forwardTrain(c)
        TrainReLU.forwardInPlace(r)
        var (h, idx) = TrainMaxPool.forward(r)
        var saved: [TrainBasicBlock.Saved] = []
        saved.reserveCapacity(blocks.count)
        for b in blocks {
            let (o, s) = b.forwardTrain(h, ws)
            saved.append(s); h = o
        }
        return (h, Tape(x: x, b1: s1, relu: r, poolIdx: idx, blocks: saved))
    }

    /// Eval-mode forward (running statistics).
    public func forwardEval(_ x: Tensor) -> Tensor {
        let ws = workspace
        let r = bn1.forwardEval(conv1.forward(x, ws))
        TrainReLU.forwardInPlace(r)
        var h = TrainMaxPool.forward(r).0
        for b in blocks { h = b.forwardEval(h, ws) }
        return h
    }

    /// Backward of one forward; accumulates parameter gradients. `dy` is consumed.
    public func backward(_ dy: Tensor, _ t: Tape) {
        let ws = workspace
        var g = dy
        for (b, s) in zip(blocks, t.blocks).reversed() {
            g = b.backward(g, s, needInput: true, ws)!
        }
        let dr = TrainMaxPool.backward(g, indices: t.poolIdx, inputShape: t.relu.shape)
        TrainReLU.backwardInPlace(dr, output: t.relu)
        let dc = bn1.backward(dr, t.b1)
        _ = conv1.backward(dc, input: t.x, needInput: false, ws)
    }

    /// Trainable parameters in PyTorch `state_dict` order.
    public var parameters: [TrainParam] {
        var p: [TrainParam] = [conv1.weight, bn1.weight, bn1.bias]
        for b in blocks {
            p += [b.conv1.weight, b.bn1.weight, b.bn1.bias, b.conv2.weight, b.bn2.weight, b.bn2.bias]
            if let (dc, db) = b.down { p += [dc.weight, db.weight, db.bias] }
        }
        return p
    }

    public var batchNorms: [TrainBatchNorm2d] {
        var r = [bn1]
        for b in blocks { r += [b.bn1, b.bn2]; if let d = b.down { r.append(d.1) } }
        return r
    }

    public var convolutions: [TrainConv2d] { [conv1] + blocks.flatMap(\.convs) }
}
