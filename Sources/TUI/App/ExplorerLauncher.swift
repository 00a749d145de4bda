import Foundation
import Core

/// Opens the dataset and checkpoints (or the maps file) named by the options and runs the explorer.
public enum ExplorerLauncher {
    public static func run(_ o: ExplorerOptions) throws {
        let (data, main, compare, cache) = try sources(o)
        // The trainer needs the engine: not offered beside precomputed maps.
        let explorer = Explorer(options: o, data: data, main: main, compare: compare, cache: cache,
                                trainer: o.maps == nil ? Backends.trainer() : nil, loadModel: { try Backends.model($0) })
        try explorer.run()
    }

    /// The dataset and the sources of the maps as the explorer opens them: model sessions for
    /// checkpoints, or a `MapsSession` (with a live model beside it for `--compare`) for `--maps`.
    /// Public for the tests that compare the explorer's figures with `sslsan eval`'s.
    public static func sources(_ o: ExplorerOptions) throws -> (data: any ExplorerData, main: any ScoreSource, compare: (any ScoreSource)?, cache: EmbeddingCache?) {
        let cache = o.cacheDirectory.flatMap { try? EmbeddingCache(directory: $0) }
        guard let maps = o.maps else {
            let (data, model, compare) = try open(o)
            let s = Session(data: data, model: model, compare: compare, passes: o.passes, cache: cache)
            return (data, s.main, s.compare, cache)
        }
        ComputeBudget.apply(.jobPerCore())
        let contents: MapsFile.Contents
        do { contents = try MapsFile.load(maps) } catch { throw TUIError("\(error)") }
        let data = try MapsData(contents: contents, path: maps, dataDirectory: o.dataDirectory.isEmpty ? nil : o.dataDirectory)
        let compare = try o.compare.map {
            ModelSession(model: try Backends.model($0, family: o.compareFamily), samples: data.samples, passes: o.passes, cache: cache)
        }
        return (data, MapsSession(contents: contents, path: maps), compare, cache)
    }

    /// The dataset and models as the explorer opens them (public for the tests that compare the
    /// explorer's figures with `sslsan eval`'s).
    public static func open(_ o: ExplorerOptions) throws -> (any ExplorerData, any ExplorerModel, (any ExplorerModel)?) {
        // The explorer's front door sets the budget once: its background workers (scorer, scene,
        // trainer) each run single-threaded, side by side, and one core stays free for the UI.
        ComputeBudget.apply(.jobPerCore())
        let data = try Backends.dataset(o.dataDirectory)
        let model = try Backends.model(o.checkpoint, family: o.family)
        let compare = try o.compare.map { try Backends.model($0, family: o.compareFamily) }
        return (data, model, compare)
    }
}
