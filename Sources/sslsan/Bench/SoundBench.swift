import Foundation
import TUI

/// Key-to-sound time for `sslsan bench --sections sound`: the explorer's `SoundOutput` plays on
/// a private PulseAudio server's null sink (`PulseNullSink`; the user's own server is left
/// alone), and each swap is timed from the `play` call to the first sample of the new clip at
/// the sink's monitor (`SoundCheck.keyToSound`). Skipped, saying why, without pulseaudio/parec.
public enum SoundBench {
    public static func run(swaps: Int = 20) -> [String: Any] {
        if let missing = PulseNullSink.missingPrograms { return ["skipped": missing] }
        do {
            let server = try PulseNullSink(rate: 16000)
            defer { server.stop() }
            let recorder = try server.record()
            let sound = SoundOutput(options: SoundOutput.Options(server: server.server), status: { _ in })
            defer { sound.close() }
            let end = monotonicSeconds() + 10
            while (!sound.isOpen || recorder.count < 1600) && monotonicSeconds() < end { usleep(10_000) }
            guard sound.isOpen else { _ = recorder.stop(); return ["skipped": sound.notice] }
            let run = SoundCheck.keyToSound(sound: sound, recorder: recorder, swaps: swaps)
            let found = run.delays.compactMap { $0 }.map { $0 * 1000 }.sorted()
            func q(_ p: Double) -> Double { found.isEmpty ? .nan : found[min(found.count - 1, Int(p * Double(found.count)))] }
            return ["key_to_sound_ms": ["median": q(0.5), "p90": q(0.9), "max": found.last ?? .nan, "min": found.first ?? .nan],
                    "swaps": swaps, "swaps_not_heard_within_250ms": run.delays.count - found.count,
                    "reported_latency_ms": run.latency * 1000,
                    "buffer_ms": sound.options.bufferMS, "chunk_ms": sound.options.chunkMS,
                    "sink": "PulseAudio null sink, mono float32 16 kHz (private server)"]
        } catch {
            return ["skipped": "\(error)"]
        }
    }
}
