import ArgumentParser
import Core

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train an SSL-SaN (or SSL-TIE baseline) model on the CPU.")
    func run() throws { throw SSLSaNError("'train' is not built yet") }
}
