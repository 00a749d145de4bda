/// Geometry of a square-kernel 2-D convolution or pooling window over one (C, H, W) image.
public struct ConvGeometry: Sendable, Equatable {
    public let channels, height, width, kernel, stride, padding: Int

    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows of the column matrix: C·k·k (the GEMM's inner dimension).
    public var columnRows: Int { channels * kernel * kernel }
    public var columnCols: Int { outHeight * outWidth }
    /// A 1×1 stride-1 unpadded convolution reads the image itself as its column matrix.
    public var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// Output columns `ox` whose input column `ox·s − p + j` lies inside the image.
    @inline(__always)
    func validColumns(_ j: Int) -> Range<Int> {
        let ow = outWidth
        // ox*s - p + j >= 0  ⇔  ox >= ceil((p - j) / s)
        let lo = max(0, (padding - j + stride - 1) / stride)
        // ox*s - p + j <= W-1 ⇔  ox <= floor((W - 1 + p - j) / s)
        let num = width - 1 + padding - j
        let hi = num < 0 ? 0 : min(ow, num / stride + 1)
        return lo..<max(lo, hi)
    }
}

/// im2col and its adjoint col2im: the convolution becomes one GEMM, W (Cout × Ck²) · col (Ck² × HoWo).
public enum Im2col {
    /// Writes the column matrix of image `x` (C·H·W floats) into `col` (C·k² rows of Ho·Wo).
    /// Row (c·k + i)·k + j holds x[c, oy·s − p + i, ox·s − p + j] (zero outside the image).
    /// `rowStride` (default Ho·Wo) lets several samples share one wider matrix, sample b at
    /// column offset b·Ho·Wo, so one GEMM covers them all (`Conv2d`'s sample grouping).
    public static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, into col: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let k = g.kernel, s = g.stride, p = g.padding
        let H = g.height, W = g.width, oh = g.outHeight, ow = g.outWidth, ncol = rowStride ?? oh * ow
        Parallel.chunks(g.channels, costPerItem: k * k * ncol) { cs in
            for c in cs {
                let xc = x + c * H * W
                for i in 0..<k {
                    for j in 0..<k {
                        let row = col + ((c * k + i) * k + j) * ncol
                        let valid = g.validColumns(j)
                        for oy in 0..<oh {
                            let iy = oy * s - p + i
                            let dst = row + oy * ow
                            if iy < 0 || iy >= H || valid.isEmpty {
                                dst.update(repeating: 0, count: ow)
                                continue
                            }
                            if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                            if valid.upperBound < ow { (dst + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound) }
                            let src = xc + iy * W - p + j
                            if s == 1 {
                                (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                            } else {
                                for ox in valid { dst[ox] = src[ox * s] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the column-matrix gradient `col` back onto the image gradient `dx` (C·H·W floats);
    /// `rowStride` as in `forward`.
    public static func backward(_ col: UnsafePointer<Float>, _ g: ConvGeometry, addingInto dx: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let k = g.kernel, s = g.stride, p = g.padding
        let H = g.height, W = g.width, oh = g.outHeight, ow = g.outWidth, ncol = rowStride ?? oh * ow
        Parallel.chunks(g.channels, costPerItem: k * k * ncol) { cs in
            for c in cs {
                let xc = dx + c * H * W
                for i in 0..<k {
                    for j in 0..<k {
                        let row = col + ((c * k + i) * k + j) * ncol
                        let valid = g.validColumns(j)
                        if valid.isEmpty { continue }
                        for oy in 0..<oh {
                            let iy = oy * s - p + i
                            if iy < 0 || iy >= H { continue }
                            let src = row + oy * ow
                            let dst = xc + iy * W - p + j
                            for ox in valid { dst[ox * s] += src[ox] }
                        }
                    }
                }
            }
        }
    }
}
