import Core

/// Image and map resampling for the terminal grid.
public enum Resample {
    /// Box-filter weights mapping `source` samples onto `target` samples: target sample `t`
    /// covers the source interval [t·s, (t+1)·s) with s = source/target, and each source sample
    /// weighs by the length of its overlap. Downsampling is therefore an exact area average (no
    /// aliasing of fine texture into noise on a 60-row terminal); upsampling degrades gracefully
    /// to nearest-neighbour with a blended seam.
    struct AreaWeights {
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

    /// The image resized to `width × height` by area averaging (see `AreaWeights`).
    public static func areaAverage(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        let w = Swift.max(0, width), h = Swift.max(0, height)
        if w == 0 || h == 0 || image.width == 0 || image.height == 0 { return RGBImage(width: w, height: h) }
        if w == image.width && h == image.height { return image }
        let hx = AreaWeights(source: image.width, target: w)
        let hy = AreaWeights(source: image.height, target: h)
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

    /// A similarity map upsampled to `width × height` exactly as `cv2.resize(…, INTER_LINEAR)`
    /// does it (SPEC §6.1: half-pixel centres, edge replication), so the pixels coloured on
    /// screen are the pixels the metrics count as above threshold.
    public static func bilinear(_ map: SimilarityMap, width: Int, height: Int) -> [Float] {
        let w = Swift.max(0, width), h = Swift.max(0, height)
        guard w > 0, h > 0, map.width > 0, map.height > 0 else { return [Float](repeating: 0, count: w * h) }
        func taps(_ n: Int, _ src: Int) -> [(Int, Int, Float)] {
            let scale = Float(src) / Float(n)
            return (0..<n).map { d in
                let s = (Float(d) + 0.5) * scale - 0.5
                if s <= 0 { return (0, 0, 0) }
                if s >= Float(src - 1) { return (src - 1, src - 1, 0) }
                let i = Int(s)
                return (i, i + 1, s - Float(i))
            }
        }
        let tx = taps(w, map.width), ty = taps(h, map.height)
        // Horizontal pass over the map's rows, then vertical.
        var rows = [Float](repeating: 0, count: map.height * w)
        for y in 0..<map.height {
            for x in 0..<w {
                let (a, b, f) = tx[x]
                rows[y * w + x] = map[a, y] * (1 - f) + map[b, y] * f
            }
        }
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let (a, b, f) = ty[y]
            for x in 0..<w { out[y * w + x] = rows[a * w + x] * (1 - f) + rows[b * w + x] * f }
        }
        return out
    }
}
