import ArgumentParser
import Core

struct RenderFigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Write a figure (image, ground truth, four conditions) as PNG.")
    func run() throws { throw SSLSaNError("'render' is not built yet") }
}
