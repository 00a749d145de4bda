import Foundation

/// Validation during training (SPEC §6 metrics, computed compactly on a held-out folder):
/// eval-mode maps for positive, silence, noise and off-screen audio; U = Q3 of the pooled negative
/// maxima; cIoU at U (boxes, mean IoU ×100), pIA S/N/O at U, F_LOC, separability
/// (Q1 positive maxima − U) and object accuracy (mean of the map inside the sounding object's mask
/// above the mean inside the other object's mask, for scenes with two annotated objects).
public final class TrainingValidator: @unchecked Sendable {
    public struct Metrics: Sendable, Codable {
        public var ciouUth: Double
        public var piaS: Double
        public var piaN: Double
        public var piaO: Double
        public var fLoc: Double
        public var separability: Double
        public var universalThreshold: Double
        public var objectAccuracy: Double?
        public var meanMaxPositive: Double
        public var meanMaxSilence: Double
        public var meanMaxNoise: Double
        public var meanMaxOffscreen: Double
        public var pairs: Int

        public var dictionary: [String: Double] {
            var d: [String: Double] = ["ciou_uth": ciouUth, "pia_s": piaS, "pia_n": piaN, "pia_o": piaO, "f_loc": fLoc,
                                       "separability": separability, "universal_threshold": universalThreshold,
                                       "max_pos": meanMaxPositive, "max_sil": meanMaxSilence, "max_noise": meanMaxNoise,
                                       "max_off": meanMaxOffscreen, "pairs": Double(pairs)]
            if let o = objectAccuracy { d["object_accuracy"] = o }
            return d
        }
    }

    let config: ModelConfig
    let images: Tensor          // (N,3,S,S)
    let specs: [Tensor]         // positive, silence, noise, offscreen: (N,1,M,T)
    let gt: [[UInt8]]           // 224×224 box maps
    let ownMask: [[UInt8]?]
    let otherMask: [[UInt8]?]
    public let count: Int

    /// Loads up to `limit` pairs of `pairs` (deterministic choice of noise seeds and off-screen audio).
    public init(pairs allPairs: [TrainingPair], config: ModelConfig, limit: Int = 200, seed: UInt64 = 1234) throws {
        self.config = config
        let fe = TrainingFrontEnd(config: config, imageAugment: .none, specAugment: false)
        var rng = TrainingRNG(seed: seed)
        var pairs = allPairs
        if pairs.count > limit {
            // keep whole scenes where possible: take the first `limit` in manifest order
            pairs = Array(pairs.prefix(limit))
        }
        let n = pairs.count
        count = n
        let s = config.imageSize
        images = Tensor(shape: [n, 3, s, s])
        let specShape = [n, 1, config.nMels, config.frames]
        let per = config.nMels * config.frames
        let pos = Tensor(shape: specShape), sil = Tensor(shape: specShape), noi = Tensor(shape: specShape), off = Tensor(shape: specShape)
        var gts: [[UInt8]] = [], own: [[UInt8]?] = [], other: [[UInt8]?] = []
        var imageCache: [String: RGBImage] = [:]
        let byScene = Dictionary(grouping: allPairs.indices, by: { allPairs[$0].scene })
        for (i, p) in pairs.enumerated() {
            let img: RGBImage
            if let c = imageCache[p.imagePath] { img = c } else { img = try ImageFile.read(p.imagePath); imageCache[p.imagePath] = img }
            ImageAugment.plain(img, size: s, into: images.data + i * 3 * s * s)
            let w = try fe.loadWaveform(p)
            fe.spectrogram(w, augment: false, rng: &rng).copyInto(pos, at: i * per)
            fe.silenceSpec.copyInto(sil, at: i * per)
            fe.noiseSpec(seed: rng.next()).copyInto(noi, at: i * per)
            // off-screen: audio of a pair whose class is not in this scene
            let cands = allPairs.indices.filter { !p.objects.contains(allPairs[$0].label) && allPairs[$0].label != p.label }
            let oi = cands.isEmpty ? (i + 1) % allPairs.count : cands[rng.int(in: 0...(cands.count - 1))]
            fe.spectrogram(try fe.loadWaveform(allPairs[oi]), augment: false, rng: &rng).copyInto(off, at: i * per)
            var g = [UInt8](repeating: 0, count: 224 * 224)
            for b in p.boxes where b.count == 4 {
                let x0 = max(0, min(224, Int(b[0] * 224))), y0 = max(0, min(224, Int(b[1] * 224)))
                let x1 = max(0, min(224, Int(b[2] * 224))), y1 = max(0, min(224, Int(b[3] * 224)))
                if x1 > x0 && y1 > y0 { for y in y0..<y1 { for x in x0..<x1 { g[y * 224 + x] = 1 } } }
            }
            gts.append(g)
            own.append(p.maskPath.flatMap { Self.mask224($0) })
            let mates = (byScene[p.scene] ?? []).filter { allPairs[$0].id != p.id }
            other.append(mates.first.flatMap { allPairs[$0].maskPath }.flatMap { Self.mask224($0) })
        }
        specs = [pos, sil, noi, off]
        gt = gts; ownMask = own; otherMask = other
    }

    static func mask224(_ path: String) -> [UInt8]? {
        guard let m = try? PNGFile.readGray(path) else { return nil }
        if m.width == 224 && m.height == 224 { return m.pixels.map { $0 >= 128 ? 1 : 0 } }
        var out = [UInt8](repeating: 0, count: 224 * 224)
        for y in 0..<224 { for x in 0..<224 {
            out[y * 224 + x] = m.pixels[(y * m.height / 224) * m.width + x * m.width / 224] >= 128 ? 1 : 0
        } }
        return out
    }

    /// Bilinear upsampling to 224 (half-pixel centres, edge clamp: cv2 INTER_LINEAR).
    static func upsample(_ m: UnsafePointer<Float>, _ h: Int, _ w: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 224 * 224)
        func taps(_ n: Int) -> [(Int, Int, Float)] {
            (0..<224).map { d in
                var s = (Float(d) + 0.5) * Float(n) / 224 - 0.5
                if s < 0 { s = 0 }
                let i0 = min(Int(s), n - 1), i1 = min(i0 + 1, n - 1)
                return (i0, i1, s - Float(i0))
            }
        }
        let ty = taps(h), tx = taps(w)
        for y in 0..<224 {
            let (y0, y1, ly) = ty[y]
            for x in 0..<224 {
                let (x0, x1, lx) = tx[x]
                let top = m[y0 * w + x0] * (1 - lx) + m[y0 * w + x1] * lx
                let bot = m[y1 * w + x0] * (1 - lx) + m[y1 * w + x1] * lx
                out[y * 224 + x] = top * (1 - ly) + bot * ly
            }
        }
        return out
    }

    static func quantile(_ v: [Double], _ q: Double) -> Double {
        guard !v.isEmpty else { return .nan }
        let s = v.sorted()
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

    /// Raw maps for the four conditions, (N, h·w) each.
    public func maps(model: TrainableModel, batch: Int = 32) -> [[Float]] {
        var out = [[Float]](repeating: [], count: 4)
        var i = 0
        while i < count {
            let nb = min(batch, count - i)
            let s = config.imageSize
            let img = Tensor(shape: [nb, 3, s, s])
            img.data.update(from: images.data + i * 3 * s * s, count: img.count)
            let v = model.encodeImage(img)
            for c in 0..<4 {
                let per = config.nMels * config.frames
                let sp = Tensor(shape: [nb, 1, config.nMels, config.frames])
                sp.data.update(from: specs[c].data + i * per, count: sp.count)
                let a = model.encodeAudio(sp)
                let m = SimilarityHead.pairMaps(visual: v, audio: a)
                out[c] += m.array
            }
            i += nb
        }
        return out
    }

    public func evaluate(model: TrainableModel) -> Metrics {
        let all = maps(model: model)
        let h = config.mapSize, w = config.mapSize, hw = h * w
        var maxima = [[Double]](repeating: [], count: 4)
        for c in 0..<4 { for i in 0..<count { maxima[c].append(Double(all[c][(i * hw)..<((i + 1) * hw)].max()!)) } }
        let neg = maxima[1] + maxima[2] + maxima[3]
        let u = Self.quantile(neg, 0.75)
        var ciou = 0.0, pia = [0.0, 0.0, 0.0], objHits = 0, objN = 0
        for i in 0..<count {
            let pos = all[0].withUnsafeBufferPointer { Self.upsample($0.baseAddress! + i * hw, h, w) }
            var inter = 0, gtN = 0, fp = 0
            for j in 0..<(224 * 224) {
                let on = Double(pos[j]) > u
                if gt[i][j] != 0 { gtN += 1; if on { inter += 1 } } else if on { fp += 1 }
            }
            let denom = gtN + fp
            ciou += denom > 0 ? Double(inter) / Double(denom) : 0
            for c in 1..<4 {
                let m = all[c].withUnsafeBufferPointer { Self.upsample($0.baseAddress! + i * hw, h, w) }
                pia[c - 1] += Double(m.reduce(0) { $0 + (Double($1) > u ? 1 : 0) }) / Double(224 * 224)
            }
            if let a = ownMask[i], let b = otherMask[i] {
                var sa = 0.0, na = 0, sb = 0.0, nb = 0
                for j in 0..<(224 * 224) {
                    if a[j] != 0 { sa += Double(pos[j]); na += 1 }
                    if b[j] != 0 { sb += Double(pos[j]); nb += 1 }
                }
                if na > 0 && nb > 0 { objN += 1; if sa / Double(na) > sb / Double(nb) { objHits += 1 } }
            }
        }
        let n = Double(max(count, 1))
        let c = 100 * ciou / n
        let p = pia.map { 100 * $0 / n }
        let pbar = (300 - p[0] - p[1] - p[2]) / 3
        let f = (c + pbar) > 0 ? 2 * c * pbar / (c + pbar) : .nan
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(v.count, 1)) }
        return Metrics(ciouUth: c, piaS: p[0], piaN: p[1], piaO: p[2], fLoc: f,
                       separability: Self.quantile(maxima[0], 0.25) - u, universalThreshold: u,
                       objectAccuracy: objN > 0 ? 100 * Double(objHits) / Double(objN) : nil,
                       meanMaxPositive: mean(maxima[0]), meanMaxSilence: mean(maxima[1]), meanMaxNoise: mean(maxima[2]),
                       meanMaxOffscreen: mean(maxima[3]), pairs: count)
    }
}
