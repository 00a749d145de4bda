import Foundation
import Core

/// Timing of the engine's eval-mode paths, returned as a JSON-ready dictionary so the `bench`
/// command (and later training / explorer benches) can merge sections into one report.
///
/// Each case runs `warmup` times untimed, then `repeats` times; the report holds the median,
/// min, max and interquartile range in milliseconds, and GFLOP/s from the convolution
/// multiply–adds (2 FLOP each; pooling, BN and normalisation are not counted).
public struct EngineBench {
    public struct Options: Sendable {
        public var config: ModelConfig = .full
        public var batchSizes: [Int] = [1, 16]
        public var warmup = 1
        /// Timed runs at batch 1; larger batches use `max(3, repeats / 2)`.
        public var repeats = 9
        /// Also time each step of the eval forward (stem, pool, every convolution) at batch 1.
        public var profileLayers = false
        public init() {}
    }

    public struct Timing: Sendable {
        public let samples: [Double]   // milliseconds, sorted
        /// Process CPU time (all threads) per run, sorted. On a shared machine cpu / threads is
        /// what the wall time would be without the other load.
        public var cpuSamples: [Double] = []
        public var median: Double { quantile(0.5) }
        public func quantile(_ q: Double) -> Double { Statistics.quantile(sorted: samples, q) }
        public func json(flop: Double?) -> [String: Any] {
            var d: [String: Any] = ["median_ms": r(median), "min_ms": r(samples.first!), "max_ms": r(samples.last!),
                                    "iqr_ms": r(quantile(0.75) - quantile(0.25)), "runs": samples.count]
            if let flop { d["gflops"] = r(flop / (median / 1000) / 1e9); d["gflop"] = r(flop / 1e9) }
            if !cpuSamples.isEmpty { d["cpu_ms_median"] = r(cpuSamples[cpuSamples.count / 2]) }
            return d
        }
        private func r(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
    }

    /// Runs `body` `warmup` times, then `repeats` timed times.
    public static func time(warmup: Int, repeats: Int, _ body: () -> Void) -> Timing {
        for _ in 0..<warmup { body() }
        var s: [Double] = [], c: [Double] = []
        for _ in 0..<max(1, repeats) {
            let c0 = cpuMilliseconds()
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            s.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            c.append(cpuMilliseconds() - c0)
        }
        var t = Timing(samples: s.sorted())
        t.cpuSamples = c.sorted()
        return t
    }

    /// CPU time of the whole process (every thread), in milliseconds.
    public static func cpuMilliseconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }

    /// 1-minute load average (other work on the machine skews wall times).
    static func loadAverage() -> Double? {
        guard let s = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8), let f = s.split(separator: " ").first else { return nil }
        return Double(f)
    }

    /// Benchmarks `model` (or a randomly initialised one of `options.config`). `frontEnd`
    /// overrides the audio front-end case (default: `MelSpectrogram.logMel` of a 3 s clip,
    /// tiled to the window as real clips are).
    public static func run(model: SSLSaNModel? = nil, options: Options = Options(),
                           frontEnd: (() -> Void)? = nil) -> [String: Any] {
        let model = model ?? SSLSaNModel(config: options.config, seed: 0)
        let cfg = model.config
        var rng = ParameterRNG(seed: 1)
        let side = cfg.imageSize, mels = cfg.nMels, frames = cfg.frames
        let imageFlop = 2.0 * Double(model.imageEncoder.macs(height: side, width: side))
        let audioFlop = 2.0 * Double(model.audioEncoder.macs(height: mels, width: frames))
        var cases: [String: Any] = [:]
        let mel = MelSpectrogram(config: cfg)
        var noise = ParameterRNG(seed: 2)
        let clip = AudioClip(samples: (0..<(3 * cfg.sampleRate)).map { _ in Float(0.1 * noise.normal()) }, sampleRate: cfg.sampleRate)
        cases["audio_front_end_per_clip"] = time(warmup: options.warmup, repeats: options.repeats, frontEnd ?? { _ = mel.logMel(clip) }).json(flop: nil)
        for b in options.batchSizes {
            let reps = b == 1 ? options.repeats : max(3, options.repeats / 2)
            let img = Tensor(shape: [b, 3, side, side]); rng.fillNormal(img, std: 1)
            let spec = Tensor(shape: [b, 1, mels, frames]); rng.fillNormal(spec, mean: -40, std: 20)
            cases["image_encoder_b\(b)"] = time(warmup: options.warmup, repeats: reps) { _ = model.encodeImage(img) }
                .json(flop: imageFlop * Double(b))
            cases["audio_encoder_b\(b)"] = time(warmup: options.warmup, repeats: reps) { _ = model.encodeAudio(spec) }
                .json(flop: audioFlop * Double(b))
            cases["full_pair_b\(b)"] = time(warmup: options.warmup, repeats: reps) {
                let v = model.encodeImage(img), a = model.encodeAudio(spec)
                _ = SSLSaNModel.similarityMap(visual: v, audio: a)
            }.json(flop: (imageFlop + audioFlop) * Double(b))
        }
        if options.profileLayers {
            let img = Tensor(shape: [1, 3, side, side]); rng.fillNormal(img, std: 1)
            let spec = Tensor(shape: [1, 1, mels, frames]); rng.fillNormal(spec, mean: -40, std: 20)
            cases["layers_image_b1"] = profile(model.imageEncoder, img, options)
            cases["layers_audio_b1"] = profile(model.audioEncoder, spec, options)
        }
        return [
            "load_average_1m": loadAverage() ?? -1,
            "config": cfg.name,
            "image_input": [side, side], "audio_input": [mels, frames],
            "blas_core": BLAS.coreName, "blas_threads": BLAS.threads, "workers": Parallel.workers,
            "gemm_threading": ComputeBudget.current.openBLASThreads ? "openblas" : "sslsan column blocks and GEMM sets",
            "openblas_coretype_env": ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset",
            "openblas_l2_size_env": ProcessInfo.processInfo.environment["OPENBLAS_L2_SIZE"] ?? "unset",
            "winograd": Conv2d.winogradEnabled,
            "winograd_tile": Winograd.forcedTile.map { "F(\($0.rawValue)x\($0.rawValue),3x3)" } ?? "auto",
            // PyTorch's times are measured beside these, in the same run: tools/bench_torch.py --sslsan.
            "pytorch_comparison": "tools/bench_torch.py --sections eval --sslsan BIN (side by side, same shapes and threads)",
            "cases": cases,
        ]
    }

    /// Median time of each step of `encoder`'s eval forward on `x` (the same calls, in the same
    /// order, as `ResNetEncoder.forward`), with the convolution kind and its GFLOP/s: where the
    /// time goes, to decide which kernel to work on.
    static func profile(_ encoder: ResNetEncoder, _ x: Tensor, _ options: Options) -> [[String: Any]] {
        var rows: [[String: Any]] = []
        func step(_ name: String, _ conv: Conv2d?, _ input: Tensor, _ body: () -> Tensor) -> Tensor {
            var out = body()
            let t = time(warmup: 0, repeats: options.repeats) { out = body() }
            var row: [String: Any] = ["step": name, "ms": (t.median * 1000).rounded() / 1000, "min_ms": (t.samples[0] * 1000).rounded() / 1000,
                                      "in": Array(input.shape.dropFirst()), "out": Array(out.shape.dropFirst())]
            if let conv {
                row["kind"] = conv.usesWinograd ? "winograd F\(Winograd.tile(height: input.shape[2], width: input.shape[3], channels: conv.inChannels, outChannels: conv.outChannels).rawValue)" : (conv.kernel == 1 ? "1x1" : "im2col")
                let flop = 2.0 * Double(conv.macs(height: input.shape[2], width: input.shape[3]))
                row["gflops"] = (flop / (t.median / 1000) / 1e9 * 10).rounded() / 10
            }
            rows.append(row)
            return out
        }
        var h = step("stem", encoder.stem, x) { encoder.stem.forward(x, epilogue: .batchNorm(encoder.bn1, relu: true)) }
        let stemOut = h
        h = step("maxpool", nil, stemOut) { encoder.maxPool.forward(stemOut) }
        for (li, blocks) in encoder.layers.enumerated() {
            for (bi, b) in blocks.enumerated() {
                let x0 = h, name = "layer\(li + 1).\(bi)"
                let identity: Tensor
                if let ds = b.downsample {
                    identity = step(name + ".downsample", ds.conv, x0) { ds.conv.forward(x0, epilogue: .batchNorm(ds.bn, relu: false)) }
                } else { identity = x0 }
                let h1 = step(name + ".conv1", b.conv1, x0) { b.conv1.forward(x0, epilogue: .batchNorm(b.bn1, relu: true)) }
                h = step(name + ".conv2", b.conv2, h1) { b.conv2.forward(h1, epilogue: .batchNorm(b.bn2, residual: identity, relu: true)) }
            }
        }
        return rows
    }
}
