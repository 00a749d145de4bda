import Foundation
import Core
import Render
import TUI

/// Scene drawing per image style for `sslsan bench --sections graphics`: a full redraw of the
/// explorer at 120×40 cells in each style (kitty and sixel pixels at 10×20-pixel cells,
/// sextants, quadrants, half blocks, ASCII), and the key-to-screen time of a threshold step and
/// a condition swap (cached maps, and with the audio encoder run for the new clip) for the demo
/// and the full model. "Screen" is the frame composed (`MainScreen.render`), diff-flushed and
/// encoded to the bytes a terminal receives (cells as ANSI sequences by `AnsiBackend`, images
/// by `GraphicsEncoder`: PNG + base64 for kitty, libsixel for sixel); the terminal's own
/// drawing time is not included.
public enum GraphicsBench {
    public static func run(checkpoint: String?, data: String?, seconds: Double = 1.0) throws -> [String: Any] {
        var out: [String: Any] = [:]
        let size = (width: 120, height: 40)
        let cell = CellPixels(width: 10, height: 20)
        let styles: [(String, ImageStyle, GraphicsProtocol?)] = [("kitty", .pixels, .kitty), ("sixel", .pixels, .sixel), ("sextants", .sextants, nil),
                                                                 ("quadrants", .quadrants, nil), ("halfblocks", .halfBlocks, nil), ("ascii", .ascii, nil)]
        var models: [(String, any ExplorerModel)] = []
        if let c = checkpoint { models.append(("demo", try SSLSaNExplorerModel(path: c))) }
        else { models.append(("demo", SSLSaNExplorerModel(model: SSLSaNModel(config: try ModelConfig.named("demo"), seed: 1), name: "random-demo"))) }
        models.append(("full", SSLSaNExplorerModel(model: SSLSaNModel(config: try ModelConfig.named("full"), seed: 1), name: "random-full")))
        for (modelName, model) in models {
            let fx = try ExplorerBench.Fixture(model: model, data: data)
            var state = fx.state
            state.focus = .scene
            state.crosshair = nil
            for (name, style, proto) in styles {
                let mode = RenderMode(colors: .trueColor, unicode: true, images: style, cellPixels: style == .pixels ? cell : nil)
                let backend = AnsiBackend(graphics: proto.map { GraphicsEncoder(proto: $0) })
                let flusher = FrameFlusher()
                func screen(_ s: ExplorerState) {
                    flusher.draw(MainScreen.render(s, width: size.width, height: size.height, mode: mode), to: backend)
                }
                var r: [String: Double] = [:]
                if modelName == "demo" {
                    r["full_redraw_ms"] = ExplorerBench.timeIt(seconds) { flusher.invalidate(); screen(state) } * 1000
                    backend.bytes = 0
                    flusher.invalidate(); screen(state)
                    r["full_redraw_kbytes"] = Double(backend.bytes) / 1024
                }
                screen(state)
                var sign = 1.0
                r["threshold_step_ms"] = ExplorerBench.timeIt(seconds) {
                    sign = -sign
                    _ = state.handle(.char(sign > 0 ? "+" : "-"), now: 0, size: size)
                    screen(state)
                } * 1000
                var k = 0
                r["condition_swap_cached_ms"] = ExplorerBench.timeIt(seconds) {
                    k += 1
                    _ = state.handle(.char(Character(String(1 + k % 4))), now: 0, size: size)
                    screen(state)
                } * 1000
                _ = state.handle(.char("1"), now: 0, size: size)
                r["condition_swap_encode_ms"] = ExplorerBench.timeIt(seconds) {
                    k += 1
                    let c = AudioCondition.allCases[k % 2 == 0 ? 0 : 3]
                    state.scene!.maps[c.index] = model.model.map(visual: fx.visual, audio: fx.session.embedding(fx.clip, condition: c))
                    _ = state.handle(.char(c == .positive ? "1" : "4"), now: 0, size: size)
                    screen(state)
                } * 1000
                out["\(modelName)_\(name)"] = r
            }
        }
        out["size"] = "120x40 cells, 10x20 px cells for pixels"
        return out
    }
}

/// A terminal that encodes what it is given as a real one would receive it (cursor moves,
/// 24-bit SGR colours, UTF-8 characters; images through `GraphicsEncoder`) and counts the bytes.
final class AnsiBackend: TerminalBackend {
    var bytes = 0
    let graphics: GraphicsEncoder?
    private var buffer: [UInt8] = []
    init(graphics: GraphicsEncoder?) { self.graphics = graphics; buffer.reserveCapacity(1 << 16) }
    func beginFrame(_ frame: CellBuffer) -> Bool { true }
    func clear() { buffer += Array("\u{1B}[2J".utf8) }
    var writesLastCell: Bool { false }
    func write(_ c: Cell, x: Int, y: Int) {
        var s = "\u{1B}[\(y + 1);\(x + 1)H\u{1B}[0"
        if let f = c.fg { s += ";38;2;\(f.r);\(f.g);\(f.b)" }
        if let b = c.bg { s += ";48;2;\(b.r);\(b.g);\(b.b)" }
        s += "m"
        s.append(c.char)
        buffer += Array(s.utf8)
    }
    func present() { bytes += buffer.count; buffer.removeAll(keepingCapacity: true) }
    var imagesAreCells: Bool { graphics?.proto == .sixel }
    func eraseImage(id: UInt32, cells: Rect) { if let g = graphics { bytes += g.erase(id: id).count } }
    func eraseAllImages() { if let g = graphics { bytes += g.eraseAll().count } }
    func drawImage(_ image: PixelImage, id: UInt32) { if let g = graphics, let b = try? g.show(image, id: id) { bytes += b.count } }
}
