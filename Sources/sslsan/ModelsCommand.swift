import ArgumentParser
import Core

/// `sslsan models`: the families sslsan runs, each with what it expects (network, audio front
/// end, image statistics, map scale and post-processing) and vssl_eval's paper threshold, read
/// from `ModelFamily.specification` — the same values the engine runs with.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the supported model families and what each expects.",
        discussion: "Any command taking --checkpoint reads these families; the family comes from the file (sslsan metadata, else the state_dict's names) or from --model NAME.")

    func run() throws {
        print(Self.table())
    }

    static func table() -> String {
        var lines: [String] = []
        for f in ModelFamily.allCases {
            let s = f.specification
            let u = s.paperThreshold.map { formatFixedU(Double($0)) } ?? "none"
            lines.append("\(f.displayName.padding(toLength: 10, withPad: " ", startingAt: 0)) --model \(f.rawValue)")
            lines.append("  \(s.summary)")
            let up = s.scale == .gradCAM ? "Grad-CAM min–max + cv2 bilinear" : "positive \(s.postProcessing.positive.rawValue), negatives cv2Linear"
            lines.append("  image \(s.imageNormalisation.rawValue)\(s.pillowImageResize ? " (Pillow squash)" : " (vssl_eval squash)"); map \(s.postProcessing.scale.rawValue), \(up), compared in \(s.postProcessing.comparison.rawValue); paper threshold \(u)"
                         + (s.audioBatchStatistics ? "; audio BatchNorm in training mode, as released" : ""))
        }
        return lines.joined(separator: "\n")
    }

    static func formatFixedU(_ v: Double) -> String { String(format: "%.4f", v) }
}

extension ModelFamily.Specification {
    var scale: MapPostProcessing.Scale { postProcessing.scale }
}

extension ModelFamily: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
