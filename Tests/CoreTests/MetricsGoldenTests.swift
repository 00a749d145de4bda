import Foundation
import XCTest
import Core

/// Reproduces `../shared/golden/metrics.json` (vssl_eval's outputs for a 20-sample synthetic case)
/// from `metrics_inputs.safetensors`, following the calling convention in the golden README
/// ("Metrics"), and prints an agreement table.
final class MetricsGoldenTests: XCTestCase {
    /// metrics.json, decoded with JSONDecoder: JSONSerialization on Linux parses some doubles 1 ulp
    /// off (0.11727946251630783 → …787), which would fake mismatches.
    struct GoldenJSON: Decodable {
        let names: [String]
        let results: [String: Double]
        let per_sample: [String: [Double]]
    }
    struct Golden {
        let samples: [ScoredSample]
        let preds: [[Float]]
        let json: GoldenJSON
        var results: [String: Double] { json.results }
        func perSample(_ key: String) -> [Double] { json.per_sample[key]! }
    }

    static func load() throws -> Golden {
        let inputs = try SharedData.path("golden/metrics_inputs.safetensors")
        let jsonPath = try SharedData.path("golden/metrics.json")
        let json = try JSONDecoder().decode(GoldenJSON.self, from: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
        var samples = try MapsFile.read(inputs)
        let names = json.names
        for i in samples.indices {   // the names live in metrics.json, not in the safetensors file
            samples[i].id = names[i]
            samples[i].scene = String(names[i].replacingOccurrences(of: ".jpg", with: "").split(separator: "_").dropLast().joined(separator: "_"))
        }
        return Golden(samples: samples, preds: samples.map { MapResize.linear($0.positive) }, json: json)
    }

    /// Rows of (name, ours, golden) for the printed table.
    var rows: [(String, Double, Double)] = []

    func check(_ name: String, _ ours: Double, _ golden: Double, tolerance: Double = 1e-12,
               file: StaticString = #filePath, line: UInt = #line) {
        rows.append((name, ours, golden))
        if golden.isNaN { XCTAssertTrue(ours.isNaN, name, file: file, line: line); return }
        XCTAssertEqual(ours, golden, accuracy: tolerance * max(1, abs(golden)), name, file: file, line: line)
    }

    func printTable() {
        print("metric                                      ours                      golden                    |diff|")
        for (n, o, g) in rows {
            let d = abs(o - g)
            print(n.padding(toLength: 42, withPad: " ", startingAt: 0), String(format: "%-25.17g %-25.17g %.2e%@", o, g, d, d == 0 || (o.isNaN && g.isNaN) ? "" : "  *"))
        }
        let exact = rows.filter { $0.1 == $0.2 || ($0.1.isNaN && $0.2.isNaN) }.count
        print("\(exact)/\(rows.count) bit-identical")
    }

    func testResizeMatchesCV2Pred224Sample0() throws {
        let g = try Self.load()
        let ref = try SafetensorsFile(path: try SharedData.path("golden/metrics_inputs.safetensors")).tensor("pred224_sample0").array
        let ours = g.preds[0]
        var maxDiff: Float = 0, same = 0
        for i in 0..<ref.count { maxDiff = max(maxDiff, abs(ours[i] - ref[i])); if ours[i] == ref[i] { same += 1 } }
        print("pred224_sample0: max |diff| \(maxDiff), \(same)/\(ref.count) identical")
        XCTAssertLessThanOrEqual(maxDiff, 1.2e-7)
    }

    func testPerSampleValues() throws {
        let g = try Self.load()
        let set = MetricSet(samples: g.samples)
        let thrMedian = g.perSample("thr_median"), thrAdap = g.perSample("thr_adap"), gtPixels = g.perSample("gt_pixels")
        let ciouMedian = g.perSample("ciou_thr_median"), ciouAdap = g.perSample("ciou_adap")
        let ciou05 = g.perSample("ciou_05_wogl"), ciouQ3 = g.perSample("ciou_maxq3_wogl")
        let at = set.values(threshold: 0.3338), at05 = set.values(threshold: 0.5)
        for i in 0..<g.samples.count {
            let st = set.statics[i]
            check("thr_median[\(i)]", Double(st.thresholdMedian), thrMedian[i], tolerance: 0)
            check("thr_adap[\(i)]", Double(st.thresholdAdaptive), thrAdap[i], tolerance: 0)
            check("gt_pixels[\(i)]", Double(st.gtPixels), gtPixels[i], tolerance: 0)
            check("ciou_thr_median[\(i)]", st.ciouMedian, ciouMedian[i])
            check("ciou_adap[\(i)]", st.ciouAdaptive, ciouAdap[i])
            check("ciou_05_wogl[\(i)]", at05[i].ciou.isNaN ? 0 : at05[i].ciou, ciou05[i])
            check("ciou_maxq3_wogl[\(i)]", at[i].ciou.isNaN ? 0 : at[i].ciou, ciouQ3[i])
            check("pia_silence_maxq3[\(i)]", at[i].silence!, g.perSample("pia_batch_silence_maxq3_wogl")[i])
            check("pia_noise_maxq3[\(i)]", at[i].noise[0], g.perSample("pia_batch_noise_maxq3_wogl")[i])
            check("pia_offscreen_maxq3[\(i)]", at[i].offscreen[0], g.perSample("pia_batch_offscreen_maxq3_wogl")[i])
            check("pia_silence_0.5[\(i)]", at05[i].silence!, g.perSample("pia_batch_silence_wogl")[i])
            check("max_heatmap[\(i)]", st.maxPositive, g.perSample("max_heatmap_list")[i], tolerance: 0)
            check("max_heatmap_silence[\(i)]", st.maxSilence!, g.perSample("max_heatmap_silence_list")[i], tolerance: 0)
            check("max_heatmap_noise[\(i)]", st.maxNoise[0], g.perSample("max_heatmap_noise_list")[i], tolerance: 0)
            check("max_heatmap_offscreen[\(i)]", st.maxOffscreen[0], g.perSample("max_heatmap_offscreen_list")[i], tolerance: 0)
        }
        // iou_pos_silence_wogl: binary maps at 0.5, compute_IOU_maps conventions.
        let ref = g.perSample("iou_pos_silence_wogl")
        for i in 0..<g.samples.count {
            let a = g.preds[i].map { Double($0) > 0.5 }, b = MapResize.linear(g.samples[i].silence!).map { Double($0) > 0.5 }
            check("iou_pos_silence_wogl[\(i)]", VsslEvalReference.binaryIoU(a, b), ref[i])
        }
        printTable()
    }

    func testAggregateResults() throws {
        let g = try Self.load()
        let r = g.results
        let set = MetricSet(samples: g.samples)

        // The paper's table at vssl_eval's SSL-TIE U = 0.3338 (maxq3).
        let rep = set.report(threshold: .value(0.3338))
        check("ciou_maxq3_mean_wogl", rep.ciouUth, r["ciou_maxq3_mean_wogl"]!)
        check("auc_maxq3_wogl", rep.aucUth, r["auc_maxq3_wogl"]!)
        check("ciou_adap", rep.ciouAdap, r["ciou_adap"]!)
        check("auc_adap", rep.aucAdap, r["auc_adap"]!)
        check("pia_metric_silence_maxq3_wogl", rep.pia.silence, r["pia_metric_silence_maxq3_wogl"]!)
        check("pia_metric_noise_maxq3_wogl", rep.pia.noise, r["pia_metric_noise_maxq3_wogl"]!)
        check("pia_metric_offscreen_maxq3_wogl", rep.pia.offscreen, r["pia_metric_offscreen_maxq3_wogl"]!)
        check("auc_silence_maxq3_wogl", rep.aucN.silence, r["auc_silence_maxq3_wogl"]!)
        check("auc_noise_maxq3_wogl", rep.aucN.noise, r["auc_noise_maxq3_wogl"]!)
        check("auc_offscreen_maxq3_wogl", rep.aucN.offscreen, r["auc_offscreen_maxq3_wogl"]!)
        check("f_pos_neg (F_LOC)", rep.fLoc, r["f_pos_neg"]!)
        check("f_auc_aoc_pos_neg (F_AUC)", rep.fAuc, r["f_auc_aoc_pos_neg"]!)
        check("separability", rep.separability, r["separability"]!)
        check("universal_threshold_q3_of_negative_max", rep.universalThreshold, r["universal_threshold_q3_of_negative_max"]!)

        // The rest of vssl_eval's dictionary, from the same primitives.
        let v = VsslEvalReference(set: set, preds: g.preds)
        for (k, value) in v.results().sorted(by: { $0.key < $1.key }) {
            guard let gold = r[k] else { continue }   // vssl_eval keys the golden file does not list
            check(k, value, gold)
        }
        printTable()
    }
}

/// vssl_eval's `eval_ssltie` dictionary for one pass (the golden case), computed with sslsan's
/// metric primitives, including its quirks: `evaluator.ciou` holds five cIoUs per sample (median,
/// 0.5, max, max10, maxq3 thresholds) so its "ciou"/"auc" mix thresholds; iIoU groups take the last
/// appended (maxq3) cIoU.
struct VsslEvalReference {
    let set: MetricSet
    let preds: [[Float]]
    static let thMax = 0.2641, thMax10 = 0.2906, thMaxQ3 = 0.3338, piaThreshold = 0.5

    /// `compute_IOU_maps`: both empty → 1, only the second empty → 0, else |and|/|or|.
    static func binaryIoU(_ a: [Bool], _ b: [Bool]) -> Double {
        let sa = a.filter { $0 }.count, sb = b.filter { $0 }.count
        if sb == 0 && sa > 0 { return 0 }
        if sa == 0 && sb == 0 { return 1 }
        var inter = 0, union = 0
        for i in 0..<a.count { if a[i] && b[i] { inter += 1 }; if a[i] || b[i] { union += 1 } }
        return Double(inter) / Double(union)
    }

    func results() -> [String: Double] {
        var out = [String: Double]()
        let n = set.count
        let at05 = set.values(threshold: 0.5), atMax = set.values(threshold: Self.thMax)
        let atMax10 = set.values(threshold: Self.thMax10), atQ3 = set.values(threshold: Self.thMaxQ3)
        // evaluator.ciou: 5 entries per sample, NaN kept.
        var evalList = [Double](), iou = [String: [Double]](), iouAdap = [String: [Double]](), order = [String]()
        for i in 0..<n {
            evalList += [set.statics[i].ciouMedian, at05[i].ciou, atMax[i].ciou, atMax10[i].ciou, atQ3[i].ciou]
            let scene = set.samples[i].scene
            if iou[scene] == nil { order.append(scene) }
            iou[scene, default: []].append(atQ3[i].ciou)
            iouAdap[scene, default: []].append(set.statics[i].ciouAdaptive)
        }
        out["ciou"] = CIoU.successRate(evalList)
        out["auc"] = CIoU.auc(evalList)
        func groupMin(_ d: [String: [Double]], _ t: Double) -> [Double] {
            order.map { s in d[s]!.map { $0 >= t ? 1.0 : ($0 < t ? 0.0 : Double.nan) }.reduce(Double.infinity) { $0.isNaN || $1.isNaN ? .nan : min($0, $1) } }
        }
        out["iiou"] = 100 * Statistics.mean(groupMin(iou, 0.5))
        out["iiou_adap"] = 100 * Statistics.mean(groupMin(iouAdap, 0.5))
        out["iauc_adap"] = 100 * Statistics.trapezoid(x: Statistics.aucGrid, y: Statistics.aucGrid.map { Statistics.mean(groupMin(iouAdap, $0)) })
        let zeroed = { (a: [MetricSet.SampleAtThreshold]) in a.map { $0.ciou.isNaN ? 0 : $0.ciou } }
        for (name, a) in [("05", at05), ("max", atMax), ("max10", atMax10), ("maxq3", atQ3)] {
            out["ciou_\(name)_mean_wogl"] = CIoU.meanIoU(zeroed(a))
            out["auc_\(name)_wogl"] = CIoU.auc(zeroed(a))
        }
        let st = set.statics
        func meanOf(_ f: (MetricSet.SampleStatics) -> Double) -> Double { Statistics.mean(st.map(f)) }
        out["max_heatmap"] = meanOf { $0.maxPositive }
        out["max_heatmap_silence"] = meanOf { $0.maxSilence! }
        out["max_heatmap_noise"] = meanOf { $0.maxNoise[0] }
        out["max_heatmap_offscreen"] = meanOf { $0.maxOffscreen[0] }
        func median(_ v: [Double]) -> Double { Statistics.quantile(v, 0.5) }
        out["max_median_heatmap"] = median(st.map(\.maxPositive))
        out["max_median_heatmap_silence"] = median(st.map { $0.maxSilence! })
        out["max_median_heatmap_noise"] = median(st.map { $0.maxNoise[0] })
        out["max_median_heatmap_offscreen"] = median(st.map { $0.maxOffscreen[0] })
        out["min_heatmap"] = Statistics.mean(set.samples.map { Double($0.positive.min) })
        out["min_heatmap_silence"] = Statistics.mean(set.samples.map { Double($0.silence!.min) })
        out["min_heatmap_noise"] = Statistics.mean(set.samples.map { Double($0.noise[0].min) })
        out["min_heatmap_offscreen"] = Statistics.mean(set.samples.map { Double($0.offscreen[0].min) })

        // pIA and AUC_N at the fixed thresholds, and at the positive's own median / adaptive thresholds.
        let negs = set.samples.map { [MapResize.linear($0.silence!), MapResize.linear($0.noise[0]), MapResize.linear($0.offscreen[0])] }
        let kinds = ["silence", "noise", "offscreen"]
        func area(_ m: [Float], _ t: Double) -> Double { PIA.fraction(area: m.reduce(0) { $0 + (Double($1) > t ? 1 : 0) }) }
        for (k, kind) in kinds.enumerated() {
            let p05 = negs.map { area($0[k], 0.5) }
            out["pia_metric_\(kind)_wogl"] = PIA.mean(p05); out["auc_\(kind)_wogl"] = PIA.auc(p05)
            for (name, t) in [("max", Self.thMax), ("max10", Self.thMax10), ("maxq3", Self.thMaxQ3)] {
                let p = negs.map { area($0[k], t) }
                out["pia_metric_\(kind)_\(name)_wogl"] = PIA.mean(p); out["auc_\(kind)_\(name)_wogl"] = PIA.auc(p)
            }
            let pc = (0..<n).map { area(negs[$0][k], Double(st[$0].thresholdMedian)) }
            out["pia_metric_\(kind)_ciou_wogl"] = PIA.mean(pc); out["auc_\(kind)_ciou_wogl"] = PIA.auc(pc)
            let pa = (0..<n).map { area(negs[$0][k], Double(st[$0].thresholdAdaptive)) }
            out["pia_metric_\(kind)_ciouadap_wogl"] = PIA.mean(pa); out["auc_\(kind)_ciouadap_wogl"] = PIA.auc(pa)
        }
        // IoU between binarised positive and negative maps.
        func bin(_ m: [Float], _ t: Double) -> [Bool] { m.map { Double($0) > t } }
        func iouMetric(_ a: Int?, _ b: Int, _ t: (Int) -> Double) -> Double {
            100 * Statistics.mean((0..<n).map { i in
                VsslEvalReference.binaryIoU(bin(a.map { negs[i][$0] } ?? preds[i], t(i)), bin(negs[i][b], t(i)))
            })
        }
        let fixed = { (t: Double) in { (_: Int) in t } }
        let adap = { (i: Int) in Double(st[i].thresholdAdaptive) }
        out["iou_pos_silence_wogl_metric"] = iouMetric(nil, 0, fixed(0.5))
        out["iou_pos_noise_wogl_metric"] = iouMetric(nil, 1, fixed(0.5))
        out["iou_pos_offscreen_wogl_metric"] = iouMetric(nil, 2, fixed(0.5))
        out["iou_silence_noise_wogl_metric"] = iouMetric(0, 1, fixed(0.5))
        out["iou_pos_silence_maxq3_wogl_metric"] = iouMetric(nil, 0, fixed(Self.thMaxQ3))
        out["iou_pos_silence_adap_wogl_metric"] = iouMetric(nil, 0, adap)

        let pS = out["pia_metric_silence_maxq3_wogl"]!, pN = out["pia_metric_noise_maxq3_wogl"]!, pO = out["pia_metric_offscreen_maxq3_wogl"]!
        let c = out["ciou_maxq3_mean_wogl"]!, a = out["auc_maxq3_wogl"]!
        out["pia_mean_neg"] = Statistics.mean([100 - pS, 100 - pN, 100 - pO])
        out["f_pos_neg"] = FMeasure.f(c, out["pia_mean_neg"]!)
        out["f_ciou_pos_silence"] = FMeasure.f(c, 100 - pS)
        out["f_ciou_pos_noise"] = FMeasure.f(c, 100 - pN)
        out["f_ciou_pos_offscreen"] = FMeasure.f(c, 100 - pO)
        let aS = out["auc_silence_maxq3_wogl"]!, aN = out["auc_noise_maxq3_wogl"]!, aO = out["auc_offscreen_maxq3_wogl"]!
        out["aoc_mean_neg"] = Statistics.mean([aS, aN, aO])
        out["f_auc_aoc_pos_neg"] = FMeasure.f(a, out["aoc_mean_neg"]!)
        out["f_auc_aoc_pos_silence"] = FMeasure.f(a, aS)
        out["f_auc_aoc_pos_noise"] = FMeasure.f(a, aN)
        out["f_auc_aoc_pos_offscreen"] = FMeasure.f(a, aO)
        out["ciou_adap"] = CIoU.successRate(st.map(\.ciouAdaptive))
        out["auc_adap"] = CIoU.auc(st.map(\.ciouAdaptive))
        let sep = Separability.value(positiveMaxima: st.map(\.maxPositive),
                                     negativeMaxima: st.map { $0.maxSilence! } + st.map { $0.maxNoise[0] } + st.map { $0.maxOffscreen[0] })
        out["separability"] = sep.separability
        out["universal_threshold_q3_of_negative_max"] = sep.negativeQ3
        return out
    }
}
