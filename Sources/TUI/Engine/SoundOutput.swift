import Foundation
import Synchronization

/// Plays a clip through the sound device when there is one, by running `paplay`, `pw-play` or
/// `aplay` on a temporary WAV file. No device (or no player) is a one-line notice, never an
/// error: the playhead and the live map run on the clock either way.
final class SoundOutput: @unchecked Sendable {
    private let player: String?
    private var process: Process?
    private let generation = Atomic<Int>(0)
    private let inbox: Inbox
    private let tmpPath: String
    private(set) var notice: String?

    init(inbox: Inbox) {
        self.inbox = inbox
        tmpPath = NSTemporaryDirectory() + "sslsan-play-\(getpid()).wav"
        if ProcessInfo.processInfo.environment["SSLSAN_NO_SOUND"] != nil {
            player = nil
        } else {
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            player = ["paplay", "pw-play", "aplay"].lazy.compactMap { name in
                path.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            }.first
        }
        if player == nil { notice = "no sound player: silent playback" }
    }

    /// Starts playing `samples` (mono, `rate` Hz) from `offset` seconds; stops what was playing.
    func play(_ samples: [Float], rate: Int, from offset: Double) {
        stop()
        guard let player else { return }
        let start = max(0, min(samples.count, Int(offset * Double(rate))))
        guard start < samples.count else { return }
        guard (try? Self.wav(Array(samples[start...]), rate: rate).write(to: URL(fileURLWithPath: tmpPath))) != nil else {
            notice = "cannot write a temporary sound file: silent playback"; return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: player)
        p.arguments = [tmpPath]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        let gen = generation.add(1, ordering: .relaxed).newValue
        let inbox = self.inbox
        let name = URL(fileURLWithPath: player).lastPathComponent
        p.terminationHandler = { [weak self] proc in
            guard let self, self.generation.load(ordering: .relaxed) == gen else { return }
            if proc.terminationReason == .exit && proc.terminationStatus != 0 {
                inbox.post(.notice("no sound device (\(name) exit \(proc.terminationStatus)): silent playback"))
            }
        }
        do { try p.run(); process = p } catch { notice = "cannot start \(name): silent playback" }
    }

    func stop() {
        generation.add(1, ordering: .relaxed)
        if let p = process, p.isRunning { p.terminate() }
        process = nil
    }

    deinit { stop(); unlink(tmpPath) }

    /// 16-bit PCM mono WAV bytes.
    static func wav(_ s: [Float], rate: Int) -> Data {
        var d = Data(capacity: 44 + 2 * s.count)
        func u32(_ v: UInt32) { var x = v.littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { var x = v.littleEndian; withUnsafeBytes(of: &x) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + 2 * s.count)); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(UInt32(rate)); u32(UInt32(rate * 2)); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(2 * s.count))
        for v in s { u16(UInt16(bitPattern: Int16(max(-1, min(1, v.isNaN ? 0 : v)) * 32767))) }
        return d
    }
}
