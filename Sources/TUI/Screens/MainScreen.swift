import Foundation
import Core
import Render

/// The whole frame as a pure function of the state and the terminal size.
public enum MainScreen {
    public static func render(_ s: ExplorerState, width: Int, height: Int) -> CellBuffer {
        var buf = CellBuffer(width: width, height: height)
        let l = Layout.compute(width: width, height: height, state: s)
        if l.tooSmall {
            tooSmall(width: width, height: height, into: &buf)
            return buf
        }
        header(s, l, into: &buf)
        BrowserPanel.draw(s, layout: l, into: &buf)
        switch l.scenePanel {
        case .separability: SeparabilityPanel.draw(s, rect: l.scene, into: &buf)
        case .training: TrainingPanel.draw(s, rect: l.scene, into: &buf)
        default: ScenePanel.draw(s, rect: l.scene, into: &buf)
        }
        if let side = l.side {
            if l.sidePanel == .training { TrainingPanel.draw(s, rect: side, into: &buf) } else { SeparabilityPanel.draw(s, rect: side, into: &buf) }
        }
        metricsLine(s, l.metrics, into: &buf)
        statusLine(s, l.status, into: &buf)
        if s.showHelp { HelpOverlay.draw(width: width, height: height, into: &buf) }
        return buf
    }

    static func tooSmall(width: Int, height: Int, into buf: inout CellBuffer) {
        let lines = ["sslsan explore needs at least \(Layout.minWidth)×\(Layout.minHeight)",
                     "this window is \(width)×\(height): please enlarge it", "(q quits)"]
        for (i, t) in lines.enumerated() {
            let y = height / 2 - 1 + i
            buf.put(t, x: max(0, (width - t.count) / 2), y: y, fg: i == 0 ? Theme.warn : nil, attrs: i == 0 ? .bold : [])
        }
    }

    static func header(_ s: ExplorerState, _ l: Layout, into buf: inout CellBuffer) {
        buf.fill(l.header, with: Cell(" ", bg: Theme.headerBG))
        var x = buf.put(" sslsan ", x: 0, y: 0, fg: .black, bg: Theme.accent, attrs: .bold)
        x += 1
        for p in Panel.allCases {
            let on = s.focus == p
            x = buf.put(" \(p.title) ", x: x, y: 0, fg: on ? .white : Theme.dimText, bg: on ? Theme.selectionBG : Theme.headerBG, attrs: on ? .bold : [])
        }
        let right = s.demo != nil ? "DEMO · any key takes control " : "? help  q quit "
        buf.put(right, x: l.header.width - right.count, y: 0, fg: s.demo != nil ? Theme.warn : Theme.dimText, bg: Theme.headerBG, attrs: s.demo != nil ? .bold : [])
    }

    static func metricsLine(_ s: ExplorerState, _ r: Rect, into buf: inout CellBuffer) {
        // The report's figures with `sslsan eval`'s digits (2 decimals, U and separability 4).
        let f = s.report
        var parts = ["cIoU \(Fmt.pct(f?.ciouUth, 2))",
                     "pIA S \(Fmt.pct(f?.pia.silence, 2)) N \(Fmt.pct(f?.pia.noise, 2)) O \(Fmt.pct(f?.pia.offscreen, 2))",
                     "F_LOC \(Fmt.pct(f?.fLoc, 2))",
                     "Sep \(f.map { String(format: "%+.4f", $0.separability) } ?? "–")",
                     "U \(Fmt.f(f?.universalThreshold, 4))",
                     "\(s.passesShown) pass\(s.passesShown == 1 ? "" : "es")"]
        if s.metrics.count < s.metricsExpected { parts.append("(\(s.metrics.count)/\(s.metricsExpected) scored)") }
        if !s.tagged.isEmpty { parts.append("tagged \(s.tagged.count)") }
        buf.put(" " + parts.joined(separator: "  │  "), x: r.x, y: r.y, fg: Theme.accent, maxWidth: r.width)
    }

    static func statusLine(_ s: ExplorerState, _ r: Rect, into buf: inout CellBuffer) {
        buf.fill(r, with: Cell(" ", bg: Theme.headerBG))
        switch s.inputMode {
        case .search:
            buf.put(" jump to id: /\(s.searchText)▏   (Enter: go, Esc: cancel)", x: r.x, y: r.y, fg: .white, bg: Theme.headerBG, attrs: .bold, maxWidth: r.width)
            return
        case .filter:
            buf.put(" filter: \(s.textFilter)▏   (Enter: keep, Esc: clear)", x: r.x, y: r.y, fg: .white, bg: Theme.headerBG, attrs: .bold, maxWidth: r.width)
            return
        case .normal: break
        }
        var thr = "thr \(Fmt.f(s.threshold, 4))"
        if let u = s.report?.universalThreshold { thr += u == s.threshold ? " = U" : " (U \(Fmt.f(u, 4)))" }
        var parts = ["ckpt \(s.checkpointName)" + (s.compareName.map { " vs \($0)" } ?? ""),
                     "data \(s.datasetName) (\(s.samples.count))", thr]
        if s.scoringDone < s.scoringTotal { parts.append("scoring \(s.scoringDone)/\(s.scoringTotal)") }
        else if s.passesShown < s.passesTarget { parts.append("passes 2–\(s.passesTarget) \(s.passesDone)/\(s.scoringTotal)") }
        if s.training.status == .running { parts.append("training ep \(s.training.epoch)/\(s.training.epochs)") }
        if s.playback.playing { parts.append("▶ \(Fmt.time(s.playback.position))") }
        var text = " " + parts.joined(separator: " │ ")
        if let n = s.notice { text += " │ " + n }
        buf.put(text, x: r.x, y: r.y, fg: .white, bg: Theme.headerBG, maxWidth: r.width)
    }
}

/// The `?` overlay listing every key.
enum HelpOverlay {
    static func draw(width: Int, height: Int, into buf: inout CellBuffer) {
        var lines: [(String, Bool)] = []
        for (title, keys) in KeyHelp.sections {
            lines.append((title, true))
            for (k, d) in keys { lines.append(("  \(Fmt.pad(k, 10)) \(d)", false)) }
        }
        // One column when it fits, else two (80×24 needs two).
        let twoCols = lines.count + 3 > height - 2
        let colLines = twoCols ? (lines.count + 1) / 2 : lines.count
        let boxW = twoCols ? min(width - 2, 124) : min(width - 4, 64)
        let h = min(height - 2, colLines + 3)
        let r = Rect(x: (width - boxW) / 2, y: (height - h) / 2, width: boxW, height: h)
        buf.fill(r, with: Cell(" ", bg: RGB(28, 28, 28)))
        let inner = buf.box(r, title: "Keys · any key closes", focused: true)
        for (i, (t, head)) in lines.enumerated() {
            let c = twoCols ? i / colLines : 0
            let row = twoCols ? i % colLines : i
            guard row < inner.height else { continue }
            buf.put(t, x: inner.x + 1 + c * (inner.width / 2), y: inner.y + row, fg: head ? Theme.accent : .white, bg: RGB(28, 28, 28), attrs: head ? .bold : [], maxWidth: (twoCols ? inner.width / 2 : inner.width) - 1)
        }
    }
}
