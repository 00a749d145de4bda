import ArgumentParser
import Foundation
import TUI

/// `sslsan doctor`: what the terminal probe finds (kitty graphics, sixel, cell size, tmux
/// passthrough, the environment) and what `explore --graphics auto` would draw with. The same
/// probe the explorer runs before it starts.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Probe the terminal: graphics protocols, cell size, tmux; print what the explorer would use.")

    @Option(name: .long, help: "The --graphics choice to resolve (default auto).")
    var graphics: GraphicsOption = .auto

    @Option(name: .long, help: "Seconds to wait for the terminal's answers.")
    var timeout: Double = 0.4

    func run() throws {
        DoctorCommand.printReport(graphics: graphics, timeout: timeout)
    }

    static func printReport(graphics: GraphicsOption, timeout: Double = 0.4) {
        let caps = TerminalProbe.run(timeout: max(0.05, min(5, timeout)))
        for line in caps.report(choice: caps.choose(.auto)) { print(line) }
        if graphics != .auto {
            let c = caps.choose(graphics)
            print("graphics (--graphics \(graphics.rawValue)): \(c.proto?.rawValue ?? c.style.rawValue) (\(c.reason))")
        }
    }
}
