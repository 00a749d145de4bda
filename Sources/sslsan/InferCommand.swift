import ArgumentParser
import Core

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "Run the model on one image and one audio (or silence/noise).")
    func run() throws { throw SSLSaNError("'infer' is not built yet") }
}
