import Foundation
import Render

/// Number formatting of the explorer's figures ("–" for a missing value). printf rounding, as
/// `sslsan eval` prints its report, so a figure on screen reads exactly like the CLI's.
enum Fmt {
    static func f(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, !v.isNaN else { return "–" }
        return String(format: "%.\(digits)f", v)
    }
    static func f(_ v: Float?, _ digits: Int = 3) -> String { f(v.map(Double.init), digits) }
    /// A signed value ("+0.360"), for separabilities.
    static func signed(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, !v.isNaN else { return "–" }
        return String(format: "%+.\(digits)f", v)
    }
    /// Minutes and seconds with a tenth: "1:05.3".
    static func time(_ s: Double) -> String {
        let t = max(0, s)
        return String(format: "%d:%04.1f", Int(t) / 60, t.truncatingRemainder(dividingBy: 60))
    }
    /// A checkpoint name in at most `width` columns: whole when it fits, else without its
    /// `.safetensors`, then cut in the middle (run folder and file name both stay readable).
    static func checkpoint(_ name: String, width: Int) -> String {
        var n = name
        if n.count > width, n.hasSuffix(".safetensors") { n = String(n.dropLast(".safetensors".count)) }
        return TextLayout.abbreviate(n, width: width)
    }
}
