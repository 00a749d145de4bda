import Core

/// How an image becomes what the terminal shows. The backend's capability probe (or
/// `explore --graphics`) picks one; `RenderMode.effectiveImages` falls back when the mode cannot
/// show it.
public enum ImageStyle: String, Sendable, CaseIterable {
    /// Real pixels through a graphics protocol (kitty or sixel): the widget leaves its cells
    /// blank and records the image (`CellBuffer.images`); the backend draws it after the cells.
    case pixels
    /// Unicode 13 sextants: 2×3 sub-pixels per cell, two colours fitted per cell.
    case sextants
    /// Quadrant blocks: 2×2 sub-pixels per cell, two colours fitted per cell (older fonts).
    case quadrants
    /// Upper-half blocks: two stacked pixels per cell, each its own colour.
    case halfBlocks
    /// Characters of a luminance ramp (coloured when the terminal has colour).
    case ascii

    /// Sub-pixels per cell (columns, rows) for the cell styles; pixels use the cell size.
    public func subcells(cellPixels: CellPixels?) -> (x: Int, y: Int) {
        switch self {
        case .sextants: return (2, 3)
        case .quadrants: return (2, 2)
        case .halfBlocks, .ascii: return (1, 2)
        case .pixels: return (cellPixels?.width ?? 1, cellPixels?.height ?? 2)
        }
    }
}

/// A terminal cell's size in screen pixels (from `CSI 16 t` or `TIOCGWINSZ`).
public struct CellPixels: Hashable, Sendable {
    public var width: Int, height: Int
    public init(width: Int, height: Int) { self.width = Swift.max(1, width); self.height = Swift.max(1, height) }
}

/// An image a widget asks the backend to draw in pixels over `cells` (which the widget left
/// blank). `image` is exactly `cells.width · cellWidth × cells.height · cellHeight` pixels, so it
/// covers its cells completely and replaces whatever a previous image left there.
public struct PixelImage: Equatable, Sendable {
    public var cells: Rect
    public var image: RGBImage
    public init(cells: Rect, image: RGBImage) { self.cells = cells; self.image = image }
}

/// Images drawn with block symbols: each cell shows a 2×3 (sextant) or 2×2 (quadrant) pattern
/// in two colours, fitted to the cell's sub-pixels (chafa's approach): the colours are the means
/// of the two groups a split along the cell's widest colour channel makes, refined once by
/// nearest colour. An optional ink layer (outlines, contour, cursor) is drawn exactly: a cell
/// with ink shows the ink pattern in the ink colour over the mean of its other sub-pixels, so a
/// contour keeps its sub-cell position instead of being averaged away.
public enum SymbolImage {
    /// Draws `pixels` (`cells.width·sx × cells.height·sy` for the style's sub-cell grid) at
    /// `placement`. `ink` has one entry per pixel (nil: no ink).
    public static func draw(pixels: RGBImage, ink: [RGB?]?, at placement: ImagePlacement, style: ImageStyle,
                            into buffer: inout CellBuffer, mode: RenderMode) {
        let (sx, sy) = style.subcells(cellPixels: nil)
        precondition(style == .sextants || style == .quadrants, "SymbolImage draws sextants or quadrants")
        let c = placement.cells, w = pixels.width
        precondition(w == c.width * sx && pixels.height == c.height * sy,
                     "SymbolImage: pixels \(pixels.width)×\(pixels.height) for \(c.width)×\(c.height) cells of \(sx)×\(sy)")
        var px = [RGB](repeating: .black, count: sx * sy)
        var inked = [RGB?](repeating: nil, count: sx * sy)
        pixels.pixels.withUnsafeBufferPointer { p in
            for row in 0..<c.height {
                let y = c.y + row
                if y < 0 || y >= buffer.height { continue }
                for col in 0..<c.width {
                    let x = c.x + col
                    if x < 0 || x >= buffer.width { continue }
                    var anyInk = false
                    for j in 0..<sy {
                        for i in 0..<sx {
                            let k = (row * sy + j) * w + col * sx + i
                            px[j * sx + i] = RGB(p[3 * k], p[3 * k + 1], p[3 * k + 2])
                            let ik = ink?[k]
                            inked[j * sx + i] = ik
                            if ik != nil { anyInk = true }
                        }
                    }
                    let fit = anyInk ? inkFit(px, inked) : twoColourFit(px)
                    buffer[x, y] = cell(mask: fit.mask, fg: fit.fg, bg: fit.bg, style: style, mode: mode)
                }
            }
        }
    }

    /// The best two colours for a cell's sub-pixels and which of them take the foreground
    /// (bit k of `mask` = sub-pixel k, row-major).
    public static func twoColourFit(_ px: [RGB]) -> (mask: Int, fg: RGB, bg: RGB) {
        var lo = (255, 255, 255), hi = (0, 0, 0)
        for c in px {
            lo = (Swift.min(lo.0, Int(c.r)), Swift.min(lo.1, Int(c.g)), Swift.min(lo.2, Int(c.b)))
            hi = (Swift.max(hi.0, Int(c.r)), Swift.max(hi.1, Int(c.g)), Swift.max(hi.2, Int(c.b)))
        }
        let ranges = [hi.0 - lo.0, hi.1 - lo.1, hi.2 - lo.2]
        let ch = ranges.firstIndex(of: ranges.max()!)!
        if ranges[ch] == 0 { return (0, px[0], px[0]) }
        let mid = ([lo.0, lo.1, lo.2][ch] + [hi.0, hi.1, hi.2][ch] + 1) / 2
        func channel(_ c: RGB) -> Int { ch == 0 ? Int(c.r) : (ch == 1 ? Int(c.g) : Int(c.b)) }
        var mask = 0
        for (k, c) in px.enumerated() where channel(c) >= mid { mask |= 1 << k }
        var (fg, bg) = means(px, mask)
        // One refinement: each sub-pixel to the nearer of the two colours.
        var refined = 0
        for (k, c) in px.enumerated() where Palette256.distance2(c, fg) < Palette256.distance2(c, bg) { refined |= 1 << k }
        let full = (1 << px.count) - 1
        if refined != 0 && refined != full && refined != mask { mask = refined; (fg, bg) = means(px, mask) }
        return (mask, fg, bg)
    }

    /// Ink wins: the most frequent ink colour forms the pattern, the rest of the cell its mean.
    static func inkFit(_ px: [RGB], _ ink: [RGB?]) -> (mask: Int, fg: RGB, bg: RGB) {
        var counts: [RGB: Int] = [:]
        for case let c? in ink { counts[c, default: 0] += 1 }
        let colour = counts.max { $0.value < $1.value || ($0.value == $1.value && ($0.key.r, $0.key.g, $0.key.b) > ($1.key.r, $1.key.g, $1.key.b)) }!.key
        var mask = 0
        var rest = px
        for k in 0..<px.count {
            if ink[k] == colour { mask |= 1 << k } else if let other = ink[k] { rest[k] = other }
        }
        let full = (1 << px.count) - 1
        if mask == full { return (mask, colour, colour) }
        return (mask, colour, means(rest, mask).bg)
    }

    static func means(_ px: [RGB], _ mask: Int) -> (fg: RGB, bg: RGB) {
        var f = (0, 0, 0, 0), b = (0, 0, 0, 0)
        for (k, c) in px.enumerated() {
            if mask & (1 << k) != 0 { f = (f.0 + Int(c.r), f.1 + Int(c.g), f.2 + Int(c.b), f.3 + 1) }
            else { b = (b.0 + Int(c.r), b.1 + Int(c.g), b.2 + Int(c.b), b.3 + 1) }
        }
        func avg(_ t: (Int, Int, Int, Int)) -> RGB {
            t.3 == 0 ? .black : RGB(UInt8((t.0 + t.3 / 2) / t.3), UInt8((t.1 + t.3 / 2) / t.3), UInt8((t.2 + t.3 / 2) / t.3))
        }
        return (avg(f), avg(b))
    }

    /// The cell for a fitted pattern in the mode's colours.
    static func cell(mask: Int, fg: RGB, bg: RGB, style: ImageStyle, mode: RenderMode) -> Cell {
        let full = style == .sextants ? 63 : 15
        if mask == 0 || fg == bg { return Cell(" ", bg: mode.paint(mask == 0 ? bg : fg)) }
        if mask == full { return Cell(" ", bg: mode.paint(fg)) }
        let ch = style == .sextants ? sextant(mask) : quadrant(mask)
        return Cell(ch, fg: mode.paint(fg), bg: mode.paint(bg))
    }

    /// The sextant character for a 6-bit mask (bit 0 top-left, 1 top-right, 2 middle-left, …,
    /// 5 bottom-right). U+1FB00…U+1FB3B hold the 60 patterns that are not already a space, a
    /// left or right half block or a full block, in mask order.
    public static func sextant(_ mask: Int) -> Character {
        switch mask {
        case 0: return " "
        case 21: return "▌"
        case 42: return "▐"
        case 63: return "█"
        default:
            let index = mask - 1 - (mask > 21 ? 1 : 0) - (mask > 42 ? 1 : 0)
            return Character(Unicode.Scalar(0x1FB00 + UInt32(index))!)
        }
    }

    /// The quadrant character for a 4-bit mask (bit 0 top-left, 1 top-right, 2 bottom-left,
    /// 3 bottom-right).
    public static func quadrant(_ mask: Int) -> Character { quadrants[mask & 15] }

    static let quadrants: [Character] = [" ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█"]

    /// The mask a sextant or quadrant character stands for (the inverse of `sextant` /
    /// `quadrant`; nil for other characters). For tests and for reading frames back.
    public static func mask(of ch: Character, style: ImageStyle) -> Int? {
        if style == .quadrants { return quadrants.firstIndex(of: ch) }
        switch ch {
        case " ": return 0
        case "▌": return 21
        case "▐": return 42
        case "█": return 63
        default:
            guard let v = ch.unicodeScalars.first?.value, v >= 0x1FB00, v <= 0x1FB3B else { return nil }
            var m = Int(v - 0x1FB00) + 1
            if m >= 21 { m += 1 }
            if m >= 42 { m += 1 }
            return m
        }
    }
}
