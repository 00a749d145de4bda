import Foundation
import Core

/// What the demo's caption says about the map on screen, computed from that map: its maximum,
/// the share of the image above the threshold (`ThresholdCounter`, as the metrics count it),
/// where its peak is and, for the positive, whether the peak lies on the ground truth and the
/// IoU. Never fixed text, so a noise map that lights up is called a false alarm, not "empty".
public enum DemoCaption {
    public static func describe(_ c: AudioCondition, label: String, map: SimilarityMap?, groundTruth: GroundTruthMap?,
                                threshold: Double, postProcessing: MapPostProcessing = .sslTie) -> String {
        let name: String
        switch c {
        case .positive: name = "positive" + (label.isEmpty ? "" : " (\(label))")
        case .silence, .noise: name = c.title
        case .offscreen: name = "off-screen" + (label.isEmpty ? "" : " (\(label))")
        }
        guard let m = map, !m.values.isEmpty else { return "\(name): no map yet" }
        let gt = groundTruth.flatMap { $0.isEmpty ? nil : $0 }
        let counts = ThresholdCounter(map: m, postProcessing: postProcessing, negative: c != .positive,
                                      groundTruth: c == .positive ? gt : nil).count(above: threshold)
        let area = counts.inside + counts.outside
        let percent = Fmt.f(100 * PIA.fraction(area: area), 1) + "%"
        let peak = Self.peak(m)
        let maxText = "max \(Fmt.f(postProcessing.maximum(m), 3))"
        if c == .positive {
            guard area > 0 else {
                return "\(name): nothing above the threshold (\(maxText)): " + (gt != nil ? "the object is missed" : "nothing lights up")
            }
            guard let g = gt else { return "\(name): peak \(peak.place), \(percent) of the image above the threshold" }
            let iou = CIoU.value(intersection: counts.inside, gtPixels: g.count, falsePositives: counts.outside)
            let on = g.pixels[peak.y224 * GroundTruthMap.side + peak.x224] != 0
            return "\(name): peak \(on ? "on" : "off") the object (\(peak.place)), IoU \(Fmt.f(iou, 2)), \(percent) above the threshold"
        }
        guard area > 0 else { return "\(name): nothing above the threshold (\(maxText)): quiet, as it should be" }
        return "\(name): \(percent) of the image lights up (\(maxText), peak \(peak.place)): a false alarm"
    }

    /// The map's largest value: where it is in words ("top left", "centre") and on the 224² grid.
    static func peak(_ m: SimilarityMap) -> (place: String, x224: Int, y224: Int) {
        let k = m.values.indices.max { m.values[$0] < m.values[$1] } ?? 0
        let x = k % m.width, y = k / m.width
        let col = x * 3 / m.width, row = y * 3 / m.height
        let place = row == 1 && col == 1 ? "centre"
            : [["top", "middle", "bottom"][row], ["left", "", "right"][col]].filter { !$0.isEmpty }.joined(separator: " ")
        let side = GroundTruthMap.side
        return (place, min(side - 1, (2 * x + 1) * side / (2 * m.width)), min(side - 1, (2 * y + 1) * side / (2 * m.height)))
    }
}
