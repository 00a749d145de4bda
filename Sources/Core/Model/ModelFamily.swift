import Foundation

/// The systems compared in the SSL-SaN paper that sslsan runs on its own engine. A family fixes
/// the network, the audio front end, the image normalisation, the silence/noise recipe and the
/// map post-processing that the authors' evaluation (`vssl_eval`) uses for it. Detection from a
/// checkpoint's key names, and each family's specification, extend this one type.
public enum ModelFamily: String, CaseIterable, Sendable {
    /// SSL-TIE (Liu et al. 2022) and SSL-SaN (SSL-TIE trained with silence and noise): same network.
    case sslTie = "ssl-tie"
    /// LVS (Chen et al. 2021).
    case lvs
    /// SSL-Align (Senocak et al. 2023): LVS's network, its own weights and threshold.
    case sslAlign = "ssl-align"
    /// EZ-VSL (Mo and Morgado 2022).
    case ezvsl = "ez-vsl"
    /// FNAC (Sun et al. 2023).
    case fnac
    /// SLAVC (Mo and Morgado 2022).
    case slavc
    /// RCGrad (Wu et al. 2023): Grad-CAM-style map of a contrastive model.
    case rcgrad

    /// The name papers print.
    public var displayName: String {
        switch self {
        case .sslTie: return "SSL-TIE"
        case .lvs: return "LVS"
        case .sslAlign: return "SSL-Align"
        case .ezvsl: return "EZ-VSL"
        case .fnac: return "FNAC"
        case .slavc: return "SLAVC"
        case .rcgrad: return "RCGrad"
        }
    }
}

// MARK: - What each family is, as vssl_eval (RCGrad: its own code) evaluates it

extension ModelFamily {
    /// The network variant: backbone strides and names, and the head.
    public enum Head: String, Sendable {
        /// A = ⟨v̂, â⟩ of L2-normalised features (SSL-TIE, LVS, SSL-Align): raw cosine map.
        case cosine
        /// 1×1-conv image projection and linear audio projection (with biases), then the cosine
        /// map rescaled to (cos + 1)/2 (EZ-VSL, FNAC).
        case projected
        /// SLAVC: two projection pairs, map = ((cos₁ + cos₂)/2 + 1)/2.
        case twoProjections
        /// RCGrad: Grad-CAM of ⟨avgpool F, a⟩ at layer4, which is ⟨a, F(h,w)⟩/(h·w) (no backward pass).
        case gradCAM
    }

    /// The audio front end.
    public enum AudioFrontEnd: Sendable, Equatable {
        /// torchaudio mel in dB (`MelSpectrogram`, SSL-TIE).
        case logMel
        /// scipy log-spectrogram ÷ 12 (`ScipyLogSpectrogram`) with this window, overlap and crop.
        case scipy(window: ZooAudioWindow, noverlap: Int, cropFrames: Int?, logNegatives: Bool)
        /// RCGrad's in-model spectrogram, log and standardisation (`RCGradSpectrogram`).
        case rcgrad
    }

    /// Everything that differs between the families, in one value (`sslsan models` prints it).
    public struct Specification: Sendable {
        public var imagePrefix: String
        public var audioPrefix: String
        public var audioStem: String
        public var imageLayer4Stride: Int
        public var audioLayer4Stride: Int
        public var head: Head
        public var audioFrontEnd: AudioFrontEnd
        public var imageNormalisation: ImageTransform.Normalisation
        /// Image transform: vssl_eval's tensor bicubic squash, or Pillow's antialiased one (RCGrad).
        public var pillowImageResize: Bool
        /// The audio encoder's BatchNorm normalises with the input's own statistics (RCGrad's
        /// released inference never calls `.eval()` on it).
        public var audioBatchStatistics: Bool
        /// How the native map becomes the thresholded 224×224 map and meets a threshold (the
        /// threshold space of U, the paper threshold and `--threshold`; see `MapPostProcessing`).
        public var postProcessing: MapPostProcessing
        /// vssl_eval's universal threshold `<model>_th_maxq3` (the paper's Uth), on the family's
        /// map scale; nil where vssl_eval defines none (RCGrad).
        public var paperThreshold: Float?
        /// Entries released files carry beyond the family's state_dict (`expectedKeys`, which
        /// already lists the unused stems, `fc` and momentum encoders): known, never read, not reported.
        public var extraKeyPrefixes: [String]
        /// One line for `sslsan models`.
        public var summary: String
    }

    public var specification: Specification {
        let vssl = ZooAudioWindow.self
        switch self {
        case .sslTie:
            return Specification(imagePrefix: "imgnet", audioPrefix: "audnet", audioStem: "conv1_a", imageLayer4Stride: 1, audioLayer4Stride: 1,
                                 head: .cosine, audioFrontEnd: .logMel, imageNormalisation: .imagenet, pillowImageResize: false,
                                 audioBatchStatistics: false, postProcessing: MapPostProcessing.sslTie,
                                 paperThreshold: 0.3338,
                                 extraKeyPrefixes: [],
                                 summary: "ResNet-18 ×2 (layer4 stride 1, 14×14 map), torchaudio log-mel dB 257×670 (10 s), ImageNet, raw cosine")
        case .lvs, .sslAlign:
            return Specification(imagePrefix: "imgnet", audioPrefix: "audnet", audioStem: "conv1_a", imageLayer4Stride: 1, audioLayer4Stride: 1,
                                 head: .cosine, audioFrontEnd: .scipy(window: vssl.lvsCrop, noverlap: 353, cropFrames: nil, logNegatives: true),
                                 imageNormalisation: .imagenet, pillowImageResize: false, audioBatchStatistics: false,
                                 postProcessing: MapPostProcessing(positive: .alignCornersExceptVGGSS, scale: .raw, comparison: .float32),
                                 paperThreshold: self == .lvs ? 0.6077 : 0.3175, extraKeyPrefixes: [],
                                 summary: "ResNet-18 ×2 (layer4 stride 1, 14×14 map), scipy log-spectrogram/12 257×299 (3 s at 3.5–6.5 s), ImageNet, raw cosine")
        case .ezvsl, .fnac:
            let seconds = self == .fnac ? 3.0 : 10.0
            return Specification(imagePrefix: "imgnet", audioPrefix: "audnet", audioStem: "conv1", imageLayer4Stride: 2, audioLayer4Stride: 2,
                                 head: .projected,
                                 audioFrontEnd: .scipy(window: .centredRoll(seconds: seconds), noverlap: 274, cropFrames: 200, logNegatives: false),
                                 imageNormalisation: .imagenet, pillowImageResize: false, audioBatchStatistics: false,
                                 postProcessing: MapPostProcessing(positive: .alignCorners, scale: .halfCosine, comparison: .float32),
                                 paperThreshold: self == .fnac ? 0.5538 : 0.6382, extraKeyPrefixes: [],
                                 summary: "torchvision ResNet-18 ×2 (7×7 map) + projections, scipy log-spectrogram/12 257×200 (\(Int(seconds)) s, centred), ImageNet, (cos+1)/2")
        case .slavc:
            return Specification(imagePrefix: "imgnet", audioPrefix: "audnet", audioStem: "conv1", imageLayer4Stride: 2, audioLayer4Stride: 2,
                                 head: .twoProjections,
                                 audioFrontEnd: .scipy(window: .centredRoll(seconds: 10), noverlap: 274, cropFrames: 200, logNegatives: false),
                                 imageNormalisation: .imagenet, pillowImageResize: false, audioBatchStatistics: false,
                                 postProcessing: MapPostProcessing(positive: .alignCorners, scale: .halfCosine, comparison: .float32),
                                 paperThreshold: 0.5450, extraKeyPrefixes: [],
                                 summary: "torchvision ResNet-18 ×2 (7×7 map) + two projection pairs, scipy log-spectrogram/12 257×200 (10 s, centred), ImageNet, ((cos₁+cos₂)/2+1)/2")
        case .rcgrad:
            return Specification(imagePrefix: "image_encoder", audioPrefix: "audio_encoder", audioStem: "conv1", imageLayer4Stride: 1, audioLayer4Stride: 2,
                                 head: .gradCAM, audioFrontEnd: .rcgrad, imageNormalisation: .clip, pillowImageResize: true,
                                 audioBatchStatistics: true,
                                 postProcessing: MapPostProcessing(positive: .cv2Linear, scale: .gradCAM, comparison: .float32),
                                 paperThreshold: nil,
                                 extraKeyPrefixes: ["loss_fn."],
                                 summary: "ResNet-18 image (14×14) + ResNetSpec audio (in-model spectrogram 257×454, 10 s), CLIP, Grad-CAM min–max")
        }
    }

    /// Case-insensitive name, display name or raw value ("EZ-VSL", "ezvsl", "ssl_align"…).
    public init?(name: String) {
        let key = name.lowercased().filter { $0.isLetter || $0.isNumber }
        guard let f = ModelFamily.allCases.first(where: { $0.rawValue.filter { $0.isLetter || $0.isNumber } == key
                                                          || $0.displayName.lowercased().filter { $0.isLetter || $0.isNumber } == key }) else { return nil }
        self = f
    }

    /// The family of a model label as `LocalisationModel.label` prints it and maps files record
    /// it: a family name ("EZ-VSL"), or one followed by the configuration ("SSL-TIE demo").
    public init?(label: String) {
        guard let f = ModelFamily(name: label) ?? label.split(separator: " ").first.flatMap({ ModelFamily(name: String($0)) }) else { return nil }
        self = f
    }
}
