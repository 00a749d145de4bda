import ArgumentParser
import Core

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure engine, training and explorer speed; prints JSON.")
    func run() throws { throw SSLSaNError("'bench' is not built yet") }
}
