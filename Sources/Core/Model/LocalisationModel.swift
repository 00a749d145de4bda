import Foundation

/// The one interface every front door runs a model of any family through (`Evaluator` and its
/// `EmbeddingCache`, `infer`, `eval` with shards and baselines, `render`, the explorer's scene
/// worker, the trainer's validation). Three steps, each a pure function of its input, so a cache
/// can keep what the middle step returns:
///
///     front end   RGBImage → image input (1,3,S,S)        AudioClip → audio input (1,1,F,T)
///     encoder     image input → image embedding (B,C,h,w) audio input → audio embedding (B,D)
///     head        maps(image embedding, index, audio embeddings (K,D)) → K native maps
///
/// An image embedding is encoded once per image and an audio embedding once per clip (silence
/// once, noise once per seed); a map needs nothing else, so an encode-once embedding cache keys
/// embeddings by (model, file) and calls only `maps` afterwards. Maps are on the family's own
/// scale (raw cosine, (cos+1)/2, Grad-CAM) at native resolution; `specification.postProcessing`
/// says how they become 224×224 and `specification.paperThreshold` is vssl_eval's U for them.
///
/// Contract:
/// - `maps` pairs image `index` with each row of `audio`, each map computed on its own (a map must
///   not depend on the other rows: merged shards equal one run, and the cache may mix maps).
/// - Everything is safe to call from several threads at once (eval mode, no shared scratch).
/// - `fingerprint()` names the family, the weights and the front end: equal fingerprints must give
///   equal embeddings. It keys the on-disk `EmbeddingCache`, so it changes whenever a weight or a
///   config field does; it may cost one pass over the weights (the evaluator calls it once).
public protocol LocalisationModel: AnyObject, Sendable {
    var family: ModelFamily { get }
    var specification: ModelFamily.Specification { get }
    /// Rate clips are read at before `audioInput`.
    var sampleRate: Int { get }
    var imageSize: Int { get }
    /// A name for tables and status lines ("SSL-TIE full", "EZ-VSL").
    var label: String { get }
    /// Samples (at `sampleRate`) of a file the front end can use, for windowed reads; nil: the
    /// whole file (the vssl_eval windows centre on the whole file's duration).
    var audioSamplesRead: Int? { get }

    func imageInput(_ image: RGBImage) -> Tensor
    func audioInput(_ clip: AudioClip) -> Tensor
    /// Silence, or noise from `Random(seed:)`, as the family's evaluation makes them.
    func negativeInput(_ condition: AudioCondition, seed: UInt64) -> Tensor
    /// The silence or noise waveform (at `sampleRate`, the family's length) that
    /// `negativeInput(_:seed:)` encodes: what the explorer plays and slides its live window over.
    func negativeWaveform(_ condition: AudioCondition, seed: UInt64) -> [Float]
    /// The family's silence / noise front end on a waveform: the whole `negativeWaveform` (then
    /// equal to `negativeInput(_:seed:)`) or a slice of it, tiled to the family's window as a clip
    /// is (the explorer's live map of a negative).
    func negativeInput(_ condition: AudioCondition, waveform: [Float]) -> Tensor

    func imageEmbedding(_ input: Tensor) -> Tensor
    func audioEmbedding(_ input: Tensor) -> Tensor
    /// Image `index` of `visual` against every row of `audio` (K, D): K native maps.
    func maps(visual: Tensor, index: Int, audio: Tensor) -> [SimilarityMap]
    /// The cache key of these weights and front end (see the contract above).
    func fingerprint() -> String
}

extension LocalisationModel {
    /// One image embedding against one audio embedding: one GEMM row, so a map does not depend
    /// on what else is scored with it.
    public func map(visual: Tensor, audio: [Float]) -> SimilarityMap {
        maps(visual: visual, index: 0, audio: Tensor(shape: [1, audio.count], values: audio))[0]
    }

    /// The threshold a front door offers first: vssl_eval's for the family, else nil.
    public var paperThreshold: Float? { specification.paperThreshold }

    /// The front end and encoder in one step: v̂ (1, C, h, w) of one image.
    public func imageEmbedding(_ image: RGBImage) -> Tensor { imageEmbedding(imageInput(image)) }
    /// â (D) of one clip.
    public func audioEmbedding(_ clip: AudioClip) -> [Float] { audioEmbedding(audioInput(clip)).array }
    /// â of silence (seed ignored) or of the noise with `seed`.
    public func negativeEmbedding(_ condition: AudioCondition, seed: UInt64) -> [Float] {
        audioEmbedding(negativeInput(condition, seed: seed)).array
    }

    /// XXH64 over `header` (family and config as text) and every tensor the forward reads, name and
    /// values, in state_dict order: ~30 ms for SSL-TIE's 257 tensors. `name` starts the result.
    static func fingerprint(name: String, header: String, tensors: [(name: String, value: Tensor)]) -> String {
        var h = ContentHash.xxh64(header)
        for (n, t) in tensors {
            h = ContentHash.xxh64(n, seed: h)
            h = t.withUnsafeBufferPointer { ContentHash.xxh64(UnsafeRawBufferPointer($0), seed: h) }
        }
        return "\(name)-\(ContentHash.hex(h))"
    }
}

extension SSLSaNModel: LocalisationModel {
    public var family: ModelFamily { .sslTie }
    public var specification: ModelFamily.Specification { ModelFamily.sslTie.specification }
    public var sampleRate: Int { config.sampleRate }
    public var imageSize: Int { config.imageSize }
    public var label: String { config.name == "full" ? "SSL-TIE" : "SSL-TIE \(config.name)" }
    public var audioSamplesRead: Int? { config.windowSamples }

    /// vssl_eval's squash + ImageNet normalisation (`ImageTransform.evalTensor`).
    public func imageInput(_ image: RGBImage) -> Tensor { ImageTransform.evalTensor(image, size: config.imageSize) }
    public func audioInput(_ clip: AudioClip) -> Tensor { melFrontEnd.logMel(clip) }
    public func negativeInput(_ condition: AudioCondition, seed: UInt64) -> Tensor {
        NegativeAudio.spectrogram(condition, config: config, seed: seed)
    }
    public func negativeWaveform(_ condition: AudioCondition, seed: UInt64) -> [Float] {
        condition == .silence ? NegativeAudio.silence(config: config) : NegativeAudio.noise(config: config, seed: seed)
    }
    /// `NegativeAudio`'s convention (dB or linear power) on the waveform tiled by `MelSpectrogram.window`.
    public func negativeInput(_ condition: AudioCondition, waveform: [Float]) -> Tensor {
        NegativeAudio.spectrogram(waveform: melFrontEnd.window(waveform), mel: melFrontEnd)
    }
    public func imageEmbedding(_ input: Tensor) -> Tensor { encodeImage(input) }
    public func audioEmbedding(_ input: Tensor) -> Tensor { encodeAudio(input) }
    public func maps(visual: Tensor, index: Int, audio: Tensor) -> [SimilarityMap] {
        Self.maps(visual: visual, image: index, audio: audio)
    }
    /// The config as the checkpoint metadata stores it, then the weights.
    public func fingerprint() -> String {
        Self.fingerprint(name: "sslsan-\(config.name)", header: config.metadataJSON, tensors: namedTensors)
    }
}

extension ZooModel: LocalisationModel {
    public var label: String { family.displayName }
    public var audioSamplesRead: Int? { nil }
    public func imageEmbedding(_ input: Tensor) -> Tensor { imageEmbedding(input, observe: nil) }
    public func audioEmbedding(_ input: Tensor) -> Tensor { audioEmbedding(input, observe: nil) }
    /// The family and the audio BatchNorm mode (the front ends follow from the family), then the weights.
    public func fingerprint() -> String {
        Self.fingerprint(name: family.rawValue, header: "\(family.rawValue) batchStatistics=\(audioBatchStatistics)", tensors: namedTensors)
    }
}

/// Opening a checkpoint of any family: the front doors' one entry point.
public enum LocalisationModels {
    /// Metadata key naming the family in files sslsan writes.
    public static let familyKey = "sslsan.family"

    /// Loads `path` (safetensors or a torch.save file: `openTensorSource`) as `family`, or as the
    /// family its metadata names, or as `ModelFamily.detect(from:)` finds from its key names.
    public static func open(_ path: String, family: ModelFamily? = nil) throws -> any LocalisationModel {
        let source = try openTensorSource(path)
        let named = source.metadata[familyKey].flatMap(ModelFamily.init(name:))
        guard let chosen = family ?? named ?? ModelFamily.detect(from: source)?.family else {
            throw SSLSaNError("no supported model family fits this checkpoint's \(source.names.count) tensor names; name one with --model (\(ModelFamily.allCases.map(\.rawValue).joined(separator: ", ")))", file: path)
        }
        if chosen == .sslTie {
            let config = try ModelConfig.from(metadata: source.metadata, file: path)
            let model = SSLSaNModel(config: config, seed: 0)
            try Checkpoint.load(source, into: model)
            return model
        }
        let model = ZooModel(family: chosen)
        try model.load(from: source)
        return model
    }
}
