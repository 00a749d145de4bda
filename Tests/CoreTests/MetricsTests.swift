import Foundation
import XCTest
import Core

/// Unit tests of the metric primitives: SPEC §6.13 edge cases, the appendix's numeric checks,
/// and the threshold counter against brute force.
final class MetricsTests: XCTestCase {
    struct LCG { var s: UInt64; mutating func next() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(s >> 40) / Float(1 << 24) } }

    func randomMap(_ side: Int, _ rng: inout LCG) -> SimilarityMap {
        SimilarityMap(width: side, height: side, values: (0..<(side * side)).map { _ in rng.next() * 0.8 - 0.1 })
    }

    func box(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> GroundTruthMap { .pixelBoxes([[x0, y0, x1, y1]]) }

    // MARK: worked values (SPEC appendix)

    func testWorkedFValues() {
        let fLoc = FMeasure.loc(ciou: 27.78, pia: (0.78, 0.68, 2.50))
        let fAuc = FMeasure.auc(auc: 28.23, aucN: (99.16, 99.26, 97.39))
        XCTAssertEqual(String(format: "%.2f", fLoc), "43.35")
        XCTAssertEqual(String(format: "%.2f", fAuc), "43.89")
        // SSL-SaN on IS3 (SPEC §6.8).
        XCTAssertEqual(String(format: "%.2f", FMeasure.loc(ciou: 18.87, pia: (0, 0, 1.97))), "31.72")
        XCTAssertEqual(String(format: "%.2f", FMeasure.auc(auc: 19.73, aucN: (100, 100, 97.87))), "32.92")
        XCTAssertTrue(FMeasure.f(0, 0).isNaN)
    }

    func testAdaptiveThresholdSelectsGMinusOnePixels() {
        for g in [1, 500, 4070, 25088, 40000] {
            // A tie-free 224² prediction (upsampled maps repeat values at the replicated borders).
            let pred = (0..<(224 * 224)).map { Float($0) * 1e-5 }.shuffled()
            XCTAssertEqual(Set(pred).count, pred.count, "needs a tie-free map")
            let t = CIoU.adaptiveThreshold(pred, gtPixels: g)
            XCTAssertEqual(pred.filter { $0 > t }.count, g - 1, "g = \(g)")
        }
        let pred = (0..<(224 * 224)).map { Float($0) * 1e-5 }.shuffled()
        let median = CIoU.medianThreshold(pred), adaptive = CIoU.adaptiveThreshold(pred, gtPixels: 0)
        XCTAssertEqual(pred.filter { $0 > median }.count, 25087)
        // Empty ground truth: g = 25 088.
        XCTAssertEqual(pred.filter { $0 > adaptive }.count, 25087)
    }

    func testTiesReduceTheAdaptiveSelection() {
        let flat = [Float](repeating: 0.3, count: 224 * 224)
        let t = CIoU.adaptiveThreshold(flat, gtPixels: 1000)
        XCTAssertEqual(flat.filter { $0 > t }.count, 0)
    }

    // MARK: cIoU edge cases (SPEC §6.3, §6.13)

    func testCIoUEdgeCases() {
        let empty = GroundTruthMap.pixelBoxes([])
        let zero = [Float](repeating: 0, count: 224 * 224)
        var hot = zero; hot[0] = 1
        XCTAssertTrue(CIoU.value(pred: zero, groundTruth: empty, threshold: 0.5).isNaN, "0/0 is NaN")
        XCTAssertEqual(CIoU.value(pred: hot, groundTruth: empty, threshold: 0.5), 0)
        XCTAssertEqual(CIoU.value(pred: zero, groundTruth: box(0, 0, 10, 10), threshold: 0.5), 0, "all below")
        // Strict >: a pixel equal to the threshold is not selected.
        var eq = zero; for y in 0..<10 { for x in 0..<10 { eq[y * 224 + x] = 0.5 } }
        XCTAssertEqual(CIoU.value(pred: eq, groundTruth: box(0, 0, 10, 10), threshold: 0.5), 0)
        XCTAssertEqual(CIoU.value(pred: eq, groundTruth: box(0, 0, 10, 10), threshold: 0.49), 1)
        // float32 map against a float64 threshold: compared in Double.
        let f = Float(0.3338)
        var m = zero; m[0] = f
        let selected = CIoU.value(pred: m, groundTruth: box(0, 0, 1, 1), threshold: 0.3338) == 1
        XCTAssertEqual(selected, Double(f) > 0.3338)
        XCTAssertNotEqual(Double(f), 0.3338)
    }

    func testNaNBecomesZeroOnlyInTheUthList() {
        let list = [Double.nan, 1.0, 0.4, 0.6]
        XCTAssertEqual(CIoU.meanIoU(list), 50)                // NaN → 0
        XCTAssertEqual(CIoU.successRate(list), 50)            // NaN fails
        // AUC: NaN fails even at x = 0, so the curve starts at 0.75.
        let withNaN = CIoU.auc(list), zeroed = CIoU.auc(list.map { $0.isNaN ? 0 : $0 })
        XCTAssertLessThan(withNaN, zeroed)
        XCTAssertEqual(zeroed - withNaN, 100 * 0.25 * 0.05 / 2, accuracy: 1e-12)
    }

    func testPIAAndAUCN() {
        XCTAssertEqual(PIA.auc([0, 0, 0]), 100)
        XCTAssertEqual(PIA.mean([0.5, 0.25]), 37.5)
        // A zero map with U < 0 lights up everything (degenerate but specified).
        let c = ThresholdCounter(map: SimilarityMap(width: 14, height: 14, values: [Float](repeating: 0, count: 196)))
        XCTAssertEqual(PIA.fraction(area: c.area(above: -0.01)), 1)
        XCTAssertEqual(c.area(above: 0), 0)
        // ≤ is inclusive: p = 0.05 passes at x = 0.05.
        let y = PIA.auc([0.05]), y2 = PIA.auc([0.0500001])
        XCTAssertGreaterThan(y, y2)
    }

    // MARK: statistics

    func testNumpyQuantiles() {
        XCTAssertEqual(Statistics.quantile([0.1, 0.5, 0.2], 0.25), 0.15000000000000002)
        XCTAssertEqual(Statistics.quantile([0.3, 0.1, 0.7, 0.2, 0.9], 0.75), 0.7)
        XCTAssertEqual(Statistics.quantile([0.25, 0.5], 0.75), 0.4375)
        XCTAssertEqual(Statistics.quantile([1, 2, 3, 4], 0.75), 3.25)
        XCTAssertTrue(Statistics.quantile([], 0.5).isNaN)
        XCTAssertEqual(UniversalThreshold.q3(negativeMaxima: [0, 0, 0, 0.4]), 0.1)
    }

    func testAUCOfPerfectAndNullLists() {
        XCTAssertEqual(CIoU.auc([1, 1]), 100, accuracy: 1e-12)
        XCTAssertEqual(CIoU.auc([0, 0]), 100 * 0.05 / 2, accuracy: 1e-12)   // only x = 0 passes
    }

    // MARK: threshold counter

    func testThresholdCounterMatchesFullResize() {
        var rng = LCG(s: 42)
        for side in [14, 7] {
            for _ in 0..<20 {
                let map = randomMap(side, &rng)
                let full = MapResize.linear(map)
                var gtPx = [UInt8](repeating: 0, count: 224 * 224)
                for y in 30..<140 { for x in 50..<200 { gtPx[y * 224 + x] = 1 } }
                let gt = GroundTruthMap(pixels: gtPx)
                let counter = ThresholdCounter(map: map, groundTruth: gt)
                // Random thresholds and thresholds equal to actual pixel values (the hard case).
                var thresholds = (0..<10).map { _ in Double(rng.next() * 0.9 - 0.15) }
                thresholds += (0..<10).map { _ in Double(full[Int(rng.next() * Float(full.count - 1))]) }
                for t in thresholds {
                    var inside = 0, outside = 0
                    for i in 0..<full.count where Double(full[i]) > t { if gtPx[i] != 0 { inside += 1 } else { outside += 1 } }
                    let c = counter.count(above: t)
                    XCTAssertEqual(c.inside, inside, "side \(side) t \(t)")
                    XCTAssertEqual(c.outside, outside, "side \(side) t \(t)")
                }
            }
        }
    }

    func testResizeOfAConstantMapIsConstantAndEdgesReplicate() {
        let m = SimilarityMap(width: 14, height: 14, values: (0..<196).map { Float($0 % 14) })
        let up = MapResize.linear(m)
        XCTAssertEqual(up[0], 0); XCTAssertEqual(up[7], 0)          // left 8 columns replicate column 0
        XCTAssertEqual(up[223], 13); XCTAssertEqual(up[216], 13)    // right 8 replicate column 13
        XCTAssertEqual(up[8], 1.0 / 32)                              // sx = 0.03125
        XCTAssertEqual(up[100 * 224 + 8], up[8])                     // constant along columns
    }

    // MARK: ground truth

    func testBoxConventions() {
        // VGG-SS: int(clip(b)·224), end exclusive, union.
        let g = GroundTruthMap.boxes([[0.5, 0.5, 1.2, 1.0], [-0.1, 0, 0.1, 0.1]])
        XCTAssertEqual(g.count, 112 * 112 + 22 * 22)
        // 224-pixel boxes stored divided by 224 come back exactly (37/224·224 = 36.99…).
        let p = GroundTruthMap.boxes([[37.0 / 224, 0, 101.5 / 224, 10.0 / 224]], convention: .pixels224)
        XCTAssertEqual(p.count, (101 - 37) * 10)
    }

    func testMasks() {
        var v = [UInt8](repeating: 0, count: 448 * 448)
        for y in 100..<300 { for x in 40..<240 { v[y * 448 + x] = 255 } }
        let m = GroundTruthMap.mask(width: 448, height: 448, values: v, resample: .bicubic)
        XCTAssertEqual(Double(m.count), 100 * 100, accuracy: 300)
        XCTAssertEqual(m.pixels[100 * 224 + 70], 1); XCTAssertEqual(m.pixels[10 * 224 + 10], 0)
        // A 0/1 mask is scaled to 0/255 rather than thresholding to nothing.
        let small = GroundTruthMap.mask(width: 224, height: 224, values: [UInt8](repeating: 1, count: 224 * 224), resample: .nearest)
        XCTAssertEqual(small.count, 224 * 224)
    }

    // MARK: report, retrieval, object accuracy

    func testRetrieval() {
        // Items 0, 1 are "a", item 2 is "b". Image 0 ranks audio 2 first, then 0.
        let scores: [[Float]] = [[0.5, 0.1, 0.9], [0.2, 0.8, 0.1], [0.1, 0.2, 0.7]]
        let r = Retrieval.evaluate(scores: scores, labels: ["a", "a", "b"], ks: [1, 2])
        XCTAssertEqual(r.imageToAudio.precision[1]!, 200.0 / 3, accuracy: 1e-9)  // hits: no, yes, yes
        XCTAssertEqual(r.imageToAudio.accuracy[2]!, 100, accuracy: 1e-9)
        XCTAssertEqual(r.imageToAudio.precision[1], r.imageToAudio.accuracy[1])
    }

    func testReportOnATwoObjectScene() {
        // Map hot on the left half; sample "a" sounds on the left object, "b" on the right one.
        let left = SimilarityMap(width: 14, height: 14, values: (0..<196).map { $0 % 14 < 7 ? 0.8 : 0.1 })
        let zero = SimilarityMap(width: 14, height: 14, values: [Float](repeating: 0, count: 196))
        let gtL = box(0, 0, 100, 224), gtR = box(124, 0, 224, 224)
        let a = ScoredSample(id: "s_a", label: "dog", scene: "s", positive: left, silence: zero, noise: [zero, zero],
                             offscreen: [zero, left], groundTruth: gtL)
        let b = ScoredSample(id: "s_b", label: "car", scene: "s", positive: left, silence: zero, noise: [zero, zero],
                             offscreen: [zero, zero], groundTruth: gtR)
        let set = MetricSet(samples: [a, b])
        let r = set.report(threshold: .value(0.5))
        XCTAssertEqual(r.objectAccuracy?.pairs, 2)
        XCTAssertEqual(r.objectAccuracy?.wins, 1)
        XCTAssertEqual(r.objectAccuracy?.ties, 0)
        XCTAssertEqual(r.passes, 2)
        XCTAssertEqual(r.pia.silence, 0)
        // One of four off-screen maps lights up its left 111 columns.
        XCTAssertEqual(r.pia.offscreen, 100 * (111.0 * 224 / 50176) / 4, accuracy: 1e-9)
        XCTAssertEqual(r.paperColumns.map(\.name), ["cIoU-Uth", "cIoU-Adap", "AUC-Uth", "AUC-Adap", "pIA-S", "AUC_N-S",
                                                    "pIA-N", "AUC_N-N", "pIA-O", "AUC_N-O", "F_LOC", "F_AUC"])
        XCTAssertTrue(r.table().contains("object accuracy   50.00"))
        XCTAssertEqual(r.csv().split(separator: "\n").count, 3)
        let json = try! JSONSerialization.jsonObject(with: try! r.jsonData()) as! [String: Any]
        XCTAssertEqual((json["per_sample"] as! [Any]).count, 2)
        // Moving the threshold changes only the threshold-dependent figures.
        let r2 = set.report(threshold: .value(0.05))
        XCTAssertEqual(r2.separability, r.separability)
        XCTAssertGreaterThan(r2.pia.offscreen, r.pia.offscreen)
        // Incremental scoring gives the same report as scoring at once.
        var inc = MetricSet(samples: [a]); inc.append([b])
        XCTAssertEqual(inc.report(threshold: .value(0.5)).ciouUth, r.ciouUth)
        XCTAssertEqual(inc.report(threshold: .value(0.5)).objectAccuracy, r.objectAccuracy)
    }

    /// A smooth map like a model's: a blob at a random place over a low background, plus a little noise.
    func blobMap(_ rng: inout LCG) -> SimilarityMap {
        let cx = rng.next() * 13, cy = rng.next() * 13, peak = 0.3 + 0.5 * rng.next()
        return SimilarityMap(width: 14, height: 14, values: (0..<196).map { i in
            let dx = Float(i % 14) - cx, dy = Float(i / 14) - cy
            return 0.05 + peak * exp(-(dx * dx + dy * dy) / 8) + 0.02 * rng.next()
        })
    }

    func testThresholdChangeIsCheap() {
        var rng = LCG(s: 1)
        let samples = (0..<500).map { i in
            ScoredSample(id: "\(i)", positive: blobMap(&rng), silence: blobMap(&rng),
                         noise: (0..<10).map { _ in blobMap(&rng) }, offscreen: (0..<10).map { _ in blobMap(&rng) },
                         groundTruth: box(20, 20, 120, 150))
        }
        var t0 = Date()
        let set = MetricSet(samples: samples)
        let build = Date().timeIntervalSince(t0)
        t0 = Date()
        let r = set.report(threshold: .value(0.4))
        let recount = Date().timeIntervalSince(t0)
        print(String(format: "500 samples × 10 passes (10 500 maps): build %.3f s, report at a new threshold %.3f s", build, recount))
        XCTAssertEqual(r.samples, 500)
        XCTAssertLessThan(recount, 1.0)
        // Worst case, white-noise maps (every cell crossed by the level line).
        let noisy = (0..<100).map { i in
            ScoredSample(id: "\(i)", positive: randomMap(14, &rng), silence: randomMap(14, &rng),
                         noise: (0..<10).map { _ in randomMap(14, &rng) }, offscreen: (0..<10).map { _ in randomMap(14, &rng) },
                         groundTruth: box(20, 20, 120, 150))
        }
        let ns = MetricSet(samples: noisy)
        t0 = Date()
        _ = ns.report(threshold: .value(0.4))
        print(String(format: "white-noise maps: %.1f µs per map", Date().timeIntervalSince(t0) / 2100 * 1e6))
    }

    // MARK: numbers a reader can trust

    func testObjectAccuracyCountsATieAsHalf() {
        // A constant map cannot tell the objects apart: every pair is a tie, and the score is
        // chance (50), not 0.
        let flat = SimilarityMap(width: 14, height: 14, values: [Float](repeating: 0.5, count: 196))
        let a = ScoredSample(id: "a", label: "dog", scene: "s", positive: flat, silence: flat, noise: [flat], offscreen: [flat],
                             groundTruth: box(0, 0, 100, 224))
        let b = ScoredSample(id: "b", label: "car", scene: "s", positive: flat, silence: flat, noise: [flat], offscreen: [flat],
                             groundTruth: box(124, 0, 224, 224))
        let r = MetricSet(samples: [a, b]).report()
        XCTAssertEqual(r.objectAccuracy, ObjectAccuracy(wins: 0, ties: 2, pairs: 2))
        XCTAssertEqual(r.objectAccuracy!.value, 50)
        XCTAssertTrue(r.table().contains("0 won, 2 tied of 2 pairs"), r.table())
    }

    func testWithoutNegativesUAndCIoUAtUAreUndefined() throws {
        let m = SimilarityMap(width: 14, height: 14, values: (0..<196).map { Float($0) / 196 })
        let s = ScoredSample(id: "a", positive: m, silence: nil, noise: [], offscreen: [], groundTruth: box(50, 50, 150, 150))
        let set = MetricSet(samples: [s])
        let r = set.report()
        XCTAssertTrue(r.universalThreshold.isNaN)
        XCTAssertTrue(r.ciouUth.isNaN, "cIoU at an undefined U is undefined, not \(r.ciouUth)")
        XCTAssertTrue(r.aucUth.isNaN); XCTAssertTrue(r.fLoc.isNaN)
        XCTAssertTrue(r.perSample[0].ciouUth.isNaN)
        XCTAssertFalse(r.ciouAdap.isNaN, "the adaptive threshold does not need U")
        let row = r.table().split(separator: "\n")[2]
        XCTAssertTrue(row.trimmingCharacters(in: .whitespaces).hasPrefix("–"), String(row))
        let json = try JSONSerialization.jsonObject(with: try r.jsonData()) as! [String: Any]
        XCTAssertTrue(json["ciou_uth"] is NSNull); XCTAssertTrue(json["universal_threshold"] is NSNull)
        // A given threshold is defined without negatives.
        XCTAssertFalse(set.report(threshold: .value(0.5)).ciouUth.isNaN)
    }

    func testBaselines() throws {
        // Ground truth = the centred disc of radius 50: the centre prior finds it exactly.
        let disc = GroundTruthMap(pixels: CentreDiscProbe.pixels(radius: 50))
        let zero = SimilarityMap(width: 14, height: 14, values: [Float](repeating: 0, count: 196))
        let a = ScoredSample(id: "a", positive: zero, silence: zero, noise: [zero], offscreen: [zero], groundTruth: disc)
        let b = ScoredSample(id: "b", positive: zero, silence: zero, noise: [zero], offscreen: [zero], groundTruth: box(0, 0, 224, 112))
        let r = MetricSet(samples: [a, b]).report()
        let whole = r.baselines.first { $0.kind == .wholeImage }!, centre = r.baselines.first { $0.kind == .centrePrior }!
        // Whole image: cIoU = the ground truth's share of the frame.
        XCTAssertEqual(whole.ciouUth, 100 * (Double(disc.count) / 50176 + 0.5) / 2, accuracy: 1e-9)
        XCTAssertEqual(whole.pia, 100)
        XCTAssertEqual(whole.ciouAdap, 50)  // the half-frame box reaches 0.5, the disc does not
        // Centre prior: the best single disc over both samples is at least the radius-50 disc's mean.
        let r50 = 0.5 * (1 + Double(CentreDiscProbe.pixels(radius: 50).prefix(224 * 112).filter { $0 != 0 }.count)
                          / Double(112 * 224 + disc.count - CentreDiscProbe.pixels(radius: 50).prefix(224 * 112).filter { $0 != 0 }.count))
        XCTAssertGreaterThanOrEqual(centre.ciouUth, 100 * r50 - 1e-9)
        XCTAssertLessThanOrEqual(centre.ciouUth, 100)
        XCTAssertEqual(centre.pia, 100 * Double(CentreDisc.area[centre.radius!]) / 50176, accuracy: 1e-9)
        XCTAssertTrue(r.table().contains("centre prior"), r.table())
        let json = try JSONSerialization.jsonObject(with: try r.jsonData()) as! [String: Any]
        let bj = json["baselines"] as! [String: Any]
        XCTAssertNotNil(bj["whole_image"]); XCTAssertEqual((bj["centre_prior"] as! [String: Any])["radius"] as? Int, centre.radius)
    }
}

/// The disc `CentreDisc` means, drawn independently (pixel centres within r of (112, 112)).
enum CentreDiscProbe {
    static func pixels(radius r: Int) -> [UInt8] {
        (0..<(224 * 224)).map { k in
            let dx = Double(k % 224) + 0.5 - 112, dy = Double(k / 224) + 0.5 - 112
            return dx * dx + dy * dy <= Double(r * r) ? 1 : 0
        }
    }
}
