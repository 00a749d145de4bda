import Foundation

/// LVS, SSL-Align, EZ-VSL, FNAC, SLAVC and RCGrad on sslsan's one engine: the same
/// `ResNetEncoder` (with the family's strides and names), `Linear` projections, and the
/// family's front ends and head (`ModelFamily.Specification`). Eval only; thread-safe.
///
/// Every head is a dot product between an image embedding (1, C, h, w) and an audio embedding
/// (C), followed by an affine map of the family's scale, so one GEMM row gives one map:
/// - cosine (LVS, SSL-Align): v̂ = L2(F), â = L2(globalmax G), A = ⟨v̂, â⟩;
/// - projected (EZ-VSL, FNAC): v̂ = L2(proj F), â = L2(proj globalmax G), A = ((⟨v̂, â⟩/τ)·τ + 1)/2;
/// - two projections (SLAVC): v̂ = [L2(proj₁ F); L2(proj₂ F)], â = [L2(proj₁ g); L2(proj₂ g)]
///   stacked along channels, so ⟨v̂, â⟩ = cos₁ + cos₂ and A = ((cos₁ + cos₂)/2 + 1)/2;
/// - Grad-CAM (RCGrad): v = F (layer4, post-ReLU), a = avgpool G (no normalisation). The gradient
///   of ⟨avgpool F, a⟩ with respect to F is a/(h·w) at every position, so Grad-CAM's channel
///   weights are a/(h·w) and the map is max(0, ⟨a, F(h,w)⟩)/(h·w): no backward pass.
public final class ZooModel: @unchecked Sendable {
    public let family: ModelFamily
    public let specification: ModelFamily.Specification
    public let imageEncoder: ResNetEncoder
    public let audioEncoder: ResNetEncoder
    /// `img_proj` or `img_proj1`, `img_proj2` (1×1 conv with bias); empty for cosine / Grad-CAM.
    public let imageProjections: [Linear]
    /// `aud_proj` or `aud_proj1`, `aud_proj2` (Linear with bias).
    public let audioProjections: [Linear]
    /// RCGrad: run the audio BatchNorms with the input's own statistics, as the released code does
    /// (default from the specification; false gives eval-mode running statistics).
    public var audioBatchStatistics: Bool
    /// Keys of the loaded file that no part of the forward reads and that are not known to be
    /// unused (listed by the front doors, not silently dropped).
    public private(set) var unexpectedKeys: [String] = []

    let scipy: ScipyLogSpectrogram?
    let rcgrad: RCGradSpectrogram?

    public static let widths = [64, 128, 256, 512]
    public static let tau: Float = 0.03

    /// The family's network with zero weights (load them with `load(from:)`).
    public init(family: ModelFamily) {
        precondition(family != .sslTie, "ZooModel: SSL-TIE is SSLSaNModel")
        self.family = family
        let s = family.specification
        specification = s
        imageEncoder = ResNetEncoder(modality: .vision, widths: Self.widths, prefix: s.imagePrefix, stemName: "conv1", layer4Stride: s.imageLayer4Stride)
        audioEncoder = ResNetEncoder(modality: .audio, widths: Self.widths, prefix: s.audioPrefix, stemName: s.audioStem, layer4Stride: s.audioLayer4Stride)
        let pairs = s.head == .projected ? 1 : s.head == .twoProjections ? 2 : 0
        imageProjections = (0..<pairs).map { _ in Linear(inFeatures: 512, outFeatures: 512) }
        audioProjections = (0..<pairs).map { _ in Linear(inFeatures: 512, outFeatures: 512) }
        audioBatchStatistics = s.audioBatchStatistics
        switch s.audioFrontEnd {
        case .scipy(let window, let noverlap, let crop, let logNegatives):
            scipy = ScipyLogSpectrogram(window: window, noverlap: noverlap, cropFrames: crop, logNegatives: logNegatives); rcgrad = nil
        case .rcgrad: scipy = nil; rcgrad = RCGradSpectrogram()
        case .logMel: preconditionFailure("ZooModel: the log-mel front end is SSLSaNModel's")
        }
    }

    // MARK: - Names

    /// Every tensor the forward reads, with its state_dict name (no `module.`), in file order.
    public var namedTensors: [(name: String, value: Tensor)] {
        func encoder(_ e: ResNetEncoder) -> [(String, Tensor)] {
            e.modules.flatMap { m -> [(String, Tensor)] in
                switch m.module {
                case .conv(let c): return [("\(m.name).weight", c.weight)]
                case .batchNorm(let b):
                    return [("\(m.name).weight", b.weight), ("\(m.name).bias", b.bias),
                            ("\(m.name).running_mean", b.runningMean), ("\(m.name).running_var", b.runningVar)]
                }
            }
        }
        func projections(_ ps: [Linear], _ stem: String) -> [(String, Tensor)] {
            ps.enumerated().flatMap { i, p -> [(String, Tensor)] in
                let n = ps.count == 1 ? stem : "\(stem)\(i + 1)"
                return [("\(n).weight", p.weight), ("\(n).bias", p.bias)]
            }
        }
        return encoder(imageEncoder) + projections(imageProjections, "img_proj") + encoder(audioEncoder) + projections(audioProjections, "aud_proj")
    }

    /// Copies the weights from any tensor source (safetensors, torch.save archive). `module.`
    /// prefixes are stripped. Missing or mis-shaped tensors are one error naming the file; keys
    /// outside the family's state_dict (`ModelFamily.expectedKeys`) and its known extras
    /// (`extraKeyPrefixes`) are kept in `unexpectedKeys`.
    public func load(from source: any TensorSource) throws {
        var byName: [String: String] = [:]
        for n in source.names { byName[n.hasPrefix("module.") ? String(n.dropFirst(7)) : n] = n }
        var missing: [String] = [], wrongShape: [String] = [], wrongType: [String] = []
        for (name, t) in namedTensors {
            guard let key = byName[name], let info = source.dtypeAndShape(key) else { missing.append(name); continue }
            let expected = t.shape
            // 1×1 conv weights (out, in, 1, 1) load into the (out, in) projection.
            let shape = info.shape.count == 4 && expected.count == 2 && info.shape[2] == 1 && info.shape[3] == 1 ? Array(info.shape[0..<2]) : info.shape
            guard shape == expected else { wrongShape.append("\(name) \(info.shape) (expected \(expected))"); continue }
            guard Checkpoint.floatTypes.contains(info.dtype) else { wrongType.append("\(name) \(info.dtype.rawValue)"); continue }
            let v = try source.tensor(key)
            v.reshape(expected)
            t.copy(from: v)
        }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("missing \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? " and \(missing.count - 8) more" : "")") }
        if !wrongShape.isEmpty { problems.append("wrong shape \(wrongShape.prefix(8).joined(separator: ", "))") }
        if !wrongType.isEmpty { problems.append("unsupported dtype \(wrongType.prefix(8).joined(separator: ", "))") }
        if !problems.isEmpty {
            throw SSLSaNError("checkpoint does not fit \(family.displayName): \(problems.joined(separator: "; "))", file: source.path)
        }
        let known = Set(family.expectedKeys().map(\.name))
        unexpectedKeys = byName.keys.filter { k in !known.contains(k) && !specification.extraKeyPrefixes.contains { k.hasPrefix($0) } }.sorted()
    }

    // MARK: - Front ends

    public var sampleRate: Int { ZooAudioWindow.sampleRate }
    public var imageSize: Int { 224 }

    /// The image tensor (1, 3, 224, 224) the family's evaluation feeds.
    public func imageInput(_ image: RGBImage) -> Tensor {
        specification.pillowImageResize
            ? ImageTransform.pillowSquashTensor(image, size: imageSize, statistics: specification.imageNormalisation)
            : ImageTransform.evalTensor(image, size: imageSize)
    }

    /// The audio encoder's input for a clip at `sampleRate`.
    public func audioInput(_ clip: AudioClip) -> Tensor {
        scipy?.tensor(clip) ?? rcgrad!.tensor(clip)
    }

    /// Silence or noise as the family's evaluation makes them (noise from `Random(seed:)`).
    public func negativeInput(_ condition: AudioCondition, seed: UInt64) -> Tensor {
        negativeInput(condition, waveform: negativeWaveform(condition, seed: seed))
    }

    /// Zeros, or `NegativeAudio.noise(count:seed:)`, at the length the family's evaluation makes
    /// its negatives (the front end's window: 3 s for LVS, SSL-Align and FNAC, 10 s otherwise).
    public func negativeWaveform(_ condition: AudioCondition, seed: UInt64) -> [Float] {
        let l = (scipy?.window ?? rcgrad!.window).length
        switch condition {
        case .silence: return [Float](repeating: 0, count: l)
        case .noise: return NegativeAudio.noise(count: l, seed: seed)
        case .positive, .offscreen: preconditionFailure("ZooModel.negativeWaveform: \(condition) audio comes from a file")
        }
    }

    /// The family's silence / noise front end on a waveform (tiled to its window).
    public func negativeInput(_ condition: AudioCondition, waveform: [Float]) -> Tensor {
        scipy?.negative(condition, waveform: waveform.map(Double.init)) ?? rcgrad!.negative(condition, waveform: waveform)
    }

    // MARK: - Encoders

    /// (B, 3, 224, 224) → the image embedding (B, C, h, w) the head's dot product reads.
    public func imageEmbedding(_ images: Tensor, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let f = imageEncoder.forward(images, observe: observe)
        switch specification.head {
        case .cosine: return SimilarityHead.normalizeVisual(f).vhat
        case .gradCAM: return f
        case .projected, .twoProjections:
            let parts = imageProjections.enumerated().map { i, p -> Tensor in
                let proj = p.forward(maps: f)
                observe?(imageProjections.count == 1 ? "img_proj" : "img_proj\(i + 1)", proj)
                return SimilarityHead.normalizeVisual(proj).vhat
            }
            return parts.count == 1 ? parts[0] : Self.concatChannels(parts)
        }
    }

    /// (B, 1, F, T) → the audio embedding (B, D).
    public func audioEmbedding(_ spec: Tensor, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let g = audioEncoder.forward(spec, batchStatistics: audioBatchStatistics, observe: observe)
        switch specification.head {
        case .cosine: return SimilarityHead.poolNormalizeAudio(g).ahat
        case .gradCAM: return SimilarityHead.globalMean(g)
        case .projected, .twoProjections:
            let pooled = SimilarityHead.globalMax(g)
            observe?("aud_pooled", pooled)
            let parts = audioProjections.enumerated().map { i, p -> Tensor in
                let proj = p.forward(vectors: pooled)
                observe?(audioProjections.count == 1 ? "aud_proj" : "aud_proj\(i + 1)", proj)
                return SimilarityHead.normalizeRows(proj)
            }
            return parts.count == 1 ? parts[0] : Self.concatColumns(parts)
        }
    }

    // MARK: - Maps

    /// Image `index` of `visual` against every audio row (K, D): the native maps on the family's
    /// scale (raw cosine, (cos+1)/2, or Grad-CAM before its min–max).
    public func maps(visual: Tensor, index: Int, audio: Tensor) -> [SimilarityMap] {
        let dots = SimilarityHead.maps(visual: visual, image: index, audio: audio)
        let positions = Float(visual.shape[2] * visual.shape[3]), tau = Self.tau
        let f: (Float) -> Float
        switch specification.head {
        case .cosine: return dots
        case .projected: f = { (($0 / tau) * tau + 1) / 2 }
        case .twoProjections: f = { ($0 / 2 + 1) / 2 }
        case .gradCAM: f = { Swift.max(0, $0) / positions }
        }
        return dots.map { SimilarityMap(width: $0.width, height: $0.height, values: $0.values.map(f)) }
    }

    // MARK: - Helpers

    static func concatChannels(_ parts: [Tensor]) -> Tensor {
        let b = parts[0].shape[0], hw = parts[0].shape[2] * parts[0].shape[3]
        let cs = parts.map { $0.shape[1] }, total = cs.reduce(0, +)
        let out = Tensor(shape: [b, total, parts[0].shape[2], parts[0].shape[3]])
        for n in 0..<b {
            var off = n * total * hw
            for (p, c) in zip(parts, cs) {
                (out.data + off).update(from: p.data + n * c * hw, count: c * hw); off += c * hw
            }
        }
        return out
    }

    static func concatColumns(_ parts: [Tensor]) -> Tensor {
        let b = parts[0].shape[0], cs = parts.map { $0.shape[1] }, total = cs.reduce(0, +)
        let out = Tensor(shape: [b, total])
        for n in 0..<b {
            var off = n * total
            for (p, c) in zip(parts, cs) { (out.data + off).update(from: p.data + n * c, count: c); off += c }
        }
        return out
    }
}
