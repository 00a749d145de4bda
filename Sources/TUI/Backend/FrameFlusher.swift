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
}

/// Double buffering: keeps the last frame flushed and writes only the cells that changed since.
/// A frame of another size, or after `invalidate()`, is written in full after a clear.
public final class FrameFlusher {
    private var previous: CellBuffer?
    /// Cells written by the last `draw` (the bench and the tests read it).
    public private(set) var lastCellsWritten = 0

    public init() {}

    /// Forget the previous frame (after Ctrl-L or a resize): the next draw repaints everything.
    public func invalidate() { previous = nil }

    public func draw(_ frame: CellBuffer, to backend: any TerminalBackend) {
        let trusted = backend.beginFrame(frame)
        let prev = trusted ? previous.flatMap { $0.width == frame.width && $0.height == frame.height ? $0 : nil } : nil
        if prev == nil { backend.clear() }
        var written = 0
        let w = frame.width, last = frame.width * frame.height - 1
        for i in 0..<frame.cells.count {
            let c = frame.cells[i]
            if let p = prev, p.cells[i] == c { continue }
            if i == last && !backend.writesLastCell { continue }
            backend.write(c, x: i % w, y: i / w)
            written += 1
        }
        lastCellsWritten = written
        previous = frame
        backend.present()
    }
}
