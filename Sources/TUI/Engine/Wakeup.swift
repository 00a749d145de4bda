import Foundation
import Synchronization

/// A pipe the UI thread polls beside stdin: workers write a byte to wake it.
final class Wakeup: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        readFD = fds[0]; writeFD = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    func wake() {
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    /// Reads everything pending; true when a quit request (byte 'Q', from a signal) was among it.
    func drain() -> Bool {
        var buf = [UInt8](repeating: 0, count: 256)
        var quit = false
        while true {
            let n = read(readFD, &buf, 256)
            if n <= 0 { break }
            if buf[0..<n].contains(UInt8(ascii: "Q")) { quit = true }
        }
        return quit
    }

    deinit { close(readFD); close(writeFD) }
}

/// Messages from workers to the UI thread.
enum WorkerMessage: Sendable {
    case scene(SceneState, generation: Int)
    case live(LiveMap, computeMS: Double, generation: Int)
    case scoring(ScoringUpdate, generation: Int)
    case notice(String)
    /// The sound output's status line (`SoundOutput`): connected, not answering, no sound.
    case sound(String)
    case training(TrainingUpdate)
}

/// Progress from a background training run.
public enum TrainingUpdate: Sendable {
    case started(stepsPerEpoch: Int)
    case step(epoch: Int, step: Int, loss: Double, lossSilence: Double?, lossNoise: Double?)
    case validation(String)
    case checkpoint(String)
    case finished, stopped
    case failed(String)
}

/// The queue workers post to; the UI drains it every loop turn. A scene or a live map replaces
/// any undelivered one (only the newest is ever shown): each scene holds its four waveforms and
/// image, and before this a UI busy with a burst of keys let every scene prepared meanwhile pile
/// up here (resident memory grew by 2–3 MB per scene in a random-key soak).
final class Inbox: Sendable {
    private let messages = Mutex<[WorkerMessage]>([])
    let wakeup: Wakeup
    init(wakeup: Wakeup) { self.wakeup = wakeup }

    func post(_ m: WorkerMessage) {
        messages.withLock { q in
            switch m {
            case .scene: q.removeAll { if case .scene = $0 { true } else { false } }
            case .live: q.removeAll { if case .live = $0 { true } else { false } }
            default: break
            }
            q.append(m)
        }
        wakeup.wake()
    }

    /// Messages waiting (for tests).
    var count: Int { messages.withLock { $0.count } }

    func drain() -> [WorkerMessage] { messages.withLock { m in defer { m.removeAll() }; return m } }
}

/// A latest-wins request slot with a condition variable: the worker takes the newest request,
/// older ones are dropped.
final class RequestSlot<T: Sendable>: @unchecked Sendable {
    private let cond = NSCondition()
    private var pending: T?
    private var closed = false

    func put(_ r: T) { cond.lock(); pending = r; cond.signal(); cond.unlock() }
    func close() { cond.lock(); closed = true; cond.broadcast(); cond.unlock() }
    var isClosed: Bool { cond.lock(); defer { cond.unlock() }; return closed }

    /// Blocks until a request arrives; nil when closed.
    func take() -> T? {
        cond.lock(); defer { cond.unlock() }
        while pending == nil && !closed { cond.wait() }
        if closed { return nil }
        let r = pending; pending = nil
        return r
    }

    /// The pending request, if any, without blocking.
    func poll() -> T? {
        cond.lock(); defer { cond.unlock() }
        let r = pending; pending = nil
        return r
    }
}

public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
