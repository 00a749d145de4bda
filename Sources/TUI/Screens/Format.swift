import Render

/// Number formatting of the explorer's figures ("–" for a missing value), on Render's
/// `formatFixed` so the terminal and the PNG figures print numbers alike.
enum Fmt {
    static func f(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, !v.isNaN else { return "–" }
        return formatFixed(v, digits: digits)
    }
    static func f(_ v: Float?, _ digits: Int = 3) -> String { f(v.map(Double.init), digits) }
    /// A signed value ("+0.360"), for separabilities.
    static func signed(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, !v.isNaN else { return "–" }
        return (v >= 0 ? "+" : "") + formatFixed(v, digits: digits)
    }
    /// Minutes and seconds with a tenth: "1:05.3".
    static func time(_ s: Double) -> String {
        let t = max(0, s)
        let sec = t.truncatingRemainder(dividingBy: 60)
        return "\(Int(t) / 60):" + (sec < 10 ? "0" : "") + formatFixed(sec, digits: 1)
    }
}
