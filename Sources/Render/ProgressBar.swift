/// A one-row progress bar "▕███████▌     ▏ 62% label". Eighth blocks give sub-cell precision,
/// so even a 20-column bar moves visibly on every percent of a long training run.
public enum ProgressBar {
    static let eighths: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    /// `fraction` is clamped to 0…1 (NaN counts as 0). The label goes after the percentage
    /// when it fits; the bar takes the rest (at least 3 columns, or the bar is dropped).
    public static func draw(fraction: Double, label: String = "", in rect: Rect, into buffer: inout CellBuffer,
                            theme: Theme = .standard, color: RGB? = nil) {
        guard !rect.isEmpty else { return }
        let f = fraction.isNaN ? 0 : Swift.min(1, Swift.max(0, fraction))
        let pct = String(Int((f * 100).rounded(.down)))
        let shown = TextLayout.displayable(label, unicode: theme.unicode)
        let suffix = " " + String(repeating: " ", count: Swift.max(0, 3 - pct.count)) + pct + "%" + (shown.isEmpty ? "" : " " + shown)
        let barWidth = Swift.max(0, rect.width - suffix.count - 2)
        let fg = theme.paint(color ?? theme.accent)
        var x = rect.x
        if barWidth >= 3 {
            let (open, close): (Character, Character) = theme.unicode ? ("▕", "▏") : ("[", "]")
            buffer.put(String(open), x: x, y: rect.y, fg: theme.paint(theme.border)); x += 1
            let units = Int((f * Double(barWidth * 8)).rounded(.down))
            for i in 0..<barWidth {
                let u = Swift.max(0, Swift.min(8, units - 8 * i))
                let ch: Character = theme.unicode ? eighths[u] : (u == 8 ? "#" : (u >= 4 ? "=" : (u > 0 ? "-" : " ")))
                buffer.put(String(ch), x: x + i, y: rect.y, fg: fg)
            }
            x += barWidth
            buffer.put(String(close), x: x, y: rect.y, fg: theme.paint(theme.border)); x += 1
        }
        buffer.put(suffix, x: x, y: rect.y, fg: theme.paint(theme.text), maxWidth: rect.maxX - x)
    }
}
