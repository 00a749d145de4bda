import XCTest
@testable import Core

/// Finite-difference checks of every training-only backward (heads, losses, equivariance transform,
/// trainable layers), plus Adam / ReduceLROnPlateau / augmentation behaviour.
final class TrainingHeadsTests: XCTestCase {
    var rng = TrainingRNG(seed: 11)

    func randn(_ shape: [Int], scale: Double = 1, offset: Double = 0) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = Float(offset + scale * rng.normal()) }
        return t
    }

    func relu(_ t: Tensor) -> Tensor { for i in 0..<t.count { t[i] = max(0, t[i]) + 0.01 }; return t }

    /// Central differences in Double via Float perturbations; compares a few coordinates.
    func check(_ name: String, x: Tensor, analytic: Tensor, samples: Int = 12, eps: Float = 1e-2, tol: Double = 2e-2,
               _ f: () -> Double) {
        var worst = 0.0
        var amax = 0.0
        for i in 0..<analytic.count { amax = max(amax, abs(Double(analytic[i]))) }
        let floor = max(1e-6, 0.05 * amax)   // float32 loss: finite differences are noisy below ~5 % of the largest entry
        for k in 0..<samples {
            let i = (k * 7919 + 13) % x.count
            let old = x[i]
            x[i] = old + eps; let fp = f()
            x[i] = old - eps; let fm = f()
            x[i] = old
            let num = (fp - fm) / (2 * Double(eps))
            let an = Double(analytic[i])
            // The loss is float32: each evaluation is uncertain by about one of its ulps (GEMM
            // rounding order: sharing GEMMs between samples moved this difference by 1.1 ulp),
            // which a central difference divides by 2·eps — 1.3e-3 for the tiny model's loss of
            // 14.5 at eps 3e-4, a tenth of its smaller gradient entries. Errors within that
            // resolution are not a wrong gradient.
            let resolution = 2 * Double(Float(max(abs(fp), abs(fm))).ulp) / (2 * Double(eps))
            let err = max(0, abs(num - an) - resolution) / max(floor, abs(num) + abs(an))
            worst = max(worst, err)
            XCTAssertLessThan(err, tol, "\(name)[\(i)]: numeric \(num) analytic \(an) (loss \(fp), resolution \(resolution))")
        }
        print("\(name): worst relative error \(String(format: "%.2e", worst)) (loss \(f()), eps \(eps))")
    }

    /// A fixed random linear functional of a tensor, to turn outputs into a scalar loss.
    func probe(_ shape: [Int], seed: UInt64) -> Tensor {
        var r = TrainingRNG(seed: seed)
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = Float(r.normal()) }
        return t
    }
    func dot(_ a: Tensor, _ b: Tensor) -> Double { var s = 0.0; for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }; return s }

    func testVisualNormalisation() {
        let f = relu(randn([2, 5, 3, 3]))
        let g = probe(f.shape, seed: 1)
        let s = SimilarityHead.normalizeVisual(f)
        let df = SimilarityHead.normalizeVisualBackward(g, s)
        check("normalizeVisual", x: f, analytic: df, eps: 1e-3) { dot(SimilarityHead.normalizeVisual(f).vhat, g) }
    }

    func testAudioPoolNormalisation() {
        let x = randn([3, 4, 2, 5])
        let g = probe([3, 4], seed: 2)
        let s = SimilarityHead.poolNormalizeAudio(x)
        let dx = SimilarityHead.poolNormalizeAudioBackward(g, s)
        // routes to the arg-max only
        var nonzero = 0
        for i in 0..<dx.count where dx[i] != 0 { nonzero += 1 }
        XCTAssertLessThanOrEqual(nonzero, 12)
        check("poolNormalizeAudio", x: x, analytic: dx, eps: 1e-3) { dot(SimilarityHead.poolNormalizeAudio(x).ahat, g) }
    }

    func testContrastiveLossAndMaps() {
        let b = 3, c = 6
        let v = relu(randn([b, c, 3, 3])), a = relu(randn([b, c]))
        var head = ContrastiveLoss(config: .full)
        head.tau = 0.3 // smoother sigmoids for finite differences
        func loss() -> Double {
            let vh = SimilarityHead.normalizeVisual(v).vhat
            let ah = SimilarityHead.poolNormalizeAudio(Tensor(shape: [b, c, 1, 1], values: a.array)).ahat
            return Double(head(SimilarityHead.allPairMaps(visual: vh, audio: ah)).loss)
        }
        let vs = SimilarityHead.normalizeVisual(v)
        let asv = SimilarityHead.poolNormalizeAudio(Tensor(shape: [b, c, 1, 1], values: a.array))
        let r = head(SimilarityHead.allPairMaps(visual: vs.vhat, audio: asv.ahat))
        XCTAssertEqual(r.logits.shape, [b, b + 2])
        let dv = Tensor(shape: v.shape), da = Tensor(shape: [b, c])
        SimilarityHead.allPairMapsBackward(r.dA0, visual: vs.vhat, audio: asv.ahat, dVisual: dv, dAudio: da)
        let dvRaw = SimilarityHead.normalizeVisualBackward(dv, vs)
        let daRaw = SimilarityHead.poolNormalizeAudioBackward(da, asv)
        check("contrastive dV", x: v, analytic: dvRaw, eps: 1e-3, tol: 3e-2, loss)
        let daFlat = Tensor(shape: [b, c], values: daRaw.array)
        check("contrastive dA", x: a, analytic: daFlat, eps: 1e-3, tol: 3e-2, loss)
    }

    func testContrastiveDiagonalMaskAndNoNaN() {
        // A ≈ 1 everywhere: 1 − σ would round to 0 (0/0); σ(−x) keeps sim2 finite.
        let a0 = Tensor(shape: [2, 2, 2, 2], repeating: 0.999)
        let r = ContrastiveLoss(config: .full)(a0)
        XCTAssertTrue(r.loss.isFinite)
        XCTAssertEqual(r.logits[1] , -99 * 0.999 / 0.07, accuracy: 1e-2) // diagonal easy negative ×(−99)
        XCTAssertEqual(r.logits[2], 0.999 / 0.07, accuracy: 1e-3)
    }

    func testSquaredMapLossAndMSE() {
        let m = randn([2, 1, 3, 3])
        let d = SquaredMapLoss.backward(m, scale: 1)
        check("L_S", x: m, analytic: d) { Double(SquaredMapLoss.forward(m)) }
        let x = randn([2, 1, 2, 2]), y = randn([2, 1, 2, 2])
        let (dx, dy) = MSELoss.backward(x, y)
        check("MSE dx", x: x, analytic: dx) { Double(MSELoss.forward(x, y)) }
        check("MSE dy", x: y, analytic: dy) { Double(MSELoss.forward(x, y)) }
    }

    func testEquivarianceTransformAdjointAndGeometry() {
        let tf = EquivarianceTransform(matrices: [EquivarianceTransform.rotationMatrix(angleDegrees: 17, scale: 0.5, center: (112, 112)),
                                                  EquivarianceTransform.rotationMatrix(angleDegrees: -30, scale: 0.5, center: (112, 112))],
                                       scale: 0.5, flip: true)
        let x = randn([2, 1, 14, 14])
        let y = tf.apply(x)
        XCTAssertEqual(y.shape, [2, 1, 7, 7])
        let g = probe(y.shape, seed: 5)
        let dx = tf.backward(g, inputShape: x.shape)
        // linear map: <T x, g> = <x, Tᵀ g>
        XCTAssertEqual(dot(y, g), dot(x, dx), accuracy: 1e-4 * max(1, abs(dot(y, g))))
        // target size differing from int(h·s) (odd maps): still adjoint
        let y2 = tf.apply(x, target: (4, 4))
        let g2 = probe(y2.shape, seed: 6)
        XCTAssertEqual(dot(y2, g2), dot(x, tf.backward(g2, inputShape: x.shape)), accuracy: 1e-4 * max(1, abs(dot(y2, g2))))
        // identity transform at scale 1, angle 0, no flip leaves an image unchanged
        let id = EquivarianceTransform(matrices: [EquivarianceTransform.rotationMatrix(angleDegrees: 0, scale: 1, center: (112, 112))], scale: 1, flip: false)
        let img = randn([1, 3, 224, 224])
        let out = id.apply(img)
        var mx: Float = 0
        for i in 0..<img.count { mx = max(mx, abs(out[i] - img[i])) }
        XCTAssertLessThan(mx, 1e-5)
    }

    func testTinyModelStepGradient() {
        // Whole objective (core + equivariance + L_S/L_N) on a tiny model: d loss / d param by finite differences.
        let cfg = ModelConfig(name: "tiny", widths: [4, 4, 8, 8], imageSize: 64, clipSeconds: 0.2, hop: 160, nMels: 16, tau: 0.2)
        let model = SSLSaNModel(config: cfg, seed: 3)
        for (_, bn) in model.batchNorms { for i in 0..<bn.channels { bn.bias[i] = Float(0.2 * rng.normal()) } }
        let b = 3
        let batch = TrainBatch(images: randn([b, 3, 64, 64]), specPos: randn([b, 1, 16, cfg.frames], scale: 10, offset: -20),
                               // (a constant silence batch makes deep train-mode BN ill-conditioned for finite differences;
                               // the golden test covers it)
                               specSilence: randn([b, 1, 16, cfg.frames], scale: 3, offset: -50),
                               specNoise: randn([b, 1, 16, cfg.frames], scale: 3, offset: -5))
        let tf = EquivarianceTransform(matrices: (0..<b).map { EquivarianceTransform.rotationMatrix(angleDegrees: Double(10 * $0 - 10), scale: 0.5, center: (32, 32)) },
                                       scale: 0.5, flip: true, canvas: 64)
        var obj = TrainObjective(config: cfg)
        obj.parallelBranches = false
        model.zeroGrad()
        _ = obj.step(model: model, batch: batch, transform: tf)
        let params = model.parameters
        func loss() -> Double {
            // BN running statistics change on every forward but do not affect train-mode outputs.
            let grads = params.map { $0.grad.copy() }
            let l = Double(obj.step(model: model, batch: batch, transform: tf).lossTotal)
            for (p, g) in zip(params, grads) { p.grad.copy(from: g) }
            return l
        }
        for name in ["imgnet.layer4.1.conv2.weight", "audnet.layer4.1.bn2.weight", "imgnet.layer1.0.conv1.weight", "audnet.bn1.bias"] {
            let p = params.first { $0.name == name }!
            // eps 3e-4: at 1e-3 a bias step of the first BN moves enough ReLU/max-pool kinks to
            // put central differences 7 % off for some random inputs (1.4 % at 3e-4).
            check(name, x: p.value, analytic: p.grad.copy(), samples: 4, eps: 3e-4, tol: 5e-2, loss)
        }
    }

    /// A short loss trajectory (llm.c's test checks several steps, not one): four Adam steps of the
    /// full objective on a tiny model with the negatives on a replica of the audio encoder on a
    /// second thread, shadowed in lockstep by a one-thread step through the encoder itself (given
    /// the same weights before every step). Losses, gradients, running statistics and counters
    /// must agree at every step; the merge of the replica's running-stat updates and gradients is
    /// exact in real arithmetic, so only float rounding separates them. The shadow takes the
    /// weights rather than its own Adam step: Adam's first steps move every weight by ±lr
    /// whatever the gradient's size, so rounding-level sign flips of near-zero gradients would
    /// make two free-running trajectories drift apart by design.
    func testLossTrajectoryReplicaMatchesOneThread() {
        let cfg = ModelConfig(name: "tiny", widths: [4, 4, 8, 8], imageSize: 64, clipSeconds: 0.2, hop: 160, nMels: 16, tau: 0.2)
        let b = 3
        let batch = TrainBatch(images: randn([b, 3, 64, 64]), specPos: randn([b, 1, 16, cfg.frames], scale: 10, offset: -20),
                               specSilence: randn([b, 1, 16, cfg.frames], scale: 3, offset: -50),
                               specNoise: randn([b, 1, 16, cfg.frames], scale: 3, offset: -5))
        let tf = EquivarianceTransform(matrices: (0..<b).map { EquivarianceTransform.rotationMatrix(angleDegrees: Double(15 * $0 - 10), scale: 0.5, center: (32, 32)) },
                                       scale: 0.5, flip: true, canvas: 64)
        let model = SSLSaNModel(config: cfg, seed: 9), shadow = SSLSaNModel(config: cfg, seed: 9)
        var replicated = TrainObjective(config: cfg), single = TrainObjective(config: cfg)
        replicated.parallelBranches = true; single.parallelBranches = false
        let opt = AdamOptimizer(params: model.parameters, lr: 1e-2)
        var losses: [Float] = []
        for step in 0..<4 {
            for (p, q) in zip(model.parameters, shadow.parameters) { q.value.copy(from: p.value) }
            opt.zeroGrad(); shadow.zeroGrad()
            let l = replicated.step(model: model, batch: batch, transform: tf).lossTotal
            let ls = single.step(model: shadow, batch: batch, transform: tf).lossTotal
            XCTAssertEqual(l, ls, accuracy: 1e-5 * abs(ls), "step \(step) loss")
            assertSameState(model, shadow, "step \(step)")
            XCTAssertEqual(model.audioEncoder.bn1.numBatchesTracked, shadow.audioEncoder.bn1.numBatchesTracked)
            losses.append(l)
            opt.update()
        }
        print("loss trajectory: \(losses)")
        XCTAssertEqual(model.audioEncoder.bn1.numBatchesTracked, 4 * 4, "positive counts twice with the equivariance branch")
        XCTAssertLessThan(losses.last!, losses.first!)
    }

    /// Asserts that two models hold the same gradients (relative L2 ≤ 1e-4 per parameter: float32
    /// summation order) and running statistics (relative 1e-5); returns the worst gradient relL2.
    @discardableResult
    func assertSameState(_ a: SSLSaNModel, _ b: SSLSaNModel, _ label: String) -> Double {
        var worst = 0.0
        for (p, q) in zip(a.parameters, b.parameters) {
            var d = 0.0, n = 0.0
            for i in 0..<p.grad.count { let x = Double(p.grad[i]) - Double(q.grad[i]); d += x * x; n += Double(q.grad[i]) * Double(q.grad[i]) }
            worst = max(worst, d.squareRoot() / max(n.squareRoot(), 1e-12))
            XCTAssertLessThanOrEqual(d.squareRoot(), 1e-4 * n.squareRoot() + 1e-9, "\(label) grad \(p.name)")
        }
        for (x, y) in zip(a.buffers, b.buffers) {
            for i in 0..<x.value.count { XCTAssertEqual(x.value[i], y.value[i], accuracy: 1e-5 * max(1, abs(y.value[i])), "\(label) \(x.name)") }
        }
        return worst
    }

    /// A constant silence batch runs as one sample standing for B: the step must equal the one
    /// that runs all B copies (losses, every gradient, every running statistic), up to float32
    /// summation order (relative 1e-4 on a gradient's L2 norm, 1e-5 on losses and buffers).
    func testConstantSilenceAsOneSampleEqualsFullBatch() {
        let cfg = try! ModelConfig.named("demo")
        let b = 4
        var rng = Random(seed: 21)
        func randn(_ shape: [Int], scale: Float = 1, offset: Float = 0) -> Tensor {
            let t = Tensor(shape: shape)
            for i in 0..<t.count { t[i] = offset + scale * rng.normalFloat() }
            return t
        }
        let specShape = [b, 1, cfg.nMels, cfg.frames]
        let batch = TrainBatch(images: randn([b, 3, cfg.imageSize, cfg.imageSize]), specPos: randn(specShape, scale: 10, offset: -20),
                               specSilence: Tensor(shape: specShape, repeating: -100), specNoise: randn(specShape, scale: 3, offset: -5))
        let one = SSLSaNModel(config: cfg, seed: 5), all = SSLSaNModel(config: cfg, seed: 5)
        var collapsed = TrainObjective(config: cfg), full = TrainObjective(config: cfg)
        full.collapseConstantSilence = false
        let r1 = collapsed.step(model: one, batch: batch, transform: nil)
        let r2 = full.step(model: all, batch: batch, transform: nil)
        XCTAssertEqual(r1.lossTotal, r2.lossTotal, accuracy: 1e-5 * abs(r2.lossTotal))
        XCTAssertEqual(r1.lossS ?? .nan, r2.lossS ?? .nan, accuracy: 1e-5 * abs(r2.lossS ?? 1) + 1e-9)
        let worst = assertSameState(one, all, "constant silence")
        print("constant silence as one sample: worst gradient relL2 \(String(format: "%.2e", worst))")
    }

    func testAdamMatchesTorchFormula() {
        let p = Parameter(name: "w", value: Tensor(shape: [2]), grad: Tensor(shape: [2]))
        p.value[0] = 1; p.value[1] = -2
        let opt = AdamOptimizer(params: [p], lr: 0.1, weightDecay: 0.01)
        p.grad[0] = 0.5; p.grad[1] = 0
        opt.update()
        // step 1: m = 0.1 g', v = 0.001 g'^2, update = lr · g'/|g'| (bias-corrected)
        XCTAssertEqual(p.value[0], 1 - 0.1, accuracy: 1e-5)
        XCTAssertEqual(p.value[1], -2 + 0.1, accuracy: 1e-5) // decay-only gradient −0.02 → sign
    }

    func testPlateauScheduler() {
        var s = ReduceLROnPlateau(mode: .max, factor: 0.1, patience: 2)
        var lr = 1.0
        for m in [1.0, 0.9, 0.9, 0.9] { lr = s.step(metric: m, lr: lr) }
        XCTAssertEqual(lr, 0.1, accuracy: 1e-12)
        lr = s.step(metric: 2, lr: lr)
        XCTAssertEqual(lr, 0.1, accuracy: 1e-12)
    }

    func testSpecAugmentMasksBands() {
        let cfg = try! ModelConfig.named("demo")
        var sa = SpecAugment(config: cfg)
        sa.probability = 1
        let p = Tensor(shape: [1, 1, cfg.nMels, cfg.frames], repeating: 1)
        var r = TrainingRNG(seed: 5)
        sa.apply(p, rng: &r)
        var zeros = 0
        for i in 0..<p.count where p[i] == 0 { zeros += 1 }
        XCTAssertGreaterThan(zeros, 0)
        XCTAssertLessThan(zeros, p.count / 2)
    }

    func testImageAugmentShapesAndRange() {
        var img = RGBImage(width: 224, height: 224)
        for i in 0..<img.pixels.count { img.pixels[i] = UInt8(i % 251) }
        let out = Tensor(shape: [3, 128, 128])
        var r = TrainingRNG(seed: 1)
        for _ in 0..<5 { ImageAugment().apply(img, size: 128, rng: &r, into: out.data) }
        for i in 0..<out.count { XCTAssertTrue(out[i].isFinite && out[i] > -2.2 && out[i] < 2.7) }
    }

    /// A model after a train step is saved with all 257 state_dict keys (so PyTorch's
    /// `load_state_dict(strict=True)` takes it) and loads back with equal weights, running
    /// statistics, counters and eval outputs.
    func testTrainedCheckpointRoundTrip() throws {
        let cfg = try ModelConfig.named("demo")
        let m = SSLSaNModel(config: cfg, seed: 5)
        let b = 2
        let batch = TrainBatch(images: randn([b, 3, 128, 128]), specPos: randn([b, 1, cfg.nMels, cfg.frames], scale: 10, offset: -20),
                               specSilence: Tensor(shape: [b, 1, cfg.nMels, cfg.frames], repeating: -100),
                               specNoise: randn([b, 1, cfg.nMels, cfg.frames], scale: 3, offset: -5))
        let opt = AdamOptimizer(params: m.parameters, lr: 1e-3)
        opt.zeroGrad()
        _ = TrainObjective(config: cfg).step(model: m, batch: batch, transform: nil)
        opt.update()
        XCTAssertEqual(m.audioEncoder.bn1.numBatchesTracked, 3)
        let path = NSTemporaryDirectory() + "/sslsan-train-ckpt-\(getpid()).safetensors"
        try m.save(to: path)
        defer { unlink(path) }
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(file.names.count, 257)
        XCTAssertEqual(Set(file.names), Set(Checkpoint.layout(m).map(\.name)))
        let back = try SSLSaNModel.load(path)
        XCTAssertEqual(back.config, cfg)
        for (p, q) in zip(m.parameters, back.parameters) { XCTAssertEqual(p.name, q.name); XCTAssertEqual(p.value.array, q.value.array, p.name) }
        for (p, q) in zip(m.buffers, back.buffers) { XCTAssertEqual(p.value.array, q.value.array, p.name) }
        XCTAssertEqual(back.audioEncoder.bn1.numBatchesTracked, 3)
        let img = randn([1, 3, 128, 128])
        XCTAssertEqual(m.encodeImage(img).array, back.encodeImage(img).array)
    }
}
