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
            if let sc = s.scores[i] {
                o["max"] = Dictionary(uniqueKeysWithValues: AudioCondition.allCases.map { ($0.rawValue, Double(sc.maxes[$0.index])) })
                if let c = sc.counts {
                    let iou = c.iou(s.threshold)
                    o["iou"] = iou.isNaN ? NSNull() : iou
                    o["pIA"] = ["silence": c.pia(0, s.threshold), "noise": c.pia(1, s.threshold), "offscreen": c.pia(2, s.threshold)]
                }
            }
            if let p = s.problems[i] { o["problem"] = p }
            items.append(o)
        }
        var root: [String: Any] = ["checkpoint": s.checkpointName, "dataset": s.datasetName, "threshold": s.threshold,
                                   "samples": items]
        if let u = s.figures.universal { root["universal_threshold"] = u }
        let json = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return (idx.map { s.samples[$0].id }.joined(separator: "\n") + "\n", json)
    }
}
