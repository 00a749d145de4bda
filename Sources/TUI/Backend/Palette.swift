import Render

/// Maps true colours to the palettes of weaker terminals.
public enum Palette {
    private static let levels: [Int] = [0, 95, 135, 175, 215, 255]

    private static func cubeIndex(_ v: UInt8) -> Int {
        let x = Int(v)
        if x < 48 { return 0 }
        if x < 115 { return 1 }
        return (x - 35) / 40
    }

    /// Nearest entry of the xterm 256-colour palette (cube 16–231 or grey ramp 232–255).
    public static func xterm256(_ c: RGB) -> Int {
        let ri = cubeIndex(c.r), gi = cubeIndex(c.g), bi = cubeIndex(c.b)
        let cr = levels[ri], cg = levels[gi], cb = levels[bi]
        let dCube = sq(cr - Int(c.r)) + sq(cg - Int(c.g)) + sq(cb - Int(c.b))
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let gi2 = avg > 238 ? 23 : max(0, (avg - 3) / 10)
        let gv = 8 + 10 * gi2
        let dGrey = sq(gv - Int(c.r)) + sq(gv - Int(c.g)) + sq(gv - Int(c.b))
        return dGrey < dCube ? 232 + gi2 : 16 + 36 * ri + 6 * gi + bi
    }

    /// Nearest of the 8 ANSI colours.
    static func basic8(_ c: RGB) -> Int {
        let t = 100
        let r = Int(c.r) > t ? 1 : 0, g = Int(c.g) > t ? 1 : 0, b = Int(c.b) > t ? 1 : 0
        return r | g << 1 | b << 2
    }

    @inline(__always) private static func sq(_ x: Int) -> Int { x * x }

    static func luminance(_ c: RGB) -> Double {
        (0.299 * Double(c.r) + 0.587 * Double(c.g) + 0.114 * Double(c.b)) / 255
    }
}

/// Character fallbacks for terminals without colour or without UTF-8.
public enum Glyphs {
    static let shades: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    /// Without colour a half-block pixel pair becomes a shading character of its mean luminance;
    /// other cells keep their character and turn a coloured background into reverse video.
    public static func monochrome(_ c: Cell) -> (Character, CellAttributes) {
        if c.char == "▀" || c.char == "▄" || c.char == "█" {
            let a = c.fg.map(Palette.luminance) ?? 0
            let b = c.bg.map(Palette.luminance) ?? a
            let l = (a + b) / 2
            return (shades[min(shades.count - 1, Int(l * Double(shades.count)))], c.attrs)
        }
        var attrs = c.attrs
        if let bg = c.bg, Palette.luminance(bg) > 0.35 { attrs.insert(.reverse) }
        return (c.char, attrs)
    }

    /// ASCII stand-ins for box drawing, blocks and symbols.
    public static func ascii(_ ch: Character, cell: Cell) -> Character {
        if ch.isASCII { return ch }
        switch ch {
        case "─", "━", "═": return "-"
        case "│", "┃", "║": return "|"
        case "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", "╭", "╮", "╰", "╯": return "+"
        case "▀", "▄", "█", "▌", "▐":
            let a = cell.fg.map(Palette.luminance) ?? 0.5
            let b = cell.bg.map(Palette.luminance) ?? a
            return shades[min(shades.count - 1, Int((a + b) / 2 * Double(shades.count)))]
        case "▁", "▂", "▃": return "_"
        case "▅", "▆", "▇": return "#"
        case "●", "◆", "■": return "*"
        case "▶", "►": return ">"
        case "◀": return "<"
        case "▲": return "^"
        case "▼": return "v"
        case "·", "•": return "."
        case "…": return "~"
        case "‖": return "|"
        case "┆", "╎": return ":"
        case "⚠": return "!"
        case "‘", "’": return "'"
        case "┏", "┓", "┗", "┛": return "+"
        case "✓": return "v"
        case "×": return "x"
        case "≥": return ">"
        case "≤": return "<"
        case "←": return "<"
        case "→": return ">"
        case "↑": return "^"
        case "↓": return "v"
        default: return "?"
        }
    }
}
