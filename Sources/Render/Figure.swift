import Core

/// Options of the per-sample figure.
public struct FigureOptions: Sendable {
    /// Universal threshold U: map pixels > U are coloured, the rest of the image is left as it is
    /// (the paper's Fig. 2 style). nil colours the raw maps everywhere.
    public var threshold: Double?
    public var colorMap: ColorMap = .jet
    public var alpha: Float = 0.5
    /// Side of each square panel in pixels. Panels show the image squashed to a square, as the
    /// model sees it (SPEC: eval resize to 224×224), so map and image align exactly.
    public var panelSize: Int = 224
    /// Also outline the ground truth (thinly) on the four map panels.
    public var outlineOnMaps: Bool = true
    public var theme: Theme = .standard
    /// The maps' post-processing (`ScoredSample.postProcessing`): panels colour the pixels the figures count.
    public var postProcessing: MapPostProcessing = .sslTie

    public init(threshold: Double? = nil, colorMap: ColorMap = .jet, alpha: Float = 0.5, panelSize: Int = 224,
                outlineOnMaps: Bool = true, theme: Theme = .standard) {
        self.threshold = threshold; self.colorMap = colorMap; self.alpha = alpha; self.panelSize = panelSize
        self.outlineOnMaps = outlineOnMaps; self.theme = theme
    }
}

/// The paper's Fig. 2 for one sample, as a PNG-ready `RGBImage`: the image, the ground truth
/// outlined (the metrics' 224×224 raster), then one panel per audio condition with the map (thresholded at U, in jet) over the
/// image, captioned with the condition and the raw map's maximum. All map panels share one
/// colour range (U … the largest value of the four maps) so that a weak negative map looks weak,
/// and a colour bar shows that range.
public enum Figure {
    static let background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    static let ink: (UInt8, UInt8, UInt8) = (25, 25, 25)

    public static func sample(id: String, image: RGBImage, groundTruth: GroundTruthMap?,
                              maps: [(condition: AudioCondition, map: SimilarityMap)], options: FigureOptions = FigureOptions()) -> RGBImage {
        let p = Swift.max(16, options.panelSize)
        let margin = 12, gap = 10
        // Captions at twice the font size, unless panels are too narrow for "offscreen" at ×2.
        let fontScale = p >= 150 ? 2 : 1
        let line = BitmapFont.height(scale: fontScale), lineGap = 6
        let panelCount = 2 + maps.count
        let barX = margin + panelCount * (p + gap), barWidth = 16
        let labelWidth = BitmapFont.width("0.000", scale: fontScale)
        let width = barX + barWidth + 6 + labelWidth + margin
        let panelY = margin + line + 2 * lineGap + 4
        let captionY = panelY + p + 12
        let height = captionY + 2 * line + lineGap + margin
        var fig = RGBImage(width: width, height: height, fill: background)

        // Shared colour range.
        let ranges = maps.map { options.postProcessing.range($0.map) }
        let lo = Float(options.threshold ?? Double(ranges.map(\.min).min() ?? 0))
        var hi = ranges.map(\.max).max() ?? 1
        // No map above U (e.g. an untrained model): any span is arbitrary; 0.1 is a typical
        // spread of cosine maps and keeps the colour bar labels distinct.
        if !(hi > lo) { hi = lo + 0.1 }

        let thresholdText = options.threshold.map { "U=" + formatFixed($0, digits: 3) } ?? "RAW MAPS (NO THRESHOLD)"
        BitmapFont.draw("\(id)   \(thresholdText)   \(options.colorMap.rawValue) \(formatFixed(Double(lo), digits: 3))-\(formatFixed(Double(hi), digits: 3))",
                        into: &fig, x: margin, y: margin, scale: fontScale, color: ink)

        let square = AreaAverage.image(image, width: p, height: p)
        let gtColour = tuple(options.theme.groundTruth)
        // The metrics' 224×224 ground truth at panel size (pixel for pixel at the default 224).
        let inside = groundTruth.flatMap { $0.isEmpty ? nil : MapOverlay.sample($0, width: p, height: p) }
        let outline = inside.map { MapOverlay.outline($0, width: p, height: p) }
        let thick = outline.map { dilate($0, width: p, height: p) }

        // 1. The image.
        var x = margin
        blit(square, into: &fig, x: x, y: panelY)
        caption(["image", "\(image.width)x\(image.height)"], into: &fig, x: x, y: captionY, scale: fontScale)
        x += p + gap

        // 2. The ground truth: outline, outside dimmed so the region reads at a glance.
        var gtPanel = square
        if let thick, let inside {
            for i in 0..<(p * p) where !inside[i] {
                let (r, g, b) = gtPanel.pixel(i % p, i / p)
                gtPanel.setPixel(i % p, i / p, (r / 2 + 64, g / 2 + 64, b / 2 + 64))
            }
            paint(thick, colour: gtColour, into: &gtPanel)
        }
        blit(gtPanel, into: &fig, x: x, y: panelY)
        let share = groundTruth.map { formatFixed(100 * Double($0.count) / Double(GroundTruthMap.side * GroundTruthMap.side), digits: 1) + "% of frame" }
        caption(["ground truth", share ?? "none"], into: &fig, x: x, y: captionY, scale: fontScale)
        x += p + gap

        // 3. One panel per condition.
        var overlay = OverlayOptions(colorMap: options.colorMap, alpha: options.alpha, threshold: options.threshold,
                                     below: .plain, scale: .fixed(lo: lo, hi: hi), showGroundTruth: options.outlineOnMaps)
        overlay.postProcessing = options.postProcessing
        for (condition, map) in maps {
            overlay.negative = condition != .positive
            var panel = square
            MapOverlay.blend(map, into: &panel, options: overlay)
            if options.outlineOnMaps, let outline { paint(outline, colour: gtColour, into: &panel) }
            blit(panel, into: &fig, x: x, y: panelY)
            // Condition colour swatch between panel and caption.
            fillRect(&fig, x: x, y: panelY + p + 3, width: p, height: 5, colour: tuple(options.theme.color(for: condition)))
            caption([condition.rawValue, "max " + formatFixed(Double(options.postProcessing.maximum(map)), digits: 2)], into: &fig, x: x, y: captionY, scale: fontScale)
            x += p + gap
        }

        // 4. Colour bar: hi at the top, lo at the bottom.
        for yy in 0..<p {
            let t = Float(p - 1 - yy) / Float(Swift.max(1, p - 1))
            let c = options.colorMap.color(at: t)
            fillRect(&fig, x: barX, y: panelY + yy, width: barWidth, height: 1, colour: (c.r, c.g, c.b))
        }
        BitmapFont.draw(formatFixed(Double(hi), digits: 3), into: &fig, x: barX + barWidth + 6, y: panelY, scale: fontScale, color: ink)
        BitmapFont.draw(formatFixed(Double(lo), digits: 3), into: &fig, x: barX + barWidth + 6, y: panelY + p - line, scale: fontScale, color: ink)
        return fig
    }

    static func caption(_ lines: [String], into fig: inout RGBImage, x: Int, y: Int, scale fontScale: Int) {
        for (i, text) in lines.enumerated() {
            BitmapFont.draw(text, into: &fig, x: x, y: y + i * (BitmapFont.height(scale: fontScale) + 6), scale: fontScale, color: ink)
        }
    }

    static func blit(_ src: RGBImage, into dst: inout RGBImage, x: Int, y: Int) {
        for yy in 0..<src.height where y + yy >= 0 && y + yy < dst.height {
            for xx in 0..<src.width where x + xx >= 0 && x + xx < dst.width { dst.setPixel(x + xx, y + yy, src.pixel(xx, yy)) }
        }
    }

    static func fillRect(_ img: inout RGBImage, x: Int, y: Int, width: Int, height: Int, colour: (UInt8, UInt8, UInt8)) {
        for yy in Swift.max(0, y)..<Swift.min(img.height, y + height) {
            for xx in Swift.max(0, x)..<Swift.min(img.width, x + width) { img.setPixel(xx, yy, colour) }
        }
    }

    static func paint(_ mask: [Bool], colour: (UInt8, UInt8, UInt8), into img: inout RGBImage) {
        for i in 0..<mask.count where mask[i] { img.setPixel(i % img.width, i / img.width, colour) }
    }

    /// The mask grown by one pixel in every direction (a 3-pixel outline reads at figure size).
    static func dilate(_ m: [Bool], width: Int, height: Int) -> [Bool] {
        var out = m
        for y in 0..<height {
            for x in 0..<width where m[y * width + x] {
                for dy in -1...1 {
                    for dx in -1...1 {
                        let xx = x + dx, yy = y + dy
                        if xx >= 0, yy >= 0, xx < width, yy < height { out[yy * width + xx] = true }
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    static func tuple(_ c: RGB) -> (UInt8, UInt8, UInt8) { (c.r, c.g, c.b) }
}
