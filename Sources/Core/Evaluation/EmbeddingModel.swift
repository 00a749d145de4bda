import Foundation

/// What scoring needs from a model, and nothing more: an image embedding, an audio embedding
/// and maps from the two. `Evaluator` (and through it `sslsan eval`, the explorer, `render` and
/// the trainer's validation) and `EmbeddingCache` use only this, so any family of the zoo scores,
/// caches and shards the same way once it conforms. The front end (image transform, log-mel,
/// silence/noise convention) belongs to the model: a family with another front end says so here.
///
/// Contract:
/// - `imageEmbedding` returns v̂ (1, C, h, w) of one image; `maps` pairs image 0 of such a tensor
///   with each row of `audio` (K, C), one map per row, each map computed on its own (a map must
///   not depend on the other rows: merge(shards) equals one run, and the cache may mix maps).
/// - `audioEmbedding` returns â (C) of one clip; `negativeEmbedding` â of silence (seed ignored)
///   or of the noise with `seed`.
/// - All of them are safe to call from several threads at once (eval mode, no shared scratch).
/// - `fingerprint()` names the weights and the front end: equal fingerprints must give equal
///   embeddings. It keys the on-disk cache, so it changes whenever a weight or a config field
///   does; it may cost one pass over the weights (the evaluator calls it once).
public protocol EmbeddingModel: AnyObject, Sendable {
    var config: ModelConfig { get }
    func imageEmbedding(_ image: RGBImage) -> Tensor
    func audioEmbedding(_ clip: AudioClip) -> [Float]
    func negativeEmbedding(_ condition: AudioCondition, seed: UInt64) -> [Float]
    func maps(visual: Tensor, audio: Tensor) -> [SimilarityMap]
    func fingerprint() -> String
}

/// SSL-SaN / SSL-TIE through `EmbeddingModel`: the eval squash transform, torchaudio's log-mel
/// and `NegativeAudio`'s silence and noise, as SPEC §6.0 scores them.
public final class SSLSaNEmbedding: EmbeddingModel, @unchecked Sendable {
    public let model: SSLSaNModel
    let mel: MelSpectrogram

    public init(_ model: SSLSaNModel) {
        self.model = model
        mel = MelSpectrogram(config: model.config)
    }

    public var config: ModelConfig { model.config }

    public func imageEmbedding(_ image: RGBImage) -> Tensor {
        model.encodeImage(ImageTransform.evalTensor(image, size: model.config.imageSize))
    }

    public func audioEmbedding(_ clip: AudioClip) -> [Float] { model.encodeAudio(mel.logMel(clip)).array }

    public func negativeEmbedding(_ condition: AudioCondition, seed: UInt64) -> [Float] {
        model.encodeAudio(NegativeAudio.spectrogram(condition, config: model.config, seed: seed)).array
    }

    public func maps(visual: Tensor, audio: Tensor) -> [SimilarityMap] {
        SSLSaNModel.maps(visual: visual, image: 0, audio: audio)
    }

    /// XXH64 over the config (as the checkpoint metadata stores it) and every used tensor, name
    /// and values, in state_dict order: ~30 ms for the full model's 257 tensors.
    public func fingerprint() -> String {
        var h = ContentHash.xxh64(model.config.metadataJSON)
        for (name, t) in model.namedTensors {
            h = ContentHash.xxh64(name, seed: h)
            h = t.withUnsafeBufferPointer { ContentHash.xxh64(UnsafeRawBufferPointer($0), seed: h) }
        }
        return "sslsan-\(model.config.name)-\(ContentHash.hex(h))"
    }
}
