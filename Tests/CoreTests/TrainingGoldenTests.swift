import XCTest
@testable import Core

/// One train step against golden/train_step.safetensors (README tolerances).
final class TrainingGoldenTests: XCTestCase {
    func runVariant(_ v: TrainStepDebug.Variant) throws {
        let golden = try SafetensorsFile(path: try SharedData.path("golden/train_step.safetensors"))
        let model = TrainableModel(config: .full, seed: 0)
        try model.load(try SafetensorsFile(path: try SharedData.path("golden/model.safetensors")))
        let batch = try TrainStepDebug.batch(from: golden)
        let tf = v == .full ? try TrainStepDebug.transform(from: golden) : nil
        let t0 = Date()
        let out = TrainStepDebug.run(model: model, batch: batch, variant: v, transform: tf)
        let rows = try TrainStepDebug.compare(out, golden: golden, variant: v)
        print("train step \(v.rawValue): \(String(format: "%.1f", Date().timeIntervalSince(t0))) s\n" + TrainStepDebug.table(rows))
        XCTAssertGreaterThan(rows.count, 10)
        for r in rows { XCTAssertTrue(r.pass, "\(r.name): relL2 \(r.relL2) maxabs \(r.maxAbs) cos \(r.cosine) (\(r.limit))") }
    }

    func testCoreTrainStep() throws { try runVariant(.core) }
    func testFullTrainStep() throws { try runVariant(.full) }
}
