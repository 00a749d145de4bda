import Foundation
import Core

/// Any dataset sslsan reads (manifest, VGG-SS, IS3/IS3+, S4) through `Dataset.open`.
struct CoreDataset: ExplorerData {
    let name: String
    let samples: [Sample]
    let problems: [String]

    init(directory: String) throws {
        // Samples without ground truth are still browsed (their IoU shows as "·"); the figures
        // cover the annotated ones, as `sslsan eval` does.
        let ds = try Dataset.open(directory, requireGroundTruth: false)
        name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        samples = ds.samples
        problems = ds.problems
    }

    func image(_ s: Sample) throws -> RGBImage { try ImageFile.read(s.imagePath) }
    func audio(_ s: Sample, sampleRate: Int) throws -> AudioClip { try AudioFile.read(s.audioPath, sampleRate: sampleRate) }
    func groundTruth(_ s: Sample) -> GroundTruthMap? { try? GroundTruthMap.load(for: s) }
}
