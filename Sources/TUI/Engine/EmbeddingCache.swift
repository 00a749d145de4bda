import Foundation
import Synchronization
import Core

/// Image features (encoded once per sample, LRU-bounded) and audio embeddings (small, all kept),
/// shared by the scorer and the scene worker. One cache per model.
final class EmbeddingCache: Sendable {
    let model: any ExplorerModel
    private let features = Mutex<(map: [Int: Tensor], order: [Int])>(([:], []))
    private let audio = Mutex<[String: Tensor]>([:])
    let capacity: Int

    init(model: any ExplorerModel, capacity: Int = 48) { self.model = model; self.capacity = capacity }

    func cachedFeatures(_ i: Int) -> Tensor? { features.withLock { $0.map[i] } }

    /// v̂ of sample i, encoding `image` when it is not cached.
    func features(_ i: Int, image: () throws -> RGBImage) throws -> Tensor {
        if let f = cachedFeatures(i) { return f }
        let f = try model.encodeImage(try image())
        features.withLock { s in
            if s.map[i] == nil { s.order.append(i) }
            s.map[i] = f
            while s.order.count > capacity { s.map[s.order.removeFirst()] = nil }
        }
        return f
    }

    /// â for a key ("pos:12", "sil", "noise:12", "off:12"), computing it once.
    func embedding(_ key: String, compute: () throws -> Tensor) rethrows -> Tensor {
        if let e = audio.withLock({ $0[key] }) { return e }
        let e = try compute()
        audio.withLock { $0[key] = e }
        return e
    }

    func cachedEmbedding(_ key: String) -> Tensor? { audio.withLock { $0[key] } }
}
