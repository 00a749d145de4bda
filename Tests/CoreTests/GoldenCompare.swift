import XCTest
@testable import Core

/// Comparison helpers of the golden tests (engine and zoo): max |a − b|, absmax, the reference's
/// top-left crops and per-channel summaries, and the table padding.
extension XCTestCase {

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.count == b.count else { return .infinity }
        var m: Float = 0
        for i in 0..<a.count { let d = abs(a[i] - b[i]); if !(d <= m) { m = d.isNaN ? .infinity : d } }
        return m
    }

    func absMax(_ t: Tensor) -> Float { (0..<t.count).reduce(0) { max($0, abs(t[$1])) } }

    func crop(_ t: Tensor, _ c: Int) -> Tensor {
        let B = t.shape[0], C = t.shape[1], H = t.shape[2], W = t.shape[3]
        let out = Tensor(shape: [B, C, c, c])
        for bc in 0..<(B * C) { for y in 0..<c { for x in 0..<c { out[(bc * c + y) * c + x] = t[(bc * H + y) * W + x] } } }
        return out
    }

    func channelMean(_ t: Tensor) -> Tensor {
        let C = t.shape[1], P = t.shape[2] * t.shape[3]
        let out = Tensor(shape: [C])
        for c in 0..<C { var s = 0.0; for i in 0..<P { s += Double(t[c * P + i]) }; out[c] = Float(s / Double(P)) }
        return out
    }

    func channelAbsMax(_ t: Tensor) -> Tensor {
        let C = t.shape[1], P = t.shape[2] * t.shape[3]
        let out = Tensor(shape: [C])
        for c in 0..<C { var m: Float = 0; for i in 0..<P { m = max(m, abs(t[c * P + i])) }; out[c] = m }
        return out
    }
}
