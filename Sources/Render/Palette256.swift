/// The xterm 256-colour palette above the 16 system colours: a 6×6×6 cube (levels 0, 95, 135,
/// 175, 215, 255) and a 24-step grey ramp (8, 18, …, 238). The system colours 0–15 are left out
/// on purpose: terminals theme them freely, so they cannot be relied on to look like anything.
public enum Palette256 {
    /// Channel levels of the colour cube.
    public static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    /// The RGB value of palette index 16…255.
    public static func color(index: Int) -> RGB {
        precondition(index >= 16 && index <= 255, "Palette256: index \(index) outside 16…255")
        if index >= 232 {
            let v = UInt8(8 + 10 * (index - 232))
            return RGB(v, v, v)
        }
        let i = index - 16
        return RGB(cubeLevels[i / 36], cubeLevels[(i / 6) % 6], cubeLevels[i % 6])
    }

    /// Nearest cube level index of one channel (thresholds are the midpoints between levels).
    @inline(__always)
    static func cubeStep(_ v: UInt8) -> Int {
        if v < 48 { return 0 }
        if v < 115 { return 1 }
        return min(5, (Int(v) - 35) / 40)
    }

    /// The palette index (16…255) closest to `c` in squared RGB distance, choosing between the
    /// nearest cube colour and the nearest grey (greys are much finer for near-neutral colours).
    public static func nearestIndex(_ c: RGB) -> Int {
        let ri = cubeStep(c.r), gi = cubeStep(c.g), bi = cubeStep(c.b)
        let cube = RGB(cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])
        let mean = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let gi24 = mean < 8 ? 0 : min(23, (mean - 3) / 10)
        let gv = UInt8(8 + 10 * gi24)
        let grey = RGB(gv, gv, gv)
        return distance2(c, grey) < distance2(c, cube) ? 232 + gi24 : 16 + 36 * ri + 6 * gi + bi
    }

    /// `c` replaced by its nearest palette colour.
    @inline(__always)
    public static func snap(_ c: RGB) -> RGB { color(index: nearestIndex(c)) }

    @inline(__always)
    public static func distance2(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }
}
