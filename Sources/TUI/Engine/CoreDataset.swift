import Foundation
import Core

/// Any dataset sslsan reads (manifest, VGG-SS, IS3/IS3+, S4) through `Dataset.open`, with the
/// evaluation's off-screen choice and 224² ground truth.
struct CoreDataset: ExplorerData {
    let name: String
    let samples: [Sample]
    let problems: [String]
    let offscreenChoice: OffscreenChoice

    init(directory: String) throws {
        // Samples without ground truth are still browsed (their IoU shows as "·").
        let ds = try Dataset.open(directory, requireGroundTruth: false)
        name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        samples = ds.samples
        problems = ds.problems
        offscreenChoice = OffscreenChoice(samples: ds.samples)
    }

    func image(_ s: Sample) throws -> RGBImage { try ImageFile.read(s.imagePath) }
    func audio(_ s: Sample, sampleRate: Int) throws -> AudioClip { try AudioFile.read(s.audioPath, sampleRate: sampleRate) }
    func groundTruth(_ s: Sample) -> GroundTruthMap? { try? GroundTruthMap.load(for: s) }
    func offscreen(for i: Int, seed: UInt64) -> Int? { offscreenChoice.choose(for: i, seed: seed) }

    func groundTruthMap(_ s: Sample) -> [UInt8]? {
        guard let g = try? GroundTruthMap.load(for: s) else { return nil }
        return g.pixels
    }
}
