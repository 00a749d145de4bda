/// How many colours a terminal shows.
public enum ColorDepth: String, CaseIterable, Sendable {
    /// 24-bit colour (a direct-colour terminfo entry, `COLORTERM=truecolor`).
    case trueColor
    /// The xterm 256-colour palette: colours are snapped to its 6×6×6 cube and grey ramp.
    case palette256
    /// The 8 ANSI colours: images are ordered-dithered into them (patterns of the 8 colours),
    /// everything else takes the nearest of the 8.
    case basic8
    /// No colour: images become a luminance ramp of characters, highlights become attributes.
    case none
}

/// What the terminal can show: a colour depth and whether Unicode block and box-drawing
/// characters survive (ncurses drops them silently under a non-UTF-8 locale). Chosen once by the
/// TUI's backend from the terminfo entry and the locale, then passed to every widget through
/// `Theme`; `CellBuffer.conform(to:)` applies it to a finished frame, so every colour and every
/// character the backend receives is already one the terminal can show. The backend only
/// encodes (an RGB value, a palette index); it decides nothing, and snapshot tests see exactly
/// what the terminal gets.
public struct RenderMode: Hashable, Sendable, CustomStringConvertible {
    public var colors: ColorDepth
    /// Whether Unicode block, eighth-block and box-drawing characters may be used.
    public var unicode: Bool
    /// How images become cells (or pixels); see `ImageStyle`. Half blocks unless the backend's
    /// capability probe (or `--graphics`) chose otherwise.
    public var images: ImageStyle = .halfBlocks
    /// A cell's size in screen pixels, known when the terminal reported it; pixel images
    /// (`ImageStyle.pixels`) are drawn at this resolution.
    public var cellPixels: CellPixels? = nil

    public init(colors: ColorDepth, unicode: Bool, images: ImageStyle = .halfBlocks, cellPixels: CellPixels? = nil) {
        self.colors = colors; self.unicode = unicode; self.images = images; self.cellPixels = cellPixels
    }

    /// The image style this mode can actually show: symbols and pixels need colour and Unicode
    /// (pixels also a cell size); otherwise half blocks, which `HalfBlockImage` turns into the
    /// character ramp without Unicode or colour.
    public var effectiveImages: ImageStyle {
        switch images {
        case .halfBlocks, .ascii: return images
        case .sextants, .quadrants: return colour && unicode ? images : .halfBlocks
        case .pixels: return colour && cellPixels != nil ? .pixels : (colour && unicode ? .sextants : .halfBlocks)
        }
    }

    /// 24-bit colour and Unicode blocks: the best picture.
    public static let trueColor = RenderMode(colors: .trueColor, unicode: true)
    /// Unicode blocks in the 256-colour palette (tmux-256color, xterm-256color).
    public static let palette256 = RenderMode(colors: .palette256, unicode: true)
    /// Unicode blocks in 8 colours (TERM=xterm, linux console).
    public static let basic8 = RenderMode(colors: .basic8, unicode: true)
    /// No block or box-drawing characters (non-UTF-8 locale); colours are still set.
    public static let ascii = RenderMode(colors: .trueColor, unicode: false)
    /// Characters and attributes (bold, dim, reverse) carry everything.
    public static let monochrome = RenderMode(colors: .none, unicode: false)

    /// The named modes, for tests that draw in every one.
    public static let allCases: [RenderMode] = [.trueColor, .palette256, .basic8, .ascii, .monochrome]

    /// Whether foreground/background colours may be set.
    public var colour: Bool { colors != .none }

    public var description: String {
        colors.rawValue + (unicode ? "" : "-ascii") + (images == .halfBlocks ? "" : "+" + images.rawValue)
    }

    /// Applies the mode's colour depth to one colour: unchanged in true colour, snapped to the
    /// 256-colour palette or to the 8 ANSI colours, and dropped without colour.
    @inline(__always)
    public func paint(_ c: RGB?) -> RGB? {
        switch colors {
        case .trueColor: return c
        case .palette256: return c.map(Palette256.snap)
        case .basic8: return c.map(Palette8.snap)
        case .none: return nil
        }
    }
}

/// The 8 ANSI colours, at xterm's default values. Index i has red = bit 0, green = bit 1,
/// blue = bit 2 (the curses COLOR_* numbering).
public enum Palette8 {
    public static let colors: [RGB] = [RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
                                       RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229)]

    /// The index (0…7) of the nearest colour in squared RGB distance.
    public static func nearestIndex(_ c: RGB) -> Int {
        var best = 0, bestD = Int.max
        for (i, p) in colors.enumerated() {
            let d = Palette256.distance2(c, p)
            if d < bestD { best = i; bestD = d }
        }
        return best
    }

    @inline(__always)
    public static func snap(_ c: RGB) -> RGB { colors[nearestIndex(c)] }

    /// 4×4 Bayer matrix (values 0…15): the threshold pattern of ordered dithering.
    static let bayer4: [Int] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5]

    /// The colour of image pixel (x, y) ordered-dithered into the 8 colours: each channel is
    /// on when its value exceeds the Bayer threshold of the pixel's position, so a smooth
    /// area becomes a fixed pattern whose average approximates the colour (a mid grey becomes
    /// a black/white checker, an orange a red/yellow mix). Deterministic, hence snapshot-testable.
    @inline(__always)
    public static func dither(_ c: RGB, x: Int, y: Int) -> RGB {
        let t = (bayer4[(y & 3) * 4 + (x & 3)] * 2 + 1) * 255 / 32
        let r = Int(c.r) > t, g = Int(c.g) > t, b = Int(c.b) > t
        return colors[(r ? 1 : 0) | (g ? 2 : 0) | (b ? 4 : 0)]
    }
}

extension CellBuffer {
    /// The frame as the terminal of `mode` can show it: every colour painted to the mode's depth
    /// (snapped to a palette, or dropped), every non-ASCII character replaced by its ASCII
    /// look-alike when Unicode is off, and without colour a coloured background turned into
    /// reverse video (selections, status bars) and a coloured half block into a ramp character.
    /// Widgets already draw for the mode (ramp images, ASCII borders, dithered 8-colour images);
    /// this pass makes the guarantee hold for every cell, including text a screen writes
    /// directly, so the backend only has to encode what it receives.
    public mutating func conform(to mode: RenderMode) {
        if mode == .trueColor { return }
        for i in 0..<cells.count {
            var c = cells[i]
            if !mode.colour {
                if c.char == "▀" || c.char == "▄" || c.char == "█", c.fg != nil || c.bg != nil {
                    let top = c.fg ?? .black, bottom = c.bg ?? top
                    c.char = HalfBlockImage.rampCharacter(HalfBlockImage.luma(HalfBlockImage.average(top, bottom)))
                } else if let bg = c.bg, HalfBlockImage.luma(bg) > 0.12 {
                    c.attrs.insert(.reverse)
                }
                c.fg = nil; c.bg = nil
            } else if mode.colors != .trueColor {
                c.fg = mode.paint(c.fg); c.bg = mode.paint(c.bg)
            }
            if !mode.unicode && !c.char.isASCII {
                if (c.char == "▀" || c.char == "▄") && mode.colour {
                    // A half block a widget did not convert: the mean of its two pixels.
                    let top = c.fg ?? .black, bottom = c.bg ?? top, avg = HalfBlockImage.average(top, bottom)
                    c = Cell(HalfBlockImage.rampCharacter(HalfBlockImage.luma(avg)), fg: mode.paint(avg), attrs: c.attrs)
                } else {
                    c.char = TextLayout.ascii(c.char)
                }
            }
            cells[i] = c
        }
    }
}
