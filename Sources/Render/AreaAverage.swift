import Core

/// Image downsampling for the terminal grid and figures. (Similarity maps are not resampled
/// here: they go through `Core.MapResize`, the metrics' own cv2-exact upsampling.)
public enum AreaAverage {
    /// Box-filter weights mapping `source` samples onto `target` samples: target sample `t`
    /// covers the source interval [t·s, (t+1)·s) with s = source/target, and each source sample
    /// weighs by the length of its overlap. Downsampling is therefore an exact area average (no
    /// aliasing of fine texture into noise on a 60-row terminal); upsampling degrades gracefully
    /// to nearest-neighbour with a blended seam.
    struct Weights {
        var start: [Int]
        var count: [Int]
        var offset: [Int]
        var weights: [Float]

        init(source: Int, target: Int) {
            start = []; count = []; offset = []; weights = []
            let s = Double(source) / Double(target)
            for t in 0..<target {
                let a = Double(t) * s, b = Double(t + 1) * s
                let i0 = Int(a), i1 = Swift.min(source, Int(b.rounded(.up)))
                start.append(i0); count.append(i1 - i0); offset.append(weights.count)
                for i in i0..<i1 {
                    let w = Swift.min(b, Double(i + 1)) - Swift.max(a, Double(i))
                    weights.append(Float(w / s))
                }
            }
        }
    }

    /// The image resized to `width × height` by area averaging (see `Weights`).
    public static func image(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        let w = Swift.max(0, width), h = Swift.max(0, height)
        if w == 0 || h == 0 || image.width == 0 || image.height == 0 { return RGBImage(width: w, height: h) }
        if w == image.width && h == image.height { return image }
        let hx = Weights(source: image.width, target: w)
        let hy = Weights(source: image.height, target: h)
        let sw = image.width, sh = image.height
        // Horizontal pass into floats (sh rows × w columns), then the vertical pass.
        var tmp = [Float](repeating: 0, count: sh * w * 3)
        image.pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                for y in 0..<sh {
                    let row = y * sw * 3, orow = y * w * 3
                    for x in 0..<w {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        let o = hx.offset[x], s0 = hx.start[x]
                        for k in 0..<hx.count[x] {
                            let wt = hx.weights[o + k], p = row + 3 * (s0 + k)
                            r += wt * Float(src[p]); g += wt * Float(src[p + 1]); b += wt * Float(src[p + 2])
                        }
                        dst[orow + 3 * x] = r; dst[orow + 3 * x + 1] = g; dst[orow + 3 * x + 2] = b
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var acc = [Float](repeating: 0, count: w * 3)
                for y in 0..<h {
                    for i in 0..<(w * 3) { acc[i] = 0 }
                    let o = hy.offset[y], s0 = hy.start[y]
                    for k in 0..<hy.count[y] {
                        let wt = hy.weights[o + k], row = (s0 + k) * w * 3
                        for i in 0..<(w * 3) { acc[i] += wt * src[row + i] }
                    }
                    let orow = y * w * 3
                    for i in 0..<(w * 3) { dst[orow + i] = UInt8(Swift.min(255, Swift.max(0, acc[i] + 0.5))) }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
