import Foundation
import Core
import Render

/// The scene: image in half blocks with the map and the ground truth over it (Render's
/// `MapOverlay`), the condition, the waveform with its playhead and live window.
public enum ScenePanel {
    /// A compare label, "name  max 0.712", fitted to `width`: the figure stays whole; the name
    /// loses its `.safetensors`, then its middle.
    static func label(_ name: String, maximum: Float?, width: Int) -> String {
        let figure = "max \(Fmt.f(maximum, 3))"
        let room = width - figure.count - 2
        guard room >= 4 else { return figure }
        return Fmt.checkpoint(name, width: room) + "  " + figure
    }

    static func draw(_ s: ExplorerState, rect: Rect, into buf: inout CellBuffer, theme: Theme) {
        let name = s.selectedSample.map { "Scene · \($0.id)" } ?? "Scene"
        let inner = Border.draw(rect, title: name, into: &buf, theme: theme, focused: s.focus == .scene)
        guard inner.height >= 6, inner.width >= 20 else { return }
        // Row 0: the four conditions.
        var x = inner.x
        for c in AudioCondition.allCases {
            let on = c == s.condition
            let colour = theme.color(for: c)
            x = buf.put(" \(c.index + 1) \(c.title) ", x: x, y: inner.y, fg: theme.paint(on ? .black : colour), bg: on ? theme.paint(colour) : nil,
                        attrs: on ? .bold : [], maxWidth: inner.maxX - x)
            x += 1
        }
        guard let scene = s.scene, scene.sampleIndex == s.selectedIndex else {
            buf.put(s.samples.isEmpty ? "no sample" : "loading…", x: inner.x + 1, y: inner.y + 2, fg: theme.paint(theme.dimText))
            return
        }
        let conditionColour = theme.paint(theme.color(for: s.condition))
        // Row 1: audio class, map max, IoU or area above threshold — always visible.
        let map = s.shownMap
        let audio = scene.audioLabels[s.condition.index]
        // The maximum on the figures' scale (`MapPostProcessing.maximum`: ≈ 1 for a Grad-CAM map).
        var info = "audio: \(audio.isEmpty ? "–" : audio)   max \(Fmt.f(map.map { scene.postProcessing.maximum($0) }, 3))"
        // A condition the maps file lacks is shown as absent, never faked.
        if map == nil, let why = scene.absent[s.condition.index] { info = why }
        // The map value under the crosshair, early in the line so 80 columns keep it.
        if let c = s.crosshair, let m = map {
            info += "   ✛ \(Fmt.f(Double(c.value(in: m, postProcessing: scene.postProcessing, negative: s.condition != .positive)), 3))"
        }
        if let m = map {
            // Counted by Core (`ExplorerState.sceneFigure`), as the metrics count it.
            let v = s.sceneFigure(m)
            info += s.condition == .positive ? "   IoU \(Fmt.f(v, 2))" : "   pIA \(Fmt.f(v.map { 100 * $0 }, 1))%"
        }
        info += "   thr \(Fmt.f(s.threshold, 4))"
        if scene.loading { info += "   encoding…" }
        buf.put(info, x: inner.x, y: inner.y + 1, fg: conditionColour, attrs: .bold, maxWidth: inner.width)
        // The demo caption describes the map in a sentence: up to two rows, taken from the image.
        let demoLines = s.demo.map { TextLayout.wrap($0.caption, width: inner.width) } ?? []
        let capH = captionRows(s, inner: inner)
        let imgRect = imageRect(inner: inner, captionRows: capH)
        if let problem = scene.problem {
            buf.put("! \(problem)", x: imgRect.x + 1, y: imgRect.y + 1, fg: theme.paint(theme.error), maxWidth: imgRect.width - 2)
        } else if let img = scene.image {
            drawImages(s, image: img, map: map, groundTruth: scene.groundTruth, imgRect: imgRect, into: &buf, theme: theme)
        }
        let waveH = waveRows(inner: inner)
        let capY = imgRect.maxY
        var caption = s.demo?.caption ?? ""
        let live = s.live.flatMap { $0.sampleIndex == scene.sampleIndex && $0.condition == s.condition ? $0 : nil }
        if caption.isEmpty {
            var legend = "\(s.colorMap == .jet ? "jet" : "perceptual") · \(s.style.rawValue)\(s.showGroundTruth ? " · gt outline" : "")"
            if let note = scene.imageNote { legend = note + " · " + legend }
            caption = legend
            if let l = live, s.playback.playing || s.playback.position > 0 {
                caption = "live window \(Fmt.f(l.windowStart, 1))–\(Fmt.f(l.windowEnd, 1)) s · " + legend
            }
        }
        let lines = s.demo != nil && !demoLines.isEmpty ? Array(demoLines.prefix(capH)) : [caption]
        for (k, line) in lines.enumerated() {
            buf.put(line, x: inner.x, y: capY + k, fg: theme.paint(s.demo != nil ? theme.warn : theme.dimText), attrs: s.demo != nil ? .bold : [], maxWidth: inner.width)
        }
        // Waveform with playhead and live window.
        let dur = scene.durations[s.condition.index]
        let waveRect = Rect(x: inner.x, y: capY + capH, width: inner.width, height: waveH)
        let wave = scene.waves[s.condition.index]
        if dur > 0 && !wave.isEmpty && wave.contains(where: { $0 != 0 }) {
            let window = live.map { ($0.windowStart / dur)...(max($0.windowStart, $0.windowEnd) / dur) }
            Waveform.draw(samples: wave, playhead: s.playback.position / dur, window: window, in: waveRect, into: &buf, theme: theme,
                          color: theme.color(for: s.condition), style: .envelope)
        } else {
            let missing = scene.audioMissing[s.condition.index].map { "(\($0))" }
            buf.put(missing ?? (s.condition == .silence ? "(silence: a flat line)" : "(no waveform)"), x: waveRect.x, y: waveRect.y, fg: theme.paint(theme.dimText))
        }
        let play = s.playback.playing ? "▶ playing" : "‖ paused"
        var tl = "\(play)  \(Fmt.time(s.playback.position)) / \(Fmt.time(dur))  loop \(s.playback.loop ? "on" : "off")"
        if let l = SoundOutput.playbackLabel(for: s.condition) { tl += "  · \(l)" }
        if let n = s.soundNotice {
            // "no sound (reason): silent playback": whole when it fits, else as many leading words
            // as fit ("no sound…"); the whole text was a status-line notice when it arrived.
            let room = max(8, inner.width - tl.count - 4)
            var short = ""
            for w in n.split(separator: " ") {
                guard short.count + w.count + 2 <= room else { break }
                short += (short.isEmpty ? "" : " ") + w
            }
            tl += "  · " + (n.count <= room ? n : (short.isEmpty ? TextLayout.abbreviate(n, width: room) : short + "…"))
        }
        buf.put(tl, x: inner.x, y: waveRect.maxY, fg: theme.paint(theme.dimText), maxWidth: inner.width)
    }

    // MARK: the image (map overlay, colour bar, crosshair)

    /// Bottom of the panel: caption, waveform (2 rows on tall panels) and time line.
    static func waveRows(inner: Rect) -> Int { inner.height >= 16 ? 2 : 1 }

    /// Caption rows: the demo caption may take two rows (from the image) on tall panels.
    static func captionRows(_ s: ExplorerState, inner: Rect) -> Int {
        guard let demo = s.demo, inner.height >= 14 else { return 1 }
        return TextLayout.wrap(demo.caption, width: inner.width).count > 1 ? 2 : 1
    }

    /// The rows between the info line and the caption: image(s) and colour bar.
    static func imageRect(inner: Rect, captionRows: Int = 1) -> Rect {
        Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2 - (waveRows(inner: inner) + 1 + captionRows))
    }

    /// Two rows for the colour bar (bar, marker labels) when the image keeps at least 8 rows.
    static func colorBarRows(_ imgRect: Rect) -> Int { imgRect.height >= 10 ? 2 : 0 }

    /// Where the image(s) go inside the scene panel `rect`: one area, or two side by side when
    /// comparing checkpoints. Drawing and mouse hits both use it.
    public static func imageAreas(_ s: ExplorerState, rect: Rect) -> [Rect] {
        let inner = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 2)
        return areas(s, imgRect: imageRect(inner: inner, captionRows: captionRows(s, inner: inner)))
    }

    static func areas(_ s: ExplorerState, imgRect all: Rect) -> [Rect] {
        let imgRect = Rect(x: all.x, y: all.y, width: all.width, height: all.height - colorBarRows(all))
        guard s.compareVisible, s.compareName != nil else { return [imgRect] }
        let half = (imgRect.width - 1) / 2
        return [Rect(x: imgRect.x, y: imgRect.y + 1, width: half, height: imgRect.height - 1),
                Rect(x: imgRect.x + half + 1, y: imgRect.y + 1, width: imgRect.width - half - 1, height: imgRect.height - 1)]
    }

    /// The map overlay in the terminal's image style (half blocks, sextants or quadrants with
    /// sub-cell contours, or pixels), the crosshair, and the colour bar with the threshold and U.
    static func drawImages(_ s: ExplorerState, image img: RGBImage, map: SimilarityMap?, groundTruth: GroundTruthMap?, imgRect: Rect,
                           into buf: inout CellBuffer, theme: Theme) {
        // Each model's maps as its figures count them (family post-processing, negative or not).
        var options = s.style.options(colorMap: s.colorMap, threshold: s.threshold, showGroundTruth: s.showGroundTruth)
        options.negative = s.condition != .positive
        var compareOptions = options
        options.postProcessing = s.scene?.postProcessing ?? .sslTie
        compareOptions.postProcessing = s.scene?.comparePostProcessing ?? .sslTie
        let cursor = s.crosshair.map { (x: $0.x, y: $0.y) }
        let areas = Self.areas(s, imgRect: imgRect)
        if areas.count == 2, let compareName = s.compareName {
            let cm = s.shownCompareMap
            buf.put(Self.label(s.checkpointName, maximum: map.map { options.postProcessing.maximum($0) }, width: areas[0].width), x: areas[0].x, y: imgRect.y, fg: theme.paint(theme.accent), maxWidth: areas[0].width)
            buf.put(Self.label(compareName, maximum: cm.map { compareOptions.postProcessing.maximum($0) }, width: areas[1].width), x: areas[1].x, y: imgRect.y, fg: theme.paint(theme.accent), maxWidth: areas[1].width)
            MapOverlay.draw(image: img, map: map, groundTruth: groundTruth, options: options, in: areas[0], into: &buf, theme: theme, cursor: cursor)
            MapOverlay.draw(image: img, map: cm, groundTruth: groundTruth, options: compareOptions, in: areas[1], into: &buf, theme: theme, cursor: cursor)
        } else {
            MapOverlay.draw(image: img, map: map, groundTruth: groundTruth, options: options, in: areas[0], into: &buf, theme: theme, cursor: cursor)
        }
        let barRows = colorBarRows(imgRect)
        guard barRows > 0, map != nil, options.showMap else { return }
        let (lo, hi) = MapOverlay.range(of: map!, scale: options.scale, postProcessing: options.postProcessing)
        let u = s.report?.universalThreshold
        var markers = [ColorBar.Marker(value: s.threshold, label: u == s.threshold ? "thr=U" : "thr", color: theme.threshold)]
        if let u, u != s.threshold { markers.append(ColorBar.Marker(value: u, label: "U", color: theme.warn)) }
        let bar = Rect(x: imgRect.x + 1, y: imgRect.maxY - barRows, width: min(imgRect.width - 2, 72), height: barRows)
        ColorBar.draw(s.colorMap, range: lo...hi, markers: markers, in: bar, into: &buf, theme: theme)
    }
}
