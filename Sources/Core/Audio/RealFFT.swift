import Foundation

/// Power spectrum of a real frame in double precision: |X[k]|² for k = 0…n/2.
///
/// Why double: the log-mel reaches down to the 1e-10 floor, and bins with power ~1e-9 lose
/// most of their digits in a float32 FFT (torch float32 vs float64 differ by 8e-3 dB there).
/// Powers of two use a radix-2 FFT of half size with the usual real-input packing (x[2n] as the
/// real and x[2n+1] as the imaginary part); other sizes fall back to an exact O(n²) DFT with a
/// precomputed table. A plan is immutable and `Sendable`; every call brings its own scratch.
public struct RealFFT: Sendable {
    public let n: Int
    let half: Int
    let isPowerOfTwo: Bool
    // Radix-2 tables for the half-size complex FFT.
    let bitReverse: [Int]
    let twiddleRe: [Double], twiddleIm: [Double]   // e^{-2πi j/half}, j < half/2
    let postRe: [Double], postIm: [Double]         // e^{-2πi k/n}, k ≤ n/2
    // DFT tables for other sizes: cos/sin(2π (k·j mod n)/n).
    let cosTable: [Double], sinTable: [Double]

    public init(n: Int) {
        precondition(n >= 2 && n % 2 == 0, "RealFFT needs an even size, got \(n)")
        self.n = n
        half = n / 2
        isPowerOfTwo = n & (n - 1) == 0
        if isPowerOfTwo {
            let bits = half.trailingZeroBitCount
            bitReverse = (0..<half).map { i in
                var r = 0
                for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
                return r
            }
            twiddleRe = (0..<max(half / 2, 1)).map { cos(-2 * Double.pi * Double($0) / Double(n / 2)) }
            twiddleIm = (0..<max(half / 2, 1)).map { sin(-2 * Double.pi * Double($0) / Double(n / 2)) }
            postRe = (0...half).map { cos(-2 * Double.pi * Double($0) / Double(n)) }
            postIm = (0...half).map { sin(-2 * Double.pi * Double($0) / Double(n)) }
            cosTable = []; sinTable = []
        } else {
            bitReverse = []; twiddleRe = []; twiddleIm = []; postRe = []; postIm = []
            cosTable = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
            sinTable = (0..<n).map { sin(2 * Double.pi * Double($0) / Double(n)) }
        }
    }

    /// Scratch a caller allocates once per thread and passes to `power`.
    public final class Scratch {
        var re: [Double], im: [Double]
        public init(n: Int) { re = [Double](repeating: 0, count: n); im = [Double](repeating: 0, count: n) }
    }

    /// Writes |X[k]|² (k = 0…n/2) of the n real samples `x` into `out`.
    public func power(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, scratch: Scratch) {
        if !isPowerOfTwo { dftPower(x, out); return }
        let h = half
        scratch.re.withUnsafeMutableBufferPointer { rb in
        scratch.im.withUnsafeMutableBufferPointer { ib in
        bitReverse.withUnsafeBufferPointer { br in
        twiddleRe.withUnsafeBufferPointer { twr in
        twiddleIm.withUnsafeBufferPointer { twi in
        postRe.withUnsafeBufferPointer { pr in
        postIm.withUnsafeBufferPointer { pi in
            let re = rb.baseAddress!, im = ib.baseAddress!
            // Pack (even samples real, odd samples imaginary) in bit-reversed order.
            for i in 0..<h {
                let j = br[i]
                re[j] = x[2 * i]; im[j] = x[2 * i + 1]
            }
            // Iterative radix-2 butterflies.
            var size = 2
            while size <= h {
                let halfSize = size / 2, step = h / size
                var start = 0
                while start < h {
                    var t = 0
                    for k in start..<(start + halfSize) {
                        let wr = twr[t], wi = twi[t]
                        let l = k + halfSize
                        let tr = re[l] * wr - im[l] * wi
                        let ti = re[l] * wi + im[l] * wr
                        re[l] = re[k] - tr; im[l] = im[k] - ti
                        re[k] += tr; im[k] += ti
                        t += step
                    }
                    start += size
                }
                size *= 2
            }
            // Unpack: X[k] = E[k] + e^{-2πik/n}·O[k], with E = (Z[k] + conj Z[h−k])/2 the DFT of the
            // even samples and O = (Z[k] − conj Z[h−k])/2i that of the odd ones.
            for k in 0...h {
                let a = k == h ? 0 : k, b = k == 0 ? 0 : h - k
                let zr = re[a], zi = im[a], cr = re[b], ci = -im[b]
                let er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci)
                let or_ = 0.5 * (zi - ci), oi = -0.5 * (zr - cr)
                let xr = er + pr[k] * or_ - pi[k] * oi
                let xi = ei + pr[k] * oi + pi[k] * or_
                out[k] = xr * xr + xi * xi
            }
        }}}}}}}
    }

    func dftPower(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        for k in 0...half {
            var sr = 0.0, si = 0.0, idx = 0
            for j in 0..<n {
                sr += x[j] * cosTable[idx]; si -= x[j] * sinTable[idx]
                idx += k; if idx >= n { idx -= n }
            }
            out[k] = sr * sr + si * si
        }
    }
}
