import Foundation
import Core

/// Opens the dataset and checkpoints named by the options and runs the explorer.
public enum ExplorerLauncher {
    public static func run(_ o: ExplorerOptions) throws {
        let (data, model, compare) = try open(o)
        let explorer = Explorer(options: o, data: data, model: model, compare: compare, trainer: Backends.trainer(),
                                loadModel: { try Backends.model($0) })
        try explorer.run()
    }

    /// The dataset and models as the explorer opens them (public for the tests that compare the
    /// explorer's figures with `sslsan eval`'s).
    public static func open(_ o: ExplorerOptions) throws -> (any ExplorerData, any ExplorerModel, (any ExplorerModel)?) {
        // The explorer's front door sets the budget once: its background workers (scorer, scene,
        // trainer) each run single-threaded, side by side, and one core stays free for the UI.
        ComputeBudget.apply(.jobPerCore())
        ProcessTuning.keepLargeAllocations()
        let data = try Backends.dataset(o.dataDirectory)
        let model = try Backends.model(o.checkpoint, family: o.family)
        let compare = try o.compare.map { try Backends.model($0, family: o.compareFamily) }
        return (data, model, compare)
    }
}
