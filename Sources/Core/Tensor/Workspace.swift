/// Growable scratch memory for one thread: im2col columns, column gradients, sample-grouped GEMM
/// outputs. A training step asks for the same sizes every time, so after the first step no
/// scratch is allocated (llm.c plans its memory once; this gets the same effect lazily).
/// Not thread-safe: each encoder's training pass owns one.
public final class Workspace: @unchecked Sendable {
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var sizes: [Int] = []

    public init() {}
    deinit { for b in buffers { b.deallocate() } }

    /// Scratch slot `slot` with room for at least `count` floats (contents undefined).
    func buffer(_ slot: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= slot { buffers.append(.allocate(capacity: 1)); sizes.append(1) }
        if sizes[slot] < count {
            buffers[slot].deallocate()
            buffers[slot] = .allocate(capacity: count)
            sizes[slot] = count
        }
        return buffers[slot]
    }

    /// Floats currently held (for tests and the bench).
    public var floats: Int { sizes.reduce(0, +) }
}
