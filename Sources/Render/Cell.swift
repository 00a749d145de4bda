/// A terminal colour: true colour always; the backend maps it to the 256-colour cube or to a
/// monochrome pattern when the terminal cannot show it.
public struct RGB: Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)
}

/// Text attributes of a cell.
public struct CellAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = CellAttributes(rawValue: 1)
    public static let dim = CellAttributes(rawValue: 2)
    public static let reverse = CellAttributes(rawValue: 4)
    public static let underline = CellAttributes(rawValue: 8)
}

/// One terminal cell: a character (one column wide), foreground, background (nil = terminal
/// default) and attributes.
public struct Cell: Hashable, Sendable {
    public var char: Character
    public var fg: RGB?
    public var bg: RGB?
    public var attrs: CellAttributes
    public init(_ char: Character = " ", fg: RGB? = nil, bg: RGB? = nil, attrs: CellAttributes = []) {
        self.char = char; self.fg = fg; self.bg = bg; self.attrs = attrs
    }
    public static let blank = Cell()
}

/// A rectangle of cells: x, y (top-left), width, height.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
}

/// The in-memory frame every widget draws into. The TUI flushes only the cells that changed
/// since the previous frame (ratatui-style double buffering).
public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public internal(set) var cells: [Cell]
    /// Pixel images over blank cells (`ImageStyle.pixels`), in drawing order: the backend draws
    /// each after the cells when its cells are still blank in the finished frame (a dialog drawn
    /// over an image hides it).
    public var images: [PixelImage] = []

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0, y >= 0, x < width, y < height { cells[y * width + x] = newValue } }
    }

    /// Writes a string from (x, y), clipped to `maxWidth` columns and the buffer. Returns the
    /// column after the last character written.
    @discardableResult
    public mutating func put(_ s: String, x: Int, y: Int, fg: RGB? = nil, bg: RGB? = nil,
                             attrs: CellAttributes = [], maxWidth: Int = .max) -> Int {
        guard y >= 0, y < height else { return x }
        var cx = x
        for ch in s {
            if cx - x >= maxWidth || cx >= width { break }
            if cx >= 0 {
                var c = self[cx, y]
                c.char = ch; c.fg = fg ?? c.fg; c.bg = bg ?? c.bg; c.attrs = attrs
                self[cx, y] = c
            }
            cx += 1
        }
        return cx
    }

    public mutating func fill(_ rect: Rect, with cell: Cell) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = cell }
        }
    }

    /// The plain text of each row (for tests and logs).
    public var lines: [String] {
        (0..<height).map { y in String((0..<width).map { cells[y * width + $0].char }) }
    }
}
