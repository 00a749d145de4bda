import ArgumentParser
import Core

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explore", abstract: "Open the terminal explorer.")
    func run() throws { throw SSLSaNError("'explore' is not built yet") }
}
