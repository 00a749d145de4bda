import ArgumentParser
import Core

struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug", abstract: "Developer tools (one train step for parity checks).")
    func run() throws { throw SSLSaNError("'debug' is not built yet") }
}
