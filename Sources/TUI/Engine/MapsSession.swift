import Foundation
import Core

/// Precomputed maps as the explorer's source (`sslsan explore --maps FILE`): the samples of a
/// `MapsFile`, passed through unchanged (every field `MapsFile` fills reaches the metrics), so the
/// figures are `sslsan eval --maps FILE`'s. Nothing here runs the engine.
public final class MapsSession: ScoreSource, Sendable {
    /// One per dataset sample of `MapsData` (the same order: the file's).
    let scored: [ScoredSample]
    public let name: String
    public let passes: Int
    public let evaluationIndices: [Int]
    public let evaluationRow: [Int?]
    /// The rate the joined dataset's audio is played at (the maps file names none).
    public let sampleRate = 16000
    let file: String
    let has: [Bool]

    init(contents: MapsFile.Contents, path: String) {
        scored = contents.samples
        file = URL(fileURLWithPath: path).lastPathComponent
        name = "\(file) · \(contents.family ?? "precomputed maps")"
        passes = contents.samples.map(\.passes).max() ?? 1
        evaluationIndices = Array(contents.samples.indices)
        evaluationRow = evaluationIndices.map { $0 }
        let s = contents.samples
        has = [true, s.contains { $0.silence != nil }, s.contains { !$0.noise.isEmpty }, s.contains { !$0.offscreen.isEmpty }]
    }

    /// The file's sample with only the maps of `passes` (the scorer takes pass 1, then the rest).
    public func score(_ i: Int, passes r: Range<Int>) throws -> ScoredSample {
        var s = scored[i]
        s.noise = Array(s.noise[r.clamped(to: s.noise.indices)])
        s.offscreen = Array(s.offscreen[r.clamped(to: s.offscreen.indices)])
        return s
    }

    public func maps(_ i: Int) throws -> (maps: [SimilarityMap?], problem: String?) {
        let s = scored[i]
        return ([s.positive, s.silence, s.noise.first, s.offscreen.first], nil)
    }

    /// The file's (`MapsFile.postProcessing`), carried by each of its samples.
    public func postProcessing(for i: Int) -> MapPostProcessing { scored[i].postProcessing }

    public func absence(_ c: AudioCondition) -> String? {
        has[c.index] ? nil : "no \(c.title) maps in \(file)"
    }

    /// The dataset's clip for the positive when the sample was found in `--data`, and for the
    /// off-screen condition when the file names the sample it played (`offscreen_sources`) and that
    /// sample was found; the silence and noise a model encoded are not recorded in a maps file.
    public func waveform(_ i: Int, _ c: AudioCondition, data: any ExplorerData) throws -> (samples: [Float], label: String) {
        var j: Int? = c == .positive ? i : nil
        if c == .offscreen, let source = scored[i].offscreenSources.first { j = data.samples.firstIndex { $0.id == source } }
        guard let j, !data.samples[j].audioPath.isEmpty else { throw TUIError("no audio in maps file") }
        return (try data.audio(data.samples[j], sampleRate: sampleRate).samples, data.samples[j].label)
    }
}

/// The samples of a maps file as the explorer's dataset: each name found in `--data`
/// (`MapsFile.join`: by id or file stem) takes that sample's image and audio; the ground truth is
/// always the file's (what its figures count). Samples not found, or all of them without `--data`,
/// have no image: the scene draws their map on a neutral background and says why.
struct MapsData: ExplorerData {
    let name: String
    let samples: [Sample]
    let problems: [String]
    let groundTruths: [String: GroundTruthMap]
    let missing: String

    init(contents: MapsFile.Contents, path: String, dataDirectory: String?) throws {
        var dataset: Dataset?
        if let dir = dataDirectory {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw TUIError("\(dir): no such dataset folder")
            }
            do { dataset = try Dataset.open(dir, requireGroundTruth: false) } catch { throw TUIError("\(error)") }
        }
        let ids = contents.samples.map(\.id)
        let found = dataset.map { MapsFile.join(ids, with: $0.samples) } ?? ids.map { _ in nil }
        let dataName = dataDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent }
        samples = contents.samples.enumerated().map { i, s in
            // The maps file's id, so the browser lists what `eval --maps --json` lists.
            guard let k = found[i], let d = dataset?.samples[k] else { return Sample(id: s.id, imagePath: "", audioPath: "", label: s.label, scene: s.scene) }
            var m = d
            m.id = s.id
            if !s.label.isEmpty { m.label = s.label }
            return m
        }
        var gts: [String: GroundTruthMap] = [:]
        for s in contents.samples where gts[s.id] == nil { gts[s.id] = s.groundTruth }
        groundTruths = gts
        let file = URL(fileURLWithPath: path).lastPathComponent
        name = dataName.map { "\($0) + \(file)" } ?? file
        missing = dataName.map { "not in \($0)" } ?? "no --data"
        var problems: [String] = []
        let unmatched = ids.indices.filter { found[$0] == nil }.map { ids[$0] }
        if let dataName, !unmatched.isEmpty {
            problems.append("\(unmatched.count) of \(ids.count) samples of \(file) are not in \(dataName) (\(unmatched.prefix(3).joined(separator: ", "))\(unmatched.count > 3 ? ", …" : "")): their maps are drawn on a neutral background")
        } else if dataName == nil {
            problems.append("no --data: maps are drawn on a neutral background and there is no audio (--data DIR joins the file's names with a dataset)")
        }
        self.problems = problems + (dataset?.problems ?? [])
    }

    func missingImage(_ s: Sample) -> String? { s.imagePath.isEmpty ? missing : nil }
    func image(_ s: Sample) throws -> RGBImage {
        guard !s.imagePath.isEmpty else { throw TUIError("no image (\(missing))") }
        return try ImageFile.read(s.imagePath)
    }
    func audio(_ s: Sample, sampleRate: Int) throws -> AudioClip {
        guard !s.audioPath.isEmpty else { throw TUIError("no audio in maps file") }
        return try AudioFile.read(s.audioPath, sampleRate: sampleRate)
    }
    func groundTruth(_ s: Sample) -> GroundTruthMap? { groundTruths[s.id] }
}
