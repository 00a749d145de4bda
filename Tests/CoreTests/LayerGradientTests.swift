import XCTest
@testable import Core

/// Finite-difference checks of every layer's backward on tiny shapes. The loss is
/// L = Σ y·r for a fixed random r, so dL/dy = r; each sampled coordinate of an analytic
/// gradient is compared with the central difference (L(θ+h) − L(θ−h)) / 2h.
final class LayerGradientTests: XCTestCase {
    var rng = ParameterRNG(seed: 42)

    func random(_ shape: [Int], std: Double = 1, mean: Double = 0) -> Tensor {
        let t = Tensor(shape: shape); rng.fillNormal(t, mean: mean, std: std); return t
    }

    func dot(_ y: Tensor, _ r: Tensor) -> Double {
        var s = 0.0; for i in 0..<y.count { s += Double(y[i]) * Double(r[i]) }; return s
    }

    /// Compares `analytic` with finite differences of `loss` w.r.t. `param` at `samples` random
    /// coordinates; `allowedMisses` tolerates ReLU/max kinks crossed by the perturbation.
    func check(_ label: String, param: Tensor, analytic: Tensor, samples: Int = 24, h: Float = 1e-2,
               rtol: Double = 2e-2, atol: Double = 2e-3, allowedMisses: Int = 0, loss: () -> Double) {
        XCTAssertEqual(param.shape, analytic.shape, label)
        var scale = 0.0
        for i in 0..<analytic.count { scale = max(scale, abs(Double(analytic[i]))) }
        var misses: [String] = []
        var r = ParameterRNG(seed: label.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 })
        for s in 0..<min(samples, param.count) {
            let i = samples >= param.count ? s : Int(r.nextUInt64() % UInt64(param.count))
            let old = param[i]
            param[i] = old + h; let lp = loss()
            param[i] = old - h; let lm = loss()
            param[i] = old
            let numeric = (lp - lm) / (2 * Double(h))
            let a = Double(analytic[i])
            if abs(a - numeric) > atol * max(scale, 1) + rtol * abs(numeric) {
                misses.append("[\(i)] analytic \(a) numeric \(numeric)")
            }
        }
        XCTAssertLessThanOrEqual(misses.count, allowedMisses, "\(label): \(misses.joined(separator: "; "))")
        XCTAssertGreaterThan(scale, 0, "\(label): gradient is all zero")
    }

    func testConv2dGradients() {
        for (k, s, p, cin, size) in [(3, 2, 1, 3, 7), (3, 1, 1, 2, 6), (1, 1, 0, 4, 5), (1, 2, 0, 3, 7), (7, 2, 3, 1, 9)] {
            let conv = Conv2d(inChannels: cin, outChannels: 4, kernel: k, stride: s, padding: p)
            conv.initialise(&rng)
            let x = random([2, cin, size, size])
            let y = conv.forward(x)
            let r = random(y.shape)
            conv.weightGrad.fill(0)
            let dx = conv.backward(input: x, gradOutput: r)!
            let label = "conv k\(k) s\(s) p\(p)"
            check(label + " dW", param: conv.weight, analytic: conv.weightGrad) { dot(conv.forward(x), r) }
            check(label + " dx", param: x, analytic: dx) { dot(conv.forward(x), r) }
            // Gradients accumulate: a second backward doubles dW.
            let once = conv.weightGrad.copy()
            _ = conv.backward(input: x, gradOutput: r, inputGrad: false)
            for i in 0..<once.count { XCTAssertEqual(conv.weightGrad[i], 2 * once[i], accuracy: 1e-4 * max(1, abs(once[i]))) }
        }
    }

    func testConvEpilogueMatchesSeparateOps() {
        let conv = Conv2d(inChannels: 3, outChannels: 5, kernel: 3, stride: 1, padding: 1)
        conv.initialise(&rng)
        let bn = BatchNorm2d(channels: 5)
        bn.initialise(&rng)
        rng.fillNormal(bn.runningMean, std: 0.3); rng.fillNormal(bn.bias, std: 0.3)
        for c in 0..<5 { bn.runningVar[c] = 0.5 + Float(c) * 0.2 }
        let x = random([2, 3, 6, 6]), res = random([2, 5, 6, 6])
        let fused = conv.forward(x, epilogue: .batchNorm(bn, residual: res, relu: true))
        let sep = bn.forwardEval(conv.forward(x))
        Residual.addInPlace(sep, res); ReLU.forwardInPlace(sep)
        for i in 0..<sep.count { XCTAssertEqual(fused[i], sep[i], accuracy: 1e-5) }
    }

    func testBatchNormTrainGradientsAndRunningStats() {
        let bn = BatchNorm2d(channels: 3)
        bn.initialise(&rng)
        rng.fillNormal(bn.bias, std: 0.5)
        let x = random([4, 3, 5, 5], std: 2, mean: 1)
        let (y, saved) = bn.forwardTrain(x)
        // Running statistics: momentum 0.1, unbiased variance; counter incremented.
        XCTAssertEqual(bn.numBatchesTracked, 1)
        for c in 0..<3 {
            var vals: [Double] = []
            for b in 0..<4 { for i in 0..<25 { vals.append(Double(x[(b * 3 + c) * 25 + i])) } }
            let m = vals.reduce(0, +) / 100
            let v = vals.map { ($0 - m) * ($0 - m) }.reduce(0, +)
            XCTAssertEqual(Double(bn.runningMean[c]), 0.1 * m, accuracy: 1e-5)
            XCTAssertEqual(Double(bn.runningVar[c]), 0.9 + 0.1 * v / 99, accuracy: 1e-5)
            // Normalised with the biased variance.
            var ym = 0.0, yv = 0.0
            for b in 0..<4 { for i in 0..<25 { ym += Double(y[(b * 3 + c) * 25 + i]) } }
            ym /= 100
            for b in 0..<4 { for i in 0..<25 { let d = Double(y[(b * 3 + c) * 25 + i]) - ym; yv += d * d } }
            XCTAssertEqual(ym, Double(bn.bias[c]), accuracy: 1e-5)
            XCTAssertEqual((yv / 100).squareRoot(), Double(bn.weight[c]) * (v / 100 / (v / 100 + 1e-5)).squareRoot(), accuracy: 1e-4)
        }
        let r = random(y.shape)
        let dx = bn.backward(input: x, saved: saved, gradOutput: r)
        let loss = { self.dot(bn.forwardTrain(x).output, r) }
        check("bn dx", param: x, analytic: dx, h: 1e-2, loss: loss)
        check("bn dγ", param: bn.weight, analytic: bn.weightGrad, loss: loss)
        check("bn dβ", param: bn.bias, analytic: bn.biasGrad, loss: loss)
    }

    func testReLUAndMaxPoolGradients() {
        let x = random([2, 3, 9, 9])
        let r = random(x.shape)
        let y = x.copy(); ReLU.forwardInPlace(y)
        let g = r.copy(); ReLU.backwardInPlace(output: y, grad: g)
        check("relu dx", param: x, analytic: g, h: 1e-3) { let t = x.copy(); ReLU.forwardInPlace(t); return dot(t, r) }

        let pool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
        let (py, saved) = pool.forwardTrain(x)
        XCTAssertEqual(py.shape, [2, 3, 5, 5])
        let pr = random(py.shape)
        let dx = pool.backward(saved: saved, gradOutput: pr)
        check("maxpool dx", param: x, analytic: dx, samples: 60, h: 1e-3) { dot(pool.forward(x), pr) }
        // The separable eval path equals the generic window loop, odd and even sizes.
        for (h, w) in [(9, 9), (8, 10), (1, 1), (2, 3), (7, 4)] {
            let t = random([2, 3, h, w])
            XCTAssertEqual(pool.forward(t).array, pool.forwardTrain(t).output.array, "\(h)×\(w)")
            XCTAssertEqual(pool.forward(t).shape, pool.forwardTrain(t).output.shape)
        }
        // −∞ padding: an all-negative input never pools a padding zero.
        let neg = Tensor(shape: [1, 1, 4, 4], repeating: -5)
        XCTAssertEqual(pool.forward(neg).maxValue, -5)
    }

    func testHeadsGradients() {
        let x = random([2, 5, 3, 3])
        let r = random(x.shape)
        let dx = SimilarityHead.normalizeVisualBackward(r, SimilarityHead.normalizeVisual(x))
        check("l2norm dx", param: x, analytic: dx, h: 1e-3) { dot(SimilarityHead.normalizeVisual(x).vhat, r) }
        let saved = SimilarityHead.poolNormalizeAudio(x)
        let gr = random(saved.ahat.shape)
        let gdx = SimilarityHead.poolNormalizeAudioBackward(gr, saved)
        check("maxpool+l2norm dx", param: x, analytic: gdx, samples: 90, h: 1e-3) { dot(SimilarityHead.poolNormalizeAudio(x).ahat, gr) }
    }

    func testBasicBlockGradients() {
        for (cin, cout, s) in [(3, 3, 1), (3, 4, 2)] {
            let block = BasicBlock(inChannels: cin, outChannels: cout, stride: s)
            for m in block.modules {
                switch m.module {
                case .conv(let c): c.initialise(&rng)
                case .batchNorm(let n): n.initialise(&rng); rng.fillNormal(n.bias, std: 0.3)
                }
            }
            let x = random([2, cin, 6, 6])
            let (y, tape) = block.forwardTrain(x)
            let r = random(y.shape)
            let dx = block.backward(tape, gradOutput: r.copy())
            let loss = { self.dot(block.forwardTrain(x).output, r) }
            check("block\(s) dx", param: x, analytic: dx, h: 1e-3, allowedMisses: 1, loss: loss)
            check("block\(s) conv1 dW", param: block.conv1.weight, analytic: block.conv1.weightGrad, h: 1e-3, allowedMisses: 1, loss: loss)
            check("block\(s) bn2 dγ", param: block.bn2.weight, analytic: block.bn2.weightGrad, h: 1e-3, allowedMisses: 1, loss: loss)
            if let ds = block.downsample {
                check("block\(s) downsample dW", param: ds.conv.weight, analytic: ds.conv.weightGrad, h: 1e-3, allowedMisses: 1, loss: loss)
            }
        }
    }

    func testEncoderGradientsAndTapes() {
        let enc = ResNetEncoder(modality: .audio, widths: [3, 4, 4, 5])
        enc.initialise(&rng)
        for n in enc.batchNorms { rng.fillNormal(n.bn.bias, std: 0.3) }
        let x = random([2, 1, 24, 20])
        let (y, tape) = enc.forwardTrain(x)
        XCTAssertEqual(y.shape, [2, 5, 2, 2])
        XCTAssertEqual(enc.bn1.numBatchesTracked, 1)
        // A second forward with its own tape must not disturb the first one's backward.
        let other = enc.forwardTrain(random(x.shape)).tape
        _ = other
        let r = random(y.shape)
        enc.zeroGrad()
        let dx = enc.backward(r, tape: tape, inputGrad: true)!
        let loss = { self.dot(enc.forwardTrain(x).output, r) }
        check("encoder dx", param: x, analytic: dx, h: 1e-3, rtol: 5e-2, allowedMisses: 3, loss: loss)
        for p in enc.parameters where p.name.hasSuffix("conv1_a.weight") || p.name.contains("layer4.1.bn2") || p.name.contains("layer2.0.downsample.0") {
            check("encoder \(p.name)", param: p.value, analytic: p.grad, samples: 12, h: 1e-4, rtol: 5e-2, allowedMisses: 2, loss: loss)
        }
    }

    /// Sample-grouped GEMMs with a workspace (training) against the per-sample path, forward and
    /// backward, for a strided 3×3, a 1×1 downsample and a stride-1 3×3 with Winograd off.
    func testGroupedConvMatchesPerSample() {
        let saved = Conv2d.winogradEnabled
        Conv2d.winogradEnabled = false
        defer { Conv2d.winogradEnabled = saved }
        for (cin, cout, k, s, p) in [(3, 5, 3, 2, 1), (4, 6, 1, 2, 0), (5, 4, 3, 1, 1), (4, 4, 1, 1, 0)] {
            let conv = Conv2d(inChannels: cin, outChannels: cout, kernel: k, stride: s, padding: p)
            conv.initialise(&rng)
            let x = random([3, cin, 7, 6]), ws = Workspace()
            XCTAssertEqual(conv.samplesPerGEMM(batch: 3, ncol: 42, K: cin * k * k, workspace: ws), 3)
            let y1 = conv.forward(x), y2 = conv.forward(x, workspace: ws)
            let r = random(y1.shape)
            conv.weightGrad.fill(0)
            let dx1 = conv.backward(input: x, gradOutput: r)!
            let dw1 = conv.weightGrad.copy()
            conv.weightGrad.fill(0)
            let dx2 = conv.backward(input: x, gradOutput: r, workspace: ws)!
            for (name, a, b) in [("y", y1, y2), ("dx", dx1, dx2), ("dW", dw1, conv.weightGrad)] {
                var scale: Float = 0, err: Float = 0
                for i in 0..<a.count { scale = max(scale, abs(a[i])); err = max(err, abs(a[i] - b[i])) }
                XCTAssertLessThanOrEqual(err, 1e-5 * max(scale, 1), "\(name) \(cin)→\(cout) k\(k) s\(s)")
            }
        }
    }

    func testEncoderEvalMatchesTrainWithFrozenStatistics() {
        // With batch statistics equal to the running ones the two paths must agree: use B=1
        // eval forward vs. an eval-mode reconstruction layer by layer via `observe`.
        let enc = ResNetEncoder(modality: .vision, widths: [4, 4, 8, 8])
        enc.initialise(&rng)
        let x = random([1, 3, 32, 32])
        var seen: [String: Tensor] = [:]
        let y = enc.forward(x) { seen[$0] = $1 }
        XCTAssertEqual(y.shape, [1, 8, 2, 2])
        XCTAssertEqual(seen["layer4"]?.array, y.array)
        XCTAssertEqual(Set(seen.keys), ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"])
    }
}

/// Winograd F(2×2, 3×3) and F(4×4, 3×3) against the im2col convolution, odd and even sizes,
/// planes that do not tile by 4, and the fused epilogue (BN scale/shift, residual, ReLU).
final class LayerWinogradTests: XCTestCase {
    func testWinogradMatchesIm2col() {
        var rng = ParameterRNG(seed: 5)
        defer { Winograd.forcedTile = nil; Conv2d.winogradEnabled = true }
        for tile in Winograd.Tile.allCases {
            Winograd.forcedTile = tile
            for (cin, cout, h, w) in [(3, 5, 7, 9), (8, 4, 6, 6), (16, 16, 17, 42), (4, 6, 1, 1), (5, 3, 2, 3), (64, 32, 14, 14), (32, 8, 13, 30)] {
                let conv = Conv2d(inChannels: cin, outChannels: cout, kernel: 3, stride: 1, padding: 1)
                conv.initialise(&rng)
                let x = Tensor(shape: [2, cin, h, w]); rng.fillNormal(x, std: 1)
                XCTAssertTrue(conv.usesWinograd)
                let fast = conv.forward(x)
                Conv2d.winogradEnabled = false
                let ref = conv.forward(x)
                Conv2d.winogradEnabled = true
                var scale: Float = 0, err: Float = 0
                for i in 0..<ref.count { scale = max(scale, abs(ref[i])); err = max(err, abs(fast[i] - ref[i])) }
                // Measured: F(2×2) ≤ 3e-7, F(4×4) ≤ 2e-6 of the output's absmax (the golden bound is 1e-5).
                XCTAssertLessThanOrEqual(err, (tile == .f4 ? 5e-6 : 1e-6) * scale, "F\(tile.rawValue) \(cin)→\(cout) \(h)×\(w)")

                // The epilogue fused into the output transform equals the separate epilogue.
                let residual = Tensor(shape: ref.shape); rng.fillNormal(residual, std: 1)
                let e = ConvEpilogue(scale: (0..<cout).map { Float($0 % 3) - 0.7 }, shift: (0..<cout).map { Float($0) * 0.1 },
                                     residual: residual, relu: true)
                let fused = conv.forward(x, epilogue: e)
                for i in 0..<ref.count {
                    let c = (i / (h * w)) % cout
                    let expect = max(0, fast[i] * e.scale![c] + e.shift![c] + residual[i])
                    XCTAssertEqual(fused[i], expect, accuracy: 1e-6 * max(1, abs(expect)), "F\(tile.rawValue) epilogue at \(i)")
                    if abs(fused[i] - expect) > 1e-6 * max(1, abs(expect)) { break }
                }

                // The transformed-filter cache follows weight changes.
                for i in 0..<conv.weight.count { conv.weight[i] *= 2 }
                let doubled = conv.forward(x)
                for i in 0..<ref.count { XCTAssertEqual(doubled[i], 2 * fast[i], accuracy: 1e-4 * max(1, scale)) }
            }
        }
    }

    /// F(4×4) only where it saves at least a quarter of F(2×2)'s GEMM work and the filters are
    /// at most 128 channels wide, or 512 wide on a plane of at least 48 tiles (ResNet-18: layer1
    /// and layer2 of both encoders and layer4 of the 10 s audio encoder; the image's 14×14 and
    /// the 256-channel layer3 stay F(2×2)).
    func testTileChoice() {
        XCTAssertEqual(Winograd.tile(height: 56, width: 56, channels: 64, outChannels: 64), .f4)
        XCTAssertEqual(Winograd.tile(height: 65, width: 168, channels: 64, outChannels: 64), .f4)
        XCTAssertEqual(Winograd.tile(height: 28, width: 28, channels: 128, outChannels: 128), .f4)
        XCTAssertEqual(Winograd.tile(height: 17, width: 42, channels: 256, outChannels: 256), .f2)
        XCTAssertEqual(Winograd.tile(height: 17, width: 42, channels: 256, outChannels: 512), .f4)
        XCTAssertEqual(Winograd.tile(height: 17, width: 42, channels: 512, outChannels: 512), .f4)
        XCTAssertEqual(Winograd.tile(height: 14, width: 14, channels: 256, outChannels: 256), .f2)
        XCTAssertEqual(Winograd.tile(height: 14, width: 14, channels: 512, outChannels: 512), .f2)
        XCTAssertEqual(Winograd.tile(height: 5, width: 5, channels: 16, outChannels: 16), .f2, "8×8 padding for 5×5: no saving")
    }
}
