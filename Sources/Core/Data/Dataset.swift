import Foundation

/// The dataset layouts sslsan reads (SPEC §7).
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// Detect from the folder's contents.
    case auto
    /// sslsan's `manifest.jsonl`.
    case manifest
    /// Native VGG-SS: `audio/`, `frames/`, `metadata/vggss*.json`.
    case vggss
    /// IS3 / IS3+: `images/`, `audio_wav/`, `metadata/IS3_*.json`, `synthetic3240_{bbox,seg}.json`.
    case is3
    /// AVSBench S4: `visual_frames/test/<class>/<vid>/<vid>_<k>.png`, `audio_wav/test/<class>/<vid>.wav`.
    case s4
}

/// An indexed test set: samples with absolute paths and ground truth, nothing decoded.
///
/// Per-sample problems (missing file, unknown class, no box or mask) are listed with the sample
/// id in `problems` and the sample is skipped; `summary` counts them. Opening reads only the
/// metadata and checks that files exist: 5 000 items index in well under a second.
public struct Dataset: Sendable {
    public let root: String
    public let format: DatasetFormat
    public var samples: [Sample]
    /// One line per skipped (or partly usable) sample, starting with its id.
    public var problems: [String]
    /// Sorted distinct classes (sample labels and listed objects).
    public var classes: [String]
    /// Items seen in the metadata, before skipping.
    public var itemsListed: Int

    public init(root: String, format: DatasetFormat, samples: [Sample], problems: [String], itemsListed: Int) {
        self.root = root; self.format = format; self.samples = samples; self.problems = problems
        self.itemsListed = itemsListed
        classes = Array(Set(samples.map(\.label) + samples.flatMap(\.objects)).filter { !$0.isEmpty }).sorted()
    }

    /// Opens a dataset folder (or a `manifest.jsonl` file).
    /// - Parameter requireGroundTruth: skip samples without a box or mask (they cannot be scored
    ///   for localisation). The explorer passes false to browse them anyway.
    public static func open(_ path: String, format: DatasetFormat = .auto, requireGroundTruth: Bool = true) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SSLSaNError("no such dataset folder", file: path)
        }
        if !isDir.boolValue { try FileCheck.readable(path) }   // a manifest path: a regular file
        let dir = isDir.boolValue ? path : (path as NSString).deletingLastPathComponent
        let resolved = format == .auto ? try detect(path) : format
        var ds: Dataset
        switch resolved {
        case .manifest: ds = try ManifestReader.read(isDir.boolValue ? dir + "/manifest.jsonl" : path)
        case .vggss: ds = try VGGSSReader.read(dir)
        case .is3: ds = try IS3Reader.read(dir)
        case .s4: ds = try S4Reader.read(dir)
        case .auto: fatalError("unreachable")
        }
        // Every file a sample names must be a regular file: a named pipe would block the scorer
        // forever in open(2), a device would stream without end. Each layout's reader already
        // skips missing files; this catches the rest for all layouts in one place.
        var usable: [Sample] = []
        for s in ds.samples {
            let problem = ([s.imagePath, s.audioPath] + (s.maskPath.map { [$0] } ?? [])).lazy
                .compactMap { DatasetFiles.fileProblem(s.id, $0, root: ds.root) }.first
            if let problem { ds.problems.append(problem + " (skipped)") } else { usable.append(s) }
        }
        if usable.count < ds.samples.count {
            ds = Dataset(root: ds.root, format: ds.format, samples: usable, problems: ds.problems, itemsListed: ds.itemsListed)
        }
        if requireGroundTruth {
            var kept: [Sample] = []
            for s in ds.samples {
                if s.hasGroundTruth { kept.append(s) } else { ds.problems.append("\(s.id): no box or mask (skipped)") }
            }
            ds = Dataset(root: ds.root, format: ds.format, samples: kept, problems: ds.problems, itemsListed: ds.itemsListed)
        }
        return ds
    }

    /// Which layout a folder holds.
    public static func detect(_ path: String) throws -> DatasetFormat {
        let fm = FileManager.default
        func exists(_ rel: String) -> Bool { fm.fileExists(atPath: path + "/" + rel) }
        if path.hasSuffix(".jsonl") || exists("manifest.jsonl") { return .manifest }
        if exists("visual_frames") && exists("audio_wav") { return .s4 }
        if exists("images") && exists("audio_wav") { return .is3 }
        if exists("metadata/IS3_annotation.json") || exists("metadata/synthetic3240_bbox.json") { return .is3 }
        if exists("frames") && exists("audio") { return .vggss }
        throw SSLSaNError("cannot tell the dataset layout (expected manifest.jsonl, frames/+audio/ (VGG-SS), images/+audio_wav/ (IS3), or visual_frames/+audio_wav/ (S4)); use --format", file: path)
    }

    /// "N samples (M listed, K skipped: …)" with problem counts by kind.
    public var summary: String {
        let skipped = itemsListed - samples.count
        var kinds: [String: Int] = [:]
        for p in problems {
            let kind = p.split(separator: ":", maxSplits: 1).dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) } ?? p
            let short = kind.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? kind
            kinds[short.replacingOccurrences(of: #"'.*'"#, with: "…", options: .regularExpression), default: 0] += 1
        }
        let detail = kinds.sorted { $0.value > $1.value }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
        return "\(samples.count) samples (\(format.rawValue), \(itemsListed) listed, \(skipped) skipped\(detail.isEmpty ? "" : ": " + detail))"
    }

    /// Indices of samples grouped by scene, in first-appearance order.
    public var scenes: [(scene: String, members: [Int])] {
        var order: [String] = [], members: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() {
            if members[s.scene] == nil { order.append(s.scene) }
            members[s.scene, default: []].append(i)
        }
        return order.map { ($0, members[$0]!) }
    }
}

/// Helpers shared by the readers.
enum DatasetFiles {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Why sample `id` cannot use the file at `path` ("missing file", a pipe or device, a folder,
    /// no read permission), as a problem line naming the file relative to `root`; nil when usable.
    static func fileProblem(_ id: String, _ path: String, root: String) -> String? {
        guard let p = FileCheck.problem(path) else { return nil }
        let shown = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
        return p == "no such file" ? "\(id): missing file '\(shown)'" : "\(id): '\(shown)' \(p)"
    }

    /// JSON decoded with JSONDecoder: JSONSerialization on Linux rounds some doubles to a
    /// neighbouring value, which can move a box edge across a pixel boundary.
    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        let data = try FileCheck.contents(path)
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw SSLSaNError("unexpected JSON (\(Self.describe(error)))", file: path)
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let k, let c): "missing key '\(k.stringValue)' at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            "\(c.debugDescription) at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "\(error)"
        }
    }

    /// The file name without folder and extension.
    static func stem(_ path: String) -> String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

    /// Sorted file names in a folder (empty when absent).
    static func list(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    /// Reads `{class: [file stems]}` files (vssl_eval's `*_class_files_dict.json`) as stem → class.
    /// Where a stem is listed under several classes the alphabetically first wins (JSON object
    /// order is not preserved by the decoder; vssl_eval takes the first in file order).
    static func classByStem(_ path: String) throws -> [String: String] {
        let dict = try decode([String: [String]].self, path)
        var out: [String: String] = [:]
        for cls in dict.keys.sorted() { for f in dict[cls]! where out[stem(f)] == nil { out[stem(f)] = cls } }
        return out
    }
}
