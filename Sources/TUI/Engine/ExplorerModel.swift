import Foundation
import Core

/// A checkpoint the explorer shows: the Core model and the name in the status line. Everything
/// the explorer computes with it goes through Core's API (`Evaluator`, `LocalisationModel` of any
/// family, `NegativeAudio`), the same calls `sslsan eval` and `sslsan infer` make.
public protocol ExplorerModel: AnyObject, Sendable {
    /// Shown in the status line (checkpoint file name, family and paper threshold).
    var name: String { get }
    var model: any LocalisationModel { get }
}

/// What the explorer needs from a dataset: the samples and how to decode them for display.
public protocol ExplorerData: Sendable {
    var name: String { get }
    var samples: [Sample] { get }
    /// Problems found while opening (per-sample, with ids).
    var problems: [String] { get }
    func image(_ sample: Sample) throws -> RGBImage
    func audio(_ sample: Sample, sampleRate: Int) throws -> AudioClip
    /// The metrics' 224×224 ground truth (nil when the sample has none or it cannot be read):
    /// what the overlay outlines and the scene's IoU is computed against.
    func groundTruth(_ sample: Sample) -> GroundTruthMap?
    /// Why a sample has no image to draw on (nil: it has one); the scene and the export then draw
    /// its map on `neutralBackground` and say why (maps-file samples not found in `--data`).
    func missingImage(_ sample: Sample) -> String?
}

public extension ExplorerData {
    func missingImage(_ sample: Sample) -> String? { nil }
}

/// The mid-grey 224² picture a map without an image is drawn on.
public let neutralBackground = RGBImage(width: 224, height: 224, fill: (96, 96, 96))
