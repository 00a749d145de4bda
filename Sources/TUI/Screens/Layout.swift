import Render

extension Rect {
    /// Mouse hits: Render's `contains(x:y:)` without labels.
    func contains(_ px: Int, _ py: Int) -> Bool { contains(x: px, y: py) }
}

/// Where each panel goes for a terminal size: a pure function shared by drawing and mouse hits.
public struct Layout: Sendable {
    public static let minWidth = 80
    public static let minHeight = 24

    public var tooSmall = false
    public var header = Rect(x: 0, y: 0, width: 0, height: 0)
    public var browser = Rect(x: 0, y: 0, width: 0, height: 0)
    /// Rows of the list (inside the frame, below the column header).
    public var browserRows = Rect(x: 0, y: 0, width: 0, height: 0)
    /// The main page: the scene, or on narrow terminals the focused separability/training panel.
    public var scene = Rect(x: 0, y: 0, width: 0, height: 0)
    public var scenePanel: Panel = .scene
    /// A third column on wide terminals.
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
        let wide = w >= 150
        let bw = wide ? min(56, max(44, w / 4)) : max(30, min(44, w * 38 / 100))
        l.browser = Rect(x: 0, y: bodyY, width: bw, height: bodyH)
        l.browserRows = Rect(x: 1, y: bodyY + 2, width: bw - 2, height: bodyH - 3)
        if wide {
            let sw = min(60, max(44, w / 4))
            l.scene = Rect(x: bw, y: bodyY, width: w - bw - sw, height: bodyH)
            l.side = Rect(x: w - sw, y: bodyY, width: sw, height: bodyH)
            l.sidePanel = state.focus == .training ? .training : .separability
            l.scenePanel = .scene
        } else {
            l.scene = Rect(x: bw, y: bodyY, width: w - bw, height: bodyH)
            l.scenePanel = state.focus == .separability || state.focus == .training ? state.focus : .scene
        }
        return l
    }
}
