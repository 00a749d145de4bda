import Render

extension Rect {
    /// Mouse hits: Render's `contains(x:y:)` without labels.
    func contains(_ px: Int, _ py: Int) -> Bool { contains(x: px, y: py) }
}

/// Where each panel goes for a terminal size: a pure function shared by drawing and mouse hits.
///
/// - 150 columns and more: browser | scene | separability (or training, when focused).
/// - Narrower, 36 rows and more: the left column holds the browser over the separability
///   histogram, so threshold, histogram and overlay are on one screen (120×40).
/// - Narrower and lower (80×24): the focused separability panel takes the browser's place
///   beside the scene; the training panel takes the scene's.
public struct Layout: Sendable {
    public static let minWidth = 80
    public static let minHeight = 24
    /// From this width the side panel gets a column of its own.
    public static let wideWidth = 150
    /// From this height (below `wideWidth`) the histogram sits under the browser.
    public static let stackHeight = 36

    public var tooSmall = false
    public var header = Rect(x: 0, y: 0, width: 0, height: 0)
    /// The sample list (empty when a panel has taken its place).
    public var browser = Rect(x: 0, y: 0, width: 0, height: 0)
    /// Rows of the list (inside the frame, below the column header).
    public var browserRows = Rect(x: 0, y: 0, width: 0, height: 0)
    /// The main page: the scene, or on narrow terminals the focused training panel.
    public var scene = Rect(x: 0, y: 0, width: 0, height: 0)
    public var scenePanel: Panel = .scene
    /// The separability (or training) panel when it has a place of its own.
    public var side: Rect?
    public var sidePanel: Panel = .separability
    public var metrics = Rect(x: 0, y: 0, width: 0, height: 0)
    public var status = Rect(x: 0, y: 0, width: 0, height: 0)

    public static func compute(width w: Int, height h: Int, state: ExplorerState) -> Layout {
        var l = Layout()
        guard w >= minWidth, h >= minHeight else { l.tooSmall = true; return l }
        l.header = Rect(x: 0, y: 0, width: w, height: 1)
        l.metrics = Rect(x: 0, y: h - 2, width: w, height: 1)
        l.status = Rect(x: 0, y: h - 1, width: w, height: 1)
        let bodyY = 1, bodyH = h - 3
        func browser(_ r: Rect) {
            l.browser = r
            l.browserRows = Rect(x: r.x + 1, y: r.y + 2, width: r.width - 2, height: max(0, r.height - 3))
        }
        if w >= wideWidth {
            let bw = min(56, max(44, w / 4)), sw = min(60, max(44, w / 4))
            browser(Rect(x: 0, y: bodyY, width: bw, height: bodyH))
            l.scene = Rect(x: bw, y: bodyY, width: w - bw - sw, height: bodyH)
            l.side = Rect(x: w - sw, y: bodyY, width: sw, height: bodyH)
            l.sidePanel = state.focus == .training ? .training : .separability
            return l
        }
        let bw = max(30, min(44, w * 38 / 100))
        l.scene = Rect(x: bw, y: bodyY, width: w - bw, height: bodyH)
        l.scenePanel = state.focus == .training ? .training : .scene
        if h >= stackHeight {
            let listH = max(10, bodyH * 45 / 100)
            browser(Rect(x: 0, y: bodyY, width: bw, height: listH))
            l.side = Rect(x: 0, y: bodyY + listH, width: bw, height: bodyH - listH)
        } else if state.focus == .separability {
            l.side = Rect(x: 0, y: bodyY, width: bw, height: bodyH)
        } else {
            browser(Rect(x: 0, y: bodyY, width: bw, height: bodyH))
        }
        return l
    }
}
