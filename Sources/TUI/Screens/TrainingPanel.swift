import Foundation
import Core
import Render

/// Launch and follow training in the background.
enum TrainingPanel {
    static func draw(_ s: ExplorerState, rect: Rect, into buf: inout CellBuffer) {
        let t = s.training
        let inner = buf.box(rect, title: "Training", focused: s.focus == .training)
        guard inner.height >= 8, inner.width >= 24 else { return }
        var y = inner.y
        let focused = s.focus == .training
        func field(_ f: TrainingPanelState.Field, _ name: String, _ value: String) {
            let sel = focused && t.field == f
            let text = "\(sel ? "▶" : " ") \(Fmt.pad(name, 15))\(value)"
            buf.line(text, in: Rect(x: inner.x, y: y, width: inner.width, height: 1), row: 0,
                     fg: sel ? .white : nil, bg: sel ? Theme.selectionBG : nil, attrs: sel ? .bold : [])
            y += 1
        }
        let onOff = { (b: Bool) in b ? "on" : "off" }
        field(.data, "data", t.data + (t.editingData ? "▏" : ""))
        field(.config, "config", "◀ \(t.configs.isEmpty ? "–" : t.configs[t.configIndex]) ▶")
        field(.epochs, "epochs", "◀ \(t.epochs) ▶")
        field(.silence, "silence L_S", onOff(t.useSilence))
        field(.noise, "noise L_N", onOff(t.useNoise))
        field(.equivariance, "equivariance", onOff(t.useEquivariance))
        field(.lr, "learning rate", String(format: "%.0e", t.learningRates[t.lrIndex]))
        field(.run, "", t.status == .running ? "[x] stop" : (t.status == .stopped ? "[Enter] resume" : "[Enter] start"))
        y += 1
        guard y < inner.maxY else { return }
        let statusColour: RGB = { if case .failed = t.status { return Theme.bad }; return t.status == .running ? Theme.ok : Theme.dimText }()
        buf.put("status: \(t.available ? t.status.text : "trainer not in this build")", x: inner.x, y: y, fg: statusColour, maxWidth: inner.width)
        y += 1
        if t.stepsPerEpoch > 0, y < inner.maxY {
            let done = t.status == .finished ? 1 : Double(max(0, t.epoch - 1) * t.stepsPerEpoch + t.step) / Double(max(1, t.epochs * t.stepsPerEpoch))
            let label = "ep \(t.epoch)/\(t.epochs) "
            buf.put(label, x: inner.x, y: y)
            buf.progressBar(done, x: inner.x + label.count, y: y, width: inner.width - label.count)
            y += 1
        }
        let spark = max(0, inner.width - 14)
        for (name, v, c) in [("loss", t.loss, Theme.accent), ("L_S silence", t.lossSilence, Theme.condition[1]), ("L_N noise", t.lossNoise, Theme.condition[2])] where y < inner.maxY {
            buf.put(Fmt.pad(name, 12), x: inner.x, y: y, fg: c)
            Charts.sparkline(v, x: inner.x + 12, y: y, width: spark, fg: c, into: &buf)
            if let last = v.last { buf.put(String(format: "%.3f", last), x: inner.maxX - 6, y: y, fg: Theme.dimText, maxWidth: 6) }
            y += 1
        }
        for line in t.validation.suffix(max(0, inner.maxY - y - 1)) where y < inner.maxY {
            buf.put(line, x: inner.x, y: y, fg: Theme.dimText, maxWidth: inner.width); y += 1
        }
        if let c = t.lastCheckpoint, y < inner.maxY {
            buf.put("saved \(URL(fileURLWithPath: c).lastPathComponent) · L loads it", x: inner.x, y: inner.maxY - 1, fg: Theme.ok, maxWidth: inner.width)
        }
    }
}
