import Foundation
import Core

/// The explorer's model: a checkpoint of any family (`LocalisationModels.open`) and the name the
/// status line shows: file, family and vssl_eval's paper threshold for it.
public final class SSLSaNExplorerModel: ExplorerModel, Sendable {
    public let model: any LocalisationModel
    public let name: String

    public init(path: String, family: ModelFamily? = nil) throws {
        model = try LocalisationModels.open(path, family: family)
        name = Self.caption(file: URL(fileURLWithPath: path).lastPathComponent, model: model)
    }

    public init(model: any LocalisationModel, name: String) {
        self.model = model; self.name = name
    }

    /// "file · EZ-VSL · paper U 0.638" (the family's vssl_eval threshold on its own map scale).
    public static func caption(file: String, model: any LocalisationModel) -> String {
        "\(file) · \(model.label)" + (model.paperThreshold.map { String(format: " · paper U %.4g", Double($0)) } ?? "")
    }
}
