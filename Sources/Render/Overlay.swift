import Core

/// What to do with the image where the map is at or below the threshold.
public enum BelowThreshold: String, Sendable, CaseIterable {
    /// Leave the image as it is (the figure style of the paper).
    case plain
    /// Darken it, so the localised region stands out even with a low alpha.
    case dim
    /// Colour it with the map too: the whole map shows as a heat overlay (pair with
    /// `OverlayOptions.contour` so the threshold stays visible).
    case heat
    /// Tint it with the colour map's lowest colour (jet: dark blue), as the authors' overlays
    /// show the region outside the localisation.
    case tint
}

/// How similarity values become colour-map positions.
public enum ColorScale: Sendable, Equatable {
    /// Values from `lo` (colour-map start) to `hi` (end), the same for every map: keeps maps of
    /// different conditions comparable (a silence map stays cold).
    case fixed(lo: Float, hi: Float)
    /// Each map's own min…max: shows the shape of weak maps, but hides their weakness.
    case perMap
}

/// Options of the map overlay; the explorer's `OverlayStyle` toggle maps onto these flags.
public struct OverlayOptions: Sendable, Equatable {
    /// The threshold as the metrics compare it (`MapPostProcessing.comparedThreshold`).
    var comparedThreshold: Double? { threshold.map(postProcessing.comparedThreshold) }

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
    /// Outline the region above the threshold (its level line) in the theme's threshold colour.
    public var contour: Bool = false
    /// How the map becomes the metrics' 224² map (`MapPostProcessing`: the family's kernel and
    /// scale, the threshold's comparison) and whether it is a negative map: the overlay colours
    /// exactly the pixels the figures count.
    public var postProcessing: MapPostProcessing = .sslTie
    public var negative: Bool = false

    public init(showMap: Bool = true, colorMap: ColorMap = .jet, alpha: Float = 0.5, threshold: Double? = nil,
                below: BelowThreshold = .dim, dimFactor: Float = 0.35, scale: ColorScale = .fixed(lo: 0, hi: 1),
                showGroundTruth: Bool = true, contour: Bool = false) {
        self.showMap = showMap; self.colorMap = colorMap; self.alpha = alpha; self.threshold = threshold
        self.below = below; self.dimFactor = dimFactor; self.scale = scale; self.showGroundTruth = showGroundTruth
        self.contour = contour
    }
}

/// The explorer's three ways of laying a map over the scene (the `v` key).
public enum OverlayStyle: String, Sendable, CaseIterable {
    /// Pixels above the threshold are tinted with the colour map; the rest is the plain image.
    case highlight
    /// Pixels above the threshold are tinted lightly; the rest is dimmed.
    case dim
    /// The whole map as a heat overlay, the threshold's contour drawn in the threshold colour.
    case heat
    /// Above the threshold in the colour map, below it tinted dark blue (the authors' figures),
    /// with the threshold's contour.
    case tint

    public func options(colorMap: ColorMap, threshold: Double, showGroundTruth: Bool) -> OverlayOptions {
        switch self {
        case .highlight:
            return OverlayOptions(colorMap: colorMap, alpha: 0.6, threshold: threshold, below: .plain, showGroundTruth: showGroundTruth)
        case .dim:
            return OverlayOptions(colorMap: colorMap, alpha: 0.35, threshold: threshold, below: .dim, dimFactor: 0.3, showGroundTruth: showGroundTruth)
        case .heat:
            return OverlayOptions(colorMap: colorMap, alpha: 0.55, threshold: threshold, below: .heat, showGroundTruth: showGroundTruth, contour: true)
        case .tint:
            return OverlayOptions(colorMap: colorMap, alpha: 0.5, threshold: threshold, below: .tint, dimFactor: 0.55,
                                  showGroundTruth: showGroundTruth, contour: true)
        }
    }
}

/// The similarity map over the image and the ground-truth outline. Both come from the metrics'
/// own 224×224 grids: the map is its post-processed upsampling (`MapPostProcessing.upsample`,
/// `OverlayOptions.postProcessing`; cv2-exact for SSL-TIE) and the ground truth a
/// `GroundTruthMap`, each sampled at the centres of the display pixels. So a pixel coloured as
/// above the threshold is a pixel the metrics count as above it, and the outline is the region
/// cIoU compares against (at 224×224 panel size, pixel for pixel).
public enum MapOverlay {
    /// The whole layer stack in one call: image fitted to `rect`, map blended, ground truth
    /// outlined, the crosshair at `cursor` (normalised image coordinates), drawn in the theme's
    /// mode and image style (`RenderMode.effectiveImages`): half blocks, sextants or quadrants
    /// (outlines at sub-cell resolution), or a `PixelImage` at the cells' pixel size. Returns the
    /// placement for mouse hits.
    @discardableResult
    public static func draw(image: RGBImage, map: SimilarityMap?, groundTruth: GroundTruthMap?, options: OverlayOptions,
                            in rect: Rect, into buffer: inout CellBuffer, theme: Theme = .standard,
                            cursor: (x: Double, y: Double)? = nil) -> ImagePlacement {
        let style = theme.mode.effectiveImages
        let placement = style == .pixels ? ImagePlacement.fitPixels(width: image.width, height: image.height, in: rect, cell: theme.mode.cellPixels!)
                                         : ImagePlacement.fit(width: image.width, height: image.height, in: rect)
        if placement.isEmpty { return placement }
        let grid = placement.grid(style, cellPixels: theme.mode.cellPixels)
        var pixels = AreaAverage.image(image, width: grid.width, height: grid.height)
        draw(pixels: &pixels, at: placement, map: map, groundTruth: groundTruth, options: options, into: &buffer, theme: theme, cursor: cursor)
        return placement
    }

    /// The same with the image already resampled to the placement's grid for the theme's image
    /// style (`ImagePlacement.grid`; a caller can cache the resampled image between frames;
    /// `pixels` is consumed as scratch).
    public static func draw(pixels: inout RGBImage, at placement: ImagePlacement, map: SimilarityMap?, groundTruth: GroundTruthMap?,
                            options: OverlayOptions, into buffer: inout CellBuffer, theme: Theme = .standard,
                            cursor: (x: Double, y: Double)? = nil) {
        let w = pixels.width, h = pixels.height
        let mode = theme.mode
        let style = mode.effectiveImages
        let grid = placement.grid(style, cellPixels: mode.cellPixels)
        precondition(w == grid.width && h == grid.height, "MapOverlay: pixels \(w)×\(h) for a \(grid.width)×\(grid.height) \(style) grid")
        // Lines one display pixel wide, or about one 224th of the image in pixel mode.
        let thickness = style == .pixels ? Swift.max(1, Swift.min(w, h) / 240) : 1
        let cellStyle = style == .halfBlocks || style == .ascii
        // Ink: lines drawn over the picture (contour, ground truth, crosshair), each pixel its colour.
        var ink: [RGB?]? = nil
        func paint(_ mask: [Bool], _ colour: RGB) {
            if ink == nil { ink = [RGB?](repeating: nil, count: w * h) }
            for i in 0..<(w * h) where mask[i] { ink![i] = colour }
        }
        var above: [Bool]? = nil
        var values: [Float]? = nil
        if let map, options.showMap {
            let v = Self.values(map, width: w, height: h, postProcessing: options.postProcessing, negative: options.negative)
            values = v
            above = aboveMask(v, threshold: options.comparedThreshold)
            if mode.colour {
                blend(values: v, map: map, into: &pixels, options: options)
                if options.contour, options.threshold != nil {
                    paint(outline(above!, width: w, height: h, thickness: thickness), theme.threshold)
                }
            }
        }
        let edges = options.showGroundTruth ? groundTruth.flatMap { $0.isEmpty ? nil : outline(sample($0, width: w, height: h), width: w, height: h, thickness: thickness) } : nil
        // Without Unicode or colour (and in the ASCII style) the outline is drawn in characters.
        let edgeCharacters = !(mode.unicode && mode.colour) || style == .ascii
        if let edges, !edgeCharacters { paint(edges, theme.groundTruth) }
        if let cursor, mode.colour { paint(crosshair(cursor, width: w, height: h, thickness: thickness), theme.threshold) }

        switch style {
        case .pixels:
            if let ink { for i in 0..<(w * h) { if let c = ink[i] { pixels.setPixel(i % w, i / w, tuple(c)) } } }
            buffer.fill(placement.cells, with: .blank)
            buffer.images.append(PixelImage(cells: placement.cells, image: pixels))
        case .sextants, .quadrants:
            SymbolImage.draw(pixels: pixels, ink: ink, at: placement, style: style, into: &buffer, mode: mode)
        case .halfBlocks, .ascii:
            if let ink { for i in 0..<(w * h) { if let c = ink[i] { pixels.setPixel(i % w, i / w, tuple(c)) } } }
            let cellMode = style == .ascii ? RenderMode(colors: mode.colors, unicode: false) : mode
            HalfBlockImage.draw(pixels: pixels, at: placement, into: &buffer, mode: cellMode)
        }
        guard cellStyle else { return }
        if !mode.colour, let v = values, let map {
            monochromeMap(values: v, above: above!, map: map, placement: placement, options: options, into: &buffer)
        }
        if let edges, edgeCharacters {
            outlineCharacters(edges: edges, placement: placement, into: &buffer, theme: theme)
        }
        if let cursor, !mode.colour {
            let cell = placement.cell(x: cursor.x, y: cursor.y)
            if buffer.inBounds(cell.column, cell.row) { buffer[cell.column, cell.row] = Cell("+", attrs: [.bold, .reverse]) }
        }
    }

    /// A small crosshair (a plus sign about a ninth of the image across, with a one-pixel gap
    /// at the centre so the value under it stays visible) at normalised point `p`.
    public static func crosshair(_ p: (x: Double, y: Double), width w: Int, height h: Int, thickness: Int = 1) -> [Bool] {
        var m = [Bool](repeating: false, count: w * h)
        guard w > 0, h > 0 else { return m }
        let cx = Swift.min(w - 1, Swift.max(0, Int(p.x * Double(w)))), cy = Swift.min(h - 1, Swift.max(0, Int(p.y * Double(h))))
        let rx = Swift.max(2, w / 18), ry = Swift.max(2, h / 18)
        let gapX = Swift.max(1, thickness), gapY = Swift.max(1, thickness)
        for t in 0..<thickness {
            for dx in -rx...rx where abs(dx) >= gapX {
                let x = cx + dx, y = cy + t - thickness / 2
                if x >= 0, x < w, y >= 0, y < h { m[y * w + x] = true }
            }
            for dy in -ry...ry where abs(dy) >= gapY {
                let x = cx + t - thickness / 2, y = cy + dy
                if x >= 0, x < w, y >= 0, y < h { m[y * w + x] = true }
            }
        }
        return m
    }

    /// The map on a `width × height` display grid: its 224×224 metric map
    /// (`MapPostProcessing.upsample`) sampled at the display pixels' centres.
    public static func values(_ map: SimilarityMap, width: Int, height: Int, postProcessing: MapPostProcessing = .sslTie,
                              negative: Bool = false) -> [Float] {
        let w = Swift.max(0, width), h = Swift.max(0, height)
        guard w > 0, h > 0, map.width > 0, map.height > 0 else { return [Float](repeating: 0, count: w * h) }
        let up = postProcessing.upsample(map, negative: negative), n = MapResize.side
        let xs = gridIndices(w, n), ys = gridIndices(h, n)
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h { let r = ys[y] * n; for x in 0..<w { out[y * w + x] = up[r + xs[x]] } }
        return out
    }

    /// A ground-truth map on a `width × height` display grid, sampled at the pixels' centres.
    public static func sample(_ gt: GroundTruthMap, width: Int, height: Int) -> [Bool] {
        let n = GroundTruthMap.side
        let xs = gridIndices(width, n), ys = gridIndices(height, n)
        var out = [Bool](repeating: false, count: Swift.max(0, width * height))
        for y in 0..<height { let r = ys[y] * n; for x in 0..<width { out[y * width + x] = gt.pixels[r + xs[x]] != 0 } }
        return out
    }

    /// For each of `count` display pixels, the index of the metric-grid pixel (of `side`) under its centre.
    static func gridIndices(_ count: Int, _ side: Int) -> [Int] {
        (0..<Swift.max(0, count)).map { Swift.min(side - 1, (2 * $0 + 1) * side / (2 * count)) }
    }

    /// Inside pixels with a 4-neighbour outside (the grid border counts as outside, so a
    /// full-frame region still shows); with `thickness` t > 1, inside pixels within t pixels of
    /// the outside along a row or column.
    public static func outline(_ inside: [Bool], width: Int, height: Int, thickness: Int = 1) -> [Bool] {
        var e = [Bool](repeating: false, count: inside.count)
        func at(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height && inside[y * width + x] }
        let t = Swift.max(1, thickness)
        for y in 0..<height {
            for x in 0..<width where inside[y * width + x] {
                for d in 1...t where !at(x - d, y) || !at(x + d, y) || !at(x, y - d) || !at(x, y + d) {
                    e[y * width + x] = true; break
                }
            }
        }
        return e
    }

    /// Blends the colour map into `pixels` (already at the map's display size, see `values`) and
    /// returns how many pixels are above the threshold (all of them with no threshold).
    @discardableResult
    public static func blend(values: [Float], map: SimilarityMap, into pixels: inout RGBImage, options: OverlayOptions) -> Int {
        precondition(values.count == pixels.width * pixels.height, "MapOverlay.blend: size mismatch")
        let (lo, hi) = range(of: map, scale: options.scale, postProcessing: options.postProcessing)
        let span = hi > lo ? hi - lo : 1
        let a = Swift.max(0, Swift.min(1, options.alpha)), keep = 1 - a
        let threshold = options.comparedThreshold
        let dim = options.dimFactor
        let tint = options.colorMap.color(index: 0)
        var count = 0
        pixels.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<values.count {
                let v = values[i]
                let isAbove = threshold.map { Double(v) > $0 } ?? true
                if isAbove { count += 1 }
                if isAbove || options.below == .heat {
                    let c = options.colorMap.color(at: (v - lo) / span)
                    p[3 * i] = UInt8(keep * Float(p[3 * i]) + a * Float(c.r) + 0.5)
                    p[3 * i + 1] = UInt8(keep * Float(p[3 * i + 1]) + a * Float(c.g) + 0.5)
                    p[3 * i + 2] = UInt8(keep * Float(p[3 * i + 2]) + a * Float(c.b) + 0.5)
                } else if options.below == .dim {
                    p[3 * i] = UInt8(dim * Float(p[3 * i])); p[3 * i + 1] = UInt8(dim * Float(p[3 * i + 1]))
                    p[3 * i + 2] = UInt8(dim * Float(p[3 * i + 2]))
                } else if options.below == .tint {
                    // dimFactor of the image over the colour map's lowest colour.
                    let t = 1 - dim
                    p[3 * i] = UInt8(dim * Float(p[3 * i]) + t * Float(tint.r) + 0.5)
                    p[3 * i + 1] = UInt8(dim * Float(p[3 * i + 1]) + t * Float(tint.g) + 0.5)
                    p[3 * i + 2] = UInt8(dim * Float(p[3 * i + 2]) + t * Float(tint.b) + 0.5)
                }
            }
        }
        return count
    }

    /// Convenience for figures: the map at the image's size, blended.
    @discardableResult
    public static func blend(_ map: SimilarityMap, into image: inout RGBImage, options: OverlayOptions) -> Int {
        blend(values: values(map, width: image.width, height: image.height, postProcessing: options.postProcessing, negative: options.negative),
              map: map, into: &image, options: options)
    }

    /// Colour-map range for a map under a scale (per map: the range of its post-processed values,
    /// [0, 1] for a min–max-normalised Grad-CAM map).
    public static func range(of map: SimilarityMap, scale: ColorScale, postProcessing: MapPostProcessing = .sslTie) -> (Float, Float) {
        switch scale {
        case let .fixed(lo, hi): return (lo, hi)
        case .perMap: return postProcessing.range(map)
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
        let (lo, hi) = range(of: map, scale: options.scale, postProcessing: options.postProcessing)
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
                } else if options.below != .plain {
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
