import Foundation
import Core

/// The explorer's model: an SSL-SaN / SSL-TIE checkpoint and its display name.
public final class SSLSaNExplorerModel: ExplorerModel, Sendable {
    public let model: SSLSaNModel
    public let name: String

    public init(path: String) throws {
        model = try SSLSaNModel.load(path)
        name = Self.displayName(path)
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

    public init(model: SSLSaNModel, name: String) {
        self.model = model; self.name = name
    }
}
