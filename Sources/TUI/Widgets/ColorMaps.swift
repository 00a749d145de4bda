import Render

/// The explorer's colour-map choice: a toggle between Render's exact OpenCV jet (the paper's
/// figures) and viridis (perceptually uniform, readable in grey). One implementation of each map
/// lives in `Render.ColorMap`, so the terminal overlay and the PNG figures agree.
public enum OverlayColorMap: String, Sendable, CaseIterable {
    case jet
    case perceptual

    public var renderMap: ColorMap { self == .jet ? .jet : .viridis }

    public func color(_ t: Double) -> RGB {
        renderMap.color(at: t.isNaN ? 0 : Float(min(1, max(0, t))))
    }
}

/// UI colours, chosen to stay readable on dark and light terminals and in 256 colours.
enum Theme {
    static let accent = RGB(95, 175, 255)
    static let dimText = RGB(138, 138, 138)
    static let ok = RGB(95, 215, 95)
    static let warn = RGB(255, 175, 0)
    static let bad = RGB(255, 95, 95)
    static let selectionBG = RGB(48, 64, 96)
    static let headerBG = RGB(38, 38, 38)
    static let gtOutline = RGB(0, 255, 95)
    static let condition: [RGB] = [RGB(95, 215, 95), RGB(175, 175, 255), RGB(255, 175, 95), RGB(255, 95, 175)]
    static let tagged = RGB(255, 215, 0)
}
