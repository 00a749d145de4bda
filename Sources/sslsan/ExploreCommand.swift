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

    @Option(name: .long, help: "A second checkpoint (any family) shown side by side.")
    var compare: String?

    @Flag(name: .long, help: "Cycle scenes and audio conditions on a timer; any key takes control.")
    var demo = false

    @Option(name: .long, help: "Folder for exported failure-case reports and training runs.")
    var exportDir: String = "."

    @Option(name: .long, help: "Evaluation passes scored in the background (as 'sslsan eval --passes'; pass 1 comes first).")
    var passes: Int = 10

    @Flag(name: .long, help: "Print the explorer's speed figures as JSON instead of opening it.")
    var bench = false

    func validate() throws {
        guard passes >= 1 && passes <= 1000 else { throw ValidationError("--passes must be between 1 and 1000") }
    }

    func run() throws {
        try reportingErrors {
            do {
                if bench {
                    let ckpt = FileManager.default.fileExists(atPath: checkpoint) ? checkpoint : nil
                    let r = try ExplorerBench.run(checkpoint: ckpt, data: data)
                    let json = try JSONSerialization.data(withJSONObject: r, options: [.prettyPrinted, .sortedKeys])
                    print(String(decoding: json, as: UTF8.self))
                    return
                }
                let opts = ExplorerOptions(dataDirectory: data, checkpoint: checkpoint, compare: compare, demo: demo, exportDirectory: exportDir, passes: passes)
                try ExplorerLauncher.run(opts)
            } catch let e as TUIError {
                throw SSLSaNError(e.description)
            }
        }
    }
}
