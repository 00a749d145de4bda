import Render

/// Colour maps for similarity overlays: value in [0, 1] → colour.
public enum OverlayColorMap: String, Sendable, CaseIterable {
    case jet
    /// viridis: perceptually uniform, readable in grey.
    case perceptual

    public func color(_ t: Double) -> RGB {
        let x = t.isNaN ? 0 : min(1, max(0, t))
        switch self {
        case .jet:
            func ch(_ v: Double) -> UInt8 { UInt8(max(0, min(1, v)) * 255) }
            let r = 1.5 - abs(4 * x - 3), g = 1.5 - abs(4 * x - 2), b = 1.5 - abs(4 * x - 1)
            return RGB(ch(r), ch(g), ch(b))
        case .perceptual:
            let c0 = (0.2777273272234177, 0.005407344544966578, 0.3340998053353061)
            let c1 = (0.1050930431085774, 1.404613529898575, 1.384590162594685)
            let c2 = (-0.3308618287255563, 0.214847559468213, 0.09509516302823659)
            let c3 = (-4.634230498983486, -5.799100973351585, -19.33244095627987)
            let c4 = (6.228269936347081, 14.17993336680509, 56.69055260068105)
            let c5 = (4.776384997670288, -13.74514537774601, -65.35303263337234)
            let c6 = (-5.435455855934631, 4.645852612178535, 26.3124352495832)
            func p(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double, _ g: Double) -> UInt8 {
                UInt8(max(0, min(1, a + x * (b + x * (c + x * (d + x * (e + x * (f + x * g))))))) * 255)
            }
            return RGB(p(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0, c6.0),
                       p(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1, c6.1),
                       p(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2, c6.2))
        }
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
