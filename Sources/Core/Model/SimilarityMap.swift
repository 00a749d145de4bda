/// One raw cosine-similarity map A (SPEC §3.2), row-major `height × width` (14×14 for the full
/// model). Values lie in [0, 1] for SSL-TIE since features are post-ReLU.
public struct SimilarityMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "SimilarityMap: \(values.count) values for \(width)×\(height)")
        self.width = width; self.height = height; self.values = values
    }

    /// Throws when a value is NaN or infinite. Such a map has no maximum, threshold or IoU, and
    /// metrics computed from it come out silently wrong (`-nan`, a "perfect" pIA of 0), so the
    /// engine's front doors check every map before it reaches a metric or the screen. `what`
    /// names the sample or condition.
    public func requireFinite(_ what: String, file: String? = nil) throws {
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return }
        throw SSLSaNError("\(what): the model's similarity map is not finite (\(values[i]) at x \(i % width), y \(i / width)); the checkpoint's weights overflow on this input", file: file)
    }

    public var max: Float { values.max() ?? 0 }
    public var min: Float { values.min() ?? 0 }
    public subscript(x: Int, y: Int) -> Float { values[y * width + x] }
}
