import Foundation
import Core

/// Where the explorer gets its dataset reader, model and trainer from: `Dataset.open`,
/// `LocalisationModels.open` (any family) and Core's `Trainer`, with one-line errors for missing files.
public enum Backends {
    public static func dataset(_ dir: String) throws -> any ExplorerData {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw TUIError("\(dir): no such dataset folder")
        }
        do { return try CoreDataset(directory: dir) } catch let e as TUIError { throw e } catch { throw TUIError("\(error)") }
    }

    /// A checkpoint of any family (`family` nil: as the file says; see `LocalisationModels.open`).
    static func model(_ path: String, family: ModelFamily? = nil) throws -> any ExplorerModel {
        guard FileManager.default.fileExists(atPath: path) else { throw TUIError("\(path): no such checkpoint") }
        do { return try SSLSaNExplorerModel(path: path, family: family) } catch { throw TUIError("\(error)") }
    }

    static func trainer() -> (any TrainingDriver)? { CoreTrainingDriver() }
}
