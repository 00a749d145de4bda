import ArgumentParser
import Foundation
import Core

/// Set by SIGINT, SIGTERM or SIGHUP; the training loop finishes its current step, saves `last` and returns.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private var count = 0
    func raise() -> Int { lock.lock(); value = true; count += 1; let c = count; lock.unlock(); return c }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train an SSL-SaN (or SSL-TIE baseline) model on the CPU.",
        discussion: """
        Reads any dataset `sslsan eval` opens (`sslsan samples --out DIR --split train` makes one). Writes into
        RUN_DIR, which it locks while it runs: log.jsonl (one line per step and per epoch, with validation
        metrics), last.safetensors (weights, optimizer, position and RNG in one atomically written file: every
        epoch, every --save-every-minutes and on Ctrl-C; --resume continues from it, also mid-epoch) and
        best.safetensors (highest validation separability by default, see --select). Ctrl-C, SIGTERM and
        SIGHUP finish the current step, save and exit; a second signal exits at once. A run without --resume
        refuses a RUN_DIR that already holds a run. The baseline (SSL-TIE) is --no-silence --no-noise.
        """)

    @Option(help: "Training folder (manifest.jsonl).") var data: String
    @Option(help: "Validation dataset (any layout `sslsan eval` opens); after every epoch it is scored as `eval --passes 1` scores it.") var val: String?
    @Option(help: "Model configuration (\(ModelConfig.presets.map(\.name).joined(separator: ", "))).") var config: String = "demo"
    @Option(help: "Epochs.") var epochs: Int = 10
    @Option(help: "Run folder.") var out: String
    @Flag(help: "Continue the run in RUN_DIR from its last.safetensors (from the start when it has none yet).") var resume = false
    @Option(help: "Minutes between saves of last.safetensors inside an epoch (0: every step); epoch ends always save.")
    var saveEveryMinutes: Double = 10
    @Option(help: "Learning rate (Adam).") var lr: Double = 1e-3
    @Option(help: "Batch size.") var batch: Int = 32
    @Option(help: "Weight decay (L2 added to the gradient, as torch Adam).") var weightDecay: Double = 1e-4
    @Flag(inversion: .prefixedNo, help: "Silence as a negative pair (L_S).") var silence = true
    @Flag(inversion: .prefixedNo, help: "Noise as a negative pair (L_N).") var noise = true
    @Flag(name: .customLong("neg-loss"), inversion: .prefixedNo, help: "The L_S/L_N loss terms.") var negLoss = true
    @Option(help: "λ weighting L_S + L_N.") var lambda: Double = 1
    @Flag(name: .customLong("joint-audio-batch"), inversion: .prefixedNo,
          help: "One audio-encoder forward on [positive; silence; noise], so BatchNorm sees in training the statistics it uses at test time.")
    var jointAudioBatch = true
    @Flag(inversion: .prefixedNo, help: "SSL-TIE equivariance branch.") var equivariance = true
    @Flag(inversion: .prefixedNo, help: "Similar Audio Mixing between epochs.") var sam = true
    @Flag(name: .customLong("spec-augment"), inversion: .prefixedNo, help: "SpecAugment on the positive audio.") var specAugment = true
    @Flag(name: .customLong("image-augment"), inversion: .prefixedNo, help: "Image augmentation (crop, colour, grey, blur, flip).") var imageAugment = true
    @Option(help: "Smallest RandomResizedCrop area fraction (SSL-TIE: 0.3).") var cropScale: Double = 0.3
    @Option(help: "Random seed.") var seed: UInt64 = 4
    @Option(help: "Pairs per epoch (default: all).") var epochSize: Int?
    @Option(help: "Validation pairs.") var valPairs: Int = 200
    @Option(help: "best.safetensors by: sep (separability), floc (F_LOC), objacc (object accuracy).") var select: String = "sep"
    @Option(help: "ReduceLROnPlateau patience (epochs).") var patience: Int = 10
    @Flag(help: "One training thread whose GEMMs use both cores, instead of image/audio branches on two threads.") var serial = false

    func run() throws {
        try reportingErrors {
            guard ["sep", "floc", "objacc"].contains(select) else { throw SSLSaNError("--select must be sep, floc or objacc (got '\(select)')") }
            guard batch >= 2 else { throw SSLSaNError("--batch must be at least 2") }
            guard saveEveryMinutes >= 0, saveEveryMinutes.isFinite else { throw SSLSaNError("--save-every-minutes must be 0 or more") }
            var o = TrainingOptions(dataDir: data, outDir: out)
            o.valDir = val; o.config = config; o.epochs = epochs; o.batch = batch; o.lr = lr; o.weightDecay = weightDecay
            o.silence = silence; o.noise = noise; o.negLoss = negLoss; o.lambda = lambda; o.jointAudioBatch = jointAudioBatch; o.equivariance = equivariance
            o.sam = sam; o.specAugment = specAugment; o.imageAugment = imageAugment; o.cropScale = cropScale; o.seed = seed; o.epochSize = epochSize
            o.valPairs = valPairs; o.select = select; o.resume = resume; o.plateauPatience = patience; o.parallelBranches = !serial
            o.saveEveryMinutes = saveEveryMinutes
            // The compute budget: two branches × one thread, or one thread whose GEMMs use two cores.
            ComputeBudget.apply(serial ? .oneJob(cores: 2) : .jobPerCore(cores: 2))
            let trainer = try Trainer(options: o)

            // Ctrl-C, `kill` and a closed terminal all stop the same way: finish the step, save, exit.
            let flag = StopFlag()
            let signals: [(Int32, String)] = [(SIGINT, "Ctrl-C"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]
            let sources = signals.map { sig, name in
                signal(sig, SIG_IGN)
                let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                src.setEventHandler {
                    if flag.raise() > 1 { FileHandle.standardError.write(Data("\nsslsan: \(name) again: exiting without saving\n".utf8)); Foundation.exit(128 + sig) }
                    FileHandle.standardError.write(Data("\nsslsan: \(name): stopping after this step (again to quit at once)\n".utf8))
                }
                src.resume()
                return src
            }
            defer { for (src, (sig, _)) in zip(sources, signals) { src.cancel(); signal(sig, SIG_DFL) } }

            let tty = isatty(STDOUT_FILENO) != 0
            var lastPrint = Date.distantPast
            let out = FileHandle.standardOutput
            func say(_ s: String) { out.write(Data(s.utf8)) }
            try trainer.run(progress: { ev in
                switch ev {
                case let .started(pairs, valPairs, params, steps, startEpoch, startStep):
                    let resumed = startEpoch > 1 || startStep > 0 ? ", resuming at epoch \(startEpoch) step \(startStep)" : ""
                    say("training '\(trainer.config.name)' (\(String(format: "%.2f", Double(params) / 1e6)) M parameters) on \(pairs) pairs, \(steps) steps of \(o.batch) per epoch"
                        + (valPairs > 0 ? ", validating on \(valPairs) pairs" : "") + resumed + "\n")
                case .saved:
                    if !tty { say("saved \(trainer.folder.lastPath)\n") }
                case let .step(epoch, step, n, parts, sps, lr):
                    let desc = Self.describe(parts)
                    if tty {
                        let w = 24, filled = Int(Double(w) * Double(step + 1) / Double(max(n, 1)))
                        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: w - filled)
                        say("\r\u{1B}[2Kepoch \(epoch)/\(o.epochs) \(bar) \(step + 1)/\(n) \(String(format: "%.1f", sps)) samples/s lr \(String(format: "%.0e", lr)) \(desc)")
                    } else if Date().timeIntervalSince(lastPrint) > 30 || step + 1 == n {
                        lastPrint = Date()
                        say("epoch \(epoch) step \(step + 1)/\(n) \(String(format: "%.1f", sps)) samples/s \(desc)\n")
                    }
                case let .phase(p):
                    if tty { say("\r\u{1B}[2K\(p)…") } else { say("\(p)…\n") }
                case let .epochEnd(epoch, means, val, secs, best):
                    var s = (tty ? "\r\u{1B}[2K" : "") + "epoch \(epoch) done in \(String(format: "%.0f", secs)) s: \(Self.describe(means))"
                    if let v = val {
                        s += String(format: " | val cIoU %.1f pIA S/N/O %.1f/%.1f/%.1f F %.1f sep %.3f U %.3f", v["ciou_uth"] ?? .nan, v["pia_s"] ?? .nan,
                                    v["pia_n"] ?? .nan, v["pia_o"] ?? .nan, v["f_loc"] ?? .nan, v["separability"] ?? .nan, v["universal_threshold"] ?? .nan)
                        if let oa = v["object_accuracy"] { s += String(format: " objacc %.1f", oa) }
                    }
                    say(s + (best ? " (best)" : "") + "\n")
                case let .stopped(msg):
                    say((tty ? "\r\u{1B}[2K" : "") + msg + "\n")
                }
            }, shouldStop: { flag.isSet })
        }
    }

    static func describe(_ parts: [String: Double]) -> String {
        let order = ["loss", "loss_cl", "loss_cl_ts", "loss_equiv", "loss_S", "loss_N"]
        let short = ["loss": "L", "loss_cl": "cl", "loss_cl_ts": "ts", "loss_equiv": "eq", "loss_S": "S", "loss_N": "N"]
        return order.compactMap { k in parts[k].map { "\(short[k]!) \(String(format: $0 < 0.01 ? "%.2e" : "%.3f", $0))" } }.joined(separator: " ")
    }
}
