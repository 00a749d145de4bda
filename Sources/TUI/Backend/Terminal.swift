@preconcurrency import CNcursesw
import Foundation
import Render

/// How the terminal shows colour.
public enum ColorMode: String, Sendable {
    /// 24-bit colour (`COLORTERM` truecolor/24bit and a `-direct` terminfo).
    case direct
    /// The xterm 256-colour palette (6×6×6 cube + grey ramp).
    case palette256
    /// 8 or 16 basic colours.
    case basic
    /// No colour: images become shading patterns, highlights become attributes.
    case none
}

/// The only code that touches ncurses. Owns the screen from `start()` to `stop()`; draws a
/// `CellBuffer` by writing only the cells that changed since the previous frame.
/// Must be used from a single thread.
final class Terminal {
    private(set) var colorMode: ColorMode = .none
    private(set) var unicode = true
    private var screen: OpaquePointer?
    private var previous: CellBuffer?
    private var pairCache: [UInt64: Int32] = [:]
    private var started = false
    /// Cells written by the last `draw` (for the bench).
    private(set) var lastCellsWritten = 0

    /// Picks the locale (UTF-8 or ASCII drawing), the terminfo entry (direct colour when asked
    /// for and available) and starts curses with `newterm`. Throws a one-line error when the
    /// terminal is unknown or stdout is not a terminal.
    func start() throws {
        setlocale(LC_ALL, "")
        if sslsan_codeset_is_utf8() == 0 {
            setlocale(LC_ALL, "C.UTF-8")
        }
        unicode = sslsan_codeset_is_utf8() != 0
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            throw TUIError("the explorer needs a terminal (stdin and stdout must be a tty)")
        }
        let env = ProcessInfo.processInfo.environment
        guard let term = env["TERM"], !term.isEmpty else {
            throw TUIError("TERM is not set; cannot open the terminal")
        }
        var chosen = term
        let ct = (env["COLORTERM"] ?? "").lowercased()
        if (ct == "truecolor" || ct == "24bit") && !term.hasSuffix("-direct") {
            let base = term.split(separator: "-").first.map(String.init) ?? term
            for cand in [base + "-direct", "xterm-direct"] where Terminal.terminfoExists(cand) {
                chosen = cand; break
            }
        }
        var scr = chosen.withCString { newterm(UnsafeMutablePointer(mutating: $0), stdout, stdin) }
        if scr == nil && chosen != term {
            chosen = term
            scr = term.withCString { newterm(UnsafeMutablePointer(mutating: $0), stdout, stdin) }
        }
        guard let s = scr else {
            throw TUIError("unknown terminal type '\(term)' (no terminfo entry); try TERM=xterm-256color")
        }
        screen = s
        set_term(s)
        started = true
        cbreak(); noecho(); nonl()
        keypad(sslsan_stdscr(), true)
        nodelay(sslsan_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        _ = sslsan_mouse_on()
        mouseinterval(0)
        colorMode = .none
        if has_colors() {
            start_color()
            use_default_colors()
            let n = sslsan_colors()
            if n >= 0x1000000 { colorMode = .direct } else if n >= 256 { colorMode = .palette256 } else if n >= 8 { colorMode = .basic }
        }
        if env["SSLSAN_COLOR"] == "none" { colorMode = .none }
        previous = nil
    }

    static func terminfoExists(_ name: String) -> Bool {
        let dirs = ["/usr/share/terminfo", "/lib/terminfo", "/etc/terminfo", "/usr/lib/terminfo",
                    NSHomeDirectory() + "/.terminfo"]
        guard let first = name.first else { return false }
        let hex = String(format: "%02x", first.asciiValue ?? 0)
        return dirs.contains { d in
            FileManager.default.fileExists(atPath: "\(d)/\(first)/\(name)") ||
            FileManager.default.fileExists(atPath: "\(d)/\(hex)/\(name)")
        }
    }

    /// Restores the terminal (idempotent).
    func stop() {
        guard started else { return }
        started = false
        endwin()
        if let s = screen { delscreen(s) }
        screen = nil
    }

    var size: (width: Int, height: Int) {
        (Int(sslsan_getmaxx(sslsan_stdscr())), Int(sslsan_getmaxy(sslsan_stdscr())))
    }

    /// Forget the previous frame (after a resize or Ctrl-L): the next draw repaints everything.
    func invalidate() {
        previous = nil
        clearok(sslsan_stdscr(), true)
    }

    func draw(_ frame: CellBuffer) {
        // Colour pairs are a finite table: when a frame could overflow it, start it afresh.
        let limit = Int(min(sslsan_color_pairs(), 32767)) - 2
        if colorMode != .none && pairCache.count + frame.width * frame.height > limit && pairCache.count > 0 {
            reset_color_pairs()
            pairCache.removeAll()
            previous = nil
        }
        let full = previous == nil || previous!.width != frame.width || previous!.height != frame.height
        if full { erase() }
        var written = 0
        let w = frame.width
        frame.cells.withUnsafeBufferPointer { cur in
            let prevCells = full ? nil : previous!.cells
            for y in 0..<frame.height {
                for x in 0..<w {
                    let i = y * w + x
                    let c = cur[i]
                    if let p = prevCells, p[i] == c { continue }
                    // The bottom-right cell scrolls some terminals: skip it.
                    if y == frame.height - 1 && x == w - 1 { continue }
                    put(c, x: x, y: y)
                    written += 1
                }
            }
        }
        lastCellsWritten = written
        previous = frame
        refresh()
    }

    private func put(_ c: Cell, x: Int, y: Int) {
        var ch = c.char
        var attrs = c.attrs
        var fg = c.fg, bg = c.bg
        if colorMode == .none {
            (ch, attrs) = Glyphs.monochrome(c)
            fg = nil; bg = nil
        }
        if !unicode { ch = Glyphs.ascii(ch, cell: c) }
        var a: attr_t = 0
        if attrs.contains(.bold) { a |= sslsan_a_bold() }
        if attrs.contains(.dim) { a |= sslsan_a_dim() }
        if attrs.contains(.reverse) { a |= sslsan_a_reverse() }
        if attrs.contains(.underline) { a |= sslsan_a_underline() }
        let pair = colorMode == .none ? 0 : pairFor(fg: fg, bg: bg)
        let scalar = ch.unicodeScalars.first?.value ?? 32
        sslsan_put(Int32(y), Int32(x), wchar_t(bitPattern: scalar), a, pair)
    }

    private func pairFor(fg: RGB?, bg: RGB?) -> Int32 {
        let f = fg.map { colorNumber($0) } ?? -1
        let b = bg.map { colorNumber($0) } ?? -1
        if f == -1 && b == -1 { return 0 }
        let key = UInt64(UInt32(bitPattern: f)) << 32 | UInt64(UInt32(bitPattern: b))
        if let p = pairCache[key] { return p }
        let p = alloc_pair(f, b)
        if p < 0 { return 0 }
        pairCache[key] = p
        return p
    }

    private func colorNumber(_ c: RGB) -> Int32 {
        switch colorMode {
        case .direct:
            let v = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b)
            return v < 8 ? 8 : v  // 0–7 would be palette colours
        case .palette256: return Int32(Palette.xterm256(c))
        case .basic: return Int32(Palette.basic8(c))
        case .none: return -1
        }
    }
}

/// Errors of the explorer that the user sees as one line.
public struct TUIError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
