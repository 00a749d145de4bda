import XCTest
import Foundation
import Core
import Render
@testable import TUI
import CNcursesw

/// Pixel output at the escape-sequence level: kitty and sixel sequences decoded back to pixels,
/// tmux passthrough, the flusher's image bookkeeping, and the capability probe against a pty.
final class GraphicsTests: XCTestCase {
    /// A photograph-like test image: smooth gradients, a hard-edged square and fine texture.
    static func testImage(width: Int = 120, height: Int = 80) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                var c = (UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8((x * 3 + y * 5) % 97 + 80))
                if x > 30 && x < 60 && y > 20 && y < 50 { c = (240, 220, 30) }
                img.setPixel(x, y, c)
            }
        }
        return img
    }

    /// Incompressible pixels (a 64-bit LCG), so the PNG needs several chunks.
    static func noise(_ w: Int, _ h: Int) -> RGBImage {
        var state: UInt64 = 0x9E3779B97F4A7C15
        return RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        })
    }

    // MARK: decoders (what a terminal does with our bytes)

    /// The kitty graphics commands in `bytes`: (keys of the first chunk, the image).
    static func decodeKitty(_ bytes: [UInt8]) throws -> (keys: [String: String], image: RGBImage, chunks: [Int]) {
        let s = String(decoding: bytes, as: UTF8.self)
        var keys: [String: String] = [:]
        var payload = ""
        var chunks: [Int] = []
        var rest = Substring(s)
        while let start = rest.range(of: "\u{1B}_G") {
            let after = rest[start.upperBound...]
            guard let end = after.range(of: "\u{1B}\\") else { break }
            let body = after[..<end.lowerBound]
            let parts = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            let kv = Dictionary(uniqueKeysWithValues: parts[0].split(separator: ",").map { p -> (String, String) in
                let e = p.split(separator: "=", maxSplits: 1); return (String(e[0]), e.count > 1 ? String(e[1]) : "")
            })
            if keys.isEmpty { keys = kv }
            if parts.count > 1 { payload += parts[1]; chunks.append(parts[1].count) }
            rest = after[end.upperBound...]
        }
        guard let png = Data(base64Encoded: payload) else { throw SSLSaNError("kitty payload is not base64") }
        let path = NSTemporaryDirectory() + "sslsan-kitty-\(getpid()).png"
        try png.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (keys, try PNGFile.read(path), chunks)
    }

    /// A sixel decoder (DEC VT340 rules as xterm applies them): colour registers `#n;2;r;g;b`
    /// (percent), `!n` repeats, `$` carriage return, `-` next band of six rows.
    static func decodeSixel(_ bytes: [UInt8], background: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> RGBImage? {
        guard let p = bytes.firstIndex(of: UInt8(ascii: "q")) else { return nil }
        var i = p + 1
        var width = 0, height = 0
        var palette: [Int: (UInt8, UInt8, UInt8)] = [:]
        var colour = (UInt8(0), UInt8(0), UInt8(0))
        var x = 0, band = 0
        var px: [Int: (UInt8, UInt8, UInt8)] = [:]
        func number() -> Int {
            var n = 0
            while i < bytes.count, (48...57).contains(bytes[i]) { n = n * 10 + Int(bytes[i] - 48); i += 1 }
            return n
        }
        func numbers() -> [Int] {
            var out = [number()]
            while i < bytes.count, bytes[i] == UInt8(ascii: ";") { i += 1; out.append(number()) }
            return out
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 27 { break }
            switch b {
            case UInt8(ascii: "\""): i += 1; let n = numbers(); if n.count >= 4 { width = n[2]; height = n[3] }
            case UInt8(ascii: "#"):
                i += 1
                let n = numbers()
                if n.count >= 5 && n[1] == 2 {
                    palette[n[0]] = (UInt8((n[2] * 255 + 50) / 100), UInt8((n[3] * 255 + 50) / 100), UInt8((n[4] * 255 + 50) / 100))
                }
                colour = palette[n[0]] ?? (0, 0, 0)
            case UInt8(ascii: "!"):
                i += 1
                let n = number()
                guard i < bytes.count else { break }
                let bits = Int(bytes[i]) - 63
                for k in 0..<6 where bits & (1 << k) != 0 { for d in 0..<n { px[(band * 6 + k) << 16 | (x + d)] = colour } }
                x += n; i += 1
            case UInt8(ascii: "$"): x = 0; i += 1
            case UInt8(ascii: "-"): x = 0; band += 1; i += 1
            case 63...126:
                let bits = Int(b) - 63
                for k in 0..<6 where bits & (1 << k) != 0 { px[(band * 6 + k) << 16 | x] = colour }
                x += 1; i += 1
            default: i += 1
            }
        }
        guard width > 0, height > 0 else { return nil }
        var img = RGBImage(width: width, height: height, fill: background)
        for (k, c) in px where (k >> 16) < height && (k & 0xFFFF) < width { img.setPixel(k & 0xFFFF, k >> 16, c) }
        return img
    }

    /// Peak signal-to-noise ratio in dB over all channels.
    static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        var se = 0.0
        for i in 0..<a.pixels.count { let d = Double(a.pixels[i]) - Double(b.pixels[i]); se += d * d }
        let mse = se / Double(a.pixels.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    // MARK: kitty

    /// The kitty sequence carries the image losslessly (PNG), at its cells, in 4096-byte chunks,
    /// with the cursor saved and restored round it.
    func testKittySequenceDecodesToTheImage() throws {
        let img = Self.testImage()
        let pi = PixelImage(cells: Rect(x: 7, y: 3, width: 12, height: 4), image: img)
        let bytes = try GraphicsEncoder(proto: .kitty).show(pi, id: 5)
        let s = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(s.hasPrefix("\u{1B}7\u{1B}[4;8H"), "cursor saved and moved to row 4, column 8 (1-based)")
        XCTAssertTrue(s.hasSuffix("\u{1B}8"))
        let d = try Self.decodeKitty(bytes)
        XCTAssertEqual(d.keys["a"], "T"); XCTAssertEqual(d.keys["f"], "100"); XCTAssertEqual(d.keys["i"], "5")
        XCTAssertEqual(d.keys["c"], "12"); XCTAssertEqual(d.keys["r"], "4"); XCTAssertEqual(d.keys["q"], "2")
        XCTAssertEqual(d.image, img, "PNG is lossless: the decoded image is the image")
        // Chunks of 4096 base64 bytes, the last one shorter.
        XCTAssertTrue(d.chunks.dropLast().allSatisfy { $0 == 4096 } && d.chunks.last! <= 4096 && d.chunks.last! > 0, "\(d.chunks)")
        let big = try Self.decodeKitty(try GraphicsEncoder(proto: .kitty).show(PixelImage(cells: pi.cells, image: Self.noise(200, 150)), id: 6))
        XCTAssertGreaterThan(big.chunks.count, 1)
        XCTAssertEqual(big.image, Self.noise(200, 150))
        XCTAssertEqual(String(decoding: GraphicsEncoder(proto: .kitty).erase(id: 5), as: UTF8.self), "\u{1B}_Ga=d,d=I,i=5,q=2\u{1B}\\")
    }

    /// Inside tmux every sequence is wrapped in passthrough with its escapes doubled, and the
    /// position is the pane's offset plus the cell; unwrapped, it decodes to the same image.
    func testTmuxPassthroughWrapsEachSequence() throws {
        let img = Self.testImage(width: 40, height: 30)
        let pi = PixelImage(cells: Rect(x: 2, y: 1, width: 5, height: 2), image: img)
        let bytes = try GraphicsEncoder(proto: .kitty, passthrough: true, paneOffset: (x: 40, y: 10)).show(pi, id: 1)
        let s = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(s.hasPrefix("\u{1B}Ptmux;\u{1B}\u{1B}7\u{1B}\u{1B}[12;43H\u{1B}\\"), String(s.prefix(40)).debugDescription)
        // Unwrap: drop the envelopes, undouble the escapes.
        var inner = ""
        for part in s.components(separatedBy: "\u{1B}Ptmux;").dropFirst() {
            guard part.hasSuffix("\u{1B}\\") else { return XCTFail("unterminated passthrough") }
            inner += String(part.dropLast(2)).replacingOccurrences(of: "\u{1B}\u{1B}", with: "\u{1B}")
        }
        XCTAssertEqual(try Self.decodeKitty(Array(inner.utf8)).image, img)
    }

    // MARK: sixel

    /// libsixel's sequence, decoded as a VT340 does, reproduces the image within the error of a
    /// 256-colour palette: PSNR ≥ 30 dB (median cut on this image leaves an RMS error of a few
    /// levels; a wrong placement, band order or palette would give < 15 dB).
    func testSixelSequenceDecodesToTheImage() throws {
        let img = Self.testImage()
        let pi = PixelImage(cells: Rect(x: 0, y: 0, width: 12, height: 4), image: img)
        let bytes = try GraphicsEncoder(proto: .sixel, sixelColors: 256).show(pi, id: 1)
        guard let dcs = bytes.firstIndex(of: 0x50).map({ $0 - 1 }), bytes[dcs] == 27 else { return XCTFail("no DCS") }
        let decoded = try XCTUnwrap(Self.decodeSixel(Array(bytes[dcs...])))
        XCTAssertEqual(decoded.width, img.width); XCTAssertEqual(decoded.height, img.height)
        let db = Self.psnr(decoded, img)
        XCTAssertGreaterThan(db, 30, "sixel PSNR \(db) dB")
        // 16 registers (a VT340's own) still gives a recognisable picture.
        let few = try GraphicsEncoder(proto: .sixel, sixelColors: 16).show(pi, id: 1)
        let d16 = try XCTUnwrap(Self.decodeSixel(Array(few[few.firstIndex(of: 0x50)! - 1..<few.count])))
        XCTAssertGreaterThan(Self.psnr(d16, img), 18)
        XCTAssertEqual(GraphicsEncoder(proto: .sixel).erase(id: 1), [], "sixel erases by repainting cells")
    }

    // MARK: the flusher's images

    final class ImageBackend: TerminalBackend {
        var log: [String] = []
        let imagesAreCells: Bool
        init(cells: Bool) { imagesAreCells = cells }
        func beginFrame(_ frame: CellBuffer) -> Bool { true }
        func clear() { log.append("clear") }
        func write(_ cell: Cell, x: Int, y: Int) {}
        func present() { log.append("present") }
        var writesLastCell: Bool { true }
        func eraseImage(id: UInt32, cells: Rect) { log.append("erase \(id)") }
        func eraseAllImages() { log.append("eraseAll") }
        func drawImage(_ image: PixelImage, id: UInt32) { log.append("draw \(id)@\(image.cells.x),\(image.cells.y)") }
    }

    func frame(_ images: [PixelImage], cover: (Int, Int)? = nil) -> CellBuffer {
        var b = CellBuffer(width: 40, height: 12)
        b.put("title", x: 0, y: 0)
        b.images = images
        if let (x, y) = cover { b[x, y] = Cell("?", bg: RGB(1, 2, 3)) }
        return b
    }

    /// Images go after the cells, only when they change; a moved image is erased first; a
    /// dialog over an image hides it; a full redraw erases all and draws again.
    func testFlusherDrawsImagesAfterCellsOnlyWhenNeeded() {
        let a = PixelImage(cells: Rect(x: 2, y: 2, width: 6, height: 4), image: RGBImage(width: 6, height: 8, fill: (9, 9, 9)))
        let term = ImageBackend(cells: false), f = FrameFlusher()
        f.draw(frame([a]), to: term)
        XCTAssertEqual(term.log, ["eraseAll", "clear", "present", "draw 1@2,2"])
        term.log = []
        f.draw(frame([a]), to: term)
        XCTAssertEqual(term.log, ["present"], "unchanged: nothing sent")
        var a2 = a; a2.image = RGBImage(width: 6, height: 8, fill: (200, 9, 9))
        term.log = []
        f.draw(frame([a2]), to: term)
        XCTAssertEqual(term.log, ["present", "draw 1@2,2"], "new pixels, same cells: redrawn in place")
        var moved = a2; moved.cells.x = 10
        term.log = []
        f.draw(frame([moved]), to: term)
        XCTAssertEqual(term.log, ["erase 1", "present", "draw 1@10,2"])
        term.log = []
        f.draw(frame([moved], cover: (12, 3)), to: term)
        XCTAssertEqual(term.log, ["erase 1", "present"], "covered by a dialog: hidden")
        XCTAssertEqual(f.lastImagesDrawn, 0)
        term.log = []
        f.invalidate()
        f.draw(frame([moved]), to: term)
        XCTAssertEqual(term.log, ["eraseAll", "clear", "present", "draw 1@10,2"])
    }

    /// Sixel images are cell content: erasing one repaints its rows, so another image on those
    /// rows is drawn again.
    func testSixelEraseRedrawsImagesOnTheSameRows() {
        let img = RGBImage(width: 4, height: 4, fill: (1, 1, 1))
        let left = PixelImage(cells: Rect(x: 1, y: 2, width: 4, height: 4), image: img)
        let right = PixelImage(cells: Rect(x: 20, y: 2, width: 4, height: 4), image: img)
        let term = ImageBackend(cells: true), f = FrameFlusher()
        f.draw(frame([left, right]), to: term)
        var l2 = left; l2.cells.y = 3
        term.log = []
        f.draw(frame([l2, right]), to: term)
        XCTAssertEqual(term.log, ["erase 1", "present", "draw 1@1,3", "draw 2@20,2"])
    }

    // MARK: the probe

    /// Replies are parsed whatever order they arrive in; DA1 is the fence.
    func testProbeParsesReplies() {
        let reply = "\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[6;20;10t\u{1B}[?1;0;1024S\u{1B}[?2;0;1000;1000S\u{1B}[?63;1;2;4;6;9;15;22c"
        let r = TerminalProbe.parse(Array(reply.utf8))
        XCTAssertEqual(r.fences, 1)
        XCTAssertTrue(r.kittyOK)
        XCTAssertEqual(r.cellPixels?.width, 10); XCTAssertEqual(r.cellPixels?.height, 20)
        XCTAssertEqual(r.sixelColors, 1024)
        XCTAssertEqual(r.deviceAttributes, [[63, 1, 2, 4, 6, 9, 15, 22]])
        var caps = TerminalCapabilities()
        TerminalProbe.apply(r, to: &caps)
        XCTAssertTrue(caps.sixel); XCTAssertTrue(caps.kittyGraphics)
        XCTAssertEqual(caps.cellPixels, CellPixels(width: 10, height: 20))
        let error = TerminalProbe.parse(Array("\u{1B}_Gi=31;ENOENT:no such\u{1B}\\\u{1B}[?62;22c".utf8))
        XCTAssertFalse(error.kittyOK)
        // tmux shows an APC string as the window title: no kitty query without passthrough;
        // with it, tmux's own DA1 first and the outer terminal's queries wrapped.
        let plainTmux = String(decoding: TerminalProbe.queries(tmux: true, passthrough: false), as: UTF8.self)
        XCTAssertFalse(plainTmux.contains("\u{1B}_G")); XCTAssertTrue(plainTmux.hasSuffix("\u{1B}[c"))
        let wrapped = String(decoding: TerminalProbe.queries(tmux: true, passthrough: true), as: UTF8.self)
        XCTAssertTrue(wrapped.hasPrefix("\u{1B}[c\u{1B}Ptmux;\u{1B}\u{1B}_G"), wrapped.debugDescription)
    }

    /// The choice: kitty over sixel over symbols; tmux needs passthrough; a forced protocol
    /// without a known cell size assumes one; sextants only where the font is known to have them.
    func testChoice() {
        var c = TerminalCapabilities()
        c.isTTY = true; c.answered = true
        c.term = "xterm-256color"
        XCTAssertEqual(c.choose(.auto).style, .quadrants)
        c.sixel = true
        XCTAssertEqual(c.choose(.auto).style, .quadrants, "sixel without a cell size")
        c.cellPixels = CellPixels(width: 6, height: 13)
        XCTAssertEqual(c.choose(.auto).proto, .sixel)
        c.kittyGraphics = true
        XCTAssertEqual(c.choose(.auto).proto, .kitty)
        XCTAssertEqual(c.choose(.symbols).style, .sextants, "a kitty terminal draws sextants")
        c.tmux = true
        XCTAssertEqual(c.choose(.auto).style, .sextants, "tmux without passthrough: symbols")
        c.tmuxPassthrough = true; c.paneX = 3; c.paneY = 4
        let t = c.choose(.auto)
        XCTAssertEqual(t.proto, .kitty); XCTAssertTrue(t.passthrough); XCTAssertEqual(t.paneOffset.x, 3)
        var plain = TerminalCapabilities()
        plain.term = "xterm"
        let forced = plain.choose(.sixel)
        XCTAssertEqual(forced.proto, .sixel); XCTAssertEqual(forced.cellPixels, CellPixels(width: 10, height: 20))
        XCTAssertEqual(plain.choose(.halfblocks).style, .halfBlocks)
    }

    /// A pseudo-terminal: (master, slave) descriptors.
    func pty() throws -> (Int32, Int32) {
        var m: Int32 = -1, s: Int32 = -1
        guard sslsan_open_pty(&m, &s) == 0 else { throw XCTSkip("no pseudo-terminals here (/dev/ptmx)") }
        return (m, s)
    }

    /// A terminal that answers nothing costs the timeout once and leaves everything unknown;
    /// one that answers the fence ends the probe at once.
    func testProbeOnAPseudoTerminal() throws {
        let (m, s) = try pty()
        defer { close(m); close(s) }
        var silent = TerminalCapabilities()
        let t0 = monotonicSeconds()
        TerminalProbe.probe(fd: s, timeout: 0.3, into: &silent)
        let took = monotonicSeconds() - t0
        XCTAssertFalse(silent.answered); XCTAssertFalse(silent.kittyGraphics); XCTAssertFalse(silent.sixel)
        XCTAssertGreaterThanOrEqual(took, 0.29); XCTAssertLessThan(took, 2.0)
        // The queries reached the terminal: kitty's, the cell size, XTSMGRAPHICS, then DA1.
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(m, &buf, buf.count)
        let sent = String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        XCTAssertTrue(sent.contains("\u{1B}_Gi=31,"), sent.debugDescription)
        XCTAssertTrue(sent.hasSuffix("\u{1B}[c"), sent.debugDescription)
        // An answering terminal.
        let answer = Array("\u{1B}[6;16;8t\u{1B}[?62;4;22c".utf8)
        let responder = Thread {
            var b = [UInt8](repeating: 0, count: 4096)
            var got = ""
            while !got.contains("\u{1B}[c") {
                let k = read(m, &b, b.count)
                if k <= 0 { return }
                got += String(decoding: b[0..<k], as: UTF8.self)
            }
            _ = answer.withUnsafeBufferPointer { write(m, $0.baseAddress, $0.count) }
        }
        responder.start()
        var caps = TerminalCapabilities()
        let t1 = monotonicSeconds()
        TerminalProbe.probe(fd: s, timeout: 3, into: &caps)
        XCTAssertLessThan(monotonicSeconds() - t1, 2.5, "the fence ends the probe before the timeout")
        XCTAssertTrue(caps.answered); XCTAssertTrue(caps.sixel)
        XCTAssertEqual(caps.cellPixels, CellPixels(width: 8, height: 16)); XCTAssertEqual(caps.cellPixelsSource, "CSI 16 t")
    }
}
