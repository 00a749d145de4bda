import Foundation

/// One batch in network-input form.
public struct TrainBatch: @unchecked Sendable {
    /// (B,3,S,S), normalised.
    public var images: Tensor
    /// (B,1,mels,frames) log-mel of the positive audio.
    public var specPos: Tensor
    /// Silence / noise spectrograms (B,1,mels,frames); nil when that negative is off.
    public var specSilence: Tensor?
    public var specNoise: Tensor?

    public init(images: Tensor, specPos: Tensor, specSilence: Tensor? = nil, specNoise: Tensor? = nil) {
        self.images = images; self.specPos = specPos; self.specSilence = specSilence; self.specNoise = specNoise
    }
}

/// What one step computes (losses, maps, logits); gradients are left in the parameters.
public struct TrainStepResult: @unchecked Sendable {
    public var lossTotal: Float = 0
    public var lossCL: Float = 0
    public var lossCLts: Float? = nil
    public var lossEquiv: Float? = nil
    public var lossS: Float? = nil
    public var lossN: Float? = nil
    public var logits: Tensor
    public var simMap: Tensor          // A (B,1,h,w)
    public var heatmapTS: Tensor? = nil  // A_t
    public var tsHeatmap: Tensor? = nil  // T(A)
    public var transformedImages: Tensor? = nil
    public var silenceMap: Tensor? = nil
    public var noiseMap: Tensor? = nil

    public var parts: [String: Double] {
        var d: [String: Double] = ["loss": Double(lossTotal), "loss_cl": Double(lossCL)]
        if let v = lossCLts { d["loss_cl_ts"] = Double(v) }
        if let v = lossEquiv { d["loss_equiv"] = Double(v) }
        if let v = lossS { d["loss_S"] = Double(v) }
        if let v = lossN { d["loss_N"] = Double(v) }
        return d
    }
}

/// The SSL-SaN objective (SPEC §4–§5), forward + backward for one batch, train mode.
///
/// L = w·L_cl [+ 0.5·(L_cl + L_cl_ts) + λ_eq·L_eq with equivariance] + λ·(L_S + L_N).
/// Forward order (BN buffers): imgnet(images), imgnet(T(images)); audnet(positive) [twice with the
/// equivariance branch, as AVENet.forward is called twice], audnet(silence), audnet(noise).
/// The image and audio branches run on two threads.
public struct TrainObjective: Sendable {
    public var head: ContrastiveLoss
    /// λ for L_S + L_N.
    public var lambda: Float = 1
    public var negativeLoss = true
    public var equivarianceWeight: Float = 1
    /// Run the image and audio branches on two threads.
    public var parallelBranches = true
    /// One audnet forward on the concatenated [positive; silence; noise] batch (SPEC A3's
    /// alternative) instead of one forward per audio kind. Separate forwards normalise silence and
    /// noise by their own train-mode batch statistics, which eval mode (running statistics of the
    /// mixture) never reproduces: the negatives' maps then vanish in training but not at test time.
    /// A joint batch makes the statistics the loss saw the ones the evaluated network uses.
    public var jointAudioBatch = false
    /// With `parallelBranches`, the negatives (silence, noise) run on a replica of the audio
    /// encoder on the second thread while the first does the image branch and the positive audio:
    /// the audio encoder is ~85 % of the work, so "image ∥ audio" left one core mostly idle.
    let negativesReplica = EncoderReplica()
    /// Run a constant silence batch as one sample standing for B (see `step`); off only to
    /// check that both ways give the same step.
    public var collapseConstantSilence = true

    public init(config: ModelConfig) { head = ContrastiveLoss(config: config) }

    /// Computes the losses and accumulates gradients into the model's parameters (call `zeroGrad` first).
    public func step(model: SSLSaNModel, batch: TrainBatch, transform: EquivarianceTransform?) -> TrainStepResult {
        typealias AudioForward = (saved: SimilarityHead.AudioSaved, tape: ResNetEncoder.Tape, encoder: ResNetEncoder)
        let imgBox = Box<(SimilarityHead.VisualSaved, ResNetEncoder.Tape, SimilarityHead.VisualSaved?, ResNetEncoder.Tape?, Tensor?)?>(nil)
        let posBox = Box<[AudioForward]>([]), negBox = Box<[AudioForward]>([])
        let useNeg = negativeLoss
        let joint = jointAudioBatch
        let images = batch.images
        let specs: [Tensor] = [batch.specPos] + (useNeg ? [batch.specSilence, batch.specNoise].compactMap { $0 } : [])
        let hasS = useNeg && batch.specSilence != nil, hasN = useNeg && batch.specNoise != nil
        // Silence is one constant spectrogram repeated B times. A train-mode forward of one copy
        // (BatchNorm told it stands for B) gives the same activations, and its backward with the
        // B rows' â gradients summed the same parameter gradients and running statistics: every
        // layer's backward is linear in its output gradient given the (identical) activations,
        // and BatchNorm's batch means of identical samples are those of one. B−1 forwards saved.
        let B = images.shape[0]
        let collapsed: Set<Int> = collapseConstantSilence && !joint && hasS && B > 1 && Self.rowsIdentical(specs[1]) ? [1] : []
        let imgnet = model.imageEncoder, audnet = model.audioEncoder
        // The positive audio goes through audnet twice in SSL-TIE's equivariance step (see
        // `BatchNorm2d.forwardTrain`): one forward, two running-stat updates.
        let positiveUpdates = transform != nil ? 2 : 1
        let replica: ResNetEncoder? = parallelBranches && !joint && specs.count > 1 ? negativesReplica.sync(from: audnet) : nil
        // ---- forward: thread 1 image branch (+ positive audio with a replica), thread 2 audio.
        runInParallel(parallelBranches, {
            let (f1, t1) = imgnet.forwardTrain(images)
            let v1 = SimilarityHead.normalizeVisual(f1)
            var v2: SimilarityHead.VisualSaved? = nil, t2: ResNetEncoder.Tape? = nil, ti: Tensor? = nil
            if let tf = transform {
                let x2 = tf.apply(images)
                let (f2, tp2) = imgnet.forwardTrain(x2)
                v2 = SimilarityHead.normalizeVisual(f2); t2 = tp2; ti = x2
            }
            imgBox.value = (v1, t1, v2, t2, ti)
            if replica != nil {
                let (g, t) = audnet.forwardTrain(specs[0], statUpdates: positiveUpdates)
                posBox.value = [(SimilarityHead.poolNormalizeAudio(g), t, audnet)]
            }
        }, {
            var r: [AudioForward] = []
            if joint && specs.count > 1 {
                let (g, t) = audnet.forwardTrain(concatBatch(specs), statUpdates: positiveUpdates)
                r.append((SimilarityHead.poolNormalizeAudio(g), t, audnet))
            } else {
                for (i, s) in specs.enumerated() where replica == nil || i > 0 {
                    let enc = replica ?? audnet
                    let one = collapsed.contains(i)
                    let (g, t) = enc.forwardTrain(one ? Self.firstRow(s) : s, statUpdates: i == 0 ? positiveUpdates : 1,
                                                  copies: one ? B : 1)
                    r.append((SimilarityHead.poolNormalizeAudio(g), t, enc))
                }
            }
            negBox.value = r
        })
        if replica != nil { negativesReplica.mergeRunningStatistics(into: audnet) }
        let (v1s, tape1, v2s, tape2, ximg) = imgBox.value!
        let auds = posBox.value + negBox.value
        // With a joint batch, â rows [kB, (k+1)B) belong to audio kind k.
        let jointAhat: [Tensor]? = joint && specs.count > 1 ? splitBatch(auds[0].0.ahat, parts: specs.count) : nil
        func ahat(_ k: Int) -> Tensor {
            jointAhat?[k] ?? (collapsed.contains(k) ? Self.repeatRows(auds[k].saved.ahat, B) : auds[k].saved.ahat)
        }
        let v1 = v1s.vhat, aPos = ahat(0)
        let dV1 = Tensor(shape: v1.shape)
        let dAPos = Tensor(shape: aPos.shape)

        // ---- heads
        let clWeight: Float = transform == nil ? 1 : 0.5
        let a0 = SimilarityHead.allPairMaps(visual: v1, audio: aPos)
        let cl = head(a0)
        scaleInPlace(cl.dA0, clWeight)
        SimilarityHead.allPairMapsBackward(cl.dA0, visual: v1, audio: aPos, dVisual: dV1, dAudio: dAPos)
        let simMap = Self.diagonal(a0)
        var result = TrainStepResult(logits: cl.logits, simMap: simMap)
        result.lossCL = cl.loss
        var total = Double(clWeight) * Double(cl.loss)
        var dV2: Tensor? = nil
        if let tf = transform, let v2s {
            let v2 = v2s.vhat
            let d2 = Tensor(shape: v2.shape)
            let a0t = SimilarityHead.allPairMaps(visual: v2, audio: aPos)
            let clt = head(a0t)
            scaleInPlace(clt.dA0, 0.5)
            SimilarityHead.allPairMapsBackward(clt.dA0, visual: v2, audio: aPos, dVisual: d2, dAudio: dAPos)
            let at = Self.diagonal(a0t)
            let ta = tf.apply(simMap, target: (at.shape[2], at.shape[3]))
            let leq = MSELoss.forward(at, ta)
            let (dAt, dTA) = MSELoss.backward(at, ta, scale: equivarianceWeight)
            SimilarityHead.pairMapsBackward(dAt, visual: v2, audio: aPos, dVisual: d2, dAudio: dAPos)
            let dA = tf.backward(dTA, inputShape: simMap.shape)
            SimilarityHead.pairMapsBackward(dA, visual: v1, audio: aPos, dVisual: dV1, dAudio: dAPos)
            total += 0.5 * Double(clt.loss) + Double(equivarianceWeight) * Double(leq)
            result.lossCLts = clt.loss; result.lossEquiv = leq
            result.heatmapTS = at; result.tsHeatmap = ta; result.transformedImages = ximg
            dV2 = d2
        }
        var dAudio: [Tensor] = [dAPos]
        var next = 1
        for isS in [true, false] where isS ? hasS : hasN {
            let a = ahat(next)
            next += 1
            let m = SimilarityHead.pairMaps(visual: v1, audio: a)
            let l = SquaredMapLoss.forward(m)
            let dm = SquaredMapLoss.backward(m, scale: lambda)
            let da = Tensor(shape: a.shape)
            SimilarityHead.pairMapsBackward(dm, visual: v1, audio: a, dVisual: dV1, dAudio: da)
            dAudio.append(da)
            total += Double(lambda) * Double(l)
            if isS { result.lossS = l; result.silenceMap = m } else { result.lossN = l; result.noiseMap = m }
        }
        result.lossTotal = Float(total)

        // ---- backward
        let dv2 = dV2
        let dAud = dAudio
        runInParallel(parallelBranches, {
            imgnet.backward(SimilarityHead.normalizeVisualBackward(dV1, v1s), tape: tape1)
            if let dv2, let v2s, let tape2 {
                imgnet.backward(SimilarityHead.normalizeVisualBackward(dv2, v2s), tape: tape2)
            }
            if replica != nil {
                audnet.backward(SimilarityHead.poolNormalizeAudioBackward(dAud[0], auds[0].saved), tape: auds[0].tape)
            }
        }, {
            if jointAhat != nil {
                let a = auds[0]
                audnet.backward(SimilarityHead.poolNormalizeAudioBackward(concatBatch(dAud), a.saved), tape: a.tape)
            } else {
                for (i, a) in auds.enumerated() where replica == nil || i > 0 {
                    let d = collapsed.contains(i) ? Self.sumRows(dAud[i]) : dAud[i]
                    a.encoder.backward(SimilarityHead.poolNormalizeAudioBackward(d, a.saved), tape: a.tape)
                }
            }
        })
        if replica != nil { negativesReplica.addGradients(into: audnet) }
        return result
    }

    /// Whether every batch row of `t` holds the same values as row 0.
    static func rowsIdentical(_ t: Tensor) -> Bool {
        let b = t.shape[0], n = t.count / max(b, 1)
        for r in 1..<max(b, 1) where memcmp(t.data, t.data + r * n, n * MemoryLayout<Float>.size) != 0 { return false }
        return true
    }

    /// Row 0 of `t` as a batch of one.
    static func firstRow(_ t: Tensor) -> Tensor {
        var shape = t.shape; shape[0] = 1
        let out = Tensor(shape: shape)
        out.data.update(from: t.data, count: out.count)
        return out
    }

    /// A (1, …) tensor repeated to (b, …).
    static func repeatRows(_ t: Tensor, _ b: Int) -> Tensor {
        var shape = t.shape; shape[0] = b
        let out = Tensor(shape: shape)
        for r in 0..<b { (out.data + r * t.count).update(from: t.data, count: t.count) }
        return out
    }

    /// The rows of (b, …) summed → (1, …): the gradient of `repeatRows`.
    static func sumRows(_ t: Tensor) -> Tensor {
        var shape = t.shape; let b = shape[0]; shape[0] = 1
        let out = Tensor(shape: shape), n = out.count
        for r in 0..<b { for i in 0..<n { out.data[i] += t.data[r * n + i] } }
        return out
    }

    /// A[n] = A0[n,n] → (B,1,h,w).
    static func diagonal(_ a0: Tensor) -> Tensor {
        let b = a0.shape[0], hw = a0.shape[2] * a0.shape[3]
        let out = Tensor(shape: [b, 1, a0.shape[2], a0.shape[3]])
        for n in 0..<b { (out.data + n * hw).update(from: a0.data + (n * b + n) * hw, count: hw) }
        return out
    }
}

/// Tensors of equal shape (B,…) stacked along the batch axis → (k·B,…).
func concatBatch(_ parts: [Tensor]) -> Tensor {
    var shape = parts[0].shape
    shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
    let out = Tensor(shape: shape)
    var offset = 0
    for p in parts { (out.data + offset).update(from: p.data, count: p.count); offset += p.count }
    return out
}

/// The inverse of `concatBatch` for `parts` equal slices.
func splitBatch(_ t: Tensor, parts: Int) -> [Tensor] {
    var shape = t.shape
    shape[0] /= parts
    let n = t.count / parts
    return (0..<parts).map { k in
        let s = Tensor(shape: shape)
        s.data.update(from: t.data + k * n, count: n)
        return s
    }
}

func scaleInPlace(_ t: Tensor, _ s: Float) {
    if s == 1 { return }
    for i in 0..<t.count { t.data[i] *= s }
}

/// Runs two closures on two threads (or one after the other) and waits for both.
func runInParallel(_ parallel: Bool, _ a: @escaping @Sendable () -> Void, _ b: @escaping @Sendable () -> Void) {
    if !parallel { a(); b(); return }
    DispatchQueue.concurrentPerform(iterations: 2) { i in if i == 0 { a() } else { b() } }
}

/// A mutable box to pass results out of `@Sendable` closures.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}

/// A second copy of an encoder for a second training thread. `sync` copies the weights and
/// running statistics in (gradients zeroed); after the forwards, `mergeRunningStatistics` folds
/// the replica's running-stat updates into the original as if they had followed the original's
/// own (each update is r ← (1−m)·r + m·μ, so with K replica updates from r₀ and the original at
/// r₁: r = r_replica + (1−m)^K·(r₁ − r₀)); after the backwards `addGradients` adds its gradients.
final class EncoderReplica: @unchecked Sendable {
    private var encoder: ResNetEncoder?
    private var start: [(mean: [Float], variance: [Float])] = []

    func sync(from e: ResNetEncoder) -> ResNetEncoder {
        let r: ResNetEncoder
        if let c = encoder, c.widths == e.widths, c.modality == e.modality { r = c } else {
            r = ResNetEncoder(modality: e.modality, widths: e.widths, prefix: e.prefix)
            encoder = r
        }
        for (p, q) in zip(e.parameters, r.parameters) { q.value.copy(from: p.value); q.grad.fill(0) }
        start = []
        for (a, b) in zip(e.batchNorms, r.batchNorms) {
            b.bn.runningMean.copy(from: a.bn.runningMean); b.bn.runningVar.copy(from: a.bn.runningVar)
            b.bn.numBatchesTracked = 0
            start.append((a.bn.runningMean.array, a.bn.runningVar.array))
        }
        return r
    }

    func mergeRunningStatistics(into e: ResNetEncoder) {
        guard let r = encoder else { return }
        for (k, (a, b)) in zip(e.batchNorms, r.batchNorms).enumerated() {
            let updates = b.bn.numBatchesTracked
            let decay = pow(1 - b.bn.momentum, Float(updates))
            for c in 0..<a.bn.channels {
                a.bn.runningMean[c] = b.bn.runningMean[c] + decay * (a.bn.runningMean[c] - start[k].mean[c])
                a.bn.runningVar[c] = b.bn.runningVar[c] + decay * (a.bn.runningVar[c] - start[k].variance[c])
            }
            a.bn.numBatchesTracked += updates
        }
    }

    func addGradients(into e: ResNetEncoder) {
        guard let r = encoder else { return }
        for (p, q) in zip(e.parameters, r.parameters) { Residual.addInPlace(p.grad, q.grad) }
    }
}
