/// The SSL-TIE / SSL-SaN network (SPEC §3): two ResNet-18 encoders and the audio-visual
/// cosine-similarity map. Eval-mode encoding is thread-safe. The train-time heads (logits,
/// losses) live in Core/Training; they build on `imageEncoder` / `audioEncoder` (raw feature
/// maps with forward/backward) and `ChannelL2Norm` / `GlobalMaxPool`.
public final class SSLSaNModel: @unchecked Sendable {
    public let config: ModelConfig
    /// `imgnet`: 3-channel stem `conv1`.
    public let imageEncoder: ResNetEncoder
    /// `audnet`: 1-channel stem `conv1_a`.
    public let audioEncoder: ResNetEncoder
    /// state_dict tensors the network never uses (conv1_flow, fc, vision_fc1, conv3, norm3, the
    /// other modality's stem), kept from a loaded checkpoint so `save` writes them back.
    public var unusedTensors: [String: Tensor] = [:]

    /// Randomly initialised (SPEC §3.3) from `seed`.
    public init(config: ModelConfig = .full, seed: UInt64) {
        self.config = config
        imageEncoder = ResNetEncoder(modality: .vision, widths: config.widths)
        audioEncoder = ResNetEncoder(modality: .audio, widths: config.widths)
        var rng = ParameterRNG(seed: seed)
        imageEncoder.initialise(&rng)
        audioEncoder.initialise(&rng)
    }

    /// Both encoders' trainable tensors, PyTorch names, state_dict order.
    public var parameters: [ResNetEncoder.Parameter] { imageEncoder.parameters + audioEncoder.parameters }
    public var buffers: [(name: String, value: Tensor)] { imageEncoder.buffers + audioEncoder.buffers }
    public var batchNorms: [(name: String, bn: BatchNorm2d)] { imageEncoder.batchNorms + audioEncoder.batchNorms }
    public func zeroGrad() { imageEncoder.zeroGrad(); audioEncoder.zeroGrad() }

    // MARK: - Eval-mode encoders

    /// (B, 3, S, S) normalised images → v̂ (B, C, S/16, S/16), L2-normalised over channels.
    public func encodeImage(_ images: Tensor) -> Tensor {
        ChannelL2Norm.forward(imageEncoder.forward(images))
    }

    /// (B, 1, mels, frames) → â (B, C): global max over the audio feature map, L2-normalised.
    public func encodeAudio(_ spec: Tensor) -> Tensor {
        ChannelL2Norm.forward(GlobalMaxPool.forward(audioEncoder.forward(spec)))
    }

    // MARK: - Similarity maps

    /// A[n, 0, h, w] = Σ_c v̂[n, c, h, w]·â[n, c]: image n with audio n → (B, 1, h, w).
    public static func similarityMap(visual: Tensor, audio: Tensor) -> Tensor {
        precondition(visual.rank == 4 && audio.rank == 2 && visual.shape[0] == audio.shape[0] && visual.shape[1] == audio.shape[1],
                     "similarityMap: visual \(visual.shape), audio \(audio.shape)")
        let B = visual.shape[0], C = visual.shape[1], P = visual.shape[2] * visual.shape[3]
        let out = Tensor(shape: [B, 1, visual.shape[2], visual.shape[3]])
        for n in 0..<B {
            BLAS.sgemm(m: 1, n: P, k: C, a: audio.data + n * C, lda: C, b: visual.data + n * C * P, ldb: P, c: out.data + n * P, ldc: P)
        }
        return out
    }

    /// Image `image` of `visual` against every audio row: A0[image, k] for k in 0..<K.
    public static func maps(visual: Tensor, image: Int, audio: Tensor) -> [SimilarityMap] {
        precondition(visual.rank == 4 && audio.rank == 2 && visual.shape[1] == audio.shape[1] && image < visual.shape[0],
                     "maps: visual \(visual.shape), image \(image), audio \(audio.shape)")
        let C = visual.shape[1], h = visual.shape[2], w = visual.shape[3], P = h * w, K = audio.shape[0]
        var out = [Float](repeating: 0, count: K * P)
        out.withUnsafeMutableBufferPointer { o in
            BLAS.sgemm(m: K, n: P, k: C, a: audio.data, lda: C, b: visual.data + image * C * P, ldb: P, c: o.baseAddress!, ldc: P)
        }
        return (0..<K).map { SimilarityMap(width: w, height: h, values: Array(out[($0 * P)..<(($0 + 1) * P)])) }
    }

    /// Instance conveniences for the static functions.
    public func similarityMap(visual: Tensor, audio: Tensor) -> Tensor { Self.similarityMap(visual: visual, audio: audio) }
    public func maps(visual: Tensor, image: Int, audio: Tensor) -> [SimilarityMap] { Self.maps(visual: visual, image: image, audio: audio) }
}
