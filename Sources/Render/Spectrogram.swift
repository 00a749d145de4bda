/// A spectrogram strip (e.g. the log-mel input the audio encoder sees): `rows × cols` values,
/// row 0 the lowest frequency, drawn with the lowest frequency at the bottom, stretched to the
/// rect (it is a strip, not a picture: no aspect ratio) and coloured with a colour map.
public enum Spectrogram {
    /// `values` row-major, `rows × cols`. `range` nil uses the data's min…max (dB values are
    /// negative and their range varies by clip). `playhead` as in `Waveform`.
    public static func draw(values: [Float], rows: Int, cols: Int, in rect: Rect, into buffer: inout CellBuffer,
                            theme: Theme = .standard, colorMap: ColorMap = .viridis, range: ClosedRange<Float>? = nil,
                            playhead: Double? = nil) {
        precondition(values.count == rows * cols, "Spectrogram: \(values.count) values for \(rows)×\(cols)")
        guard !rect.isEmpty, rows > 0, cols > 0 else { return }
        let w = rect.width, h = 2 * rect.height
        let finite = values.filter { $0.isFinite }
        let lo = range?.lowerBound ?? finite.min() ?? 0, hi = range?.upperBound ?? finite.max() ?? 1
        let span = hi > lo ? hi - lo : 1
        // Area-average to w × h, flipping rows so low frequencies are at the bottom.
        let hx = AreaAverage.Weights(source: cols, target: w), hy = AreaAverage.Weights(source: rows, target: h)
        var tmp = [Float](repeating: 0, count: rows * w)
        for r in 0..<rows {
            for x in 0..<w {
                var acc: Float = 0
                for k in 0..<hx.count[x] {
                    let v = values[r * cols + hx.start[x] + k]
                    acc += hx.weights[hx.offset[x] + k] * (v.isFinite ? v : lo)
                }
                tmp[r * w + x] = acc
            }
        }
        var image = RGBImageBuffer(width: w, height: h)
        for y in 0..<h {
            let srcY = h - 1 - y
            for x in 0..<w {
                var acc: Float = 0
                for k in 0..<hy.count[srcY] { acc += hy.weights[hy.offset[srcY] + k] * tmp[(hy.start[srcY] + k) * w + x] }
                image.set(x, y, colorMap.color(at: (acc - lo) / span))
            }
        }
        let playCol = playhead.map { Swift.max(0, Swift.min(w - 1, Int($0 * Double(w)))) }
        for r in 0..<rect.height {
            for c in 0..<w {
                var cell = HalfBlockImage.cell(top: image.get(c, 2 * r), bottom: image.get(c, 2 * r + 1), mode: theme.mode, x: c, y: 2 * r)
                if c == playCol {
                    cell = Cell(theme.unicode ? "│" : "|", fg: theme.paint(theme.threshold), bg: cell.bg, attrs: !theme.mode.colour ? .bold : [])
                }
                let x = rect.x + c, y = rect.y + r
                if buffer.inBounds(x, y) { buffer[x, y] = cell }
            }
        }
    }
}

/// A small RGB scratch grid of `RGB` values (widgets only; images use `RGBImage`).
struct RGBImageBuffer {
    let width: Int, height: Int
    var data: [RGB]
    init(width: Int, height: Int) { self.width = width; self.height = height; data = Array(repeating: .black, count: width * height) }
    @inline(__always) mutating func set(_ x: Int, _ y: Int, _ c: RGB) { data[y * width + x] = c }
    @inline(__always) func get(_ x: Int, _ y: Int) -> RGB { data[y * width + x] }
}
