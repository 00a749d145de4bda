import XCTest
import Render
import TUI

/// An in-memory terminal: what is on screen, and every write of the last frame.
final class MemoryBackend: TerminalBackend {
    var screen: CellBuffer
    var writes: [(x: Int, y: Int)] = []
    var clears = 0
    var presents = 0
    var trusted = true
    let writesLastCell: Bool

    init(width: Int, height: Int, writesLastCell: Bool = true) {
        screen = CellBuffer(width: width, height: height, fill: Cell("?"))
        self.writesLastCell = writesLastCell
    }
    func resize(width: Int, height: Int) { screen = CellBuffer(width: width, height: height, fill: Cell("?")) }
    func beginFrame(_ frame: CellBuffer) -> Bool { writes = []; return trusted }
    func clear() { clears += 1; screen = CellBuffer(width: screen.width, height: screen.height) }
    func write(_ cell: Cell, x: Int, y: Int) { screen[x, y] = cell; writes.append((x, y)) }
    func present() { presents += 1 }
}

/// The diff flush (ratatui's double buffering), against the in-memory backend.
final class FrameFlusherTests: XCTestCase {
    func frame(_ w: Int, _ h: Int, _ text: [String]) -> CellBuffer {
        var b = CellBuffer(width: w, height: h)
        for (y, t) in text.enumerated() { b.put(t, x: 0, y: y) }
        return b
    }

    func testFirstFrameIsFullThenOnlyChangedCells() {
        let term = MemoryBackend(width: 6, height: 2), f = FrameFlusher()
        let a = frame(6, 2, ["hello", "world"])
        f.draw(a, to: term)
        XCTAssertEqual(term.clears, 1)
        XCTAssertEqual(f.lastCellsWritten, 12)
        XCTAssertEqual(term.screen, a)
        // B differs from A in two cells: only those are written.
        var b = a
        b[1, 0] = Cell("a"); b[4, 1] = Cell("D", fg: RGB(1, 2, 3))
        f.draw(b, to: term)
        XCTAssertEqual(term.clears, 1)
        XCTAssertEqual(f.lastCellsWritten, 2)
        XCTAssertEqual(term.writes.map { [$0.x, $0.y] }, [[1, 0], [4, 1]])
        XCTAssertEqual(term.screen, b)
        // A colour change alone is a change.
        var c = b
        c[0, 0].fg = RGB(9, 9, 9)
        f.draw(c, to: term)
        XCTAssertEqual(term.writes.map { [$0.x, $0.y] }, [[0, 0]])
        // The same frame again writes nothing (but still presents).
        f.draw(c, to: term)
        XCTAssertEqual(f.lastCellsWritten, 0)
        XCTAssertEqual(term.presents, 4)
    }

    func testResizeInvalidateAndLostScreenRedrawEverything() {
        let term = MemoryBackend(width: 4, height: 2), f = FrameFlusher()
        f.draw(frame(4, 2, ["abcd", "efgh"]), to: term)
        term.resize(width: 5, height: 3)
        let big = frame(5, 3, ["abcd", "efgh", "ijklm"])
        f.draw(big, to: term)
        XCTAssertEqual(f.lastCellsWritten, 15)
        XCTAssertEqual(term.clears, 2)
        XCTAssertEqual(term.screen, big)
        f.invalidate()
        f.draw(big, to: term)
        XCTAssertEqual(f.lastCellsWritten, 15)
        term.trusted = false          // e.g. ncurses reset its colour-pair table
        f.draw(big, to: term)
        XCTAssertEqual(f.lastCellsWritten, 15)
        XCTAssertEqual(term.clears, 4)
    }

    /// Terminals that scroll when the last cell is written never get it.
    func testBottomRightCellSkippedWhenTheBackendCannotWriteIt() {
        let term = MemoryBackend(width: 3, height: 2, writesLastCell: false), f = FrameFlusher()
        f.draw(frame(3, 2, ["abc", "def"]), to: term)
        XCTAssertEqual(f.lastCellsWritten, 5)
        XCTAssertFalse(term.writes.contains { $0.x == 2 && $0.y == 1 })
    }

    /// A real explorer frame: moving the focus from the list to the scene rewrites the two
    /// borders and the header tabs, not the screen.
    func testExplorerFrameDiffIsSmall() {
        var s = Fixtures.state()
        let term = MemoryBackend(width: 80, height: 24), f = FrameFlusher()
        f.draw(MainScreen.render(s, width: 80, height: 24, mode: .palette256), to: term)
        XCTAssertEqual(f.lastCellsWritten, 80 * 24)
        s.focus = .scene
        let next = MainScreen.render(s, width: 80, height: 24, mode: .palette256)
        f.draw(next, to: term)
        XCTAssertEqual(term.screen, next)
        XCTAssertGreaterThan(f.lastCellsWritten, 0)
        XCTAssertLessThan(f.lastCellsWritten, 80 * 24 / 2)
    }
}
