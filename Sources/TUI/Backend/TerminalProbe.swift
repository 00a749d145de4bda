import Foundation
import Render

/// What the terminal can draw, found once before the UI starts (as chafa, notcurses and timg do):
/// terminal queries for what can be asked, the environment for what cannot.
///
/// The queries go out together and end with a fence, primary device attributes (DA1), which
/// every terminal answers: replies to the earlier queries arrive before the DA1 reply or not at
/// all, so the probe stops at the fence and a terminal that ignores a query costs nothing. A
/// terminal that answers nothing (not even DA1) costs the timeout, once.
public struct TerminalCapabilities: Sendable, Equatable {
    /// Whether a terminal was there to ask (/dev/tty, the controlling terminal, opened).
    public var isTTY = false
    /// Whether the DA1 fence came back (the terminal answered within the timeout).
    public var answered = false
    /// DA1 attributes (`CSI ? 62 ; 4 ; 22 c` → [62, 4, 22]); 4 = sixel graphics.
    public var deviceAttributes: [Int] = []
    /// The kitty graphics protocol answered its query image with OK.
    public var kittyGraphics = false
    /// Sixel support: DA1 attribute 4, or an XTSMGRAPHICS reply.
    public var sixel = false
    /// Sixel colour registers (XTSMGRAPHICS `CSI ? 1 ; 1 ; 0 S`).
    public var sixelColors: Int?
    /// Largest sixel image (XTSMGRAPHICS `CSI ? 2 ; 1 ; 0 S`).
    public var sixelMaxWidth: Int?
    public var sixelMaxHeight: Int?
    /// A cell's size in pixels and where it came from ("CSI 16 t", "TIOCGWINSZ", "CSI 14 t").
    public var cellPixels: CellPixels?
    public var cellPixelsSource: String?
    /// The window in cells (TIOCGWINSZ).
    public var columns = 0, rows = 0
    /// Inside tmux ($TMUX); whether tmux passes escape sequences through to the outer terminal
    /// (`allow-passthrough`), tmux's version, and this pane's offset in the outer terminal
    /// (passthrough sequences address the outer terminal's cells).
    public var tmux = false
    public var tmuxVersion: String?
    public var tmuxPassthrough = false
    public var tmuxPaneOffset: (x: Int, y: Int)? { paneX.flatMap { x in paneY.map { (x, $0) } } }
    public var paneX: Int?, paneY: Int?
    /// tmux's own DA1 (tmux ≥ 3.4 built with sixel answers attribute 4 itself).
    public var tmuxSixel = false
    /// The environment: what cannot be asked.
    public var term: String?
    public var termProgram: String?
    public var colorTerm: String?
    public var kittyWindow = false
    public var wezterm = false
    public var ssh = false
    /// How long the probe took (ms).
    public var elapsedMS: Double = 0
    /// Replies as received (escaped), for `sslsan doctor`.
    public var rawReplies = ""

    public init() {}

    public static func == (a: TerminalCapabilities, b: TerminalCapabilities) -> Bool {
        a.isTTY == b.isTTY && a.answered == b.answered && a.deviceAttributes == b.deviceAttributes && a.kittyGraphics == b.kittyGraphics &&
            a.sixel == b.sixel && a.sixelColors == b.sixelColors && a.cellPixels == b.cellPixels && a.tmux == b.tmux &&
            a.tmuxPassthrough == b.tmuxPassthrough && a.paneX == b.paneX && a.paneY == b.paneY && a.term == b.term && a.termProgram == b.termProgram
    }

    /// Whether the terminal's font is known to have the Unicode 13 sextants (terminals that draw
    /// block elements themselves); elsewhere symbols use the older quadrants.
    public var knownSextants: Bool {
        if kittyGraphics || kittyWindow || wezterm { return true }
        let p = (termProgram ?? "").lowercased(), t = (term ?? "").lowercased()
        return ["wezterm", "ghostty", "iterm.app", "kitty", "foot", "contour", "rio"].contains(where: { p.contains($0) }) ||
            ["kitty", "foot", "ghostty", "wezterm", "contour"].contains(where: { t.contains($0) })
    }

    /// Reads the environment (no terminal I/O).
    public mutating func readEnvironment(_ env: [String: String]) {
        term = env["TERM"]; termProgram = env["TERM_PROGRAM"]; colorTerm = env["COLORTERM"]
        kittyWindow = env["KITTY_WINDOW_ID"] != nil
        wezterm = env.keys.contains { $0.hasPrefix("WEZTERM_") }
        ssh = env["SSH_CONNECTION"] != nil || env["SSH_TTY"] != nil || env["SSH_CLIENT"] != nil
        tmux = env["TMUX"] != nil
    }
}

/// `explore --graphics`: how the scene image is drawn.
public enum GraphicsOption: String, CaseIterable, Sendable {
    /// The best the probe found: kitty, then sixel, then symbols.
    case auto
    case kitty, sixel
    /// Sextants where the terminal is known to draw them, else quadrants.
    case symbols
    case sextants, quadrants
    case halfblocks, ascii
}

/// The probe's decision: the image style for Render and, for pixels, the protocol and how to
/// reach the terminal.
public struct GraphicsChoice: Sendable, Equatable {
    public var style: ImageStyle
    public var proto: GraphicsProtocol?
    public var cellPixels: CellPixels?
    /// Wrap graphics in tmux passthrough (and address the outer terminal's cells).
    public var passthrough = false
    public var paneOffset = (x: 0, y: 0)
    public var sixelColors = 256
    /// One line: what was chosen and why.
    public var reason: String

    public static func == (a: GraphicsChoice, b: GraphicsChoice) -> Bool {
        a.style == b.style && a.proto == b.proto && a.cellPixels == b.cellPixels && a.passthrough == b.passthrough &&
            a.paneOffset == b.paneOffset && a.sixelColors == b.sixelColors
    }
}

/// The pixel protocols sslsan speaks.
public enum GraphicsProtocol: String, Sendable {
    case kitty, sixel
}

extension TerminalCapabilities {
    /// What to draw with for `option`. Pure: tests give it capabilities directly.
    public func choose(_ option: GraphicsOption) -> GraphicsChoice {
        let symbols: ImageStyle = knownSextants ? .sextants : .quadrants
        func pixels(_ p: GraphicsProtocol, forced: Bool) -> GraphicsChoice? {
            // Inside tmux: sixel goes straight through a tmux that draws sixel itself; anything
            // else needs passthrough and the pane's offset.
            let direct = !tmux || (p == .sixel && tmuxSixel)
            if !direct && !(tmuxPassthrough && tmuxPaneOffset != nil) { return nil }
            let cell = cellPixels ?? (forced ? CellPixels(width: 10, height: 20) : nil)
            guard let cell else { return nil }
            var why = forced ? "--graphics \(p.rawValue)" : "the terminal answered the \(p.rawValue) query"
            if cellPixels == nil { why += "; cell size unknown, assuming 10×20 px" } else { why += "; cells \(cell.width)×\(cell.height) px" }
            if !direct { why += "; through tmux passthrough" }
            return GraphicsChoice(style: .pixels, proto: p, cellPixels: cell, passthrough: !direct,
                                  paneOffset: direct ? (0, 0) : tmuxPaneOffset!, sixelColors: Swift.max(16, Swift.min(256, sixelColors ?? 256)), reason: why)
        }
        func cells(_ s: ImageStyle, _ why: String) -> GraphicsChoice { GraphicsChoice(style: s, reason: why) }
        switch option {
        case .kitty, .sixel:
            let p: GraphicsProtocol = option == .kitty ? .kitty : .sixel
            return pixels(p, forced: true) ?? cells(symbols, "--graphics \(p.rawValue): tmux does not pass it through (set -g allow-passthrough on); \(symbols.rawValue) instead")
        case .symbols: return cells(symbols, "--graphics symbols (\(symbols.rawValue))")
        case .sextants: return cells(.sextants, "--graphics sextants")
        case .quadrants: return cells(.quadrants, "--graphics quadrants")
        case .halfblocks: return cells(.halfBlocks, "--graphics halfblocks")
        case .ascii: return cells(.ascii, "--graphics ascii")
        case .auto:
            if kittyGraphics, let c = pixels(.kitty, forced: false) { return c }
            if sixel, let c = pixels(.sixel, forced: false) { return c }
            var why = isTTY ? (answered ? "no pixel protocol answered" : "the terminal did not answer the probe") : "not a terminal"
            if (kittyGraphics || sixel) && cellPixels == nil { why = "pixels possible but the cell size is unknown" }
            if tmux && (kittyGraphics || sixel) && !tmuxPassthrough { why = "tmux without allow-passthrough" }
            return cells(symbols, why + "; \(symbols.rawValue)")
        }
    }
}

/// Sends the queries and reads the replies. Used once, before ncurses takes the terminal.
public enum TerminalProbe {
    /// The queries, fence last. `passthrough` wraps the outer-terminal queries for tmux (the
    /// unwrapped DA1 then is tmux's own, the wrapped one the outer terminal's). Inside tmux
    /// without passthrough the kitty query is left out: tmux takes an APC string for a window
    /// title and would show it in its status line.
    static func queries(tmux: Bool, passthrough: Bool) -> [UInt8] {
        let kitty = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"
        let rest = "\u{1B}[16t\u{1B}[14t\u{1B}[?1;1;0S\u{1B}[?2;1;0S\u{1B}[c"
        if tmux && passthrough { return Array(("\u{1B}[c" + GraphicsEncoder.tmuxWrap(kitty + rest)).utf8) }
        return Array(((tmux ? "" : kitty) + rest).utf8)
    }

    /// Probes the controlling terminal: environment, tmux settings, TIOCGWINSZ, then the
    /// queries with `timeout` seconds for the fence. Never throws; what is unknown stays nil.
    public static func run(timeout: Double = 0.4, environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalCapabilities {
        let t0 = monotonicSeconds()
        var caps = TerminalCapabilities()
        caps.readEnvironment(environment)
        if caps.tmux { readTmux(&caps) }
        // The controlling terminal, even when stdout is redirected (`sslsan doctor > file`).
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0, isatty(fd) != 0 else { if fd >= 0 { close(fd) }; caps.elapsedMS = (monotonicSeconds() - t0) * 1000; return caps }
        defer { close(fd) }
        caps.isTTY = true
        probe(fd: fd, timeout: timeout, into: &caps)
        caps.elapsedMS = (monotonicSeconds() - t0) * 1000
        return caps
    }

    /// The query/reply exchange on an open terminal descriptor (a pty in the tests).
    public static func probe(fd: Int32, timeout: Double, into caps: inout TerminalCapabilities) {
        let size = Terminal.windowSize(fd: fd)
        if let s = size {
            caps.columns = s.columns; caps.rows = s.rows
            if s.xpixel > 0, s.ypixel > 0, s.columns > 0, s.rows > 0 {
                caps.cellPixels = CellPixels(width: s.xpixel / s.columns, height: s.ypixel / s.rows)
                caps.cellPixelsSource = "TIOCGWINSZ"
            }
        }
        var saved = termios()
        let raw = tcgetattr(fd, &saved) == 0
        if raw {
            var t = saved
            t.c_lflag &= ~tcflag_t(ICANON | ECHO)
            withUnsafeMutableBytes(of: &t.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 0 }
            tcsetattr(fd, TCSANOW, &t)
        }
        defer { if raw { tcsetattr(fd, TCSANOW, &saved) } }
        let passthrough = caps.tmux && caps.tmuxPassthrough
        let q = queries(tmux: caps.tmux, passthrough: passthrough)
        _ = q.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
        let fences = passthrough ? 2 : 1
        var reply: [UInt8] = []
        let deadline = monotonicSeconds() + timeout
        var buf = [UInt8](repeating: 0, count: 4096)
        while monotonicSeconds() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, (deadline - monotonicSeconds()) * 1000))
            if poll(&p, 1, ms) <= 0 { continue }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            reply.append(contentsOf: buf[0..<n])
            if parse(reply).fences >= fences { break }
        }
        apply(parse(reply), to: &caps)
        caps.rawReplies = String(decoding: reply, as: UTF8.self).unicodeScalars.map { $0.value == 27 ? "\\e" : ($0.value < 32 ? "^" + String(UnicodeScalar($0.value + 64)!) : String($0)) }.joined()
    }

    /// What a reply stream says.
    public struct Replies: Equatable, Sendable {
        public var fences = 0
        /// DA1 attributes, in the order the replies came.
        public var deviceAttributes: [[Int]] = []
        public var kittyOK = false
        public var cellPixels: (width: Int, height: Int)?
        public var windowPixels: (width: Int, height: Int)?
        public var sixelColors: Int?
        public var sixelGeometry: (width: Int, height: Int)?
        public static func == (a: Replies, b: Replies) -> Bool {
            a.fences == b.fences && a.deviceAttributes == b.deviceAttributes && a.kittyOK == b.kittyOK && a.sixelColors == b.sixelColors &&
                a.cellPixels?.width == b.cellPixels?.width && a.cellPixels?.height == b.cellPixels?.height
        }
    }

    /// Parses replies: CSI sequences (`ESC [ params final`) and kitty's APC (`ESC _ G … ESC \`).
    public static func parse(_ bytes: [UInt8]) -> Replies {
        var r = Replies()
        var i = 0
        while i < bytes.count {
            guard bytes[i] == 27, i + 1 < bytes.count else { i += 1; continue }
            if bytes[i + 1] == UInt8(ascii: "[") {
                var j = i + 2
                while j < bytes.count && !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                guard j < bytes.count else { break }
                let params = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                let final = Character(UnicodeScalar(bytes[j]))
                let priv = params.hasPrefix("?")
                let nums = params.drop { $0 == "?" }.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? -1 }
                switch (final, priv) {
                case ("c", true): r.fences += 1; r.deviceAttributes.append(nums)
                case ("t", false) where nums.count >= 3 && nums[0] == 6: r.cellPixels = (nums[2], nums[1])
                case ("t", false) where nums.count >= 3 && nums[0] == 4: r.windowPixels = (nums[2], nums[1])
                case ("S", true) where nums.count >= 3 && nums[0] == 1 && nums[1] == 0: r.sixelColors = nums[2]
                case ("S", true) where nums.count >= 4 && nums[0] == 2 && nums[1] == 0: r.sixelGeometry = (nums[2], nums[3])
                default: break
                }
                i = j + 1
            } else if bytes[i + 1] == UInt8(ascii: "_") {
                var j = i + 2
                while j + 1 < bytes.count && !(bytes[j] == 27 && bytes[j + 1] == UInt8(ascii: "\\")) { j += 1 }
                let body = String(decoding: bytes[(i + 2)..<min(j, bytes.count)], as: UTF8.self)
                if body.hasPrefix("G"), body.contains("i=31"), body.hasSuffix(";OK") { r.kittyOK = true }
                i = j + 2
            } else { i += 1 }
        }
        return r
    }

    static func apply(_ r: Replies, to caps: inout TerminalCapabilities) {
        caps.answered = r.fences > 0
        // With passthrough the first DA1 is tmux's, the last the outer terminal's.
        if caps.tmux && r.deviceAttributes.count >= 1 { caps.tmuxSixel = r.deviceAttributes[0].contains(4) }
        caps.deviceAttributes = r.deviceAttributes.last ?? []
        caps.kittyGraphics = r.kittyOK
        caps.sixel = caps.deviceAttributes.contains(4) || (caps.tmux && caps.tmuxSixel) || r.sixelGeometry != nil
        caps.sixelColors = r.sixelColors
        caps.sixelMaxWidth = r.sixelGeometry?.width; caps.sixelMaxHeight = r.sixelGeometry?.height
        if let c = r.cellPixels, c.width > 0, c.height > 0 {
            caps.cellPixels = CellPixels(width: c.width, height: c.height); caps.cellPixelsSource = "CSI 16 t"
        } else if caps.cellPixels == nil, let w = r.windowPixels, w.width > 0, caps.columns > 0, caps.rows > 0 {
            caps.cellPixels = CellPixels(width: w.width / caps.columns, height: w.height / caps.rows); caps.cellPixelsSource = "CSI 14 t"
        }
    }

    /// tmux's version, allow-passthrough and this pane's position, from the tmux client.
    static func readTmux(_ caps: inout TerminalCapabilities) {
        caps.tmuxVersion = run("tmux", ["-V"])?.trimmingCharacters(in: .whitespacesAndNewlines)
        let pass = run("tmux", ["show", "-Apv", "allow-passthrough"]) ?? run("tmux", ["show", "-gv", "allow-passthrough"]) ?? ""
        caps.tmuxPassthrough = pass.contains("on") || pass.contains("all")
        let pos = (run("tmux", ["display", "-p", "#{pane_left} #{pane_top}"]) ?? "").split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if pos.count == 2 { caps.paneX = pos[0]; caps.paneY = pos[1] }
    }

    static func run(_ tool: String, _ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}

extension TerminalCapabilities {
    /// The `sslsan doctor` report: one "name: value" line each.
    public func report(choice: GraphicsChoice) -> [String] {
        func yn(_ b: Bool) -> String { b ? "yes" : "no" }
        var l: [String] = []
        l.append("terminal: \(isTTY ? "yes" : "no (no controlling terminal: no queries sent)")")
        l.append("TERM=\(term ?? "-")  TERM_PROGRAM=\(termProgram ?? "-")  COLORTERM=\(colorTerm ?? "-")")
        l.append("kitty window: \(yn(kittyWindow))  WezTerm: \(yn(wezterm))  SSH: \(yn(ssh))")
        if tmux {
            l.append("tmux: yes (\(tmuxVersion ?? "version unknown")), allow-passthrough \(tmuxPassthrough ? "on" : "off"), pane at \(paneX.map(String.init) ?? "?"),\(paneY.map(String.init) ?? "?"), tmux draws sixel: \(yn(tmuxSixel))")
        } else { l.append("tmux: no") }
        if isTTY {
            l.append("answered the probe: \(answered ? "yes" : "no (timed out)") in \(formatFixed(elapsedMS, digits: 1)) ms")
            l.append("device attributes (DA1): \(deviceAttributes.isEmpty ? "-" : deviceAttributes.map(String.init).joined(separator: ";"))")
            l.append("kitty graphics protocol: \(yn(kittyGraphics))")
            var s = "sixel: \(yn(sixel))"
            if let c = sixelColors { s += ", \(c) colour registers" }
            if let w = sixelMaxWidth, let h = sixelMaxHeight { s += ", at most \(w)×\(h) px" }
            l.append(s)
            l.append("window: \(columns)×\(rows) cells; cell size: \(cellPixels.map { "\($0.width)×\($0.height) px (\(cellPixelsSource ?? ""))" } ?? "unknown")")
            l.append("replies: \(rawReplies.isEmpty ? "(none)" : rawReplies)")
        }
        l.append("sextant glyphs expected: \(yn(knownSextants))")
        l.append("graphics (auto): \(choice.proto?.rawValue ?? choice.style.rawValue) (\(choice.reason))")
        return l
    }
}
