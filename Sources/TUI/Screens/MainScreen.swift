import Foundation
import Core
import Render

/// The whole frame as a pure function of the state, the terminal size and what the terminal
/// can show: Render's widgets draw into a cell buffer, which is then made to conform to the
/// render mode (colour depth, ASCII), so the backend only encodes and snapshots see exactly
/// what the terminal receives.
public enum MainScreen {
    public static func render(_ s: ExplorerState, width: Int, height: Int, mode: RenderMode = .trueColor) -> CellBuffer {
        let theme = Theme(mode: mode)
        var buf = CellBuffer(width: width, height: height)
        let l = Layout.compute(width: width, height: height, state: s)
        if l.tooSmall {
            tooSmall(width: width, height: height, into: &buf, theme: theme)
        } else {
            header(s, l, into: &buf, theme: theme)
            BrowserPanel.draw(s, layout: l, into: &buf, theme: theme)
            switch l.scenePanel {
            case .separability: SeparabilityPanel.draw(s, rect: l.scene, into: &buf, theme: theme)
            case .training: TrainingPanel.draw(s, rect: l.scene, into: &buf, theme: theme)
            default: ScenePanel.draw(s, rect: l.scene, into: &buf, theme: theme)
            }
            if let side = l.side {
                if l.sidePanel == .training { TrainingPanel.draw(s, rect: side, into: &buf, theme: theme) }
                else { SeparabilityPanel.draw(s, rect: side, into: &buf, theme: theme) }
            }
            metricsLine(s, l.metrics, into: &buf, theme: theme)
            statusLine(s, l.status, into: &buf, theme: theme)
            if s.showHelp { helpOverlay(width: width, height: height, into: &buf, theme: theme) }
        }
        buf.conform(to: mode)
        return buf
    }

    static func tooSmall(width: Int, height: Int, into buf: inout CellBuffer, theme: Theme) {
        let lines = ["sslsan explore needs at least \(Layout.minWidth)×\(Layout.minHeight)",
                     "this window is \(width)×\(height): please enlarge it", "(q quits)"]
        for (i, t) in lines.enumerated() {
            buf.put(t, x: max(0, (width - t.count) / 2), y: height / 2 - 1 + i, fg: i == 0 ? theme.paint(theme.warn) : nil, attrs: i == 0 ? .bold : [])
        }
    }

    static func header(_ s: ExplorerState, _ l: Layout, into buf: inout CellBuffer, theme: Theme) {
        let bg = theme.paint(theme.statusBackground)
        buf.fill(l.header, with: Cell(" ", bg: bg))
        var x = buf.put(" sslsan ", x: 0, y: 0, fg: theme.paint(.black), bg: theme.paint(theme.accent), attrs: .bold)
        x += 1
        for p in Panel.allCases {
            let on = s.focus == p
            x = buf.put(" \(p.title) ", x: x, y: 0, fg: theme.paint(on ? theme.selectionText : theme.dimText),
                        bg: on ? theme.paint(theme.selectionBackground) : bg, attrs: on ? (theme.mode.colour ? .bold : [.bold, .underline]) : [])
        }
        let right = s.demo != nil ? "DEMO · any key takes control " : "? help  q quit "
        buf.put(right, x: l.header.width - right.count, y: 0, fg: theme.paint(s.demo != nil ? theme.warn : theme.dimText), bg: bg,
                attrs: s.demo != nil ? .bold : [])
    }

    static func metricsLine(_ s: ExplorerState, _ r: Rect, into buf: inout CellBuffer, theme: Theme) {
        // The report's figures with `sslsan eval`'s digits (2 decimals, U and separability 4).
        let f = s.report
        var parts = ["cIoU \(Fmt.f(f?.ciouUth, 2))",
                     "pIA S \(Fmt.f(f?.pia.silence, 2)) N \(Fmt.f(f?.pia.noise, 2)) O \(Fmt.f(f?.pia.offscreen, 2))",
                     "F_LOC \(Fmt.f(f?.fLoc, 2))",
                     "Sep \(Fmt.signed(f?.separability, 4))",
                     "U \(Fmt.f(f?.universalThreshold, 4))",
                     "\(s.passesShown) pass\(s.passesShown == 1 ? "" : "es")"]
        // The trivial baselines' cIoU-Uth on the same ground truth (`MetricReport.baselines`:
        // whole image, best centred disc), so the model's cIoU has a reference point.
        let base = f.map { r in r.baselines.map { "\($0.kind == .wholeImage ? "whole" : "centre") \(Fmt.f($0.ciouUth, 2))" } } ?? []
        if !base.isEmpty { parts.insert("vs " + base.joined(separator: " "), at: 1) }
        if s.metrics.count < s.metricsExpected { parts.append("(\(s.metrics.count)/\(s.metricsExpected) scored)") }
        if !s.tagged.isEmpty { parts.append("tagged \(s.tagged.count)") }
        // Narrow terminals (80 columns) get tighter separators and leave out the separability
        // (the Separability panel shows it), so U and the passes stay on screen.
        var line = " " + parts.joined(separator: "  │  ")
        if line.count > r.width { line = " " + parts.joined(separator: " │ ") }
        if line.count > r.width && !base.isEmpty { parts.remove(at: 1); line = " " + parts.joined(separator: " │ ") }
        if line.count > r.width { parts.remove(at: 3); line = " " + parts.joined(separator: " │ ") }
        buf.put(line, x: r.x, y: r.y, fg: theme.paint(theme.accent), maxWidth: r.width)
    }

    /// The bottom line (Render's `StatusLine`): an input prompt, or checkpoint, data, threshold
    /// and activity segments with the latest notice on the right.
    static func statusLine(_ s: ExplorerState, _ r: Rect, into buf: inout CellBuffer, theme: Theme) {
        switch s.inputMode {
        case .search:
            StatusLine.draw(left: [.init("jump to id: /\(s.searchText)▏   (Enter: go, Esc: cancel)", color: theme.selectionText, bold: true)],
                            in: r, into: &buf, theme: theme)
            return
        case .filter:
            StatusLine.draw(left: [.init("filter: \(s.textFilter)▏   (Enter: keep, Esc: clear)", color: theme.selectionText, bold: true)],
                            in: r, into: &buf, theme: theme)
            return
        case .normal: break
        }
        var thr = "thr \(Fmt.f(s.threshold, 4))"
        if let u = s.report?.universalThreshold { thr += u == s.threshold ? " = U" : " (U \(Fmt.f(u, 4)))" }
        var parts: [StatusLine.Segment] = [.init("ckpt \(s.checkpointName)" + (s.compareName.map { " vs \($0)" } ?? "")),
                                           .init("data \(s.datasetName) (\(s.samples.count))"), .init(thr, bold: true)]
        if s.scoringDone < s.scoringTotal { parts.append(.init("scoring \(s.scoringDone)/\(s.scoringTotal)")) }
        else if s.passesShown < s.passesTarget { parts.append(.init("passes 2–\(s.passesTarget) \(s.passesDone)/\(s.scoringTotal)")) }
        if s.training.status == .running { parts.append(.init("training ep \(s.training.epoch)/\(s.training.epochs)")) }
        if s.playback.playing { parts.append(.init("▶ \(Fmt.time(s.playback.position))")) }
        StatusLine.draw(left: parts, right: s.notice.map { $0 + " " } ?? "", rightColor: theme.warn, in: r, into: &buf, theme: theme)
    }

    /// The `?` overlay listing every key: one column when it fits, else two (80×24 needs two).
    static func helpOverlay(width: Int, height: Int, into buf: inout CellBuffer, theme: Theme) {
        var lines: [(String, Bool)] = []
        for (title, keys) in KeyHelp.sections {
            lines.append((title, true))
            for (k, d) in keys { lines.append(("  \(TextLayout.fit(k, width: 10)) \(d)", false)) }
        }
        let twoCols = lines.count + 3 > height - 2
        let colLines = twoCols ? (lines.count + 1) / 2 : lines.count
        let boxW = twoCols ? min(width - 2, 124) : min(width - 4, 64)
        let h = min(height - 2, colLines + 3)
        let r = Rect(x: (width - boxW) / 2, y: (height - h) / 2, width: boxW, height: h)
        let bg = theme.paint(theme.dialogBackground)
        buf.fill(r, with: Cell(" ", bg: bg))
        let inner = Border.draw(r, title: "Keys · any key closes", into: &buf, theme: theme, focused: true)
        for (i, (t, head)) in lines.enumerated() {
            let c = twoCols ? i / colLines : 0
            let row = twoCols ? i % colLines : i
            guard row < inner.height else { continue }
            buf.put(t, x: inner.x + 1 + c * (inner.width / 2), y: inner.y + row, fg: theme.paint(head ? theme.accent : theme.text), bg: bg,
                    attrs: head ? .bold : [], maxWidth: (twoCols ? inner.width / 2 : inner.width) - 1)
        }
    }
}
