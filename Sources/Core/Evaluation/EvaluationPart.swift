import Foundation

/// One shard's per-sample results (`sslsan eval --shard i/n --out PART.jsonl`) and their merge
/// (`sslsan eval --merge PART.jsonl…`).
///
/// A part holds everything `MetricSet` is built from, not figures at one threshold: U is a
/// quantile of all negatives, so it can only be taken once the shards' maxima are pooled, and
/// every figure at U is then recounted from the raw maps exactly as one run recounts them. Merge
/// decodes the `ScoredSample`s, orders them by dataset index and pools them with the very code
/// `Evaluator.run` uses (`Evaluator.Scores.pooled`), so merge(shards) gives one run's table bit
/// for bit.
///
/// Format: JSON lines. Line 1 is the header: `{"sslsan_part": 1, "shard": i, "of": n,
/// "samples": N, "dataset": <XXH64 of the sample ids>, "model": <fingerprint>, "passes": P,
/// "gallery": [sample indices] | null, "problems": [...], "family": <ModelFamily raw value>,
/// "label": <model label>}` (shard 1 also carries the dataset's own problems; `family` lets
/// `--merge --threshold paper` find the family's vssl_eval U). Then one line per scored sample: `index`, `id`, `label`, `scene`, map `width` and
/// `height`, `noise` and `offscreen` pass counts, `silence` (bool), `offscreen_sources`, and
/// base64 little-endian float32 for `maps` (positive, silence, noise…, off-screen…),
/// `visual_embedding`, `audio_embedding` and the retrieval `row`; `gt` is the 224² ground truth
/// as base64 bits (row-major, LSB first) or null. Floats are stored as bits, never as decimal
/// text, so nothing is rounded on the way. Size per sample at 10 passes on 14×14 maps: ~36 KB,
/// plus 5.3 bytes per gallery item for the retrieval row.
public enum EvaluationPart {
    public static let version = 1

    /// A merged set: the pooled metrics and every problem line of every shard.
    public struct Merged: Sendable {
        public var metrics: MetricSet
        public var problems: [String]
        public var shards: Int
        /// The family the parts were scored with (nil for parts written before it was recorded).
        public var family: ModelFamily?
        /// The model's label ("SSL-TIE", "EZ-VSL"…), for tables.
        public var label: String?
    }

    /// XXH64 of the sample ids in order: parts of different datasets do not merge.
    public static func datasetKey(_ samples: [Sample]) -> String {
        ContentHash.hex(ContentHash.xxh64(samples.map(\.id).joined(separator: "\n")))
    }

    /// Writes one shard's scores (atomically).
    public static func write(_ scores: Evaluator.Scores, shard: Int, of count: Int, evaluator: Evaluator,
                             datasetProblems: [String] = [], to path: String) throws {
        let header: [String: Any] = [
            "sslsan_part": version, "shard": shard, "of": count, "samples": evaluator.samples.count,
            "dataset": datasetKey(evaluator.samples), "model": evaluator.modelFingerprint, "passes": evaluator.seeds.count,
            "gallery": scores.gallery ?? NSNull(), "problems": datasetProblems + scores.problems,
            "family": evaluator.model.family.rawValue, "label": evaluator.model.label,
        ]
        var out = Data()
        func line(_ o: [String: Any]) throws {
            out.append(try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]))
            out.append(0x0A)
        }
        try line(header)
        for i in scores.scored.keys.sorted() {
            try line(encode(scores.scored[i]!, index: i, row: scores.rows[i]))
        }
        try AtomicFile.write(out, to: path)
    }

    static func encode(_ s: ScoredSample, index: Int, row: [Float]?) -> [String: Any] {
        var maps = s.positive.values
        if let sil = s.silence { maps += sil.values }
        for m in s.noise + s.offscreen { maps += m.values }
        return ["index": index, "id": s.id, "label": s.label, "scene": s.scene,
                "width": s.positive.width, "height": s.positive.height,
                "silence": s.silence != nil, "noise": s.noise.count, "offscreen": s.offscreen.count,
                "offscreen_sources": s.offscreenSources, "maps": floats(maps),
                "post_processing": s.postProcessing.description,
                "gt": s.groundTruth.map { bits($0.pixels) } ?? NSNull(),
                "visual_embedding": s.visualEmbedding.map(floats) ?? NSNull(),
                "audio_embedding": s.audioEmbedding.map(floats) ?? NSNull(),
                "row": row.map(floats) ?? NSNull()]
    }

    /// Reads the parts of one evaluation and pools them. Every shard 1…n must be there once,
    /// from the same dataset, model and pass count; a sample may appear in one part only.
    public static func merge(_ paths: [String]) throws -> Merged {
        guard !paths.isEmpty else { throw SSLSaNError("no part files to merge") }
        var scores = Evaluator.Scores()
        var first: [String: Any]?
        var seen: [Int: String] = [:]
        var headers: [(shard: Int, problems: [String])] = []
        for path in paths {
            let data = try FileCheck.contents(path)
            let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
            func object(_ k: Int) throws -> [String: Any] {
                guard let o = (try? JSONSerialization.jsonObject(with: Data(lines[k]))) as? [String: Any] else {
                    throw SSLSaNError("line \(k + 1) is not a JSON object", file: path)
                }
                return o
            }
            guard !lines.isEmpty else { throw SSLSaNError("empty part file", file: path) }
            let h = try object(0)
            guard h["sslsan_part"] as? Int == version, let shard = h["shard"] as? Int, let of = h["of"] as? Int else {
                throw SSLSaNError("not an sslsan eval part (version \(version)): the first line has no sslsan_part/shard/of", file: path)
            }
            if let f = first {
                for key in ["of", "samples", "dataset", "model", "passes", "family"] where "\(f[key] ?? "nil")" != "\(h[key] ?? "nil")" {
                    throw SSLSaNError("\(key) \(h[key] ?? "nil") differs from \(f[key] ?? "nil") in \(paths[0]) (parts of different runs)", file: path)
                }
                if (f["gallery"] as? [Int]) != (h["gallery"] as? [Int]) {
                    throw SSLSaNError("retrieval gallery differs from \(paths[0]) (one part scored with --no-retrieval, or other audio failed)", file: path)
                }
            } else {
                first = h
                scores.gallery = h["gallery"] as? [Int]
            }
            if let other = seen[shard] { throw SSLSaNError("shard \(shard)/\(of) given twice (also \(other))", file: path) }
            seen[shard] = path
            headers.append((shard, h["problems"] as? [String] ?? []))
            for k in 1..<lines.count {
                let o = try object(k)
                let (i, s, row) = try decode(o, file: path, line: k + 1)
                if scores.scored[i] != nil { throw SSLSaNError("sample \(s.id) (index \(i)) is in two parts", file: path) }
                scores.scored[i] = s
                if let row { scores.rows[i] = row }
            }
        }
        let n = first!["of"] as! Int
        let missing = (1...n).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw SSLSaNError("missing shard(s) \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) of the \(n) this run was split into")
        }
        if scores.gallery != nil, let bad = scores.scored.keys.first(where: { scores.rows[$0] == nil }) {
            throw SSLSaNError("sample index \(bad) has no retrieval row although the parts have a gallery")
        }
        scores.problems = headers.sorted { $0.shard < $1.shard }.flatMap(\.problems)
        var family: ModelFamily?
        if let raw = first!["family"] as? String {
            guard let f = ModelFamily(rawValue: raw) else { throw SSLSaNError("family '\(raw)' is not an sslsan family (sslsan models)", file: paths[0]) }
            family = f
        }
        return Merged(metrics: scores.pooled(), problems: scores.problems, shards: n, family: family, label: first!["label"] as? String)
    }

    static func decode(_ o: [String: Any], file: String, line: Int) throws -> (Int, ScoredSample, [Float]?) {
        func bad(_ what: String) -> SSLSaNError { SSLSaNError("line \(line): \(what)", file: file) }
        guard let i = o["index"] as? Int, let id = o["id"] as? String, let label = o["label"] as? String,
              let scene = o["scene"] as? String, let w = o["width"] as? Int, let h = o["height"] as? Int,
              let hasSilence = o["silence"] as? Bool, let nNoise = o["noise"] as? Int, let nOff = o["offscreen"] as? Int,
              let sources = o["offscreen_sources"] as? [String], let mapsText = o["maps"] as? String,
              w > 0, h > 0, nNoise >= 0, nOff >= 0 else { throw bad("missing or mistyped sample fields") }
        guard let maps = floats(mapsText) else { throw bad("maps are not base64 float32") }
        let per = w * h, count = 1 + (hasSilence ? 1 : 0) + nNoise + nOff
        guard maps.count == per * count else { throw bad("\(maps.count) map values for \(count) maps of \(w)×\(h)") }
        var k = 0
        func next() -> SimilarityMap { defer { k += 1 }; return SimilarityMap(width: w, height: h, values: Array(maps[(k * per)..<((k + 1) * per)])) }
        let positive = next()
        let silence = hasSilence ? next() : nil
        let noise = (0..<nNoise).map { _ in next() }
        let offscreen = (0..<nOff).map { _ in next() }
        var gt: GroundTruthMap?
        if let g = o["gt"] as? String {
            guard let px = unbits(g, count: GroundTruthMap.side * GroundTruthMap.side) else { throw bad("gt is not base64 bits of 224×224") }
            gt = GroundTruthMap(pixels: px)
        }
        func optionalFloats(_ key: String) throws -> [Float]? {
            guard let t = o[key] as? String else { return nil }
            guard let v = floats(t) else { throw bad("\(key) is not base64 float32") }
            return v
        }
        var post = MapPostProcessing.sslTie
        if let text = o["post_processing"] as? String {
            guard let p = MapPostProcessing(text: text) else { throw bad("post_processing '\(text)' is not 'upsampler,scale,comparison'") }
            post = p
        }
        let s = ScoredSample(id: id, label: label, scene: scene, positive: positive, silence: silence, noise: noise,
                             offscreen: offscreen, offscreenSources: sources, groundTruth: gt,
                             visualEmbedding: try optionalFloats("visual_embedding"), audioEmbedding: try optionalFloats("audio_embedding"),
                             postProcessing: post)
        return (i, s, try optionalFloats("row"))
    }

    // MARK: exact encodings

    static func floats(_ v: [Float]) -> String {
        var d = Data(capacity: v.count * 4)
        for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d.base64EncodedString()
    }

    static func floats(_ s: String) -> [Float]? {
        guard let d = Data(base64Encoded: s), d.count % 4 == 0 else { return nil }
        return d.withUnsafeBytes { raw in
            (0..<(d.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    static func bits(_ px: [UInt8]) -> String {
        var d = Data(repeating: 0, count: (px.count + 7) / 8)
        for (k, p) in px.enumerated() where p != 0 { d[k / 8] |= UInt8(1 << (k % 8)) }
        return d.base64EncodedString()
    }

    static func unbits(_ s: String, count: Int) -> [UInt8]? {
        guard let d = Data(base64Encoded: s), d.count == (count + 7) / 8 else { return nil }
        return (0..<count).map { (d[$0 / 8] >> ($0 % 8)) & 1 }
    }
}
