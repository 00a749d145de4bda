import Foundation

/// VGG-SS annotations (Chen et al. 2021), in either of the two forms in use: vssl_eval's
/// `metadata/vggss.json` list `[{"file": "<id>", "class": "…", "bbox": [[x0, y0, x1, y1], …]}]`, or
/// sslsan's `{"annotations": {"<id>": {"class": "…", "bbox_xyxy_norm": [[…]]}}}`. Boxes are
/// normalised to the full frame; the ground truth truncates clip(b)·224 (SPEC §6.2).
struct VGGSSAnnotations {
    struct Entry { let label: String; let boxes: [[Double]] }
    let byID: [String: Entry]
    let order: [String]

    subscript(id: String) -> Entry? { byID[id] }

    private struct ListItem: Decodable { let file: String; let `class`: String?; let bbox: [[Double]]? }
    private struct DictForm: Decodable {
        struct Item: Decodable { let `class`: String?; let bbox_xyxy_norm: [[Double]]?; let bbox: [[Double]]? }
        let annotations: [String: Item]
    }

    static func read(_ path: String) throws -> VGGSSAnnotations {
        let data = try FileCheck.contents(path)
        let d = JSONDecoder()
        if let list = try? d.decode([ListItem].self, from: data) {
            var m: [String: Entry] = [:], order: [String] = []
            for it in list {
                let id = DatasetFiles.stem(it.file)
                if m[id] == nil { order.append(id) }
                m[id] = Entry(label: it.class ?? "", boxes: it.bbox ?? [])
            }
            return VGGSSAnnotations(byID: m, order: order)
        }
        do {
            let dict = try d.decode(DictForm.self, from: data)
            return VGGSSAnnotations(byID: dict.annotations.mapValues { Entry(label: $0.class ?? "", boxes: $0.bbox_xyxy_norm ?? $0.bbox ?? []) },
                                    order: dict.annotations.keys.sorted())
        } catch {
            throw SSLSaNError("not VGG-SS annotations (a list of {file, class, bbox} or {annotations: {id: {class, bbox_xyxy_norm}}}; \(DatasetFiles.describe(error)))", file: path)
        }
    }

    /// The annotation file beside a manifest or dataset, if any.
    static func find(in dir: String) throws -> VGGSSAnnotations? {
        for rel in ["vggss_annotations.json", "metadata/vggss_annotations.json", "metadata/vggss.json", "vggss.json"] {
            let p = dir + "/" + rel
            if DatasetFiles.exists(p) { return try read(p) }
        }
        return nil
    }
}

/// Native VGG-SS layout (SPEC §7.1): `<dir>/audio/<file>.wav`, `<dir>/frames/<file>.jpg`, the test list
/// with boxes in `metadata/vggss_annotations.json` (or `metadata/vggss.json`), classes from the
/// annotation or `metadata/vggss_class_files_dict.json`.
enum VGGSSReader {
    static func read(_ dir: String) throws -> Dataset {
        guard let ann = try VGGSSAnnotations.find(in: dir) else {
            throw SSLSaNError("VGG-SS layout without annotations (expected metadata/vggss_annotations.json or metadata/vggss.json)", file: dir)
        }
        let dictPath = dir + "/metadata/vggss_class_files_dict.json"
        let classOf = DatasetFiles.exists(dictPath) ? try DatasetFiles.classByStem(dictPath) : [:]
        let frames = Set(DatasetFiles.list(dir + "/frames")), audio = Set(DatasetFiles.list(dir + "/audio"))
        var samples: [Sample] = [], problems: [String] = []
        for id in ann.order {
            let e = ann[id]!
            let image = ["\(id).jpg", "\(id).png", "\(id).jpeg"].first { frames.contains($0) }
            guard let image else { problems.append("\(id): missing file 'frames/\(id).jpg' (skipped)"); continue }
            guard audio.contains("\(id).wav") else { problems.append("\(id): missing file 'audio/\(id).wav' (skipped)"); continue }
            let label = e.label.isEmpty ? (classOf[id] ?? "") : e.label
            guard !label.isEmpty else { problems.append("\(id): unknown class (skipped)"); continue }
            samples.append(Sample(id: id, imagePath: dir + "/frames/" + image, audioPath: dir + "/audio/\(id).wav",
                                  label: label, boxes: e.boxes, split: "test", vggss: true))
        }
        return Dataset(root: dir, format: .vggss, samples: samples, problems: problems, itemsListed: ann.order.count)
    }
}
