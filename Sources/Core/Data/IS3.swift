import Foundation

/// IS3 / IS3+ layout (SPEC §7.2): `<dir>/images/<scene>_<obj>.jpg` and `<dir>/audio_wav/<scene>_<obj>.wav`
/// (also accepted: `image/` and `audio/`, as in the IS3+ asset folders), every scene image stored
/// once per annotated object. Ground truth, in order of preference: masks from
/// `metadata/synthetic3240_seg.json` (`gt_box` = mask path; the paper's choice, A7), boxes in
/// 224-pixel units from `metadata/synthetic3240_bbox.json`, keyed by the image stem. Classes from
/// `metadata/IS3_class_files_dict.json`, else the stem's last `_token`. The scene is the stem without
/// its last token; its other samples' classes and the scene name's tokens are the visible objects
/// (never chosen as off-screen audio).
enum IS3Reader {
    private enum GT: Decodable {
        case box([Double]), path(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode([Double].self) { self = .box(b) } else { self = .path(try c.decode(String.self)) }
        }
    }
    private struct Entry: Decodable { let image: String?; let audio: String?; let gt_box: GT? }

    static func read(_ dir: String) throws -> Dataset {
        let imageDir = DatasetFiles.exists(dir + "/images") ? "images" : "image"
        let audioDir = DatasetFiles.exists(dir + "/audio_wav") ? "audio_wav" : "audio"
        let images = DatasetFiles.list(dir + "/" + imageDir).filter { [".jpg", ".jpeg", ".png"].contains(("." + ($0 as NSString).pathExtension).lowercased()) }
        let audios = Set(DatasetFiles.list(dir + "/" + audioDir))
        let meta = dir + "/metadata/"

        var boxes: [String: [Double]] = [:], masks: [String: String] = [:]
        if DatasetFiles.exists(meta + "synthetic3240_bbox.json") {
            for e in try DatasetFiles.decode([Entry].self, meta + "synthetic3240_bbox.json") {
                if let img = e.image, case .box(let b)? = e.gt_box { boxes[DatasetFiles.stem(img)] = b }
            }
        }
        if DatasetFiles.exists(meta + "synthetic3240_seg.json") {
            for e in try DatasetFiles.decode([Entry].self, meta + "synthetic3240_seg.json") {
                guard let img = e.image, case .path(let p)? = e.gt_box else { continue }
                // The JSON holds the authors' absolute paths: keep the part from gt_masks/ on.
                let rel = p.range(of: "gt_masks/").map { String(p[$0.lowerBound...]) } ?? p
                masks[DatasetFiles.stem(img)] = rel.hasPrefix("/") ? rel : dir + "/" + rel
            }
        }
        let dictPath = ["IS3_class_files_dict.json", "IS3plus_class_files_dict.json"].map { meta + $0 }.first(where: DatasetFiles.exists)
        let classOf = try dictPath.map { try DatasetFiles.classByStem($0) } ?? [:]

        var samples: [Sample] = [], problems: [String] = []
        for file in images {
            let id = DatasetFiles.stem(file)
            let tokens = id.split(separator: "_").map(String.init)
            guard tokens.count >= 2 else { problems.append("\(id): not a <scene>_<object> name (skipped)"); continue }
            guard audios.contains(id + ".wav") else { problems.append("\(id): missing file '\(audioDir)/\(id).wav' (skipped)"); continue }
            let label = classOf[id] ?? tokens.last!
            var mask = masks[id]
            if let m = mask, !DatasetFiles.exists(m) { problems.append("\(id): missing file '\(m)' (box used if any)"); mask = nil }
            let box = boxes[id].map { [$0.map { $0 / 224 }] } ?? []
            let scene = tokens.dropLast().joined(separator: "_")
            samples.append(Sample(id: id, imagePath: dir + "/\(imageDir)/" + file, audioPath: dir + "/\(audioDir)/\(id).wav",
                                  label: label, objects: tokens.dropLast().filter { Int($0) == nil }, boxes: mask == nil ? box : [],
                                  maskPath: mask, split: "test", scene: scene, boxConvention: .pixels224))
        }
        // Visible objects: the scene's own tokens plus every scene-mate's class.
        var sceneClasses: [String: Set<String>] = [:]
        for s in samples { sceneClasses[s.scene, default: []].insert(s.label) }
        for i in samples.indices {
            samples[i].objects = Array(Set(samples[i].objects).union(sceneClasses[samples[i].scene]!)).sorted()
        }
        return Dataset(root: dir, format: .is3, samples: samples, problems: problems, itemsListed: images.count)
    }
}
