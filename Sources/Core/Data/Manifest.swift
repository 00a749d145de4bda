import Foundation

/// sslsan's own dataset format: `manifest.jsonl`, one JSON object per line:
///
///     {"id": "…", "image": "rel/path.jpg", "audio": "rel/path.wav", "label": "dog",
///      "objects": ["dog", "car"], "boxes": [[x0, y0, x1, y1]], "mask": "rel/mask.png", "split": "test"}
///
/// Paths are relative to the manifest's folder; `objects`, `boxes` (normalised to the frame),
/// `mask` (binary PNG), `split`, `scene` and `dataset` are optional (`objects` may be null;
/// `"dataset": "vggss"` marks a VGG-SS sample, `Sample.vggss`). Samples that share
/// an image share a scene unless `scene` says otherwise.
///
/// VGG-SS boxes are not repeated in a manifest: when a sample has neither boxes nor mask and a
/// `vggss_annotations.json` lies beside the manifest (or in `metadata/`), its boxes are taken from
/// there by sample id (as in `../shared/realdata`, whose manifest names the dataset only through
/// ids like `0F04c_rY4aw_000000`). Both the sslsan form `{"annotations": {id: {"class",
/// "bbox_xyxy_norm"}}}` and vssl_eval's list form `[{"file", "class", "bbox"}]` are read.
enum ManifestReader {
    struct Row: Decodable {
        let id: String?
        let image: String?
        let audio: String?
        let label: String?
        let objects: [String]?
        let boxes: [[Double]]?
        let mask: String?
        let split: String?
        let scene: String?
        /// The test set the sample comes from ("vggss", "is3plus", …); only "vggss" changes anything.
        let dataset: String?
    }

    static func read(_ path: String) throws -> Dataset {
        if FileCheck.problem(path) == "no such file" { throw SSLSaNError("no manifest.jsonl", file: path) }
        let data = try FileCheck.contents(path)
        let dir = (path as NSString).deletingLastPathComponent
        let vggss = try VGGSSAnnotations.find(in: dir)
        let decoder = JSONDecoder()
        var samples: [Sample] = [], problems: [String] = [], listed = 0
        var seenIDs = Set<String>()
        var implicitScene = Set<Int>()   // samples whose scene defaults to their image
        var lineNo = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            listed += 1
            let row: Row
            do { row = try decoder.decode(Row.self, from: Data(line)) } catch {
                problems.append("line \(lineNo): not a JSON object with the manifest fields (\(DatasetFiles.describe(error)))")
                continue
            }
            guard let id = row.id, !id.isEmpty else { problems.append("line \(lineNo): no id (skipped)"); continue }
            guard !seenIDs.contains(id) else { problems.append("\(id): duplicate id (skipped)"); continue }
            guard let image = row.image, let audio = row.audio else { problems.append("\(id): no image or audio path (skipped)"); continue }
            func abs(_ p: String) -> String { p.hasPrefix("/") ? p : dir + "/" + p }
            let imagePath = abs(image), audioPath = abs(audio)
            if let p = DatasetFiles.fileProblem(id, imagePath, root: dir) ?? DatasetFiles.fileProblem(id, audioPath, root: dir) {
                problems.append(p + " (skipped)"); continue
            }
            var label = row.label ?? ""
            var boxes = row.boxes ?? []
            var fromVGGSS = row.dataset?.lowercased() == "vggss"
            if boxes.isEmpty && row.mask == nil, let a = vggss?[id] {
                boxes = a.boxes
                fromVGGSS = true
                if label.isEmpty { label = a.label }
            }
            guard !label.isEmpty else { problems.append("\(id): unknown class (no label; skipped)"); continue }
            if let bad = boxes.first(where: { $0.count != 4 || !$0.allSatisfy(\.isFinite) }) {
                problems.append("\(id): malformed box \(bad) (skipped)"); continue
            }
            var maskPath: String?
            if let m = row.mask {
                maskPath = abs(m)
                if let p = DatasetFiles.fileProblem(id, maskPath!, root: dir) { problems.append(p + " (skipped)"); continue }
            }
            seenIDs.insert(id)
            if row.scene == nil { implicitScene.insert(samples.count) }
            samples.append(Sample(id: id, imagePath: imagePath, audioPath: audioPath, label: label,
                                  objects: row.objects ?? [], boxes: boxes, maskPath: maskPath, split: row.split,
                                  scene: row.scene ?? imagePath, vggss: fromVGGSS))
        }
        // Scenes default to the image path; name them after the first sample id of each image.
        var sceneName: [String: String] = [:]
        for i in samples.indices.sorted() where implicitScene.contains(i) {
            if sceneName[samples[i].scene] == nil { sceneName[samples[i].scene] = samples[i].id }
            samples[i].scene = sceneName[samples[i].scene]!
        }
        return Dataset(root: dir, format: .manifest, samples: samples, problems: problems, itemsListed: listed)
    }
}
