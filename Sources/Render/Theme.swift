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
    /// Good and doubtful values (an IoU ≥ 0.5, a positive separability; a low one, a demo caption).
    public var ok: RGB
    public var warn: RGB
    /// Marks tagged samples in the list.
    public var tagged: RGB
    /// Background of dialogs drawn over the screen (the help overlay).
    public var dialogBackground: RGB

    public init(mode: RenderMode = .trueColor) {
        self.mode = mode
        positive = RGB(80, 200, 110)
        silence = RGB(80, 140, 240)
        noise = RGB(150, 150, 150)
        offscreen = RGB(245, 150, 50)
        // UI colours are points of the xterm 256-colour cube or grey ramp, so the explorer looks
        // the same in true colour and in 256 colours.
        text = RGB(218, 218, 218)
        dimText = RGB(138, 138, 138)
        border = RGB(128, 128, 128)
        title = RGB(255, 215, 135)
        selectionBackground = RGB(0, 95, 135)
        selectionText = RGB(255, 255, 255)
        statusBackground = RGB(38, 38, 38)
        statusText = RGB(218, 218, 218)
        threshold = RGB(255, 255, 255)
        groundTruth = RGB(255, 60, 200)
        accent = RGB(95, 175, 255)
        error = RGB(255, 95, 95)
        ok = RGB(95, 215, 95)
        warn = RGB(255, 175, 0)
        tagged = RGB(255, 215, 0)
        dialogBackground = RGB(28, 28, 28)
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
    /// Border characters of the focused panel.
    public var focusedBox: BoxChars { mode.unicode ? .heavy : .asciiHeavy }

    /// The ellipsis used when text is cut short.
    public var ellipsis: Character { mode.unicode ? "…" : "~" }
}

/// The six characters a rectangular border needs.
public struct BoxChars: Sendable, Equatable {
    public var horizontal: Character, vertical: Character
    public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character

    public static let light = BoxChars(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
                                       bottomLeft: "└", bottomRight: "┘")
    public static let heavy = BoxChars(horizontal: "━", vertical: "┃", topLeft: "┏", topRight: "┓",
                                       bottomLeft: "┗", bottomRight: "┛")
    public static let ascii = BoxChars(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
                                       bottomLeft: "+", bottomRight: "+")
    public static let asciiHeavy = BoxChars(horizontal: "=", vertical: "#", topLeft: "#", topRight: "#",
                                            bottomLeft: "#", bottomRight: "#")
}
