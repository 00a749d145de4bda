import Foundation
import Core

/// The explorer's model: an SSL-SaN / SSL-TIE checkpoint with its front ends
/// (vssl_eval squash + ImageNet normalisation; tiled log-mel, negatives per the configuration).
public final class SSLSaNExplorerModel: ExplorerModel, @unchecked Sendable {
    public let model: SSLSaNModel
    public let name: String
    let mel: MelSpectrogram

    public init(path: String) throws {
        model = try SSLSaNModel.load(path)
        name = URL(fileURLWithPath: path).lastPathComponent
        mel = MelSpectrogram(config: model.config)
    }

    public init(model: SSLSaNModel, name: String) {
        self.model = model; self.name = name
        mel = MelSpectrogram(config: model.config)
    }

    public var sampleRate: Int { model.config.sampleRate }
    public var windowSamples: Int { model.config.windowSamples }

    public func encodeImage(_ image: RGBImage) throws -> Tensor {
        model.encodeImage(ImageTransform.evalTensor(image, size: model.config.imageSize))
    }

    public func encodeAudio(_ waveform: [Float], negative: Bool) -> Tensor {
        let w = mel.window(waveform)
        if negative && !model.config.negativesInDB { return model.encodeAudio(mel.power(w)) }
        return model.encodeAudio(mel.logMel(window: w))
    }
}
