import Foundation
import Core

/// The explorer's model: a checkpoint of any family (`LocalisationModels.open`) and the name the
/// status line shows: file, family and vssl_eval's paper threshold for it.
public final class SSLSaNExplorerModel: ExplorerModel, Sendable {
    public let model: any LocalisationModel
    public let name: String

    public init(path: String, family: ModelFamily? = nil) throws {
        model = try LocalisationModels.open(path, family: family)
        name = Self.caption(file: Self.displayName(path), model: model)
    }

    /// The name the explorer shows for a checkpoint file: its file name, with the run folder in
    /// front of a trainer's generic `last` / `best` (two runs' `last.safetensors` must not read alike).
    public static func displayName(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let file = url.lastPathComponent
        let stem = url.deletingPathExtension().lastPathComponent
        guard ["last", "best"].contains(stem) else { return file }
        let run = url.deletingLastPathComponent().lastPathComponent
        return run.isEmpty || run == "/" ? file : "\(run)/\(file)"
    }

    public init(model: any LocalisationModel, name: String) {
        self.model = model; self.name = name
    }

    /// "file · EZ-VSL · paper U 0.638" (the family's vssl_eval threshold on its own map scale).
    public static func caption(file: String, model: any LocalisationModel) -> String {
        "\(file) · \(model.label)" + (model.paperThreshold.map { String(format: " · paper U %.4g", Double($0)) } ?? "")
    }
}
