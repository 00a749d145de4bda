import Foundation
import CPulse
import CALSA
import Core

/// One persistent output stream for the explorer's playback, kept open for the whole session:
/// PulseAudio's simple API (PipeWire serves it too; over SSH it plays where `PULSE_SERVER`
/// points), ALSA's `default` PCM when no PulseAudio server answers and `PULSE_SERVER` is unset.
///
/// A writer thread owns the stream and feeds it `chunkMS` at a time; the stream holds at most
/// `bufferMS` (`pa_buffer_attr.tlength`, ALSA's latency), so a swap or seek, which flushes the
/// queue and writes the new clip, is heard within about one chunk plus the part of the buffer
/// already in the sink. After every chunk the writer publishes what the listener hears now:
/// frames written − the stream's reported latency (`pa_simple_get_latency`, `snd_pcm_delay`).
/// The explorer's playhead and live-window map follow that position, not a wall clock.
///
/// No server and no device is one status line, never an error or a hang: the connection is made
/// on the writer thread and a watchdog reports a server that does not answer within
/// `connectTimeout`; the explorer then runs its playhead on the clock.
public final class SoundOutput: @unchecked Sendable {
    public struct Options: Sendable {
        /// PulseAudio server (nil: libpulse's own choice, i.e. `PULSE_SERVER`, client.conf, the session server).
        public var server: String?
        /// Fall back to ALSA when PulseAudio cannot be reached (never when a server was named:
        /// over SSH, the local device would play where the listener is not).
        public var alsaFallback = true
        /// Most audio the stream may hold ahead of the speaker. A swap flushes it, so the
        /// key-to-sound time does not grow with it (10–20 ms measured at 80 ms); 40 ms underran
        /// on a loaded 2-core machine (an audible gap).
        public var bufferMS = 80
        /// Frames written per write call: the writer notices a swap within one chunk.
        public var chunkMS = 10
        /// Stream rate until a clip asks for another (the model's 16 kHz).
        public var rate = 16000
        /// Seconds before an unanswered connection is reported in the status line.
        public var connectTimeout = 3.0
        /// Seconds of silence the stream plays after the last clip before it is closed (a
        /// running stream keeps the latency report exact and the next start immediate).
        public var idleSeconds = 30.0
        public init(server: String? = nil) {
            self.server = server
            if server == nil, ProcessInfo.processInfo.environment["PULSE_SERVER"] != nil { alsaFallback = false }
        }
    }

    /// What the listener hears now, as the writer last measured it.
    public struct Heard: Sendable, Equatable {
        /// Seconds into the clip: (frames written − the reported latency) / rate, within the clip.
        public var position: Double
        /// The stream's reported latency (seconds) at that write.
        public var latency: Double
        /// The whole clip has been heard.
        public var finished: Bool
    }

    /// Gain a condition is played at. The model hears N(0, 1) noise, which would clip at full
    /// scale; it plays at ×0.1 (−20 dB, RMS −20 dBFS), and `playbackLabel` says so.
    public static func gain(for condition: AudioCondition) -> Float { condition == .noise ? 0.1 : 1 }

    /// The status-line label for a condition played at another level than the model hears it.
    public static func playbackLabel(for condition: AudioCondition) -> String? {
        condition == .noise ? "noise at −20 dB (N(0,1) × 0.1)" : nil
    }

    private let shared: Shared
    public let options: Options

    /// Opens the stream in the background; `status` gets each one-line change (connected,
    /// not answering, no sound) from a background thread.
    public init(options: Options = Options(), status: @escaping @Sendable (String) -> Void) {
        self.options = options
        shared = Shared(options: options, status: status)
        if ProcessInfo.processInfo.environment["SSLSAN_NO_SOUND"] != nil {
            shared.setStatus("sound off (SSLSAN_NO_SOUND): silent playback", state: .failed)
            return
        }
        shared.setStatus("sound: connecting…", state: .connecting)
        let s = shared
        let t = Thread { s.run() }
        t.name = "sslsan-sound"
        t.start()
        DispatchQueue.global().asyncAfter(deadline: .now() + options.connectTimeout) {
            s.connectTimedOut()
        }
    }

    convenience init(inbox: Inbox) { self.init(status: { inbox.post(.sound($0)) }) }

    /// The current status line ("sound: PulseAudio …", "no sound: … silent playback").
    public var notice: String { shared.withLock { $0.status } }

    /// Whether a stream is open (false: connecting, or no sound).
    public var isOpen: Bool { shared.withLock { $0.state == .open } }

    /// Plays `samples` (mono, `rate` Hz) × `gain` from `offset` seconds, replacing whatever was
    /// playing (its queued audio is flushed).
    public func play(_ samples: [Float], rate: Int, from offset: Double, gain: Float = 1) {
        let start = max(0, min(samples.count, Int((offset * Double(rate)).rounded())))
        shared.command(.play(Clip(samples: samples, rate: rate, start: start, gain: gain)))
    }

    /// Stops playback: queued audio is flushed.
    public func stop() { shared.command(.stop) }

    /// What the listener hears of the last clip played; nil when there is no stream (the
    /// caller's clock stands in) or nothing was played.
    public func heard() -> Heard? { shared.withLock { $0.state == .open ? $0.heard : nil } }

    /// Closes the stream; the writer thread exits (never waited for: a server that hangs cannot hang the caller).
    public func close() { shared.close() }

    deinit { shared.close() }

    // MARK: - writer

    struct Clip: Sendable {
        var samples: [Float]
        var rate: Int
        var start: Int
        var gain: Float
    }

    enum Command: Sendable { case play(Clip), stop }
    enum State: Sendable { case connecting, open, failed }

    struct Locked {
        var state = State.connecting
        var status = ""
        var pending: Command?
        var closed = false
        var heard: Heard?
    }

    final class Shared: @unchecked Sendable {
        let options: Options
        let report: @Sendable (String) -> Void
        let cond = NSCondition()
        var locked = Locked()

        init(options: Options, status: @escaping @Sendable (String) -> Void) { self.options = options; report = status }

        func withLock<T>(_ f: (inout Locked) -> T) -> T { cond.lock(); defer { cond.unlock() }; return f(&locked) }

        func setStatus(_ s: String, state: State) {
            withLock { $0.status = s; $0.state = state }
            report(s)
        }

        func command(_ c: Command) {
            cond.lock()
            locked.pending = c
            // The new clip's position until its first write is measured.
            if case let .play(clip) = c { locked.heard = Heard(position: Double(clip.start) / Double(clip.rate), latency: 0, finished: false) }
            cond.signal()
            cond.unlock()
        }

        func close() { cond.lock(); locked.closed = true; cond.broadcast(); cond.unlock() }

        func connectTimedOut() {
            let still = withLock { $0.state == .connecting && !$0.closed }
            if still {
                let where_ = options.server ?? ProcessInfo.processInfo.environment["PULSE_SERVER"] ?? "the session's PulseAudio"
                setStatus("no sound: \(where_) does not answer after \(Int(options.connectTimeout)) s: silent playback", state: .connecting)
            }
        }

        /// Opens PulseAudio, else ALSA; nil with the status line set when neither works.
        func open(rate: Int) -> SoundStream? {
            var problems: [String] = []
            do {
                let s = try PulseStream(server: options.server, rate: rate, bufferMS: options.bufferMS)
                return s
            } catch { problems.append("PulseAudio: \(error)") }
            if options.alsaFallback {
                do { return try ALSAStream(rate: rate, bufferMS: options.bufferMS) } catch { problems.append("ALSA: \(error)") }
            }
            setStatus("no sound (\(problems.joined(separator: "; "))): silent playback", state: .failed)
            return nil
        }

        func opened(_ s: SoundStream) {
            var line = "sound: \(s.name)"
            let env = ProcessInfo.processInfo.environment
            if options.server == nil, env["PULSE_SERVER"] == nil, env["SSH_CONNECTION"] != nil {
                line += " on this host (over SSH set PULSE_SERVER to hear it where you are)"
            }
            setStatus(line, state: .open)
        }

        func run() {
            guard let first = open(rate: options.rate) else { return }
            if withLock({ $0.closed }) { return }
            opened(first)
            var stream: SoundStream? = first
            var clip: Clip?
            var cursor = 0
            var idleSince = monotonicSeconds()
            while true {
                cond.lock()
                // With the stream open the writer never sleeps here: it feeds silence (below).
                while !locked.closed && locked.pending == nil && stream == nil { cond.wait() }
                if locked.closed { cond.unlock(); return }
                let cmd = locked.pending
                locked.pending = nil
                cond.unlock()
                if let cmd {
                    switch cmd {
                    case .stop:
                        clip = nil
                        idleSince = monotonicSeconds()
                        stream?.flush()
                    case .play(let c):
                        if let s = stream, s.rate == c.rate {
                            // Drop what the previous clip queued: the change is heard at once.
                            s.flush()
                        } else {
                            stream = nil
                            guard let s = open(rate: c.rate) else { return }
                            stream = s
                        }
                        clip = c
                        cursor = c.start
                    }
                    continue
                }
                guard let s = stream else { continue }
                var chunk = [Float](repeating: 0, count: max(1, s.rate * options.chunkMS / 1000))
                if let c = clip {
                    // Past the clip's end the chunk is silence: the queue drains while the
                    // latency report moves the position to the end.
                    let n = c.samples.count
                    for i in chunk.indices where cursor + i < n { chunk[i] = max(-1, min(1, c.samples[cursor + i] * c.gain)) }
                } else if monotonicSeconds() - idleSince > options.idleSeconds {
                    // Long idle: close the stream (the device may sleep); the next play reopens it.
                    stream = nil
                    continue
                }
                // Idle, the stream plays silence: a stream left to underrun restarts with a stale
                // latency (libpulse's interpolated clock ran on while it stood) for up to 1.5 s.
                let ok = chunk.withUnsafeBufferPointer { s.write($0) }
                guard ok else {
                    setStatus("no sound (\(s.name): the stream failed): silent playback", state: .failed)
                    return
                }
                guard let c = clip else { continue }
                cursor += chunk.count
                let n = c.samples.count
                let latency = s.latency()
                let heardFrame = min(n, cursor - Int((latency * Double(c.rate)).rounded()))
                let h = Heard(position: Double(max(c.start, heardFrame)) / Double(c.rate), latency: latency, finished: heardFrame >= n)
                cond.lock()
                // A newer command replaces this clip: its report must not overwrite the new start.
                if locked.pending == nil { locked.heard = h }
                cond.unlock()
                if h.finished { clip = nil; idleSince = monotonicSeconds() }
            }
        }
    }
}

/// A playback stream of mono float samples with a small buffer.
protocol SoundStream: AnyObject {
    /// What the status line calls it ("PulseAudio unix:/run/…, 80 ms buffer").
    var name: String { get }
    var rate: Int { get }
    /// Queues the frames, blocking while the buffer is full; false when the stream died.
    func write(_ frames: UnsafeBufferPointer<Float>) -> Bool
    /// Drops whatever is queued and not yet played.
    func flush()
    /// Seconds until the next frame written is heard (the stream's own report).
    func latency() -> Double
}

struct SoundError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// PulseAudio's simple API with `tlength` = the buffer: `pa_simple` makes its stream with
/// `PA_STREAM_ADJUST_LATENCY`, so the server sizes the sink's own buffer to match, and with
/// automatic timing updates, so `pa_simple_get_latency` is current without a round trip.
final class PulseStream: SoundStream {
    private let handle: OpaquePointer
    let rate: Int
    let name: String

    init(server: String?, rate: Int, bufferMS: Int) throws {
        var spec = pa_sample_spec(format: PA_SAMPLE_FLOAT32LE, rate: UInt32(rate), channels: 1)
        let bytes = UInt32(rate * bufferMS / 1000 * MemoryLayout<Float>.size)
        // tlength: the target fill; prebuf: start as soon as one chunk-sized quarter is queued;
        // the rest are the server's defaults ((uint32_t) -1).
        var attr = pa_buffer_attr(maxlength: UInt32.max, tlength: bytes, prebuf: bytes / 4, minreq: UInt32.max, fragsize: UInt32.max)
        var err: Int32 = 0
        guard let h = pa_simple_new(server, "sslsan", PA_STREAM_PLAYBACK, nil, "explorer playback", &spec, nil, &attr, &err) else {
            throw SoundError(String(cString: pa_strerror(err)))
        }
        handle = h
        self.rate = rate
        name = "PulseAudio\(server.map { " \($0)" } ?? ""), \(bufferMS) ms buffer"
    }

    func write(_ frames: UnsafeBufferPointer<Float>) -> Bool {
        var err: Int32 = 0
        return pa_simple_write(handle, frames.baseAddress, frames.count * MemoryLayout<Float>.size, &err) >= 0
    }

    func flush() { var err: Int32 = 0; _ = pa_simple_flush(handle, &err) }

    func latency() -> Double {
        var err: Int32 = 0
        let us = pa_simple_get_latency(handle, &err)
        return us == UInt64.max ? 0 : Double(us) / 1e6
    }

    deinit { pa_simple_free(handle) }
}

/// ALSA's `default` PCM (float, mono, resampled by alsa-lib when the card needs it), with the
/// buffer as its latency; `snd_pcm_delay` is the reported latency.
final class ALSAStream: SoundStream {
    private let pcm: OpaquePointer
    let rate: Int
    let name: String

    init(rate: Int, bufferMS: Int, device: String = "default") throws {
        sslsan_alsa_silence_errors()
        var p: OpaquePointer?
        // Opened non-blocking so a device held by another program fails at once instead of waiting.
        var r = snd_pcm_open(&p, device, SND_PCM_STREAM_PLAYBACK, sslsan_alsa_nonblock())
        guard r >= 0, let pcm = p else { throw SoundError("\(device): \(String(cString: snd_strerror(r)))") }
        r = snd_pcm_nonblock(pcm, 0)
        if r >= 0 {
            r = snd_pcm_set_params(pcm, SND_PCM_FORMAT_FLOAT_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1, UInt32(rate), 1, UInt32(bufferMS * 1000))
        }
        guard r >= 0 else { snd_pcm_close(pcm); throw SoundError("\(device): \(String(cString: snd_strerror(r)))") }
        self.pcm = pcm
        self.rate = rate
        name = "ALSA \(device), \(bufferMS) ms buffer"
    }

    func write(_ frames: UnsafeBufferPointer<Float>) -> Bool {
        guard let base = frames.baseAddress else { return true }
        var done = 0
        while done < frames.count {
            let r = snd_pcm_writei(pcm, base + done, snd_pcm_uframes_t(frames.count - done))
            if r < 0 {
                // An underrun (EPIPE) or suspend is recovered; anything else ends the stream.
                if snd_pcm_recover(pcm, Int32(r), 1) < 0 { return false }
            } else {
                done += Int(r)
            }
        }
        return true
    }

    func flush() { snd_pcm_drop(pcm); snd_pcm_prepare(pcm) }

    func latency() -> Double {
        var d: snd_pcm_sframes_t = 0
        return snd_pcm_delay(pcm, &d) == 0 ? Double(max(0, d)) / Double(rate) : 0
    }

    deinit { snd_pcm_close(pcm) }
}
