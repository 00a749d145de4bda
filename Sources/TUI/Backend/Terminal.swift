@preconcurrency import CNcursesw
import Foundation
import Render

/// The ncurses terminal: the one file of sslsan that calls ncurses (and the C shims for the tty,
/// signals and polling next to it). Owns the screen from `start()` to `stop()`; decides once what
/// the terminal can show (`mode`); writes cells as a `TerminalBackend` and reads keys.
/// Must be used from a single thread.
final class Terminal: TerminalBackend {
    /// Colour depth and character set, chosen in `start()` from the terminfo entry, `COLORTERM`,
    /// the locale and `SSLSAN_COLOR` (none, 8, 256: force a smaller palette).
    private(set) var mode = RenderMode.monochrome
    private var screen: OpaquePointer?
    private var pairCache: [UInt64: Int32] = [:]
    private var started = false
    /// Pixel images: the protocol's encoder when the probe (or `--graphics`) chose pixels.
    private(set) var graphics: GraphicsEncoder?

    /// Applies the capability probe's choice: the image style widgets draw with and, for pixels,
    /// the cell size and the encoder. Call after `start()` (which decides colours and Unicode).
    func useGraphics(_ choice: GraphicsChoice) {
        mode.images = choice.style
        mode.cellPixels = choice.cellPixels
        graphics = choice.style == .pixels && mode.effectiveImages == .pixels ? GraphicsEncoder(choice) : nil
        if graphics == nil && choice.style == .pixels { mode.images = .sextants }
    }

    /// The size of the terminal on `fd` in cells and pixels (TIOCGWINSZ; pixels 0 when the
    /// terminal does not say), nil when `fd` is not a terminal.
    static func windowSize(fd: Int32) -> (columns: Int, rows: Int, xpixel: Int, ypixel: Int)? {
        var c: Int32 = 0, r: Int32 = 0, x: Int32 = 0, y: Int32 = 0
        guard sslsan_winsize(fd, &c, &r, &x, &y) == 0 else { return nil }
        return (Int(c), Int(r), Int(x), Int(y))
    }

    /// Takes the user's locale (UTF-8 drawing when its character set is UTF-8, ASCII otherwise:
    /// a `LANG=C` terminal gets `+-|#`, never bytes it cannot show), the terminfo entry (direct
    /// colour when asked for and available) and starts curses with `newterm`. Throws a one-line
    /// error when the terminal is unknown or stdout is not a terminal.
    func start() throws {
        // ncursesw needs the locale set before it starts; the user's, not one swapped in.
        setlocale(LC_ALL, "")
        let unicode = sslsan_codeset_is_utf8() != 0
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
        var colors = ColorDepth.none
        if has_colors() {
            start_color()
            use_default_colors()
            let n = sslsan_colors()
            if n >= 0x1000000 { colors = .trueColor } else if n >= 256 { colors = .palette256 } else if n >= 8 { colors = .basic8 }
        }
        let order: [ColorDepth] = [.none, .basic8, .palette256, .trueColor]
        if let cap = ["none": ColorDepth.none, "8": .basic8, "256": .palette256][env["SSLSAN_COLOR"] ?? ""],
           order.firstIndex(of: cap)! < order.firstIndex(of: colors)! {
            colors = cap
        }
        mode = RenderMode(colors: colors, unicode: unicode)
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
        if let g = graphics { emit(g.eraseAll()) }
        endwin()
        if let s = screen { delscreen(s) }
        screen = nil
    }

    var size: (width: Int, height: Int) {
        (Int(sslsan_getmaxx(sslsan_stdscr())), Int(sslsan_getmaxy(sslsan_stdscr())))
    }

    /// Makes curses repaint the whole screen on the next refresh (Ctrl-L, resize); pair it with
    /// `FrameFlusher.invalidate()`.
    func invalidate() { clearok(sslsan_stdscr(), true) }

    // MARK: TerminalBackend

    /// Colour pairs are a finite table (64 on an 8-colour xterm, 32767 at most): every pair the
    /// frame needs must be allocated at once, or ncurses recycles pairs that cells on screen
    /// still use and their colours change. When the frame needs pairs the table has no room for,
    /// the table is reset and the frame written in full; pairs beyond the table's size fall back
    /// to the cell's background with the default foreground (`pairFor`).
    func beginFrame(_ frame: CellBuffer) -> Bool {
        guard mode.colour else { return true }
        let limit = Int(min(sslsan_color_pairs(), 32767)) - 1
        var missing = Set<UInt64>()
        for c in frame.cells {
            let k = key(c.fg, c.bg)
            if k != Self.defaultKey && pairCache[k] == nil { missing.insert(k) }
        }
        if missing.isEmpty || pairCache.count + missing.count <= limit { return true }
        reset_color_pairs()
        pairCache.removeAll()
        // Pairs that keep every background right first, so an overflow loses foregrounds only.
        var bgs = Set<Int32>()
        for c in frame.cells { if let b = c.bg { bgs.insert(colorNumber(b)) } }
        for b in bgs.sorted() { _ = allocate(-1, b, limit: limit) }
        return false
    }

    func clear() { erase() }

    var writesLastCell: Bool { false }

    func write(_ c: Cell, x: Int, y: Int) {
        var a: attr_t = 0
        if c.attrs.contains(.bold) { a |= sslsan_a_bold() }
        if c.attrs.contains(.dim) { a |= sslsan_a_dim() }
        if c.attrs.contains(.reverse) { a |= sslsan_a_reverse() }
        if c.attrs.contains(.underline) { a |= sslsan_a_underline() }
        let pair = mode.colour ? pairFor(fg: c.fg, bg: c.bg) : 0
        let scalar = c.char.unicodeScalars.first?.value ?? 32
        sslsan_put(Int32(y), Int32(x), wchar_t(bitPattern: scalar), a, pair)
    }

    func present() { refresh() }

    var imagesAreCells: Bool { graphics?.proto == .sixel }

    func eraseImage(id: UInt32, cells: Rect) {
        guard let g = graphics else { return }
        if g.proto == .sixel {
            // Sixel pixels are the cells' content: have curses repaint those rows.
            wredrawln(sslsan_stdscr(), Int32(cells.y), Int32(cells.height))
        } else {
            emit(g.erase(id: id))
        }
    }

    func eraseAllImages() { if let g = graphics { emit(g.eraseAll()) } }

    /// Written straight to the tty after curses' refresh (which has flushed its own output).
    func drawImage(_ image: PixelImage, id: UInt32) {
        guard let g = graphics else { return }
        do { emit(g.erase(id: id) + (try g.show(image, id: id))) } catch { /* an image that cannot be encoded stays blank */ }
    }

    private func emit(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, stdout) }
        fflush(stdout)
    }

    private static let defaultKey = UInt64(UInt32(bitPattern: -1)) << 32 | UInt64(UInt32(bitPattern: -1))

    private func key(_ fg: RGB?, _ bg: RGB?) -> UInt64 {
        let f = fg.map { colorNumber($0) } ?? -1, b = bg.map { colorNumber($0) } ?? -1
        return UInt64(UInt32(bitPattern: f)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    private func allocate(_ f: Int32, _ b: Int32, limit: Int) -> Int32? {
        let k = UInt64(UInt32(bitPattern: f)) << 32 | UInt64(UInt32(bitPattern: b))
        if let p = pairCache[k] { return p }
        guard pairCache.count < limit else { return nil }
        let p = alloc_pair(f, b)
        if p < 0 { return nil }
        pairCache[k] = p
        return p
    }

    private func pairFor(fg: RGB?, bg: RGB?) -> Int32 {
        let f = fg.map { colorNumber($0) } ?? -1
        let b = bg.map { colorNumber($0) } ?? -1
        if f == -1 && b == -1 { return 0 }
        let limit = Int(min(sslsan_color_pairs(), 32767)) - 1
        return allocate(f, b, limit: limit) ?? allocate(-1, b, limit: limit) ?? 0
    }

    /// The curses colour number of a colour Render already fitted to `mode` (so the palette
    /// lookups are exact, not approximations).
    private func colorNumber(_ c: RGB) -> Int32 {
        switch mode.colors {
        case .trueColor:
            let v = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b)
            return v < 8 ? 8 : v  // 0–7 would be palette colours
        case .palette256: return Int32(Palette256.nearestIndex(c))
        case .basic8: return Int32(Palette8.nearestIndex(c))
        case .none: return -1
        }
    }

    // MARK: input, signals

    /// Restores the tty on a crash and turns SIGINT/SIGTERM/SIGHUP into a write on `wakeFD`.
    /// Call before `start()`.
    func installSignalHandlers(wakeFD: Int32) { sslsan_install_signal_handlers(wakeFD) }
    func resetSignalHandlers() { sslsan_reset_signal_handlers() }

    /// Waits up to `timeoutMS` for a key or a wake-up. Returns whether input is pending and
    /// whether `wakeFD` became readable.
    func wait(wakeFD: Int32, timeoutMS: Int32) -> (input: Bool, wake: Bool) {
        let m = sslsan_poll2(STDIN_FILENO, wakeFD, timeoutMS)
        return (m & 1 != 0, m & 2 != 0)
    }

    /// The next pending key, `.none` when there is none; a key press ncurses reports that sslsan
    /// does not use is `.some(nil)`.
    func readKey() -> Key?? {
        var wch: wint_t = 0
        let r = wget_wch(sslsan_stdscr(), &wch)
        if r == ERR { return .none }
        return .some(r == KEY_CODE_YES ? Self.functionKey(Int32(wch)) : Self.charKey(UInt32(wch)))
    }

    static func functionKey(_ c: Int32) -> Key? {
        switch c {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_NPAGE: return .pageDown
        case KEY_PPAGE: return .pageUp
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_BTAB: return .backTab
        case sslsan_key_resize(): return .redraw
        case sslsan_key_mouse():
            var x: Int32 = 0, y: Int32 = 0, kind: Int32 = 0
            guard sslsan_get_mouse(&x, &y, &kind) != 0 else { return nil }
            return .mouse(x: Int(x), y: Int(y), button: Int(kind))
        default: return nil
        }
    }

    static func charKey(_ u: UInt32) -> Key? {
        switch u {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 12: return .redraw
        default:
            guard u >= 32, let s = Unicode.Scalar(u) else { return nil }
            return .char(Character(s))
        }
    }
}

/// Errors of the explorer that the user sees as one line.
public struct TUIError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
