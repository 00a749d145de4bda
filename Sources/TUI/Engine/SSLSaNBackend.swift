import Foundation
import Core

/// The explorer's model: an SSL-SaN / SSL-TIE checkpoint and its file name.
public final class SSLSaNExplorerModel: ExplorerModel, Sendable {
    public let model: SSLSaNModel
    public let name: String

    public init(path: String) throws {
        model = try SSLSaNModel.load(path)
        name = URL(fileURLWithPath: path).lastPathComponent
    }

    public init(model: SSLSaNModel, name: String) {
        self.model = model; self.name = name
    }
}
