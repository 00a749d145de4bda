/// The SSL-TIE / SSL-SaN network (SPEC §3): two ResNet-18 encoders and the audio-visual
/// cosine-similarity head (`SimilarityHead`). Eval-mode encoding is thread-safe. Training drives
/// `imageEncoder` / `audioEncoder` (`forwardTrain` / `backward`) and the head's backward from
/// Core/Training.
public final class SSLSaNModel: @unchecked Sendable {
    public let config: ModelConfig
    /// `imgnet`: 3-channel stem `conv1`.
    public let imageEncoder: ResNetEncoder
    /// `audnet`: 1-channel stem `conv1_a`.
    public let audioEncoder: ResNetEncoder
    /// state_dict tensors the network never uses (conv1_flow, fc, vision_fc1, conv3, norm3, the
    /// other modality's stem), kept from a loaded checkpoint so `save` writes them back.
    public var unusedTensors: [String: Tensor] = [:]
    /// The audio front end of this configuration (immutable tables; shared by every thread).
    public let melFrontEnd: MelSpectrogram

    /// Randomly initialised (SPEC §3.3) from `seed`.
    public init(config: ModelConfig = .full, seed: UInt64) {
        self.config = config
        melFrontEnd = MelSpectrogram(config: config)
        imageEncoder = ResNetEncoder(modality: .vision, widths: config.widths)
        audioEncoder = ResNetEncoder(modality: .audio, widths: config.widths)
        var rng = ParameterRNG(seed: seed)
        imageEncoder.initialise(&rng)
        audioEncoder.initialise(&rng)
    }

    public var encoders: [ResNetEncoder] { [imageEncoder, audioEncoder] }
    /// Both encoders' trainable tensors, PyTorch names, state_dict order.
    public var parameters: [Parameter] { imageEncoder.parameters + audioEncoder.parameters }
    public var buffers: [(name: String, value: Tensor)] { imageEncoder.buffers + audioEncoder.buffers }
    public var batchNorms: [(name: String, bn: BatchNorm2d)] { imageEncoder.batchNorms + audioEncoder.batchNorms }
    public var parameterCount: Int { imageEncoder.parameterCount + audioEncoder.parameterCount }
    public func zeroGrad() { imageEncoder.zeroGrad(); audioEncoder.zeroGrad() }

    // MARK: - Shape checks at the boundary

    /// Throws a clear error when `images` (B, 3, S, S) or `spectrogram` (B, 1, mels, frames) do
    /// not have the shapes this model's configuration takes. Front doors call it on tensors read
    /// from files (a batch dump, maps from elsewhere): inside the engine a wrong shape is a
    /// programming error and stops the process with a precondition.
    public func checkInputs(images: Tensor? = nil, spectrogram: Tensor? = nil, file: String? = nil) throws {
        let s = config.imageSize
        if let t = images, t.rank != 4 || Array(t.shape[1...]) != [3, s, s] {
            throw SSLSaNError("images have shape \(t.shape); the \(config.name) model takes (B, 3, \(s), \(s))", file: file)
        }
        if let t = spectrogram, t.rank != 4 || Array(t.shape[1...]) != [1, config.nMels, config.frames] {
            throw SSLSaNError("spectrograms have shape \(t.shape); the \(config.name) model takes (B, 1, \(config.nMels), \(config.frames))", file: file)
        }
        if let a = images, let b = spectrogram, a.shape[0] != b.shape[0] {
            throw SSLSaNError("\(a.shape[0]) images but \(b.shape[0]) spectrograms", file: file)
        }
    }

    // MARK: - Eval-mode encoders

    /// (B, 3, S, S) normalised images → v̂ (B, C, S/16, S/16), L2-normalised over channels.
    public func encodeImage(_ images: Tensor) -> Tensor {
        SimilarityHead.normalizeVisual(imageEncoder.forward(images)).vhat
    }

    /// (B, 1, mels, frames) → â (B, C): global max over the audio feature map, L2-normalised.
    public func encodeAudio(_ spec: Tensor) -> Tensor {
        SimilarityHead.poolNormalizeAudio(audioEncoder.forward(spec)).ahat
    }

    // MARK: - Similarity maps

    /// A[n, 0, h, w] = Σ_c v̂[n, c, h, w]·â[n, c]: image n with audio n → (B, 1, h, w).
    public static func similarityMap(visual: Tensor, audio: Tensor) -> Tensor {
        SimilarityHead.pairMaps(visual: visual, audio: audio)
    }

    /// Image `image` of `visual` against every audio row: A0[image, k] for k in 0..<K.
    public static func maps(visual: Tensor, image: Int, audio: Tensor) -> [SimilarityMap] {
        SimilarityHead.maps(visual: visual, image: image, audio: audio)
    }

    /// Instance conveniences for the static functions.
    public func similarityMap(visual: Tensor, audio: Tensor) -> Tensor { Self.similarityMap(visual: visual, audio: audio) }
    public func maps(visual: Tensor, image: Int, audio: Tensor) -> [SimilarityMap] { Self.maps(visual: visual, image: image, audio: audio) }
}
