/// Pillow's `Image.resize(size, Image.BICUBIC)` on 8-bit RGB, bit for bit (Pillow's
/// `libImaging/Resample.c`), which SSL-TIE's original test transform uses (SPEC §2.2).
///
/// Unlike torch's bicubic this is antialiased: when shrinking by a factor s, the cubic kernel
/// (Keys, a = −0.5) is stretched by s, so every output pixel averages ~4s source pixels per axis.
/// Weights are computed in double, normalised to sum 1, then quantised to 22-bit fixed point; the
/// horizontal pass runs first and its result is rounded to 8 bits before the vertical pass, exactly
/// as Pillow does — both matter for bit-exactness.
public enum PillowResize {
    static let precisionBits = 22

    static func bicubicFilter(_ x0: Double) -> Double {
        let a = -0.5
        let x = abs(x0)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// Per output pixel: first source index, tap count, and `ksize` fixed-point weights.
    struct Coefficients { var ksize: Int; var start: [Int]; var count: [Int]; var weights: [Int32] }

    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let support0 = 2.0
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = support0 * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var start = [Int](repeating: 0, count: outSize), count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            var xmin = Int(center - support + 0.5)           // C (int) cast: truncation
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var ww = 0.0
            for x in 0..<xmax {
                let w = bicubicFilter((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w; ww += w
            }
            for x in 0..<xmax where ww != 0 { k[x] /= ww }
            for x in 0..<ksize {
                let v = x < xmax ? k[x] * Double(1 << precisionBits) : 0
                weights[xx * ksize + x] = Int32(v < 0 ? -0.5 + v : 0.5 + v)   // Pillow's rounding
            }
            start[xx] = xmin; count[xx] = xmax
        }
        return Coefficients(ksize: ksize, start: start, count: count, weights: weights)
    }

    @inline(__always) static func clip8(_ v: Int) -> UInt8 {
        let s = v >> precisionBits
        return UInt8(s < 0 ? 0 : (s > 255 ? 255 : s))
    }

    /// Resizes to width × height. Same size returns the image unchanged (Pillow copies it).
    public static func bicubic(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "PillowResize: target \(width)×\(height)")
        var img = image
        if width != img.width { img = horizontal(img, width: width) }
        if height != img.height { img = vertical(img, height: height) }
        return img
    }

    static func horizontal(_ src: RGBImage, width: Int) -> RGBImage {
        let c = coefficients(inSize: src.width, outSize: width)
        var out = [UInt8](repeating: 0, count: width * src.height * 3)
        let half = 1 << (precisionBits - 1)
        src.pixels.withUnsafeBufferPointer { p in
            c.weights.withUnsafeBufferPointer { w in
                for y in 0..<src.height {
                    let row = y * src.width * 3
                    for xx in 0..<width {
                        var s0 = half, s1 = half, s2 = half
                        let k = xx * c.ksize, x0 = c.start[xx]
                        for x in 0..<c.count[xx] {
                            let wv = Int(w[k + x]), i = row + (x0 + x) * 3
                            s0 += Int(p[i]) * wv; s1 += Int(p[i + 1]) * wv; s2 += Int(p[i + 2]) * wv
                        }
                        let o = (y * width + xx) * 3
                        out[o] = clip8(s0); out[o + 1] = clip8(s1); out[o + 2] = clip8(s2)
                    }
                }
            }
        }
        return RGBImage(width: width, height: src.height, pixels: out)
    }

    static func vertical(_ src: RGBImage, height: Int) -> RGBImage {
        let c = coefficients(inSize: src.height, outSize: height)
        let w3 = src.width * 3
        var out = [UInt8](repeating: 0, count: w3 * height)
        let half = 1 << (precisionBits - 1)
        src.pixels.withUnsafeBufferPointer { p in
            c.weights.withUnsafeBufferPointer { w in
                for yy in 0..<height {
                    let k = yy * c.ksize, y0 = c.start[yy], n = c.count[yy]
                    for i in 0..<w3 {
                        var s = half
                        for y in 0..<n { s += Int(p[(y0 + y) * w3 + i]) * Int(w[k + y]) }
                        out[yy * w3 + i] = clip8(s)
                    }
                }
            }
        }
        return RGBImage(width: src.width, height: height, pixels: out)
    }
}
