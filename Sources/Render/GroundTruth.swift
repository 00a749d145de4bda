import Core

/// A sample's ground truth for display: boxes (normalised x0, y0, x1, y1 of the full frame, as in
/// `Sample.boxes`) and/or a binary mask (bytes, `width × height`, row-major). Drawn as the
/// outline of the union, which is what the metrics compare against (SPEC §6.2).
public struct GroundTruth: Sendable, Equatable {
    public var boxes: [[Double]]
    public var mask: Mask?

    public struct Mask: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var pixels: [UInt8]
        public init(width: Int, height: Int, pixels: [UInt8]) {
            precondition(pixels.count == width * height, "GroundTruth.Mask: \(pixels.count) bytes for \(width)×\(height)")
            self.width = width; self.height = height; self.pixels = pixels
        }
        /// Foreground cut: ≥ 128 as in the evaluation code, except that a mask whose largest value
        /// is 1 (a 0/1 palette PNG, SPEC A7) uses > 0, so such masks still show.
        var cut: UInt8 { (pixels.max() ?? 0) <= 1 ? 1 : 128 }
    }

    public init(boxes: [[Double]] = [], mask: Mask? = nil) { self.boxes = boxes; self.mask = mask }

    public init(sample: Sample) { self.init(boxes: sample.boxes) }

    public var isEmpty: Bool { boxes.isEmpty && mask == nil }

    /// The union of boxes and mask sampled at the centres of a `width × height` grid.
    public func raster(width: Int, height: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: Swift.max(0, width * height))
        guard width > 0, height > 0 else { return out }
        for b in boxes where b.count == 4 {
            // Pixel centre (x + 0.5)/width inside [x0, x1): the nearest-pixel version of the box.
            let x0 = Swift.max(0, Int((b[0] * Double(width) - 0.5).rounded(.up)))
            let x1 = Swift.min(width, Int((b[2] * Double(width) - 0.5).rounded(.up)))
            let y0 = Swift.max(0, Int((b[1] * Double(height) - 0.5).rounded(.up)))
            let y1 = Swift.min(height, Int((b[3] * Double(height) - 0.5).rounded(.up)))
            if x0 >= x1 || y0 >= y1 { continue }
            for y in y0..<y1 { for x in x0..<x1 { out[y * width + x] = true } }
        }
        if let m = mask, m.width > 0, m.height > 0 {
            let cut = m.cut
            for y in 0..<height {
                let my = Swift.min(m.height - 1, (2 * y + 1) * m.height / (2 * height))
                for x in 0..<width {
                    let mx = Swift.min(m.width - 1, (2 * x + 1) * m.width / (2 * width))
                    if m.pixels[my * m.width + mx] >= cut { out[y * width + x] = true }
                }
            }
        }
        return out
    }

    /// The outline of the raster: inside pixels with a 4-neighbour outside (the grid border
    /// counts as outside, so a full-frame box still shows).
    public func outline(width: Int, height: Int) -> [Bool] {
        let r = raster(width: width, height: height)
        var e = [Bool](repeating: false, count: r.count)
        for y in 0..<height {
            for x in 0..<width where r[y * width + x] {
                let inside = { (xx: Int, yy: Int) -> Bool in
                    xx >= 0 && yy >= 0 && xx < width && yy < height && r[yy * width + xx]
                }
                if !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1) { e[y * width + x] = true }
            }
        }
        return e
    }
}
