import Foundation
import Core
import Render

/// One export of the tagged samples: a folder `exports/tagged-<time>/` holding `ids.txt`,
/// `report.json` (`ExportReport`) and the paper's Fig. 2 style PNG per sample (image, ground
/// truth, the four conditions' maps at the threshold) in `figures/`.
struct ExportJob: Sendable {
    var folder: String
    var ids: String
    var json: Data
    var indices: [Int]
    var threshold: Double
    var colorMap: ColorMap
    var session: Session
}

/// The explorer's one export worker. `e` queues a job; a single counted thread writes the jobs
/// in order and ends when the queue is empty (it starts again with the next job), so pressing
/// `e` many times never starts more than one thread, and quitting waits for the file being
/// written (never a half-written one: every file goes through `AtomicFile` / `PNGFile`).
final class ExportQueue: @unchecked Sendable {
    private let cond = NSCondition()
    private var jobs: [ExportJob] = []
    private var working = false
    let inbox: Inbox

    init(inbox: Inbox) { self.inbox = inbox }

    /// Jobs waiting or being written.
    var pending: Int { cond.lock(); defer { cond.unlock() }; return jobs.count + (working ? 1 : 0) }

    /// Jobs that may wait behind the one being written; more are refused (a key held down
    /// must not fill the disk with copies).
    static let maxWaiting = 2

    /// Queues a job; false when `maxWaiting` jobs are already waiting.
    @discardableResult
    func enqueue(_ job: ExportJob) -> Bool {
        cond.lock(); defer { cond.unlock() }
        guard jobs.count < Self.maxWaiting else { return false }
        jobs.append(job)
        guard !working else { return true }
        working = true
        WorkerThreads.start(name: "sslsan-export", stackSize: 8 << 20) { [self] in
            while let j = next() { inbox.post(.notice(Self.write(j))) }
        }
        return true
    }

    private func next() -> ExportJob? {
        cond.lock(); defer { cond.unlock() }
        if jobs.isEmpty || WorkerThreads.stopRequested { jobs.removeAll(); working = false; return nil }
        return jobs.removeFirst()
    }

    /// Writes one job; returns the notice that names what was written where.
    static func write(_ j: ExportJob) -> String {
        let figures = j.folder + "/figures"
        do {
            try FileManager.default.createDirectory(atPath: figures, withIntermediateDirectories: true)
            try AtomicFile.write(Data(j.ids.utf8), to: j.folder + "/ids.txt")
            try AtomicFile.write(j.json, to: j.folder + "/report.json")
        } catch {
            return "export to \(j.folder) failed: \(error)"
        }
        var written = 0
        var failures: [String] = []
        for i in j.indices {
            if WorkerThreads.stopRequested { break }
            let s = j.session.data.samples[i]
            do {
                // A maps-file sample without an image is drawn on the scene's neutral background.
                let image = j.session.data.missingImage(s) == nil ? try j.session.data.image(s) : neutralBackground
                let (maps, _) = try j.session.main.maps(i)
                let pairs = zip(AudioCondition.allCases, maps).compactMap { c, m in m.map { (condition: c, map: $0) } }
                let fig = Figure.sample(id: s.id, image: image, groundTruth: j.session.data.groundTruth(s), maps: pairs,
                                        options: FigureOptions(threshold: j.threshold, colorMap: j.colorMap))
                try PNGFile.write(fig, to: "\(figures)/\(s.id).png")
                written += 1
            } catch {
                failures.append("\(s.id): \(error)")
            }
        }
        return "exported \(j.indices.count) id\(j.indices.count == 1 ? "" : "s") to \(j.folder)/ (ids.txt, report.json, \(written) figure\(written == 1 ? "" : "s"))"
            + (failures.isEmpty ? "" : "; \(failures.count) failed (\(failures[0]))")
    }
}
