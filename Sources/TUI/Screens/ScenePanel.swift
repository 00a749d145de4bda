import Foundation
import Core
import Render

/// The scene: image in half blocks, the map over it, ground truth, condition and waveform.
public enum ScenePanel {
    static func draw(_ s: ExplorerState, rect: Rect, into buf: inout CellBuffer) {
        let name = s.selectedSample.map { "Scene · \($0.id)" } ?? "Scene"
        let inner = buf.box(rect, title: name, focused: s.focus == .scene)
        guard inner.height >= 6, inner.width >= 20 else { return }
        // Row 0: the four conditions.
        var x = inner.x
        for c in AudioCondition.allCases {
            let on = c == s.condition
            let label = " \(c.index + 1) \(c.title) "
            x = buf.put(label, x: x, y: inner.y, fg: on ? .black : Theme.condition[c.index], bg: on ? Theme.condition[c.index] : nil,
                        attrs: on ? .bold : [], maxWidth: inner.maxX - x)
            x += 1
        }
        guard let scene = s.scene, let sample = s.selectedSample, scene.sampleIndex == s.selectedIndex else {
            buf.put(s.samples.isEmpty ? "no sample" : "loading…", x: inner.x + 1, y: inner.y + 2, fg: Theme.dimText)
            return
        }
        // Row 1: audio class, map max, IoU or area above threshold — always visible.
        let map = s.shownMap
        let audio = scene.audioLabels[s.condition.index]
        var info = "audio: \(audio.isEmpty ? "–" : audio)   max \(Fmt.f(map?.max, 3))"
        if let m = map {
            // Counted by Core (`ExplorerState.sceneFigure`), as the metrics count it.
            if s.condition == .positive {
                info += "   IoU \(Fmt.f(s.sceneFigure(m), 2))"
            } else {
                info += "   pIA \(Fmt.pct(s.sceneFigure(m).map { 100 * $0 }))%"
            }
        }
        info += "   thr \(Fmt.f(s.threshold, 4))"
        if scene.loading { info += "   encoding…" }
        buf.put(info, x: inner.x, y: inner.y + 1, fg: Theme.condition[s.condition.index], attrs: .bold, maxWidth: inner.width)
        // Bottom: caption, waveform (2 rows) and time line.
        let waveH = inner.height >= 16 ? 2 : 1
        let bottomRows = waveH + 2
        let imgRect = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2 - bottomRows)
        if let problem = scene.problem {
            buf.put("! \(problem)", x: imgRect.x + 1, y: imgRect.y + 1, fg: Theme.bad, maxWidth: imgRect.width - 2)
        } else if let img = scene.image {
            let gt = s.showGroundTruth && !scene.groundTruth.isEmpty ? scene.groundTruth : nil
            let compare = s.compareVisible && s.compareName != nil
            if compare {
                let half = (imgRect.width - 1) / 2
                let left = Rect(x: imgRect.x, y: imgRect.y + 1, width: half, height: imgRect.height - 1)
                let right = Rect(x: imgRect.x + half + 1, y: imgRect.y + 1, width: imgRect.width - half - 1, height: imgRect.height - 1)
                buf.put("\(s.checkpointName)  max \(Fmt.f(map?.max, 3))", x: left.x, y: imgRect.y, fg: Theme.accent, maxWidth: half)
                let cm = s.shownCompareMap
                buf.put("\(s.compareName!)  max \(Fmt.f(cm?.max, 3))", x: right.x, y: imgRect.y, fg: Theme.accent, maxWidth: right.width)
                SceneImage.draw(SceneLayer(image: img, map: map, threshold: s.threshold, style: s.style, colorMap: s.colorMap, groundTruth: gt), in: left, into: &buf)
                SceneImage.draw(SceneLayer(image: img, map: cm, threshold: s.threshold, style: s.style, colorMap: s.colorMap, groundTruth: gt), in: right, into: &buf)
            } else {
                SceneImage.draw(SceneLayer(image: img, map: map, threshold: s.threshold, style: s.style, colorMap: s.colorMap, groundTruth: gt), in: imgRect, into: &buf)
            }
        }
        let capY = imgRect.maxY
        var caption = s.demo?.caption ?? ""
        if caption.isEmpty {
            let legend = "\(s.colorMap == .jet ? "jet" : "perceptual") · \(s.style.rawValue)\(s.showGroundTruth ? " · gt outline" : "")"
            caption = legend
            if let l = s.live, l.sampleIndex == scene.sampleIndex, l.condition == s.condition, s.playback.playing || s.playback.position > 0 {
                caption = String(format: "live window %.1f–%.1f s · ", l.windowStart, l.windowEnd) + legend
            }
        }
        buf.put(caption, x: inner.x, y: capY, fg: s.demo != nil ? Theme.warn : Theme.dimText, attrs: s.demo != nil ? .bold : [], maxWidth: inner.width)
        // Waveform with playhead and live window.
        let dur = scene.durations[s.condition.index]
        let waveRect = Rect(x: inner.x, y: capY + 1, width: inner.width, height: waveH)
        let env = scene.envelopes[s.condition.index]
        if dur > 0 && !env.isEmpty {
            let head = s.playback.position / dur
            var win: ClosedRange<Double>? = nil
            if let l = s.live, l.sampleIndex == scene.sampleIndex, l.condition == s.condition {
                win = (l.windowStart / dur)...(max(l.windowStart, l.windowEnd) / dur)
            }
            Charts.waveform(env, playhead: head, window: win, rect: waveRect, fg: Theme.condition[s.condition.index], into: &buf)
        } else {
            buf.put(s.condition == .silence ? "(silence: a flat line)" : "(no waveform)", x: waveRect.x, y: waveRect.y, fg: Theme.dimText)
        }
        let play = s.playback.playing ? "▶ playing" : "‖ paused"
        var tl = "\(play)  \(Fmt.time(s.playback.position)) / \(Fmt.time(dur))  loop \(s.playback.loop ? "on" : "off")"
        if let n = s.soundNotice { tl += "  · \(n)" }
        buf.put(tl, x: inner.x, y: waveRect.maxY, fg: Theme.dimText, maxWidth: inner.width)
        _ = sample
    }
}
