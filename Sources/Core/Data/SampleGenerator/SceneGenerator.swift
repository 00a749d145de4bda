import Foundation

/// One sounding object of a generated scene: its class, binary mask (255 inside, 0 outside, row
/// major, image size), tight box and sound.
public struct GeneratedObject: Sendable, Equatable {
    public var cls: SampleClass
    /// Mask bytes, `width * height`, 255 inside the object, 0 outside.
    public var mask: [UInt8]
    /// Tight pixel box of the mask: x0, y0 inclusive, x1, y1 exclusive.
    public var pixelBox: (x0: Int, y0: Int, x1: Int, y1: Int)
    /// The box normalised to the full frame (0…1): [x0, y0, x1, y1].
    public var box: [Double]
    public var clip: AudioClip
    /// Centre and radius of the circle the shape fits in (pixels).
    public var center: (x: Double, y: Double)
    public var radius: Double

    public static func == (a: GeneratedObject, b: GeneratedObject) -> Bool {
        a.cls == b.cls && a.mask == b.mask && a.box == b.box && a.clip == b.clip
    }
}

/// One scene: the image, its two sounding objects (of different classes, non-overlapping) and
/// whether a silent distractor was drawn.
public struct GeneratedScene: Sendable, Equatable {
    public var index: Int
    /// `scene0007` style identifier (zero-padded to `digits`).
    public var id: String
    public var image: RGBImage
    public var objects: [GeneratedObject]
    public var hasDistractor: Bool

    public var masks: [[UInt8]] { objects.map(\.mask) }
    public var clips: [AudioClip] { objects.map(\.clip) }
    /// Classes of the sounding objects, the scene's `objects` in the manifest.
    public var classes: [SampleClass] { objects.map(\.cls) }
}

/// Generates IS3-like synthetic scenes: a textured background, two sounding objects of different
/// classes at random sizes and positions, and half the time a silent distractor polygon. Scene `i`
/// depends only on (seed, i), so scenes can be generated in any order, on any thread.
public struct SceneGenerator: Sendable {
    public var seed: UInt64
    public var size: Int
    public var sampleRate: Int
    public var duration: Double
    /// Object radius range in pixels (the shape fits in a circle of this radius).
    public var radiusRange: ClosedRange<Double>
    public var distractorProbability: Double
    /// Zero-padded digits of scene ids.
    public var digits: Int

    public init(seed: UInt64, size: Int = 224, sampleRate: Int = 16000, duration: Double = 3,
                radiusRange: ClosedRange<Double>? = nil, distractorProbability: Double = 0.5, digits: Int = 4) {
        self.seed = seed; self.size = size; self.sampleRate = sampleRate; self.duration = duration
        let k = Double(size) / 224
        self.radiusRange = radiusRange ?? (26 * k)...(44 * k)
        self.distractorProbability = distractorProbability
        self.digits = digits
    }

    public static let classes = SampleClass.allCases

    public func sceneID(_ index: Int) -> String {
        let s = String(index)
        return "scene" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    public func scene(index: Int) -> GeneratedScene {
        var rng = Random(seed: seed, stream: UInt64(index))
        let w = size, h = size
        // Independent sub-streams so that, e.g., the sound of an object does not depend on how
        // many random numbers the drawing used.
        var layoutRng = Random(seed: rng.next())
        var bgRng = Random(seed: rng.next())
        let soundSeeds = [rng.next(), rng.next()]
        var paintRng = Random(seed: rng.next())

        // Classes: two distinct ones.
        let n = SampleClass.allCases.count
        let a = layoutRng.int(n)
        var b = layoutRng.int(n - 1)
        if b >= a { b += 1 }
        let classes = [SampleClass.allCases[a], SampleClass.allCases[b]]

        // Placement: non-overlapping bounding circles with a gap, inside the frame.
        let hasDistractor = layoutRng.bool(distractorProbability)
        var circles: [(x: Double, y: Double, r: Double)] = []
        let count = hasDistractor ? 3 : 2
        var attempt = 0
        while circles.count < count {
            attempt += 1
            if attempt > 2000 { circles.removeAll(); attempt = 0 } // restart (practically never)
            let lo = radiusRange.lowerBound, hi = radiusRange.upperBound
            // The distractor is a bit smaller on average.
            let r = circles.count < 2 ? layoutRng.uniform(lo, hi) : layoutRng.uniform(lo * 0.8, hi * 0.9)
            let margin = r + 2
            let x = layoutRng.uniform(margin, Double(w) - margin), y = layoutRng.uniform(margin, Double(h) - margin)
            let ok = circles.allSatisfy { c in
                let d = ((c.x - x) * (c.x - x) + (c.y - y) * (c.y - y)).squareRoot()
                return d > c.r + r + 4
            }
            if ok { circles.append((x, y, r)) }
        }

        var img = Background.render(width: w, height: h, rng: &bgRng)
        var objects: [GeneratedObject] = []
        for (k, cls) in classes.enumerated() {
            let c = circles[k]
            let geom = ShapeGeometry.make(cls, cx: c.x, cy: c.y, r: c.r, rng: &layoutRng)
            let paint = Paint.forClass(cls, rng: &paintRng)
            let mask = Painter.draw(geom, paint: paint, into: &img)
            var sr = Random(seed: soundSeeds[k])
            let clip = SoundSynth.clip(cls, rng: &sr, sampleRate: sampleRate, duration: duration)
            let pb = Painter.box(of: mask, width: w, height: h)
            let box = [Double(pb.x0) / Double(w), Double(pb.y0) / Double(h), Double(pb.x1) / Double(w), Double(pb.y1) / Double(h)]
            objects.append(GeneratedObject(cls: cls, mask: mask, pixelBox: pb, box: box, clip: clip,
                                           center: (c.x, c.y), radius: c.r))
        }
        if hasDistractor {
            let c = circles[2]
            let geom = ShapeGeometry.distractor(cx: c.x, cy: c.y, r: c.r, rng: &layoutRng)
            let paint = Paint.random(rng: &paintRng)
            _ = Painter.draw(geom, paint: paint, into: &img)
        }
        return GeneratedScene(index: index, id: sceneID(index), image: img, objects: objects, hasDistractor: hasDistractor)
    }

    /// A sound of class `cls` not tied to any scene (e.g. off-screen audio generated on the fly).
    public func clip(_ cls: SampleClass, index: Int) -> AudioClip {
        var r = Random(seed: seed ^ 0xA5A5_5A5A_0F0F_F0F0, stream: UInt64(index) &* 64 &+ UInt64(cls.index))
        return SoundSynth.clip(cls, rng: &r, sampleRate: sampleRate, duration: duration)
    }
}

// MARK: - colours, textures, painting

/// HSV (0…1) → RGB (0…1).
func hsv(_ h: Double, _ s: Double, _ v: Double) -> (Double, Double, Double) {
    let hh = (h - h.rounded(.down)) * 6
    let i = Int(hh) % 6, f = hh - Double(Int(hh))
    let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
    switch i {
    case 0: return (v, t, p)
    case 1: return (q, v, p)
    case 2: return (p, v, t)
    case 3: return (p, q, v)
    case 4: return (t, p, v)
    default: return (v, p, q)
    }
}

@inline(__always)
func byte(_ x: Double) -> UInt8 { UInt8(max(0, min(255, (x * 255).rounded()))) }

struct Paint: Sendable {
    enum Texture: Sendable { case solid, stripes(period: Double, angle: Double), checker(period: Double), dots(period: Double, radius: Double) }
    var primary: (Double, Double, Double)
    var secondary: (Double, Double, Double)
    var texture: Texture
    /// Linear shading across the object: direction and strength.
    var shadeAngle: Double, shade: Double

    static func texture(_ rng: inout Random) -> Texture {
        let period = rng.uniform(8, 14)
        switch rng.int(4) {
        case 0: return .solid
        case 1: return .stripes(period: period, angle: rng.uniform(0, .pi))
        case 2: return .checker(period: period)
        default: return .dots(period: period, radius: rng.uniform(0.25, 0.36) * period)
        }
    }

    static func withPrimary(_ h: Double, _ s: Double, _ v: Double, rng: inout Random) -> Paint {
        let p = hsv(h, s, v)
        let sec: (Double, Double, Double)
        if rng.bool() {
            let k = rng.uniform(0.45, 0.65); sec = hsv(h, s, v * k)
        } else {
            let m = rng.uniform(0.4, 0.6); sec = (p.0 + (1 - p.0) * m, p.1 + (1 - p.1) * m, p.2 + (1 - p.2) * m)
        }
        return Paint(primary: p, secondary: sec, texture: texture(&rng),
                     shadeAngle: rng.uniform(0, 2 * .pi), shade: rng.uniform(0, 0.15))
    }

    /// The class's hue family (±0.03), saturation and value 0.65–1.
    static func forClass(_ c: SampleClass, rng: inout Random) -> Paint {
        let h = c.hue + rng.uniform(-0.03, 0.03)
        return withPrimary(h, rng.uniform(0.65, 1), rng.uniform(0.65, 1), rng: &rng)
    }

    /// Any hue: the distractor may share a class's colour, only its shape tells it apart.
    static func random(rng: inout Random) -> Paint {
        withPrimary(rng.uniform(0, 1), rng.uniform(0.5, 1), rng.uniform(0.55, 1), rng: &rng)
    }

    /// Colour at local pixel offset (lx, ly) in the object's rotated frame.
    @inline(__always)
    func color(_ lx: Double, _ ly: Double, _ r: Double) -> (Double, Double, Double) {
        var second = false
        switch texture {
        case .solid: break
        case .stripes(let p, let a):
            let t = (lx * cos(a) + ly * sin(a)) / p
            second = t - t.rounded(.down) < 0.5
        case .checker(let p):
            let i = Int((lx / (p / 2)).rounded(.down)) + Int((ly / (p / 2)).rounded(.down))
            second = i & 1 == 0
        case .dots(let p, let rad):
            let gx = lx - p * (lx / p).rounded(), gy = ly - p * (ly / p).rounded()
            second = gx * gx + gy * gy <= rad * rad
        }
        let c = second ? secondary : primary
        let s = 1 + shade * (lx * cos(shadeAngle) + ly * sin(shadeAngle)) / r
        return (c.0 * s, c.1 * s, c.2 * s)
    }
}

enum Painter {
    /// Paints `geom` into `img` and returns its binary mask (pixel centres inside the shape).
    static func draw(_ geom: ShapeGeometry, paint: Paint, into img: inout RGBImage) -> [UInt8] {
        let w = img.width, h = img.height
        var mask = [UInt8](repeating: 0, count: w * h)
        let x0 = max(0, Int((geom.cx - geom.r - 1).rounded(.down))), x1 = min(w - 1, Int((geom.cx + geom.r + 1).rounded(.up)))
        let y0 = max(0, Int((geom.cy - geom.r - 1).rounded(.down))), y1 = min(h - 1, Int((geom.cy + geom.r + 1).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return mask }
        for y in y0...y1 {
            for x in x0...x1 {
                let (u, v) = geom.local(x, y)
                guard geom.inside(u, v) else { continue }
                mask[y * w + x] = 255
                let c = paint.color(u * geom.r, v * geom.r, geom.r)
                img.setPixel(x, y, (byte(c.0), byte(c.1), byte(c.2)))
            }
        }
        return mask
    }

    /// Tight box of the non-zero mask pixels (x1, y1 exclusive); all zero when the mask is empty.
    static func box(of mask: [UInt8], width w: Int, height h: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        var x0 = w, y0 = h, x1 = 0, y1 = 0
        for y in 0..<h {
            for x in 0..<w where mask[y * w + x] != 0 {
                x0 = min(x0, x); x1 = max(x1, x + 1); y0 = min(y0, y); y1 = max(y1, y + 1)
            }
        }
        return x0 < x1 ? (x0, y0, x1, y1) : (0, 0, 0, 0)
    }
}

/// Textured background: a tinted base, low-frequency colour waves, 2–5 thin clutter lines, pixel noise.
enum Background {
    static func render(width w: Int, height h: Int, rng: inout Random) -> RGBImage {
        let base = hsv(rng.uniform(0, 1), rng.uniform(0.08, 0.35), rng.uniform(0.35, 0.75))
        struct Wave { var kx, ky, ph: Double; var a: (Double, Double, Double) }
        var waves: [Wave] = []
        for _ in 0..<rng.int(2, 4) {
            let ang = rng.uniform(0, 2 * .pi), len = rng.uniform(40, 180)
            let amp = rng.uniform(0.03, 0.1)
            waves.append(Wave(kx: 2 * .pi * cos(ang) / len, ky: 2 * .pi * sin(ang) / len, ph: rng.uniform(0, 2 * .pi),
                              a: (amp * rng.uniform(-1, 1), amp * rng.uniform(-1, 1), amp * rng.uniform(-1, 1))))
        }
        let noise = rng.uniform(0.008, 0.02)
        var img = RGBImage(width: w, height: h)
        var px = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                var r = base.0, g = base.1, b = base.2
                for wv in waves {
                    let s = sin(wv.kx * Double(x) + wv.ky * Double(y) + wv.ph)
                    r += wv.a.0 * s; g += wv.a.1 * s; b += wv.a.2 * s
                }
                let i = 3 * (y * w + x)
                px[i] = byte(r + noise * rng.normal())
                px[i + 1] = byte(g + noise * rng.normal())
                px[i + 2] = byte(b + noise * rng.normal())
            }
        }
        img.pixels = px
        // Clutter lines (under the objects).
        for _ in 0..<rng.int(2, 5) {
            let c = hsv(rng.uniform(0, 1), rng.uniform(0.1, 0.6), rng.uniform(0.2, 0.9))
            let col = (byte(c.0), byte(c.1), byte(c.2))
            let x0 = rng.uniform(0, Double(w)), y0 = rng.uniform(0, Double(h))
            let ang = rng.uniform(0, .pi), len = rng.uniform(0.3, 1.2) * Double(w)
            let thick = rng.uniform(0.5, 1.4)
            let dx = cos(ang), dy = sin(ang)
            let steps = Int(len * 2)
            for s in 0..<steps {
                let t = Double(s) / 2 - len / 2
                let cx = x0 + dx * t, cy = y0 + dy * t
                let r = Int(thick.rounded(.up))
                for oy in -r...r {
                    for ox in -r...r {
                        let xx = Int(cx.rounded(.down)) + ox, yy = Int(cy.rounded(.down)) + oy
                        guard xx >= 0, yy >= 0, xx < w, yy < h else { continue }
                        // Distance from the pixel centre to the line.
                        let px = Double(xx) + 0.5 - x0, py = Double(yy) + 0.5 - y0
                        if abs(px * dy - py * dx) <= thick * 0.5 + 0.25 { img.setPixel(xx, yy, col) }
                    }
                }
            }
        }
        return img
    }
}
