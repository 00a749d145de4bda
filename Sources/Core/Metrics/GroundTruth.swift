/// A 224×224 binary ground-truth map, as vssl_eval builds it (SPEC §6.2).
///
/// Boxes: every box is painted end-exclusive (`gt[y0:y1, x0:x1] = 1`) and the result is the union;
/// vssl_eval's non-Flickr datasets use no consensus weighting. Masks: resized to 224² the way
/// Pillow's `Image.resize` does by default (bicubic for L/RGB, nearest for 1-bit and palette
/// images), then `≥ 128` is foreground.
public struct GroundTruthMap: Sendable, Equatable {
    public static let side = MapResize.side
    /// 0/1 per pixel, row-major.
    public let pixels: [UInt8]
    /// Number of foreground pixels (g in the adaptive threshold).
    public let count: Int

    public init(pixels: [UInt8]) {
        precondition(pixels.count == Self.side * Self.side)
        self.pixels = pixels.map { $0 != 0 ? 1 : 0 }
        count = self.pixels.reduce(0) { $0 + Int($1) }
    }

    public var isEmpty: Bool { count == 0 }

    /// Union of boxes [x0, y0, x1, y1] given normalised (0…1) to the full frame.
    public static func boxes(_ boxes: [[Double]], convention: BoxConvention = .normalised) -> GroundTruthMap {
        let n = side
        var px = [UInt8](repeating: 0, count: n * n)
        func index(_ b: Double) -> Int {
            switch convention {
            case .normalised:
                return Int(Swift.min(Swift.max(b, 0), 1) * Double(n))
            case .pixels224:
                let v = b * Double(n), r = v.rounded()
                let snapped = abs(v - r) < 1e-9 ? r : v
                return Swift.min(Swift.max(Int(snapped), 0), n)   // numpy slices clamp to the array
            }
        }
        for b in boxes where b.count == 4 && b.allSatisfy({ $0.isFinite }) {
            let x0 = index(b[0]), y0 = index(b[1]), x1 = index(b[2]), y1 = index(b[3])
            guard x1 > x0, y1 > y0 else { continue }
            for y in y0..<y1 { for x in x0..<x1 { px[y * n + x] = 1 } }
        }
        return GroundTruthMap(pixels: px)
    }

    /// Union of boxes already in 224-pixel integer coordinates (the golden `bboxes` tensor);
    /// all-zero rows are padding and paint nothing.
    public static func pixelBoxes(_ boxes: [[Int]]) -> GroundTruthMap {
        let n = side
        var px = [UInt8](repeating: 0, count: n * n)
        for b in boxes where b.count == 4 {
            let x0 = Swift.max(b[0], 0), y0 = Swift.max(b[1], 0), x1 = Swift.min(b[2], n), y1 = Swift.min(b[3], n)
            guard x1 > x0, y1 > y0 else { continue }
            for y in y0..<y1 { for x in x0..<x1 { px[y * n + x] = 1 } }
        }
        return GroundTruthMap(pixels: px)
    }

    /// The resampling Pillow's `Image.resize` applies by default for the mask's image mode.
    public enum MaskResample: String, Sendable {
        /// Mode 'L' / 'RGB' (8-bit grey or colour PNG, any JPEG): bicubic (a = −0.5, antialiased
        /// when shrinking, 8-bit fixed point).
        case bicubic
        /// Mode '1' (1-bit PNG) or 'P' (palette PNG).
        case nearest
    }

    /// A mask from grey values (`width × height`, row-major). Pillow resizes it to 224² and
    /// vssl_eval's mask path keeps values ≥ 128. A 0/1 mask (maximum value 1, e.g. a palette PNG
    /// read as indices) would threshold to nothing there (SPEC A7); sslsan scales it to 0/255 first.
    public static func mask(width: Int, height: Int, values: [UInt8], resample: MaskResample) -> GroundTruthMap {
        precondition(values.count == width * height)
        var v = values
        if let m = v.max(), m == 1 { v = v.map { $0 == 0 ? 0 : 255 } }
        if width == side && height == side { return GroundTruthMap(pixels: v.map { $0 >= 128 ? 1 : 0 }) }
        switch resample {
        case .bicubic:
            // The front end's Pillow-exact bicubic (tested against Pillow's bytes), then ≥ 128.
            return GroundTruthMap(pixels: ImageTransform.binaryMask(width: width, height: height, pixels: v, size: side))
        case .nearest:
            return GroundTruthMap(pixels: PillowMaskResize.nearest(v, width: width, height: height, to: side, side).map { $0 >= 128 ? 1 : 0 })
        }
    }

    /// Mean of `values` (a 224² map) over the foreground; NaN when empty. Used by object accuracy.
    public func mean(of values: [Float]) -> Double {
        guard count > 0 else { return .nan }
        var s = 0.0
        for i in 0..<pixels.count where pixels[i] != 0 { s += Double(values[i]) }
        return s / Double(count)
    }
}

/// Pillow's nearest-neighbour resize (`Image.resize` for mode '1' and 'P' images): source index
/// floor((x + 0.5)·in/out).
enum PillowMaskResize {
    static func nearest(_ src: [UInt8], width: Int, height: Int, to outW: Int, _ outH: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outW * outH)
        let sx = Double(width) / Double(outW), sy = Double(height) / Double(outH)
        for y in 0..<outH {
            let iy = Swift.min(Int((Double(y) + 0.5) * sy), height - 1)
            for x in 0..<outW {
                let ix = Swift.min(Int((Double(x) + 0.5) * sx), width - 1)
                out[y * outW + x] = src[iy * width + ix]
            }
        }
        return out
    }
}
