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
            if !l.browser.isEmpty { BrowserPanel.draw(s, layout: l, into: &buf, theme: theme) }
            if l.scenePanel == .training { TrainingPanel.draw(s, rect: l.scene, into: &buf, theme: theme) }
            else { ScenePanel.draw(s, rect: l.scene, into: &buf, theme: theme) }
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
        // Checkpoint names get at most two fifths of the line, so the threshold stays on it.
        let nameW = max(12, (r.width * 2 / 5 - 9) / (s.compareName == nil ? 1 : 2))
        var parts: [StatusLine.Segment] = [.init("\(s.precomputed ? "maps" : "ckpt") \(Fmt.checkpoint(s.checkpointName, width: nameW))" + (s.compareName.map { " vs \(Fmt.checkpoint($0, width: nameW))" } ?? "")),
                                           .init("data \(s.datasetName) (\(s.samples.count))"), .init(thr, bold: true)]
        if s.scoringDone < s.scoringTotal { parts.append(.init("scoring \(s.scoringDone)/\(s.scoringTotal)")) }
        else if s.passesShown < s.passesTarget { parts.append(.init("passes 2–\(s.passesTarget) \(s.passesDone)/\(s.scoringTotal)")) }
        if s.training.status == .running { parts.append(.init("training ep \(s.training.epoch)/\(s.training.epochs)")) }
        if s.playback.playing { parts.append(.init("▶ \(Fmt.time(s.playback.position))")) }
        // A notice that fits beside the first segments goes on the right; a longer one is
        // word-wrapped into rows just above the status line (never cut: it often names a file).
        let notice = s.notice.map { TextLayout.displayable($0, unicode: theme.unicode) } ?? ""
        let fits = notice.count + 1 <= r.width - min(r.width / 3, 40)
        StatusLine.draw(left: parts, right: fits && !notice.isEmpty ? notice + " " : "", rightColor: theme.warn, in: r, into: &buf, theme: theme)
        guard !fits else { return }
        // Above the metrics line, so the figures stay in view while the notice shows.
        let lines = Array(TextLayout.wrap(notice, width: r.width - 2).prefix(max(1, r.y / 3)))
        let bg = theme.paint(theme.statusBackground)
        for (k, line) in lines.enumerated() {
            let y = r.y - 1 - lines.count + k
            buf.fill(Rect(x: r.x, y: y, width: r.width, height: 1), with: Cell(" ", bg: bg, attrs: theme.mode.colour ? [] : .reverse))
            buf.put(line, x: r.x + 1, y: y, fg: theme.paint(theme.warn), bg: bg, attrs: theme.mode.colour ? [] : .reverse, maxWidth: r.width - 2)
        }
    }

    /// The `?` overlay listing every key: as few columns as fit the height, each description
    /// word-wrapped under itself (never cut), so 80×24 shows every key and every word.
    static func helpOverlay(width: Int, height: Int, into buf: inout CellBuffer, theme: Theme) {
        let keyW = KeyHelp.sections.flatMap { $0.1 }.map { $0.0.count }.max() ?? 8
        let boxH = height - 2
        var chosen: (cols: Int, boxW: Int, lines: [(String, Bool)]) = (1, 0, [])
        for cols in 1...3 {
            let boxW = cols == 1 ? min(width - 4, 64) : min(width - 2, 62 * cols)
            let colW = (boxW - 2) / cols - 1
            var lines: [(String, Bool)] = []
            for (title, keys) in KeyHelp.sections {
                lines.append((title, true))
                for (k, d) in keys {
                    let prefix = " " + TextLayout.fit(k, width: keyW) + " "
                    for (n, part) in TextLayout.wrap(d, width: max(8, colW - prefix.count)).enumerated() {
                        lines.append(((n == 0 ? prefix : String(repeating: " ", count: prefix.count)) + part, false))
                    }
                }
            }
            chosen = (cols, boxW, lines)
            if (lines.count + cols - 1) / cols <= boxH - 2 { break }
        }
        let (cols, boxW, lines) = chosen
        let colLines = (lines.count + cols - 1) / cols
        let h = min(boxH, colLines + 2)
        let r = Rect(x: (width - boxW) / 2, y: (height - h) / 2, width: boxW, height: h)
        let bg = theme.paint(theme.dialogBackground)
        buf.fill(r, with: Cell(" ", bg: bg))
        let inner = Border.draw(r, title: "Keys · any key closes", into: &buf, theme: theme, focused: true)
        let colW = inner.width / cols
        for (i, (t, head)) in lines.enumerated() {
            let c = i / colLines, row = i % colLines
            guard row < inner.height else { continue }
            buf.put(t, x: inner.x + c * colW, y: inner.y + row, fg: theme.paint(head ? theme.accent : theme.text), bg: bg,
                    attrs: head ? .bold : [], maxWidth: colW - 1)
        }
    }
}
