import Foundation
import XCTest
import Core
import Render
@testable import TUI

/// `sslsan explore --maps FILE`: precomputed maps through the explorer's one source protocol
/// (`ScoreSource`; `MapsSession` beside `ModelSession`). The figures are `eval --maps`'s (the
/// same `MetricSet` from the same `MapsFile`), the scene shows the file's maps on the joined
/// dataset's image (or a neutral background, said so), conditions the file lacks are absent,
/// and a live model compared beside the maps gives its own maps for the same sample.
final class MapsExplorerTests: XCTestCase {
    static let repo = Fixtures.repo
    var tmp = ""

    override func setUpWithError() throws {
        tmp = try Fixtures.temporaryFolder("sslsan-mapsx")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func samples() throws -> (data: String, checkpoint: String) { try Fixtures.demoSamples() }

    /// The demo model's maps of samples/ over two passes, written as `eval --write-maps` writes them.
    func demoMaps() throws -> (file: String, data: String, checkpoint: String) {
        let (data, ckpt) = try samples()
        let ds = try Dataset.open(data, format: .auto, requireGroundTruth: true)
        var options = Evaluator.Options()
        options.passes = 2
        options.retrieval = false
        let model = try SSLSaNModel.load(ckpt)
        let set = try Evaluator(model: model, dataset: ds, options: options).run().metrics
        let file = tmp + "/demo-maps.safetensors"
        try MapsFile.write(set, family: model.label, to: file)
        return (file, data, ckpt)
    }

    func options(maps: String, data: String = "", compare: String? = nil) -> ExplorerOptions {
        var o = ExplorerOptions(dataDirectory: data, checkpoint: "", compare: compare)
        o.maps = maps
        return o
    }

    /// The scorer's updates into a fresh state, as the explorer's inbox applies them.
    func scored(_ data: any ExplorerData, _ main: any ScoreSource) -> (ExplorerState, Session) {
        let session = Session(data: data, main: main, compare: nil)
        var state = ExplorerState(datasetName: data.name, checkpointName: main.name, samples: data.samples, problems: data.problems)
        state.passesTarget = session.passes
        state.metricsExpected = main.evaluationIndices.count
        state.precomputed = !main.usesEngine
        Scorer.run(session, post: { state.apply($0) })
        return (state, session)
    }

    func testFiguresEqualEvalMapsAtThreeThresholds() throws {
        let (file, data, _) = try demoMaps()
        let (d, main, compare, _) = try ExplorerLauncher.sources(options(maps: file, data: data))
        XCTAssertNil(compare)
        XCTAssertFalse(main.usesEngine)
        XCTAssertEqual(main.passes, 2)
        var (s, _) = scored(d, main)
        // `sslsan eval --maps FILE`: the same loader, the same set.
        let set = try MapsFile.load(file).metrics
        XCTAssertEqual(s.passesShown, 2)
        XCTAssertEqual(s.metrics.count, set.count)
        XCTAssertEqual(s.threshold, set.universalThreshold, "the explorer starts at U itself")
        let size = (width: 120, height: 40)
        for keys in [[], ["]", "+"], ["[", "[", "["]] {
            for k in keys { _ = s.handle(.char(Character(k)), now: 0, size: size) }
            let want = set.report(threshold: .value(s.threshold)), got = try XCTUnwrap(s.report)
            XCTAssertEqual(got.table(), want.table(), "threshold \(s.threshold)")
            XCTAssertEqual(got.perSample.map(\.ciouUth), want.perSample.map(\.ciouUth))
        }
        // The histograms' maxima are the file's (noise and off-screen: the mean over passes).
        let file0 = set.samples[0]
        XCTAssertEqual(s.maximum(0, .positive), Double(file0.positive.max))
        XCTAssertEqual(s.maximum(0, .noise), Statistics.mean(file0.noise.map { Double($0.max) }))
        // Sorting by failure works on them: worst IoU first.
        _ = s.handle(.char("s"), now: 0, size: size); _ = s.handle(.char("s"), now: 0, size: size)
        XCTAssertEqual(s.sort, .iou)
        let ious = s.order.compactMap { s.iou($0) }.map { $0.isNaN ? 0 : $0 }
        XCTAssertEqual(ious, ious.sorted())
    }

    func testSceneJoinsTheDatasetAndTheLiveModelComparesOnTheSameSample() throws {
        let (file, data, ckpt) = try demoMaps()
        let (d, main, compare, _) = try ExplorerLauncher.sources(options(maps: file, data: data, compare: ckpt))
        XCTAssertTrue(d.problems.isEmpty, "every name of the file is in samples/: \(d.problems)")
        let session = Session(data: d, main: main, compare: compare)
        let worker = SceneWorker(session: session, inbox: Inbox(wakeup: Wakeup()), generation: 0)
        let i = 3
        let sc = worker.prepare(i)
        let fileSample = try MapsFile.load(file).samples[i]
        XCTAssertNil(sc.problem)
        XCTAssertNil(sc.imageNote, "a joined sample shows its own image")
        XCTAssertEqual(sc.image?.width, try ImageFile.read(d.samples[i].imagePath).width)
        XCTAssertEqual(sc.maps, [fileSample.positive, fileSample.silence, fileSample.noise[0], fileSample.offscreen[0]])
        // The scene counts with the file's post-processing (and the live model's own beside it).
        XCTAssertEqual(sc.postProcessing, fileSample.postProcessing)
        XCTAssertEqual(sc.comparePostProcessing, (compare as? ModelSession)?.postProcessing(for: i))
        XCTAssertEqual(sc.audioLabels[0], d.samples[i].label, "the positive plays the dataset's clip")
        XCTAssertFalse(sc.waves[0].isEmpty)
        XCTAssertEqual(sc.audioMissing[2], "no audio in maps file")
        XCTAssertNil(sc.audioMissing[0])
        // The off-screen clip the file names (`offscreen_sources`, pass 1) plays from the dataset.
        let source = try XCTUnwrap(fileSample.offscreenSources.first)
        let j = try XCTUnwrap(d.samples.firstIndex { $0.id == source })
        XCTAssertNil(sc.audioMissing[3])
        XCTAssertEqual(sc.audioLabels[3], d.samples[j].label)
        XCTAssertEqual(sc.waves[3], try d.audio(d.samples[j], sampleRate: 16000).samples)
        XCTAssertEqual(sc.absent, [nil, nil, nil, nil])
        // The live demo model beside its own precomputed maps: the same positive and silence map
        // (another process's BLAS may sum in another order: float32 rounding of 128-term dots).
        for c in [AudioCondition.positive, .silence] {
            let live = try XCTUnwrap(sc.compareMaps[c.index]), pre = try XCTUnwrap(sc.maps[c.index])
            for (a, b) in zip(live.values, pre.values) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
        // No live windows in maps mode.
        XCTAssertNil(worker.live(LiveRequest(sampleIndex: i, condition: .positive, start: 0, end: 1)))
    }

    /// Maps without a dataset and without noise maps: neutral background (said in the scene),
    /// noise shown as absent, no audio; the scene and the status line as a snapshot.
    func testMapsWithoutDataSnapshot() throws {
        let gt = GroundTruthMap.boxes([[0.1, 0.2, 0.45, 0.55]])
        let samples = (0..<6).map { i in
            ScoredSample(id: String(format: "clip%03d", i), label: Fixtures.classes[i % 4],
                         positive: Fixtures.blob(cx: 3 + Double(i), cy: 5, peak: 0.5 + 0.05 * Float(i)),
                         silence: Fixtures.map { _, _ in 0.01 * Float(i % 3) }, noise: [],
                         offscreen: [Fixtures.blob(cx: 10, cy: 10, peak: 0.3)], groundTruth: gt)
        }
        let file = tmp + "/acl-vggss.safetensors"
        try MapsFile.write(MetricSet(samples: samples), family: "ACL", to: file)
        let (d, main, _, _) = try ExplorerLauncher.sources(options(maps: file))
        var (s, session) = scored(d, main)
        s.soundNotice = "no sound player: silent playback"
        let worker = SceneWorker(session: session, inbox: Inbox(wakeup: Wakeup()), generation: 0)
        s.scene = worker.prepare(s.selectedIndex!)
        let buf = MainScreen.render(s, width: 80, height: 24)
        let text = buf.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("maps acl-vggss"), text)
        XCTAssertTrue(text.contains("no image (no --data) · neutral background"), text)
        XCTAssertTrue(text.contains("audio: \(samples[0].label)"), text)
        XCTAssertTrue(text.contains("(no audio in maps file)"), text)
        XCTAssertEqual(s.scene?.image, neutralBackground)
        try Snapshot.check("maps-80x24.txt", Snapshot.text(buf))
        // Noise: absent, not faked.
        _ = s.handle(.char("3"), now: 0, size: (80, 24))
        let noise = MainScreen.render(s, width: 80, height: 24).lines.joined(separator: "\n")
        XCTAssertTrue(noise.contains("no noise maps in acl-vggss.safetensors"), noise)
        XCTAssertNil(s.maximum(0, .noise))
        // The status line names the file and the family from its metadata; the metrics are the file's.
        XCTAssertEqual(main.name, "acl-vggss.safetensors · ACL")
        XCTAssertEqual(s.report?.table(), try MapsFile.load(file).metrics.report(threshold: .value(s.threshold)).table())
        // The engine's features are off with a notice: training, L.
        s.training.unavailableReason = "training needs the engine: off with --maps (precomputed maps)"
        _ = s.handle(.char("L"), now: 0, size: (80, 24))
        XCTAssertEqual(s.notice, "L loads a trained checkpoint: training needs the engine: off with --maps (precomputed maps)")
        // Without a name in the file's metadata the caption says where the maps came from.
        let plain = tmp + "/plain.safetensors"
        try MapsFile.write(MetricSet(samples: samples), family: nil, to: plain)
        XCTAssertEqual(try ExplorerLauncher.sources(options(maps: plain)).main.name, "plain.safetensors · precomputed maps")
    }

    func testUnmatchedNamesAreOneSummaryLine() throws {
        let (file, data, _) = try demoMaps()
        var c = try MapsFile.load(file)
        c.samples[0].id = "not-a-sample"; c.samples[2].id = "elsewhere.jpg"
        let renamed = tmp + "/renamed.safetensors"
        try MapsFile.write(c.metrics, family: nil, to: renamed)
        let (d, _, _, _) = try ExplorerLauncher.sources(options(maps: renamed, data: data))
        XCTAssertEqual(d.problems.first, "2 of \(c.samples.count) samples of renamed.safetensors are not in samples (not-a-sample, elsewhere.jpg): their maps are drawn on a neutral background")
        XCTAssertEqual(d.missingImage(d.samples[0]), "not in samples")
        XCTAssertNil(d.missingImage(d.samples[1]))
        XCTAssertThrowsError(try d.audio(d.samples[0], sampleRate: 16000)) { XCTAssertEqual("\($0)", "no audio in maps file") }
    }
}
