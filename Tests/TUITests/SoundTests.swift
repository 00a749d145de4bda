import XCTest
import Foundation
@testable import TUI
import Core

/// The explorer's sound output against a real PulseAudio server: a private server with a null
/// sink started by the test (`PulseNullSink`), the sink's monitor recorded with `parec`.
///
/// The null sink runs at the stream's own format (mono float32, 16 kHz) and the stream plays at
/// unit volume, so nothing resamples or requantises: the recording holds the samples written.
/// Skips where pulseaudio or parec are missing (scripts/setup.sh installs pulseaudio and
/// pulseaudio-utils).
final class SoundTests: XCTestCase {
    static let rate = 16000

    /// One explorer frame while playing (the UI waits 33 ms between redraws): a playhead error
    /// below it cannot be seen. The error sources it must cover: the position is republished once
    /// per 10 ms chunk (a sawtooth of 0–10 ms), the recording's clock (`MonitorRecording.origin`)
    /// is late by up to parec's 5 ms fragment plus scheduling, and the null sink's render-ahead
    /// is only known as its configured latency (it varies within one block, 10 ms here).
    static let playheadTolerance = 0.033

    static func clip(seconds: Double, seed: UInt64) -> [Float] { SoundCheck.probeClip(seconds: seconds, seed: seed, rate: rate) }

    func startServer() throws -> (PulseNullSink, MonitorRecorder, SoundOutput) {
        if let missing = PulseNullSink.missingPrograms { throw XCTSkip("sound tests skipped: \(missing)") }
        let server = try PulseNullSink(rate: Self.rate)
        let rec = try server.record()
        let sound = SoundOutput(options: SoundOutput.Options(server: server.server), status: { _ in })
        let end = monotonicSeconds() + 10
        while (!sound.isOpen || rec.count < Self.rate / 10) && monotonicSeconds() < end { usleep(10_000) }
        XCTAssertTrue(sound.isOpen, "no stream to the test server: \(sound.notice)\n\(server.log)")
        XCTAssertTrue(sound.notice.hasPrefix("sound: PulseAudio"), sound.notice)
        XCTAssertGreaterThan(rec.count, 0, "parec records nothing from the null sink's monitor")
        return (server, rec, sound)
    }

    /// The recording is the clip (cross-correlation at its peak), and the playhead
    /// (`SoundOutput.heard`: frames written − the reported latency) says at each moment which
    /// clip frame the monitor receives then.
    func testPlaybackMatchesClipAndPlayheadFollowsLatency() throws {
        let (server, rec, sound) = try startServer()
        defer { sound.close(); server.stop() }
        let clip = Self.clip(seconds: 1.5, seed: 11)
        let tPlay = monotonicSeconds()
        sound.play(clip, rate: Self.rate, from: 0)
        var trace: [(t: Double, heard: SoundOutput.Heard)] = []
        let end = tPlay + 5
        while monotonicSeconds() < end {
            guard let h = sound.heard() else { break }
            trace.append((monotonicSeconds(), h))
            if h.finished { break }
            usleep(5_000)
        }
        let sinkAhead = server.sinkConfiguredLatency() ?? 0
        usleep(200_000)
        let recording = rec.stop()
        XCTAssertTrue(trace.last?.heard.finished ?? false, "the playhead never reached the end of the clip")

        // Lags from 100 ms before the play call to 500 ms after it.
        let k = recording.index(at: tPlay)
        let peak = SoundCorrelation.peak(clip: clip, recording: recording.samples, lags: (k - Self.rate / 10)..<(k + Self.rate / 2))
        let lag = recording.time(of: peak.lag) - tPlay
        // Exact path: anything short of 1 is a lost, repeated or scaled chunk (an underrun). One lost 10 ms
        // chunk in the last 10 ms of this 1.5 s clip would already give 1 − 0.0067.
        XCTAssertGreaterThan(peak.correlation, 0.999, "recording vs clip")

        // The playhead against the recording: at time t the monitor receives frame
        // index(at: t) − peak.lag; the playhead said heard.position.
        let inside = trace.filter { $0.heard.position > 0.05 && $0.heard.position < 1.45 && $0.heard.latency > 0 }
        guard inside.count > 20 else {
            return XCTFail("too few playhead reports while playing: \(trace.count) in all, e.g. \(trace.prefix(5).map(\.heard))")
        }
        // The monitor leads the sink's clock by the sink's render-ahead (`sinkAhead`): the frame
        // "heard" at t is the one the monitor got sinkAhead earlier.
        let errors = inside.map { Double(recording.index(at: $0.t - sinkAhead) - peak.lag) / Double(Self.rate) - $0.heard.position }.sorted()
        let median = errors[errors.count / 2]
        let worst = errors.map(abs).max() ?? 0
        let latencies = inside.map(\.heard.latency).sorted()
        let reported = latencies[latencies.count / 2]
        // What the stream reported at the clip's first write: the flush left only the sink's
        // own block and this chunk queued, so it is smaller than the steady-state figure.
        let firstLatency = trace.first { $0.heard.latency > 0 }?.heard.latency ?? 0
        print(String(format: "sound: peak correlation %.6f at lag %.1f ms after play(); reported latency at the first write %.1f ms, median %.1f ms (min %.1f, max %.1f); "
                     + "playhead − heard: median %+.1f ms, worst |%.1f| ms over %d reports",
                     peak.correlation, lag * 1000, firstLatency * 1000, reported * 1000, latencies.first! * 1000, latencies.last! * 1000,
                     median * 1000, worst * 1000, inside.count))
        XCTAssertLessThan(abs(median), Self.playheadTolerance, "the playhead is off what the sink plays")
        // A single report may come a frame late on a loaded machine (the polling thread and the
        // writer are scheduled like any other): two frames for the worst, one for the median.
        XCTAssertLessThan(worst, 2 * Self.playheadTolerance, "a playhead report is off what the sink plays")
        // The latency the recording measures (frames written − the frame the sink plays, the
        // same reports) against the latency the stream reported: their difference is the
        // playhead error, checked above; printed for the record. (The report at the clip's very
        // first write is no measurement: after the flush libpulse's interpolated latency still
        // counts the dropped queue until its next timing update.)
        let measured = inside.map { $0.heard.latency - (Double(recording.index(at: $0.t - sinkAhead) - peak.lag) / Double(Self.rate) - $0.heard.position) }.sorted()
        print(String(format: "sound: sink render-ahead %.1f ms; latency measured from the recording %.1f ms (median) vs reported %.1f ms; "
                     + "first write reported %.1f ms, clip onset at the monitor %.1f ms after play()",
                     sinkAhead * 1000, measured[measured.count / 2] * 1000, reported * 1000, firstLatency * 1000, lag * 1000))
    }

    /// A swap (the explorer's condition change: play the other clip from 0) is heard within
    /// 50 ms of the call.
    func testSwapChangesSoundWithin50ms() throws {
        let (server, rec, sound) = try startServer()
        defer { sound.close(); server.stop() }
        let run = SoundCheck.keyToSound(sound: sound, recorder: rec, swaps: 6)
        for (i, d) in run.delays.enumerated() where d == nil { XCTFail("swap \(i): the new clip never started within 250 ms") }
        let delays = run.delays.compactMap { $0 }
        guard !delays.isEmpty else { return }
        let sorted = delays.sorted()
        print(String(format: "sound: key-to-sound over %d swaps: median %.1f ms, max %.1f ms (%@); reported latency %.1f ms", delays.count,
                     sorted[sorted.count / 2] * 1000, sorted.last! * 1000, delays.map { String(format: "%.1f", $0 * 1000) }.joined(separator: ", "), run.latency * 1000))
        // The swap is heard within 50 ms: the writer notices it within one 10 ms chunk, the
        // flush drops the queued old clip, and only the sink's own block is left to play out.
        XCTAssertLessThan(sorted[sorted.count / 2], 0.050, "key-to-sound (median)")
    }

    /// No server: one status line, no stream, calls do nothing, nothing hangs.
    func testNoServerIsOneLineAndNoHang() throws {
        var options = SoundOutput.Options(server: "unix:/nonexistent-sslsan/native")
        options.alsaFallback = false
        let t0 = monotonicSeconds()
        let sound = SoundOutput(options: options, status: { _ in })
        XCTAssertLessThan(monotonicSeconds() - t0, 0.5, "SoundOutput.init waited for the connection")
        let end = t0 + 5
        while !sound.notice.hasPrefix("no sound") && monotonicSeconds() < end { usleep(10_000) }
        XCTAssertTrue(sound.notice.hasPrefix("no sound"), sound.notice)
        XCTAssertTrue(sound.notice.hasSuffix("silent playback"), sound.notice)
        XCTAssertFalse(sound.notice.contains("\n"), sound.notice)
        XCTAssertFalse(sound.isOpen)
        sound.play([0.1, 0.2], rate: Self.rate, from: 0)
        XCTAssertNil(sound.heard(), "no stream: the caller's clock must stand in")
        sound.stop()
        sound.close()
    }

    /// A server that never answers (a TCP address nothing routes to) is reported after the
    /// connect timeout, while the caller runs on.
    func testUnansweredServerIsReportedAfterTimeout() throws {
        var options = SoundOutput.Options(server: "tcp:192.0.2.1:4713")  // TEST-NET-1: never routed
        options.alsaFallback = false
        options.connectTimeout = 0.3
        let t0 = monotonicSeconds()
        let sound = SoundOutput(options: options, status: { _ in })
        XCTAssertLessThan(monotonicSeconds() - t0, 0.2)
        let end = t0 + 10
        while sound.notice.hasPrefix("sound: connecting") && monotonicSeconds() < end { usleep(10_000) }
        XCTAssertTrue(sound.notice.hasPrefix("no sound"), sound.notice)
        XCTAssertNil(sound.heard())
        sound.close()
    }

    /// The ALSA fallback on alsa-lib's `null` PCM (in every alsa-lib configuration; no card
    /// needed): writes are paced by the device clock, the delay is reported within the buffer, a
    /// flush empties it. An unknown PCM is a one-line error.
    func testALSAStreamOnNullPCM() throws {
        let s: ALSAStream
        do { s = try ALSAStream(rate: Self.rate, bufferMS: 40, device: "null") } catch {
            throw XCTSkip("alsa-lib has no null PCM here: \(error)")
        }
        let chunk = [Float](repeating: 0.1, count: Self.rate / 100)
        for _ in 0..<20 { XCTAssertTrue(chunk.withUnsafeBufferPointer { s.write($0) }) }
        let latency = s.latency()
        XCTAssertGreaterThanOrEqual(latency, 0)
        XCTAssertLessThanOrEqual(latency, 0.2, "more queued than written")
        s.flush()
        XCTAssertTrue(chunk.withUnsafeBufferPointer { s.write($0) }, "the stream does not take writes after a flush")
        XCTAssertThrowsError(try ALSAStream(rate: Self.rate, bufferMS: 40, device: "sslsan_no_such_pcm")) { e in
            XCTAssertFalse("\(e)".contains("\n"))
            XCTAssertTrue("\(e)".contains("sslsan_no_such_pcm"), "\(e)")
        }
    }

    /// The noise plays what the model hears, scaled to an audible level the status line names.
    func testNoiseIsScaledAndLabelled() {
        XCTAssertEqual(SoundOutput.gain(for: .positive), 1)
        XCTAssertEqual(SoundOutput.gain(for: .silence), 1)
        XCTAssertEqual(SoundOutput.gain(for: .noise), 0.1)
        XCTAssertNotNil(SoundOutput.playbackLabel(for: .noise)?.range(of: "−20 dB"))
        XCTAssertNil(SoundOutput.playbackLabel(for: .positive))
    }
}
