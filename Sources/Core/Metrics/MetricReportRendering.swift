import Foundation

/// Text, JSON and CSV renderings of a `MetricReport`.
extension MetricReport {
    /// Two decimals like the paper; "–" for NaN or missing. Every table of figures (the report,
    /// `eval --compare`'s side-by-side) formats through here, so one number prints one way.
    public static func fmt(_ v: Double?, _ digits: Int = 2) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%.\(digits)f", v)
    }

    /// The plain-text report: the paper's table in its column order, then the extra measures.
    public func table() -> String {
        var lines: [String] = []
        lines.append("\(samples) samples × \(passes) pass\(passes == 1 ? "" : "es"); U = \(Self.fmt(threshold, 4)) (\(thresholdSource))")
        let cols = paperColumns
        let widths = cols.map { max($0.name.count, 6) }
        lines.append(zip(cols, widths).map { $0.name.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        lines.append(zip(cols, widths).map { c, w in
            let s = Self.fmt(c.value)
            return String(repeating: " ", count: max(0, w - s.count)) + s
        }.joined(separator: "  "))
        if !baselines.isEmpty {
            lines.append("baselines on the same ground truth (no model; they ignore the sound, so pIA is their area):")
            for b in baselines {
                let note = b.radius.map { "   (best centred disc for this data: radius \($0) px of 224)" } ?? ""
                lines.append(zip(b.paperColumns, widths).map { c, w in
                    let s = Self.fmt(c.value)
                    return String(repeating: " ", count: max(0, w - s.count)) + s
                }.joined(separator: "  ") + "   " + b.kind.rawValue + note)
            }
        }
        lines.append("")
        lines.append("separability      \(Self.fmt(separability, 4))   (Q1 positive max \(Self.fmt(positiveQ1, 4)) − Q3 negative max \(Self.fmt(negativeQ3, 4)))")
        lines.append("universal U       \(Self.fmt(universalThreshold, 4))   (Q3 of silence+noise+off-screen maxima of this run)")
        lines.append("alignment         \(Self.fmt(alignment, 4))   magnitude \(Self.fmt(magnitude, 4))")
        if let o = objectAccuracy {
            lines.append("object accuracy   \(Self.fmt(o.value))   (\(o.wins) won, \(o.ties) tied of \(o.pairs) pairs; a tie counts half; chance 50)")
        } else {
            lines.append("object accuracy   –   (no scene with two annotated objects)")
        }
        if let r = retrieval {
            let ks = r.ks
            lines.append("retrieval (\(r.items) items)  " + ks.map { "P@\($0)" }.joined(separator: "    ") + "    " + ks.map { "A@\($0)" }.joined(separator: "    "))
            for (name, d) in [("  image → audio  ", r.imageToAudio), ("  audio → image  ", r.audioToImage)] {
                lines.append(name + ks.map { Self.fmt(d.precision[$0]).padding(toLength: 7, withPad: " ", startingAt: 0) }.joined()
                             + ks.map { Self.fmt(d.accuracy[$0]).padding(toLength: 7, withPad: " ", startingAt: 0) }.joined())
            }
        }
        lines.append("map maxima        count      min      Q1   median      Q3      max")
        for k in ["positive", "silence", "noise", "offscreen", "negative"] {
            guard let q = maxima[k] else { continue }
            let vals = [q.min, q.q1, q.median, q.q3, q.max].map { v -> String in
                let s = Self.fmt(v, 4); return String(repeating: " ", count: max(0, 8 - s.count)) + s
            }
            lines.append("  " + k.padding(toLength: 14, withPad: " ", startingAt: 0)
                         + String(format: "%7d", q.count) + " " + vals.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func num(_ v: Double?) -> Any { (v?.isFinite ?? false) ? v! : NSNull() }

    /// A JSON object: summary, paper columns (in order), extras and per-sample values. NaN → null.
    public func jsonObject() -> [String: Any] {
        var o: [String: Any] = [
            "samples": samples, "passes": passes, "threshold": Self.num(threshold),
            "threshold_source": thresholdSource, "universal_threshold": Self.num(universalThreshold),
            "table_columns": paperColumns.map(\.name),
            "table": paperColumns.map { Self.num($0.value) },
            "ciou_uth": Self.num(ciouUth), "ciou_adap": Self.num(ciouAdap),
            "auc_uth": Self.num(aucUth), "auc_adap": Self.num(aucAdap),
            "pia": ["silence": Self.num(pia.silence), "noise": Self.num(pia.noise), "offscreen": Self.num(pia.offscreen)],
            "auc_n": ["silence": Self.num(aucN.silence), "noise": Self.num(aucN.noise), "offscreen": Self.num(aucN.offscreen)],
            "f_loc": Self.num(fLoc), "f_auc": Self.num(fAuc),
            "separability": Self.num(separability), "positive_q1": Self.num(positiveQ1), "negative_q3": Self.num(negativeQ3),
            "alignment": Self.num(alignment), "magnitude": Self.num(magnitude),
        ]
        o["object_accuracy"] = objectAccuracy.map { ["value": Self.num($0.value), "wins": $0.wins, "ties": $0.ties, "pairs": $0.pairs] } ?? NSNull()
        o["baselines"] = Dictionary(uniqueKeysWithValues: baselines.map { b -> (String, Any) in
            var m: [String: Any] = ["table": b.paperColumns.map { Self.num($0.value) }]
            if let r = b.radius { m["radius"] = r }
            return (b.kind.rawValue.replacingOccurrences(of: " ", with: "_"), m)
        })
        o["problems"] = problems
        o["maxima"] = maxima.mapValues { q -> [String: Any] in
            ["count": q.count, "min": Self.num(q.min), "q1": Self.num(q.q1), "median": Self.num(q.median),
             "q3": Self.num(q.q3), "max": Self.num(q.max)]
        }
        if let r = retrieval {
            func dir(_ d: RetrievalResult.Direction) -> [String: Any] {
                var m: [String: Any] = [:]
                for k in r.ks { m["P@\(k)"] = Self.num(d.precision[k]); m["A@\(k)"] = Self.num(d.accuracy[k]) }
                return m
            }
            o["retrieval"] = ["items": r.items, "image_to_audio": dir(r.imageToAudio), "audio_to_image": dir(r.audioToImage)]
        } else {
            o["retrieval"] = NSNull()
        }
        o["per_sample"] = perSample.map { s -> [String: Any] in
            ["id": s.id, "label": s.label, "scene": s.scene, "gt_pixels": s.gtPixels,
             "ciou_uth": Self.num(s.ciouUth), "ciou_adaptive": Self.num(s.ciouAdaptive), "ciou_median": Self.num(s.ciouMedian),
             "threshold_median": Self.num(s.thresholdMedian), "threshold_adaptive": Self.num(s.thresholdAdaptive),
             "max_positive": Self.num(s.maxPositive), "max_silence": Self.num(s.maxSilence),
             "max_noise": Self.num(s.maxNoise), "max_offscreen": Self.num(s.maxOffscreen),
             "pia_silence": Self.num(s.piaSilence), "pia_noise": Self.num(s.piaNoise), "pia_offscreen": Self.num(s.piaOffscreen),
             "object_wins": s.objectWins ?? NSNull(), "object_ties": s.objectTies ?? NSNull(), "object_pairs": s.objectPairs ?? NSNull()] as [String: Any]
        }
        return o
    }

    public func jsonData() throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject(), options: [.prettyPrinted, .sortedKeys])
    }

    /// CSV, one row per sample (the summary is in the table and the JSON). Empty cell for NaN.
    public func csv() -> String {
        func c(_ v: Double?) -> String { (v?.isFinite ?? false) ? "\(v!)" : "" }
        func q(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = "id,label,scene,gt_pixels,ciou_uth,ciou_adaptive,ciou_median,threshold_median,threshold_adaptive,max_positive,max_silence,max_noise,max_offscreen,pia_silence,pia_noise,pia_offscreen,object_wins,object_ties,object_pairs\n"
        for s in perSample {
            let fields: [String] = [q(s.id), q(s.label), q(s.scene), "\(s.gtPixels)", c(s.ciouUth), c(s.ciouAdaptive), c(s.ciouMedian),
                                    c(s.thresholdMedian), c(s.thresholdAdaptive), c(s.maxPositive), c(s.maxSilence), c(s.maxNoise),
                                    c(s.maxOffscreen), c(s.piaSilence), c(s.piaNoise), c(s.piaOffscreen),
                                    s.objectWins.map(String.init) ?? "", s.objectTies.map(String.init) ?? "", s.objectPairs.map(String.init) ?? ""]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
