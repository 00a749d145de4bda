import Foundation

/// Each family's state_dict (names, shapes, dtypes in PyTorch order) and detection of the family
/// from a checkpoint's key names.
///
/// The key lists are generated from the networks' structure (torchvision-style ResNet-18 encoders
/// plus each family's heads), not pasted: `ModelFamilyTests` checks them against the reference
/// lists in `../shared/golden/zoo/<family>/keys.txt` and, for SSL-TIE, against `Checkpoint.layout`.
extension ModelFamily {
    /// One state_dict entry a family's network holds.
    public struct Key: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let dtype: SafetensorsDType
        /// Present in the state_dict but not used by the family's forward pass (a loader may do
        /// without it; PyTorch's `strict=True` may not).
        public let unused: Bool
    }

    /// The family's state_dict keys as its authors' code holds it (no `module.` prefix). `widths`
    /// are the channels of layer1…4 (sslsan's reduced SSL-TIE presets keep the names).
    public func expectedKeys(widths: [Int] = [64, 128, 256, 512]) -> [Key] {
        let w = widths
        let lvsStems: [(String, Int)] = [("conv1_a", 1), ("conv1", 3), ("conv1_flow", 6)]
        switch self {
        case .sslTie:
            return Self.resnet("imgnet", stems: lvsStems, used: "conv1", fc: true, widths: w)
                + Self.resnet("audnet", stems: lvsStems, used: "conv1_a", fc: true, widths: w)
                + [Self.key("vision_fc1.weight", [w[3], 2 * w[3], 1, 1], unused: true), Self.key("vision_fc1.bias", [w[3]], unused: true),
                   Self.key("conv3.weight", [1, 1, 1, 1], unused: true), Self.key("conv3.bias", [1], unused: true)]
                + Self.batchNorm("norm3", 1, unused: true)
        case .lvs, .sslAlign:
            return Self.resnet("imgnet", stems: lvsStems, used: "conv1", fc: true, widths: w)
                + Self.resnet("audnet", stems: lvsStems, used: "conv1_a", fc: true, widths: w)
        case .ezvsl, .fnac:
            return Self.resnet("imgnet", stems: [("conv1", 3)], used: "conv1", fc: false, widths: w) + Self.projection("img_proj", w[3], conv: true)
                + Self.resnet("audnet", stems: [("conv1", 1)], used: "conv1", fc: false, widths: w) + Self.projection("aud_proj", w[3], conv: false)
        case .slavc:
            let online = Self.resnet("imgnet", stems: [("conv1", 3)], used: "conv1", fc: false, widths: w)
                + Self.projection("img_proj1", w[3], conv: true) + Self.projection("img_proj2", w[3], conv: true)
                + Self.resnet("audnet", stems: [("conv1", 1)], used: "conv1", fc: false, widths: w)
                + Self.projection("aud_proj1", w[3], conv: false) + Self.projection("aud_proj2", w[3], conv: false)
            // The momentum encoders are a copy that only training updates.
            return online + online.map { Key(name: "momentum_" + $0.name, shape: $0.shape, dtype: $0.dtype, unused: true) }
        case .rcgrad:
            return Self.resnet("image_encoder", stems: lvsStems, used: "conv1", fc: true, widths: w)
                + [Self.key("audio_encoder.spectrogram.window", [512])]
                + Self.resnet("audio_encoder", stems: [("conv1", 1)], used: "conv1", fc: false, widths: w)
        }
    }

    static func key(_ name: String, _ shape: [Int], _ dtype: SafetensorsDType = .f32, unused: Bool = false) -> Key {
        Key(name: name, shape: shape, dtype: dtype, unused: unused)
    }

    static func batchNorm(_ p: String, _ c: Int, unused: Bool = false) -> [Key] {
        ["weight", "bias", "running_mean", "running_var"].map { key("\(p).\($0)", [c], unused: unused) }
            + [key("\(p).num_batches_tracked", [], .i64, unused: unused)]
    }

    static func projection(_ p: String, _ c: Int, conv: Bool) -> [Key] {
        [key("\(p).weight", conv ? [c, c, 1, 1] : [c, c]), key("\(p).bias", [c])]
    }

    /// A torchvision-style ResNet-18 state_dict: the stems (in the module's attribute order; only
    /// `used` is in the forward), bn1, layer1…4 of two BasicBlocks (downsample in the first block
    /// of layer2…4), and optionally the unused 1000-way `fc`.
    static func resnet(_ p: String, stems: [(String, Int)], used: String, fc: Bool, widths w: [Int]) -> [Key] {
        var out = stems.map { key("\(p).\($0.0).weight", [w[0], $0.1, 7, 7], unused: $0.0 != used) }
        out += batchNorm("\(p).bn1", w[0])
        var cin = w[0]
        for (l, c) in w.enumerated() {
            for b in 0..<2 {
                let m = "\(p).layer\(l + 1).\(b)"
                out += [key("\(m).conv1.weight", [c, b == 0 ? cin : c, 3, 3])] + batchNorm("\(m).bn1", c)
                out += [key("\(m).conv2.weight", [c, c, 3, 3])] + batchNorm("\(m).bn2", c)
                if b == 0, l > 0 { out += [key("\(m).downsample.0.weight", [c, cin, 1, 1])] + batchNorm("\(m).downsample.1", c) }
            }
            cin = c
        }
        if fc { out += [key("\(p).fc.weight", [1000, w[3]], unused: true), key("\(p).fc.bias", [1000], unused: true)] }
        return out
    }

    /// What `detect` found: the family, the others whose key names fit equally well (LVS and
    /// SSL-Align share one network, as do EZ-VSL and FNAC: key names cannot tell them apart), and why.
    public struct Detection: Sendable {
        public let family: ModelFamily
        /// Every family whose key names fit as well as `family` (including it), in `allCases` order.
        public let candidates: [ModelFamily]
        /// Jaccard similarity of the file's key names and the family's (1 = the same set).
        public let score: Double
        /// How the family was chosen, for messages.
        public let reason: String
        public var isAmbiguous: Bool { candidates.count > 1 }
    }

    /// The family whose state_dict names best match the checkpoint's (Jaccard similarity of the
    /// name sets; shapes are ignored so sslsan's reduced presets count as SSL-TIE). A checkpoint
    /// with sslsan's `sslsan.config` metadata is SSL-TIE/SSL-SaN. Nil when no family shares at
    /// least half of its names with the file. Where key names tie, the released files' layout
    /// decides the default: LVS's is saved from nn.DataParallel (`module.` keys), SSL-Align's is
    /// not; EZ-VSL's is saved from DistributedDataParallel, FNAC's VGG-Sound/Flickr recipes are
    /// not. `--model` overrides.
    public static func detect(from source: any TensorSource) -> Detection? {
        if source.metadata[ModelConfig.metadataKey] != nil {
            return Detection(family: .sslTie, candidates: [.sslTie], score: 1, reason: "sslsan checkpoint (sslsan.config metadata)")
        }
        let names = Set(source.names)
        guard !names.isEmpty else { return nil }
        let scores: [(ModelFamily, Double)] = allCases.map { f in
            let expected = Set(f.expectedKeys().map(\.name))
            return (f, Double(names.intersection(expected).count) / Double(names.union(expected).count))
        }
        let best = scores.map(\.1).max()!
        guard best >= 0.5 else { return nil }
        let tied = scores.filter { abs($0.1 - best) < 1e-12 }.map(\.0)
        guard tied.count > 1 else {
            return Detection(family: tied[0], candidates: tied, score: best, reason: best == 1 ? "key names match exactly" : String(format: "closest key names (%.0f%% shared)", 100 * best))
        }
        let prefixed = (source as? TorchCheckpoint).map { !$0.strippedPrefix.isEmpty }
        let (withPrefix, without): (ModelFamily, ModelFamily) = tied.contains(.lvs) ? (.lvs, .sslAlign) : (.ezvsl, .fnac)
        let family = prefixed == false ? without : (tied.contains(withPrefix) ? withPrefix : tied[0])
        let why = prefixed == nil
            ? "\(tied.map(\.displayName).joined(separator: " and ")) share one network and the same key names; \(family.displayName) is the default"
            : "\(tied.map(\.displayName).joined(separator: " and ")) share one network and the same key names; \(family.displayName) because the keys \(prefixed! ? "had" : "had no") 'module.' prefix, as in its released file"
        return Detection(family: family, candidates: tied, score: best, reason: why + " (--model overrides)")
    }
}
