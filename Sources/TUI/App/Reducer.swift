import Foundation
import Core
import Render

extension ExplorerState {
    public static let smallStep = 0.005
    public static let largeStep = 0.05

    /// Applies one key at monotonic time `now`; returns what the loop must do. Whatever the key
    /// did to the list (a jump while typing a search, a filter, Esc), the scene follows the
    /// selection: a selection change always brings its `.loadScene`, so the scene is never left
    /// on `loading…` for a sample nobody asked the worker for.
    public mutating func handle(_ key: Key, now: Double, size: (width: Int, height: Int)) -> [Effect] {
        let before = selectedIndex
        var effects = handleKey(key, now: now, size: size)
        if selectedIndex != before, !effects.contains(where: { if case .loadScene = $0 { true } else { false } }) {
            effects += selectionEffects()
        }
        return effects
    }

    mutating func handleKey(_ key: Key, now: Double, size: (width: Int, height: Int)) -> [Effect] {
        // Any key hands control back from demo mode.
        if demo != nil {
            demo = nil
            setNotice("demo stopped: you have control", now: now)
            if case .mouse = key {} else { return [] }
        }
        switch inputMode {
        case .search, .filter: return handleTextInput(key, now: now)
        case .normal: break
        }
        if showHelp {
            showHelp = false
            if key == .char("q") { return [] }
            return []
        }
        if focus == .training, let e = handleTraining(key, now: now) { return e }
        if let e = handleCrosshair(key) { return e }
        switch key {
        case .char("q"): return [.quit]
        case .char("?"): showHelp = true
        case .char("1"): return setCondition(.positive)
        case .char("2"): return setCondition(.silence)
        case .char("3"): return setCondition(.noise)
        case .char("4"): return setCondition(.offscreen)
        case .char(" "): return playback.playing ? [.pause] : [.play]
        case .char(","): return [.seek(-1)]
        case .char("."): return [.seek(1)]
        case .left:
            if playback.playing { return [.seek(-1)] }
            focus = Panel(rawValue: (focus.rawValue + Panel.allCases.count - 1) % Panel.allCases.count)!
        case .right:
            if playback.playing { return [.seek(1)] }
            focus = Panel(rawValue: (focus.rawValue + 1) % Panel.allCases.count)!
        case .char("r"):
            playback.loop.toggle()
            setNotice(playback.loop ? "loop on" : "loop off", now: now)
        case .char("+"), .char("="): moveThreshold(Self.smallStep)
        case .char("-"), .char("_"): moveThreshold(-Self.smallStep)
        case .char("]"): moveThreshold(Self.largeStep)
        case .char("["): moveThreshold(-Self.largeStep)
        case .char("u"):
            if let u = report?.universalThreshold {
                threshold = u; thresholdTouched = true; thresholdChanged()
                setNotice(String(format: "threshold = U = %.4f", u), now: now)
            } else { setNotice("U is not known yet: the dataset is still being scored", now: now) }
        case .char("m"): colorMap = colorMap == .jet ? .viridis : .jet
        case .char("b"):
            let all = OverlayStyle.allCases
            style = all[(all.firstIndex(of: style)! + 1) % all.count]
        case .char("o"): showGroundTruth.toggle()
        case .char("C"):
            if compareName != nil {
                compareVisible.toggle()
                if compareVisible { setNotice("comparing \(checkpointName) with \(compareName!) (w swaps them)", now: now) }
            } else if let c = training.lastCheckpoint, c != checkpointPath { return [.loadModels(main: checkpointPath, compare: c)] }
            else { setNotice("no compare checkpoint (start with --compare FILE, or train one: C then compares it)", now: now) }
        case .char("w"):
            // Swap main and compare: after `L` this is the way back to the first checkpoint.
            if let c = comparePath { return [.loadModels(main: c, compare: checkpointPath)] }
            setNotice("no second checkpoint to swap with (--compare FILE, or L after training)", now: now)
        case .char("d"):
            demo = DemoState(step: 0, nextSwitch: now, caption: "")
        case .char("t"):
            if let i = selectedIndex {
                if tagged.contains(i) { tagged.remove(i) } else { tagged.insert(i) }
                setNotice("\(tagged.count) tagged (e exports)", now: now)
            }
        case .char("e"): return [.export]
        case .char("s"):
            let all = SortColumn.allCases
            sort = all[(all.firstIndex(of: sort)! + 1) % all.count]
            descending = sort.descendingByDefault
            rebuildOrder()
            cursor = 0  // the worst case (lowest IoU, biggest leak) comes first: show it
            setNotice("sorted by \(sort.title)\(descending ? " ↓" : " ↑")" + (sort.meaning.map { ": \($0)" } ?? ""), now: now)
            return selectionEffects()
        case .char("S"):
            descending.toggle(); rebuildOrder()
            return selectionEffects()
        case .char("c"):
            if classes.isEmpty { break }
            if let c = classFilter, let i = classes.firstIndex(of: c) {
                classFilter = i + 1 < classes.count ? classes[i + 1] : nil
            } else { classFilter = classes[0] }
            rebuildOrder()
            setNotice(classFilter.map { "class: \($0)" } ?? "all classes", now: now)
            return selectionEffects()
        case .char("f"): inputMode = .filter
        case .char("/"): inputMode = .search; searchText = ""; searchOrigin = selectedIndex
        case .char("n"): jump(from: cursor + 1, now: now); return selectionEffects()
        case .escape:
            if classFilter != nil || !textFilter.isEmpty {
                classFilter = nil; textFilter = ""; rebuildOrder()
                return selectionEffects()
            }
        case .tab: focus = Panel(rawValue: (focus.rawValue + 1) % Panel.allCases.count)!
        case .backTab, .char("h"): focus = Panel(rawValue: (focus.rawValue + Panel.allCases.count - 1) % Panel.allCases.count)!
        case .char("l"): focus = Panel(rawValue: (focus.rawValue + 1) % Panel.allCases.count)!
        case .down, .char("j"): return moveCursor(1)
        case .up, .char("k"): return moveCursor(-1)
        case .pageDown, .pageUp:
            // A page is the list's visible rows (shorter when the histogram sits under it).
            let page = max(1, Layout.compute(width: size.width, height: size.height, state: self).browserRows.height - 1)
            return moveCursor(key == .pageDown ? page : -page)
        case .home, .char("g"): return moveCursor(-order.count)
        case .end, .char("G"): return moveCursor(order.count)
        case .enter: if focus == .browser { focus = .scene }
        case .char("L"):
            // The trained checkpoint becomes the main model and the one shown before it the
            // compare model, so `C` compares the two and `w` goes back.
            guard let c = training.lastCheckpoint else {
                setNotice(precomputed ? "L loads a trained checkpoint: \(training.unavailableReason)" : "no checkpoint from training yet", now: now); break
            }
            if c == checkpointPath { setNotice("\(checkpointName) is already the main checkpoint", now: now); break }
            return [.loadModels(main: c, compare: checkpointPath)]
        case .redraw: return [.redraw]
        case let .mouse(x, y, button): return click(x: x, y: y, button: button, size: size)
        default: break
        }
        return []
    }

    mutating func setCondition(_ c: AudioCondition) -> [Effect] {
        let wasPlaying = playback.playing
        condition = c
        live = nil
        playback.position = 0
        return wasPlaying ? [.pause, .play] : []
    }

    /// Moves the threshold by `d` from wherever it is (a real value, e.g. U itself: no grid).
    /// Stepping back onto U lands on U itself (not U ± a rounding error), so "= U" is shown
    /// exactly when the figures are those at U.
    mutating func moveThreshold(_ d: Double) {
        threshold = min(1, max(-1, threshold + d))
        if let u = report?.universalThreshold, abs(threshold - u) < 1e-9 { threshold = u }
        thresholdTouched = true
        thresholdChanged()
    }

    /// The report at the new threshold: `MetricSet.report`, the very figures `sslsan eval
    /// --threshold t` prints (cheap: `ThresholdCounter` recounts the raw maps, exactly).
    public mutating func thresholdChanged() {
        report = metrics.count > 0 ? metrics.report(threshold: .value(threshold)) : nil
        if sort == .iou { rebuildOrder() }
    }

    mutating func moveCursor(_ d: Int) -> [Effect] {
        guard !order.isEmpty else { return [] }
        let old = cursor
        cursor = min(order.count - 1, max(0, cursor + d))
        return cursor == old ? [] : selectionEffects()
    }

    func selectionEffects() -> [Effect] {
        guard let i = selectedIndex else { return [] }
        return scene?.sampleIndex == i ? [] : [.loadScene(i)]
    }

    mutating func jump(from start: Int, now: Double) {
        let q = searchText.lowercased()
        guard !q.isEmpty, !order.isEmpty else { return }
        for k in 0..<order.count {
            let p = (start + k) % order.count
            if samples[order[p]].id.lowercased().contains(q) { cursor = p; return }
        }
        setNotice("no sample id contains '\(searchText)'", now: now)
    }

    mutating func handleTextInput(_ key: Key, now: Double) -> [Effect] {
        let isSearch = inputMode == .search
        switch key {
        case .enter:
            inputMode = .normal
            if isSearch { jump(from: cursor, now: now) }
        case .escape:
            // Esc cancels: a search goes back to the sample selected before `/`, a filter is cleared.
            inputMode = .normal
            if isSearch {
                if let o = searchOrigin, let p = order.firstIndex(of: o) { cursor = p }
            } else { textFilter = ""; rebuildOrder() }
        case .backspace:
            if isSearch { _ = searchText.popLast() } else { _ = textFilter.popLast(); rebuildOrder() }
        case .char(let c):
            if isSearch { searchText.append(c); jump(from: cursor, now: now) } else { textFilter.append(c); rebuildOrder() }
        default: break
        }
        return []
    }

    mutating func handleTraining(_ key: Key, now: Double) -> [Effect]? {
        var t = training
        defer { training = t }
        let fields = TrainingPanelState.Field.allCases
        if let f = t.editing {
            let text: WritableKeyPath<TrainingPanelState, String> = f == .validation ? \.validationData : \.data
            switch key {
            case .enter, .escape: t.editing = nil
            case .backspace: _ = t[keyPath: text].popLast()
            case .char(let c): t[keyPath: text].append(c)
            default: break
            }
            return []
        }
        switch key {
        case .up, .char("k"): t.field = fields[max(0, t.field.rawValue - 1)]; return []
        case .down, .char("j"): t.field = fields[min(fields.count - 1, t.field.rawValue + 1)]; return []
        case .left, .right:
            let d = key == .left ? -1 : 1
            switch t.field {
            case .config: t.configIndex = (t.configIndex + d + t.configs.count) % max(1, t.configs.count)
            case .epochs: t.epochs = max(1, min(1000, t.epochs + d))
            case .silence: t.useSilence.toggle()
            case .noise: t.useNoise.toggle()
            case .jointAudio: t.useJointAudioBatch.toggle()
            case .equivariance: t.useEquivariance.toggle()
            case .lr: t.lrIndex = (t.lrIndex + d + t.learningRates.count) % t.learningRates.count
            case .data, .validation, .run: break
            }
            return []
        case .enter:
            if t.field == .data || t.field == .validation { t.editing = t.field; return [] }
            if t.status == .running || t.status == .stopping { return [] }
            return [.startTraining]
        case .char("x"):
            return t.status == .running ? [.stopTraining] : []
        default: return nil
        }
    }

    /// Mouse: a click selects the panel under it; in the browser it selects the row.
    mutating func click(x: Int, y: Int, button: Int, size: (width: Int, height: Int)) -> [Effect] {
        let layout = Layout.compute(width: size.width, height: size.height, state: self)
        if button == 4 || button == 5 {
            if layout.browser.contains(x, y) { return moveCursor(button == 4 ? -3 : 3) }
            return []
        }
        if layout.browser.contains(x, y) {
            focus = .browser
            let row = y - layout.browserRows.y
            if y == layout.browserRows.y - 1 {
                // Header click: sort by the column under the cursor.
                if let col = BrowserPanel.column(at: x - layout.browser.x - 1, width: layout.browser.width - 2, sort: sort) {
                    if sort == col { descending.toggle() } else { sort = col; descending = col.descendingByDefault }
                    rebuildOrder()
                    return selectionEffects()
                }
            }
            if row >= 0, row < layout.browserRows.height, scroll + row < order.count {
                cursor = scroll + row
                return selectionEffects()
            }
        } else if layout.scene.contains(x, y) {
            focus = .scene
            placeCrosshair(column: x, row: y, layout: layout)
        }
        else if let s = layout.side, s.contains(x, y) { focus = layout.sidePanel }
        return []
    }
}
