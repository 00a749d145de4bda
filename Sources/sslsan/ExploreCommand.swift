import ArgumentParser
import Foundation
import Core
import TUI

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Open the terminal explorer on a dataset with a checkpoint.",
        discussion: "Press ? inside for the keys. Needs a terminal of at least 80×24.")

    @Option(name: .long, help: "Dataset folder (any format sslsan reads).")
    var data: String = "samples"

    @Option(name: .long, help: "Checkpoint of any supported family (see `sslsan models`): .safetensors, or a PyTorch .pth / .pth.tar / .pt.")
    var checkpoint: String = "samples/demo.safetensors"

    @Option(name: .long, help: "Model family of --checkpoint, when the file does not say (as 'sslsan eval --model').")
    var model: ModelFamily?

    @Option(name: .long, help: "A second checkpoint (any family) shown side by side.")
    var compare: String?

    @Option(name: .long, help: "Model family of --compare, when the file does not say.")
    var compareModel: ModelFamily?

    @Flag(name: .long, help: "Cycle scenes and audio conditions on a timer; any key takes control.")
    var demo = false

    @Option(name: .long, help: "Folder that receives exports/ (tagged failure cases: ids, report, figures) and runs/ (training started in the explorer).")
    var exportDir: String = "."

    @Option(name: .long, help: "Evaluation passes scored in the background (as 'sslsan eval --passes'; pass 1 comes first).")
    var passes: Int = 10

    @OptionGroup var cache: CacheOptions

    @Flag(name: .long, help: "Print the explorer's speed figures as JSON instead of opening it.")
    var bench = false

    @Option(name: .long, help: "Scene image: auto (probe the terminal), kitty, sixel, symbols (sextants or quadrants), sextants, quadrants, halfblocks, ascii.")
    var graphics: GraphicsOption = .auto

    @Flag(name: .long, help: "Print what the terminal probe found (as 'sslsan doctor') and exit.")
    var probe = false

    func validate() throws {
        guard passes >= 1 && passes <= 1000 else { throw ValidationError("--passes must be between 1 and 1000") }
    }

    func run() throws {
        try reportingErrors {
            do {
                if probe {
                    DoctorCommand.printReport(graphics: graphics)
                    return
                }
                if bench {
                    let ckpt = FileManager.default.fileExists(atPath: checkpoint) ? checkpoint : nil
                    let r = try ExplorerBench.run(checkpoint: ckpt, data: data, family: model)
                    let json = try JSONSerialization.data(withJSONObject: r, options: [.prettyPrinted, .sortedKeys])
                    print(String(decoding: json, as: UTF8.self))
                    return
                }
                var opts = ExplorerOptions(dataDirectory: data, checkpoint: checkpoint, compare: compare, demo: demo, exportDirectory: exportDir, passes: passes)
                opts.graphics = graphics
                opts.family = model
                opts.compareFamily = compareModel
                opts.cacheDirectory = cache.directory
                try ExplorerLauncher.run(opts)
            } catch let e as TUIError {
                throw SSLSaNError(e.description)
            }
        }
    }
}

extension GraphicsOption: ExpressibleByArgument {}
