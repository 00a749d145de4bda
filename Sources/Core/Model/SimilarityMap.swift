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

    public var max: Float { values.max() ?? 0 }
    public var min: Float { values.min() ?? 0 }
    public subscript(x: Int, y: Int) -> Float { values[y * width + x] }
}
