import Core

/// What to do with the image where the map is at or below the threshold.
public enum BelowThreshold: String, Sendable, CaseIterable {
    /// Leave the image as it is (the figure style of the paper).
    case plain
    /// Darken it, so the localised region stands out even with a low alpha.
    case dim
}

/// How similarity values become colour-map positions.
public enum ColorScale: Sendable, Equatable {
    /// Values from `lo` (colour-map start) to `hi` (end), the same for every map: keeps maps of
    /// different conditions comparable (a silence map stays cold).
    case fixed(lo: Float, hi: Float)
    /// Each map's own min…max: shows the shape of weak maps, but hides their weakness.
    case perMap
}

/// Options of the map overlay; the TUI's toggles map onto these flags.
public struct OverlayOptions: Sendable, Equatable {
    /// Draw the map at all (off: plain image, ground truth still possible).
    public var showMap: Bool = true
    public var colorMap: ColorMap = .jet
    /// Opacity of the colour map over the image.
    public var alpha: Float = 0.5
    /// Localisation threshold (universal threshold U): pixels with value > threshold (strict, as
    /// in the metrics, SPEC §6.3) are coloured. nil shows the raw map everywhere.
    public var threshold: Double? = nil
    public var below: BelowThreshold = .dim
    /// Brightness kept by `.dim`.
    public var dimFactor: Float = 0.35
    public var scale: ColorScale = .fixed(lo: 0, hi: 1)
    public var showGroundTruth: Bool = true

    public init(showMap: Bool = true, colorMap: ColorMap = .jet, alpha: Float = 0.5, threshold: Double? = nil,
                below: BelowThreshold = .dim, scale: ColorScale = .fixed(lo: 0, hi: 1), showGroundTruth: Bool = true) {
        self.showMap = showMap; self.colorMap = colorMap; self.alpha = alpha; self.threshold = threshold
        self.below = below; self.scale = scale; self.showGroundTruth = showGroundTruth
    }
}

/// The similarity map over the image (bilinear upsampling exactly as the metrics do it, colour
/// map blended where above threshold) and the ground-truth outline.
public enum MapOverlay {
    /// The whole layer stack in one call: image fitted to `rect`, map blended, ground truth
    /// outlined, drawn in the theme's mode. Returns the placement for mouse hits.
    @discardableResult
    public static func draw(image: RGBImage, map: SimilarityMap?, groundTruth: GroundTruth?, options: OverlayOptions,
                            in rect: Rect, into buffer: inout CellBuffer, theme: Theme = .standard) -> ImagePlacement {
        let placement = ImagePlacement.fit(width: image.width, height: image.height, in: rect)
        if placement.isEmpty { return placement }
        var pixels = Resample.areaAverage(image, width: placement.pixelWidth, height: placement.pixelHeight)
        draw(pixels: &pixels, at: placement, map: map, groundTruth: groundTruth, options: options, into: &buffer, theme: theme)
        return placement
    }

    /// The same with the image already resampled to the placement (the TUI can cache the
    /// resampled image between frames; `pixels` is consumed as scratch).
    public static func draw(pixels: inout RGBImage, at placement: ImagePlacement, map: SimilarityMap?, groundTruth: GroundTruth?,
                            options: OverlayOptions, into buffer: inout CellBuffer, theme: Theme = .standard) {
        let w = placement.pixelWidth, h = placement.pixelHeight
        let mode = theme.mode
        var above: [Bool]? = nil
        var values: [Float]? = nil
        if let map, options.showMap {
            let v = Resample.bilinear(map, width: w, height: h)
            values = v
            if mode == .monochrome {
                above = aboveMask(v, threshold: options.threshold)
            } else {
                _ = blend(values: v, map: map, into: &pixels, options: options)
            }
        }
        let edges = (options.showGroundTruth && groundTruth != nil && !groundTruth!.isEmpty)
            ? groundTruth!.outline(width: w, height: h) : nil
        if let edges, mode.unicode {
            // Colour edges: one pixel wide, so the outline follows masks at full resolution.
            for i in 0..<(w * h) where edges[i] { pixels.setPixel(i % w, i / w, tuple(theme.groundTruth)) }
        }
        HalfBlockImage.draw(pixels: pixels, at: placement, into: &buffer, mode: mode)

        if mode == .monochrome, let v = values, let map {
            monochromeMap(values: v, above: above!, map: map, placement: placement, options: options, into: &buffer)
        }
        if let edges, !mode.unicode {
            outlineCharacters(edges: edges, placement: placement, into: &buffer, theme: theme)
        }
    }

    /// Blends the colour map into `pixels` (already at the map's upsampled size) and returns how
    /// many pixels are above the threshold (all of them with no threshold).
    @discardableResult
    public static func blend(values: [Float], map: SimilarityMap, into pixels: inout RGBImage, options: OverlayOptions) -> Int {
        precondition(values.count == pixels.width * pixels.height, "MapOverlay.blend: size mismatch")
        let (lo, hi) = range(of: map, scale: options.scale)
        let span = hi > lo ? hi - lo : 1
        let a = Swift.max(0, Swift.min(1, options.alpha)), keep = 1 - a
        let dim = options.dimFactor
        var count = 0
        pixels.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<values.count {
                let v = values[i]
                let isAbove = options.threshold.map { Double(v) > $0 } ?? true
                if isAbove {
                    count += 1
                    let c = options.colorMap.color(at: (v - lo) / span)
                    p[3 * i] = UInt8(keep * Float(p[3 * i]) + a * Float(c.r) + 0.5)
                    p[3 * i + 1] = UInt8(keep * Float(p[3 * i + 1]) + a * Float(c.g) + 0.5)
                    p[3 * i + 2] = UInt8(keep * Float(p[3 * i + 2]) + a * Float(c.b) + 0.5)
                } else if options.below == .dim {
                    p[3 * i] = UInt8(dim * Float(p[3 * i])); p[3 * i + 1] = UInt8(dim * Float(p[3 * i + 1]))
                    p[3 * i + 2] = UInt8(dim * Float(p[3 * i + 2]))
                }
            }
        }
        return count
    }

    /// Convenience for figures: upsample `map` to the image size and blend.
    @discardableResult
    public static func blend(_ map: SimilarityMap, into image: inout RGBImage, options: OverlayOptions) -> Int {
        blend(values: Resample.bilinear(map, width: image.width, height: image.height), map: map, into: &image, options: options)
    }

    /// Colour-map range for a map under a scale.
    public static func range(of map: SimilarityMap, scale: ColorScale) -> (Float, Float) {
        switch scale {
        case let .fixed(lo, hi): return (lo, hi)
        case .perMap: return (map.min, map.max)
        }
    }

    static func aboveMask(_ v: [Float], threshold: Double?) -> [Bool] {
        guard let t = threshold else { return [Bool](repeating: true, count: v.count) }
        return v.map { Double($0) > t }
    }

    /// Monochrome has no colour to blend: cells above threshold are shown in reverse video and
    /// the rest dimmed (or left); the raw map (no threshold) replaces the picture with the map's
    /// own luminance ramp, since that is the information asked for.
    static func monochromeMap(values: [Float], above: [Bool], map: SimilarityMap, placement: ImagePlacement,
                              options: OverlayOptions, into buffer: inout CellBuffer) {
        let w = placement.pixelWidth
        let (lo, hi) = range(of: map, scale: options.scale)
        let span = hi > lo ? hi - lo : 1
        for row in 0..<placement.cells.height {
            for col in 0..<placement.cells.width {
                let x = placement.cells.x + col, y = placement.cells.y + row
                if x < 0 || y < 0 || x >= buffer.width || y >= buffer.height { continue }
                let i0 = 2 * row * w + col, i1 = i0 + w
                var c = buffer[x, y]
                if options.threshold == nil {
                    let t = ((values[i0] + values[i1]) / 2 - lo) / span
                    c.char = HalfBlockImage.rampCharacter(Swift.max(0, Swift.min(0.999, t)))
                    c.attrs = []
                } else if above[i0] || above[i1] {
                    c.attrs = [.reverse]
                } else if options.below == .dim {
                    c.attrs = [.dim]
                }
                buffer[x, y] = c
            }
        }
    }

    /// Outline for terminals without colour blocks: each cell touched by an edge pixel gets `-`,
    /// `|` or `+` depending on which neighbouring cells are also on the outline.
    static func outlineCharacters(edges: [Bool], placement: ImagePlacement, into buffer: inout CellBuffer, theme: Theme) {
        let w = placement.pixelWidth, cw = placement.cells.width, ch = placement.cells.height
        var onEdge = [Bool](repeating: false, count: cw * ch)
        for row in 0..<ch { for col in 0..<cw where edges[2 * row * w + col] || edges[(2 * row + 1) * w + col] { onEdge[row * cw + col] = true } }
        func at(_ c: Int, _ r: Int) -> Bool { c >= 0 && r >= 0 && c < cw && r < ch && onEdge[r * cw + c] }
        let fg = theme.paint(theme.groundTruth)
        for row in 0..<ch {
            for col in 0..<cw where onEdge[row * cw + col] {
                let horizontal = at(col - 1, row) || at(col + 1, row)
                let vertical = at(col, row - 1) || at(col, row + 1)
                let ch: Character = horizontal && vertical ? "+" : (vertical ? "|" : "-")
                let x = placement.cells.x + col, y = placement.cells.y + row
                if x < 0 || y < 0 || x >= buffer.width || y >= buffer.height { continue }
                var c = buffer[x, y]
                c.char = ch; c.fg = fg; c.attrs.insert(.bold); c.attrs.remove(.dim)
                buffer[x, y] = c
            }
        }
    }

    @inline(__always)
    static func tuple(_ c: RGB) -> (UInt8, UInt8, UInt8) { (c.r, c.g, c.b) }
}
