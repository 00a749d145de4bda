import Foundation
import XCTest
@testable import Core

/// The metrics of each zoo family counted from its golden native maps under the family's
/// post-processing equal what vssl_eval's 224×224 maps in the golden set give: at the paper
/// threshold, at 0.5 and at thresholds on the maps' own values, the counter's pixel count (in and
/// out of a ground-truth box) differs from thresholding the golden 224² map only by pixels within
/// the README's 224-map tolerance of the threshold (the two kernels round differently there); the
/// README's "fraction above" figures come out of `MetricSet`'s pIA; RCGrad's maxima are ≈ 1.
final class ZooMetricsGoldenTests: XCTestCase {
    struct Golden {
        let family: ModelFamily
        let dir: String
        /// Native and 224² keys per condition; LVS lists the VGG-SS and the other positive.
        let native: [String]
        let upsampled: [String]
        let vggss: Bool
        /// README tolerance of the 224² maps.
        let tolerance: Float
    }

    static let sets: [Golden] = [
        Golden(family: .lvs, dir: "lvs", native: ["map14", "map14_silence", "map14_noise"],
               upsampled: ["map224_bilinear_ac", "map224_cv2_silence", "map224_cv2_noise"], vggss: false, tolerance: 1e-5),
        Golden(family: .lvs, dir: "lvs", native: ["map14", "map14_silence", "map14_noise"],
               upsampled: ["map224_cv2", "map224_cv2_silence", "map224_cv2_noise"], vggss: true, tolerance: 1e-5),
        Golden(family: .sslAlign, dir: "sslalign", native: ["map14", "map14_silence", "map14_noise"],
               upsampled: ["map224_bilinear_ac", "map224_cv2_silence", "map224_cv2_noise"], vggss: false, tolerance: 1e-5),
        Golden(family: .ezvsl, dir: "ezvsl", native: ["map7_pos", "map7_silence", "map7_noise"],
               upsampled: ["map224_pos", "map224_silence", "map224_noise"], vggss: true, tolerance: 2e-6),
        Golden(family: .fnac, dir: "fnac", native: ["map7_pos", "map7_silence", "map7_noise"],
               upsampled: ["map224_pos", "map224_silence", "map224_noise"], vggss: false, tolerance: 2e-6),
        Golden(family: .slavc, dir: "slavc", native: ["map7_pos", "map7_silence", "map7_noise"],
               upsampled: ["map224_pos", "map224_silence", "map224_noise"], vggss: true, tolerance: 2e-6),
        Golden(family: .rcgrad, dir: "rcgrad", native: ["cam14", "cam14_silence", "cam14_noise"],
               upsampled: ["map224_gradcam", "map224_gradcam_silence", "map224_gradcam_noise"], vggss: true, tolerance: 1e-5),
    ]

    /// A box over the upper-left middle of the image (the golden sets have no ground truth).
    static let box: [UInt8] = {
        var g = [UInt8](repeating: 0, count: 224 * 224)
        for y in 30..<140 { for x in 50..<170 { g[y * 224 + x] = 1 } }
        return g
    }()

    func nativeMap(_ t: Tensor) -> SimilarityMap {
        let side = Int(Double(t.count).squareRoot())
        return SimilarityMap(width: side, height: side, values: t.array)
    }

    func testCountsAndFiguresFromGoldenMapsMatchTheReference() throws {
        for g in Self.sets {
            let v = try SafetensorsFile(path: SharedData.path("golden/zoo/\(g.dir)/vectors.safetensors"))
            let pp = g.family.specification.postProcessing.resolved(vggss: g.vggss)
            var maps: [SimilarityMap] = []
            for (k, (nk, uk)) in zip(g.native, g.upsampled).enumerated() {
                let map = nativeMap(try v.tensor(nk)), ref = try v.tensor(uk).array
                maps.append(map)
                let negative = k > 0
                let counter = ThresholdCounter(map: map, postProcessing: pp, negative: negative, groundTruth: GroundTruthMap(pixels: Self.box))
                let sorted = ref.sorted()
                var ts: [Double] = [0.5] + [0.05, 0.3, 0.5, 0.7, 0.95].map { Double(sorted[Int($0 * Double(sorted.count - 1))]) }
                if let u = g.family.specification.paperThreshold { ts.append(Double(u)) }
                for t in ts {
                    var inside = 0, outside = 0, near = 0
                    for (i, x) in ref.enumerated() {
                        if abs(Double(x) - t) <= Double(g.tolerance) { near += 1 }
                        let above = pp.comparison == .float32 ? x > Float(t) : Double(x) > t
                        if above { if Self.box[i] != 0 { inside += 1 } else { outside += 1 } }
                    }
                    let c = counter.count(above: t)
                    let what = "\(g.family.displayName) \(uk) (vggss \(g.vggss)) at \(t): ours \(c), golden (\(inside), \(outside)), \(near) pixel(s) within \(g.tolerance)"
                    XCTAssertLessThanOrEqual(abs(c.inside - inside) + abs(c.outside - outside), near, what)
                    if t == 0.5 { print(what) }
                }
            }
            // The report's pIA is the fraction of the golden negative maps above the threshold.
            let set = MetricSet(samples: [ScoredSample(id: g.dir, positive: maps[0], silence: maps[1], noise: [maps[2]], offscreen: [],
                                                        groundTruth: GroundTruthMap(pixels: Self.box), postProcessing: pp)])
            let r = set.report(threshold: .value(0.5))
            for (k, pia) in [(1, r.pia.silence), (2, r.pia.noise)] {
                let ref = try v.tensor(g.upsampled[k]).array
                let golden = Double(ref.filter { $0 > Float(0.5) }.count) / Double(ref.count)
                let near = ref.filter { abs($0 - 0.5) <= g.tolerance }.count
                XCTAssertEqual(pia / 100, golden, accuracy: Double(near + 1) / Double(ref.count), "\(g.family.displayName) pIA \(g.upsampled[k]) at 0.5")
            }
            // The README's own "fraction above 0.5" line (EZ-VSL, FNAC, SLAVC): positive / silence / noise.
            let readme = try String(contentsOfFile: SharedData.path("golden/zoo/\(g.dir)/README.md"), encoding: .utf8)
            if let line = readme.split(separator: "\n").first(where: { $0.contains("above 0.5 (`--threshold 0.5`):") }) {
                let tail = line.components(separatedBy: "0.5`):").last!
                let re = try NSRegularExpression(pattern: "[0-9]+\\.[0-9]+")
                let figures = re.matches(in: tail, range: NSRange(tail.startIndex..., in: tail)).compactMap { Double((tail as NSString).substring(with: $0.range)) }
                XCTAssertEqual(figures.count, 3, String(line))
                let ours = [Double(ThresholdCounter(map: maps[0], postProcessing: pp).area(above: 0.5)) / 50176, r.pia.silence / 100, r.pia.noise / 100]
                for (a, b) in zip(ours, figures) { XCTAssertEqual(a, b, accuracy: 5e-6 + 2.0 / 50176, "\(g.family.displayName) README fraction above 0.5") }
                print("\(g.family.displayName): fraction above 0.5 ours \(ours.map { String(format: "%.6f", $0) }) README \(figures)")
            }
            // Maxima in the threshold space: the native maximum; RCGrad's min–max maps ≈ 1 each.
            for (k, m) in maps.enumerated() {
                if g.family == .rcgrad {
                    XCTAssertEqual(set.statics[0].maxPositive, 1, accuracy: 1e-6)
                    XCTAssertEqual(Double(pp.maximum(m)), 1, accuracy: 1e-6, "RCGrad \(g.native[k])")
                } else {
                    XCTAssertEqual(pp.maximum(m), m.max)
                }
            }
        }
    }
}
