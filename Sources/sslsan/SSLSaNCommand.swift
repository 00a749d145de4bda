import ArgumentParser
import Core

@main
struct SSLSaNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sslsan",
        abstract: "Visual sound source localisation explorer and on-CPU engine for SSL-SaN.",
        subcommands: [ExploreCommand.self, InferCommand.self, EvalCommand.self, RenderFigureCommand.self,
                      SamplesCommand.self, TrainCommand.self, BenchCommand.self, DebugCommand.self,
                      InspectCommand.self, DoctorCommand.self, ModelsCommand.self]
    )
}
