import Core

/// Colours and character sets shared by every widget, plus the terminal's `RenderMode`.
/// One value is passed down a frame so that a whole screen switches between true colour,
/// 256 colours, ASCII and monochrome consistently.
public struct Theme: Sendable {
    public var mode: RenderMode
    /// Condition colours, used by histograms, tables and figure captions alike so a condition is
    /// recognisable everywhere: positive green, silence blue, noise grey, off-screen orange.
    public var positive: RGB
    public var silence: RGB
    public var noise: RGB
    public var offscreen: RGB
    /// Ordinary text, secondary text, borders and titles.
    public var text: RGB
    public var dimText: RGB
    public var border: RGB
    public var title: RGB
    /// Selected-row background and foreground.
    public var selectionBackground: RGB
    public var selectionText: RGB
    /// Status line colours.
    public var statusBackground: RGB
    public var statusText: RGB
    /// Threshold marker and the ground-truth outline: both must stand out against jet
    /// (which uses every hue), so white and magenta-pink.
    public var threshold: RGB
    public var groundTruth: RGB
    public var accent: RGB
    public var error: RGB

    public init(mode: RenderMode = .trueColor) {
        self.mode = mode
        positive = RGB(80, 200, 110)
        silence = RGB(80, 140, 240)
        noise = RGB(150, 150, 150)
        offscreen = RGB(245, 150, 50)
        text = RGB(220, 220, 220)
        dimText = RGB(130, 130, 130)
        border = RGB(110, 120, 140)
        title = RGB(240, 210, 120)
        selectionBackground = RGB(50, 80, 130)
        selectionText = RGB(255, 255, 255)
        statusBackground = RGB(40, 44, 52)
        statusText = RGB(210, 210, 210)
        threshold = RGB(255, 255, 255)
        groundTruth = RGB(255, 60, 200)
        accent = RGB(120, 200, 230)
        error = RGB(240, 80, 80)
    }

    public static let standard = Theme()

    /// The colour that stands for an audio condition.
    public func color(for condition: AudioCondition) -> RGB {
        switch condition {
        case .positive: return positive
        case .silence: return silence
        case .noise: return noise
        case .offscreen: return offscreen
        }
    }

    /// A colour as the terminal can show it (see `RenderMode.paint`).
    @inline(__always)
    public func paint(_ c: RGB?) -> RGB? { mode.paint(c) }

    /// Whether Unicode block and box-drawing characters may be used.
    public var unicode: Bool { mode.unicode }

    /// Border characters for this mode.
    public var box: BoxChars { mode.unicode ? .light : .ascii }

    /// The ellipsis used when text is cut short.
    public var ellipsis: Character { mode.unicode ? "…" : "~" }
}

/// The six characters a rectangular border needs.
public struct BoxChars: Sendable, Equatable {
    public var horizontal: Character, vertical: Character
    public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character

    public static let light = BoxChars(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
                                       bottomLeft: "└", bottomRight: "┘")
    public static let ascii = BoxChars(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
                                       bottomLeft: "+", bottomRight: "+")
}
