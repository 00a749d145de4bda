import ArgumentParser
import Foundation
import Core
import TUI

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Open the terminal explorer on a dataset with a checkpoint, or on precomputed maps.",
        discussion: """
        Press ? inside for the keys. Needs a terminal of at least 80×24.

        --maps FILE browses maps computed elsewhere (any model, e.g. ACL; the layout of \
        'sslsan eval --maps', written by 'sslsan eval --write-maps' or tools/write_maps.py): overlay, \
        threshold, figures (equal to 'sslsan eval --maps FILE'), histograms, sorting, export. --data DIR \
        joins the file's sample names with a dataset (by id or file stem) for the images and the \
        positive's audio; without it, or for names not found, maps are drawn on a neutral background. \
        --compare B (or --checkpoint B) scores a live model on the same samples beside them. Live \
        windows and training need the engine and are off for the maps.

        Examples:
          sslsan explore --data samples --checkpoint samples/demo.safetensors
          sslsan eval --data samples --checkpoint samples/demo.safetensors --write-maps demo-maps.safetensors
          sslsan explore --maps demo-maps.safetensors --data samples --compare ezvsl.pth
        """)

    @Option(name: .long, help: "Dataset folder (any format sslsan reads; default samples, none with --maps).")
    var data: String?

    @Option(name: .long, help: "Checkpoint of any supported family (see `sslsan models`): .safetensors, or a PyTorch .pth / .pth.tar / .pt. With --maps: a live model shown beside the maps, as --compare.")
    var checkpoint: String?

    @Option(name: .long, help: "Precomputed maps (the layout of 'sslsan eval --maps') to browse instead of running a checkpoint.")
    var maps: String?

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
        if maps != nil && checkpoint != nil && compare != nil { throw ValidationError("with --maps, give the live model once: --compare B (or --checkpoint B)") }
        if maps != nil && bench { throw ValidationError("--bench measures the engine: give --checkpoint, not --maps") }
    }

    func run() throws {
        try reportingErrors {
            do {
                if probe {
                    DoctorCommand.printReport(graphics: graphics)
                    return
                }
                if bench {
                    let path = checkpoint ?? Self.defaultCheckpoint
                    let ckpt = FileManager.default.fileExists(atPath: path) ? path : nil
                    let r = try ExplorerBench.run(checkpoint: ckpt, data: data ?? Self.defaultData, family: model)
                    let json = try JSONSerialization.data(withJSONObject: r, options: [.prettyPrinted, .sortedKeys])
                    print(String(decoding: json, as: UTF8.self))
                    return
                }
                var opts: ExplorerOptions
                if let maps {
                    // The live model beside the maps: --compare B, or --checkpoint B.
                    opts = ExplorerOptions(dataDirectory: data ?? "", checkpoint: "", compare: compare ?? checkpoint, demo: demo,
                                           exportDirectory: exportDir, passes: passes)
                    opts.maps = maps
                    opts.compareFamily = compare != nil ? compareModel : (compareModel ?? model)
                } else {
                    opts = ExplorerOptions(dataDirectory: data ?? Self.defaultData, checkpoint: checkpoint ?? Self.defaultCheckpoint,
                                           compare: compare, demo: demo, exportDirectory: exportDir, passes: passes)
                    opts.family = model
                    opts.compareFamily = compareModel
                }
                opts.graphics = graphics
                opts.cacheDirectory = cache.directory
                try ExplorerLauncher.run(opts)
            } catch let e as TUIError {
                throw SSLSaNError(e.description)
            }
        }
    }
}

extension ExploreCommand {
    static let defaultData = "samples"
    static let defaultCheckpoint = "samples/demo.safetensors"
}

extension GraphicsOption: ExpressibleByArgument {}
