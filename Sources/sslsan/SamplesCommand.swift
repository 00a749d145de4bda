import ArgumentParser
import Core

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "samples", abstract: "Generate the IS3-like synthetic benchmark.")
    func run() throws { throw SSLSaNError("'samples' is not built yet") }
}
