import ArgumentParser
import Core

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Compute the paper's metrics on a dataset or on exported maps.")
    func run() throws { throw SSLSaNError("'eval' is not built yet") }
}
