import Core
import Render

/// How the similarity map is laid over the image.
public enum OverlayStyle: String, Sendable, CaseIterable {
    /// Pixels above the threshold are tinted with the colour map; the rest is the plain image.
    case highlight
    /// Pixels above the threshold keep their colour tinted; the rest is dimmed.
    case dim
    /// The whole map as a heat overlay, the threshold contour drawn in white.
    case heat
}

/// Ground truth in normalised full-frame coordinates: boxes and/or a binary mask.
public struct SceneGroundTruth: Sendable, Equatable {
    public var boxes: [[Double]]
    /// A binary mask (any size), row-major, 1 = object.
    public var mask: (width: Int, height: Int, bits: [UInt8])?
    public init(boxes: [[Double]] = [], mask: (width: Int, height: Int, bits: [UInt8])? = nil) {
        self.boxes = boxes; self.mask = mask
    }
    public var isEmpty: Bool { boxes.isEmpty && mask == nil }
    public static func == (a: SceneGroundTruth, b: SceneGroundTruth) -> Bool {
        a.boxes == b.boxes && a.mask?.width == b.mask?.width && a.mask?.height == b.mask?.height && a.mask?.bits == b.mask?.bits
    }

    /// Whether normalised point (u, v) lies on the object.
    @inline(__always)
    public func contains(_ u: Double, _ v: Double) -> Bool {
        if let m = mask {
            let x = min(m.width - 1, max(0, Int(u * Double(m.width))))
            let y = min(m.height - 1, max(0, Int(v * Double(m.height))))
            return m.bits[y * m.width + x] != 0
        }
        for b in boxes where b.count == 4 {
            if u >= b[0] && u < b[2] && v >= b[1] && v < b[3] { return true }
        }
        return false
    }
}

/// What a scene view draws: the image, a map over it, the ground truth.
public struct SceneLayer {
    public var image: RGBImage
    public var map: SimilarityMap?
    public var threshold: Double
    public var style: OverlayStyle
    public var colorMap: OverlayColorMap
    public var groundTruth: SceneGroundTruth?
    /// Value range the colour map spans.
    public var range: ClosedRange<Double> = 0...1
}

enum SceneImage {
    /// Pixel rectangle (in half-block pixels: width = columns, height = 2 × rows) the image
    /// occupies inside `r`, keeping its aspect and centred.
    static func fit(imageWidth: Int, imageHeight: Int, in r: Rect) -> (x: Int, y: Int, w: Int, h: Int) {
        let pw = Double(r.width), ph = Double(r.height * 2)
        guard imageWidth > 0, imageHeight > 0, pw > 0, ph > 0 else { return (0, 0, 0, 0) }
        let s = min(pw / Double(imageWidth), ph / Double(imageHeight))
        let w = max(1, min(r.width, Int((Double(imageWidth) * s).rounded())))
        var h = max(2, min(r.height * 2, Int((Double(imageHeight) * s).rounded())))
        h -= h % 2
        return ((r.width - w) / 2, ((r.height * 2 - h) / 2) & ~1, w, h)
    }

    /// Bilinear sample of a map at normalised (u, v) with half-pixel centres (cv2 INTER_LINEAR).
    @inline(__always)
    static func sample(_ m: SimilarityMap, _ u: Double, _ v: Double) -> Double {
        let sx = u * Double(m.width) - 0.5, sy = v * Double(m.height) - 0.5
        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
        let fx = sx - Double(x0), fy = sy - Double(y0)
        func at(_ x: Int, _ y: Int) -> Double {
            Double(m.values[min(m.height - 1, max(0, y)) * m.width + min(m.width - 1, max(0, x))])
        }
        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
        let bot = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bot * fy
    }

    /// Draws the layer into `r` with half blocks (top pixel = foreground of ▀, bottom = background).
    static func draw(_ layer: SceneLayer, in r: Rect, into buf: inout CellBuffer) {
        let img = layer.image
        let f = fit(imageWidth: img.width, imageHeight: img.height, in: r)
        guard f.w > 0, f.h > 0 else { return }
        // Per target pixel: colour, above-threshold flag, on-object flag.
        var colours = [RGB](repeating: .black, count: f.w * f.h)
        var above = [Bool](repeating: false, count: f.w * f.h)
        var object = [Bool](repeating: false, count: f.w * f.h)
        let lo = layer.range.lowerBound, span = max(1e-9, layer.range.upperBound - layer.range.lowerBound)
        let sxScale = Double(img.width) / Double(f.w), syScale = Double(img.height) / Double(f.h)
        img.pixels.withUnsafeBufferPointer { px in
            for ty in 0..<f.h {
                let sy0 = Int(Double(ty) * syScale), sy1 = max(sy0 + 1, min(img.height, Int(Double(ty + 1) * syScale)))
                let v = (Double(ty) + 0.5) / Double(f.h)
                for tx in 0..<f.w {
                    let sx0 = Int(Double(tx) * sxScale), sx1 = max(sx0 + 1, min(img.width, Int(Double(tx + 1) * sxScale)))
                    // Box filter over at most 4×4 source pixels (stride when shrinking a lot).
                    let stx = max(1, (sx1 - sx0) / 4), sty = max(1, (sy1 - sy0) / 4)
                    var r = 0, g = 0, b = 0, n = 0
                    var yy = sy0
                    while yy < sy1 {
                        var xx = sx0
                        let row = yy * img.width
                        while xx < sx1 {
                            let i = 3 * (row + xx)
                            r += Int(px[i]); g += Int(px[i + 1]); b += Int(px[i + 2]); n += 1
                            xx += stx
                        }
                        yy += sty
                    }
                    var c = RGB(UInt8(r / n), UInt8(g / n), UInt8(b / n))
                    let u = (Double(tx) + 0.5) / Double(f.w)
                    let k = ty * f.w + tx
                    if let m = layer.map {
                        let val = sample(m, u, v)
                        let isAbove = val > layer.threshold
                        above[k] = isAbove
                        let heat = layer.colorMap.color((val - lo) / span)
                        switch layer.style {
                        case .highlight: if isAbove { c = blend(c, heat, 0.6) }
                        case .dim: c = isAbove ? blend(c, heat, 0.35) : scale(c, 0.3)
                        case .heat: c = blend(c, heat, 0.55)
                        }
                    }
                    if let gt = layer.groundTruth { object[k] = gt.contains(u, v) }
                    colours[k] = c
                }
            }
        }
        // Outlines: ground truth (green) and, in heat style, the threshold contour (white).
        func edge(_ a: [Bool], _ k: Int, _ tx: Int, _ ty: Int) -> Bool {
            guard a[k] else { return false }
            return tx == 0 || ty == 0 || tx == f.w - 1 || ty == f.h - 1 ||
                !a[k - 1] || !a[k + 1] || !a[k - f.w] || !a[k + f.w]
        }
        for ty in 0..<f.h {
            for tx in 0..<f.w {
                let k = ty * f.w + tx
                if layer.style == .heat && layer.map != nil && edge(above, k, tx, ty) { colours[k] = .white }
                if layer.groundTruth != nil && edge(object, k, tx, ty) { colours[k] = Theme.gtOutline }
            }
        }
        for cy in 0..<(f.h / 2) {
            for cx in 0..<f.w {
                let top = colours[(2 * cy) * f.w + cx], bottom = colours[(2 * cy + 1) * f.w + cx]
                buf[r.x + f.x + cx, r.y + f.y / 2 + cy] = Cell("▀", fg: top, bg: bottom)
            }
        }
    }

    @inline(__always)
    static func blend(_ a: RGB, _ b: RGB, _ t: Double) -> RGB {
        RGB(UInt8(Double(a.r) * (1 - t) + Double(b.r) * t), UInt8(Double(a.g) * (1 - t) + Double(b.g) * t),
            UInt8(Double(a.b) * (1 - t) + Double(b.b) * t))
    }

    @inline(__always)
    static func scale(_ a: RGB, _ t: Double) -> RGB {
        RGB(UInt8(Double(a.r) * t), UInt8(Double(a.g) * t), UInt8(Double(a.b) * t))
    }
}

extension SceneGroundTruth {
    /// The sample's mask (thresholded at 128) when it has a readable one, else its boxes.
    public static func load(_ s: Sample) -> SceneGroundTruth {
        if let m = s.maskPath {
            if let g = try? PNGFile.readGray(m) {
                return SceneGroundTruth(boxes: s.boxes, mask: (g.width, g.height, g.pixels.map { $0 >= 128 ? 1 : 0 }))
            }
            if let g = try? GroundTruthMap.mask(at: m) {
                return SceneGroundTruth(boxes: s.boxes, mask: (GroundTruthMap.side, GroundTruthMap.side, g.pixels))
            }
        }
        return SceneGroundTruth(boxes: s.boxes)
    }
}
