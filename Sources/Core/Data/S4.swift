import Foundation

/// AVSBench S4 layout (SPEC §7.3): frames `visual_frames/test/<class>/<vid>/<vid>_<k>.png`, one 5 s clip
/// per video `audio_wav/test/<class>/<vid>.wav` shared by its frames, masks
/// `gt_masks/test/<class>/<vid>/<vid>_<k>.png` (the paper's ground truth), or boxes in 224-pixel units
/// from `metadata/s4_box.json` keyed by the last three path components. The class is the folder
/// after `test/`. (vssl_eval's S4 branch is broken; this is the SPEC's best reading.) The 5 s
/// window comes from the model configuration, not from here.
enum S4Reader {
    private struct Entry: Decodable { let image: String?; let gt_box: [Double]? }

    static func read(_ dir: String) throws -> Dataset {
        let split = DatasetFiles.exists(dir + "/visual_frames/test") ? "test" : ""
        let framesRoot = dir + "/visual_frames" + (split.isEmpty ? "" : "/" + split)
        let audioRoot = dir + "/audio_wav" + (split.isEmpty ? "" : "/" + split)
        let maskRoot = dir + "/gt_masks" + (split.isEmpty ? "" : "/" + split)
        var boxes: [String: [Double]] = [:]
        if DatasetFiles.exists(dir + "/metadata/s4_box.json") {
            for e in try DatasetFiles.decode([Entry].self, dir + "/metadata/s4_box.json") {
                guard let img = e.image, let b = e.gt_box else { continue }
                let parts = (img as NSString).deletingPathExtension.split(separator: "/").suffix(3)
                boxes[parts.joined(separator: "/")] = b
            }
        }
        var samples: [Sample] = [], problems: [String] = [], listed = 0
        for cls in DatasetFiles.list(framesRoot) where !cls.hasPrefix(".") {
            let audios = Set(DatasetFiles.list(audioRoot + "/" + cls))
            for vid in DatasetFiles.list(framesRoot + "/" + cls) where !vid.hasPrefix(".") {
                let masks = Set(DatasetFiles.list(maskRoot + "/" + cls + "/" + vid))
                for frame in DatasetFiles.list(framesRoot + "/" + cls + "/" + vid) where frame.lowercased().hasSuffix(".png") || frame.lowercased().hasSuffix(".jpg") {
                    listed += 1
                    let stem = DatasetFiles.stem(frame)
                    let id = "\(cls)/\(vid)/\(stem)"
                    guard audios.contains(vid + ".wav") else { problems.append("\(id): missing file 'audio_wav/\(cls)/\(vid).wav' (skipped)"); continue }
                    let maskName = [stem + ".png", frame].first { masks.contains($0) }
                    let box = boxes["\(cls)/\(vid)/\(stem)"].map { [$0.map { $0 / 224 }] } ?? []
                    samples.append(Sample(id: id, imagePath: "\(framesRoot)/\(cls)/\(vid)/\(frame)", audioPath: "\(audioRoot)/\(cls)/\(vid).wav",
                                          label: cls, boxes: maskName == nil ? box : [],
                                          maskPath: maskName.map { "\(maskRoot)/\(cls)/\(vid)/\($0)" }, split: split.isEmpty ? nil : split,
                                          boxConvention: .pixels224))
                }
            }
        }
        if listed == 0 { throw SSLSaNError("no frames under visual_frames/\(split.isEmpty ? "" : split + "/")<class>/<video>/", file: dir) }
        return Dataset(root: dir, format: .s4, samples: samples, problems: problems, itemsListed: listed)
    }
}
