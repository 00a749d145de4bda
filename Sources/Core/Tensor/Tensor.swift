/// A dense float32 tensor in row-major (NCHW for images) layout.
///
/// A reference type with manually managed storage: layers write into preallocated tensors and
/// hand raw pointers to OpenBLAS, so there are no copy-on-write surprises and no hidden copies
/// between layers. Share a tensor between threads only when the writers touch disjoint ranges.
public final class Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = .allocate(capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    public convenience init(shape: [Int], repeating value: Float) {
        self.init(shape: shape)
        data.update(repeating: value, count: count)
    }

    deinit { data.deallocate() }

    public var rank: Int { shape.count }
    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    /// Changes the shape in place; the element count must not change.
    public func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    public func copy() -> Tensor {
        let t = Tensor(shape: shape)
        t.data.update(from: data, count: count)
        return t
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Copies all of `self` into `dst` starting at element `offset` (batch assembly). A method,
    /// so `self` stays alive while its storage is read.
    public func copyInto(_ dst: Tensor, at offset: Int) {
        precondition(offset >= 0 && offset + count <= dst.count, "copy of \(shape) into \(dst.shape) at \(offset)")
        (dst.data + offset).update(from: data, count: count)
    }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy of \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    public var maxValue: Float { var m = -Float.infinity; for i in 0..<count { m = Swift.max(m, data[i]) }; return m }
    public var minValue: Float { var m = Float.infinity; for i in 0..<count { m = Swift.min(m, data[i]) }; return m }
}
