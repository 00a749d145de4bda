import CSixel
import Core
import Foundation
import Render

/// Escape sequences that draw `PixelImage`s: the kitty graphics protocol (PNG, base64, in
/// chunks of 4096) or sixel (libsixel's encoder), positioned at the image's cells, the cursor
/// saved and restored around them so ncurses' idea of the cursor stays right. Inside tmux the
/// sequences can be wrapped in passthrough, addressing the outer terminal's cells (the pane's
/// offset added). Pure byte production; `Terminal` writes the bytes after its cell flush.
public struct GraphicsEncoder: Sendable {
    public var proto: GraphicsProtocol
    public var passthrough = false
    public var paneOffset = (x: 0, y: 0)
    /// Sixel colour registers to use (the terminal's XTSMGRAPHICS answer, at most 256).
    public var sixelColors = 256

    public init(proto: GraphicsProtocol, passthrough: Bool = false, paneOffset: (x: Int, y: Int) = (0, 0), sixelColors: Int = 256) {
        self.proto = proto; self.passthrough = passthrough; self.paneOffset = paneOffset; self.sixelColors = sixelColors
    }

    public init(_ choice: GraphicsChoice) {
        self.init(proto: choice.proto ?? .sixel, passthrough: choice.passthrough, paneOffset: choice.paneOffset, sixelColors: choice.sixelColors)
    }

    /// The sequence that draws `image` (kitty: as image `id`, replacing an earlier one).
    public func show(_ image: PixelImage, id: UInt32) throws -> [UInt8] {
        let move = "\u{1B}7\u{1B}[\(image.cells.y + paneOffset.y + 1);\(image.cells.x + paneOffset.x + 1)H"
        // In passthrough the cursor moves happen in the outer terminal, so they are wrapped too.
        var out = wrap(Array(move.utf8))
        switch proto {
        case .kitty:
            let png = try PNGFile.encode(image.image, level: 1)
            let b64 = Array(Data(png).base64EncodedData())
            let chunk = 4096
            var offset = 0
            var first = true
            repeat {
                let end = Swift.min(b64.count, offset + chunk)
                let more = end < b64.count ? 1 : 0
                // q=2: no replies; C=1: the cursor stays; z=-1: under text, so a dialog drawn
                // over the image (cells with a background) hides it; c, r: exactly its cells.
                let keys = first ? "a=T,f=100,i=\(id),p=1,q=2,C=1,z=-1,c=\(image.cells.width),r=\(image.cells.height),m=\(more)" : "m=\(more)"
                out += wrap(Array("\u{1B}_G\(keys);".utf8) + b64[offset..<end] + Array("\u{1B}\\".utf8))
                offset = end
                first = false
            } while offset < b64.count
        case .sixel:
            var length = 0
            let bytes = image.image.pixels.withUnsafeBufferPointer { p in
                sslsan_sixel_encode(p.baseAddress, Int32(image.image.width), Int32(image.image.height), Int32(sixelColors), 0, &length)
            }
            guard let bytes else { throw SSLSaNError("sixel encoding of a \(image.image.width)×\(image.image.height) image failed") }
            defer { sslsan_sixel_free(bytes) }
            out += wrap(Array(UnsafeBufferPointer(start: bytes, count: length)))
        }
        out += wrap(Array("\u{1B}8".utf8))
        return out
    }

    /// Removes image `id` (kitty: its placements and data). Sixel pixels belong to the cells
    /// they cover, so sixel erases by repainting those cells (`Terminal`); nothing to send.
    public func erase(id: UInt32) -> [UInt8] {
        guard proto == .kitty else { return [] }
        return wrap(Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8))
    }

    /// Removes every image (after a resize or Ctrl-L, and when the explorer exits).
    public func eraseAll() -> [UInt8] {
        guard proto == .kitty else { return [] }
        return wrap(Array("\u{1B}_Ga=d,d=A,q=2\u{1B}\\".utf8))
    }

    /// tmux passthrough when enabled: `ESC P tmux; <sequence with every ESC doubled> ESC \`,
    /// one wrap per sequence (per kitty chunk), as tmux forwards each on its own.
    func wrap(_ bytes: [UInt8]) -> [UInt8] { passthrough ? Self.tmuxWrap(bytes) : bytes }

    public static func tmuxWrap(_ s: String) -> String {
        "\u{1B}Ptmux;" + s.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
    }

    static func tmuxWrap(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array("\u{1B}Ptmux;".utf8)
        out.reserveCapacity(bytes.count + bytes.count / 64 + 16)
        for b in bytes { out.append(b); if b == 27 { out.append(27) } }
        out += Array("\u{1B}\\".utf8)
        return out
    }
}
