/// What the terminal can show. Chosen once by the TUI from `COLORTERM`, `TERM` and the locale
/// (PLATFORM.md: ncurses silently drops block characters under a non-UTF-8 locale), then passed
/// to every widget through `Theme`, so the same widget code serves every terminal.
public enum RenderMode: String, CaseIterable, Sendable {
    /// 24-bit colour and Unicode blocks: the best picture (direct-colour terminfo).
    case trueColor
    /// Unicode blocks, colours snapped to the xterm 256-colour cube and grey ramp, so the
    /// backend's mapping to palette indices is exact (tmux-256color).
    case palette256
    /// No block or box-drawing characters (non-UTF-8 locale); colours are still set.
    case ascii
    /// No colours at all: characters and attributes (bold, dim, reverse) carry everything.
    case monochrome

    /// Whether Unicode block, eighth-block and box-drawing characters may be used.
    public var unicode: Bool { self == .trueColor || self == .palette256 }
    /// Whether foreground/background colours may be set.
    public var colour: Bool { self != .monochrome }

    /// Applies the mode's colour depth to one colour: unchanged in true colour, snapped to the
    /// 256-colour palette in `.palette256`, and dropped in `.monochrome`.
    @inline(__always)
    public func paint(_ c: RGB?) -> RGB? {
        switch self {
        case .trueColor, .ascii: return c
        case .palette256: return c.map(Palette256.snap)
        case .monochrome: return nil
        }
    }
}
