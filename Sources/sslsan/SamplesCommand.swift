import ArgumentParser
import Foundation
import Core

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Generate the IS3-like synthetic benchmark.",
        discussion: "Writes COUNT scenes (two image/audio pairs each) to DIR in sslsan's manifest format: "
            + "manifest.jsonl, classes.json, README.md, images/, masks/, audio/. The same seed gives the same bytes. "
            + "The committed test split is `--out samples --count 100 --seed 1`; generate training sets with other seeds."
    )

    @Option(name: .long, help: "Output folder (created; must be empty unless --force).")
    var out: String

    @Option(name: .long, help: "Number of scenes (each gives two pairs).")
    var count: Int = 100

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Value of the manifest's `split` field.")
    var split: String = "test"

    @Flag(name: .long, help: "Write into a non-empty folder (overwrites generated files, keeps others).")
    var force = false

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            var cmd = "sslsan samples --out \(out) --count \(count) --seed \(seed)"
            if split != "test" { cmd += " --split \(split)" }
            let quiet = self.quiet
            let total = count
            let step = max(1, total / 20)
            let summary = try SampleDataset.write(to: out, count: count, seed: seed, split: split, force: force, command: cmd) { done, _ in
                if !quiet && (done % step == 0 || done == total) {
                    FileHandle.standardError.write(Data("\rsslsan samples: \(done)/\(total) scenes".utf8))
                }
            }
            if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
            let rate = Double(summary.scenes) / max(summary.seconds, 1e-9)
            print("wrote \(summary.scenes) scenes (\(summary.pairs) pairs) to \(out) in \(String(format: "%.1f", summary.seconds)) s (\(String(format: "%.0f", rate)) scenes/s)")
        }
    }
}
