import Foundation
import Render

/// Where frames go: a terminal that can write one cell at a time (ratatui's `Backend`). The
/// ncurses terminal (`Terminal`) is one; tests use an in-memory one. Backends encode cells and
/// nothing more: colours and characters were already made to fit the terminal by Render
/// (`CellBuffer.conform(to:)`).
public protocol TerminalBackend: AnyObject {
    /// Prepares to show `frame`. Returns false when the backend can no longer trust what is on
    /// screen (ncurses had to reset its colour-pair table), so the frame must be written in full.
    func beginFrame(_ frame: CellBuffer) -> Bool
    /// Blanks the whole screen.
    func clear()
    func write(_ cell: Cell, x: Int, y: Int)
    /// Makes the writes of this frame visible.
    func present()
    /// Whether the bottom-right cell may be written (writing it scrolls some terminals).
    var writesLastCell: Bool { get }

    // Pixel images (`CellBuffer.images`); backends without graphics keep the defaults.

    /// Whether images are pixels of the cells they cover (sixel): erasing one repaints its
    /// rows, which erases every image on those rows. (Kitty images are separate objects.)
    var imagesAreCells: Bool { get }
    /// Before the cells of a frame: image `id`, shown over `cells`, goes.
    func eraseImage(id: UInt32, cells: Rect)
    /// Before the cells of a full redraw: every image goes.
    func eraseAllImages()
    /// After `present()`: draws `image` over its blank cells as image `id`.
    func drawImage(_ image: PixelImage, id: UInt32)
}

extension TerminalBackend {
    public var imagesAreCells: Bool { false }
    public func eraseImage(id: UInt32, cells: Rect) {}
    public func eraseAllImages() {}
    public func drawImage(_ image: PixelImage, id: UInt32) {}
}

/// Double buffering: keeps the last frame flushed and writes only the cells that changed since.
/// A frame of another size, or after `invalidate()`, is written in full after a clear.
///
/// Pixel images go after the cells: an image is shown when all its cells are blank in the frame
/// (a dialog drawn over it hides it), drawn again only when it changed, moved, or something
/// wrote over its pixels (a cell inside it, a sixel erase repainting its rows), and erased
/// before the cells when it moved, went or was covered.
public final class FrameFlusher {
    private var previous: CellBuffer?
    /// The images on screen, by id (1 + index in the frame's `images`).
    private var shown: [UInt32: PixelImage] = [:]
    /// Cells written by the last `draw` (the bench and the tests read it).
    public private(set) var lastCellsWritten = 0
    /// Images drawn by the last `draw`.
    public private(set) var lastImagesDrawn = 0

    public init() {}

    /// Forget the previous frame (after Ctrl-L or a resize): the next draw repaints everything,
    /// images included.
    public func invalidate() { previous = nil }

    public func draw(_ frame: CellBuffer, to backend: any TerminalBackend) {
        let trusted = backend.beginFrame(frame)
        let prev = trusted ? previous.flatMap { $0.width == frame.width && $0.height == frame.height ? $0 : nil } : nil
        var visible: [UInt32: PixelImage] = [:]
        for (k, img) in frame.images.enumerated() where Self.uncovered(img.cells, in: frame) { visible[UInt32(k + 1)] = img }
        // Images that moved, went or were covered go before the cells are written.
        var repaintedRows = IndexSet()
        if prev == nil {
            if !shown.isEmpty || !visible.isEmpty { backend.eraseAllImages() }
            shown = [:]
        } else {
            for (id, old) in shown.sorted(by: { $0.key < $1.key }) where visible[id]?.cells != old.cells {
                backend.eraseImage(id: id, cells: old.cells)
                if backend.imagesAreCells { repaintedRows.insert(integersIn: old.cells.y..<old.cells.maxY) }
                shown[id] = nil
            }
        }
        if prev == nil { backend.clear() }
        var written = 0
        var overwritten = Set<UInt32>()
        let w = frame.width, last = frame.width * frame.height - 1
        for i in 0..<frame.cells.count {
            let c = frame.cells[i]
            if let p = prev, p.cells[i] == c { continue }
            if i == last && !backend.writesLastCell { continue }
            let x = i % w, y = i / w
            backend.write(c, x: x, y: y)
            written += 1
            for (id, img) in visible where img.cells.contains(x: x, y: y) { overwritten.insert(id) }
        }
        lastCellsWritten = written
        previous = frame
        backend.present()
        var drawn = 0
        for (id, img) in visible.sorted(by: { $0.key < $1.key }) {
            // A sixel erase repainted rows of this image: its pixels there are gone.
            let hit = !repaintedRows.intersection(IndexSet(integersIn: img.cells.y..<img.cells.maxY)).isEmpty
            if shown[id] == img && !overwritten.contains(id) && !hit { continue }
            backend.drawImage(img, id: id)
            shown[id] = img
            drawn += 1
        }
        lastImagesDrawn = drawn
    }

    /// Whether every cell of `rect` (inside the frame) is blank: the image's placeholder.
    static func uncovered(_ rect: Rect, in frame: CellBuffer) -> Bool {
        for y in max(0, rect.y)..<min(frame.height, rect.maxY) {
            for x in max(0, rect.x)..<min(frame.width, rect.maxX) where frame[x, y] != .blank { return false }
        }
        return true
    }
}
