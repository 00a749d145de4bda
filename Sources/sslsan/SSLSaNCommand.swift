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

    /// Process-wide settings, once, before any command runs: activations of tens of MiB stay in
    /// the heap between calls instead of page-faulting anew through mmap (`ProcessTuning`; the
    /// pair at batch 1: 224 ms through mmap, 167 ms in the heap).
    static func main() {
        ProcessTuning.keepLargeAllocations()
        main(nil)
    }
}
