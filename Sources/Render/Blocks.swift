/// Block characters shared by the bar-like widgets.
public enum Blocks {
    /// Vertical eighth blocks: index k (1…8) fills the lower k/8 of a cell; 0 is a space.
    public static let vertical: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// ASCII stand-ins for the same eighths (fuller-looking characters for taller fills).
    public static let verticalASCII: [Character] = [" ", "_", "_", ".", ".", "o", "o", "#", "#"]

    /// The character filling `k` eighths (clamped to 0…8) of a cell from the bottom.
    @inline(__always)
    public static func eighths(_ k: Int, unicode: Bool) -> Character {
        let i = Swift.max(0, Swift.min(8, k))
        return unicode ? vertical[i] : verticalASCII[i]
    }
}
