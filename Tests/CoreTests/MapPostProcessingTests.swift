import Foundation
import XCTest
@testable import Core

/// Every post-processing kind — cv2 or align-corners, raw / (cos+1)/2 / Grad-CAM, float64 or
/// float32 comparison, positive or negative map, 14×14 or 7×7 — counted by `ThresholdCounter`
/// exactly as thresholding the full 224² map `MapPostProcessing.upsample` makes (brute force),
/// with and without a ground truth, at thresholds on and between the map's own values; and the
/// pieces that decide a sample's post-processing (family, test set, text form, maximum).
final class MapPostProcessingTests: XCTestCase {
    /// Every resolved combination (the unresolved LVS kernel resolves to one of the two).
    static let kinds: [MapPostProcessing] = [MapPostProcessing.Upsampler.cv2Linear, .alignCorners].flatMap { u in
        MapPostProcessing.Scale.allCases.flatMap { s in
            MapPostProcessing.Comparison.allCases.map { MapPostProcessing(positive: u, scale: s, comparison: $0) }
        }
    }

    /// The reference count: threshold every pixel of the full map as vssl_eval's NumPy does.
    func bruteForce(_ up: [Float], gt: [UInt8]?, t: Double, _ c: MapPostProcessing.Comparison) -> (inside: Int, outside: Int) {
        var inside = 0, outside = 0
        for (i, v) in up.enumerated() {
            let above = c == .float32 ? Float(v) > Float(t) : Double(v) > t
            guard above else { continue }
            if let g = gt, g[i] != 0 { inside += 1 } else { outside += 1 }
        }
        return (inside, outside)
    }

    /// Maps of the kind each scale produces: smooth blobs, white noise, values on a coarse grid
    /// (ties on cell corners), and a constant map.
    func maps(side: Int, scale: MapPostProcessing.Scale, seed: UInt64) -> [SimilarityMap] {
        var g = Random(seed: seed)
        let (lo, hi): (Double, Double) = scale == .raw ? (-0.3, 0.7) : scale == .halfCosine ? (0.45, 0.56) : (2, 17)
        let n = side * side
        let blobs = (0..<3).map { _ in (g.uniform(0, Double(side)), g.uniform(0, Double(side)), g.uniform(1, Double(side) / 2), g.uniform(-1, 1)) }
        let smooth = (0..<n).map { i -> Float in
            let x = Double(i % side), y = Double(i / side)
            let v = blobs.reduce(0.0) { $0 + $1.3 * exp(-((x - $1.0) * (x - $1.0) + (y - $1.1) * (y - $1.1)) / (2 * $1.2 * $1.2)) }
            return Float(lo + (hi - lo) * (0.5 + 0.4 * v))
        }
        let noise = (0..<n).map { _ in Float(g.uniform(lo, hi)) }
        let coarse = (0..<n).map { _ in Float(lo + (hi - lo) * Double(g.int(8)) / 8) }
        let constant = [Float](repeating: Float((lo + hi) / 2), count: n)
        return [smooth, noise, coarse, constant].map { SimilarityMap(width: side, height: side, values: $0) }
    }

    /// Thresholds on the map's own values, one float32 step either side, between two floats (where
    /// float32 and float64 comparisons differ), beyond the range, and NaN.
    func thresholds(_ up: [Float], seed: UInt64) -> [Double] {
        let sorted = up.sorted()
        var g = Random(seed: seed)
        var out: [Double] = [-10, 10, .nan]
        for q in [0.0, 0.1, 0.5, 0.9, 0.999, 1.0] {
            let v = sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1)))]
            out += [Double(v), Double(v.nextUp), Double(v.nextDown), Double(v) + (Double(v.nextUp) - Double(v)) * 0.75]
        }
        for _ in 0..<4 { out.append(Double(sorted[g.int(sorted.count)]) + g.uniform(-1e-3, 1e-3)) }
        return out
    }

    func testCounterEqualsBruteForceForEveryKind() {
        var gt = [UInt8](repeating: 0, count: 224 * 224)
        for y in 40..<150 { for x in 60..<200 where (x + y) % 7 != 0 { gt[y * 224 + x] = 1 } }
        let truth = GroundTruthMap(pixels: gt)
        var checked = 0
        for (k, pp) in Self.kinds.enumerated() {
            for side in [14, 7] {
                for (m, map) in maps(side: side, scale: pp.scale, seed: UInt64(100 * k + side)).enumerated() {
                    for negative in [false, true] {
                        let up = pp.upsample(map, negative: negative)
                        let plain = ThresholdCounter(map: map, postProcessing: pp, negative: negative)
                        let withGT = ThresholdCounter(map: map, postProcessing: pp, negative: negative, groundTruth: truth)
                        for t in thresholds(up, seed: UInt64(k * 1000 + m)) {
                            let what = "\(pp) \(side)×\(side) map \(m) negative \(negative) t \(t)"
                            let ref = bruteForce(up, gt: nil, t: t, pp.comparison)
                            XCTAssertEqual(plain.area(above: t), ref.inside + ref.outside, what)
                            let c = withGT.count(above: t), refGT = bruteForce(up, gt: gt, t: t, pp.comparison)
                            XCTAssertEqual(c.inside, refGT.inside, what)
                            XCTAssertEqual(c.outside, refGT.outside, what)
                            checked += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 4000)
    }

    /// The float32 comparison is not a rounding nicety: a threshold between two floats counts
    /// the pixels equal to the float above it under float64 and not under float32.
    func testFloat32AndFloat64ComparisonsDifferBetweenFloats() {
        let map = SimilarityMap(width: 14, height: 14, values: [Float](repeating: 0.5, count: 196))
        let t = Double(Float(0.5)) - 1e-12   // rounds to 0.5 in float32
        XCTAssertEqual(ThresholdCounter(map: map, postProcessing: .sslTie).area(above: t), 224 * 224)
        let f32 = MapPostProcessing(positive: .cv2Linear, scale: .raw, comparison: .float32)
        XCTAssertEqual(ThresholdCounter(map: map, postProcessing: f32).area(above: t), 0)
    }

    /// The align-corners kernel through the shared plan equals PyTorch's formula written out
    /// pixel by pixel (the code it replaced), bit for bit.
    func testAlignCornersPlanEqualsTheDirectFormula() {
        for side in [14, 7] {
            let map = maps(side: side, scale: .raw, seed: 7)[1]
            let scale = Float(side - 1) / Float(223)
            func axis(_ d: Int) -> (Int, Int, Float, Float) {
                let src = scale * Float(d)
                let i = min(Int(src), side - 1)
                let l = src - Float(i)
                return (i, i < side - 1 ? i + 1 : i, 1 - l, l)
            }
            let up = MapResize.upsample(map, kernel: .alignCorners)
            var same = 0
            for y in 0..<224 {
                let (y0, y1, a0, a1) = axis(y)
                for x in 0..<224 {
                    let (x0, x1, b0, b1) = axis(x)
                    let t0 = map[x0, y0] * b0 + map[x1, y0] * b1
                    let t1 = map[x0, y1] * b0 + map[x1, y1] * b1
                    if up[y * 224 + x].bitPattern == (t0 * a0 + t1 * a1).bitPattern { same += 1 }
                }
            }
            XCTAssertEqual(same, 224 * 224, "\(side)×\(side)")
        }
    }

    func testFamiliesResolveTheirTestSetAndRoundTripAsText() {
        let lvs = ModelFamily.lvs.specification.postProcessing
        XCTAssertEqual(lvs.resolved(vggss: true).positive, .cv2Linear)
        XCTAssertEqual(lvs.resolved(vggss: false).positive, .alignCorners)
        XCTAssertEqual(ModelFamily.ezvsl.specification.postProcessing.resolved(vggss: true).positive, .alignCorners)
        XCTAssertEqual(ModelFamily.sslTie.specification.postProcessing, .sslTie)
        XCTAssertEqual(MapPostProcessing.sslTie.comparison, .float64)
        for f in ModelFamily.allCases where f != .sslTie { XCTAssertEqual(f.specification.postProcessing.comparison, .float32, "\(f)") }
        for pp in Self.kinds + ModelFamily.allCases.map(\.specification.postProcessing) {
            XCTAssertEqual(MapPostProcessing(text: pp.description), pp)
        }
        XCTAssertNil(MapPostProcessing(text: "cv2Linear,raw"))
        XCTAssertNil(MapPostProcessing(text: "bicubic,raw,float32"))
    }

    /// The per-map maximum U is taken from: the native map's own for raw and (cos+1)/2 maps,
    /// ≈ 1 for every Grad-CAM map (min–max normalised, as RCGrad's reference returns it).
    func testMaximumIsTheNativeMaximumInTheThresholdSpace() {
        for scale in MapPostProcessing.Scale.allCases {
            let pp = MapPostProcessing(positive: .alignCorners, scale: scale, comparison: .float32)
            for map in maps(side: 7, scale: scale, seed: 3).dropLast() {
                let m = pp.maximum(map)
                if scale == .gradCAM {
                    XCTAssertEqual(m, 1, accuracy: 1e-6)
                    // Nothing of a Grad-CAM map lies above its own maximum.
                    XCTAssertEqual(ThresholdCounter(map: map, postProcessing: pp).area(above: Double(m)), 0)
                } else {
                    XCTAssertEqual(m, map.max)
                }
            }
        }
    }

    /// A sample carries its post-processing into `MetricSet`: the same maps scored as EZ-VSL
    /// (align-corners positive) and as SSL-TIE (cv2) give the counts of their own upsampling.
    func testMetricSetCountsWithTheSamplesPostProcessing() {
        var gt = [UInt8](repeating: 0, count: 224 * 224)
        for y in 0..<112 { for x in 0..<112 { gt[y * 224 + x] = 1 } }
        let m = maps(side: 7, scale: .halfCosine, seed: 11)
        let ez = ModelFamily.ezvsl.specification.postProcessing
        for pp in [MapPostProcessing.sslTie, ez] {
            let s = ScoredSample(id: "a", positive: m[0], silence: m[1], noise: [m[2]], offscreen: [m[0]],
                                 groundTruth: GroundTruthMap(pixels: gt), postProcessing: pp)
            let set = MetricSet(samples: [s])
            let t = 0.5
            let r = set.report(threshold: .value(t))
            let pos = bruteForce(pp.upsample(m[0]), gt: gt, t: t, pp.comparison)
            XCTAssertEqual(r.perSample[0].ciouUth, CIoU.value(intersection: pos.inside, gtPixels: 112 * 112, falsePositives: pos.outside), "\(pp)")
            let sil = bruteForce(pp.upsample(m[1], negative: true), gt: nil, t: t, pp.comparison)
            XCTAssertEqual(r.perSample[0].piaSilence!, 100 * PIA.fraction(area: sil.outside), accuracy: 1e-12, "\(pp)")
            XCTAssertEqual(r.perSample[0].thresholdMedian, Double(CIoU.medianThreshold(pp.upsample(m[0]))), "\(pp)")
        }
    }

    /// Shard parts keep each sample's post-processing (older parts without the key read as SSL-TIE's).
    func testEvaluationPartKeepsThePostProcessing() throws {
        let m = maps(side: 7, scale: .halfCosine, seed: 5)
        let pp = ModelFamily.slavc.specification.postProcessing
        let s = ScoredSample(id: "x", positive: m[0], silence: m[1], noise: [m[2]], offscreen: [], groundTruth: nil, postProcessing: pp)
        var o = EvaluationPart.encode(s, index: 3, row: nil)
        XCTAssertEqual(try EvaluationPart.decode(o, file: "p", line: 2).1.postProcessing, pp)
        o["post_processing"] = nil
        XCTAssertEqual(try EvaluationPart.decode(o, file: "p", line: 2).1.postProcessing, .sslTie)
        o["post_processing"] = "cubic"
        XCTAssertThrowsError(try EvaluationPart.decode(o, file: "p", line: 2)) { XCTAssertTrue("\($0)".contains("post_processing 'cubic'"), "\($0)") }
    }

    /// A maps file names its post-processing in its metadata: explicitly, through a family, or not at all.
    func testMapsFileMetadataChoosesThePostProcessing() throws {
        let dir = NSTemporaryDirectory() + "sslsan-mapspp-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = maps(side: 7, scale: .halfCosine, seed: 9)
        func file(_ meta: [String: String]) throws -> String {
            var w = SafetensorsWriter(metadata: meta)
            let v = m[0].values + m[1].values
            v.withUnsafeBufferPointer { w.add("heatmap", floats: $0, shape: [2, 1, 7, 7]) }
            w.add("bboxes", int64s: [10, 10, 100, 100, 20, 20, 200, 200], shape: [2, 1, 4])
            let path = dir + "/m\(meta.count)-\(meta.keys.sorted().joined()).safetensors"
            try w.write(to: path)
            return path
        }
        XCTAssertEqual(try MapsFile.read(try file([:]))[0].postProcessing, .sslTie)
        XCTAssertEqual(try MapsFile.read(try file(["family": "ACL"]))[0].postProcessing, .sslTie)
        XCTAssertEqual(try MapsFile.read(try file(["family": "FNAC"]))[1].postProcessing, ModelFamily.fnac.specification.postProcessing)
        XCTAssertEqual(try MapsFile.read(try file(["family": "lvs", "testset": "vggss"]))[0].postProcessing.positive, .cv2Linear)
        XCTAssertEqual(try MapsFile.read(try file(["family": "lvs"]))[0].postProcessing.positive, .alignCorners)
        XCTAssertEqual(try MapsFile.read(try file(["post_processing": "cv2Linear,gradCAM,float32"]))[0].postProcessing,
                       MapPostProcessing(positive: .cv2Linear, scale: .gradCAM, comparison: .float32))
        XCTAssertThrowsError(try MapsFile.read(try file(["post_processing": "nearest"]))) { XCTAssertTrue("\($0)".contains("post_processing"), "\($0)") }
    }
}
