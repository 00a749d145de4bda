import Foundation

/// SpecAugment as SSL-TIE applies it (SPEC §1.6): with probability p, one time mask then one
/// frequency mask on the linear mel power (mask value 0 → −100 dB after the dB step). The mask
/// widths 180 (of 670 frames) and 35 (of 257 mels) are scaled to the configuration's sizes.
public struct SpecAugment: Sendable {
    public var probability: Double = 0.8
    public var timeParam: Double
    public var freqParam: Double

    public init(config: ModelConfig) {
        timeParam = 180 * Double(config.frames) / 670
        freqParam = 35 * Double(config.nMels) / 257
    }

    /// Masks `power` (1,1,mels,frames) in place.
    public func apply(_ power: Tensor, rng: inout TrainingRNG) {
        guard rng.uniform() < probability else { return }
        let mels = power.shape[2], frames = power.shape[3]
        // torchaudio mask_along_axis: v = U·param, v0 = U·(size − v), cells [floor(v0), floor(v0)+floor(v))
        let vt = rng.uniform() * timeParam, t0 = rng.uniform() * (Double(frames) - vt)
        let ts = Int(t0), te = min(frames, ts + Int(vt))
        if te > ts { for m in 0..<mels { for t in ts..<te { power[m * frames + t] = 0 } } }
        let vf = rng.uniform() * freqParam, f0 = rng.uniform() * (Double(mels) - vf)
        let fs = Int(f0), fe = min(mels, fs + Int(vf))
        if fe > fs { for m in fs..<fe { for t in 0..<frames { power[m * frames + t] = 0 } } }
    }
}

/// SSL-TIE's training image augmentation (SPEC §2.1, `moco_v2`), a faithful but simple version on
/// float RGB: RandomResizedCrop(size, scale (0.3, 1), ratio (3/4, 4/3), antialiased bilinear),
/// ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 in random order, RandomGrayscale(0.2),
/// GaussianBlur σ ∈ [0.1, 2] (scaled to the output size) with p 0.5, horizontal flip p 0.5, then
/// ImageNet normalisation. Each part can be switched off.
public struct ImageAugment: Sendable {
    public var crop = true
    public var colorJitter = true
    public var grayscale = true
    public var blur = true
    public var flip = true
    public var cropScale: ClosedRange<Double> = 0.3...1.0

    public init() {}
    public static let none: ImageAugment = { var a = ImageAugment(); a.crop = false; a.colorJitter = false; a.grayscale = false; a.blur = false; a.flip = false; return a }()

    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// The augmented, normalised image as (3, size, size) written at `out`.
    public func apply(_ image: RGBImage, size: Int, rng: inout TrainingRNG, into out: UnsafeMutablePointer<Float>) {
        let (W, H) = (image.width, image.height)
        // 1. crop box
        var (cx, cy, cw, ch) = (0.0, 0.0, Double(W), Double(H))
        if crop {
            var found = false
            let area = Double(W * H)
            for _ in 0..<10 {
                let target = area * rng.uniform(cropScale.lowerBound, cropScale.upperBound)
                let logr = rng.uniform(log(3.0 / 4), log(4.0 / 3))
                let r = exp(logr)
                let w = Int((target * r).squareRoot().rounded()), h = Int((target / r).squareRoot().rounded())
                if w > 0, h > 0, w <= W, h <= H {
                    cx = Double(rng.int(in: 0...(W - w))); cy = Double(rng.int(in: 0...(H - h)))
                    cw = Double(w); ch = Double(h); found = true; break
                }
            }
            if !found { (cx, cy, cw, ch) = (0, 0, Double(W), Double(H)) }
        }
        // 2. resize crop → size×size (separable triangle filter, support scaled when downsampling: PIL bilinear)
        var planes = [[Float]](repeating: [Float](repeating: 0, count: size * size), count: 3)
        let xTaps = Self.taps(start: cx, length: cw, inSize: W, outSize: size)
        let yTaps = Self.taps(start: cy, length: ch, inSize: H, outSize: size)
        var tmp = [Float](repeating: 0, count: 3 * H * size)   // horizontal pass: H rows × size
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<H {
                for (ox, t) in xTaps.enumerated() {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for (i, w) in zip(t.0, t.1) {
                        let p = 3 * (y * W + i)
                        r += w * Float(px[p]); g += w * Float(px[p + 1]); b += w * Float(px[p + 2])
                    }
                    tmp[(0 * H + y) * size + ox] = r; tmp[(1 * H + y) * size + ox] = g; tmp[(2 * H + y) * size + ox] = b
                }
            }
        }
        for c in 0..<3 {
            for (oy, t) in yTaps.enumerated() {
                for ox in 0..<size {
                    var s: Float = 0
                    for (i, w) in zip(t.0, t.1) { s += w * tmp[(c * H + i) * size + ox] }
                    planes[c][oy * size + ox] = min(1, max(0, s / 255))
                }
            }
        }
        let n = size * size
        // 3. colour jitter
        if colorJitter && rng.uniform() < 0.8 {
            let bf = Float(rng.uniform(0.6, 1.4)), cf = Float(rng.uniform(0.6, 1.4)), sf = Float(rng.uniform(0.6, 1.4))
            let hf = Float(rng.uniform(-0.1, 0.1))
            var order = [0, 1, 2, 3]
            for i in stride(from: 3, to: 0, by: -1) { order.swapAt(i, rng.int(in: 0...i)) }
            for op in order {
                switch op {
                case 0: for c in 0..<3 { for i in 0..<n { planes[c][i] = min(1, planes[c][i] * bf) } }
                case 1:
                    var m: Float = 0
                    for i in 0..<n { m += 0.299 * planes[0][i] + 0.587 * planes[1][i] + 0.114 * planes[2][i] }
                    m /= Float(n)
                    for c in 0..<3 { for i in 0..<n { planes[c][i] = min(1, max(0, (planes[c][i] - m) * cf + m)) } }
                case 2:
                    for i in 0..<n {
                        let g = 0.299 * planes[0][i] + 0.587 * planes[1][i] + 0.114 * planes[2][i]
                        for c in 0..<3 { planes[c][i] = min(1, max(0, (planes[c][i] - g) * sf + g)) }
                    }
                default: Self.shiftHue(&planes, hf)
                }
            }
        }
        // 4. grayscale
        if grayscale && rng.uniform() < 0.2 {
            for i in 0..<n {
                let g = 0.299 * planes[0][i] + 0.587 * planes[1][i] + 0.114 * planes[2][i]
                planes[0][i] = g; planes[1][i] = g; planes[2][i] = g
            }
        }
        // 5. blur
        if blur && rng.uniform() < 0.5 {
            let sigma = rng.uniform(0.1, 2.0) * Double(size) / 224
            Self.gaussianBlur(&planes, size: size, sigma: sigma)
        }
        // 6. flip, 7. normalise
        let doFlip = flip && rng.uniform() < 0.5
        for c in 0..<3 {
            let o = out + c * n
            for y in 0..<size {
                for x in 0..<size {
                    let v = planes[c][y * size + (doFlip ? size - 1 - x : x)]
                    o[y * size + x] = (v - Self.mean[c]) / Self.std[c]
                }
            }
        }
    }

    /// Plain (no augmentation) resize + normalisation, for validation and SAM embedding.
    public static func plain(_ image: RGBImage, size: Int, into out: UnsafeMutablePointer<Float>) {
        var rng = TrainingRNG(seed: 0)
        ImageAugment.none.apply(image, size: size, rng: &rng, into: out)
    }

    static func taps(start: Double, length: Double, inSize: Int, outSize: Int) -> [([Int], [Float])] {
        let scale = length / Double(outSize)
        let support = max(scale, 1)
        return (0..<outSize).map { o in
            let center = start + (Double(o) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down))), hi = min(inSize - 1, Int((center + support).rounded(.up)))
            var idx: [Int] = [], w: [Float] = [], total: Float = 0
            if lo <= hi {
                for i in lo...hi {
                    let d = abs((Double(i) + 0.5 - center) / support)
                    if d < 1 { let ww = Float(1 - d); idx.append(i); w.append(ww); total += ww }
                }
            }
            if total == 0 { return ([min(inSize - 1, max(0, Int(center)))], [1]) }
            return (idx, w.map { $0 / total })
        }
    }

    static func shiftHue(_ p: inout [[Float]], _ h: Float) {
        for i in 0..<p[0].count {
            let r = p[0][i], g = p[1][i], b = p[2][i]
            let mx = max(r, g, b), mn = min(r, g, b), d = mx - mn
            if d <= 0 { continue }
            var hue: Float
            if mx == r { hue = (g - b) / d } else if mx == g { hue = 2 + (b - r) / d } else { hue = 4 + (r - g) / d }
            hue = hue / 6 + h
            hue -= hue.rounded(.down)
            let s = d / mx, v = mx
            let hh = hue * 6, k = Int(hh) % 6, f = hh - Float(Int(hh))
            let pp = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
            let rgb: (Float, Float, Float)
            switch k {
            case 0: rgb = (v, t, pp)
            case 1: rgb = (q, v, pp)
            case 2: rgb = (pp, v, t)
            case 3: rgb = (pp, q, v)
            case 4: rgb = (t, pp, v)
            default: rgb = (v, pp, q)
            }
            p[0][i] = rgb.0; p[1][i] = rgb.1; p[2][i] = rgb.2
        }
    }

    static func gaussianBlur(_ p: inout [[Float]], size: Int, sigma: Double) {
        let r = max(1, Int((3 * sigma).rounded(.up)))
        var k = (-r...r).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let s = k.reduce(0, +); k = k.map { $0 / s }
        var tmp = [Float](repeating: 0, count: size * size)
        for c in 0..<3 {
            for y in 0..<size {
                for x in 0..<size {
                    var a: Float = 0
                    for j in -r...r { a += k[j + r] * p[c][y * size + min(size - 1, max(0, x + j))] }
                    tmp[y * size + x] = a
                }
            }
            for y in 0..<size {
                for x in 0..<size {
                    var a: Float = 0
                    for j in -r...r { a += k[j + r] * tmp[min(size - 1, max(0, y + j)) * size + x] }
                    p[c][y * size + x] = a
                }
            }
        }
    }
}
