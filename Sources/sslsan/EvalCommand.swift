import ArgumentParser
import Core
import Foundation

/// `sslsan eval`: the paper's metrics on a dataset scored with a checkpoint, on maps computed
/// elsewhere (`--maps`, in the layout of the golden `metrics_inputs.safetensors`), or on the
/// parts of a sharded run (`--shard i/n --out PART` on each machine, then `--merge PART…`).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compute the paper's metrics on a dataset, on exported maps, or on merged shards.",
        discussion: """
        Prints the paper's table (cIoU-Uth, cIoU-Adap, AUC-Uth, AUC-Adap, pIA and AUC_N for silence, \
        noise and off-screen, F_LOC, F_AUC) with two trivial baselines on the same ground truth (whole \
        image, best centred disc), then separability, alignment, magnitude, retrieval, object accuracy \
        and quartiles of the map maxima. The universal threshold U is the third quartile of the \
        negative maps' maxima of this run (--threshold auto) or a given value (e.g. the U of the same \
        model on VGG-SS, as the paper reuses it). Without negative maps U, and every figure at U, is \
        undefined (printed –, null in JSON).

        Embeddings are cached on disk (see --cache-dir), keyed by file contents and the model's \
        weights: a second run, at another threshold or after an interruption, encodes nothing again.

        Past one machine: --shard i/n --out PART.jsonl scores a deterministic slice (whole images, \
        image k to shard k mod n + 1) and writes its per-sample results; --merge PART.jsonl… pools \
        the parts into exactly the table one run gives (docs/SHARDING.md: Slurm, GNU parallel, \
        Kubernetes).

        Examples:
          sslsan eval --data samples --checkpoint model.safetensors --json metrics.json
          sslsan eval --maps metrics_inputs.safetensors --threshold 0.3338
          sslsan eval --data samples --checkpoint samples/demo.safetensors --write-maps demo-maps.safetensors
          sslsan eval --data vggss --checkpoint m.safetensors --shard 2/8 --out part-2.jsonl
          sslsan eval --merge part-*.jsonl --json metrics.json
          sslsan eval --data is3 --checkpoint ezvsl.pth --compare lvs.pth.tar --threshold paper

        --checkpoint takes any supported family (`sslsan models`); --compare scores a second model \
        on the same samples and prints the two reports side by side. --threshold paper uses \
        vssl_eval's U of each family.
        """)

    @Option(help: "Dataset folder (or manifest.jsonl).")
    var data: String?

    @Option(help: "Model checkpoint of any supported family (see `sslsan models`): .safetensors, or a PyTorch .pth / .pth.tar / .pt.")
    var checkpoint: String?

    @Option(help: "Model family of --checkpoint, when the file does not say.")
    var model: ModelFamily?

    @Flag(help: "Read audio at each file's own rate, as vssl_eval does (default: resample to the model's 16 kHz).")
    var nativeRate = false

    @Option(help: "A second checkpoint scored on the same data; the reports are printed side by side.")
    var compare: String?

    @Option(help: "Model family of --compare, when the file does not say.")
    var compareModel: ModelFamily?

    @Option(help: "Dataset layout: auto, manifest, vggss, is3 or s4.")
    var format: String = "auto"

    @Option(help: "Evaluation passes (each draws new noise and off-screen audio; vssl_eval uses 10).")
    var passes: Int = 10

    @Option(help: "Universal threshold: 'auto' (Q3 of this run's negative maxima), 'paper' (vssl_eval's for the family) or a number.")
    var threshold: String = "auto"

    @Option(help: "Maps computed elsewhere, in the layout of metrics_inputs.safetensors (instead of --data/--checkpoint).")
    var maps: String?

    @Option(help: "Also write the scored maps (every pass, ground truth, ids, embeddings) as a maps file for 'eval --maps' and 'explore --maps'.")
    var writeMaps: String?

    @Option(help: "Score only shard i of n (e.g. 3/8) and write its per-sample results to --out (no table).")
    var shard: ShardSpec?

    @Option(help: "Part file (JSON lines) for --shard.")
    var out: String?

    @Option(parsing: .upToNextOption, help: "Part files of every shard of one run: print the table one run gives.")
    var merge: [String] = []

    @Option(help: "Write the report as JSON (summary, baselines, per-sample values, every problem).")
    var json: String?

    @Option(help: "Write per-sample values as CSV.")
    var csv: String?

    @Option(help: "Write every problem (samples left out, with the reason) to this file, one per line.")
    var problems: String?

    @Flag(help: "Keep samples without a box or mask (scored as vssl_eval scores an empty ground truth).")
    var keepUnannotated = false

    @Flag(help: "Skip retrieval (it costs one N×N similarity pass, and every shard then encodes every clip).")
    var noRetrieval = false

    @OptionGroup var cache: CacheOptions

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Score one sample at a time with every GEMM and layer loop split across the cores, instead of samples in parallel.")
    var serial = false

    func validate() throws {
        let sources = [maps != nil, data != nil || checkpoint != nil, !merge.isEmpty].filter { $0 }.count
        if sources == 0 { throw ValidationError("give --data and --checkpoint, --maps, or --merge") }
        if sources > 1 { throw ValidationError("--data/--checkpoint, --maps and --merge are alternatives; give one") }
        if maps == nil && merge.isEmpty && (data == nil || checkpoint == nil) {
            throw ValidationError("give both --data and --checkpoint")
        }
        if (shard != nil || out != nil) && data == nil { throw ValidationError("--shard/--out score a dataset: give --data and --checkpoint") }
        if shard != nil && out == nil { throw ValidationError("--shard needs --out PART.jsonl") }
        if writeMaps != nil && (maps != nil || !merge.isEmpty || shard != nil) { throw ValidationError("--write-maps writes the maps of a whole run: give --data and --checkpoint") }
        if out != nil && (json != nil || csv != nil) { throw ValidationError("a shard prints no table: --json/--csv go with --merge") }
        guard DatasetFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard threshold == "paper" || ThresholdChoice(argument: threshold) != nil else { throw ValidationError("--threshold must be 'auto', 'paper' or a number") }
        if compare != nil && checkpoint == nil { throw ValidationError("--compare needs --data and --checkpoint") }
        if compare != nil && out != nil { throw ValidationError("a shard prints no table: --compare goes with a whole run") }
        guard passes >= 1 && passes <= 1000 else { throw ValidationError("--passes must be between 1 and 1000") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            // Output targets are checked before minutes of scoring, not after (AtomicFile checks again).
            for target in [out, json, csv, problems, writeMaps].compactMap({ $0 }) { try FileCheck.replaceable(target) }
            let set: MetricSet
            var timing = "", left: [String] = []
            var compared: (label: String, report: MetricReport)?
            var family: ModelFamily?, label = "maps"
            if !merge.isEmpty {
                let merged = try EvaluationPart.merge(merge)
                Self.note("merged \(merged.shards) part(s): \(merged.metrics.count) samples")
                set = merged.metrics
                left = merged.problems
                family = merged.family
                label = merged.label ?? label
            } else if let maps {
                let contents = try MapsFile.load(maps)
                set = contents.metrics
                family = contents.modelFamily
                label = contents.family ?? label
            } else {
                let ds = try Dataset.open(data!, format: DatasetFormat(rawValue: format)!, requireGroundTruth: !keepUnannotated)
                Self.note(ds.summary)
                guard !ds.samples.isEmpty else {
                    try listProblems(ds.problems)
                    throw SSLSaNError("no usable samples", file: data)
                }
                let model = try Self.open(checkpoint!, family: self.model)
                family = model.family
                label = model.label
                var options = Evaluator.Options()
                options.passes = passes
                options.retrieval = !noRetrieval
                options.nativeRate = nativeRate
                // The compute budget is the front door's: samples in parallel with
                // single-threaded BLAS and layer loops, or one sample with all of them.
                let cores = threads ?? ComputeBudget.cores
                ComputeBudget.apply(serial ? .oneJob(cores: cores) : .jobPerCore(cores: cores))
                options.threads = cores
                options.parallelSamples = !serial
                options.cache = try openCache()
                let evaluator = Evaluator(model: model, dataset: ds, options: options)
                let bar = ProgressLine()
                let cpu0 = Self.cpuSeconds(), t0 = Date()
                let (i, n) = shard.map { ($0.index, $0.count) } ?? (1, 1)
                let indices = out != nil ? Evaluator.shard(i, of: n, samples: ds.samples) : Array(ds.samples.indices)
                let scores = try evaluator.scores(of: indices, progress: { bar.update($0) })
                let seconds = Date().timeIntervalSince(t0), cpu = Self.cpuSeconds() - cpu0
                bar.finish()
                left = ds.problems + scores.problems
                timing = String(format: "scored %d samples in %.1f s wall, %.1f s CPU: %.3f s wall / %.3f s CPU per sample (%d passes, %d sample thread(s), model %@)",
                                scores.scored.count, seconds, cpu, seconds / Double(max(1, scores.scored.count)),
                                cpu / Double(max(1, scores.scored.count)), passes, serial ? 1 : options.threads, model.label)
                if let c = options.cache {
                    let st = c.statistics
                    timing += "\nembedding cache \(c.directory): \(st.hits) hit(s), \(st.misses) miss(es)"
                        + (st.writeFailures > 0 ? ", \(st.writeFailures) entries could not be written" : "")
                }
                if let out {
                    try EvaluationPart.write(scores, shard: i, of: n, evaluator: evaluator,
                                             datasetProblems: i == 1 ? ds.problems : [], to: out)
                    try listProblems(left)
                    print("shard \(i)/\(n): \(scores.scored.count) of \(indices.count) samples scored → \(out)")
                    print(timing)
                    return
                }
                set = scores.pooled()
                if let writeMaps, set.count > 0 {
                    try MapsFile.write(set, family: model.label, to: writeMaps)
                    Self.note("\(set.count) samples' maps → \(writeMaps) (explore them: sslsan explore --maps \(writeMaps) --data \(data!))")
                }
                if let compare, set.count > 0 {
                    let other = try Self.open(compare, family: compareModel)
                    let r = try Evaluator(model: other, dataset: ds, options: options).run(progress: { bar.update($0) })
                    bar.finish()
                    guard r.metrics.count > 0 else { throw SSLSaNError("no sample could be scored", file: compare) }
                    var otherReport = r.metrics.report(threshold: try Self.choice(threshold, other.family))
                    otherReport.problems = ds.problems + r.problems
                    compared = (other.label, otherReport)
                }
            }
            try listProblems(left)
            guard set.count > 0 else { throw SSLSaNError("no sample could be scored") }
            var report = set.report(threshold: try Self.choice(threshold, family))
            report.problems = left
            if let compared {
                print(Self.sideBySide([(label, report), compared]), terminator: "")
                print("\n== \(label)")
                print(report.table(), terminator: "")
                print("\n== \(compared.label)")
                print(compared.report.table(), terminator: "")
            } else {
                print(report.table(), terminator: "")
            }
            if let f = family, let u = f.specification.paperThreshold, threshold != "paper" {
                print(String(format: "paper threshold (vssl_eval U for %@) %.4f — rerun with --threshold paper to use it", f.displayName, Double(u)))
            }
            if let f = family, f.specification.postProcessing.scale == .gradCAM, threshold == "auto" {
                // MapPostProcessing: every Grad-CAM map is min–max normalised, so each maximum is ≈ 1.
                print("\(f.displayName) maps are min–max normalised (Grad-CAM), so every map's maximum is ≈ 1 and U is degenerate; give a fixed --threshold (RCGrad's own code uses 0.5)")
            }
            if !timing.isEmpty { print(timing) }
            if let json { try AtomicFile.write(try report.jsonData(), to: json) }
            if let csv { try AtomicFile.write(Data(report.csv().utf8), to: csv) }
        }
    }

    /// The embedding cache the options ask for (nil with --no-cache or SSLSAN_CACHE_DIR=off).
    func openCache() throws -> EmbeddingCache? {
        guard let dir = cache.directory else { return nil }
        return try EmbeddingCache(directory: dir)
    }

    /// Every sample left out: a summary line and the first ten on stderr, all of them in
    /// --problems (and in the JSON report's "problems").
    func listProblems(_ lines: [String]) throws {
        if let problems { try AtomicFile.write(Data(lines.map { $0 + "\n" }.joined().utf8), to: problems) }
        guard !lines.isEmpty else { return }
        Self.note("\(lines.count) sample(s) left out:")
        for p in lines.prefix(10) { Self.note("  \(p)") }
        if lines.count > 10 {
            let whole = problems.map { "all of them in \($0)" } ?? (json != nil ? "all of them under \"problems\" in \(json!)" : "list all with --problems FILE")
            Self.note("  … and \(lines.count - 10) more (\(whole))")
        }
    }

    /// Any family's checkpoint, listing the tensors it holds that the family does not use.
    static func open(_ path: String, family: ModelFamily?) throws -> any LocalisationModel {
        let m = try LocalisationModels.open(path, family: family)
        if let z = m as? ZooModel, !z.unexpectedKeys.isEmpty {
            note("\(path): \(z.unexpectedKeys.count) tensor(s) not used by \(z.label): \(z.unexpectedKeys.prefix(6).joined(separator: ", "))")
        }
        return m
    }

    /// `auto`, a number, or `paper` (the family's vssl_eval U).
    static func choice(_ argument: String, _ family: ModelFamily?) throws -> ThresholdChoice {
        if argument == "paper" {
            guard let f = family else {
                throw SSLSaNError("--threshold paper needs the model's family, and these maps or parts name none (written by an older sslsan or other code); use auto or a number")
            }
            guard let u = f.specification.paperThreshold else {
                throw SSLSaNError("vssl_eval defines no threshold for \(f.displayName); use auto or a number")
            }
            return .value(Double("\(u)") ?? Double(u))
        }
        return ThresholdChoice(argument: argument)!
    }

    /// The paper's figures of several reports in columns, one row per figure.
    static func sideBySide(_ reports: [(label: String, report: MetricReport)]) -> String {
        let names = reports[0].report.paperColumns.map(\.name) + ["U", "separability"]
        let values = reports.map { r in
            r.report.paperColumns.map { MetricReport.fmt($0.value) }
                + [MetricReport.fmt(r.report.threshold, 4), MetricReport.fmt(r.report.separability, 4)]
        }
        let w0 = max(12, names.map(\.count).max() ?? 0)
        let ws = reports.indices.map { i in max(10, reports[i].label.count, values[i].map(\.count).max() ?? 0) }
        func row(_ first: String, _ cells: [String]) -> String {
            first.padding(toLength: w0, withPad: " ", startingAt: 0)
                + zip(cells, ws).map { "  " + String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined()
        }
        var lines = [row("", reports.map(\.label))]
        for (i, n) in names.enumerated() { lines.append(row(n, values.map { $0[i] })) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// User + system CPU time of the process so far.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
    }

    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

/// `i/n` for `--shard`: shard i (1-based) of n.
struct ShardSpec: ExpressibleByArgument {
    var index: Int
    var count: Int
    init?(argument: String) {
        let p = argument.split(separator: "/")
        guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]), n >= 1, i >= 1, i <= n else { return nil }
        index = i; count = n
    }
    static var defaultValueDescription: String { "i/n" }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let tty = isatty(2) != 0
    private let lock = NSLock()
    private var last = Date.distantPast
    private var drawn = false

    func update(_ p: Evaluator.Progress) {
        guard tty else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard p.done == p.total || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let width = 30
        let frac = p.total > 0 ? Double(p.done) / Double(p.total) : 0
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(p.phase.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(bar) \(p.done)/\(p.total)".utf8))
        drawn = true
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
