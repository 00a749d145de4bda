import XCTest
@testable import Core

/// One train step on the engine against golden/train_step.safetensors (README tolerances), with
/// llm.c-style per-tensor agreement tables: core, full (flip on, as stored), and full with the
/// flip off, derived from the maths (see `testFullTrainStepFlipOff`).
final class TrainingGoldenTests: XCTestCase {
    func golden() throws -> SafetensorsFile { try SafetensorsFile(path: try SharedData.path("golden/train_step.safetensors")) }

    func model() throws -> SSLSaNModel { try SSLSaNModel.load(try SharedData.path("golden/model.safetensors")) }

    /// Runs `variant` on the batch in `batchFile` and checks every golden tensor of that variant.
    func check(_ v: TrainStepDebug.Variant, batchFile: SafetensorsFile, label: String) throws {
        let golden = try golden()
        let batch = try TrainStepDebug.batch(from: batchFile)
        let tf = v == .full ? try TrainStepDebug.transform(from: batchFile) : nil
        let t0 = Date()
        let out = TrainStepDebug.run(model: try model(), batch: batch, variant: v, transform: tf)
        let rows = try TrainStepDebug.compare(out, golden: golden, variant: v)
        print("train step \(label): \(String(format: "%.1f", Date().timeIntervalSince(t0))) s\n" + TrainStepDebug.table(rows))
        XCTAssertGreaterThan(rows.count, v == .core ? 25 : 15)
        for r in rows { XCTAssertTrue(r.pass, "\(label) \(r.name): relL2 \(r.relL2) maxabs \(r.maxAbs) cos \(r.cosine) (\(r.limit))") }
    }

    func testCoreTrainStep() throws { try check(.core, batchFile: try golden(), label: "core") }

    func testFullTrainStep() throws {
        let g = try golden()
        XCTAssertFalse(g.contains(TrainStepDebug.flipKey), "the golden step stores no flip key; absent means flip on")
        XCTAssertTrue(try TrainStepDebug.transform(from: g).flip)
        try check(.full, batchFile: g, label: "full, flip on")
    }

    /// The golden file holds one flip setting (on). The other follows from the maths: T flips
    /// last, and a horizontal flip commutes with the half-pixel bilinear resizes T uses, so
    /// flip ∘ warp(M) = warp(F·M) with F: u ↦ (S−1) − u on the S-pixel canvas. Hence a flip-off
    /// step with matrices F·M is the golden flip-on step with M, tensor for tensor. The batch is
    /// written to a file with `full/tf_hflip` = 0 and read back as `sslsan debug train-step`
    /// reads it; a reader that ignored the key (flip always on) would flip twice and fail.
    func testFullTrainStepFlipOff() throws {
        let g = try golden()
        let m = try g.tensor("full/tf_matrices")
        let side = Float(try g.tensor("images_u8").shape[3])
        let flipped = m.copy()
        for n in 0..<m.shape[0] {
            for j in 0..<3 { flipped[n * 6 + j] = -m[n * 6 + j] }   // first row of F·M = −row + (S−1)·e₃
            flipped[n * 6 + 2] += side - 1
        }
        var w = SafetensorsWriter()
        for name in ["images_u8", "spec_pos", "spec_noise", "spec_silence_value"] {
            if name == "images_u8" {
                let t = try g.tensor(name)
                w.add(name, uint8s: t.array.map { UInt8($0) }, shape: t.shape)
            } else {
                w.add(name, try g.tensor(name))
            }
        }
        w.add("full/tf_matrices", flipped)
        w.add(TrainStepDebug.flipKey, Tensor(shape: [], values: [0]))
        let path = NSTemporaryDirectory() + "sslsan-flipoff-\(getpid()).safetensors"
        try w.write(to: path)
        defer { unlink(path) }
        let batchFile = try SafetensorsFile(path: path)
        XCTAssertFalse(try TrainStepDebug.transform(from: batchFile).flip)
        try check(.full, batchFile: batchFile, label: "full, flip off (F·M)")
    }
}
