import ArgumentParser
import Foundation
import Core

/// `sslsan inspect FILE`: what a weight file holds before anything runs it — the container
/// (safetensors, or a torch.save zip / legacy pickle and where its state dict sits), the model
/// family detected from the key names, dtypes, the parameter count and every missing, extra or
/// mis-shaped key against that family's state_dict. A torch.save file is read by the restricted
/// unpickler: one that names anything but a tensor checkpoint's globals is refused, not run.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a checkpoint (.safetensors, .pth, .pth.tar, .pt) holds and whether it fits a model family.",
        discussion: "--dump writes the flat tensor dict that sslsan loads from the file (container unwrapped, 'module.' stripped, each tensor in its stored dtype, views made contiguous) as safetensors.")

    @Argument(help: "Checkpoint file.")
    var file: String

    @Option(help: "Compare the keys with this family instead of the detected one (\(ModelFamily.allCases.map(\.rawValue).joined(separator: ", "))).")
    var model: String?

    @Option(help: "Write the tensors found to this safetensors file.")
    var dump: String?

    func validate() throws {
        if let model, Self.family(model) == nil {
            throw ValidationError("unknown --model '\(model)' (known: \(ModelFamily.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// A family by its command-line name or the name papers print, any case.
    static func family(_ s: String) -> ModelFamily? {
        ModelFamily.allCases.first { $0.rawValue == s.lowercased() || $0.displayName.lowercased() == s.lowercased() }
    }

    func run() throws {
        try reportingErrors {
            let source = try openTensorSource(file)
            let report = CheckpointInspection(source, family: model.flatMap(Self.family))
            print(report.lines.joined(separator: "\n"))
            if let dump {
                try SafetensorsWriter(copying: source).write(to: dump)
                print("wrote \(dump): \(source.names.count) tensors")
            }
        }
    }
}
