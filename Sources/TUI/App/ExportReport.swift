import Foundation
import Core

/// The tagged failure cases as a report: ids (one per line) and a JSON with their figures.
public enum ExportReport {
    public static func make(_ s: ExplorerState) -> (ids: String, json: Data) {
        let idx = s.tagged.sorted { s.samples[$0].id < s.samples[$1].id }
        var items: [[String: Any]] = []
        for i in idx {
            var o: [String: Any] = ["id": s.samples[i].id, "class": s.samples[i].label,
                                    "image": s.samples[i].imagePath, "audio": s.samples[i].audioPath]
            if s.scored[i] != nil {
                o["max"] = Dictionary(uniqueKeysWithValues: AudioCondition.allCases.map { ($0.rawValue, s.maximum(i, $0) as Any? ?? NSNull()) })
            }
            // The report's per-sample values at the threshold (pIA in percent, as `eval --json`).
            if let r = s.report, let k = s.metricRow[i] {
                let p = r.perSample[k]
                o["iou"] = p.ciouUth.isNaN ? NSNull() : p.ciouUth
                o["pIA"] = ["silence": p.piaSilence as Any? ?? NSNull(), "noise": p.piaNoise, "offscreen": p.piaOffscreen]
            }
            if let p = s.problems[i] { o["problem"] = p }
            items.append(o)
        }
        var root: [String: Any] = ["checkpoint": s.checkpointName, "dataset": s.datasetName, "threshold": s.threshold,
                                   "samples": items]
        if let u = s.report?.universalThreshold { root["universal_threshold"] = u }
        let json = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return (idx.map { s.samples[$0].id }.joined(separator: "\n") + "\n", json)
    }
}
