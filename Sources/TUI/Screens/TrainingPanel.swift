import Foundation
import Core
import Render

/// Launch and follow training in the background.
enum TrainingPanel {
    static func draw(_ s: ExplorerState, rect: Rect, into buf: inout CellBuffer, theme: Theme) {
        let t = s.training
        let inner = Border.draw(rect, title: "Training", into: &buf, theme: theme, focused: s.focus == .training)
        guard inner.height >= 8, inner.width >= 24 else { return }
        var y = inner.y
        let focused = s.focus == .training
        // A long value (a path) continues on the next rows under itself: nothing is cut.
        func field(_ f: TrainingPanelState.Field, _ name: String, _ value: String) {
            let sel = focused && t.field == f
            let bg = sel ? theme.paint(theme.selectionBackground) : nil
            let head = "\(sel ? "▶" : " ") \(TextLayout.fit(name, width: 15))"
            let room = max(1, inner.width - head.count)
            let parts = value.count <= room ? [value] : TextLayout.wrap(value, width: room)
            for (k, part) in (parts.isEmpty ? [""] : parts).enumerated() where y < inner.maxY {
                buf.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), with: Cell(" ", bg: bg, attrs: sel && !theme.mode.colour ? .reverse : []))
                buf.put((k == 0 ? head : String(repeating: " ", count: head.count)) + part, x: inner.x, y: y,
                        fg: theme.paint(sel ? theme.selectionText : theme.text), bg: bg, attrs: sel ? (theme.mode.colour ? .bold : [.bold, .reverse]) : [],
                        maxWidth: inner.width)
                y += 1
            }
        }
        let onOff = { (b: Bool) in b ? "on" : "off" }
        field(.data, "train data", t.data + (t.editing == .data ? "▏" : ""))
        field(.validation, "validation", (t.validationData.isEmpty ? "none" : t.validationData) + (t.editing == .validation ? "▏" : ""))
        field(.config, "config", "◀ \(t.configs.isEmpty ? "–" : t.configs[t.configIndex]) ▶")
        field(.epochs, "epochs", "◀ \(t.epochs) ▶")
        field(.silence, "silence L_S", onOff(t.useSilence))
        field(.noise, "noise L_N", onOff(t.useNoise))
        field(.jointAudio, "joint audio", onOff(t.useJointAudioBatch) + (t.useJointAudioBatch ? "" : " (recommended: on)"))
        field(.equivariance, "equivariance", onOff(t.useEquivariance))
        field(.lr, "learning rate", String(format: "%.0e", t.learningRates[t.lrIndex]))
        field(.run, "", t.status == .running ? "[x] stop" : (t.status == .stopped ? "[Enter] resume" : "[Enter] start"))
        // The run folder in full (wrapped, never cut), then what makes the figures of this run doubtful.
        let run = t.runDirectory ?? (t.runsFolder + "/explore-<time> (made on start)")
        var notes = TextLayout.wrap("run folder: " + run, width: inner.width).map { ($0, theme.text) }
        for w in t.warnings { notes += TextLayout.wrap("⚠ " + w, width: inner.width).map { ($0, theme.error) } }
        for (line, colour) in notes where y < inner.maxY {
            buf.put(line, x: inner.x, y: y, fg: theme.paint(colour), maxWidth: inner.width); y += 1
        }
        guard y < inner.maxY else { return }
        let statusColour: RGB = { if case .failed = t.status { return theme.error }; return t.status == .running ? theme.ok : theme.dimText }()
        for line in TextLayout.wrap("status: \(t.available ? t.status.text : t.unavailableReason)", width: inner.width) where y < inner.maxY {
            buf.put(line, x: inner.x, y: y, fg: theme.paint(statusColour), maxWidth: inner.width); y += 1
        }
        if t.stepsPerEpoch > 0, y < inner.maxY {
            let done = t.status == .finished ? 1 : Double(max(0, t.epoch - 1) * t.stepsPerEpoch + t.step) / Double(max(1, t.epochs * t.stepsPerEpoch))
            ProgressBar.draw(fraction: done, label: "ep \(t.epoch)/\(t.epochs)", in: Rect(x: inner.x, y: y, width: inner.width, height: 1), into: &buf, theme: theme)
            y += 1
        }
        let curves: [(String, [Double], RGB)] = [("loss", t.loss, theme.accent), ("L_S silence", t.lossSilence, theme.silence),
                                                 ("L_N noise", t.lossNoise, theme.noise)]
        for (name, v, c) in curves where y < inner.maxY {
            buf.put(TextLayout.fit(name, width: 12), x: inner.x, y: y, fg: theme.paint(c))
            Sparkline.draw(v, in: Rect(x: inner.x + 12, y: y, width: max(0, inner.width - 19), height: 1), into: &buf, theme: theme, color: c)
            if let last = v.last { buf.put(Fmt.f(last, 3), x: inner.maxX - 6, y: y, fg: theme.paint(theme.dimText), maxWidth: 6) }
            y += 1
        }
        let progressLines = t.validation.flatMap { $0.count <= inner.width ? [$0] : TextLayout.wrap($0, width: inner.width) }
        for line in progressLines.suffix(max(0, inner.maxY - y - 1)) where y < inner.maxY {
            buf.put(line, x: inner.x, y: y, fg: theme.paint(theme.dimText), maxWidth: inner.width); y += 1
        }
        if let c = t.lastCheckpoint, y < inner.maxY {
            let text = TextLayout.fit("saved \(URL(fileURLWithPath: c).lastPathComponent) · L loads it", width: inner.width)
            buf.put(text, x: inner.x, y: inner.maxY - 1, fg: theme.paint(theme.ok), maxWidth: inner.width)
        }
    }
}

extension TrainingPanelState {
    /// What would make this run's figures misleading, as short sentences.
    var warnings: [String] {
        func same(_ a: String, _ b: String) -> Bool {
            !a.isEmpty && !b.isEmpty && URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
        }
        var w: [String] = []
        if same(data, explored) { w.append("trains on the dataset being explored: its figures will not show generalisation") }
        if same(validationData, data) { w.append("validates on its own training data") }
        if validationData.isEmpty { w.append("no validation: best.safetensors is the last epoch") }
        return w
    }
}
