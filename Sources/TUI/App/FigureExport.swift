import Foundation
import Core
import Render

/// Writes the paper's Fig. 2 style PNG (image, ground truth, the four conditions' maps at the
/// threshold) for each tagged sample, in the background.
enum FigureExport {
    static func start(session: Session, indices: [Int], threshold: Double, colorMap: ColorMap, folder: String, inbox: Inbox) {
        // A counted worker, so quitting waits for the PNG being written (never a half-written file).
        WorkerThreads.start(name: "sslsan-figures", stackSize: 8 << 20) {
            var written = 0
            var failures: [String] = []
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                inbox.post(.notice("cannot create \(folder): \(error.localizedDescription)")); return
            }
            for i in indices {
                if WorkerThreads.stopRequested { break }
                let s = session.data.samples[i]
                do {
                    let image = try session.data.image(s)
                    let (maps, _) = try session.maps(session.main, i)
                    let pairs = zip(AudioCondition.allCases, maps).compactMap { c, m in m.map { (condition: c, map: $0) } }
                    let fig = Figure.sample(id: s.id, image: image, groundTruth: session.data.groundTruth(s), maps: pairs,
                                            options: FigureOptions(threshold: threshold, colorMap: colorMap))
                    try PNGFile.write(fig, to: "\(folder)/\(s.id).png")
                    written += 1
                } catch {
                    failures.append("\(s.id): \(error)")
                }
            }
            inbox.post(.notice("wrote \(written) PNG figure\(written == 1 ? "" : "s") to \(folder)" + (failures.isEmpty ? "" : "; \(failures.count) failed (\(failures[0]))")))
        }
    }
}
