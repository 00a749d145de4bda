import Core
import Render

/// The widgets' frame cost, for `sslsan bench`: a 200×60 frame with a 640×480 image, a 14×14
/// map overlay (the explorer's heat style: metric-grid upsampling, threshold contour,
/// ground-truth outline), a 1000-row table, a stacked histogram and the status line, rebuilt
/// from scratch every frame as the explorer's screens do with these same widgets, then fitted
/// to the 256-colour palette (`CellBuffer.conform`). The explorer's own full-screen figure is
/// `ExplorerBench` (frame_200x60_ms).
public enum RenderBench {
    /// Mean milliseconds per frame over `frames` frames (after one warm-up frame).
    public static func frame200x60(frames: Int = 20) -> Double {
        let scene = Scene()
        var buffer = CellBuffer(width: 200, height: 60)
        scene.render(into: &buffer)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<Swift.max(1, frames) { scene.render(into: &buffer) }
        }
        let c = elapsed.components
        return (Double(c.seconds) * 1e3 + Double(c.attoseconds) * 1e-15) / Double(Swift.max(1, frames))
    }

    /// Synthetic but realistic inputs (deterministic, no files).
    struct Scene {
        let image: RGBImage
        let map: SimilarityMap
        let gt = GroundTruthMap.boxes([[0.3, 0.25, 0.7, 0.8]])
        let rows: [[String]]
        let maxima: [[Double]]

        init() {
            var img = RGBImage(width: 640, height: 480)
            for y in 0..<480 {
                for x in 0..<640 { img.setPixel(x, y, (UInt8(x * 255 / 639), UInt8(y * 255 / 479), UInt8((x ^ y) & 255))) }
            }
            image = img
            map = SimilarityMap(width: 14, height: 14, values: (0..<196).map { i in
                let dx = Float(i % 14) - 7, dy = Float(i / 14) - 6
                return 0.6 / (1 + 0.05 * (dx * dx + dy * dy))
            })
            rows = (0..<1000).map { ["sample_\($0)", "class \($0 % 37)", formatFixed(Double($0 % 97) / 97, digits: 3), formatFixed(Double($0 % 13) / 13, digits: 3)] }
            var seed: UInt64 = 0x5eed
            func next() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
            var m: [[Double]] = []
            for k in 0..<4 {
                let centre: Double = k == 0 ? 0.45 : 0.15 + 0.1 * Double(k - 1)
                var series: [Double] = []
                for _ in 0..<2000 { series.append(Swift.min(1, centre + 0.2 * next())) }
                m.append(series)
            }
            maxima = m
        }

        func render(into buffer: inout CellBuffer) {
            let theme = Theme(mode: .palette256)
            buffer.fill(buffer.area, with: .blank)
            let options = OverlayStyle.heat.options(colorMap: .jet, threshold: 0.33, showGroundTruth: true)
            MapOverlay.draw(image: image, map: map, groundTruth: gt, options: options,
                            in: Rect(x: 0, y: 0, width: 120, height: 44), into: &buffer, theme: theme)
            Table.draw(columns: [TableColumn("id", width: 0), TableColumn("class", width: 12), TableColumn("pos", width: 6, alignRight: true),
                                 TableColumn("sil", width: 6, alignRight: true)],
                       rows: rows, state: TableState(selected: 500, offset: 480, sortColumn: 2), in: Rect(x: 121, y: 0, width: 79, height: 44),
                       into: &buffer, theme: theme)
            let conditions: [AudioCondition] = [.positive, .silence, .noise, .offscreen]
            Histogram.draw(series: conditions.enumerated().map { HistogramSeries.condition($1, values: maxima[$0], theme: theme) },
                           markers: HistogramMarkers(threshold: 0.33, positiveQ1: 0.5, negativeQ3: 0.4, separability: 0.1),
                           layout: .stacked, in: Rect(x: 0, y: 44, width: 200, height: 15), into: &buffer, theme: theme)
            StatusLine.draw(left: [.init("explore", bold: true), .init("sample_500")], right: "ready",
                            in: Rect(x: 0, y: 59, width: 200, height: 1), into: &buffer, theme: theme)
            buffer.conform(to: theme.mode)
        }
    }
}
