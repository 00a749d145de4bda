/// `torch.nn.functional.interpolate(mode='bicubic', align_corners=False)` on float planes, which is
/// what torchvision's tensor `Resize` does (vssl_eval's test transform, SPEC §2.2).
///
/// Semantics reproduced: Keys' cubic convolution with A = −0.75 (not Pillow's −0.5); source
/// coordinate scale·(dst + 0.5) − 0.5 with scale = in/out in float32, not clamped at 0 for cubic;
/// the 4 taps at floor(src) − 1 … floor(src) + 2 clamped to the border; no antialiasing (a
/// downscale samples 4 taps whatever the factor — aliasing included, because the reference has it);
/// no clamping of the result (overshoot past [0, 1] is kept). Sum order is torch's: for each of the
/// 4 rows the 4 horizontal taps, then the 4 rows. Arithmetic is float32, without fused multiply-add,
/// so results agree with torch to float32 rounding (torch's own build may fuse some of them).
public enum TorchBicubic {
    /// One output coordinate: 4 clamped source indices and their weights.
    struct Taps { var index: (Int, Int, Int, Int); var weight: (Float, Float, Float, Float) }

    static func taps(inSize: Int, outSize: Int) -> [Taps] {
        let scale = Float(inSize) / Float(outSize)
        return (0..<outSize).map { dst in
            let real = scale * (Float(dst) + 0.5) - 0.5
            let i0 = min(Int(real.rounded(.down)), inSize - 1)
            let t = min(max(real - Float(i0), 0), 1)
            let w = coefficients(t)
            func c(_ i: Int) -> Int { max(0, min(inSize - 1, i)) }
            return Taps(index: (c(i0 - 1), c(i0), c(i0 + 1), c(i0 + 2)), weight: w)
        }
    }

    /// Keys' cubic kernel weights for the 4 taps at fractional offset t, A = −0.75, in torch's order
    /// of operations (`get_cubic_upsample_coefficients`).
    static func coefficients(_ t: Float) -> (Float, Float, Float, Float) {
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }          // |x| ≤ 1
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }     // 1 < |x| < 2
        let x2 = 1 - t
        return (far(t + 1), near(t), near(x2), far(x2 + 1))
    }

    /// Resizes `channels` planes of inH×inW floats (CHW) to outH×outW.
    public static func resize(_ src: UnsafePointer<Float>, channels: Int, inH: Int, inW: Int,
                              into dst: UnsafeMutablePointer<Float>, outH: Int, outW: Int) {
        let ty = taps(inSize: inH, outSize: outH), tx = taps(inSize: inW, outSize: outW)
        for c in 0..<channels {
            let plane = src + c * inH * inW
            let out = dst + c * outH * outW
            for oy in 0..<outH {
                let y = ty[oy]
                let rows = (plane + y.index.0 * inW, plane + y.index.1 * inW, plane + y.index.2 * inW, plane + y.index.3 * inW)
                for ox in 0..<outW {
                    let x = tx[ox]
                    @inline(__always) func row(_ r: UnsafePointer<Float>) -> Float {
                        var s = r[x.index.0] * x.weight.0
                        s += r[x.index.1] * x.weight.1
                        s += r[x.index.2] * x.weight.2
                        s += r[x.index.3] * x.weight.3
                        return s
                    }
                    var v = row(rows.0) * y.weight.0
                    v += row(rows.1) * y.weight.1
                    v += row(rows.2) * y.weight.2
                    v += row(rows.3) * y.weight.3
                    out[oy * outW + ox] = v
                }
            }
        }
    }

    /// The same resize reading 8-bit RGB through ToTensor's x/255 (a 256-entry table of the exact
    /// float32 quotients), so only the source pixels the taps touch are converted: identical
    /// results to `resize(toTensor(image))`, at a cost that depends on the output size only.
    public static func resize(_ image: RGBImage, into dst: UnsafeMutablePointer<Float>, outH: Int, outW: Int) {
        let lut = (0..<256).map { Float($0) / 255 }
        let ty = taps(inSize: image.height, outSize: outH), tx = taps(inSize: image.width, outSize: outW)
        let w3 = image.width * 3
        image.pixels.withUnsafeBufferPointer { px in
            lut.withUnsafeBufferPointer { l in
                for c in 0..<3 {
                    let out = dst + c * outH * outW
                    for oy in 0..<outH {
                        let y = ty[oy]
                        let rows = (y.index.0 * w3 + c, y.index.1 * w3 + c, y.index.2 * w3 + c, y.index.3 * w3 + c)
                        for ox in 0..<outW {
                            let x = tx[ox]
                            let i0 = 3 * x.index.0, i1 = 3 * x.index.1, i2 = 3 * x.index.2, i3 = 3 * x.index.3
                            @inline(__always) func row(_ r: Int) -> Float {
                                var s = l[Int(px[r + i0])] * x.weight.0
                                s += l[Int(px[r + i1])] * x.weight.1
                                s += l[Int(px[r + i2])] * x.weight.2
                                s += l[Int(px[r + i3])] * x.weight.3
                                return s
                            }
                            var v = row(rows.0) * y.weight.0
                            v += row(rows.1) * y.weight.1
                            v += row(rows.2) * y.weight.2
                            v += row(rows.3) * y.weight.3
                            out[oy * outW + ox] = v
                        }
                    }
                }
            }
        }
    }
}
