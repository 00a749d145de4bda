import Core

/// Where an image landed on the cell grid. Every layer drawn over the image (similarity map,
/// ground truth) and every mouse hit goes through this one value, so they cannot disagree.
///
/// The image is drawn on a pixel grid of `cells.width × 2·cells.height` pixels: a terminal
/// cell is about twice as tall as it is wide, so two stacked pixels per cell (upper-half block,
/// fg = top, bg = bottom) are square. ASCII and monochrome modes use the same grid and merge
/// the two pixels of a cell, which keeps the placement identical in every mode.
public struct ImagePlacement: Sendable, Equatable {
    /// The cells covered by the image (centred in the rect it was given).
    public var cells: Rect
    /// Size of the source image, for mapping back to image coordinates.
    public var sourceWidth: Int
    public var sourceHeight: Int

    public init(cells: Rect, sourceWidth: Int, sourceHeight: Int) {
        self.cells = cells; self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight
    }

    /// Pixel grid size (two pixels per cell vertically).
    public var pixelWidth: Int { cells.width }
    public var pixelHeight: Int { 2 * cells.height }
    public var isEmpty: Bool { cells.isEmpty }

    /// The image grid for an image style: sub-pixels per cell times cells (pixels: the cell's
    /// size in screen pixels).
    public func grid(_ style: ImageStyle, cellPixels: CellPixels?) -> (width: Int, height: Int) {
        let s = style.subcells(cellPixels: cellPixels)
        return (cells.width * s.x, cells.height * s.y)
    }

    /// Fits a `width × height` image into `rect` for a pixel terminal with cells of `cell`
    /// pixels: as large as possible, whole cells (the image is then resampled to exactly
    /// those cells' pixels, so its aspect ratio is kept to within half a cell), centred.
    public static func fitPixels(width: Int, height: Int, in rect: Rect, cell: CellPixels) -> ImagePlacement {
        guard width > 0, height > 0, !rect.isEmpty else {
            return ImagePlacement(cells: Rect(x: rect.x, y: rect.y, width: 0, height: 0), sourceWidth: width, sourceHeight: height)
        }
        let scale = Swift.min(Double(rect.width * cell.width) / Double(width), Double(rect.height * cell.height) / Double(height))
        let cols = Swift.min(rect.width, Swift.max(1, Int((Double(width) * scale / Double(cell.width)).rounded())))
        let rows = Swift.min(rect.height, Swift.max(1, Int((Double(height) * scale / Double(cell.height)).rounded())))
        let cells = Rect(x: rect.x + (rect.width - cols) / 2, y: rect.y + (rect.height - rows) / 2, width: cols, height: rows)
        return ImagePlacement(cells: cells, sourceWidth: width, sourceHeight: height)
    }

    /// Fits a `width × height` image into `rect`, as large as possible with its aspect ratio
    /// preserved (square pixels), centred. An empty image or rect gives an empty placement.
    public static func fit(width: Int, height: Int, in rect: Rect) -> ImagePlacement {
        guard width > 0, height > 0, !rect.isEmpty else {
            return ImagePlacement(cells: Rect(x: rect.x, y: rect.y, width: 0, height: 0), sourceWidth: width, sourceHeight: height)
        }
        let scale = Swift.min(Double(rect.width) / Double(width), Double(2 * rect.height) / Double(height))
        let cols = Swift.min(rect.width, Swift.max(1, Int((Double(width) * scale).rounded())))
        let rows = Swift.min(rect.height, Swift.max(1, Int((Double(height) * scale / 2).rounded())))
        let cells = Rect(x: rect.x + (rect.width - cols) / 2, y: rect.y + (rect.height - rows) / 2, width: cols, height: rows)
        return ImagePlacement(cells: cells, sourceWidth: width, sourceHeight: height)
    }

    /// The normalised image coordinates (0…1, of the cell centre) of a terminal cell, or nil when
    /// the cell is outside the image. For mouse hits.
    public func normalised(column: Int, row: Int) -> (x: Double, y: Double)? {
        guard column >= cells.x, column < cells.maxX, row >= cells.y, row < cells.maxY else { return nil }
        return ((Double(column - cells.x) + 0.5) / Double(cells.width), (Double(row - cells.y) + 0.5) / Double(cells.height))
    }

    /// The cell showing normalised image point (x, y) (clamped to the image).
    public func cell(x: Double, y: Double) -> (column: Int, row: Int) {
        let c = Swift.min(cells.width - 1, Swift.max(0, Int(x * Double(cells.width))))
        let r = Swift.min(cells.height - 1, Swift.max(0, Int(y * Double(cells.height))))
        return (cells.x + c, cells.y + r)
    }

    /// The cell of map position (mx, my) on a `mapWidth × mapHeight` grid (e.g. the 14×14
    /// similarity map), for showing a map cell under the mouse or its argmax.
    public func cell(mapX mx: Int, mapY my: Int, mapWidth: Int, mapHeight: Int) -> (column: Int, row: Int) {
        cell(x: (Double(mx) + 0.5) / Double(mapWidth), y: (Double(my) + 0.5) / Double(mapHeight))
    }
}

/// Draws RGB pixels onto the cell grid with upper-half blocks `▀` (fg = top pixel, bg =
/// bottom pixel), or with characters only in ASCII / monochrome mode.
public enum HalfBlockImage {
    /// The luminance ramp for ASCII and monochrome modes, darkest first.
    public static let ramp: [Character] = Array(" .:-=+*#%@")

    /// Fits `image` into `rect` (aspect preserved, centred), area-averages it to the pixel grid
    /// and draws it. Returns the placement for overlays and mouse hits.
    @discardableResult
    public static func draw(_ image: RGBImage, in rect: Rect, into buffer: inout CellBuffer,
                            mode: RenderMode) -> ImagePlacement {
        let placement = ImagePlacement.fit(width: image.width, height: image.height, in: rect)
        if placement.isEmpty { return placement }
        let pixels = AreaAverage.image(image, width: placement.pixelWidth, height: placement.pixelHeight)
        draw(pixels: pixels, at: placement, into: &buffer, mode: mode)
        return placement
    }

    /// Draws an image that is already at the placement's pixel size (`pixelWidth ×
    /// pixelHeight`), e.g. after `MapOverlay.blend`. Pixels outside the buffer are clipped.
    public static func draw(pixels: RGBImage, at placement: ImagePlacement, into buffer: inout CellBuffer,
                            mode: RenderMode) {
        precondition(pixels.width == placement.pixelWidth && pixels.height == placement.pixelHeight,
                     "HalfBlockImage: pixels \(pixels.width)×\(pixels.height) for placement \(placement.pixelWidth)×\(placement.pixelHeight)")
        let c = placement.cells
        pixels.pixels.withUnsafeBufferPointer { p in
            for row in 0..<c.height {
                let y = c.y + row
                if y < 0 || y >= buffer.height { continue }
                let top = 2 * row * pixels.width * 3, bottom = (2 * row + 1) * pixels.width * 3
                for col in 0..<c.width {
                    let x = c.x + col
                    if x < 0 || x >= buffer.width { continue }
                    let t = RGB(p[top + 3 * col], p[top + 3 * col + 1], p[top + 3 * col + 2])
                    let b = RGB(p[bottom + 3 * col], p[bottom + 3 * col + 1], p[bottom + 3 * col + 2])
                    buffer[x, y] = cell(top: t, bottom: b, mode: mode, x: col, y: 2 * row)
                }
            }
        }
    }

    /// One cell showing two stacked pixels in the given mode. `x, y` is the position of the top
    /// pixel on the pixel grid: 8-colour dithering depends on it, so a flat area becomes a
    /// stable pattern rather than noise.
    @inline(__always)
    public static func cell(top: RGB, bottom: RGB, mode: RenderMode, x: Int = 0, y: Int = 0) -> Cell {
        switch (mode.colors, mode.unicode) {
        case (.none, _):
            // Attributes stretch the ramp: dim for the darkest third, bold for the brightest.
            let l = luma(average(top, bottom))
            let attrs: CellAttributes = l < 0.2 ? .dim : (l > 0.75 ? .bold : [])
            return Cell(rampCharacter(l), attrs: attrs)
        case (.trueColor, true):
            return Cell("▀", fg: top, bg: bottom)
        case (.palette256, true):
            return Cell("▀", fg: Palette256.snap(top), bg: Palette256.snap(bottom))
        case (.basic8, true):
            return Cell("▀", fg: Palette8.dither(top, x: x, y: y), bg: Palette8.dither(bottom, x: x, y: y + 1))
        case (.basic8, false):
            let avg = average(top, bottom)
            return Cell(rampCharacter(luma(avg)), fg: Palette8.dither(avg, x: x, y: y / 2))
        case (_, false):
            let avg = average(top, bottom)
            return Cell(rampCharacter(luma(avg)), fg: mode.paint(avg))
        }
    }

    /// Rec. 601 luma of a colour, 0…1.
    @inline(__always)
    public static func luma(_ c: RGB) -> Float {
        (0.299 * Float(c.r) + 0.587 * Float(c.g) + 0.114 * Float(c.b)) / 255
    }

    /// The ramp character for a luma in 0…1.
    @inline(__always)
    public static func rampCharacter(_ l: Float) -> Character {
        ramp[Swift.min(ramp.count - 1, Swift.max(0, Int(l * Float(ramp.count))))]
    }

    @inline(__always)
    static func average(_ a: RGB, _ b: RGB) -> RGB {
        RGB(UInt8((Int(a.r) + Int(b.r) + 1) / 2), UInt8((Int(a.g) + Int(b.g) + 1) / 2), UInt8((Int(a.b) + Int(b.b) + 1) / 2))
    }
}
