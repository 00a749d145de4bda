import Foundation

/// One object's geometry: a class shape (or a random polygon for the silent distractor), centre,
/// radius (the shape fits inside this circle), rotation, per-instance shape parameters.
struct ShapeGeometry: Sendable {
    enum Kind: Sendable { case cls(SampleClass), polygon([(Double, Double)]) }
    var kind: Kind
    var cx: Double, cy: Double, r: Double, theta: Double
    /// Squash factors (≤ 1) along the local axes, and two shape-specific parameters.
    var sx = 1.0, sy = 1.0, p1 = 0.0, p2 = 0.0
    /// Star outline (unit coordinates), precomputed.
    var star: [(Double, Double)] = []

    /// Local unit coordinates of the pixel centre (x + 0.5, y + 0.5).
    @inline(__always)
    func local(_ x: Int, _ y: Int) -> (Double, Double) {
        let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
        let c = cos(theta), s = sin(theta)
        return ((c * dx + s * dy) / r, (-s * dx + c * dy) / r)
    }

    /// Whether local unit point (u, v) is inside the shape. Every shape lies within the unit circle.
    func inside(_ u0: Double, _ v0: Double) -> Bool {
        let u = u0 / sx, v = v0 / sy
        switch kind {
        case .polygon(let pts): return pointInPolygon(u, v, pts)
        case .cls(let c):
            switch c {
            case .circle: return u * u + v * v <= 1
            case .square: return max(abs(u), abs(v)) <= 0.7
            case .triangle: return regularPolygon(u, v, sides: 3)
            case .star: return pointInPolygon(u, v, star)
            case .ring: let q = u * u + v * v; return q <= 1 && q >= p1 * p1
            case .cross: return (abs(u) <= p1 && abs(v) <= 0.9) || (abs(v) <= p1 && abs(u) <= 0.9)
            case .diamond: return abs(u) / p1 + abs(v) <= 1
            case .hexagon: return regularPolygon(u, v, sides: 6)
            case .ellipse: return u * u + (v / p1) * (v / p1) <= 1
            case .crescent:
                let du = u - p1
                return u * u + v * v <= 1 && du * du + v * v > p2 * p2
            case .heart:
                let x = u * 1.3, y = -v * 1.3 + 0.12
                let q = x * x + y * y - 1
                return q * q * q - x * x * y * y * y <= 0
            case .arrow:
                if u >= -0.95 && u <= p2 && abs(v) <= p1 { return true }
                // Head: triangle from (p2, ±w) to (0.97, 0).
                let w = 0.62
                guard u >= p2 && u <= 0.97 else { return false }
                return abs(v) <= w * (0.97 - u) / (0.97 - p2)
            }
        }
    }

    /// Draws the per-instance shape parameters of class `c`.
    static func make(_ c: SampleClass, cx: Double, cy: Double, r: Double, rng: inout Random) -> ShapeGeometry {
        var g = ShapeGeometry(kind: .cls(c), cx: cx, cy: cy, r: r, theta: rng.uniform(0, 2 * .pi))
        switch c {
        case .circle: g.sy = rng.uniform(0.88, 1)
        case .square: g.sy = rng.uniform(0.75, 1)
        case .triangle: g.sy = rng.uniform(0.8, 1)
        case .star:
            let inner = rng.uniform(0.38, 0.55)
            g.star = (0..<10).map { k in
                let a = Double(k) * .pi / 5, rr = k % 2 == 0 ? 1.0 : inner
                return (rr * cos(a), rr * sin(a))
            }
        case .ring: g.p1 = rng.uniform(0.5, 0.72)
        case .cross: g.p1 = rng.uniform(0.24, 0.38)
        case .diamond: g.p1 = rng.uniform(0.5, 0.75)
        case .hexagon: g.sy = rng.uniform(0.85, 1)
        case .ellipse: g.p1 = rng.uniform(0.42, 0.62)
        case .crescent: g.p1 = rng.uniform(0.35, 0.6); g.p2 = rng.uniform(0.8, 0.95)
        case .heart: g.sy = rng.uniform(0.9, 1)
        case .arrow: g.p1 = rng.uniform(0.14, 0.22); g.p2 = rng.uniform(0.1, 0.3)
        }
        return g
    }

    /// A random irregular polygon (5–8 vertices, radii 0.55–1): the silent distractor.
    static func distractor(cx: Double, cy: Double, r: Double, rng: inout Random) -> ShapeGeometry {
        let k = rng.int(5, 8)
        var pts = [(Double, Double)]()
        let a0 = rng.uniform(0, 2 * .pi)
        for i in 0..<k {
            let a = a0 + (Double(i) + rng.uniform(-0.3, 0.3)) * 2 * .pi / Double(k)
            let rr = rng.uniform(0.55, 1)
            pts.append((rr * cos(a), rr * sin(a)))
        }
        return ShapeGeometry(kind: .polygon(pts), cx: cx, cy: cy, r: r, theta: 0)
    }
}

@inline(__always)
private func regularPolygon(_ u: Double, _ v: Double, sides n: Int) -> Bool {
    let rho = (u * u + v * v).squareRoot()
    if rho == 0 { return true }
    let seg = 2 * Double.pi / Double(n)
    var phi = atan2(v, u) + .pi / 2 // a vertex points "up" in local coordinates
    phi = phi - seg * (phi / seg).rounded(.down)
    return rho * cos(phi - seg / 2) <= cos(.pi / Double(n))
}

private func pointInPolygon(_ x: Double, _ y: Double, _ pts: [(Double, Double)]) -> Bool {
    var inside = false
    var j = pts.count - 1
    for i in 0..<pts.count {
        let (xi, yi) = pts[i], (xj, yj) = pts[j]
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
        j = i
    }
    return inside
}
