import Foundation
import Core

/// A private PulseAudio server with one null sink, and a recorder of that sink's monitor: what
/// `SoundOutput` plays there can be recorded and compared with the clip. Used by the sound tests
/// and by `sslsan bench --sections sound` (key-to-sound time); never by the explorer.
///
/// The server runs with its own runtime directory (`PULSE_RUNTIME_PATH`, `XDG_RUNTIME_DIR`,
/// `HOME`), no default script (`-n`), a null sink at the stream's own format (mono float32 at
/// `rate`: no resampling, so the recording holds the very samples written) and a native-protocol
/// socket in that directory with anonymous auth. As root it runs in per-user mode with a warning
/// (`--system` would need the `pulse` user and D-Bus).
public final class PulseNullSink: @unchecked Sendable {
    public let directory: String
    public let rate: Int
    public var server: String { "unix:\(directory)/native" }
    public static let sinkName = "sslsan_null"
    private let process: Process

    /// Why the check cannot run here (pulseaudio or parec missing), or nil.
    public static var missingPrograms: String? {
        let missing = ["pulseaudio", "parec"].filter { findProgram($0) == nil }
        return missing.isEmpty ? nil
            : "\(missing.joined(separator: " and ")) not installed (Debian: apt-get install pulseaudio pulseaudio-utils)"
    }

    static func findProgram(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return path.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the server and waits (up to 10 s) for its socket.
    public init(rate: Int = 16000) throws {
        guard let pulseaudio = Self.findProgram("pulseaudio") else { throw SoundError(Self.missingPrograms ?? "pulseaudio missing") }
        directory = NSTemporaryDirectory() + "sslsan-pulse-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        self.rate = rate
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pulseaudio)
        p.arguments = ["-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
                       "--realtime=no", "--high-priority=no", "--log-target=stderr",
                       "-L", "module-null-sink sink_name=\(Self.sinkName) rate=\(rate) channels=1 format=float32le",
                       "-L", "module-native-protocol-unix socket=\(directory)/native auth-anonymous=1"]
        var env = ProcessInfo.processInfo.environment
        env["PULSE_RUNTIME_PATH"] = directory; env["XDG_RUNTIME_DIR"] = directory; env["HOME"] = directory
        env["PULSE_SERVER"] = nil
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: directory + "/log", contents: nil)
        p.standardError = FileHandle(forWritingAtPath: directory + "/log")
        try p.run()
        process = p
        let end = monotonicSeconds() + 10
        while !FileManager.default.fileExists(atPath: directory + "/native") {
            guard p.isRunning, monotonicSeconds() < end else {
                stop()
                throw SoundError("pulseaudio did not start: \(log.split(separator: "\n").suffix(2).joined(separator: " / "))")
            }
            usleep(20_000)
        }
        usleep(100_000)
    }

    /// The null sink's configured latency (seconds; `pactl list sinks`), nil without pactl. The
    /// null sink renders up to this far ahead of its clock and its monitor gets each block when
    /// it is rendered, so the monitor leads what a speaker on this sink would play by up to it.
    public func sinkConfiguredLatency() -> Double? {
        guard let pactl = Self.findProgram("pactl") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pactl)
        p.arguments = ["--server=\(server)", "list", "sinks"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        try? pipe.fileHandleForWriting.close()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // "Latency: 705 usec, configured 10000 usec"
        guard let r = out.range(of: "configured ") else { return nil }
        return Double(out[r.upperBound...].prefix { $0.isNumber }).map { $0 / 1e6 }
    }

    /// The server's log (stderr).
    public var log: String { (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? "" }

    /// Starts recording the null sink's monitor.
    public func record() throws -> MonitorRecorder { try MonitorRecorder(server: server, device: Self.sinkName + ".monitor", rate: rate) }

    public func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}

/// What the monitor recorded: the samples and the monotonic time of sample 0.
public struct MonitorRecording: Sendable {
    public var samples: [Float]
    public var rate: Int
    /// Monotonic seconds when sample 0 reached the monitor: the latest bound every read gives
    /// (a read at time t holding n samples in all says sample 0 came at or before t − (n−1)/rate);
    /// the bound is late by at most the smallest delivery delay (parec's fragment, 5 ms asked).
    public var origin: Double
    /// Monotonic time sample k reached the monitor.
    public func time(of k: Int) -> Double { origin + Double(k) / Double(rate) }
    /// Sample index at monotonic time t.
    public func index(at t: Double) -> Int { Int(((t - origin) * Double(rate)).rounded()) }
}

/// `parec` on a monitor source, read on a thread that stamps each arrival with the monotonic clock.
public final class MonitorRecorder: @unchecked Sendable {
    private let process: Process
    private let pipe = Pipe()
    /// Bytes read so far and the origin bound, shared with the reading thread.
    private final class Received: @unchecked Sendable {
        let lock = NSLock()
        var bytes: [UInt8] = []
        var origin = Double.infinity
        func withLock<T>(_ f: (Received) -> T) -> T { lock.lock(); defer { lock.unlock() }; return f(self) }
    }
    private let data = Received()
    private let done = DispatchSemaphore(value: 0)
    public let rate: Int

    init(server: String, device: String, rate: Int) throws {
        guard let parec = PulseNullSink.findProgram("parec") else { throw SoundError(PulseNullSink.missingPrograms ?? "parec missing") }
        self.rate = rate
        process = Process()
        process.executableURL = URL(fileURLWithPath: parec)
        process.arguments = ["--server=\(server)", "--device=\(device)", "--format=float32le", "--rate=\(rate)", "--channels=1",
                             "--latency-msec=5", "--raw"]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Our copy of the write end must go, or the reader never sees parec's end of file.
        try? pipe.fileHandleForWriting.close()
        let handle = pipe.fileHandleForReading
        let t = Thread { [data, done, rate] in
            while true {
                let chunk = handle.availableData
                let now = monotonicSeconds()
                if chunk.isEmpty { break }
                data.withLock { d in
                    d.bytes.append(contentsOf: chunk)
                    let n = d.bytes.count / 4
                    d.origin = min(d.origin, now - Double(max(0, n - 1)) / Double(rate))
                }
            }
            done.signal()
        }
        t.name = "sslsan-parec"
        t.start()
    }

    /// Samples recorded so far.
    public var count: Int { data.withLock { $0.bytes.count / 4 } }

    /// Stops parec and returns the recording.
    public func stop() -> MonitorRecording {
        if process.isRunning { process.terminate() }
        // parec's end of file, not `waitUntilExit`: Foundation reaps its children on one thread
        // that can sit in a blocking wait for the server, so parec's exit may be noticed late.
        _ = done.wait(timeout: .now() + 5)
        return data.withLock { d in
            let n = d.bytes.count / 4
            let samples = d.bytes.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
            return MonitorRecording(samples: samples, rate: rate, origin: d.origin)
        }
    }
}

/// Normalised cross-correlation of a clip against a recording.
public enum SoundCorrelation {
    /// Σ r[lag+k]·c[k] / √(Σ r[lag+k]² · Σ c[k]²) over k in `range` of the clip: 1 for a
    /// recording that holds the clip (× any gain) at `lag`, about 1/√n for unrelated audio.
    public static func at(_ lag: Int, clip: [Float], recording: [Float], range: Range<Int>? = nil) -> Double {
        let r = range ?? 0..<clip.count
        var rc = 0.0, rr = 0.0, cc = 0.0
        for k in r where lag + k >= 0 && lag + k < recording.count {
            let a = Double(recording[lag + k]), b = Double(clip[k])
            rc += a * b; rr += a * a; cc += b * b
        }
        return rr > 0 && cc > 0 ? rc / (rr * cc).squareRoot() : 0
    }

    /// The lag in `lags` with the highest correlation, and that correlation.
    public static func peak(clip: [Float], recording: [Float], lags: Range<Int>, range: Range<Int>? = nil) -> (lag: Int, correlation: Double) {
        var best = (lag: lags.lowerBound, correlation: -Double.infinity)
        for lag in lags {
            let c = at(lag, clip: clip, recording: recording, range: range)
            if c > best.correlation { best = (lag, c) }
        }
        return best
    }

    /// The first lag in `lags` where the clip's `range` correlates above `threshold` (onset of the clip).
    public static func onset(clip: [Float], recording: [Float], lags: Range<Int>, range: Range<Int>, threshold: Double) -> Int? {
        lags.first { at($0, clip: clip, recording: recording, range: range) > threshold }
    }
}

/// The measurements the sound tests assert on and `sslsan bench --sections sound` reports.
public enum SoundCheck {
    /// A clip with no repeating structure (seeded noise under a slow chirp, peak about 0.7), so a
    /// cross-correlation has one sharp peak and a 25 ms template finds a unique onset.
    public static func probeClip(seconds: Double, seed: UInt64, rate: Int) -> [Float] {
        var g = Random(seed: seed)
        let n = Int(seconds * Double(rate))
        return (0..<n).map { i in
            let t = Double(i) / Double(rate)
            return Float(0.2 * sin(2 * .pi * (200 + 300 * t) * t)) + 0.15 * g.normalFloat()
        }
    }

    /// Key-to-sound time of `swaps` swaps: plays one probe clip, then every `interval` seconds
    /// switches to the other from its start (the explorer's condition change) and finds, in the
    /// monitor recording, where the new clip's frame 0 lies, from its 5–30 ms stretch (the first
    /// milliseconds can be mixed with the old clip when the server rewinds the sink). Each delay is the
    /// time from the `play` call to that sample at the sink monitor (nil: not found from 100 ms
    /// before to 250 ms after the call; the search starts early because the recording's clock is
    /// an upper bound and the null sink renders ahead). Also returns the stream's reported latency (median over the run).
    public static func keyToSound(sound: SoundOutput, recorder: MonitorRecorder, swaps: Int, interval: Double = 0.3)
        -> (delays: [Double?], latency: Double) {
        let rate = recorder.rate
        let clips = [probeClip(seconds: interval + 1, seed: 21, rate: rate), probeClip(seconds: interval + 1, seed: 22, rate: rate)]
        var times: [Double] = []
        var latencies: [Double] = []
        sound.play(clips[0], rate: rate, from: 0)
        func sampleLatency(for seconds: Double) {
            let end = monotonicSeconds() + seconds
            while monotonicSeconds() < end {
                if let h = sound.heard(), h.latency > 0 { latencies.append(h.latency) }
                usleep(10_000)
            }
        }
        for i in 0..<swaps {
            sampleLatency(for: interval)
            times.append(monotonicSeconds())
            sound.play(clips[(i + 1) % 2], rate: rate, from: 0)
        }
        sampleLatency(for: interval)
        sound.stop()
        let recording = recorder.stop()
        let delays: [Double?] = times.enumerated().map { i, t in
            let k = recording.index(at: t)
            let onset = SoundCorrelation.onset(clip: clips[(i + 1) % 2], recording: recording.samples, lags: (k - rate / 10)..<(k + rate / 4),
                                               range: (rate / 200)..<(rate * 3 / 100), threshold: 0.95)
            return onset.map { recording.time(of: $0) - t }
        }
        latencies.sort()
        return (delays, latencies.isEmpty ? 0 : latencies[latencies.count / 2])
    }
}
