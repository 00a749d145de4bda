import Foundation
import Core

/// Where the explorer's maps and scores come from: a checkpoint run on the engine
/// (`ModelSession`) or maps computed elsewhere (`MapsSession`, `sslsan explore --maps`). The
/// scorer, the scene worker and the export read only this protocol, so every screen, figure and
/// histogram works the same for both; what needs the engine (live windows while the clip plays)
/// asks for a `ModelSession` and is off for maps.
public protocol ScoreSource: AnyObject, Sendable {
    /// The status line's caption: "file · family · paper U" for a checkpoint, "file · family" or
    /// "file · precomputed maps" for a maps file.
    var name: String { get }
    /// Passes the scorer covers (`sslsan eval --passes`; a maps file's own passes).
    var passes: Int { get }
    /// Dataset index of each sample in the figures (in figure order), and the reverse: the
    /// annotated samples for a model (as `sslsan eval`), every sample of a maps file (as `eval --maps`).
    var evaluationIndices: [Int] { get }
    var evaluationRow: [Int?] { get }
    /// Rate of the waveforms the scene plays.
    var sampleRate: Int { get }
    /// Dataset sample i scored for `passes` (a `ScoredSample` as `Evaluator.score` or `MapsFile` gives it).
    func score(_ i: Int, passes: Range<Int>) throws -> ScoredSample
    /// The four maps of sample i in the shown pass (positive, silence, noise, off-screen); a condition
    /// that fails is nil with its problem, one the source does not have is nil (see `absence`).
    func maps(_ i: Int) throws -> (maps: [SimilarityMap?], problem: String?)
    /// How sample i's maps become thresholded 224² maps (`MapPostProcessing`: the model's family, or
    /// the maps file's metadata): what the scene's figures count with, as the dataset figures do.
    func postProcessing(for i: Int) -> MapPostProcessing
    /// Why the source has no maps of condition c at all (nil: it has them).
    func absence(_ c: AudioCondition) -> String?
    /// The waveform condition c plays for sample i in the shown pass, and its class.
    func waveform(_ i: Int, _ c: AudioCondition, data: any ExplorerData) throws -> (samples: [Float], label: String)
}

public extension ScoreSource {
    /// Whether the source runs on the engine (live windows, training's "switch to it").
    var usesEngine: Bool { self is ModelSession }
}
